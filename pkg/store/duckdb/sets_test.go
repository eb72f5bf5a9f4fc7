package duckdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// Grouping sets give, in one pass, the rows of one aggregate per set: the
// same groups (a null key inside a set stays a group of its own), the same
// measures, set by set in the request's order.
func TestAggregateSetsMatchOneAggregatePerSet(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	var batch []store.Record
	regions := []string{"north", "", "south", "east"} // "": missing
	for i := range 400 {
		r := rec(i+1, fmt.Sprintf("id%d", i), []string{"v1", "v2"}[i%2], i*7, float64(i%13), regions[(i/3)%len(regions)])
		if regions[(i/3)%len(regions)] == "" {
			r.Features[1].Value = store.Value{}
		}
		if i%11 == 0 {
			r.Features[0].Value = store.Value{}
		}
		if i%5 != 0 {
			r.Actual = store.Outcome{Label: []string{"0", "1", "1"}[i%3], HasLabel: true}
			r.ActualTime = r.Time
		}
		batch = append(batch, r)
	}
	if _, err := s.Ingest(ctx, batch, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	income, region := store.Column{Kind: store.ColFeature, Name: "income"}, store.Column{Kind: store.ColFeature, Name: "region"}
	pred, act := store.Column{Kind: store.ColPredLabel}, store.Column{Kind: store.ColActualLabel}
	req := store.AggregateRequest{
		Scope: store.Scope{Model: "credit", From: t0, To: t0.Add(72 * time.Hour)},
		Keys: []store.Key{{Kind: store.KeyBin, Col: income, Edges: []float64{3, 6, 9}}, {Kind: store.KeyColumn, Col: region},
			{Kind: store.KeyIn, Col: pred, Values: []string{"1"}}, {Kind: store.KeyIn, Col: act, Values: []string{"1"}},
			{Kind: store.KeyBucket, Interval: 6 * time.Hour}},
		Measures: []store.Measure{{Op: store.Count}, {Op: store.CountEqual, A: pred, B: act}, {Op: store.Sum, A: income}},
		Sets:     [][]int{{0, 2, 3}, {3, 1, 2}, {4}, {}, {1, 0}},
	}
	got, err := s.Aggregate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	want, err := store.AggregateEachSet(ctx, req, s.Aggregate)
	if err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Fatalf("grouping sets:\n%s\none aggregate per set:\n%s", gb, wb)
	}
	nullRegion := false
	for _, r := range got.Rows {
		nullRegion = nullRegion || (r.Set == 1 && r.Keys[1].Null)
	}
	if len(want.Rows) < 20 || !nullRegion || got.Rows[len(got.Rows)-1].Set != 4 {
		t.Fatalf("%d rows, a null region group %v: the data does not exercise the sets", len(want.Rows), nullRegion)
	}

	// MaxGroups bounds the rows of all the sets together.
	req.MaxGroups = len(want.Rows) - 1
	for name, aggregate := range map[string]func(context.Context, store.AggregateRequest) (*store.AggregateResult, error){
		"grouping sets": s.Aggregate,
		"one per set": func(ctx context.Context, r store.AggregateRequest) (*store.AggregateResult, error) {
			return store.AggregateEachSet(ctx, r, s.Aggregate)
		},
	} {
		if _, err := aggregate(ctx, req); !errors.Is(err, store.ErrTooManyGroups) {
			t.Errorf("%s: %d rows past MaxGroups %d: err %v, want ErrTooManyGroups", name, len(want.Rows), req.MaxGroups, err)
		}
	}
	req.MaxGroups = len(want.Rows)
	if _, err := s.Aggregate(ctx, req); err != nil {
		t.Errorf("exactly MaxGroups rows: %v", err)
	}

	// Sets that are not distinct sets of the keys are refused.
	manyKeys := make([]store.Key, store.MaxSetKeys+1)
	for i := range manyKeys {
		manyKeys[i] = store.Key{Kind: store.KeyColumn, Col: region}
	}
	for name, tc := range map[string]struct {
		keys []store.Key
		sets [][]int
		want string
	}{
		"unknown key":   {req.Keys, [][]int{{0}, {5}}, "names key 5 of 5"},
		"negative key":  {req.Keys, [][]int{{-1}}, "names key -1"},
		"a key twice":   {req.Keys, [][]int{{1, 1}}, "twice"},
		"repeated set":  {req.Keys, [][]int{{0, 1}, {1, 0}}, "repeats"},
		"too many keys": {manyKeys, [][]int{{0}}, "more than the 62"},
	} {
		bad := req
		bad.Keys, bad.Sets = tc.keys, tc.sets
		if _, err := s.Aggregate(ctx, bad); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want one saying %q", name, err, tc.want)
		}
		if _, err := store.AggregateEachSet(ctx, bad, s.Aggregate); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s, one per set: err %v, want one saying %q", name, err, tc.want)
		}
	}
}
