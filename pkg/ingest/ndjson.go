// Package ingest turns NDJSON, CSV and Parquet into validated inference records,
// in batches that the store accepts or rejects whole. Every error names the
// line (or row) and the field.
package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// Limits bound what one ingest accepts.
type Limits struct {
	// MaxLineBytes bounds one NDJSON line or CSV record.
	MaxLineBytes int
	// BatchRecords is how many records make one batch.
	BatchRecords int
	// MaxNameBytes bounds model, version, environment, id, feature and tag names.
	MaxNameBytes int
	// MaxTextBytes bounds the text field.
	MaxTextBytes int
}

// DefaultLimits are the limits used when none are given.
var DefaultLimits = Limits{MaxLineBytes: 1 << 20, BatchRecords: 50_000, MaxNameBytes: 256, MaxTextBytes: 16 << 10}

func (l Limits) withDefaults() Limits {
	if l.MaxLineBytes <= 0 {
		l.MaxLineBytes = DefaultLimits.MaxLineBytes
	}
	if l.BatchRecords <= 0 {
		l.BatchRecords = DefaultLimits.BatchRecords
	}
	if l.MaxNameBytes <= 0 {
		l.MaxNameBytes = DefaultLimits.MaxNameBytes
	}
	if l.MaxTextBytes <= 0 {
		l.MaxTextBytes = DefaultLimits.MaxTextBytes
	}
	return l
}

// EmitFunc receives one batch; the slice is not reused after it returns.
type EmitFunc func(ctx context.Context, batch []store.Record) error

type jsonOutcome struct {
	Label json.RawMessage `json:"label"`
	Score json.RawMessage `json:"score"`
	Value json.RawMessage `json:"value"`
}

type jsonRecord struct {
	Model       json.RawMessage            `json:"model"`
	Version     json.RawMessage            `json:"version"`
	Environment json.RawMessage            `json:"environment"`
	ID          json.RawMessage            `json:"id"`
	Timestamp   json.RawMessage            `json:"timestamp"`
	Features    map[string]json.RawMessage `json:"features"`
	Prediction  *jsonOutcome               `json:"prediction"`
	Actual      *jsonOutcome               `json:"actual"`
	ActualTime  json.RawMessage            `json:"actual_timestamp"`
	Tags        map[string]json.RawMessage `json:"tags"`
	Embedding   json.RawMessage            `json:"embedding"`
	Text        json.RawMessage            `json:"text"`
}

// NDJSONDefaults fill in what an NDJSON record lacks: the mapping flags
// --model, --version, --environment and --timestamp of `vigil ingest` apply
// to the records that have no such field (a record's own value wins), and
// LabelMap rewrites prediction and actual labels as --label-map does for CSV.
// A record with only model, id and actual stays a late ground truth.
type NDJSONDefaults struct {
	Model, Version, Environment string
	Timestamp                   time.Time
	LabelMap                    map[string]string
}

// ReadNDJSON reads one JSON record per line (blank lines are skipped) and emits
// batches of records. A line that is not valid UTF-8 is rejected with the
// field that holds the invalid bytes: JSON decoding would otherwise replace
// them with U+FFFD and store a changed value.
func ReadNDJSON(ctx context.Context, r io.Reader, lim Limits, emit EmitFunc) (int, error) {
	return ReadNDJSONWith(ctx, r, lim, NDJSONDefaults{}, emit)
}

// ReadNDJSONWith is ReadNDJSON with defaults for the records' missing fields.
func ReadNDJSONWith(ctx context.Context, r io.Reader, lim Limits, def NDJSONDefaults, emit EmitFunc) (int, error) {
	lim = lim.withDefaults()
	sc := bufio.NewScanner(r)
	// The scanner's limit is the larger of max and the initial buffer's size.
	sc.Buffer(make([]byte, min(64<<10, lim.MaxLineBytes)), lim.MaxLineBytes)
	batch := make([]store.Record, 0, lim.BatchRecords)
	line, total := 0, 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		if !utf8.Valid(b) {
			return total, invalidUTF8(b, line)
		}
		rec, err := parseJSONRecord(b, line, lim, &def)
		if err != nil {
			return total, err
		}
		batch = append(batch, rec)
		if len(batch) == lim.BatchRecords {
			if err := emit(ctx, batch); err != nil {
				return total, err
			}
			total += len(batch)
			batch = make([]store.Record, 0, lim.BatchRecords)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return total, &store.RecordError{Line: line + 1, Msg: fmt.Sprintf("line is longer than the limit of %d bytes", lim.MaxLineBytes)}
		}
		return total, fmt.Errorf("read NDJSON after line %d: %w", line, err)
	}
	if len(batch) > 0 {
		if err := emit(ctx, batch); err != nil {
			return total, err
		}
		total += len(batch)
	}
	return total, nil
}

func parseJSONRecord(b []byte, line int, lim Limits, def *NDJSONDefaults) (store.Record, error) {
	var jr jsonRecord
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&jr); err != nil {
		return store.Record{}, &store.RecordError{Line: line, Msg: "not a valid record: " + jsonErrorText(err)}
	}
	if dec.More() {
		return store.Record{}, &store.RecordError{Line: line, Msg: "more than one JSON value on the line"}
	}
	rec := store.Record{Line: line}
	var err error
	if isAbsent(jr.Model) && def.Model != "" {
		jr.Model = jsonString(def.Model)
	}
	fail := func(field, msg string) (store.Record, error) {
		return store.Record{}, &store.RecordError{Line: line, Field: field, Msg: msg}
	}
	if rec.Model, err = nameField(jr.Model, lim, false); err != nil {
		return fail("model", err.Error())
	}
	if rec.ID, err = idField(jr.ID, lim); err != nil {
		return fail("id", err.Error())
	}
	if jr.Actual != nil {
		if rec.Actual, err = outcomeField(jr.Actual, false); err != nil {
			return fail("actual."+outcomeErrField(err), err.Error())
		}
	}
	if len(jr.ActualTime) > 0 && !isNull(jr.ActualTime) {
		if rec.ActualTime, err = timeField(jr.ActualTime); err != nil {
			return fail("actual_timestamp", err.Error())
		}
	}
	// A record with only model, id and actual is a late ground truth.
	if isAbsent(jr.Version) && isAbsent(jr.Environment) && isAbsent(jr.Timestamp) && jr.Features == nil &&
		jr.Prediction == nil && jr.Tags == nil && isAbsent(jr.Embedding) && isAbsent(jr.Text) {
		if jr.Actual == nil || rec.Actual.IsZero() {
			return fail("", "a record needs version, environment, timestamp and a prediction (or, for a late ground truth, only model, id and actual)")
		}
		rec.ActualOnly = true
		def.mapLabels(&rec)
		return rec, nil
	}
	def.fill(&jr)
	if rec.Version, err = nameField(jr.Version, lim, false); err != nil {
		return fail("version", err.Error())
	}
	if rec.Environment, err = nameField(jr.Environment, lim, true); err != nil {
		return fail("environment", err.Error())
	}
	if rec.Environment == "" {
		rec.Environment = "production"
	}
	if isAbsent(jr.Timestamp) {
		return fail("timestamp", "is required (RFC 3339, e.g. 2026-11-01T12:00:00Z, or epoch milliseconds)")
	}
	if rec.Time, err = timeField(jr.Timestamp); err != nil {
		return fail("timestamp", err.Error())
	}
	if jr.Prediction != nil {
		if rec.Prediction, err = outcomeField(jr.Prediction, true); err != nil {
			return fail("prediction."+outcomeErrField(err), err.Error())
		}
	}
	for name, raw := range jr.Features {
		if err := checkName(name, lim); err != nil {
			return fail("features", fmt.Sprintf("feature name %q: %v", name, err))
		}
		v, err := featureValue(raw)
		if err != nil {
			return fail("features."+name, err.Error())
		}
		rec.Features = append(rec.Features, store.Feature{Name: name, Value: v})
	}
	for name, raw := range jr.Tags {
		if err := checkName(name, lim); err != nil {
			return fail("tags", fmt.Sprintf("tag name %q: %v", name, err))
		}
		v, err := featureValue(raw)
		if err != nil {
			return fail("tags."+name, err.Error())
		}
		rec.Tags = append(rec.Tags, tagOf(name, v))
	}
	if !isAbsent(jr.Embedding) {
		if rec.Embedding, err = embeddingField(jr.Embedding); err != nil {
			return fail("embedding", err.Error())
		}
	}
	if !isAbsent(jr.Text) {
		var s string
		if err := json.Unmarshal(jr.Text, &s); err != nil {
			return fail("text", "must be a string")
		}
		if len(s) > lim.MaxTextBytes {
			return fail("text", fmt.Sprintf("is longer than the limit of %d bytes", lim.MaxTextBytes))
		}
		rec.Text = s
	}
	def.mapLabels(&rec)
	return rec, nil
}

func tagOf(name string, v store.Value) store.Tag {
	switch v.Kind {
	case store.Numeric:
		return store.Tag{Name: name, Value: formatNumber(v.Num), Set: true}
	case store.Categorical:
		return store.Tag{Name: name, Value: v.Str, Set: true}
	}
	return store.Tag{Name: name}
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func isAbsent(raw json.RawMessage) bool { return len(raw) == 0 || isNull(raw) }

func jsonErrorText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v (at byte %d)", se, se.Offset)
	}
	return err.Error()
}

func checkName(s string, lim Limits) error {
	switch {
	case s == "":
		return errors.New("must not be empty")
	case len(s) > lim.MaxNameBytes:
		return fmt.Errorf("is longer than the limit of %d bytes", lim.MaxNameBytes)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return errors.New("must not contain control characters")
		}
	}
	return nil
}

func nameField(raw json.RawMessage, lim Limits, optional bool) (string, error) {
	if isAbsent(raw) {
		if optional {
			return "", nil
		}
		return "", errors.New("is required")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", errors.New("must be a string")
	}
	return s, checkName(s, lim)
}

func idField(raw json.RawMessage, lim Limits) (string, error) {
	if isAbsent(raw) {
		return "", errors.New("is required")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return "", errors.New("must be a string or an integer")
		}
		if _, err := strconv.ParseInt(n.String(), 10, 64); err != nil {
			return "", errors.New("must be a string or an integer")
		}
		s = n.String()
	}
	return s, checkName(s, lim)
}

// ParseTime reads RFC 3339 text (with or without fractional seconds).
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time such as 2026-11-01T12:00:00Z", s)
	}
	return checkTimeRange(t)
}

var (
	minTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

func checkTimeRange(t time.Time) (time.Time, error) {
	if t.Before(minTime) || !t.Before(maxTime) {
		return time.Time{}, fmt.Errorf("%s is outside 1970-01-01 … 2200-01-01", t.Format(time.RFC3339))
	}
	return t.UTC(), nil
}

func timeField(raw json.RawMessage) (time.Time, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return ParseTime(s)
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return time.Time{}, errors.New("must be an RFC 3339 string or epoch milliseconds")
	}
	ms, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s is not whole epoch milliseconds", n)
	}
	return checkTimeRange(time.UnixMilli(ms))
}

// number parses a finite float; NaN and ±Inf are rejected.
func number(s string) (float64, error) {
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return 0, fmt.Errorf("%s is out of range", s)
		}
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("%s is not a finite number", s)
	}
	return x, nil
}

func featureValue(raw json.RawMessage) (store.Value, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return store.Value{}, nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return store.Value{}, errors.New("is not a valid string")
		}
		return store.Str(s), nil
	case 't', 'f':
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return store.Value{}, errors.New("is not a valid value")
		}
		return store.Str(strconv.FormatBool(b)), nil
	case '{', '[':
		return store.Value{}, errors.New("must be a number, a string, a boolean or null, not an object or a list")
	}
	x, err := number(string(raw))
	if err != nil {
		return store.Value{}, err
	}
	return store.Num(x), nil
}

type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.err.Error() }

func outcomeErrField(err error) string {
	var fe *fieldError
	if errors.As(err, &fe) {
		return fe.field
	}
	return ""
}

// labelText accepts a string, an integer or a boolean label.
func labelText(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err == nil {
		return strconv.FormatBool(b), nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		if _, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
			return n.String(), nil
		}
	}
	return "", errors.New("must be a string, an integer or a boolean")
}

func outcomeField(o *jsonOutcome, prediction bool) (store.Outcome, error) {
	var out store.Outcome
	if !isAbsent(o.Label) {
		s, err := labelText(o.Label)
		if err != nil {
			return out, &fieldError{"label", err}
		}
		out.Label, out.HasLabel = s, true
	}
	if !isAbsent(o.Score) {
		if !prediction {
			return out, &fieldError{"score", errors.New("only a prediction has a score")}
		}
		x, err := number(strings.TrimSpace(string(o.Score)))
		if err != nil {
			return out, &fieldError{"score", err}
		}
		out.Score, out.HasScore = x, true
	}
	if !isAbsent(o.Value) {
		x, err := number(strings.TrimSpace(string(o.Value)))
		if err != nil {
			return out, &fieldError{"value", err}
		}
		out.Value, out.HasValue = x, true
	}
	if out.HasValue && (out.HasLabel || out.HasScore) {
		return out, &fieldError{"value", errors.New("a regression value cannot come with a class label or score")}
	}
	return out, nil
}

func embeddingField(raw json.RawMessage) ([]float32, error) {
	var nums []json.Number
	if err := json.Unmarshal(raw, &nums); err != nil {
		return nil, errors.New("must be a list of numbers")
	}
	if len(nums) == 0 {
		return nil, errors.New("must not be empty")
	}
	out := make([]float32, len(nums))
	for i, n := range nums {
		x, err := number(n.String())
		if err != nil {
			return nil, fmt.Errorf("element %d: %v", i, err)
		}
		if math.Abs(x) > math.MaxFloat32 {
			return nil, fmt.Errorf("element %d: %s does not fit a 32-bit float", i, n)
		}
		out[i] = float32(x)
	}
	return out, nil
}

func formatNumber(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
