package duckdb

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// bikeHours reads UCI Bike Sharing's hour.csv as records of model "bike":
// version v1 in 2011, v2 in 2012, features temp, hum and windspeed (many
// ties: they are rounded in the file). It returns the records and the values
// of each feature per (month bucket, version) as counted from the file.
func bikeHours(t *testing.T) ([]store.Record, map[string]map[[2]string]map[float64]float64) {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "..", "..", "shared", "data", "bike_sharing", "hour.csv"))
	if err != nil {
		t.Skipf("the Bike Sharing data set is not beside the project: %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	features := []string{"temp", "hum", "windspeed"}
	want := map[string]map[[2]string]map[float64]float64{}
	for _, name := range features {
		want[name] = map[[2]string]map[float64]float64{}
	}
	var recs []store.Record
	for i, r := range rows[1:] {
		day, err := time.Parse("2006-01-02", r[col["dteday"]])
		if err != nil {
			t.Fatal(err)
		}
		hr, _ := strconv.Atoi(r[col["hr"]])
		ts := day.Add(time.Duration(hr) * time.Hour)
		version := "v1"
		if r[col["yr"]] == "1" {
			version = "v2"
		}
		rec := store.Record{Line: i + 2, Model: "bike", ID: r[col["instant"]], Version: version, Environment: "production", Time: ts,
			Prediction: store.Outcome{Value: 1, HasValue: true}}
		month := (30 * 24 * time.Hour).Milliseconds()
		bucket := strconv.FormatInt(ts.UnixMilli()-ts.UnixMilli()%month, 10) // epochs here are positive
		for _, name := range features {
			x, err := strconv.ParseFloat(r[col[name]], 64)
			if err != nil {
				t.Fatal(err)
			}
			rec.Features = append(rec.Features, store.Feature{Name: name, Value: store.Num(x)})
			g := [2]string{bucket, version}
			if want[name][g] == nil {
				want[name][g] = map[float64]float64{}
			}
			want[name][g][x]++
		}
		recs = append(recs, rec)
	}
	return recs, want
}

func TestValuesMatchTheFile(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	recs, want := bikeHours(t)
	for i := 0; i < len(recs); i += 5000 {
		if _, err := s.Ingest(ctx, recs[i:min(i+5000, len(recs))], store.IngestOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	sc := store.Scope{Model: "bike", From: time.Date(2011, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2013, 1, 1, 0, 0, 0, 0, time.UTC)}
	keys := []store.Key{{Kind: store.KeyBucket, Interval: 30 * 24 * time.Hour}, {Kind: store.KeyColumn, Col: store.Column{Kind: store.ColVersion}}}
	// MaxValues 0 reads raw values; a limit below the records makes DuckDB
	// group by value first (the file has far fewer distinct values).
	for _, limit := range []int{0, len(recs) - 1} {
		for name, groups := range want {
			t.Run(fmt.Sprintf("%s limit %d", name, limit), func(t *testing.T) {
				var seen [][2]string
				var records float64
				err := s.Values(ctx, store.ValuesRequest{Scope: sc, Keys: keys, Col: store.Column{Kind: store.ColFeature, Name: name}, MaxValues: limit}, func(g store.ValueGroup) error {
					key := [2]string{strconv.FormatInt(g.Keys[0].Int, 10), g.Keys[1].Str}
					seen = append(seen, key)
					w := groups[key]
					if w == nil {
						return fmt.Errorf("group %v is not in the file", key)
					}
					if !slices.IsSorted(g.Values) {
						return fmt.Errorf("group %v: values not sorted", key)
					}
					if len(g.Values) != len(w) || g.Missing != 0 {
						return fmt.Errorf("group %v: %d distinct values and %d missing, want %d and 0", key, len(g.Values), g.Missing, len(w))
					}
					for i, v := range g.Values {
						if g.Counts[i] != w[v] {
							return fmt.Errorf("group %v: value %v counted %v times, want %v", key, v, g.Counts[i], w[v])
						}
					}
					records += g.Total()
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if len(seen) != len(groups) || records != float64(len(recs)) {
					t.Fatalf("%d groups holding %v values, want %d groups holding %d", len(seen), records, len(groups), len(recs))
				}
				if !slices.IsSortedFunc(seen, func(a, b [2]string) int {
					ai, _ := strconv.ParseInt(a[0], 10, 64)
					bi, _ := strconv.ParseInt(b[0], 10, 64)
					if ai != bi {
						return int(ai - bi)
					}
					return compareStrings(a[1], b[1])
				}) {
					t.Fatalf("groups out of key order: %v", seen)
				}
			})
		}
	}

	// Without keys: one group, the whole scope.
	var all []store.ValueGroup
	err := s.Values(ctx, store.ValuesRequest{Scope: sc, Col: store.Column{Kind: store.ColFeature, Name: "windspeed"}}, func(g store.ValueGroup) error {
		all = append(all, g)
		return nil
	})
	if err != nil || len(all) != 1 || all[0].Total() != float64(len(recs)) {
		t.Fatalf("no keys: %d groups, err %v", len(all), err)
	}
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestValuesMissingTiesAndLimits(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	// income: 3 twice, 1, 2, and two records without it.
	batch := []store.Record{
		rec(1, "a", "v1", 0, 3, "north"), rec(2, "b", "v1", 1, 1, "north"), rec(3, "c", "v1", 2, 3, "south"),
		rec(4, "d", "v1", 3, 2, "south"), rec(5, "e", "v1", 4, 0, "south"), rec(6, "f", "v1", 5, 0, "east"),
	}
	for _, i := range []int{4, 5} {
		batch[i].Features[0].Value = store.Value{}
	}
	if _, err := s.Ingest(ctx, batch, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	sc := store.Scope{Model: "credit", From: t0, To: t0.Add(time.Hour)}
	income := store.Column{Kind: store.ColFeature, Name: "income"}
	region := store.Key{Kind: store.KeyColumn, Col: store.Column{Kind: store.ColFeature, Name: "region"}}
	type group struct {
		region         string
		values, counts []float64
		missing        int64
	}
	var got []group
	collect := func(g store.ValueGroup) error {
		// The slices are the store's buffers: copy them.
		key := ""
		if len(g.Keys) > 0 {
			key = g.Keys[0].Str
		}
		got = append(got, group{key, slices.Clone(g.Values), slices.Clone(g.Counts), g.Missing})
		return nil
	}
	// Limits 0 and 6 read raw values (6 records); 4 groups by value first.
	for _, limit := range []int{0, 6, 4} {
		got = nil
		if err := s.Values(ctx, store.ValuesRequest{Scope: sc, Keys: []store.Key{region}, Col: income, MaxValues: limit}, collect); err != nil {
			t.Fatal(err)
		}
		want := []group{
			{"east", []float64{}, []float64{}, 1},
			{"north", []float64{1, 3}, []float64{1, 1}, 0},
			{"south", []float64{2, 3}, []float64{1, 1}, 1},
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("limit %d: groups\n got %v\nwant %v", limit, got, want)
		}
		got = nil
		if err := s.Values(ctx, store.ValuesRequest{Scope: sc, Col: income, MaxValues: limit}, collect); err != nil {
			t.Fatal(err)
		}
		if want := []group{{"", []float64{1, 2, 3}, []float64{1, 1, 2}, 2}}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("limit %d: no keys\n got %v\nwant %v", limit, got, want)
		}
	}

	// Timestamps are numeric too (integer milliseconds).
	var ts []float64
	if err := s.Values(ctx, store.ValuesRequest{Scope: sc, Col: store.Column{Kind: store.ColTime}}, func(g store.ValueGroup) error {
		ts = slices.Clone(g.Values)
		return nil
	}); err != nil || len(ts) != 6 || ts[0] != float64(t0.UnixMilli()) {
		t.Fatalf("timestamps %v, err %v", ts, err)
	}

	// An empty scope: no groups with keys, one empty group without.
	empty := sc
	empty.From, empty.To = t0.Add(-time.Hour), t0
	var groups int
	if err := s.Values(ctx, store.ValuesRequest{Scope: empty, Keys: []store.Key{region}, Col: income}, func(store.ValueGroup) error { groups++; return nil }); err != nil || groups != 0 {
		t.Fatalf("empty scope with keys: %d groups, err %v", groups, err)
	}
	if err := s.Values(ctx, store.ValuesRequest{Scope: empty, Col: income}, func(g store.ValueGroup) error {
		groups++
		if len(g.Values) != 0 || g.Missing != 0 {
			return fmt.Errorf("empty scope: %+v", g)
		}
		return nil
	}); err != nil || groups != 1 {
		t.Fatalf("empty scope without keys: %d groups, err %v", groups, err)
	}

	// Bad requests.
	stop := errors.New("stop")
	called := 0
	count := func(store.ValueGroup) error { called++; return stop }
	for _, c := range []struct {
		name string
		req  store.ValuesRequest
		want error
	}{
		{"past the limit, before any group", store.ValuesRequest{Scope: sc, Keys: []store.Key{region}, Col: income, MaxValues: 3}, store.ErrTooManyGroups},
		{"categorical column", store.ValuesRequest{Scope: sc, Col: store.Column{Kind: store.ColFeature, Name: "region"}}, store.ErrTypeMismatch},
		{"unknown feature", store.ValuesRequest{Scope: sc, Col: store.Column{Kind: store.ColFeature, Name: "age"}}, store.ErrUnknownField},
		{"unknown model", store.ValuesRequest{Scope: store.Scope{Model: "nope", From: t0, To: t0.Add(time.Hour)}, Col: income}, store.ErrUnknownModel},
		{"bad key", store.ValuesRequest{Scope: sc, Keys: []store.Key{{Kind: store.KeyBucket}}, Col: income}, nil},
		{"fn's error ends the read", store.ValuesRequest{Scope: sc, Keys: []store.Key{region}, Col: income}, stop},
	} {
		called = 0
		err := s.Values(ctx, c.req, count)
		switch {
		case err == nil:
			t.Errorf("%s: no error", c.name)
		case c.want != nil && !errors.Is(err, c.want):
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		case c.want != stop && called > 0:
			t.Errorf("%s: fn called %d times before the error", c.name, called)
		case c.want == stop && called != 1:
			t.Errorf("%s: fn called %d times, want 1", c.name, called)
		}
	}
}
