package duckdb

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/sqlbuild"
)

// binStore holds one numeric feature with ties, values equal to edges and missing values.
func binStore(t *testing.T) (*Store, []float64) {
	t.Helper()
	s, _ := openTemp(t)
	rng := rand.New(rand.NewPCG(7, 11))
	var batch []store.Record
	var values []float64
	for i := 0; i < 600; i++ {
		r := rec(i+1, fmt.Sprintf("r%d", i), "v1", i%60, math.Round(rng.NormFloat64()*40)/4, "north")
		if i%50 == 49 {
			r.Features[0].Value = store.Value{Kind: store.Missing}
			values = append(values, math.NaN())
		} else {
			values = append(values, r.Features[0].Value.Num)
		}
		batch = append(batch, r)
	}
	if _, err := s.Ingest(context.Background(), batch, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	return s, values
}

func binScope() store.Scope {
	return store.Scope{Model: "credit", From: t0, To: t0.Add(time.Hour)}
}

var incomeCol = store.Column{Kind: store.ColFeature, Name: "income"}

// TestKeyBinMatchesSearchsorted checks the linear and the balanced-tree SQL
// against searchsorted for edge counts on both sides of the leaf size.
func TestKeyBinMatchesSearchsorted(t *testing.T) {
	s, values := binStore(t)
	rng := rand.New(rand.NewPCG(3, 5))
	for _, n := range []int{0, 1, 5, sqlbuild.BinLeaf, sqlbuild.BinLeaf + 1, 17, 100, 511} {
		for _, sorted := range []bool{true, false} {
			t.Run(fmt.Sprintf("%d edges sorted=%v", n, sorted), func(t *testing.T) {
				edges := make([]float64, n)
				for i := range edges {
					// Quarter steps: many values sit exactly on an edge; some edges repeat.
					edges[i] = math.Round(rng.NormFloat64()*40) / 4
				}
				if sorted {
					slices.Sort(edges)
				}
				res, err := s.Aggregate(context.Background(), store.AggregateRequest{
					Scope:    binScope(),
					Keys:     []store.Key{{Kind: store.KeyBin, Col: incomeCol, Edges: edges}},
					Measures: []store.Measure{{Op: store.Count}},
				})
				if err != nil {
					t.Fatal(err)
				}
				want := map[int64]float64{}
				for _, v := range values {
					if math.IsNaN(v) {
						want[-1]++
						continue
					}
					below := 0
					for _, e := range edges {
						if e < v {
							below++
						}
					}
					if sorted && below != metrics.BinIndex(edges, v) {
						t.Fatalf("test oracle disagrees with searchsorted at %v", v)
					}
					want[int64(below)]++
				}
				got := map[int64]float64{}
				for _, r := range res.Rows {
					got[r.Keys[0].Int] = r.Measures[0]
				}
				if len(got) != len(want) {
					t.Fatalf("bins %v, want %v", got, want)
				}
				for k, c := range want {
					if got[k] != c {
						t.Fatalf("bin %d: %v values, want %v (all: %v)", k, got[k], c, got)
					}
				}
			})
		}
	}
}

func TestKeyGrid(t *testing.T) {
	s, values := binStore(t)
	ctx := context.Background()
	const origin, width = -3.3, 0.7
	res, err := s.Aggregate(ctx, store.AggregateRequest{
		Scope:    binScope(),
		Keys:     []store.Key{{Kind: store.KeyGrid, Col: incomeCol, Origin: origin, Width: width}},
		Measures: []store.Measure{{Op: store.Count}, {Op: store.Min, A: incomeCol}, {Op: store.Max, A: incomeCol}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]float64{}
	missing := 0.0
	for _, v := range values {
		if math.IsNaN(v) {
			missing++
			continue
		}
		want[int64(math.Floor((v-origin)/width))]++
	}
	for _, r := range res.Rows {
		if r.Keys[0].Null {
			if r.Measures[0] != missing {
				t.Errorf("missing cell: %v, want %v", r.Measures[0], missing)
			}
			continue
		}
		cell := r.Keys[0].Int
		if r.Measures[0] != want[cell] {
			t.Errorf("cell %d: %v values, want %v", cell, r.Measures[0], want[cell])
		}
		lo, hi := origin+float64(cell)*width, origin+float64(cell+1)*width
		if r.Measures[1] < lo-1e-9 || r.Measures[2] >= hi+1e-9 {
			t.Errorf("cell %d holds [%v, %v], outside [%v, %v)", cell, r.Measures[1], r.Measures[2], lo, hi)
		}
		delete(want, cell)
	}
	if len(want) > 0 {
		t.Errorf("cells not returned: %v", want)
	}
	for _, bad := range []store.Key{
		{Kind: store.KeyGrid, Col: incomeCol, Width: 0},
		{Kind: store.KeyGrid, Col: incomeCol, Width: math.Inf(1)},
		{Kind: store.KeyGrid, Col: incomeCol, Origin: math.NaN(), Width: 1},
	} {
		if _, err := s.Aggregate(ctx, store.AggregateRequest{Scope: binScope(), Keys: []store.Key{bad}, Measures: []store.Measure{{Op: store.Count}}}); err == nil {
			t.Errorf("grid %+v: want an error", bad)
		}
	}
	_, err = s.Aggregate(ctx, store.AggregateRequest{Scope: binScope(),
		Keys: []store.Key{{Kind: store.KeyGrid, Col: store.Column{Kind: store.ColFeature, Name: "region"}, Width: 1}}, Measures: []store.Measure{{Op: store.Count}}})
	if !errors.Is(err, store.ErrTypeMismatch) {
		t.Errorf("grid on a categorical feature: want a type mismatch, got %v", err)
	}
}
