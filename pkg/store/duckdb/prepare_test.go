package duckdb

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// A prepared batch keeps nothing of its records: a producer that overwrites
// the batch right after Prepare (as the bulk loaders do) changes nothing stored.
func TestPreparedBatchOutlivesItsRecords(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	batch := []store.Record{rec(1, "a", "v1", 0, 100, "north"), rec(2, "b", "v2", 1, 200, "south"), actual(3, "a", "1")}
	batch[0].Embedding, batch[1].Embedding = []float32{1, 2}, []float32{3, 4}
	batch[0].Text = "first text"
	p := s.Prepare(batch, store.IngestOptions{})
	defer p.Release()
	for i := range batch {
		r := &batch[i]
		r.ID, r.Version, r.Text = "overwritten", "v9", "overwritten"
		for k := range r.Features {
			r.Features[k].Value = store.Str("overwritten")
		}
		for k := range r.Embedding {
			r.Embedding[k] = -1
		}
		r.Actual = store.Outcome{Label: "overwritten", HasLabel: true}
	}
	res, err := s.IngestPrepared(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Inferences != 2 || res.Actuals != 1 {
		t.Fatalf("result %+v", res)
	}
	for where, want := range map[string]int{
		"id = 'a' AND version = 'v1' AND f_1 = 100 AND f_2 = 'north' AND text = 'first text' AND embedding = [1, 2]::FLOAT[] AND actual_label = '1'": 1,
		"id = 'b' AND version = 'v2' AND f_1 = 200 AND embedding = [3, 4]::FLOAT[] AND actual_label IS NULL":                                         1,
		"id = 'overwritten' OR version = 'v9'": 0,
	} {
		if n := count(t, s, where); n != want {
			t.Errorf("%s: %d records, want %d", where, n, want)
		}
	}
}

// A conflict with the catalog is only known when the batch is stored; the
// error still names the first record at fault in the batch, whether that is a
// conflict or a record-level error.
func TestIngestErrorNamesTheFirstRecordAtFault(t *testing.T) {
	withCat := func(f store.Feature) store.Record {
		r := rec(1, "stored", "v1", 0, 1, "north")
		r.Features = append(r.Features, f)
		return r
	}
	with := func(line int, id string, f store.Feature) store.Record {
		r := rec(line, id, "v1", line, 1, "north")
		r.Features = append(r.Features, f)
		return r
	}
	noTime := rec(0, "late", "v1", 0, 1, "north")
	noTime.Time = time.Time{}
	at := func(r store.Record, line int) store.Record { r.Line = line; return r }
	emb := func(line, dim int) store.Record {
		r := rec(line, fmt.Sprint("e", line), "v1", line, 1, "north")
		r.Embedding = make([]float32, dim)
		return r
	}
	cases := []struct {
		name      string
		stored    []store.Record
		batch     []store.Record
		line      int
		field, in string
	}{
		{"catalog numeric, later string", []store.Record{withCat(store.Feature{Name: "x", Value: store.Num(1)})},
			[]store.Record{with(1, "a", store.Feature{Name: "x", Value: store.Num(2)}), with(2, "b", store.Feature{Name: "x", Value: store.Str("s")})},
			2, "features.x", "is numeric, but this record gives a categorical value"},
		{"catalog categorical, numbers then strings", []store.Record{withCat(store.Feature{Name: "x", Value: store.Str("s")})},
			[]store.Record{with(1, "a", store.Feature{Name: "x", Value: store.Value{}}), with(2, "b", store.Feature{Name: "x", Value: store.Num(2)}), with(5, "c", store.Feature{Name: "x", Value: store.Str("t")})},
			2, "features.x", "is categorical, but this record gives a numeric value"},
		{"new field, both kinds in the batch", nil,
			[]store.Record{with(1, "a", store.Feature{Name: "x", Value: store.Num(2)}), with(3, "b", store.Feature{Name: "x", Value: store.Str("s")})},
			3, "features.x", "is numeric, but this record gives a categorical value"},
		{"conflict before a record error", []store.Record{withCat(store.Feature{Name: "x", Value: store.Num(1)})},
			[]store.Record{with(2, "a", store.Feature{Name: "x", Value: store.Str("s")}), at(noTime, 4)},
			2, "features.x", "is numeric"},
		{"record error before a conflict", []store.Record{withCat(store.Feature{Name: "x", Value: store.Num(1)})},
			[]store.Record{at(noTime, 1), with(3, "a", store.Feature{Name: "x", Value: store.Str("s")})},
			1, "timestamp", "is required"},
		{"a repeated id is checked too", []store.Record{withCat(store.Feature{Name: "x", Value: store.Num(1)})},
			[]store.Record{with(1, "a", store.Feature{Name: "x", Value: store.Num(2)}), with(2, "a", store.Feature{Name: "x", Value: store.Str("s")})},
			2, "features.x", "is numeric"},
		{"embedding dimension against the catalog", []store.Record{emb(1, 3)},
			[]store.Record{rec(1, "a", "v1", 0, 1, "north"), emb(2, 4)},
			2, "embedding", `record "e2" has 4 dimensions but model "credit" has 3`},
		{"embedding dimension inside the batch", nil,
			[]store.Record{emb(1, 3), emb(2, 3), emb(3, 2)},
			3, "embedding", `record "e3" has 2 dimensions but model "credit" has 3`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := openTemp(t)
			ctx := context.Background()
			if c.stored != nil {
				if _, err := s.Ingest(ctx, c.stored, store.IngestOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			before := count(t, s, "true")
			_, err := s.Ingest(ctx, c.batch, store.IngestOptions{})
			var re *store.RecordError
			if !errors.As(err, &re) || re.Line != c.line || re.Field != c.field || !strings.Contains(re.Msg, c.in) {
				t.Fatalf("want line %d field %q saying %q, got %v", c.line, c.field, c.in, err)
			}
			if n := count(t, s, "true"); n != before {
				t.Fatalf("rejected batch changed the store: %d records, had %d", n, before)
			}
		})
	}
}

// Records that skipped the parsers are checked by the store: strings DuckDB
// would turn into nulls and numbers that are not finite name line and field.
func TestIngestRejectsBadStringsAndNumbers(t *testing.T) {
	cases := []struct {
		name, field, in string
		edit            func(r *store.Record)
	}{
		{"id", "id", "UTF-8", func(r *store.Record) { r.ID = "a\xffb" }},
		{"version", "version", "UTF-8", func(r *store.Record) { r.Version = "v\xfe" }},
		{"categorical value", "features.region", "UTF-8", func(r *store.Record) { r.Features[1].Value = store.Str("no\xc3rth") }},
		{"feature name", "features", "UTF-8", func(r *store.Record) { r.Features[1].Name = "re\xffgion" }},
		{"tag", "tags.sex", "UTF-8", func(r *store.Record) { r.Tags[0].Value = "\xff" }},
		{"text", "text", "UTF-8", func(r *store.Record) { r.Text = "caf\xe9" }},
		{"prediction label", "prediction.label", "UTF-8", func(r *store.Record) { r.Prediction.Label = "\x80" }},
		{"NaN feature", "features.income", "not a finite number", func(r *store.Record) { r.Features[0].Value = store.Num(math.NaN()) }},
		{"infinite score", "prediction.score", "not a finite number", func(r *store.Record) { r.Prediction.Score = math.Inf(1) }},
		{"infinite actual", "actual.value", "not a finite number", func(r *store.Record) { r.Actual = store.Outcome{Value: math.Inf(-1), HasValue: true} }},
		{"NaN embedding element", "embedding", "element 1", func(r *store.Record) { r.Embedding = []float32{0, float32(math.NaN())} }},
	}
	s, _ := openTemp(t)
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := rec(2, "bad", "v1", 1, 1, "south")
			c.edit(&bad)
			_, err := s.Ingest(ctx, []store.Record{rec(1, "good", "v1", 0, 1, "north"), bad}, store.IngestOptions{})
			var re *store.RecordError
			if !errors.As(err, &re) || re.Line != 2 || re.Field != c.field || !strings.Contains(re.Msg, c.in) {
				t.Fatalf("want line 2 field %q saying %q, got %v", c.field, c.in, err)
			}
			if n := count(t, s, "true"); n != 0 {
				t.Fatalf("rejected batch stored %d records", n)
			}
		})
	}
}

// A field given only nulls gets no column; its first value adds one, and the
// records stored before read null there. Tags and features of one name are
// distinct fields, and a record may leave any of them out.
func TestFieldsAppearAndGoMissing(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	r1 := rec(1, "a", "v1", 0, 1, "north")
	r1.Features = append(r1.Features, store.Feature{Name: "late", Value: store.Value{}})
	if _, err := s.Ingest(ctx, []store.Record{r1}, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	sch, _ := s.Schema(ctx, "credit")
	if _, ok := sch.Feature("late"); ok {
		t.Fatal("a feature seen only as null got a column")
	}
	r2 := rec(1, "b", "v1", 1, 2, "south")
	r2.Features = []store.Feature{{Name: "late", Value: store.Num(7)}, {Name: "income", Value: store.Num(2)}} // other order, no region
	r2.Tags = []store.Tag{{Name: "region", Value: "tagged", Set: true}}
	r3 := rec(2, "c", "v1", 2, 3, "east")
	r3.Tags = nil
	if _, err := s.Ingest(ctx, []store.Record{r2, r3}, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	sch, _ = s.Schema(ctx, "credit")
	late, ok := sch.Feature("late")
	if !ok || late.Type != store.Numeric {
		t.Fatalf("schema %+v", sch)
	}
	lateCol := fieldColumn(late)
	var regionTag store.FieldInfo
	for _, f := range sch.Tags {
		if f.Name == "region" {
			regionTag = f
		}
	}
	for where, want := range map[string]int{
		"id = 'a' AND " + lateCol + " IS NULL AND f_2 = 'north'":                                                     1,
		"id = 'b' AND " + lateCol + " = 7 AND f_1 = 2 AND f_2 IS NULL AND " + fieldColumn(regionTag) + " = 'tagged'": 1,
		"id = 'c' AND " + lateCol + " IS NULL AND f_2 = 'east' AND t_3 IS NULL":                                      1,
	} {
		if n := count(t, s, where); n != want {
			t.Errorf("%s: %d records, want %d", where, n, want)
		}
	}
}

// Re-sent ids are left out of the insert by id, the rest of the batch is
// stored, and the stored values are kept (the first occurrence wins).
func TestStoredDuplicatesAreLeftOut(t *testing.T) {
	withAndWithoutIDFilter(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		var first []store.Record
		for i := range 50 {
			first = append(first, rec(i+1, fmt.Sprint("id", i), "v1", i, float64(i), "north"))
		}
		if _, err := s.Ingest(ctx, first, store.IngestOptions{}); err != nil {
			t.Fatal(err)
		}
		var second []store.Record
		for i := 25; i < 75; i++ {
			second = append(second, rec(i-24, fmt.Sprint("id", i), "v2", i, -1, "south"))
		}
		res, err := s.Ingest(ctx, second, store.IngestOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Inferences != 25 || res.Duplicates != 25 {
			t.Fatalf("result %+v", res)
		}
		for where, want := range map[string]int{"true": 75, "version = 'v1' AND f_1 >= 0": 50, "version = 'v2' AND f_1 = -1": 25} {
			if n := count(t, s, where); n != want {
				t.Errorf("%s: %d records, want %d", where, n, want)
			}
		}
	})
}

// A bulk load checkpoints itself once the write-ahead log passes the
// threshold, goes back to one thread, and checkpoints when closed.
func TestBulkLoadCheckpoints(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bulk.duckdb")
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: path, BulkLoad: true, CheckpointThreshold: "64KB"})
	if err != nil {
		t.Fatal(err)
	}
	walSize := func() int64 { return sizeOf(path + ".wal") }
	small := []store.Record{rec(1, "a", "v1", 0, 1, "north")}
	if _, err := s.Ingest(ctx, small, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	if walSize() == 0 {
		t.Fatal("a small batch should stay in the write-ahead log")
	}
	var big []store.Record
	for i := range 5000 {
		big = append(big, rec(i+1, fmt.Sprint("b", i), "v1", i%60, float64(i), "south"))
	}
	if _, err := s.Ingest(ctx, big, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := walSize(); n >= 64<<10 {
		t.Fatalf("write-ahead log is %d bytes after passing the threshold: no checkpoint", n)
	}
	var threads string
	if err := s.db.QueryRow("SELECT current_setting('threads')::VARCHAR").Scan(&threads); err != nil || threads != "1" {
		t.Fatalf("threads after a checkpoint: %q %v", threads, err)
	}
	if _, err := s.Ingest(ctx, []store.Record{rec(1, "c", "v1", 0, 1, "east")}, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := walSize(); n != 0 {
		t.Fatalf("write-ahead log of %d bytes left after Close", n)
	}
	s, err = Open(ctx, Options{Path: path, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := count(t, s, "true"); n != 5002 {
		t.Fatalf("%d records after reopening, want 5002", n)
	}
}

// A bulk load without a write-ahead log writes none, checkpoints once the
// table data waiting in memory passes the threshold, and leaves every
// committed record in the file when closed.
func TestBulkLoadSkipsTheLog(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "it's.duckdb") // a quote in the name goes into ATTACH
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: path, BulkLoad: true, SkipWAL: true, CheckpointThreshold: "256KB"})
	if err != nil {
		t.Fatal(err)
	}
	waiting := func() int64 {
		n, err := s.uncheckpointedBytes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if _, err := s.Ingest(ctx, []store.Record{rec(1, "a", "v1", 0, 1, "north")}, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	empty := sizeOf(path)
	if empty == 0 {
		t.Fatal("no database file")
	}
	if waiting() == 0 {
		t.Fatal("a small batch should wait in memory for a checkpoint")
	}
	if _, err := os.Stat(path + ".wal"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a write-ahead log was written: %v", err)
	}
	var big []store.Record
	for i := range 20000 {
		big = append(big, rec(i+1, fmt.Sprint("b", i), "v1", i%60, float64(i), "south"))
	}
	if _, err := s.Ingest(ctx, big, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	// The staging tables of the last batch stay in memory; the records moved
	// into the file.
	if grown := sizeOf(path) - empty; grown < 256<<10 {
		t.Fatalf("the file grew by %d bytes after the threshold was passed: no checkpoint", grown)
	}
	if _, err := s.Ingest(ctx, []store.Record{rec(1, "c", "v1", 0, 1, "east")}, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".tmp")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary directory in the working directory's place: %v", err)
	}
	s, err = Open(ctx, Options{Path: path, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := count(t, s, "true"); n != 20002 {
		t.Fatalf("%d records after reopening, want 20002", n)
	}
	for _, opts := range []Options{{Path: path, SkipWAL: true}, {BulkLoad: true, SkipWAL: true}, {Path: ":memory:", BulkLoad: true, SkipWAL: true}} {
		if _, err := Open(ctx, opts); err == nil || !strings.Contains(err.Error(), "SkipWAL needs BulkLoad and a database file") {
			t.Errorf("Open(%+v): %v", opts, err)
		}
	}
}

// sizeOf is the size of a file, 0 when there is none.
func sizeOf(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"2GB": 2 << 30, "512MB": 512 << 20, "64 kb": 64 << 10, "1.5GB": 3 << 29, "1000": 1000, "1TB": 1 << 40} {
		if got, err := parseBytes(in); err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "GB", "-1GB", "0", "2 gigabytes", "NaNMB", "InfGB"} {
		if _, err := parseBytes(in); err == nil {
			t.Errorf("parseBytes(%q) gave no error", in)
		}
	}
	if _, err := Open(context.Background(), Options{BulkLoad: true, CheckpointThreshold: "lots"}); err == nil || !strings.Contains(err.Error(), "checkpoint threshold") {
		t.Fatalf("bad threshold: %v", err)
	}
}

// Records of two models interleave in a batch and list the same names in
// different orders; each value lands in its own model's column.
func TestInterleavedModelsKeepTheirColumns(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	mk := func(model, id string, names []string, values ...float64) store.Record {
		r := store.Record{Line: 1, Model: model, ID: id, Version: "v1", Environment: "production", Time: t0}
		for k, n := range names {
			r.Features = append(r.Features, store.Feature{Name: n, Value: store.Num(values[k])})
		}
		return r
	}
	var batch []store.Record
	for i := range 20 {
		x := float64(i)
		batch = append(batch, mk("a", fmt.Sprint(i), []string{"x", "y"}, x, x+0.5), mk("b", fmt.Sprint(i), []string{"y", "x"}, 100+x, 200+x))
		if i%3 == 0 { // now and then a record lists them the other way round
			batch = append(batch, mk("a", fmt.Sprint("r", i), []string{"y", "x"}, x+0.5, x))
		}
	}
	if _, err := s.Ingest(ctx, batch, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	for model, where := range map[string]string{"a": "%s = %s + 0.5", "b": "%s = %s - 100"} {
		sch, _ := s.Schema(ctx, model)
		x, _ := sch.Feature("x")
		y, _ := sch.Feature("y")
		var bad, n int
		q := fmt.Sprintf("SELECT count(*) FILTER (WHERE NOT ("+where+")), count(*) FROM %s", fieldColumn(y), fieldColumn(x), s.model(model).table())
		if err := s.db.QueryRow(q).Scan(&bad, &n); err != nil {
			t.Fatal(err)
		}
		if bad != 0 || n == 0 {
			t.Fatalf("model %s: %d of %d records have x and y mixed up", model, bad, n)
		}
	}
}
