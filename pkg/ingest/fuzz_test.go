package ingest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// Fuzz targets of the three readers (scripts/fuzz.sh runs them). Invariants:
// no panic; a rejection is a user error naming the line (or row), the field,
// or the mapping option at fault; an accepted input round-trips: its records,
// written as NDJSON and read again, are the same records.

// fuzzLimits are small, so batches split and limits are reached.
var fuzzLimits = Limits{MaxLineBytes: 64 << 10, BatchRecords: 3, MaxNameBytes: 64, MaxTextBytes: 1 << 10}

func collectAll(into *[]store.Record) EmitFunc {
	return func(_ context.Context, b []store.Record) error {
		*into = append(*into, b...)
		return nil
	}
}

// canonical renders a record for comparison: features and tags sorted by
// name, times in UTC, the source line left out.
func canonical(r store.Record) string {
	fs := slices.Clone(r.Features)
	slices.SortFunc(fs, func(a, b store.Feature) int { return strings.Compare(a.Name, b.Name) })
	ts := slices.Clone(r.Tags)
	slices.SortFunc(ts, func(a, b store.Tag) int { return strings.Compare(a.Name, b.Name) })
	return fmt.Sprintf("%q %q %v %q %q %s %v %v %+v %+v %s %v %q", r.Model, r.ID, r.ActualOnly, r.Version, r.Environment,
		r.Time.UTC().Format(time.RFC3339Nano), fs, ts, r.Prediction, r.Actual, r.ActualTime.UTC().Format(time.RFC3339Nano), r.Embedding, r.Text)
}

// roundTrip checks that recs, written as NDJSON and read back, are recs.
func roundTrip(t *testing.T, recs []store.Record) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteNDJSON(&buf, recs); err != nil {
		t.Fatalf("write accepted records as NDJSON: %v", err)
	}
	var back []store.Record
	if _, err := ReadNDJSON(context.Background(), &buf, Limits{MaxLineBytes: 4 << 20, MaxNameBytes: fuzzLimits.MaxNameBytes, MaxTextBytes: fuzzLimits.MaxTextBytes}, collectAll(&back)); err != nil {
		t.Fatalf("accepted records written as NDJSON are rejected: %v\n%s", err, buf.Bytes())
	}
	if len(back) != len(recs) {
		t.Fatalf("%d records read back, %d written", len(back), len(recs))
	}
	for i := range recs {
		if a, b := canonical(recs[i]), canonical(back[i]); a != b {
			t.Fatalf("record %d does not round-trip:\n was %s\n now %s", i, a, b)
		}
	}
}

// userError fails unless err is a rejection a user can act on: a
// *store.RecordError naming a line or a field, or a message naming the
// mapping option, the column or what the file is missing.
func userError(t *testing.T, err error, input []byte) {
	t.Helper()
	var re *store.RecordError
	if errors.As(err, &re) {
		if re.Line <= 0 && re.Field == "" {
			t.Fatalf("a record error names neither a line nor a field: %v\ninput %q", err, input)
		}
		return
	}
	msg := err.Error()
	for _, hint := range []string{"line", "row", "column", "header", "mapping", "--", "Parquet", "CSV", "model", "id", "timestamp"} {
		if strings.Contains(msg, hint) {
			return
		}
	}
	t.Fatalf("a rejection names no line, field or option: %v\ninput %q", err, input)
}

// realSeeds adds the first lines of a file of ../shared/data when it exists.
func realSeeds(f *testing.F, rel string, lines int, add func([]byte)) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "data", rel))
	if err != nil {
		return
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	var out []byte
	for i := 0; i < lines && sc.Scan(); i++ {
		out = append(append(out, sc.Bytes()...), '\n')
	}
	add(out)
}

func FuzzReadNDJSON(f *testing.F) {
	for _, s := range []string{
		`{"model":"credit-risk","version":"v2","environment":"production","id":"a1b2","timestamp":"2026-11-01T12:00:00Z","features":{"age":37,"income":52000,"region":"south"},"prediction":{"label":"1","score":0.73},"actual":{"label":"0"},"tags":{"sex":"F","channel":"web"},"embedding":[0.12,-0.4],"text":"raw input"}`,
		`{"model":"eta","version":"v1","id":"r1","timestamp":1767225600000,"prediction":{"value":12.3},"features":{"km":null}}` + "\n\n" + `{"model":"eta","id":"r1","actual":{"value":11}}`,
		`{"model":"m","id":"x","timestamp":"2026-11-01T12:00:00Z","features":{"a":1e309}}`,
		`{"model":"m","id":"x","timestamp":"not a time"}`,
		`{"model":"","id":"x"}`,
		`{"model":"m","id":"x","timestamp":"2026-11-01T12:00:00Z","embedding":[1,"a"]}`,
		"{\"model\":\"m\",\"id\":\"\xff\xfe\",\"timestamp\":\"2026-11-01T12:00:00Z\"}",
		`[1,2,3]`, `{`, `null`, "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var recs []store.Record
		n, err := ReadNDJSON(context.Background(), bytes.NewReader(data), fuzzLimits, collectAll(&recs))
		if err != nil {
			userError(t, err, data)
			return
		}
		if n != len(recs) {
			t.Fatalf("%d records counted, %d emitted", n, len(recs))
		}
		for _, r := range recs {
			if r.Line <= 0 {
				t.Fatalf("record %q has no source line", r.ID)
			}
		}
		roundTrip(t, recs)
	})
}

// FuzzReadCSV fuzzes the body and the mapping flags together: columns, a
// header or not, the delimiter and which columns are mapped to what.
func FuzzReadCSV(f *testing.F) {
	type seed struct {
		body                                                    string
		columns, model, idCol, tsCol, features, tags, pred, act string
		nulls                                                   string
		delim                                                   byte
		trim                                                    bool
	}
	for _, s := range []seed{
		{body: "id,ts,age,region,label\n1,2026-11-01T00:00:00Z,37,south,1\n2,2026-11-01T01:00:00Z,?,north,0\n", model: "m", idCol: "id", tsCol: "ts", act: "label", nulls: "?"},
		{body: "a;b;c\n1;x;0.5\n", model: "m", features: "a,b", pred: "c", delim: ';'},
		{body: "1, x ,0\n2,\"y,z\",1\n", columns: "a,b,c", model: "m", act: "c", trim: true},
		{body: "dteday,hr,cnt\n2011-01-01,0,16\n2011-01-01,1,40\n", model: "bike", tsCol: "dteday+hr", act: "cnt"},
		{body: "id,t\n1,1767225600\n", model: "m", idCol: "id", tsCol: "t", tags: "t"},
		{body: "id,x\n1,\"unterminated\n", model: "m", idCol: "id"},
		{body: "id,x\n1,2,3\n", model: "m", idCol: "id"},
		{body: "", model: "m"},
		{body: "x\n1\n", idCol: "nope"},
	} {
		f.Add([]byte(s.body), s.columns, s.model, s.idCol, s.tsCol, s.features, s.tags, s.pred, s.act, s.nulls, s.delim, s.trim)
	}
	realSeeds(f, "bike_sharing/hour.csv", 6, func(b []byte) {
		f.Add(b, "", "bike", "instant", "dteday+hr", "temp,hum,windspeed", "season", "", "cnt", "", byte(0), false)
	})
	realSeeds(f, "adult/adult.data", 5, func(b []byte) {
		f.Add(b, "age,workclass,fnlwgt,education,education-num,marital-status,occupation,relationship,race,sex,capital-gain,capital-loss,hours-per-week,native-country,income",
			"adult", "", "", "", "sex,race", "", "income", "?", byte(0), true)
	})
	f.Fuzz(func(t *testing.T, body []byte, columns, model, idCol, tsCol, features, tags, pred, act, nulls string, delim byte, trim bool) {
		list := func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Split(s, ",")
		}
		opts := CSVOptions{Columns: list(columns), Trim: trim}
		if delim != 0 {
			opts.Delimiter = rune(delim)
		}
		m := Mapping{Model: model, IDCol: idCol, IDPrefix: "fuzz", TimestampCol: tsCol, FeatureCols: list(features), TagCols: list(tags),
			PredictionLabelCol: pred, ActualLabelCol: act, NullValues: list(nulls)}
		if tsCol == "" {
			m.Timestamp = "2026-11-01T00:00:00Z"
		}
		var recs []store.Record
		n, err := ReadCSV(context.Background(), bytes.NewReader(body), opts, m, fuzzLimits, collectAll(&recs))
		if err != nil {
			userError(t, err, body)
			return
		}
		if n != len(recs) {
			t.Fatalf("%d records counted, %d emitted", n, len(recs))
		}
		roundTrip(t, recs)
	})
}

// parquetSeed writes a small Parquet file of the columns a mapping reads.
func parquetSeed(rowGroup int64, rows int) []byte {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.BinaryTypes.String},
		{Name: "ts", Type: arrow.FixedWidthTypes.Timestamp_ms, Nullable: true},
		{Name: "age", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "region", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "label", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "emb", Type: arrow.ListOf(arrow.PrimitiveTypes.Float32), Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < rows; i++ {
		b.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("r%d", i))
		if i%5 == 4 {
			b.Field(1).AppendNull()
			b.Field(2).AppendNull()
		} else {
			b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(t0.Add(time.Duration(i) * time.Hour).UnixMilli()))
			b.Field(2).(*array.Float64Builder).Append(float64(20 + i))
		}
		b.Field(3).(*array.StringBuilder).Append([]string{"north", "south", "east"}[i%3])
		b.Field(4).(*array.Int64Builder).Append(int64(i % 2))
		lb := b.Field(5).(*array.ListBuilder)
		lb.Append(true)
		lb.ValueBuilder().(*array.Float32Builder).AppendValues([]float32{float32(i), 0.5}, nil)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	w, err := pqarrow.NewFileWriter(schema, &buf, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(rowGroup)), pqarrow.DefaultWriterProps())
	if err != nil {
		panic(err)
	}
	if err := w.Write(rec); err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// FuzzReadParquet fuzzes Parquet bytes: small generated files, and the same
// files cut short, with flipped bytes, or with a broken footer.
func FuzzReadParquet(f *testing.F) {
	good := parquetSeed(4, 7)
	f.Add(good, "id", "ts", "")
	f.Add(parquetSeed(100, 3), "id", "", "emb")
	f.Add(good[:len(good)/2], "id", "ts", "")
	flipped := slices.Clone(good)
	flipped[len(flipped)/3] ^= 0xff
	f.Add(flipped, "id", "ts", "emb")
	footer := slices.Clone(good)
	copy(footer[len(footer)-8:], []byte{0xff, 0xff, 0xff, 0x7f})
	f.Add(footer, "id", "ts", "")
	f.Add([]byte("PAR1PAR1PAR1"), "id", "", "")
	f.Fuzz(func(t *testing.T, data []byte, idCol, tsCol, embCol string) {
		m := Mapping{Model: "m", IDCol: idCol, IDPrefix: "fuzz", TimestampCol: tsCol, EmbeddingCol: embCol, ActualLabelCol: "label"}
		if tsCol == "" {
			m.Timestamp = "2026-11-01T00:00:00Z"
		}
		var recs []store.Record
		n, err := ReadParquet(context.Background(), bytes.NewReader(data), int64(len(data)), m, fuzzLimits, collectAll(&recs))
		if err != nil {
			userError(t, err, nil)
			return
		}
		if n != len(recs) {
			t.Fatalf("%d records counted, %d emitted", n, len(recs))
		}
		roundTrip(t, recs)
	})
}
