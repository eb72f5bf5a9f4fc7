package main

import (
	"bytes"
	"context"
	"math"
	"sort"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

func generate(t *testing.T, rows int64, seed uint64) ([]byte, Truth) {
	t.Helper()
	var buf bytes.Buffer
	truth, err := Generate(&buf, rows, seed)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), truth
}

// table is the generated file read back: columns by name.
type table struct {
	ts   []int64
	env  []string
	num  map[string][]float64
	cat  map[string][]string
	rows int
}

func readBack(t *testing.T, data []byte) table {
	t.Helper()
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	out := table{num: map[string][]float64{}, cat: map[string][]string{}, rows: int(tbl.NumRows())}
	for i := 0; i < int(tbl.NumCols()); i++ {
		col := tbl.Column(i)
		for _, chunk := range col.Data().Chunks() {
			switch a := chunk.(type) {
			case *array.Timestamp:
				for j := 0; j < a.Len(); j++ {
					out.ts = append(out.ts, int64(a.Value(j)))
				}
			case *array.Float64:
				out.num[col.Name()] = append(out.num[col.Name()], a.Float64Values()...)
			case *array.String:
				for j := 0; j < a.Len(); j++ {
					if col.Name() == "environment" {
						out.env = append(out.env, a.Value(j))
					} else {
						out.cat[col.Name()] = append(out.cat[col.Name()], a.Value(j))
					}
				}
			default:
				t.Fatalf("column %s: unexpected type %s", col.Name(), chunk.DataType())
			}
		}
	}
	return out
}

func TestGenerateIsDeterministicBySeed(t *testing.T) {
	a, _ := generate(t, 3000, 7)
	b, _ := generate(t, 3000, 7)
	c, _ := generate(t, 3000, 8)
	if !bytes.Equal(a, b) {
		t.Error("the same seed and size gave different files")
	}
	if bytes.Equal(a, c) {
		t.Error("different seeds gave the same file")
	}
}

func TestGenerateRowCountsAndCalendar(t *testing.T) {
	const rows = 10_007 // not a multiple of the day counts
	data, truth := generate(t, rows, 1)
	if truth.ReferenceRows+truth.ProductionRows != rows || truth.ReferenceRows != 2001 {
		t.Fatalf("truth rows: reference %d + production %d, want 2001 + %d", truth.ReferenceRows, truth.ProductionRows, rows-2001)
	}
	got := readBack(t, data)
	if got.rows != rows || len(got.ts) != rows || len(got.env) != rows {
		t.Fatalf("read back %d rows (%d times, %d environments), want %d", got.rows, len(got.ts), len(got.env), rows)
	}
	if len(got.num) != 20 || len(got.cat) != 5 {
		t.Fatalf("%d numeric and %d categorical columns, want 20 and 5", len(got.num), len(got.cat))
	}
	perDay := map[string]map[int64]int{"training": {}, "production": {}}
	for i, ts := range got.ts {
		day := time.UnixMilli(ts).UTC().Truncate(24 * time.Hour)
		env := got.env[i]
		switch env {
		case "training":
			if day.Before(referenceStart) || !day.Before(productionStart) {
				t.Fatalf("row %d: training row on %s, outside the reference period", i, day)
			}
		case "production":
			if day.Before(productionStart) || !day.Before(productionStart.AddDate(0, 0, productionDays)) {
				t.Fatalf("row %d: production row on %s, outside the 30 days", i, day)
			}
		default:
			t.Fatalf("row %d: environment %q", i, env)
		}
		perDay[env][day.UnixMilli()]++
	}
	if len(perDay["training"]) != referenceDays || len(perDay["production"]) != productionDays {
		t.Fatalf("%d reference days and %d production days, want %d and %d", len(perDay["training"]), len(perDay["production"]), referenceDays, productionDays)
	}
	total := int64(0)
	for _, n := range perDay["production"] {
		if n < 266 || n > 267 {
			t.Errorf("a production day has %d rows, want 266 or 267", n)
		}
		total += int64(n)
	}
	if total != truth.ProductionRows {
		t.Errorf("production rows %d, want %d", total, truth.ProductionRows)
	}
	if len(truth.Drifted) != 5 {
		t.Errorf("%d drifted features in the truth, want 5 (4 numeric + 1 categorical)", len(truth.Drifted))
	}
}

// ksD is the two-sample Kolmogorov–Smirnov statistic.
func ksD(a, b []float64) float64 {
	a, b = append([]float64(nil), a...), append([]float64(nil), b...)
	sort.Float64s(a)
	sort.Float64s(b)
	i, j, d := 0, 0, 0.0
	for i < len(a) && j < len(b) {
		x := math.Min(a[i], b[j])
		for i < len(a) && a[i] == x {
			i++
		}
		for j < len(b) && b[j] == x {
			j++
		}
		d = math.Max(d, math.Abs(float64(i)/float64(len(a))-float64(j)/float64(len(b))))
	}
	return d
}

func TestPlantedDriftShiftsOnlyTheDriftedFeatures(t *testing.T) {
	data, truth := generate(t, 100_000, 42)
	got := readBack(t, data)
	start := map[string]int{}
	for _, d := range truth.Drifted {
		start[d.Feature] = d.StartDay
	}
	prodDay := func(i int) int {
		if got.env[i] != "production" {
			return 0
		}
		return int((got.ts[i]-productionStart.UnixMilli())/86_400_000) + 1
	}
	// Numeric: reference vs the production days from the drift start (or,
	// for features without drift, days 15..30).
	for _, f := range truth.Numeric {
		from, drifted := start[f]
		if !drifted {
			from = 15
		}
		var ref, cur, before []float64
		for i, v := range got.num[f] {
			switch d := prodDay(i); {
			case d == 0:
				ref = append(ref, v)
			case d >= from:
				cur = append(cur, v)
			default:
				before = append(before, v)
			}
		}
		d := ksD(ref, cur)
		switch {
		case drifted && d < 0.05:
			t.Errorf("%s: KS D %.3f after the drift start, want a clear shift (>= 0.05)", f, d)
		case !drifted && d > 0.03:
			t.Errorf("%s: KS D %.3f without planted drift, want < 0.03", f, d)
		}
		if drifted {
			if db := ksD(ref, before); db > 0.03 {
				t.Errorf("%s: KS D %.3f before the drift start, want < 0.03", f, db)
			}
		}
	}
	// Categorical: the share of each value before and after.
	for _, f := range truth.Categorical {
		from, drifted := start[f]
		if !drifted {
			from = 15
		}
		count := func(keep func(day int) bool) map[string]float64 {
			m, n := map[string]float64{}, 0.0
			for i, v := range got.cat[f] {
				if keep(prodDay(i)) {
					m[v]++
					n++
				}
			}
			for k := range m {
				m[k] /= n
			}
			return m
		}
		ref := count(func(d int) bool { return d == 0 })
		cur := count(func(d int) bool { return d >= from })
		tv := 0.0 // total variation distance
		for k := range union(ref, cur) {
			tv += math.Abs(ref[k]-cur[k]) / 2
		}
		switch {
		case drifted && tv < 0.1:
			t.Errorf("%s: total variation %.3f after the drift start, want >= 0.1", f, tv)
		case !drifted && tv > 0.02:
			t.Errorf("%s: total variation %.3f without planted drift, want < 0.02", f, tv)
		}
	}
	if _, ok := start["cat_3"]; !ok {
		t.Fatal("cat_3 is not in the drifted list")
	}
}

func union(a, b map[string]float64) map[string]bool {
	u := map[string]bool{}
	for k := range a {
		u[k] = true
	}
	for k := range b {
		u[k] = true
	}
	return u
}

func TestParseRows(t *testing.T) {
	for in, want := range map[string]int64{"100k": 100_000, "1M": 1_000_000, "10M": 10_000_000, "2500": 2500} {
		if got, err := parseRows(in); err != nil || got != want {
			t.Errorf("parseRows(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "k", "-5", "1.5M", "0"} {
		if _, err := parseRows(in); err == nil {
			t.Errorf("parseRows(%q) accepted", in)
		}
	}
}
