package ingest

import (
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// WriteNDJSON writes records in the NDJSON form that ReadNDJSON reads, so a
// batch parsed from CSV or Parquet can be sent on as NDJSON.
func WriteNDJSON(w io.Writer, recs []store.Record) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range recs {
		if err := enc.Encode(recordJSON(&recs[i])); err != nil {
			return err
		}
	}
	return nil
}

func outcomeJSON(o store.Outcome) map[string]any {
	m := map[string]any{}
	if o.HasLabel {
		m["label"] = o.Label
	}
	if o.HasScore {
		m["score"] = o.Score
	}
	if o.HasValue {
		m["value"] = o.Value
	}
	return m
}

func recordJSON(r *store.Record) map[string]any {
	m := map[string]any{"model": r.Model, "id": r.ID}
	if !r.Actual.IsZero() {
		m["actual"] = outcomeJSON(r.Actual)
	}
	if !r.ActualTime.IsZero() {
		m["actual_timestamp"] = r.ActualTime.UTC().Format(time.RFC3339Nano)
	}
	if r.ActualOnly {
		return m
	}
	m["version"] = r.Version
	m["environment"] = r.Environment
	m["timestamp"] = r.Time.UTC().Format(time.RFC3339Nano)
	if !r.Prediction.IsZero() {
		m["prediction"] = outcomeJSON(r.Prediction)
	}
	if len(r.Features) > 0 {
		f := make(map[string]any, len(r.Features))
		for _, x := range r.Features {
			f[x.Name] = valueJSON(x.Value)
		}
		m["features"] = f
	}
	if len(r.Tags) > 0 {
		t := make(map[string]any, len(r.Tags))
		for _, x := range r.Tags {
			if x.Set {
				t[x.Name] = x.Value
			} else {
				t[x.Name] = nil
			}
		}
		m["tags"] = t
	}
	if len(r.Embedding) > 0 {
		m["embedding"] = r.Embedding
	}
	if r.Text != "" {
		m["text"] = r.Text
	}
	return m
}

func valueJSON(v store.Value) any {
	switch v.Kind {
	case store.Numeric:
		return json.Number(strconv.FormatFloat(v.Num, 'g', -1, 64))
	case store.Categorical:
		return v.Str
	}
	return nil
}
