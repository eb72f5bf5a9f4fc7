package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// ErrUnknownModel is returned for a model the store has never seen.
var ErrUnknownModel = errors.New("unknown model")

// ColumnKind names a part of the inference record.
type ColumnKind uint8

// The record parts a query can refer to.
const (
	ColFeature ColumnKind = iota + 1
	ColTag
	ColVersion
	ColEnvironment
	ColPredLabel
	ColPredScore
	ColPredValue
	ColActualLabel
	ColActualValue
	ColID
	ColText
	ColTime
)

// Column refers to one stored column of a model's records. Name is the feature
// or tag name for ColFeature and ColTag; the store maps it to its own column
// through its catalog, so a name never reaches SQL text.
type Column struct {
	Kind ColumnKind
	Name string
}

// String renders the column as a field reference (DESIGN §4 syntax).
func (c Column) String() string {
	switch c.Kind {
	case ColFeature:
		return "features." + c.Name
	case ColTag:
		return "tags." + c.Name
	case ColVersion:
		return "version"
	case ColEnvironment:
		return "environment"
	case ColPredLabel:
		return "prediction.label"
	case ColPredScore:
		return "prediction.score"
	case ColPredValue:
		return "prediction.value"
	case ColActualLabel:
		return "actual.label"
	case ColActualValue:
		return "actual.value"
	case ColID:
		return "id"
	case ColText:
		return "text"
	case ColTime:
		return "timestamp"
	}
	return fmt.Sprintf("column(%d)", c.Kind)
}

// FilterOp is a comparison in a filter.
type FilterOp string

// Filter operators.
const (
	OpEq      FilterOp = "="
	OpNe      FilterOp = "!="
	OpLt      FilterOp = "<"
	OpLe      FilterOp = "<="
	OpGt      FilterOp = ">"
	OpGe      FilterOp = ">="
	OpIn      FilterOp = "in"
	OpNotIn   FilterOp = "not in"
	OpIsNull  FilterOp = "is null"
	OpNotNull FilterOp = "is not null"
)

// FilterOps lists the operators a filter accepts.
var FilterOps = []FilterOp{OpEq, OpNe, OpLt, OpLe, OpGt, OpGe, OpIn, OpNotIn, OpIsNull, OpNotNull}

// Filter keeps the records whose column compares true with the values.
type Filter struct {
	Col    Column
	Op     FilterOp
	Values []Value
}

// Scope selects the records of one model that an aggregate reads.
type Scope struct {
	Model        string
	Versions     []string // empty: all versions
	Environments []string // empty: all environments
	From, To     time.Time
	Filters      []Filter
	// WithActual keeps only records whose ground truth is known.
	WithActual bool
}

// KeyKind says how a group key is computed.
type KeyKind uint8

// Group key kinds.
const (
	// KeyColumn groups by a column's value.
	KeyColumn KeyKind = iota + 1
	// KeyBucket groups by time bucket start: floor(t / interval) * interval, epoch ms.
	KeyBucket
	// KeyBin groups a numeric column into right-closed bins: the key is the number
	// of edges below the value (searchsorted side=left); missing values get -1.
	KeyBin
	// KeyIn is true when the column's value is one of Values, false when it is
	// another value, null when missing.
	KeyIn
	// KeyGrid groups a numeric column into cells of Width starting at Origin: the
	// key is floor((value − Origin) / Width) as an integer, null when missing.
	// It bounds the groups of a column with many distinct values at O(1) per row.
	KeyGrid
)

// Key is one group key of an aggregate.
type Key struct {
	Kind     KeyKind
	Col      Column
	Interval time.Duration
	Edges    []float64
	Values   []string
	// Origin and Width define the cells of KeyGrid.
	Origin, Width float64
}

// MeasureOp is an aggregate function.
type MeasureOp uint8

// Aggregate functions. A and B are the operand columns where one is needed.
const (
	// Count counts records.
	Count MeasureOp = iota + 1
	// CountNotNull counts records whose A is not null.
	CountNotNull
	// Sum adds A.
	Sum
	// SumSquares adds A².
	SumSquares
	// SumSqErr adds (A − B)².
	SumSqErr
	// SumAbsErr adds |A − B|.
	SumAbsErr
	// SumAbsPctErr adds |A − B| / max(|A|, machine epsilon): A is the actual.
	SumAbsPctErr
	// SumLogLoss adds −ln(p) for positives and −ln(1−p) for negatives, p = A
	// clipped to [ε, 1−ε] with ε = float64 machine epsilon (metrics.LogLossClip,
	// scikit-learn's default); a record is positive when B equals Positive.
	SumLogLoss
	// Min and Max of A.
	Min
	Max
	// CountEqual counts records whose A equals B, both not null (for example the
	// predicted and the actual label: the correct predictions of any classifier).
	CountEqual

	// The general measures below serve data quality and estimated performance;
	// every store implements them exactly as documented.

	// CountDistinct counts the distinct non-null values of A (any kind):
	// len(numpy.unique(x)) over the non-missing values, 0 when there are none.
	CountDistinct
	// Mean is the mean of the non-null values of numeric A (numpy.mean), null
	// when there are none.
	Mean
	// StdSamp is the sample standard deviation of the non-null values of numeric
	// A (numpy.std with ddof=1), null below 2 values.
	StdSamp
	// Quantile is the Q-quantile (0 ≤ Q ≤ 1) of the non-null values of numeric A
	// with linear interpolation between order statistics, numpy.quantile's
	// default method; null when there are none.
	Quantile
	// CountIn counts records whose categorical A is one of Values (null is never
	// one of them).
	CountIn
	// CountOutside counts records whose numeric A is below Lo or above Hi (null
	// is never outside).
	CountOutside
	// SumInterp adds f(A) over the non-null values of numeric A, f the
	// piecewise-linear interpolation through the points (Knots[i], At[i])
	// (Knots strictly ascending), At[0] at and below the first knot and the
	// last value at and above the last (numpy.interp): a calibration map
	// applied to every score, without grouping by its pieces.
	SumInterp
)

// Measure is one aggregate over each group.
type Measure struct {
	Op       MeasureOp
	A, B     Column
	Positive string
	// Q is the quantile level of Quantile, in [0, 1].
	Q float64
	// Values are the categories of CountIn.
	Values []string
	// Lo and Hi bound the range of CountOutside.
	Lo, Hi float64
	// Knots and At are the points of SumInterp: f(Knots[i]) = At[i].
	Knots, At []float64
}

// AggregateRequest asks the store for grouped aggregates over a scope.
type AggregateRequest struct {
	Scope    Scope
	Keys     []Key
	Measures []Measure
	// MaxGroups bounds the result size; the store fails with ErrTooManyGroups past it.
	MaxGroups int
	// Sets, when given, groups the records by several sets of the keys in
	// one request (SQL's GROUPING SETS), so one pass serves them all: each
	// set lists indexes into Keys, and no two sets hold the same keys. A
	// row's Set is the index of its set and its keys outside the set are
	// null. Rows come set by set in the order of Sets, each set's ordered by
	// its keys (in the order of Keys) as a request of those keys alone would
	// be. MaxGroups bounds the rows of all the sets together.
	Sets [][]int
}

// MaxSetKeys bounds the keys of a request with Sets.
const MaxSetKeys = 62

// CheckSets reports a request's Sets that do not name distinct sets of its
// keys, or a request with sets and more than MaxSetKeys keys.
func (r AggregateRequest) CheckSets() error {
	if len(r.Sets) > 0 && len(r.Keys) > MaxSetKeys {
		return fmt.Errorf("aggregate: %d keys, more than the %d of a request with sets", len(r.Keys), MaxSetKeys)
	}
	seen := map[string]bool{}
	for i, set := range r.Sets {
		sorted := slices.Sorted(slices.Values(set))
		for j, k := range sorted {
			if k < 0 || k >= len(r.Keys) {
				return fmt.Errorf("aggregate: set %d names key %d of %d", i, k, len(r.Keys))
			}
			if j > 0 && sorted[j-1] == k {
				return fmt.Errorf("aggregate: set %d names key %d twice", i, k)
			}
		}
		sig := fmt.Sprint(sorted)
		if seen[sig] {
			return fmt.Errorf("aggregate: set %d repeats the keys %v", i, sorted)
		}
		seen[sig] = true
	}
	return nil
}

// AggregateEachSet answers a request with Sets by one aggregate of each set
// (for a store whose SQL has no grouping sets): the same rows, one pass per
// set.
func AggregateEachSet(ctx context.Context, req AggregateRequest, aggregate func(context.Context, AggregateRequest) (*AggregateResult, error)) (*AggregateResult, error) {
	if err := req.CheckSets(); err != nil {
		return nil, err
	}
	res := &AggregateResult{}
	for i, set := range req.Sets {
		keys := slices.Sorted(slices.Values(set))
		one := req
		one.Sets, one.Keys = nil, make([]Key, len(keys))
		for j, k := range keys {
			one.Keys[j] = req.Keys[k]
		}
		if req.MaxGroups > 0 {
			one.MaxGroups = req.MaxGroups - len(res.Rows)
			if one.MaxGroups <= 0 {
				return nil, fmt.Errorf("%w: more than %d groups", ErrTooManyGroups, req.MaxGroups)
			}
		}
		part, err := aggregate(ctx, one)
		if err != nil {
			return nil, err
		}
		for _, row := range part.Rows {
			full := AggregateRow{Keys: make([]KeyValue, len(req.Keys)), Measures: row.Measures, Set: i}
			for j := range full.Keys {
				full.Keys[j] = KeyValue{Null: true}
			}
			for j, k := range keys {
				full.Keys[k] = row.Keys[j]
			}
			res.Rows = append(res.Rows, full)
		}
	}
	return res, nil
}

// ErrTooManyGroups is returned when an aggregate would return more groups than allowed.
var ErrTooManyGroups = errors.New("too many groups")

// KeyValue is one group key value: a bucket start (ms), a bin index, a string,
// a boolean or null.
type KeyValue struct {
	Null bool
	Int  int64
	Str  string
	Num  float64
	Bool bool
}

// AggregateRow is one group: its key values in the order of the request's Keys
// and its measures in the order of Measures (NaN where undefined).
type AggregateRow struct {
	Keys     []KeyValue
	Measures []float64
	// Set is the index of the row's set in the request's Sets (0 without).
	Set int
}

// AggregateResult holds the groups and how many records were scanned.
type AggregateResult struct {
	Rows []AggregateRow
}

// ErrUnknownField is returned for a field the model does not have.
var ErrUnknownField = errors.New("unknown field")

// ErrTypeMismatch is returned when a value's kind does not match its field's kind.
var ErrTypeMismatch = errors.New("type mismatch")

// String renders a value for messages.
func (v Value) String() string {
	switch v.Kind {
	case Numeric:
		return fmt.Sprint(v.Num)
	case Categorical:
		return fmt.Sprintf("%q", v.Str)
	}
	return "null"
}
