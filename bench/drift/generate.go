package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// The dataset's calendar: a 7-day reference period (environment "training")
// right before 30 daily windows of production.
var (
	productionStart = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	referenceDays   = 7
	productionDays  = 30
	referenceStart  = productionStart.AddDate(0, 0, -referenceDays)
)

// referenceShare is the share of the rows in the reference period.
const referenceShare = 0.2

// batchRows is the number of rows built and written at a time (one row group
// each), so memory stays bounded whatever the total.
const batchRows = 1 << 17

// numFeature draws one numeric value; shift says how far into the planted
// drift the row is (0 before it starts or for a feature without drift, and
// the production day number counted from the drift's first day, from 1, after).
type numFeature struct {
	name  string
	base  string // the distribution, for the ground truth file
	drift string // empty: never drifts
	start int    // production day (1-based) the drift starts
	draw  func(r *rand.Rand, shift int) float64
}

type catFeature struct {
	name   string
	values []string
	probs  []float64 // before the drift
	drift  string
	start  int
	after  []float64 // from the drift on (same order as values)
}

func normal(r *rand.Rand, mean, sd float64) float64 { return mean + sd*r.NormFloat64() }

// numFeatures are the 20 numeric features; 4 of them drift.
var numFeatures = []numFeature{
	{name: "num_00", base: "normal(0, 1)", draw: func(r *rand.Rand, _ int) float64 { return normal(r, 0, 1) }},
	{name: "num_01", base: "normal(100, 15)", draw: func(r *rand.Rand, _ int) float64 { return normal(r, 100, 15) }},
	{name: "num_02", base: "lognormal(10.5, 0.6) (income-like)", drift: "log-mean +0.25 (values ×1.28)", start: 10,
		draw: func(r *rand.Rand, s int) float64 {
			mu := 10.5
			if s > 0 {
				mu += 0.25
			}
			return math.Round(math.Exp(normal(r, mu, 0.6)))
		}},
	{name: "num_03", base: "exponential(mean 2)", draw: func(r *rand.Rand, _ int) float64 { return 2 * r.ExpFloat64() }},
	{name: "num_04", base: "uniform(0, 1)", draw: func(r *rand.Rand, _ int) float64 { return r.Float64() }},
	{name: "num_05", base: "whole years: round(normal(40, 12)) clipped to 18…90 (age-like)", drift: "mean +4 years", start: 15,
		draw: func(r *rand.Rand, s int) float64 {
			mean := 40.0
			if s > 0 {
				mean += 4
			}
			return math.Max(18, math.Min(90, math.Round(normal(r, mean, 12))))
		}},
	{name: "num_06", base: "bimodal: 0.6·normal(−2, 1) + 0.4·normal(3, 1.5)", draw: func(r *rand.Rand, _ int) float64 {
		if r.Float64() < 0.6 {
			return normal(r, -2, 1)
		}
		return normal(r, 3, 1.5)
	}},
	{name: "num_07", base: "uniform(0, 1)²", draw: func(r *rand.Rand, _ int) float64 { u := r.Float64(); return u * u }},
	{name: "num_08", base: "gamma(2, 1.5)", draw: func(r *rand.Rand, _ int) float64 { return 1.5 * (r.ExpFloat64() + r.ExpFloat64()) }},
	{name: "num_09", base: "normal(10, 2)", drift: "standard deviation ×1.4, same mean", start: 20,
		draw: func(r *rand.Rand, s int) float64 {
			sd := 2.0
			if s > 0 {
				sd *= 1.4
			}
			return normal(r, 10, sd)
		}},
	{name: "num_10", base: "counts: floor(exponential(mean 3))", draw: func(r *rand.Rand, _ int) float64 { return math.Floor(3 * r.ExpFloat64()) }},
	{name: "num_11", base: "normal(−5, 0.5)", draw: func(r *rand.Rand, _ int) float64 { return normal(r, -5, 0.5) }},
	{name: "num_12", base: "lognormal(0, 1)", draw: func(r *rand.Rand, _ int) float64 { return math.Exp(r.NormFloat64()) }},
	{name: "num_13", base: "uniform(−10, 10)", draw: func(r *rand.Rand, _ int) float64 { return -10 + 20*r.Float64() }},
	{name: "num_14", base: "normal(0, 3)", drift: "gradual: mean +0.15 (0.05 sd) per day from the start day, +2.4 (0.8 sd) on day 30", start: 15,
		draw: func(r *rand.Rand, s int) float64 { return normal(r, 0.15*float64(s), 3) }},
	{name: "num_15", base: "zero-inflated: 0 with probability 0.3, else exponential(mean 5)", draw: func(r *rand.Rand, _ int) float64 {
		if r.Float64() < 0.3 {
			return 0
		}
		return 5 * r.ExpFloat64()
	}},
	{name: "num_16", base: "normal(0, 1)³ (heavy tails)", draw: func(r *rand.Rand, _ int) float64 { z := r.NormFloat64(); return z * z * z }},
	{name: "num_17", base: "round(normal(1000, 200))", draw: func(r *rand.Rand, _ int) float64 { return math.Round(normal(r, 1000, 200)) }},
	{name: "num_18", base: "whole numbers 1…10, uniform", draw: func(r *rand.Rand, _ int) float64 { return float64(1 + r.IntN(10)) }},
	{name: "num_19", base: "normal(0.5, 0.1)", draw: func(r *rand.Rand, _ int) float64 { return normal(r, 0.5, 0.1) }},
}

// catFeatures are the 5 categorical features; 1 of them drifts.
var catFeatures = []catFeature{
	{name: "cat_0", values: []string{"A", "B", "C"}, probs: []float64{0.5, 0.3, 0.2}},
	{name: "cat_1", values: []string{"north", "south", "east", "west", "centre", "coast", "hills", "islands"},
		probs: []float64{0.2, 0.18, 0.15, 0.14, 0.12, 0.09, 0.07, 0.05}},
	{name: "cat_2", values: []string{"no", "yes"}, probs: []float64{0.9, 0.1}},
	{name: "cat_3", values: []string{"web", "app", "store", "phone", "mail", "partner"},
		probs: []float64{0.4, 0.25, 0.15, 0.1, 0.1, 0}, drift: "web 0.40→0.25 and a new value partner 0→0.15", start: 12,
		after: []float64{0.25, 0.25, 0.15, 0.1, 0.1, 0.15}},
	{name: "cat_4", values: []string{"p01", "p02", "p03", "p04", "p05", "p06", "p07", "p08", "p09", "p10", "p11", "p12"},
		probs: zipf(12)},
}

func zipf(n int) []float64 {
	p := make([]float64, n)
	sum := 0.0
	for i := range p {
		p[i] = 1 / float64(i+1)
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	return p
}

func pick(r *rand.Rand, values []string, probs []float64) string {
	u := r.Float64()
	for i, p := range probs {
		if u < p {
			return values[i]
		}
		u -= p
	}
	for i := len(probs) - 1; i >= 0; i-- {
		if probs[i] > 0 {
			return values[i]
		}
	}
	return values[0]
}

// Truth is the ground truth written beside the data (truth.json).
type Truth struct {
	Seed            uint64         `json:"seed"`
	Rows            int64          `json:"rows"`
	ReferenceRows   int64          `json:"referenceRows"`
	ProductionRows  int64          `json:"productionRows"`
	Reference       Period         `json:"reference"`
	Production      Period         `json:"production"`
	Columns         TruthColumns   `json:"columns"`
	Numeric         []string       `json:"numeric"`
	Categorical     []string       `json:"categorical"`
	Drifted         []DriftedTruth `json:"drifted"`
	Distributions   map[string]any `json:"distributions"`
	ProductionDays  int            `json:"productionDays"`
	ReferenceDays   int            `json:"referenceDays"`
	ReferenceEnv    string         `json:"referenceEnvironment"`
	ProductionEnv   string         `json:"productionEnvironment"`
	GeneratorFormat int            `json:"generatorFormat"`
}

// Period is a half-open time range [from, to).
type Period struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// TruthColumns names the non-feature columns.
type TruthColumns struct {
	Timestamp   string `json:"timestamp"`
	Environment string `json:"environment"`
}

// DriftedTruth is one planted drift: from production day StartDay (1-based,
// the day starting at StartDate) to the end.
type DriftedTruth struct {
	Feature   string    `json:"feature"`
	Kind      string    `json:"kind"`
	StartDay  int       `json:"startDay"`
	StartDate time.Time `json:"startDate"`
	Change    string    `json:"change"`
}

// dayRows splits n rows over days: day d gets rows [d*n/days, (d+1)*n/days).
func dayRows(n int64, days, d int) int64 {
	return (int64(d+1)*n)/int64(days) - (int64(d)*n)/int64(days)
}

func truthOf(rows int64, seed uint64) Truth {
	ref := int64(math.Round(float64(rows) * referenceShare))
	t := Truth{
		Seed: seed, Rows: rows, ReferenceRows: ref, ProductionRows: rows - ref,
		Reference:      Period{referenceStart, productionStart},
		Production:     Period{productionStart, productionStart.AddDate(0, 0, productionDays)},
		Columns:        TruthColumns{Timestamp: "ts", Environment: "environment"},
		Distributions:  map[string]any{},
		ProductionDays: productionDays, ReferenceDays: referenceDays,
		ReferenceEnv: "training", ProductionEnv: "production", GeneratorFormat: 1,
	}
	for _, f := range numFeatures {
		t.Numeric = append(t.Numeric, f.name)
		t.Distributions[f.name] = f.base
		if f.drift != "" {
			t.Drifted = append(t.Drifted, DriftedTruth{f.name, "numeric", f.start, productionStart.AddDate(0, 0, f.start-1), f.drift})
		}
	}
	for _, f := range catFeatures {
		t.Categorical = append(t.Categorical, f.name)
		probs := map[string]float64{}
		for i, v := range f.values {
			if f.probs[i] > 0 {
				probs[v] = f.probs[i]
			}
		}
		t.Distributions[f.name] = probs
		if f.drift != "" {
			t.Drifted = append(t.Drifted, DriftedTruth{f.name, "categorical", f.start, productionStart.AddDate(0, 0, f.start-1), f.drift})
		}
	}
	return t
}

func schema() *arrow.Schema {
	fields := []arrow.Field{
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
		{Name: "environment", Type: arrow.BinaryTypes.String},
	}
	for _, f := range numFeatures {
		fields = append(fields, arrow.Field{Name: f.name, Type: arrow.PrimitiveTypes.Float64})
	}
	for _, f := range catFeatures {
		fields = append(fields, arrow.Field{Name: f.name, Type: arrow.BinaryTypes.String})
	}
	return arrow.NewSchema(fields, nil)
}

// rowDay is where a row falls: its environment, its time, and its production
// day (1-based; 0 in the reference period).
type rowDay struct {
	env  string
	ts   int64
	prod int
}

// days yields, in order, every row's day and time.
func days(t Truth, yield func(rowDay)) {
	emit := func(env string, start time.Time, nDays int, total int64, prodBase bool) {
		for d := 0; d < nDays; d++ {
			n := dayRows(total, nDays, d)
			dayStart := start.AddDate(0, 0, d).UnixMilli()
			prod := 0
			if prodBase {
				prod = d + 1
			}
			for i := int64(0); i < n; i++ {
				yield(rowDay{env, dayStart + i*86_400_000/n, prod})
			}
		}
	}
	emit(t.ReferenceEnv, referenceStart, referenceDays, t.ReferenceRows, false)
	emit(t.ProductionEnv, productionStart, productionDays, t.ProductionRows, true)
}

// Generate writes rows rows of the dataset to w as Parquet, deterministically
// by seed, and returns the ground truth.
func Generate(w io.Writer, rows int64, seed uint64) (Truth, error) {
	t := truthOf(rows, seed)
	sc := schema()
	opts := []parquet.WriterProperty{parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithMaxRowGroupLength(batchRows), parquet.WithDictionaryDefault(false),
		parquet.WithDictionaryFor("environment", true)}
	for _, f := range catFeatures {
		opts = append(opts, parquet.WithDictionaryFor(f.name, true))
	}
	props := parquet.NewWriterProperties(opts...)
	fw, err := pqarrow.NewFileWriter(sc, w, props, pqarrow.DefaultWriterProps())
	if err != nil {
		return t, err
	}
	r := rand.New(rand.NewPCG(seed, 0x76696769_6c647269))
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	tsB := b.Field(0).(*array.TimestampBuilder)
	envB := b.Field(1).(*array.StringBuilder)
	nNum := len(numFeatures)
	inBatch := 0
	flush := func() error {
		rec := b.NewRecordBatch()
		defer rec.Release()
		inBatch = 0
		return fw.Write(rec)
	}
	var werr error
	days(t, func(d rowDay) {
		if werr != nil {
			return
		}
		tsB.Append(arrow.Timestamp(d.ts))
		envB.Append(d.env)
		for i, f := range numFeatures {
			shift := 0
			if f.drift != "" && d.prod >= f.start {
				shift = d.prod - f.start + 1
			}
			b.Field(2 + i).(*array.Float64Builder).Append(f.draw(r, shift))
		}
		for i, f := range catFeatures {
			probs := f.probs
			if f.drift != "" && d.prod >= f.start {
				probs = f.after
			}
			b.Field(2 + nNum + i).(*array.StringBuilder).Append(pick(r, f.values, probs))
		}
		inBatch++
		if inBatch == batchRows {
			werr = flush()
		}
	})
	if werr == nil && inBatch > 0 {
		werr = flush()
	}
	if werr != nil {
		fw.Close()
		return t, werr
	}
	return t, fw.Close()
}

// GenerateDir writes DIR/data.parquet and DIR/truth.json (through temporary
// names, so an interrupted run leaves no half-written dataset behind).
func GenerateDir(dir string, rows int64, seed uint64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(dir, "data.parquet.tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	// The Parquet writer closes what it writes to when that is a Closer:
	// the buffer is not, so the file is flushed and closed here.
	t, err := Generate(bw, rows, seed)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	js, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "truth.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, "data.parquet"))
}
