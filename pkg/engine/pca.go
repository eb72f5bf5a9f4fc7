package engine

import (
	"errors"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// PCA of the sampled embeddings, so the browser's UMAP works on 50 dimensions
// instead of hundreds.
//
// The components are fitted on the sample itself (at most pcaMaxFit points,
// evenly spaced in the sample's order when there are more) by randomized
// subspace iteration: a seeded Gaussian d × (p+10) start, four passes of
// Q ← orth(Xᵀ X Q) on the centred fit matrix X, then an exact SVD (gonum/mat)
// of X Q, whose right singular vectors rotated back by Q are the components.
// It costs O(n·d·p) per pass rather than the O(d³) of an eigendecomposition
// of the covariance, so it stays fast for 1,536-dimensional embeddings too,
// and it is deterministic. The explained variance reported is exactly the
// share of the fit matrix's variance that the 50 components keep. Each
// component's sign is fixed so that its largest loading is positive.

const (
	pcaDims   = 50
	pcaMaxFit = 2000
	pcaExtra  = 10
	pcaPasses = 4
)

// pcaFit is a fitted projection.
type pcaFit struct {
	mean       []float64
	components *mat.Dense // d × p, orthonormal columns
	explained  float64
}

// fitPCA fits p components to the vectors (all of dimension d > p).
func fitPCA(vecs [][]float32, d, p int) (*pcaFit, error) {
	n := len(vecs)
	if n < 2 || d <= p {
		return nil, errors.New("pca: needs at least two vectors of more than the target dimensions")
	}
	nf := min(n, pcaMaxFit)
	x := mat.NewDense(nf, d, nil)
	mean := make([]float64, d)
	for a := 0; a < nf; a++ {
		v := vecs[a*n/nf]
		for k := 0; k < d; k++ {
			mean[k] += float64(v[k])
		}
	}
	for k := range mean {
		mean[k] /= float64(nf)
	}
	total := 0.0
	for a := 0; a < nf; a++ {
		v := vecs[a*n/nf]
		row := x.RawRowView(a)
		for k := 0; k < d; k++ {
			row[k] = float64(v[k]) - mean[k]
			total += row[k] * row[k]
		}
	}
	if total == 0 {
		return nil, errors.New("pca: the vectors are all equal")
	}
	l := min(p+pcaExtra, d, nf)
	rng := rand.New(rand.NewPCG(0x5eed, 0x9ca))
	q := mat.NewDense(d, l, nil)
	for i := 0; i < d; i++ {
		for j := 0; j < l; j++ {
			q.Set(i, j, rng.NormFloat64())
		}
	}
	orthonormalize(q)
	var xq mat.Dense
	for pass := 0; pass < pcaPasses; pass++ {
		xq.Mul(x, q)
		q.Mul(x.T(), &xq)
		orthonormalize(q)
	}
	xq.Mul(x, q) // nf × l
	var svd mat.SVD
	if !svd.Factorize(&xq, mat.SVDThinV) {
		return nil, errors.New("pca: the SVD did not converge")
	}
	var w mat.Dense
	svd.VTo(&w) // l × l
	sv := svd.Values(nil)
	kept := min(p, len(sv))
	var comps mat.Dense
	comps.Mul(q, w.Slice(0, l, 0, kept))
	captured := 0.0
	for i := 0; i < kept; i++ {
		captured += sv[i] * sv[i]
	}
	for j := 0; j < kept; j++ {
		big := 0.0
		for i := 0; i < d; i++ {
			if v := comps.At(i, j); math.Abs(v) > math.Abs(big) {
				big = v
			}
		}
		if big < 0 {
			for i := 0; i < d; i++ {
				comps.Set(i, j, -comps.At(i, j))
			}
		}
	}
	return &pcaFit{mean: mean, components: &comps, explained: math.Min(captured/total, 1)}, nil
}

// orthonormalize replaces the columns of a by an orthonormal basis of their
// span: modified Gram–Schmidt, run twice for accuracy. A column that vanishes
// is left zero.
func orthonormalize(a *mat.Dense) {
	r, c := a.Dims()
	for twice := 0; twice < 2; twice++ {
		for j := 0; j < c; j++ {
			col := a.ColView(j).(*mat.VecDense)
			for i := 0; i < j; i++ {
				prev := a.ColView(i)
				col.AddScaledVec(col, -mat.Dot(col, prev), prev)
			}
			if n := mat.Norm(col, 2); n > 1e-300 {
				col.ScaleVec(1/n, col)
			} else {
				for i := 0; i < r; i++ {
					col.SetVec(i, 0)
				}
			}
		}
	}
}

// dims is the projection's output dimension.
func (f *pcaFit) dims() int { _, p := f.components.Dims(); return p }

// project maps every vector onto the components.
func (f *pcaFit) project(vecs [][]float32) [][]float32 {
	d, p := f.components.Dims()
	x := mat.NewDense(len(vecs), d, nil)
	for a, v := range vecs {
		row := x.RawRowView(a)
		for k := 0; k < d; k++ {
			row[k] = float64(v[k]) - f.mean[k]
		}
	}
	var y mat.Dense
	y.Mul(x, f.components)
	out := make([][]float32, len(vecs))
	for a := range vecs {
		row := y.RawRowView(a)
		v := make([]float32, p)
		for k := range v {
			v[k] = float32(row[k])
		}
		out[a] = v
	}
	return out
}
