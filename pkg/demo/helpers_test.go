package demo

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"math"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// testEnd is hour-aligned so hourly buckets and scenario days line up.
var testEnd = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

func testConfig(scale float64) Config {
	return Config{Days: 30, Seed: 42, Scale: scale, End: testEnd, BatchSize: 4096}
}

// hashRun digests every emitted record.
func hashRun(t testing.TB, cfg Config) ([32]byte, Summary) {
	t.Helper()
	h := newHash()
	sum, err := Generate(context.Background(), cfg, func(b []store.Record) error {
		for i := range b {
			hashRecord(h, &b[i])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sum32(h), sum
}

func newHash() hash.Hash { return sha256.New() }

func sum32(h hash.Hash) [32]byte {
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func hashRecord(h hash.Hash, r *store.Record) {
	var buf [8]byte
	num := func(x float64) {
		binary.LittleEndian.PutUint64(buf[:], math.Float64bits(x))
		h.Write(buf[:])
	}
	str := func(s string) {
		binary.LittleEndian.PutUint64(buf[:], uint64(len(s)))
		h.Write(buf[:])
		h.Write([]byte(s))
	}
	flag := func(b bool) {
		if b {
			h.Write([]byte{1})
		} else {
			h.Write([]byte{0})
		}
	}
	outcome := func(o store.Outcome) {
		str(o.Label)
		flag(o.HasLabel)
		num(o.Score)
		flag(o.HasScore)
		num(o.Value)
		flag(o.HasValue)
	}
	num(float64(r.Line))
	str(r.Model)
	str(r.ID)
	flag(r.ActualOnly)
	str(r.Version)
	str(r.Environment)
	num(float64(r.Time.UnixNano()))
	for _, f := range r.Features {
		str(f.Name)
		num(float64(f.Value.Kind))
		num(f.Value.Num)
		str(f.Value.Str)
	}
	for _, tg := range r.Tags {
		str(tg.Name)
		str(tg.Value)
		flag(tg.Set)
	}
	outcome(r.Prediction)
	outcome(r.Actual)
	num(float64(r.ActualTime.UnixNano()))
	for _, x := range r.Embedding {
		num(float64(x))
	}
	str(r.Text)
}

// eventTime is when a record happens: the inference time, or the arrival of a late actual.
func eventTime(r *store.Record) time.Time {
	if r.ActualOnly {
		return r.ActualTime
	}
	return r.Time
}

// quantileEdges are the unique interior quantiles k/B of ref (linear interpolation).
func quantileEdges(ref []float64, bins int) []float64 {
	s := slices.Clone(ref)
	sort.Float64s(s)
	var edges []float64
	for k := 1; k < bins; k++ {
		pos := float64(k) / float64(bins) * float64(len(s)-1)
		lo := int(math.Floor(pos))
		hi := min(lo+1, len(s)-1)
		q := s[lo] + (pos-float64(lo))*(s[hi]-s[lo])
		if len(edges) == 0 || q != edges[len(edges)-1] {
			edges = append(edges, q)
		}
	}
	return edges
}

// binShares puts values into right-closed bins (-inf, e1], (e1, e2], …, (e_last, +inf).
func binShares(values, edges []float64) []float64 {
	counts := make([]float64, len(edges)+1)
	for _, x := range values {
		counts[sort.SearchFloat64s(edges, x)]++
	}
	for i := range counts {
		counts[i] /= float64(len(values))
	}
	return counts
}

// psi compares current shares q with reference shares p, both smoothed with max(·, 1e-4).
func psi(p, q []float64) float64 {
	s := 0.0
	for i := range p {
		a, b := math.Max(p[i], 1e-4), math.Max(q[i], 1e-4)
		s += (b - a) * math.Log(b/a)
	}
	return s
}

// numericReference bins a reference sample once; the result scores current samples.
func numericReference(ref []float64) func(cur []float64) float64 {
	edges := quantileEdges(ref, 10)
	p := binShares(ref, edges)
	return func(cur []float64) float64 { return psi(p, binShares(cur, edges)) }
}

// categoricalPSI compares category counts over the union of categories.
func categoricalPSI(ref, cur map[string]int) float64 {
	var nr, nc float64
	keys := map[string]bool{}
	for k, v := range ref {
		keys[k] = true
		nr += float64(v)
	}
	for k, v := range cur {
		keys[k] = true
		nc += float64(v)
	}
	var p, q []float64
	for k := range keys {
		p = append(p, float64(ref[k])/nr)
		q = append(q, float64(cur[k])/nc)
	}
	return psi(p, q)
}

func feature(r *store.Record, name string) store.Value {
	for _, f := range r.Features {
		if f.Name == name {
			return f.Value
		}
	}
	return store.Value{}
}
