package store

import (
	"fmt"
	"math"
	"unicode/utf8"
)

// Limits of the catalog that every store enforces, to keep a model's table scannable.
const (
	MaxFieldsPerModel = 2000
	MaxEmbeddingDim   = 4096
)

// CheckRecord guards a store against records that skipped the ingest
// parser: required fields, numbers that are not finite, strings that are not
// UTF-8 (a store could keep them as null or reject them mid-batch). Every
// store runs it on each record of a batch before writing any.
func CheckRecord(r *Record) *RecordError {
	bad := func(field, msg string) *RecordError {
		return &RecordError{Line: r.Line, Field: field, Msg: msg}
	}
	switch {
	case r.Model == "":
		return bad("model", "is required")
	case r.ID == "":
		return bad("id", "is required")
	case r.ActualOnly && r.Actual.IsZero():
		return bad("actual", "is required in a record that carries only an actual")
	case !r.ActualOnly && r.Version == "":
		return bad("version", "is required")
	case !r.ActualOnly && r.Environment == "":
		return bad("environment", "is required")
	case !r.ActualOnly && r.Time.IsZero():
		return bad("timestamp", "is required")
	}
	for _, s := range []struct{ field, value string }{
		{"model", r.Model}, {"id", r.ID}, {"version", r.Version}, {"environment", r.Environment},
		{"prediction.label", r.Prediction.Label}, {"actual.label", r.Actual.Label}, {"text", r.Text},
	} {
		if !utf8.ValidString(s.value) {
			return bad(s.field, "is not valid UTF-8")
		}
	}
	for _, x := range []struct {
		field string
		value float64
		set   bool
	}{
		{"prediction.score", r.Prediction.Score, r.Prediction.HasScore},
		{"prediction.value", r.Prediction.Value, r.Prediction.HasValue},
		{"actual.value", r.Actual.Value, r.Actual.HasValue},
	} {
		if x.set && !finite(x.value) {
			return bad(x.field, fmt.Sprintf("%v is not a finite number", x.value))
		}
	}
	for _, f := range r.Features {
		switch {
		case f.Value.Kind == Numeric && !finite(f.Value.Num):
			return bad("features."+f.Name, fmt.Sprintf("%v is not a finite number", f.Value.Num))
		case f.Value.Kind == Categorical && !utf8.ValidString(f.Value.Str):
			return bad("features."+f.Name, "is not valid UTF-8")
		}
	}
	for _, t := range r.Tags {
		if t.Set && !utf8.ValidString(t.Value) {
			return bad("tags."+t.Name, "is not valid UTF-8")
		}
	}
	for k, x := range r.Embedding {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return bad("embedding", fmt.Sprintf("element %d: %v is not a finite number", k, x))
		}
	}
	return nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
