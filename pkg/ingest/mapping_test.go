package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// TestCSVBatchesAfterTheFirst reads a CSV in batches of three: columns are
// typed from the first three rows (InferRows), later rows become records as
// they are read,
// and a later cell that does not fit its column fails its batch only.
func TestCSVBatchesAfterTheFirst(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,ts,income,region,sex\n")
	for i := range 8 {
		fmt.Fprintf(&b, "r%d,2026-11-01T00:00:%02dZ,%d.5,north,%s\n", i, i, 1000+i, []string{"F", "M"}[i%2])
	}
	b.WriteString("r8,2026-11-01T00:00:08Z,lots,south,F\n")
	m := Mapping{Model: "credit", Version: "v1", IDCol: "id", TimestampCol: "ts", TagCols: []string{"sex"}, InferRows: 3}
	var batches [][]store.Record
	n, err := ReadCSV(context.Background(), strings.NewReader(b.String()), CSVOptions{}, m, Limits{BatchRecords: 3}, func(_ context.Context, batch []store.Record) error {
		batches = append(batches, batch)
		return nil
	})
	var re *store.RecordError
	if !errors.As(err, &re) || re.Line != 10 || re.Field != "features.income" {
		t.Fatalf("want an error on line 10, field features.income; got %v", err)
	}
	if n != 6 || len(batches) != 2 {
		t.Fatalf("%d records in %d batches before the bad one, want 6 in 2", n, len(batches))
	}
	for bi, batch := range batches {
		for ri, rec := range batch {
			i := 3*bi + ri
			if rec.ID != fmt.Sprintf("r%d", i) || len(rec.Features) != 2 || rec.Features[0].Value != store.Num(float64(1000+i)+0.5) ||
				rec.Features[1].Value != store.Str("north") || len(rec.Tags) != 1 || rec.Tags[0].Value != []string{"F", "M"}[i%2] {
				t.Fatalf("batch %d record %d: %+v", bi, ri, rec)
			}
		}
	}
	// Records share their batch's blocks; growing one must not reach the next.
	first := batches[0]
	first[0].Features = append(first[0].Features, store.Feature{Name: "extra", Value: store.Num(1)})
	first[0].Tags = append(first[0].Tags, store.Tag{Name: "extra", Value: "x", Set: true})
	if first[1].Features[0].Name != "income" || first[1].Tags[0].Name != "sex" {
		t.Fatalf("appending to one record changed the next: %+v", first[1])
	}
}

func TestTakeNeverOverlaps(t *testing.T) {
	block := make([]int, 0, 5)
	a := take(&block, 2)
	b := take(&block, 2)
	c := take(&block, 2) // does not fit: a fresh slice
	a = append(a, 1, 2)
	b = append(b, 3, 4)
	c = append(c, 5, 6)
	a = append(a, 9) // past its share: must reallocate
	if b[0] != 3 || len(block) != 4 || cap(c) < 2 || a[2] != 9 {
		t.Fatalf("a %v b %v c %v block %v", a, b, c, block[:cap(block)])
	}
}
