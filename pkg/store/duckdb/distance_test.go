package duckdb

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// summaryOf turns value counts into a metrics.Summary.
func summaryOf(counts map[float64]float64) metrics.Summary {
	var s metrics.Summary
	for v, c := range counts {
		s = append(s, metrics.WeightedValue{Value: v, Weight: c})
	}
	slices.SortFunc(s, func(a, b metrics.WeightedValue) int { return cmp.Compare(a.Value, b.Value) })
	return s
}

// CDFDistances of each (month, v2) group of the Bike Sharing hours against
// every v1 hour agree with KS and Wasserstein computed from the file's own
// counts: KS to the last bit, Wasserstein within 1e-12 relative; several
// columns in one call.
func TestCDFDistancesMatchTheFile(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	recs, want := bikeHours(t)
	for i := 0; i < len(recs); i += 5000 {
		if _, err := s.Ingest(ctx, recs[i:min(i+5000, len(recs))], store.IngestOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	all := store.Scope{Model: "bike", From: time.Date(2011, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2013, 1, 1, 0, 0, 0, 0, time.UTC)}
	ref, cur := all, all
	ref.Versions, cur.Versions = []string{"v1"}, []string{"v2"}
	names := []string{"temp", "hum", "windspeed"}
	req := store.CDFDistancesRequest{
		Reference: ref, Current: cur,
		Keys: []store.Key{{Kind: store.KeyBucket, Interval: 30 * 24 * time.Hour}, {Kind: store.KeyColumn, Col: store.Column{Kind: store.ColVersion}}},
		KS:   true, Wasserstein: true, MaxGroups: 100,
	}
	for _, n := range names {
		req.Cols = append(req.Cols, store.Column{Kind: store.ColFeature, Name: n})
	}
	got := map[string]store.CDFDistanceRow{}
	lastBucket := map[int]int64{}
	err := s.CDFDistances(ctx, req, func(r store.CDFDistanceRow) error {
		if r.Keys[0].Int < lastBucket[r.Col] {
			return fmt.Errorf("%s: groups out of order", names[r.Col])
		}
		lastBucket[r.Col] = r.Keys[0].Int
		got[fmt.Sprintf("%s/%d/%s", names[r.Col], r.Keys[0].Int, r.Keys[1].Str)] = r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	groups := 0
	for _, name := range names {
		refCounts := map[float64]float64{}
		for g, counts := range want[name] {
			if g[1] == "v1" {
				for v, c := range counts {
					refCounts[v] += c
				}
			}
		}
		rs := summaryOf(refCounts)
		refStd, _ := rs.PopulationStd()
		for g, counts := range want[name] {
			if g[1] != "v2" {
				continue
			}
			groups++
			key := fmt.Sprintf("%s/%s/v2", name, g[0])
			r, ok := got[key]
			if !ok {
				t.Errorf("%s: no row", key)
				continue
			}
			cs := summaryOf(counts)
			ks, err := metrics.KS(rs, cs)
			if err != nil {
				t.Fatal(err)
			}
			w, err := metrics.Wasserstein(rs, cs)
			if err != nil {
				t.Fatal(err)
			}
			if r.KS != ks.Statistic || math.Abs(r.Wasserstein-w) > 1e-12*w {
				t.Errorf("%s: KS %v W %v, want %v and %v", key, r.KS, r.Wasserstein, ks.Statistic, w)
			}
			if r.RefN != int64(rs.Total()) || r.CurN != int64(cs.Total()) || r.RefMissing != 0 || r.CurMissing != 0 || r.Approx != 0 {
				t.Errorf("%s: counts %+v, want %v and %v values", key, r, rs.Total(), cs.Total())
			}
			if math.Abs(r.RefStd-refStd) > 1e-12*refStd {
				t.Errorf("%s: reference std %v, want %v", key, r.RefStd, refStd)
			}
		}
	}
	if groups == 0 || len(got) != groups {
		t.Fatalf("%d rows, want %d", len(got), groups)
	}

	// Histograms from the same pass, or alone (no value sorted): the edges
	// are the reference's (numpy's quantiles, or linspace), the counts those
	// of the store's own KeyBin aggregate.
	for _, mode := range []string{"quantile", "uniform", "quantile alone", "uniform alone"} {
		strategy, alone := strings.CutSuffix(mode, " alone")
		breq := req
		breq.Bins = &store.BinSpec{Strategy: strategy, Bins: 10}
		breq.KS, breq.Wasserstein = !alone, !alone
		err := s.CDFDistances(ctx, breq, func(r store.CDFDistanceRow) error {
			col := req.Cols[r.Col]
			if math.IsNaN(r.KS) != alone || math.IsNaN(r.Wasserstein) != alone {
				return fmt.Errorf("%s %s %v: KS %v and Wasserstein %v", mode, col.Name, r.Keys, r.KS, r.Wasserstein)
			}
			if want := got[fmt.Sprintf("%s/%d/%s", col.Name, r.Keys[0].Int, r.Keys[1].Str)]; r.CurN != want.CurN || r.RefN != want.RefN {
				return fmt.Errorf("%s %s %v: %d and %d values, want %d and %d", mode, col.Name, r.Keys, r.RefN, r.CurN, want.RefN, want.CurN)
			}
			var refValues []float64
			for g, counts := range want[col.Name] {
				if g[1] == "v1" {
					for v, c := range counts {
						for range int(c) {
							refValues = append(refValues, v)
						}
					}
				}
			}
			wantEdges := metrics.QuantileEdges(refValues, 10)
			if strategy == "uniform" {
				wantEdges = metrics.UniformEdges(refValues, 10)
			}
			if !slices.Equal(r.Edges, wantEdges) {
				return fmt.Errorf("%s %s: edges %v, want %v", strategy, col.Name, r.Edges, wantEdges)
			}
			for side, sc := range map[string]store.Scope{"reference": ref, "current": cur} {
				keys := []store.Key{{Kind: store.KeyBin, Col: col, Edges: r.Edges}}
				if side == "current" {
					keys = append(slices.Clone(req.Keys), keys...)
				}
				agg, err := s.Aggregate(ctx, store.AggregateRequest{Scope: sc, Keys: keys, Measures: []store.Measure{{Op: store.Count}}})
				if err != nil {
					return err
				}
				wantBins := make([]int64, len(r.Edges)+1)
				for _, row := range agg.Rows {
					b := row.Keys[len(row.Keys)-1]
					if side == "current" && (row.Keys[0].Int != r.Keys[0].Int || row.Keys[1].Str != r.Keys[1].Str) {
						continue
					}
					if !b.Null {
						wantBins[b.Int] += int64(row.Measures[0])
					}
				}
				got := r.RefBins
				if side == "current" {
					got = r.CurBins
				}
				if !slices.Equal(got, wantBins) {
					return fmt.Errorf("%s %s %s %v: bins %v, want %v", mode, col.Name, side, r.Keys, got, wantBins)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	// Only what is asked for is computed.
	req.Wasserstein, req.Cols = false, req.Cols[:1]
	err = s.CDFDistances(ctx, req, func(r store.CDFDistanceRow) error {
		if math.IsNaN(r.KS) || !math.IsNaN(r.Wasserstein) {
			return fmt.Errorf("KS only: %+v", r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Past MaxGroups nothing is passed on.
	req.MaxGroups = 3
	err = s.CDFDistances(ctx, req, func(store.CDFDistanceRow) error { return errors.New("a row past the group limit") })
	if !errors.Is(err, store.ErrTooManyGroups) {
		t.Fatalf("err %v, want ErrTooManyGroups", err)
	}
}

// Missing values are counted apart; a sample without values gives NaN;
// categorical and unknown columns are refused.
func TestCDFDistancesMissingAndBadInput(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	var batch []store.Record
	// v1: income 1..10 with two nulls; v2 day 0: 5..14 with one null; v2 day
	// 1: only nulls.
	for i := range 12 {
		r := rec(i+1, "a"+strconv.Itoa(i), "v1", i, float64(i+1), "n")
		if i >= 10 {
			r.Features[0].Value = store.Value{}
		}
		batch = append(batch, r)
	}
	for i := range 11 {
		r := rec(20+i, "b"+strconv.Itoa(i), "v2", i, float64(i+5), "s")
		if i == 10 {
			r.Features[0].Value = store.Value{}
		}
		batch = append(batch, r)
	}
	r := rec(40, "c", "v2", 24*60+5, 0, "s")
	r.Features[0].Value = store.Value{}
	batch = append(batch, r)
	if _, err := s.Ingest(ctx, batch, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	sc := store.Scope{Model: "credit", From: t0.Add(-time.Hour), To: t0.Add(72 * time.Hour)}
	ref, cur := sc, sc
	ref.Versions, cur.Versions = []string{"v1"}, []string{"v2"}
	income := store.Column{Kind: store.ColFeature, Name: "income"}
	req := store.CDFDistancesRequest{Reference: ref, Current: cur, Cols: []store.Column{income}, KS: true, Wasserstein: true,
		Keys: []store.Key{{Kind: store.KeyBucket, Interval: 24 * time.Hour}}}
	var rows []store.CDFDistanceRow
	if err := s.CDFDistances(ctx, req, func(r store.CDFDistanceRow) error { rows = append(rows, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	d0, d1 := rows[0], rows[1]
	// 1..10 against 5..14: D = 0.4, W = 4.
	if d0.RefN != 10 || d0.RefMissing != 2 || d0.CurN != 10 || d0.CurMissing != 1 || d0.KS != 0.4 || math.Abs(d0.Wasserstein-4) > 1e-12 {
		t.Errorf("day 0: %+v", d0)
	}
	if d1.CurN != 0 || d1.CurMissing != 1 || !math.IsNaN(d1.KS) || !math.IsNaN(d1.Wasserstein) {
		t.Errorf("day 1 (only nulls): %+v", d1)
	}
	if want := math.Sqrt(8.25); math.Abs(d0.RefStd-want) > 1e-12 {
		t.Errorf("reference std %v, want %v", d0.RefStd, want)
	}
	// With bins: the reference 1..10 in quantile bins, the current day 0
	// 5..14, and the day of nulls with empty bins.
	req.Bins = &store.BinSpec{Strategy: "quantile", Bins: 2}
	rows = nil
	if err := s.CDFDistances(ctx, req, func(r store.CDFDistanceRow) error { rows = append(rows, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || !slices.Equal(rows[0].Edges, []float64{5.5}) || !slices.Equal(rows[0].RefBins, []int64{5, 5}) ||
		!slices.Equal(rows[0].CurBins, []int64{1, 9}) || !slices.Equal(rows[1].CurBins, []int64{0, 0}) || rows[1].CurMissing != 1 {
		t.Errorf("bins: %+v", rows)
	}
	req.Bins = nil

	for name, bad := range map[string]store.CDFDistancesRequest{
		"categorical":   {Reference: ref, Current: cur, Cols: []store.Column{{Kind: store.ColFeature, Name: "region"}}, KS: true},
		"unknown field": {Reference: ref, Current: cur, Cols: []store.Column{{Kind: store.ColFeature, Name: "nope"}}, KS: true},
		"unknown model": {Reference: ref, Current: store.Scope{Model: "nope"}, Cols: []store.Column{income}, KS: true},
		"no distance":   {Reference: ref, Current: cur, Cols: []store.Column{income}},
		"bad bins":      {Reference: ref, Current: cur, Cols: []store.Column{income}, KS: true, Bins: &store.BinSpec{Strategy: "doane", Bins: 10}},
		"no bins":       {Reference: ref, Current: cur, Cols: []store.Column{income}, KS: true, Bins: &store.BinSpec{Strategy: "quantile"}},
	} {
		err := s.CDFDistances(ctx, bad, func(store.CDFDistanceRow) error { return nil })
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// Groups whose rows interleave (more of them than the recent groups the
// reader compares rows with first, a null key among them) each get exactly
// their own values.
func TestCDFDistancesInterleavedGroups(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	regions := []string{"a", "b", "c", "", "d", "e", "f", "a\x00b"} // "": missing
	type group struct {
		hour   int64
		region string
	}
	want := map[group][]float64{}
	var ref []float64
	var batch []store.Record
	for i := range 3000 {
		version, region := "c", regions[(i*5+i/7)%len(regions)]
		if i%10 == 0 {
			version = "r"
		}
		r := rec(i+1, "id"+strconv.Itoa(i), version, i/3, float64((i*37)%101), region)
		if region == "" {
			r.Features[1].Value = store.Value{}
		}
		batch = append(batch, r)
		if version == "r" {
			ref = append(ref, r.Features[0].Value.Num)
			continue
		}
		g := group{hour: r.Time.Truncate(time.Hour).UnixMilli(), region: region}
		want[g] = append(want[g], r.Features[0].Value.Num)
	}
	if _, err := s.Ingest(ctx, batch, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	sc := store.Scope{Model: "credit", From: t0, To: t0.Add(24 * time.Hour)}
	refScope, cur := sc, sc
	refScope.Versions, cur.Versions = []string{"r"}, []string{"c"}
	slices.Sort(ref)
	for _, alone := range []bool{false, true} {
		req := store.CDFDistancesRequest{Reference: refScope, Current: cur, Cols: []store.Column{{Kind: store.ColFeature, Name: "income"}},
			KS: !alone, Wasserstein: !alone, Bins: &store.BinSpec{Strategy: "quantile", Bins: 10},
			Keys: []store.Key{{Kind: store.KeyBucket, Interval: time.Hour}, {Kind: store.KeyColumn, Col: store.Column{Kind: store.ColFeature, Name: "region"}}}}
		seen := 0
		err := s.CDFDistances(ctx, req, func(r store.CDFDistanceRow) error {
			g := group{hour: r.Keys[0].Int, region: r.Keys[1].Str}
			if r.Keys[1].Null != (g.region == "") {
				return fmt.Errorf("%v: region key %+v", g, r.Keys[1])
			}
			values := slices.Sorted(slices.Values(want[g]))
			if int(r.CurN) != len(values) || len(values) == 0 {
				return fmt.Errorf("%v: %d values, want %d", g, r.CurN, len(values))
			}
			if h := metrics.NumericHistogram(r.Edges, values); !slices.Equal(r.CurBins, h.Counts) {
				return fmt.Errorf("%v: bins %v, want %v", g, r.CurBins, h.Counts)
			}
			if ks := metrics.KSOfSorted(ref, values); !alone && r.KS != ks {
				return fmt.Errorf("%v: KS %v, want %v", g, r.KS, ks)
			}
			seen++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if seen != len(want) {
			t.Fatalf("alone %v: %d rows, want %d", alone, seen, len(want))
		}
	}
}
