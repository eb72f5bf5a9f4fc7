package demo

import (
	"context"
	"testing"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// BenchmarkGenerate measures generation alone (emit does nothing) at scale 1,
// with fresh batches, with two batches in turn (Generate) and with one
// (GenerateEach).
func BenchmarkGenerate(b *testing.B) {
	for _, mode := range []struct {
		name  string
		reuse int
	}{{"fresh", noReuse}, {"reuse", reuseNext}, {"each", reuseAtOnce}} {
		b.Run(mode.name, func(b *testing.B) {
			b.ReportAllocs()
			records := 0
			for b.Loop() {
				sum, err := generate(context.Background(), testConfig(1), mode.reuse, func([]store.Record) error { return nil })
				if err != nil {
					b.Fatal(err)
				}
				records += sum.Records + sum.Actuals
			}
			b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(records), "ns/record")
		})
	}
}
