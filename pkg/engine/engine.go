// Package engine turns a validated query into store aggregates and metric
// series. It speaks only to store.Store, so every storage engine serves the
// same numbers; the maths is pkg/metrics, the Grafana encoding pkg/framing.
package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// Limits bound the work of one query.
type Limits struct {
	// MaxGroups bounds the groups of one store aggregate.
	MaxGroups int
	// MaxSampleSize bounds sampled points (embeddings).
	MaxSampleSize int
	// MaxPoints bounds the values of one result: the points of its series
	// plus the cells of its tables. MaxResponseBytes bounds its estimated
	// size once framed (see Result.Size). A result past either is refused
	// before any frame is built.
	MaxPoints        int
	MaxResponseBytes int64
	// ExactValueLimit bounds the values read for exact KS and Wasserstein
	// and for quantile edges: a target's values then take about 24 bytes
	// each in Go (16M: under 400 MB), two targets at a time. Past it, values
	// are compressed into fine grids and the result says it is approximate.
	ExactValueLimit int
}

// DefaultLimits are used when the settings give none.
var DefaultLimits = Limits{MaxGroups: 2_000_000, MaxSampleSize: 50_000, MaxPoints: 1_000_000, MaxResponseBytes: 64 << 20, ExactValueLimit: 16_000_000}

// Engine answers queries from a store.
type Engine struct {
	Store  store.Store
	Limits Limits
}

// New returns an engine with limits defaulted.
func New(st store.Store, lim Limits) *Engine {
	if lim.MaxGroups <= 0 {
		lim.MaxGroups = DefaultLimits.MaxGroups
	}
	if lim.MaxSampleSize <= 0 {
		lim.MaxSampleSize = DefaultLimits.MaxSampleSize
	}
	if lim.ExactValueLimit <= 0 {
		lim.ExactValueLimit = DefaultLimits.ExactValueLimit
	}
	if lim.MaxPoints <= 0 {
		lim.MaxPoints = DefaultLimits.MaxPoints
	}
	if lim.MaxResponseBytes <= 0 {
		lim.MaxResponseBytes = DefaultLimits.MaxResponseBytes
	}
	return &Engine{Store: st, Limits: lim}
}

// Label is one series label; labels keep the order they are added in.
type Label struct{ Name, Value string }

// Point is one value of a series at a bucket start.
type Point struct {
	Time  time.Time
	Value metrics.Optional
}

// Series is one time series: one alert instance per series in Grafana.
type Series struct {
	Name   string // display name a person can read
	Labels []Label
	Unit   string
	Points []Point
}

// ColumnType is a table column's type.
type ColumnType uint8

// Table column types.
const (
	ColString ColumnType = iota
	ColNumber
	ColTime
	ColInt
	ColBool
)

// Column is one table column; Values hold string, metrics.Optional, time.Time,
// int64 or bool.
type Column struct {
	Name   string
	Type   ColumnType
	Values []any
}

// Table is a result table.
type Table struct {
	Name    string
	Columns []Column
}

// NoticeSeverity grades a notice.
type NoticeSeverity uint8

// Notice severities.
const (
	Info NoticeSeverity = iota
	Warning
)

// Notice is something the user should know about a result.
type Notice struct {
	Severity NoticeSeverity
	Text     string
}

// Result is the answer to one query.
type Result struct {
	Series  []Series
	Tables  []Table
	Notices []Notice
	// Meta carries machine-readable facts (e.g. records scanned, approximations).
	Meta map[string]any
}

func (r *Result) notice(sev NoticeSeverity, format string, args ...any) {
	r.Notices = append(r.Notices, Notice{Severity: sev, Text: fmt.Sprintf(format, args...)})
}

func (r *Result) meta(key string, v any) {
	if r.Meta == nil {
		r.Meta = map[string]any{}
	}
	r.Meta[key] = v
}

// handler runs one query type.
type handler func(ctx context.Context, e *Engine, q *models.Query) (*Result, error)

var handlers = map[string]handler{}

func register(queryType string, h handler) { handlers[queryType] = h }

// Run answers one validated query.
func (e *Engine) Run(ctx context.Context, q *models.Query) (*Result, error) {
	h, ok := handlers[q.QueryType]
	if !ok {
		return nil, &models.QueryError{Option: "queryType", Msg: fmt.Sprintf("%q is not supported by this engine", q.QueryType)}
	}
	if err := e.checkNames(ctx, q); err != nil {
		return nil, classify(err)
	}
	res, err := h(ctx, e, q)
	if err != nil {
		return nil, classify(err)
	}
	if err := e.checkSize(res); err != nil {
		return nil, err
	}
	return res, nil
}

// Handles reports whether the engine answers a query type.
func Handles(queryType string) bool { _, ok := handlers[queryType]; return ok }

// classify turns store errors a user caused into query errors.
func classify(err error) error {
	var qe *models.QueryError
	switch {
	case errors.As(err, &qe):
		return err
	case errors.Is(err, store.ErrUnknownModel):
		return &models.QueryError{Option: "model", Msg: err.Error(), Err: store.ErrUnknownModel}
	case errors.Is(err, store.ErrUnknownField), errors.Is(err, store.ErrTypeMismatch):
		return &models.QueryError{Msg: err.Error()}
	case errors.Is(err, store.ErrTooManyGroups):
		return &models.QueryError{Option: "interval", Msg: err.Error() + "; narrow the time range, use a longer interval or fewer features"}
	}
	return err
}

// schema loads the model's catalog entry, naming the known models when it is unknown.
func (e *Engine) schema(ctx context.Context, model string) (*store.ModelSchema, error) {
	s, err := e.Store.Schema(ctx, model)
	if errors.Is(err, store.ErrUnknownModel) {
		names, lerr := e.modelNames(ctx)
		if lerr != nil {
			return nil, err
		}
		return nil, &models.QueryError{Option: "model", Msg: fmt.Sprintf("%q is not a known model; known models: %s", model, joinOrNone(names)), Err: store.ErrUnknownModel}
	}
	return s, err
}

func (e *Engine) modelNames(ctx context.Context) ([]string, error) {
	ms, err := e.Store.Models(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Name
	}
	sort.Strings(names)
	return names, nil
}

func joinOrNone(ss []string) string {
	if len(ss) == 0 {
		return "(none)"
	}
	out := ss[0]
	for _, s := range ss[1:] {
		out += ", " + s
	}
	return out
}

// resolveColumn checks a field reference against the model's schema.
func resolveColumn(sch *store.ModelSchema, option, ref string) (store.Column, store.Kind, error) {
	col, err := models.ParseField(ref)
	if err != nil {
		return col, 0, &models.QueryError{Option: option, Msg: err.Error()}
	}
	switch col.Kind {
	case store.ColFeature:
		f, ok := sch.Feature(col.Name)
		if !ok {
			names := make([]string, len(sch.Features))
			for i, f := range sch.Features {
				names[i] = f.Name
			}
			return col, 0, &models.QueryError{Option: option, Msg: fmt.Sprintf("model %q has no feature %q; its features: %s", sch.Name, col.Name, joinOrNone(names))}
		}
		return col, f.Type, nil
	case store.ColTag:
		if _, ok := sch.Tag(col.Name); !ok {
			names := make([]string, len(sch.Tags))
			for i, f := range sch.Tags {
				names[i] = f.Name
			}
			return col, 0, &models.QueryError{Option: option, Msg: fmt.Sprintf("model %q has no tag %q; its tags: %s", sch.Name, col.Name, joinOrNone(names))}
		}
		return col, store.Categorical, nil
	case store.ColPredScore, store.ColPredValue, store.ColActualValue:
		return col, store.Numeric, nil
	}
	return col, store.Categorical, nil
}

// scope builds the store scope of the query's current data: its time range,
// versions, environment and filters.
func (e *Engine) scope(sch *store.ModelSchema, q *models.Query) (store.Scope, error) {
	sc := store.Scope{Model: q.Model, Versions: q.Versions, From: q.From, To: q.To}
	if q.Environment != "" {
		sc.Environments = []string{q.Environment}
	}
	for i, f := range q.Filters {
		option := fmt.Sprintf("filters[%d]", i)
		col, kind, err := resolveColumn(sch, option+".field", f.Field)
		if err != nil {
			return sc, err
		}
		flt, err := buildFilter(option, col, kind, f)
		if err != nil {
			return sc, err
		}
		sc.Filters = append(sc.Filters, flt)
	}
	return sc, nil
}

// bucketTime converts a bucket start in epoch milliseconds.
func bucketTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
