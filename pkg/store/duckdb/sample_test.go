package duckdb

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// embRecord is a record of the "emb" model with a 3-dimensional embedding
// (none when vec is nil).
func embRecord(i int, version string, at time.Time, vec []float32) store.Record {
	r := store.Record{
		Line: i + 1, Model: "emb", ID: fmt.Sprintf("e-%04d", i), Version: version, Environment: "production",
		Time:       at,
		Prediction: store.Outcome{Label: []string{"neg", "pos"}[i%2], HasLabel: true, Score: float64(i%10) / 10, HasScore: true},
		Text:       fmt.Sprintf("review number %d, \"quoted\"", i),
		Embedding:  vec,
	}
	if i%3 == 0 {
		r.Actual = store.Outcome{Label: "pos", HasLabel: true}
		r.ActualTime = at.Add(time.Hour)
	}
	return r
}

func embVector(i int) []float32 {
	return []float32{float32(i)*0.1 + 0.3, float32(math.Sin(float64(i))), float32(i%7) - 2.5}
}

func TestVectorSumsPerGroup(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	var batch []store.Record
	type group struct {
		bucket  int64
		version string
	}
	want := map[group][]float64{}
	counts := map[group]int64{}
	for i := 0; i < 300; i++ {
		at := t0.Add(time.Duration(i*37%240) * time.Minute) // four hours
		version := []string{"v1", "v2"}[i%2]
		var vec []float32
		if i%5 != 0 { // every fifth record has no embedding
			vec = embVector(i)
			g := group{at.Truncate(time.Hour).UnixMilli(), version}
			if want[g] == nil {
				want[g] = make([]float64, 3)
			}
			for k, x := range vec {
				want[g][k] += float64(x)
			}
			counts[g]++
		}
		batch = append(batch, embRecord(i, version, at, vec))
	}
	if _, err := s.Ingest(ctx, batch, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	sc := store.Scope{Model: "emb", From: t0, To: t0.Add(4 * time.Hour)}
	res, err := s.VectorSums(ctx, store.VectorSumsRequest{
		Scope: sc,
		Keys:  []store.Key{{Kind: store.KeyBucket, Interval: time.Hour}, {Kind: store.KeyColumn, Col: store.Column{Kind: store.ColVersion}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Dim != 3 || len(res.Rows) != len(want) {
		t.Fatalf("dim %d, %d groups; want 3 and %d", res.Dim, len(res.Rows), len(want))
	}
	for i, row := range res.Rows {
		g := group{row.Keys[0].Int, row.Keys[1].Str}
		if row.Count != counts[g] {
			t.Errorf("group %v: count %d, want %d", g, row.Count, counts[g])
		}
		for k := range row.Sums {
			if math.Abs(row.Sums[k]-want[g][k]) > 1e-9*math.Max(1, math.Abs(want[g][k])) {
				t.Errorf("group %v: sum[%d] = %v, want %v", g, k, row.Sums[k], want[g][k])
			}
		}
		if i > 0 {
			prev := res.Rows[i-1]
			if prev.Keys[0].Int > g.bucket || (prev.Keys[0].Int == g.bucket && prev.Keys[1].Str >= g.version) {
				t.Errorf("groups not ordered by their keys at row %d", i)
			}
		}
	}

	// No keys: the whole scope; a version filter narrows it.
	all, err := s.VectorSums(ctx, store.VectorSumsRequest{Scope: store.Scope{Model: "emb", Versions: []string{"v2"}, From: t0, To: t0.Add(4 * time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	sum0 := 0.0
	for g, c := range counts {
		if g.version == "v2" {
			n += c
			sum0 += want[g][0]
		}
	}
	if len(all.Rows) != 1 || all.Rows[0].Count != n || math.Abs(all.Rows[0].Sums[0]-sum0) > 1e-9*math.Abs(sum0) {
		t.Fatalf("v2 overall: %+v, want count %d and sum[0] %v", all.Rows, n, sum0)
	}

	// An empty scope has no groups, not one empty group.
	empty, err := s.VectorSums(ctx, store.VectorSumsRequest{Scope: store.Scope{Model: "emb", From: t0.Add(-time.Hour), To: t0}})
	if err != nil || len(empty.Rows) != 0 {
		t.Fatalf("empty scope: %+v, %v", empty, err)
	}

	_, err = s.VectorSums(ctx, store.VectorSumsRequest{Scope: sc, Keys: []store.Key{{Kind: store.KeyColumn, Col: store.Column{Kind: store.ColID}}}, MaxGroups: 10})
	if !errors.Is(err, store.ErrTooManyGroups) {
		t.Fatalf("one group per id with at most 10 groups: want ErrTooManyGroups, got %v", err)
	}
}

func TestVectorSumsErrors(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	if _, err := s.Ingest(ctx, []store.Record{rec(1, "a", "v1", 0, 1000, "north"), embRecord(1, "v1", t0, embVector(1)), embRecord(2, "v1", t0, embVector(2))}, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	all := func(model string) store.Scope {
		return store.Scope{Model: model, From: t0.Add(-time.Hour), To: t0.Add(time.Hour)}
	}
	if _, err := s.VectorSums(ctx, store.VectorSumsRequest{Scope: all("credit")}); !errors.Is(err, store.ErrNoEmbeddings) {
		t.Errorf("model without embeddings: got %v", err)
	}
	if _, err := s.Sample(ctx, store.SampleRequest{Scope: all("credit"), Limit: 5, Embeddings: true}); !errors.Is(err, store.ErrNoEmbeddings) {
		t.Errorf("sample of vectors of a model without embeddings: got %v", err)
	}
	if _, err := s.VectorSums(ctx, store.VectorSumsRequest{Scope: all("nope")}); !errors.Is(err, store.ErrUnknownModel) {
		t.Errorf("unknown model: got %v", err)
	}
	if _, err := s.Sample(ctx, store.SampleRequest{Scope: all("emb"), Limit: 0}); err == nil {
		t.Error("a sample of 0 records: want an error")
	}

	// A vector of the wrong length written behind ingest's back is named.
	if _, err := s.db.Exec("UPDATE " + s.model("emb").table() + " SET embedding = [1.0, 2.0]::FLOAT[] WHERE id = 'e-0002'"); err != nil {
		t.Fatal(err)
	}
	_, err := s.VectorSums(ctx, store.VectorSumsRequest{Scope: all("emb")})
	var de *store.DimensionError
	if !errors.As(err, &de) || de.ID != "e-0002" || de.Got != 2 || de.Want != 3 {
		t.Fatalf("wrong-length vector: got %v", err)
	}
}

// expectedSample computes the sample the store must return, independently of
// its SQL: positions (rank − ½) / stratum size by (xxh3(id), id), the limit
// smallest positions.
func expectedSample(recs []store.Record, stratum time.Duration, limit int) []string {
	type item struct {
		id  string
		h   uint64
		s   int64
		pos float64
	}
	by := map[int64][]*item{}
	var items []*item
	for _, r := range recs {
		it := &item{id: r.ID, h: idHash(r.ID), s: r.Time.UnixMilli() / stratum.Milliseconds()}
		by[it.s] = append(by[it.s], it)
		items = append(items, it)
	}
	for _, g := range by {
		sort.Slice(g, func(i, j int) bool { return g[i].h < g[j].h || (g[i].h == g[j].h && g[i].id < g[j].id) })
		for k, it := range g {
			it.pos = (float64(k+1) - 0.5) / float64(len(g))
		}
	}
	sort.Slice(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if a.pos != b.pos {
			return a.pos < b.pos
		}
		if a.h != b.h {
			return a.h < b.h
		}
		return a.id < b.id
	})
	var out []string
	for _, it := range items[:min(limit, len(items))] {
		out = append(out, it.id)
	}
	sort.Strings(out)
	return out
}

func TestSampleIsDeterministicStratifiedAndBounded(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	// Ten hours with growing volume: hour h has 20·(h+1) records.
	var batch, withVec []store.Record
	i := 0
	perHour := map[int64]int{}
	for h := 0; h < 10; h++ {
		for j := 0; j < 20*(h+1); j++ {
			at := t0.Add(time.Duration(h)*time.Hour + time.Duration(j*3600/(20*(h+1)))*time.Second)
			var vec []float32
			if i%10 != 9 {
				vec = embVector(i)
			}
			r := embRecord(i, "v1", at, vec)
			batch = append(batch, r)
			if vec != nil {
				withVec = append(withVec, r)
				perHour[at.Truncate(time.Hour).UnixMilli()]++
			}
			i++
		}
	}
	if _, err := s.Ingest(ctx, batch, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	sc := store.Scope{Model: "emb", From: t0, To: t0.Add(10 * time.Hour)}
	req := store.SampleRequest{Scope: sc, Limit: 150, Stratify: time.Hour, Embeddings: true}
	got, err := s.Sample(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 150 {
		t.Fatalf("%d records, want the limit of 150", len(got))
	}
	var ids []string
	picked := map[int64]int{}
	byID := map[string]store.Record{}
	for _, r := range withVec {
		byID[r.ID] = r
	}
	for k, r := range got {
		ids = append(ids, r.ID)
		picked[r.Time.Truncate(time.Hour).UnixMilli()]++
		if k > 0 && (r.Time.Before(got[k-1].Time) || (r.Time.Equal(got[k-1].Time) && r.ID <= got[k-1].ID)) {
			t.Fatalf("records not ordered by time then id at %d", k)
		}
		src, ok := byID[r.ID]
		if !ok {
			t.Fatalf("sampled %s, which has no embedding", r.ID)
		}
		if !r.Time.Equal(src.Time) || r.Version != "v1" || r.Environment != "production" || r.Text != src.Text ||
			r.Prediction != src.Prediction || r.Actual != src.Actual || len(r.Embedding) != 3 {
			t.Fatalf("record %s came back as %+v, stored %+v", r.ID, r, src)
		}
		for d := range r.Embedding {
			if r.Embedding[d] != src.Embedding[d] {
				t.Fatalf("record %s: embedding %v, stored %v", r.ID, r.Embedding, src.Embedding)
			}
		}
	}
	sort.Strings(ids)
	if want := expectedSample(withVec, time.Hour, 150); fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Fatalf("sampled ids differ from the hash-ordered stratified sample:\n got %v\nwant %v", ids, want)
	}
	// Each hour contributes its share of the sample, within one record.
	total := len(withVec)
	for h, n := range perHour {
		share := 150 * float64(n) / float64(total)
		if math.Abs(float64(picked[h])-share) > 1 {
			t.Errorf("hour %s: %d sampled, want %.1f ± 1", time.UnixMilli(h).UTC().Format("15:04"), picked[h], share)
		}
	}

	again, err := s.Sample(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != len(got) {
		t.Fatal("a repeated sample has a different size")
	}
	for k := range got {
		if again[k].ID != got[k].ID {
			t.Fatalf("a repeated sample differs at %d: %s vs %s", k, again[k].ID, got[k].ID)
		}
	}

	// Without stratification: the records with the smallest hashes; a limit
	// above the scope's size returns the scope whole, vectors or not.
	flat, err := s.Sample(ctx, store.SampleRequest{Scope: sc, Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	var flatIDs []string
	for _, r := range flat {
		flatIDs = append(flatIDs, r.ID)
		if r.Embedding != nil {
			t.Fatal("vectors returned without being asked for")
		}
	}
	sort.Strings(flatIDs)
	if want := expectedSample(batch, 1000*time.Hour, 40); fmt.Sprint(flatIDs) != fmt.Sprint(want) {
		t.Fatalf("unstratified sample:\n got %v\nwant %v", flatIDs, want)
	}
	whole, err := s.Sample(ctx, store.SampleRequest{Scope: sc, Limit: 100_000})
	if err != nil || len(whole) != len(batch) {
		t.Fatalf("a limit above the scope: %d records (%v), want all %d", len(whole), err, len(batch))
	}
	narrow, err := s.Sample(ctx, store.SampleRequest{Scope: store.Scope{Model: "emb", From: t0.Add(2 * time.Hour), To: t0.Add(3 * time.Hour),
		Filters: []store.Filter{{Col: store.Column{Kind: store.ColPredLabel}, Op: store.OpEq, Values: []store.Value{store.Str("pos")}}}}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(narrow) != 30 { // hour 2 holds 60 records, half of them "pos"
		t.Fatalf("scope with a filter: %d records, want 30", len(narrow))
	}
	for _, r := range narrow {
		if r.Prediction.Label != "pos" || r.Time.Before(t0.Add(2*time.Hour)) || !r.Time.Before(t0.Add(3*time.Hour)) {
			t.Fatalf("record %s is outside the scope", r.ID)
		}
	}
}

func TestLookupByID(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	var batch []store.Record
	for i := 0; i < 50; i++ {
		batch = append(batch, embRecord(i, "v1", t0.Add(time.Duration(50-i)*time.Minute), embVector(i)))
	}
	if _, err := s.Ingest(ctx, batch, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Lookup(ctx, store.LookupRequest{Model: "emb", IDs: []string{"e-0003", "missing", "e-0040", "e-0003", "e-0012"}, Embeddings: true})
	if err != nil {
		t.Fatal(err)
	}
	// Ordered by time: e-0040 is the earliest (50 − 40 minutes).
	if len(got) != 3 || got[0].ID != "e-0040" || got[1].ID != "e-0012" || got[2].ID != "e-0003" {
		t.Fatalf("lookup: %+v", got)
	}
	src := batch[3]
	if r := got[2]; r.Text != src.Text || r.Prediction != src.Prediction || r.Actual != src.Actual ||
		!r.ActualTime.Equal(src.ActualTime) || len(r.Embedding) != 3 || r.Embedding[0] != src.Embedding[0] {
		t.Fatalf("e-0003 came back as %+v", r)
	}
	none, err := s.Lookup(ctx, store.LookupRequest{Model: "emb", IDs: []string{"x", "y"}})
	if err != nil || len(none) != 0 {
		t.Fatalf("unknown ids: %+v, %v", none, err)
	}
	if _, err := s.Lookup(ctx, store.LookupRequest{Model: "nope", IDs: []string{"x"}}); !errors.Is(err, store.ErrUnknownModel) {
		t.Fatalf("unknown model: %v", err)
	}
}

// TestEmbeddingsStoredPlain checks that a model table keeps its embeddings
// as plain floats (see baseColumns) and reads them back bit for bit.
func TestEmbeddingsStoredPlain(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	const n, dim = 3000, 64
	batch := make([]store.Record, n)
	for i := range batch {
		vec := make([]float32, dim)
		for k := range vec {
			vec[k] = float32(rng.NormFloat64() * 0.05)
		}
		batch[i] = embRecord(i, "v1", t0.Add(time.Duration(i)*time.Second), vec)
	}
	if _, err := s.Ingest(ctx, batch, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, "CHECKPOINT"); err != nil {
		t.Fatal(err)
	}
	var methods string
	err := s.DB().QueryRowContext(ctx, `SELECT string_agg(DISTINCT compression, ',') FROM pragma_storage_info('inf_1')
		WHERE column_name = 'embedding' AND segment_type = 'FLOAT'`).Scan(&methods)
	if err != nil {
		t.Fatal(err)
	}
	if methods != "Uncompressed" {
		t.Errorf("embedding components are stored with %q, want Uncompressed", methods)
	}
	got, err := s.Lookup(ctx, store.LookupRequest{Model: "emb", IDs: []string{batch[2999].ID}, Embeddings: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !slices.Equal(got[0].Embedding, batch[2999].Embedding) {
		t.Errorf("embedding read back as %v, want %v", got, batch[2999].Embedding)
	}
}
