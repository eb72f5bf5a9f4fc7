package engine

import (
	"context"
	"math"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// Novelty detection: which current embeddings lie where the reference has
// none, and which of them group into new clusters. All similarities are cosine
// similarities of the original vectors (no dimension reduction).
//
//  1. Score: every point's mean similarity to its k = 10 nearest reference
//     points (a reference point is not its own neighbour; k shrinks to the
//     reference size − 1 for tiny references).
//  2. Threshold τ: the 1st percentile (linear interpolation) of the reference
//     points' own scores, i.e. how far the most isolated 1% of the reference
//     sits from the rest of it.
//  3. A current point is novel when its score is below τ: it is farther from
//     the reference than 99% of the reference is from itself. When current and
//     reference come from the same distribution about 1% of the current points
//     are flagged, whatever the ratio of reference to current points.
//  4. Novel points are grouped in two steps. (a) Two novel points are linked
//     when their similarity is at least τ, i.e. when they are as close as
//     reference points are to their neighbourhood; groups are the connected
//     components. (b) Groups of two or more points are merged (single
//     linkage) when their mean directions are more similar to each other than
//     either is to its nearest reference point. So one new region of the
//     space is one cluster even when it has sub-structure (a new language's
//     positive and negative reviews), while the isolated outliers of known
//     clusters (the 1% above) and scattered one-off points stay apart.
//  5. Clusters of at least minClusterSize points (default 10) are reported,
//     largest first, numbered from 1.
//
// The simpler rule "a current point none of whose k nearest neighbours among
// reference ∪ current is a reference point" depends on the sample sizes: an
// ordinary point has no reference neighbour among 10 with probability
// (1 − p)^10 where p is the reference's share of the pooled sample, 0.6% with
// 2,000 reference and 3,000 current points but 21% with 500 reference points,
// so its false alarms grow as the reference shrinks. Scoring against the
// reference only, with a threshold taken from the reference, avoids that.
//
// Cost: brute force, (reference + current) × reference dot products of float32
// unit vectors in row blocks against reference tiles (BLAS sgemv, SIMD dot
// kernels), spread over up to four goroutines; then the pairs of novel points
// and of their groups' mean directions.

const (
	noveltyK              = 10
	noveltyQuantile       = 0.01
	defaultMinClusterSize = 10
	noveltyExamples       = 5
	// noveltyMaxWork bounds the multiply-adds of one detection (about 2–4 s on
	// two cores); past it detection is skipped and the result says so.
	noveltyMaxWork  = 8e9
	noveltyRowBlock = 32
	noveltyTile     = 128
)

// noveltyWorkers is how many goroutines compute similarities.
func noveltyWorkers() int { return min(runtime.GOMAXPROCS(0), 4) }

// novelCluster is one reported cluster of novel current points.
type novelCluster struct {
	Members  []int // indices of current points, ascending
	Examples []int // up to noveltyExamples members nearest the cluster's centroid
}

// noveltyResult is the outcome of detectNovelty.
type noveltyResult struct {
	K         int
	Threshold float64
	Score     []float64 // per current point
	Novel     []bool    // per current point
	Cluster   []int     // per current point: index into Clusters, or -1
	Clusters  []novelCluster
	// Linked is false when there were too many novel points to link.
	Linked bool
}

// unitRows copies vectors into one row-major float32 matrix of unit rows; a
// zero vector stays zero (similarity 0 to everything).
func unitRows(vecs [][]float32, d int) []float32 {
	out := make([]float32, len(vecs)*d)
	for i, v := range vecs {
		row := out[i*d : (i+1)*d]
		n := 0.0
		for _, x := range v {
			n += float64(x) * float64(x)
		}
		if n == 0 {
			continue
		}
		inv := 1 / math.Sqrt(n)
		for k, x := range v {
			row[k] = float32(float64(x) * inv)
		}
	}
	return out
}

// parallelRows runs fn over row blocks [lo, hi) of n rows on the workers,
// stopping early when the context ends.
func parallelRows(ctx context.Context, n, block int, fn func(worker, lo, hi int)) error {
	workers := noveltyWorkers()
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for ctx.Err() == nil {
				lo := int(next.Add(int64(block))) - block
				if lo >= n {
					return
				}
				fn(w, lo, min(lo+block, n))
			}
		}(w)
	}
	wg.Wait()
	return ctx.Err()
}

// nearestReference returns, for each row of x, the mean similarity of its k
// most similar rows of r and the largest similarity. self marks x == r: a row
// is then not compared with itself.
func nearestReference(ctx context.Context, x []float32, r []float32, d, k int, self bool) (score []float64, best []float32, err error) {
	nx, nr := len(x)/d, len(r)/d
	score = make([]float64, nx)
	best = make([]float32, nx)
	workers := noveltyWorkers()
	bufs := make([][]float32, workers)
	tops := make([][]float32, workers)
	for w := range bufs {
		bufs[w] = make([]float32, noveltyRowBlock*noveltyTile)
		tops[w] = make([]float32, noveltyRowBlock*k)
	}
	err = parallelRows(ctx, nx, noveltyRowBlock, func(w, lo, hi int) {
		buf, top := bufs[w], tops[w]
		for i := range top {
			top[i] = -math.MaxFloat32
		}
		for j0 := 0; j0 < nr; j0 += noveltyTile {
			j1 := min(j0+noveltyTile, nr)
			tile := blas32.General{Rows: j1 - j0, Cols: d, Stride: d, Data: r[j0*d : j1*d]}
			for i := lo; i < hi; i++ {
				out := buf[(i-lo)*noveltyTile : (i-lo)*noveltyTile+j1-j0]
				blas32.Gemv(blas.NoTrans, 1, tile, blas32.Vector{N: d, Inc: 1, Data: x[i*d : (i+1)*d]}, 0, blas32.Vector{N: j1 - j0, Inc: 1, Data: out})
				t := top[(i-lo)*k : (i-lo+1)*k]
				for jj, s := range out {
					if s <= t[k-1] || (self && j0+jj == i) {
						continue
					}
					p := k - 1
					for p > 0 && t[p-1] < s {
						t[p] = t[p-1]
						p--
					}
					t[p] = s
				}
			}
		}
		for i := lo; i < hi; i++ {
			t := top[(i-lo)*k : (i-lo+1)*k]
			sum := 0.0
			for _, s := range t {
				sum += float64(s)
			}
			score[i], best[i] = sum/float64(k), t[0]
		}
	})
	return score, best, err
}

// quantile is numpy's default (linear) quantile of xs, which it sorts.
func quantile(xs []float64, q float64) float64 {
	sort.Float64s(xs)
	pos := q * float64(len(xs)-1)
	lo := int(math.Floor(pos))
	if lo+1 >= len(xs) {
		return xs[len(xs)-1]
	}
	return xs[lo] + (pos-float64(lo))*(xs[lo+1]-xs[lo])
}

// unionFind is a disjoint-set forest over 0…n−1.
type unionFind []int32

func newUnionFind(n int) unionFind {
	u := make(unionFind, n)
	for i := range u {
		u[i] = int32(i)
	}
	return u
}

func (u unionFind) find(i int) int {
	for int(u[i]) != i {
		u[i] = u[u[i]]
		i = int(u[i])
	}
	return i
}

func (u unionFind) union(a, b int) {
	ra, rb := u.find(a), u.find(b)
	if ra == rb {
		return
	}
	if ra > rb {
		ra, rb = rb, ra
	}
	u[rb] = int32(ra) // the smallest index is the root: deterministic
}

// detectNovelty applies the rule above to reference and current vectors of
// dimension d. It needs at least two reference vectors.
func detectNovelty(ctx context.Context, ref, cur [][]float32, d, minClusterSize int) (*noveltyResult, error) {
	k := min(noveltyK, len(ref)-1)
	res := &noveltyResult{K: k, Linked: true}
	nc := len(cur)
	res.Novel = make([]bool, nc)
	res.Cluster = make([]int, nc)
	for i := range res.Cluster {
		res.Cluster[i] = -1
	}
	r, c := unitRows(ref, d), unitRows(cur, d)
	refScore, _, err := nearestReference(ctx, r, r, d, k, true)
	if err != nil {
		return nil, err
	}
	res.Threshold = quantile(refScore, noveltyQuantile)
	if nc == 0 {
		return res, nil
	}
	if res.Score, _, err = nearestReference(ctx, c, r, d, k, false); err != nil {
		return nil, err
	}
	var novel []int
	for i, s := range res.Score {
		if s < res.Threshold {
			res.Novel[i] = true
			novel = append(novel, i)
		}
	}
	m := len(novel)
	if m < 2 {
		return res, nil
	}
	if float64(m)*float64(m)/2*float64(d) > noveltyMaxWork {
		res.Linked = false
		return res, nil
	}
	nv := make([]float32, m*d)
	for a, i := range novel {
		copy(nv[a*d:(a+1)*d], c[i*d:(i+1)*d])
	}
	groups, err := linkNovel(ctx, nv, d, float32(res.Threshold))
	if err != nil {
		return nil, err
	}
	if groups, err = mergeGroups(ctx, nv, r, d, groups); err != nil {
		return nil, err
	}
	for _, g := range groups {
		if len(g) < minClusterSize {
			continue
		}
		members := make([]int, len(g))
		for i, a := range g {
			members[i] = novel[a]
		}
		sort.Ints(members)
		res.Clusters = append(res.Clusters, novelCluster{Members: members})
	}
	sort.Slice(res.Clusters, func(i, j int) bool {
		a, b := res.Clusters[i].Members, res.Clusters[j].Members
		if len(a) != len(b) {
			return len(a) > len(b)
		}
		return a[0] < b[0]
	})
	for ci := range res.Clusters {
		cl := &res.Clusters[ci]
		for _, i := range cl.Members {
			res.Cluster[i] = ci
		}
		cl.Examples = nearestCentroid(c, d, cl.Members, noveltyExamples)
	}
	return res, nil
}

// linkNovel groups the rows of nv (unit vectors) into the connected components
// of "similarity ≥ tau" (step 4a), each a list of row indices, ascending.
func linkNovel(ctx context.Context, nv []float32, d int, tau float32) ([][]int, error) {
	m := len(nv) / d
	// Each worker links into its own forest; the forests are merged after.
	forests := make([]unionFind, noveltyWorkers())
	bufs := make([][]float32, len(forests))
	for w := range forests {
		forests[w] = newUnionFind(m)
		bufs[w] = make([]float32, m)
	}
	err := parallelRows(ctx, m, 8, func(w, lo, hi int) {
		uf, buf := forests[w], bufs[w]
		for a := lo; a < hi; a++ {
			rest := m - a - 1
			if rest == 0 {
				continue
			}
			others := blas32.General{Rows: rest, Cols: d, Stride: d, Data: nv[(a+1)*d:]}
			out := buf[:rest]
			blas32.Gemv(blas.NoTrans, 1, others, blas32.Vector{N: d, Inc: 1, Data: nv[a*d : (a+1)*d]}, 0, blas32.Vector{N: rest, Inc: 1, Data: out})
			for bb, s := range out {
				if s >= tau {
					uf.union(a, a+1+bb)
				}
			}
		}
	})
	if err != nil {
		return nil, err
	}
	all := newUnionFind(m)
	for _, uf := range forests {
		for a := 0; a < m; a++ {
			all.union(a, uf.find(a))
		}
	}
	return components(all), nil
}

// components lists a forest's sets, each ascending, ordered by their smallest member.
func components(uf unionFind) [][]int {
	index := map[int]int{}
	var out [][]int
	for a := range uf {
		root := uf.find(a)
		g, ok := index[root]
		if !ok {
			g = len(out)
			index[root] = g
			out = append(out, nil)
		}
		out[g] = append(out[g], a)
	}
	return out
}

// mergeGroups joins groups of at least two rows whose mean directions are
// more similar to each other than either is to its nearest reference row
// (step 4b); single points stay as they are.
func mergeGroups(ctx context.Context, nv, r []float32, d int, groups [][]int) ([][]int, error) {
	var big []int
	for g, members := range groups {
		if len(members) >= 2 {
			big = append(big, g)
		}
	}
	if len(big) < 2 {
		return groups, nil
	}
	cents := make([][]float32, len(big))
	for i, g := range big {
		sum := make([]float32, d)
		for _, a := range groups[g] {
			for k, x := range nv[a*d : (a+1)*d] {
				sum[k] += x
			}
		}
		cents[i] = sum
	}
	cu := unitRows(cents, d)
	_, best, err := nearestReference(ctx, cu, r, d, 1, false)
	if err != nil {
		return nil, err
	}
	uf := newUnionFind(len(big))
	for i := range big {
		for j := i + 1; j < len(big); j++ {
			s := blas32.Dot(blas32.Vector{N: d, Inc: 1, Data: cu[i*d : (i+1)*d]}, blas32.Vector{N: d, Inc: 1, Data: cu[j*d : (j+1)*d]})
			if s > best[i] && s > best[j] {
				uf.union(i, j)
			}
		}
	}
	merged := map[int][]int{}
	var out [][]int
	for _, members := range groups {
		if len(members) < 2 {
			out = append(out, members)
		}
	}
	for i, g := range big {
		root := uf.find(i)
		merged[root] = append(merged[root], groups[g]...)
	}
	for i := range big {
		if ms, ok := merged[i]; ok {
			sort.Ints(ms)
			out = append(out, ms)
		}
	}
	return out, nil
}

// nearestCentroid returns up to n members most similar to the members' mean
// direction, most similar first.
func nearestCentroid(rows []float32, d int, members []int, n int) []int {
	centre := make([]float64, d)
	for _, i := range members {
		for k, x := range rows[i*d : (i+1)*d] {
			centre[k] += float64(x)
		}
	}
	type scored struct {
		i int
		s float64
	}
	s := make([]scored, len(members))
	for a, i := range members {
		dot := 0.0
		for k, x := range rows[i*d : (i+1)*d] {
			dot += float64(x) * centre[k]
		}
		s[a] = scored{i, dot}
	}
	sort.SliceStable(s, func(a, b int) bool { return s[a].s > s[b].s })
	out := make([]int, 0, n)
	for _, x := range s[:min(n, len(s))] {
		out = append(out, x.i)
	}
	return out
}
