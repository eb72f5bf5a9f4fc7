package ingest

import (
	"bytes"
	"testing"
)

func TestTmpCorruptEverywhere(t *testing.T) {
	rec := typedRecord()
	defer rec.Release()
	good := writeParquet(t, rec, 2, false)
	m := Mapping{Model: "m", Version: "v", TimestampCol: "ts", EmbeddingCol: "emb", TagCols: []string{"sex"}, TextCol: "note", FeatureCols: []string{"age", "income", "region", "price", "signup"}}
	errs, oks := map[string]int{}, 0
	for at := 0; at < len(good); at++ {
		for _, x := range []byte{0xff, 0x00, 0x5a} {
			d := bytes.Clone(good)
			d[at] ^= x
			if x == 0 { d[at] = 0 }
			_, _, err := readParquetAll(d, m, Limits{})
			if err != nil {
				s := err.Error()
				if len(s) > 70 { s = s[:70] }
				errs[s]++
			} else {
				oks++
			}
		}
	}
	t.Logf("size %d ok %d", len(good), oks)
	for k, v := range errs { t.Logf("%5d %s", v, k) }
}
