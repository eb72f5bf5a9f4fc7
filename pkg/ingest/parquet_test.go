package ingest

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"math"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// writeParquet writes one record batch as a Parquet file in memory, with at
// most rowGroup rows per row group (0: one row group).
func writeParquet(t *testing.T, rec arrow.RecordBatch, rowGroup int64, storeSchema bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	var opts []parquet.WriterProperty
	if rowGroup > 0 {
		opts = append(opts, parquet.WithMaxRowGroupLength(rowGroup))
	}
	arrProps := pqarrow.DefaultWriterProps()
	if storeSchema {
		arrProps = pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema())
	}
	w, err := pqarrow.NewFileWriter(rec.Schema(), &buf, parquet.NewWriterProperties(opts...), arrProps)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// readParquetAll ingests a file in memory and returns every record emitted.
func readParquetAll(data []byte, m Mapping, lim Limits) ([]store.Record, int, error) {
	var out []store.Record
	batches := 0
	n, err := ReadParquet(context.Background(), bytes.NewReader(data), int64(len(data)), m, lim, func(_ context.Context, b []store.Record) error {
		out = append(out, b...)
		batches++
		return nil
	})
	if err == nil && n != len(out) {
		return nil, 0, errors.New("ReadParquet returned a count that differs from the records emitted")
	}
	return out, batches, err
}

func ms(s string) arrow.Timestamp {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return arrow.Timestamp(t.UnixMilli())
}

// typedRecord builds three rows covering every supported cell kind, with nulls.
func typedRecord() arrow.RecordBatch {
	mem := memory.DefaultAllocator
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.BinaryTypes.String},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
		{Name: "age", Type: arrow.PrimitiveTypes.Int64},
		{Name: "income", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "region", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "member", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "zip", Type: arrow.PrimitiveTypes.Int32},
		{Name: "price", Type: &arrow.Decimal128Type{Precision: 9, Scale: 2}},
		{Name: "signup", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "pred", Type: arrow.PrimitiveTypes.Int32},
		{Name: "score", Type: arrow.PrimitiveTypes.Float32},
		{Name: "actual", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "sex", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "emb", Type: arrow.ListOf(arrow.PrimitiveTypes.Float32), Nullable: true},
		{Name: "note", Type: arrow.BinaryTypes.Binary, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"a1", "a2", "a3"}, nil)
	b.Field(1).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{
		ms("2026-11-01T12:00:00Z"), ms("2026-11-01T12:00:01.5Z"), ms("2026-11-02T00:00:00Z"),
	}, nil)
	b.Field(2).(*array.Int64Builder).AppendValues([]int64{37, 51, 19}, nil)
	b.Field(3).(*array.Float64Builder).AppendValues([]float64{52000.5, 0, -1e6}, []bool{true, false, true})
	b.Field(4).(*array.StringBuilder).AppendValues([]string{"south", "", "north"}, []bool{true, false, true})
	b.Field(5).(*array.BooleanBuilder).AppendValues([]bool{true, false, false}, []bool{true, true, false})
	b.Field(6).(*array.Int32Builder).AppendValues([]int32{10115, 80331, 20095}, nil)
	b.Field(7).(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(1999), decimal128.FromI64(-5), decimal128.FromI64(0)}, nil)
	b.Field(8).(*array.Date32Builder).AppendValues([]arrow.Date32{arrow.Date32FromTime(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)), 0, 0}, []bool{true, false, false})
	b.Field(9).(*array.Int32Builder).AppendValues([]int32{1, 0, 1}, nil)
	b.Field(10).(*array.Float32Builder).AppendValues([]float32{0.75, 0.25, 0.5}, nil)
	b.Field(11).(*array.BooleanBuilder).AppendValues([]bool{false, false, true}, []bool{true, false, true})
	b.Field(12).(*array.StringBuilder).AppendValues([]string{"F", "", "M"}, []bool{true, false, true})
	lb := b.Field(13).(*array.ListBuilder)
	vb := lb.ValueBuilder().(*array.Float32Builder)
	lb.Append(true)
	vb.AppendValues([]float32{0.125, -0.5}, nil)
	lb.AppendNull()
	lb.Append(true)
	vb.AppendValues([]float32{1, 2}, nil)
	b.Field(14).(*array.BinaryBuilder).AppendValues([][]byte{[]byte("first input"), nil, []byte("third")}, []bool{true, false, true})
	return b.NewRecordBatch()
}

func TestReadParquetTyped(t *testing.T) {
	rec := typedRecord()
	defer rec.Release()
	data := writeParquet(t, rec, 2, false) // two row groups
	m := Mapping{
		Model: "credit-risk", Version: "v2", IDCol: "id", TimestampCol: "ts",
		PredictionLabelCol: "pred", PredictionScoreCol: "score", ActualLabelCol: "actual",
		FeatureCols:     []string{"age", "income", "region", "member", "zip", "price", "signup"},
		CategoricalCols: []string{"zip"},
		TagCols:         []string{"sex"},
		EmbeddingCol:    "emb", TextCol: "note",
		LabelMap: map[string]string{"true": "1", "false": "0"},
	}
	got, _, err := readParquetAll(data, m, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	signup := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC).Format(time.RFC3339Nano)
	want := []store.Record{{
		Line: 1, Model: "credit-risk", Version: "v2", Environment: "production", ID: "a1",
		Time: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC),
		Features: []store.Feature{
			{Name: "age", Value: store.Num(37)}, {Name: "income", Value: store.Num(52000.5)},
			{Name: "region", Value: store.Str("south")}, {Name: "member", Value: store.Str("true")},
			{Name: "zip", Value: store.Str("10115")}, {Name: "price", Value: store.Num(19.99)},
			{Name: "signup", Value: store.Str(signup)},
		},
		Tags:       []store.Tag{{Name: "sex", Value: "F", Set: true}},
		Prediction: store.Outcome{Label: "1", HasLabel: true, Score: 0.75, HasScore: true},
		Actual:     store.Outcome{Label: "0", HasLabel: true},
		Embedding:  []float32{0.125, -0.5},
		Text:       "first input",
	}, {
		Line: 2, Model: "credit-risk", Version: "v2", Environment: "production", ID: "a2",
		Time: time.Date(2026, 11, 1, 12, 0, 1, 500e6, time.UTC),
		Features: []store.Feature{
			{Name: "age", Value: store.Num(51)}, {Name: "income"},
			{Name: "region"}, {Name: "member", Value: store.Str("false")},
			{Name: "zip", Value: store.Str("80331")}, {Name: "price", Value: store.Num(-0.05)},
			{Name: "signup"},
		},
		Tags:       []store.Tag{{Name: "sex"}},
		Prediction: store.Outcome{Label: "0", HasLabel: true, Score: 0.25, HasScore: true},
	}, {
		Line: 3, Model: "credit-risk", Version: "v2", Environment: "production", ID: "a3",
		Time: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC),
		Features: []store.Feature{
			{Name: "age", Value: store.Num(19)}, {Name: "income", Value: store.Num(-1e6)},
			{Name: "region", Value: store.Str("north")}, {Name: "member"},
			{Name: "zip", Value: store.Str("20095")}, {Name: "price", Value: store.Num(0)},
			{Name: "signup"},
		},
		Tags:       []store.Tag{{Name: "sex", Value: "M", Set: true}},
		Prediction: store.Outcome{Label: "1", HasLabel: true, Score: 0.5, HasScore: true},
		Actual:     store.Outcome{Label: "1", HasLabel: true},
		Embedding:  []float32{1, 2},
		Text:       "third",
	}}
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("record %d:\n got %+v\nwant %+v", i+1, got[i], want[i])
		}
	}
}

func TestReadParquetDefaultsAndEncodings(t *testing.T) {
	mem := memory.DefaultAllocator
	dictType := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "day", Type: arrow.FixedWidthTypes.Date32},
		{Name: "hour", Type: arrow.PrimitiveTypes.Uint8},
		{Name: "epoch_s", Type: arrow.PrimitiveTypes.Int64},
		{Name: "city", Type: dictType, Nullable: true},
		{Name: "temp", Type: arrow.PrimitiveTypes.Float32},
		{Name: "vec", Type: arrow.FixedSizeListOf(3, arrow.PrimitiveTypes.Float64)},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	day := arrow.Date32FromTime(time.Date(2011, 1, 1, 0, 0, 0, 0, time.UTC))
	b.Field(0).(*array.Date32Builder).AppendValues([]arrow.Date32{day, day + 1}, nil)
	b.Field(1).(*array.Uint8Builder).AppendValues([]uint8{0, 23}, nil)
	b.Field(2).(*array.Int64Builder).AppendValues([]int64{1700000000, 1700000060}, nil)
	db := b.Field(3).(*array.BinaryDictionaryBuilder)
	if err := db.AppendString("Lisbon"); err != nil {
		t.Fatal(err)
	}
	db.AppendNull()
	b.Field(4).(*array.Float32Builder).AppendValues([]float32{21.5, -3}, nil)
	fb := b.Field(5).(*array.FixedSizeListBuilder)
	fv := fb.ValueBuilder().(*array.Float64Builder)
	fb.AppendValues([]bool{true, true})
	fv.AppendValues([]float64{1, 2, 3, 4, 5, 6}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()
	data := writeParquet(t, rec, 0, true) // the stored schema keeps the dictionary

	// A date column plus an hour column; every other unmapped column is a feature.
	got, _, err := readParquetAll(data, Mapping{Model: "m", Version: "v", IDPrefix: "f", TimestampCol: "day+hour", EmbeddingCol: "vec"}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d records", len(got))
	}
	if w := time.Date(2011, 1, 2, 23, 0, 0, 0, time.UTC); !got[1].Time.Equal(w) {
		t.Errorf("time %v, want %v", got[1].Time, w)
	}
	if got[0].ID != "f:1" || got[1].ID != "f:2" {
		t.Errorf("ids %q %q", got[0].ID, got[1].ID)
	}
	wantF := []store.Feature{{Name: "epoch_s", Value: store.Num(1700000060)}, {Name: "city"}, {Name: "temp", Value: store.Num(-3)}}
	if !reflect.DeepEqual(got[1].Features, wantF) {
		t.Errorf("features %+v, want %+v", got[1].Features, wantF)
	}
	if got[0].Features[1].Value != store.Str("Lisbon") {
		t.Errorf("dictionary cell %+v", got[0].Features[1])
	}
	if !reflect.DeepEqual(got[1].Embedding, []float32{4, 5, 6}) {
		t.Errorf("embedding %v", got[1].Embedding)
	}

	// An integer epoch column in seconds.
	got, _, err = readParquetAll(data, Mapping{Model: "m", Version: "v", TimestampCol: "epoch_s", TimestampUnit: "s", FeatureCols: []string{"temp"}}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if w := time.Unix(1700000000, 0).UTC(); !got[0].Time.Equal(w) {
		t.Errorf("time %v, want %v", got[0].Time, w)
	}
}

// TestReadParquetBatches reads a file of many row groups in small batches and
// checks that row numbers run on across them.
func TestReadParquetBatches(t *testing.T) {
	const rows = 10_000
	mem := memory.DefaultAllocator
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond}},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64},
		{Name: "unused", Type: arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64})},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sb := b.Field(2).(*array.StructBuilder)
	for i := range rows {
		b.Field(0).(*array.TimestampBuilder).Append(arrow.Timestamp(start.Add(time.Duration(i) * time.Second).UnixMicro()))
		b.Field(1).(*array.Float64Builder).Append(float64(i) / 2)
		sb.Append(true)
		sb.FieldBuilder(0).(*array.Int64Builder).Append(int64(i))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	data := writeParquet(t, rec, 3000, false)

	m := Mapping{Model: "m", Version: "v", TimestampCol: "ts", FeatureCols: []string{"x"}}
	got, batches, err := readParquetAll(data, m, Limits{BatchRecords: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != rows || batches != rows/1000 {
		t.Fatalf("got %d records in %d batches", len(got), batches)
	}
	for i, r := range got {
		if r.Line != i+1 || r.Features[0].Value != store.Num(float64(i)/2) || !r.Time.Equal(start.Add(time.Duration(i)*time.Second)) {
			t.Fatalf("record %d: line %d, %+v at %v", i, r.Line, r.Features, r.Time)
		}
	}

	// The struct column would become a feature by default.
	_, _, err = readParquetAll(data, Mapping{Model: "m", Version: "v", TimestampCol: "ts"}, Limits{})
	if err == nil || !strings.Contains(err.Error(), `"unused"`) || !strings.Contains(err.Error(), "--feature-cols") {
		t.Errorf("unmapped struct column: %v", err)
	}
	// Mapped explicitly, it names the flag.
	_, _, err = readParquetAll(data, Mapping{Model: "m", Version: "v", TimestampCol: "ts", TagCols: []string{"unused"}, FeatureCols: []string{"x"}}, Limits{})
	if err == nil || !strings.Contains(err.Error(), `--tag-cols: column "unused"`) {
		t.Errorf("mapped struct column: %v", err)
	}

	// Cancelling stops the read.
	ctx, cancel := context.WithCancel(context.Background())
	_, err = ReadParquet(ctx, bytes.NewReader(data), int64(len(data)), m, Limits{BatchRecords: 1000}, func(context.Context, []store.Record) error {
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled read: %v", err)
	}
}

func TestReadParquetErrors(t *testing.T) {
	rec := typedRecord()
	defer rec.Release()
	good := writeParquet(t, rec, 0, false)
	base := Mapping{Model: "m", Version: "v", TimestampCol: "ts", FeatureCols: []string{"age"}}

	for name, data := range map[string][]byte{
		"garbage":   []byte("this is plainly not a Parquet file, just some text\n"),
		"empty":     nil,
		"truncated": good[:len(good)/2],
		"bad footer": func() []byte {
			d := bytes.Clone(good)
			for i := len(d) - 40; i < len(d)-8; i++ {
				d[i] = 0xff
			}
			return d
		}(),
	} {
		_, _, err := readParquetAll(data, base, Limits{})
		if err == nil || !strings.Contains(err.Error(), "not a Parquet file") {
			t.Errorf("%s: %v", name, err)
		}
	}

	// Damaged pages give an error or garbage, never a panic.
	for _, at := range []int{8, len(good) / 4, len(good) / 2} {
		d := bytes.Clone(good)
		for i := at; i < at+64 && i < len(d)-8; i++ {
			d[i] ^= 0x5a
		}
		_, _, _ = readParquetAll(d, Mapping{Model: "m", Version: "v", TimestampCol: "ts", EmbeddingCol: "emb"}, Limits{})
	}

	m := base
	m.FeatureCols = []string{"age", "no_such_col"}
	_, _, err := readParquetAll(good, m, Limits{})
	if err == nil || !strings.Contains(err.Error(), `--feature-cols: no column "no_such_col"`) {
		t.Errorf("missing column: %v", err)
	}

	m = base
	m.FeatureCols = []string{"emb"}
	_, _, err = readParquetAll(good, m, Limits{})
	if err == nil || !strings.Contains(err.Error(), `--feature-cols: column "emb"`) || !strings.Contains(err.Error(), "--embedding-col") {
		t.Errorf("list column as a feature: %v", err)
	}

	_, _, err = readParquetAll(good, Mapping{Model: "m", Version: "v", TimestampCol: "ts", TextCol: "note", FeatureCols: []string{"region"}}, Limits{MaxLineBytes: 8})
	var re *store.RecordError
	if !errors.As(err, &re) || re.Line != 1 || !strings.Contains(re.Msg, "longer than the limit of 8 bytes") {
		t.Errorf("row over the size limit: %v", err)
	}

	m = base
	m.EmbeddingCol = "age"
	_, _, err = readParquetAll(good, m, Limits{})
	if err == nil || !strings.Contains(err.Error(), `--embedding-col: column "age"`) {
		t.Errorf("number column as the embedding: %v", err)
	}
}

func TestReadParquetBadValues(t *testing.T) {
	mem := memory.DefaultAllocator
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ts", Type: arrow.FixedWidthTypes.Date32},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64},
		{Name: "emb", Type: arrow.ListOf(arrow.PrimitiveTypes.Float32), Nullable: true},
	}, nil)
	build := func(xs []float64, embs [][]float32, nullAt [2]int) []byte {
		b := array.NewRecordBuilder(mem, schema)
		defer b.Release()
		lb := b.Field(2).(*array.ListBuilder)
		vb := lb.ValueBuilder().(*array.Float32Builder)
		for i, x := range xs {
			b.Field(0).(*array.Date32Builder).Append(arrow.Date32(19000 + i))
			b.Field(1).(*array.Float64Builder).Append(x)
			lb.Append(true)
			for j, v := range embs[i] {
				if i == nullAt[0] && j == nullAt[1] {
					vb.AppendNull()
				} else {
					vb.Append(v)
				}
			}
		}
		rec := b.NewRecordBatch()
		defer rec.Release()
		return writeParquet(t, rec, 0, false)
	}
	m := Mapping{Model: "m", Version: "v", TimestampCol: "ts", FeatureCols: []string{"x"}, EmbeddingCol: "emb"}
	embs := [][]float32{{1, 2}, {3, 4}, {5, 6}}

	data := build([]float64{1, math.NaN(), 3}, embs, [2]int{-1, -1})
	_, _, err := readParquetAll(data, m, Limits{})
	var re *store.RecordError
	if !errors.As(err, &re) || re.Line != 2 || re.Field != "features.x" || !strings.Contains(re.Msg, "NaN") {
		t.Errorf("NaN feature: %v", err)
	}

	data = build([]float64{1, 2, math.Inf(1)}, embs, [2]int{-1, -1})
	_, _, err = readParquetAll(data, m, Limits{})
	if !errors.As(err, &re) || re.Line != 3 || re.Field != "features.x" {
		t.Errorf("infinite feature: %v", err)
	}

	data = build([]float64{1, 2, 3}, embs, [2]int{2, 1})
	_, _, err = readParquetAll(data, m, Limits{})
	if !errors.As(err, &re) || re.Line != 3 || re.Field != "embedding" || re.Msg != "element 1 is null" {
		t.Errorf("null embedding element: %v", err)
	}

	data = build([]float64{1, 2, 3}, [][]float32{{1}, {}, {2}}, [2]int{-1, -1})
	_, _, err = readParquetAll(data, m, Limits{})
	if !errors.As(err, &re) || re.Line != 2 || re.Field != "embedding" {
		t.Errorf("empty embedding: %v", err)
	}

	data = build([]float64{1, 2, 3}, [][]float32{{1}, {float32(math.NaN())}, {2}}, [2]int{-1, -1})
	_, _, err = readParquetAll(data, m, Limits{})
	if !errors.As(err, &re) || re.Line != 2 || re.Field != "embedding" || !strings.Contains(re.Msg, "finite") {
		t.Errorf("NaN in embedding: %v", err)
	}
}

// TestReadParquetBikeSharing converts the UCI bike-sharing hourly data to a
// typed Parquet file (a date column and an integer hour column) and ingests it.
func TestReadParquetBikeSharing(t *testing.T) {
	f, err := os.Open("../../../shared/data/bike_sharing/hour.csv")
	if err != nil {
		t.Skipf("bike-sharing data not available: %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header, rows := rows[0], rows[1:]
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	mem := memory.DefaultAllocator
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "dteday", Type: arrow.FixedWidthTypes.Date32},
		{Name: "hr", Type: arrow.PrimitiveTypes.Int32},
		{Name: "season", Type: arrow.PrimitiveTypes.Int64},
		{Name: "weathersit", Type: arrow.PrimitiveTypes.Int64},
		{Name: "temp", Type: arrow.PrimitiveTypes.Float64},
		{Name: "hum", Type: arrow.PrimitiveTypes.Float64},
		{Name: "windspeed", Type: arrow.PrimitiveTypes.Float64},
		{Name: "cnt", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	atoi := func(s string) int64 {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	atof := func(s string) float64 {
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	for _, r := range rows {
		d, err := time.Parse("2006-01-02", r[col["dteday"]])
		if err != nil {
			t.Fatal(err)
		}
		b.Field(0).(*array.Date32Builder).Append(arrow.Date32FromTime(d))
		b.Field(1).(*array.Int32Builder).Append(int32(atoi(r[col["hr"]])))
		b.Field(2).(*array.Int64Builder).Append(atoi(r[col["season"]]))
		b.Field(3).(*array.Int64Builder).Append(atoi(r[col["weathersit"]]))
		b.Field(4).(*array.Float64Builder).Append(atof(r[col["temp"]]))
		b.Field(5).(*array.Float64Builder).Append(atof(r[col["hum"]]))
		b.Field(6).(*array.Float64Builder).Append(atof(r[col["windspeed"]]))
		b.Field(7).(*array.Int64Builder).Append(atoi(r[col["cnt"]]))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	data := writeParquet(t, rec, 5000, false)

	m := Mapping{Model: "bike", Version: "v1", IDPrefix: "hour.parquet", TimestampCol: "dteday+hr", ActualValueCol: "cnt",
		FeatureCols: []string{"temp", "hum", "windspeed", "season", "weathersit"}}
	got, _, err := readParquetAll(data, m, Limits{BatchRecords: 4000})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 17379 {
		t.Fatalf("got %d records, want 17379", len(got))
	}
	first, last := got[0], got[len(got)-1]
	if w := time.Date(2011, 1, 1, 0, 0, 0, 0, time.UTC); !first.Time.Equal(w) {
		t.Errorf("first time %v, want %v", first.Time, w)
	}
	if w := time.Date(2012, 12, 31, 23, 0, 0, 0, time.UTC); !last.Time.Equal(w) {
		t.Errorf("last time %v, want %v", last.Time, w)
	}
	wantFirst := []store.Feature{
		{Name: "temp", Value: store.Num(0.24)}, {Name: "hum", Value: store.Num(0.81)}, {Name: "windspeed", Value: store.Num(0)},
		{Name: "season", Value: store.Num(1)}, {Name: "weathersit", Value: store.Num(1)},
	}
	if !reflect.DeepEqual(first.Features, wantFirst) {
		t.Errorf("first features %+v", first.Features)
	}
	if !first.Actual.HasValue || first.Actual.Value != 16 || !last.Actual.HasValue || last.Actual.Value != 49 {
		t.Errorf("actuals %+v %+v", first.Actual, last.Actual)
	}
	if first.ID != "hour.parquet:1" || last.Line != 17379 || first.Model != "bike" || last.Version != "v1" {
		t.Errorf("first %q/%s line %d, last line %d", first.ID, first.Model, first.Line, last.Line)
	}
}
