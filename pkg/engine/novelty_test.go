package engine

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// blobs draws n points around the given centres (round robin) with Gaussian
// noise of the given size per dimension.
func blobs(rng *rand.Rand, centres [][]float64, n int, noise float64) [][]float32 {
	out := make([][]float32, n)
	for i := range out {
		c := centres[i%len(centres)]
		v := make([]float32, len(c))
		for k := range v {
			v[k] = float32(c[k] + noise*rng.NormFloat64())
		}
		out[i] = v
	}
	return out
}

func unitVector(rng *rand.Rand, d int) []float64 {
	v := make([]float64, d)
	n := 0.0
	for k := range v {
		v[k] = rng.NormFloat64()
		n += v[k] * v[k]
	}
	for k := range v {
		v[k] /= math.Sqrt(n)
	}
	return v
}

func mix(a []float64, wa float64, b []float64, wb float64) []float64 {
	out := make([]float64, len(a))
	n := 0.0
	for k := range a {
		out[k] = wa*a[k] + wb*b[k]
		n += out[k] * out[k]
	}
	for k := range out {
		out[k] /= math.Sqrt(n)
	}
	return out
}

func novelCount(r *noveltyResult) int {
	n := 0
	for _, b := range r.Novel {
		if b {
			n++
		}
	}
	return n
}

func TestNoveltyDoesNotDependOnSampleSizes(t *testing.T) {
	const d = 48
	rng := rand.New(rand.NewPCG(1, 2))
	var centres [][]float64
	for i := 0; i < 6; i++ {
		centres = append(centres, unitVector(rng, d))
	}
	// Same distribution, a reference 20 times smaller than the current sample:
	// about 1% of the current points are flagged and none of them cluster.
	for _, nr := range []int{150, 3000} {
		ref := blobs(rng, centres, nr, 0.04)
		cur := blobs(rng, centres, 3000, 0.04)
		res, err := detectNovelty(context.Background(), ref, cur, d, 10)
		if err != nil {
			t.Fatal(err)
		}
		if n := novelCount(res); n > 90 {
			t.Errorf("reference of %d: %d of 3000 same-distribution points novel, want about 30", nr, n)
		}
		if len(res.Clusters) != 0 {
			t.Errorf("reference of %d: %d clusters in a same-distribution sample", nr, len(res.Clusters))
		}
		if res.K != noveltyK {
			t.Errorf("k = %d", res.K)
		}
	}
}

func TestNoveltyFindsANewRegionAsOneCluster(t *testing.T) {
	const d = 48
	rng := rand.New(rand.NewPCG(3, 4))
	var centres [][]float64
	for i := 0; i < 6; i++ {
		centres = append(centres, unitVector(rng, d))
	}
	ref := blobs(rng, centres, 1000, 0.04)
	cur := blobs(rng, centres, 1500, 0.04)
	// A new region with two sub-clusters (like one language's two sentiments)
	// close to each other, far from everything known.
	base := unitVector(rng, d)
	subA, subB := mix(base, 1, unitVector(rng, d), 0.35), mix(base, 1, unitVector(rng, d), 0.35)
	newStart := len(cur)
	cur = append(cur, blobs(rng, [][]float64{subA, subB}, 200, 0.04)...)
	// Scattered outliers in random directions: novel, but not a cluster.
	scatterStart := len(cur)
	for i := 0; i < 30; i++ {
		cur = append(cur, blobs(rng, [][]float64{unitVector(rng, d)}, 1, 0.04)...)
	}
	res, err := detectNovelty(context.Background(), ref, cur, d, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Clusters) != 1 {
		t.Fatalf("%d clusters, want the new region as one", len(res.Clusters))
	}
	cl := res.Clusters[0]
	if len(cl.Members) != 200 || cl.Members[0] != newStart || cl.Members[199] != scatterStart-1 {
		t.Errorf("cluster of %d members from %d to %d, want the 200 new points", len(cl.Members), cl.Members[0], cl.Members[len(cl.Members)-1])
	}
	for i := scatterStart; i < len(cur); i++ {
		if !res.Novel[i] || res.Cluster[i] != -1 {
			t.Errorf("scattered point %d: novel %v, cluster %d", i, res.Novel[i], res.Cluster[i])
		}
	}
	if len(cl.Examples) != noveltyExamples {
		t.Errorf("%d examples", len(cl.Examples))
	}
	for _, ex := range cl.Examples {
		if ex < newStart || ex >= scatterStart {
			t.Errorf("example %d is not in the cluster", ex)
		}
	}
	// A larger minimum size drops it.
	if res, _ := detectNovelty(context.Background(), ref, cur, d, 201); len(res.Clusters) != 0 {
		t.Errorf("minClusterSize 201: %d clusters", len(res.Clusters))
	}
}

func TestNoveltyEdgeCases(t *testing.T) {
	const d = 8
	rng := rand.New(rand.NewPCG(5, 6))
	c := [][]float64{unitVector(rng, d)}
	// A two-point reference: k shrinks to 1.
	res, err := detectNovelty(context.Background(), blobs(rng, c, 2, 0.01), blobs(rng, c, 5, 0.01), d, 2)
	if err != nil || res.K != 1 || len(res.Novel) != 5 {
		t.Fatalf("two-point reference: %+v, %v", res, err)
	}
	// A zero vector is far from everything but never divides by zero.
	cur := append(blobs(rng, c, 3, 0.01), make([]float32, d))
	res, err = detectNovelty(context.Background(), blobs(rng, c, 20, 0.01), cur, d, 2)
	if err != nil || !res.Novel[3] || math.IsNaN(res.Score[3]) {
		t.Fatalf("zero vector: novel %v score %v, %v", res.Novel, res.Score, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := detectNovelty(ctx, blobs(rng, c, 500, 0.01), blobs(rng, c, 500, 0.01), d, 2); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestPCAMatchesTheExactSVD(t *testing.T) {
	const d, n, rank = 120, 2500, 8
	rng := rand.New(rand.NewPCG(7, 8))
	var basis [][]float64
	for i := 0; i < rank; i++ {
		basis = append(basis, unitVector(rng, d))
	}
	vecs := make([][]float32, n)
	for i := range vecs {
		v := make([]float64, d)
		for j, b := range basis {
			a := rng.NormFloat64() * float64(rank-j) // decreasing spread
			for k := range v {
				v[k] += a * b[k]
			}
		}
		for k := range v {
			v[k] += 0.2*rng.NormFloat64() + 3 // noise and an offset the centring removes
		}
		vecs[i] = f32(v)
	}
	fit, err := fitPCA(vecs, d, 50)
	if err != nil {
		t.Fatal(err)
	}
	// The exact answer on the same fit rows (every n/2000-th).
	nf := pcaMaxFit
	x := mat.NewDense(nf, d, nil)
	for a := 0; a < nf; a++ {
		for k := 0; k < d; k++ {
			x.Set(a, k, float64(vecs[a*n/nf][k])-fit.mean[k])
		}
	}
	var svd mat.SVD
	if !svd.Factorize(x, mat.SVDThinV) {
		t.Fatal("svd")
	}
	sv := svd.Values(nil)
	total, top := 0.0, 0.0
	for i, s := range sv {
		total += s * s
		if i < 50 {
			top += s * s
		}
	}
	if math.Abs(fit.explained-top/total) > 1e-3*top/total {
		t.Errorf("explained variance %.6f, exact %.6f", fit.explained, top/total)
	}
	var v mat.Dense
	svd.VTo(&v)
	for j := 0; j < rank; j++ {
		dot, big := 0.0, 0.0
		for k := 0; k < d; k++ {
			dot += fit.components.At(k, j) * v.At(k, j)
			if x := fit.components.At(k, j); math.Abs(x) > math.Abs(big) {
				big = x
			}
		}
		if math.Abs(dot) < 0.999 {
			t.Errorf("component %d: |cos| with the exact one %.5f", j, math.Abs(dot))
		}
		if big <= 0 {
			t.Errorf("component %d: largest loading %v is not positive", j, big)
		}
	}
	// The projection keeps the distances of points in the signal's span.
	out := fit.project(vecs[:2])
	if len(out[0]) != 50 {
		t.Fatalf("projected to %d dimensions", len(out[0]))
	}
	dist := func(a, b []float32) float64 {
		s := 0.0
		for k := range a {
			s += (float64(a[k]) - float64(b[k])) * (float64(a[k]) - float64(b[k]))
		}
		return math.Sqrt(s)
	}
	if orig, proj := dist(vecs[0], vecs[1]), dist(out[0], out[1]); proj > orig*1.000001 || proj < 0.95*orig {
		t.Errorf("distance %v becomes %v after projection", orig, proj)
	}
	again, _ := fitPCA(vecs, d, 50)
	if !mat.Equal(again.components, fit.components) {
		t.Error("two fits differ")
	}
}
