// Package store defines the inference store: the record model, the catalog of
// models and fields, and the aggregate requests that the query engine sends to a
// storage engine (the embedded DuckDB store or ClickHouse).
package store

import (
	"fmt"
	"time"
)

// Kind says how a feature value is typed. The first value a model sees for a
// feature fixes its kind; a later value of the other kind is an error.
type Kind uint8

const (
	// Missing is a null value.
	Missing Kind = iota
	// Numeric values are float64.
	Numeric
	// Categorical values are strings.
	Categorical
)

// String names the kind as the catalog and error messages do.
func (k Kind) String() string {
	switch k {
	case Numeric:
		return "numeric"
	case Categorical:
		return "categorical"
	default:
		return "missing"
	}
}

// Value is one feature value.
type Value struct {
	Kind Kind
	Num  float64
	Str  string
}

// Num returns a numeric value.
func Num(x float64) Value { return Value{Kind: Numeric, Num: x} }

// Str returns a categorical value.
func Str(s string) Value { return Value{Kind: Categorical, Str: s} }

// Feature is a named feature value of one record.
type Feature struct {
	Name  string
	Value Value
}

// Tag is a named tag of one record; tags are categorical, "" with Set=false is missing.
type Tag struct {
	Name  string
	Value string
	Set   bool
}

// Outcome is a prediction or an actual: a class label with an optional score
// (classification) or a numeric value (regression).
type Outcome struct {
	Label    string
	HasLabel bool
	Score    float64
	HasScore bool
	Value    float64
	HasValue bool
}

// IsZero reports whether the outcome carries nothing.
func (o Outcome) IsZero() bool { return !o.HasLabel && !o.HasScore && !o.HasValue }

// Record is one model inference, or (ActualOnly) a late ground truth for an
// earlier inference of the same model and id.
type Record struct {
	// Line is the 1-based source line (or row) the record came from, for errors.
	Line        int
	Model       string
	ID          string
	ActualOnly  bool
	Version     string
	Environment string
	Time        time.Time
	Features    []Feature
	Tags        []Tag
	Prediction  Outcome
	Actual      Outcome
	// ActualTime is when the actual became known (the ingest time when not given).
	ActualTime time.Time
	Embedding  []float32
	Text       string
}

// Status is a model version's lifecycle status.
type Status string

// The lifecycle statuses of a model version.
const (
	StatusShadow     Status = "shadow"
	StatusCanary     Status = "canary"
	StatusActive     Status = "active"
	StatusDeprecated Status = "deprecated"
)

// Statuses lists the valid statuses in lifecycle order.
var Statuses = []Status{StatusShadow, StatusCanary, StatusActive, StatusDeprecated}

// ParseStatus validates a status name.
func ParseStatus(s string) (Status, bool) {
	for _, st := range Statuses {
		if string(st) == s {
			return st, true
		}
	}
	return "", false
}

// RecordError is a rejected record: the line it came from, the field at fault
// and what is wrong with it. A batch with one is rejected whole.
type RecordError struct {
	Line  int
	Field string
	Msg   string
}

func (e *RecordError) Error() string {
	switch {
	case e.Line > 0 && e.Field != "":
		return fmt.Sprintf("line %d: field %q: %s", e.Line, e.Field, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	case e.Field != "":
		return fmt.Sprintf("field %q: %s", e.Field, e.Msg)
	}
	return e.Msg
}
