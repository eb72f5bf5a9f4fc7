// Package models holds the datasource settings and the query model of DESIGN
// §4: parsing, defaults and validation. Every mistake a user can make is a
// *QueryError naming the option and the allowed values.
package models

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/gtime"
)

// Query types.
const (
	TypeDrift          = "drift"
	TypeEmbeddingDrift = "embeddingDrift"
	TypePerformance    = "performance"
	TypeFairness       = "fairness"
	TypeBiasTrace      = "biasTrace"
	TypeTraffic        = "traffic"
	TypeEmbeddings     = "embeddings"
	TypeDistribution   = "distribution"
	TypeModels         = "models"
	// TypeDataQuality: missing, new-category and out-of-range rates and summary
	// statistics per (version, field) and bucket.
	TypeDataQuality = "dataQuality"
	// TypeEstimatedPerformance: classification performance estimated from
	// calibrated scores, before the actuals arrive.
	TypeEstimatedPerformance = "estimatedPerformance"
	// TypePerformanceTrace: segments ranked by how much they pull a
	// performance metric down.
	TypePerformanceTrace = "performanceTrace"
)

// QueryTypes lists every query type.
var QueryTypes = []string{TypeDrift, TypeEmbeddingDrift, TypePerformance, TypeFairness, TypeBiasTrace,
	TypeTraffic, TypeEmbeddings, TypeDistribution, TypeModels,
	TypeDataQuality, TypeEstimatedPerformance, TypePerformanceTrace}

// Metrics allowed per query type; the first is the default.
var Metrics = map[string][]string{
	TypeDrift:          {"psi", "kl", "js", "hellinger", "ks", "ks_pvalue", "wasserstein", "wasserstein_norm", "chi2", "chi2_pvalue"},
	TypeDistribution:   {"psi", "kl", "js", "hellinger", "ks", "ks_pvalue", "wasserstein", "wasserstein_norm", "chi2", "chi2_pvalue"},
	TypeEmbeddingDrift: {"euclidean", "cosine"},
	TypePerformance:    {"accuracy", "precision", "recall", "f1", "auc", "log_loss", "rmse", "mae", "mape", "r2"},
	TypeFairness: {"disparate_impact", "statistical_parity_difference", "equal_opportunity_difference",
		"average_odds_difference", "predictive_parity_ratio", "selection_rate"},
	TypeBiasTrace: {"disparate_impact", "statistical_parity_difference", "equal_opportunity_difference",
		"average_odds_difference", "predictive_parity_ratio", "selection_rate"},
	TypeTraffic: {"count", "share"},
	TypeDataQuality: {"missing_rate", "new_category_rate", "out_of_range_rate", "mean", "std",
		"min", "p05", "p25", "p50", "p75", "p95", "max", "distinct"},
	TypeEstimatedPerformance: {"accuracy", "precision", "recall", "f1", "auc"},
	TypePerformanceTrace:     {"accuracy", "precision", "recall", "f1", "auc", "log_loss", "rmse", "mae", "mape", "r2"},
}

// Calibrations are the score calibrations of estimatedPerformance; the first
// is the default.
var Calibrations = []string{"isotonic", "none"}

// Drift targets.
var Targets = []string{"feature", "prediction", "actual"}

// Reference types.
var ReferenceTypes = []string{"environment", "window", "rolling", "version"}

// VersionStatuses are the lifecycle statuses of a model version.
var VersionStatuses = []string{"shadow", "canary", "active", "deprecated"}

// Binning strategies.
var BinningStrategies = []string{"quantile", "uniform"}

// Adjustments of drift p-values across features.
var Adjustments = []string{"bh", "bonferroni"}

// Bounds a fairness query may keep alone.
var Bounds = []string{"lower", "upper"}

// IntervalMetrics are the fairness metrics that have a confidence interval
// (METRICS.md "Uncertainty").
var IntervalMetrics = []string{"disparate_impact", "statistical_parity_difference", "equal_opportunity_difference", "selection_rate"}

// PValueMetrics are the drift metrics whose values are p-values.
var PValueMetrics = []string{"ks_pvalue", "chi2_pvalue"}

// DefaultMinGroupSize is the smallest protected or reference group a fairness
// point is computed from.
const DefaultMinGroupSize = 30

// Reference says what the current data is compared with.
type Reference struct {
	Type        string `json:"type"`
	Environment string `json:"environment,omitempty"`
	Version     string `json:"version,omitempty"`
	From        string `json:"from,omitempty"`
	To          string `json:"to,omitempty"`
	Window      string `json:"window,omitempty"`

	FromTime, ToTime time.Time     `json:"-"`
	WindowDur        time.Duration `json:"-"`
}

// Binning says how numeric values are binned.
type Binning struct {
	Strategy string `json:"strategy"`
	Bins     int    `json:"bins"`
}

// Filter keeps records whose field compares true with the value.
type Filter struct {
	Field string          `json:"field"`
	Op    string          `json:"op"`
	Value json.RawMessage `json:"value"`
}

// Fairness names the protected attribute and its groups.
type Fairness struct {
	Attribute string   `json:"attribute"`
	Protected []string `json:"protected"`
	Reference []string `json:"reference"`
	Favorable string   `json:"favorable"`
	// FavorableDefaulted is true when the query gave no favorable label and
	// Parse set the default "1" (notices then say so).
	FavorableDefaulted bool `json:"-"`
}

// Query is one Vigil query as saved in dashboards and alert rules.
type Query struct {
	RefID       string     `json:"refId"`
	QueryType   string     `json:"queryType"`
	Model       string     `json:"model"`
	Versions    StringList `json:"versions,omitempty"`
	Environment string     `json:"environment,omitempty"`
	Target      string     `json:"target,omitempty"`
	Features    StringList `json:"features,omitempty"`
	Metric      string     `json:"metric,omitempty"`
	Reference   *Reference `json:"reference,omitempty"`
	Binning     *Binning   `json:"binning,omitempty"`
	Filters     []Filter   `json:"filters,omitempty"`
	Interval    string     `json:"interval,omitempty"`
	GroupBy     StringList `json:"groupBy,omitempty"`
	Fairness    *Fairness  `json:"fairness,omitempty"`
	Positive    string     `json:"positive,omitempty"`
	Limit       int        `json:"limit,omitempty"`
	// ReferenceLimit and CurrentLimit bound the embeddings samples.
	ReferenceLimit int `json:"referenceLimit,omitempty"`
	CurrentLimit   int `json:"currentLimit,omitempty"`
	// Reduce is the embeddings' dimension reduction: "pca" (the default, to
	// 50 dimensions when there are more) or "none".
	Reduce string `json:"reduce,omitempty"`
	// MinClusterSize is the smallest group of novel embeddings reported as a
	// new cluster.
	MinClusterSize int `json:"minClusterSize,omitempty"`
	// MinCount is the smallest segment a bias trace ranks.
	MinCount int `json:"minCount,omitempty"`
	// OverTime adds a bias trace's metric per time bucket; Pairs also traces
	// the segments of two features at once.
	OverTime bool `json:"overTime,omitempty"`
	Pairs    bool `json:"pairs,omitempty"`
	// Status keeps the versions whose lifecycle status is one of these
	// (traffic and models), e.g. ["deprecated"] for deprecation alerts.
	Status []string `json:"status,omitempty"`
	// Calibration maps scores to probabilities in estimatedPerformance:
	// "isotonic" (the default) or "none".
	Calibration string `json:"calibration,omitempty"`
	// Confidence is the level 1 − α of fairness intervals (e.g. 0.95): a
	// fairness query adds lower and upper bound series, a bias trace the
	// bounds of each segment's disparate impact. Zero means no interval.
	Confidence float64 `json:"confidence,omitempty"`
	// MinGroupSize leaves a fairness point absent when the protected or the
	// reference group of its bucket has fewer records (default 30; 1 keeps
	// every bucket with records).
	MinGroupSize int `json:"minGroupSize,omitempty"`
	// Bound keeps only the lower or the upper bound series of a fairness
	// query with confidence, for alert rules on a bound.
	Bound string `json:"bound,omitempty"`
	// Adjust adjusts drift p-values across the query's features in each
	// (bucket, version): "bh" (Benjamini–Hochberg) or "bonferroni".
	Adjust string `json:"adjust,omitempty"`

	// Resolved by Parse.
	From, To    time.Time     `json:"-"`
	IntervalDur time.Duration `json:"-"`
	// PositiveDefaulted is true when a performance query gave no positive
	// label and Parse set the default "1".
	PositiveDefaulted bool  `json:"-"`
	MaxDataPoints     int64 `json:"-"`
	grafanaDefault    time.Duration
}

// StringList is a list option that also accepts a single string (a
// single-value template variable or an editor that saves one field), and
// drops empty entries.
type StringList []string

// UnmarshalJSON reads a string, a list of strings or null.
func (l *StringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = nil
		if one != "" {
			*l = StringList{one}
		}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("must be a string or a list of strings")
	}
	out := many[:0]
	for _, s := range many {
		if s != "" {
			out = append(out, s)
		}
	}
	*l = out
	return nil
}

// QueryError is a user mistake in a query: the option and what is wrong.
type QueryError struct {
	Option string
	Msg    string
	// Err is the underlying cause, if any (e.g. store.ErrUnknownModel).
	Err error
}

// Unwrap returns the underlying cause.
func (e *QueryError) Unwrap() error { return e.Err }

func (e *QueryError) Error() string {
	if e.Option == "" {
		return e.Msg
	}
	return fmt.Sprintf("query option %q: %s", e.Option, e.Msg)
}

func qerr(option, format string, args ...any) error {
	return &QueryError{Option: option, Msg: fmt.Sprintf(format, args...)}
}

func oneOf(values []string) string { return strings.Join(values, ", ") }

func contains(values []string, v string) bool {
	for _, x := range values {
		if x == v {
			return true
		}
	}
	return false
}

// Limits bound what one query may ask for.
type Limits struct {
	MaxBuckets int
}

// DefaultLimits are used when the settings give none.
var DefaultLimits = Limits{MaxBuckets: 10_000}

// Request is the part of Grafana's request a query needs.
type Request struct {
	JSON          []byte
	QueryType     string
	RefID         string
	From, To      time.Time
	Interval      time.Duration
	MaxDataPoints int64
	// ExtraKeys are keys of JSON the caller reads itself (e.g. an export's
	// from and to); they are accepted besides the query type's options.
	ExtraKeys []string
	// OnlyOptions, when not nil, narrows the options accepted to these (and
	// CommonOptions): a caller that reads a query as a plain scope.
	OnlyOptions []string
}

// Parse reads, defaults and validates one query. Keys that no query type
// reads, and options the query's type does not read, are errors (see
// QueryTypeOptions in keys.go).
func Parse(req Request, lim Limits) (*Query, error) {
	if lim.MaxBuckets <= 0 {
		lim.MaxBuckets = DefaultLimits.MaxBuckets
	}
	var q Query
	var raw map[string]json.RawMessage
	if len(bytes.TrimSpace(req.JSON)) > 0 {
		if err := json.Unmarshal(req.JSON, &raw); err != nil {
			return nil, qerr("", "the query is not valid JSON for Vigil (it must be a JSON object): %v", err)
		}
		if err := json.Unmarshal(req.JSON, &q); err != nil {
			return nil, typeError(raw, err)
		}
	}
	if q.QueryType == "" {
		q.QueryType = req.QueryType
	}
	if q.QueryType == "" {
		return nil, qerr("queryType", "is required; one of %s", oneOf(QueryTypes))
	}
	if !contains(QueryTypes, q.QueryType) {
		return nil, qerr("queryType", "%q is not a query type; one of %s", q.QueryType, oneOf(QueryTypes))
	}
	if err := checkKeys(raw, q.QueryType, req.ExtraKeys, req.OnlyOptions); err != nil {
		return nil, err
	}
	if !contains(QueryTypeOptions[q.QueryType], "reference") {
		q.Reference = nil // an empty reference block on a type that reads none
	}
	if req.RefID != "" {
		q.RefID = req.RefID
	}
	q.From, q.To, q.MaxDataPoints, q.grafanaDefault = req.From.UTC(), req.To.UTC(), req.MaxDataPoints, req.Interval
	if err := q.validate(lim); err != nil {
		return nil, err
	}
	return &q, nil
}

func (q *Query) validate(lim Limits) error {
	if q.QueryType == "" {
		return qerr("queryType", "is required; one of %s", oneOf(QueryTypes))
	}
	if !contains(QueryTypes, q.QueryType) {
		return qerr("queryType", "%q is not a query type; one of %s", q.QueryType, oneOf(QueryTypes))
	}
	if q.From.After(q.To) {
		return qerr("timeRange", "from (%s) is after to (%s)", q.From.Format(time.RFC3339), q.To.Format(time.RFC3339))
	}
	if q.QueryType != TypeModels && q.QueryType != TypeTraffic && q.Model == "" {
		return qerr("model", "is required for %s queries", q.QueryType)
	}
	if allowed, ok := Metrics[q.QueryType]; ok {
		if q.Metric == "" {
			q.Metric = allowed[0]
		}
		if !contains(allowed, q.Metric) {
			return qerr("metric", "%q is not a %s metric; one of %s", q.Metric, q.QueryType, oneOf(allowed))
		}
	}
	if err := q.resolveInterval(lim); err != nil {
		return err
	}
	switch q.QueryType {
	case TypeDrift, TypeDistribution:
		if q.Target == "" {
			q.Target = "feature"
		}
		if !contains(Targets, q.Target) {
			return qerr("target", "%q is not a drift target; one of %s", q.Target, oneOf(Targets))
		}
		if q.Target == "feature" && len(q.Features) == 0 && q.QueryType == TypeDistribution {
			return qerr("features", "a distribution query needs one feature")
		}
		if q.QueryType == TypeDistribution && len(q.Features) > 1 {
			return qerr("features", "a distribution query shows one feature; got %d", len(q.Features))
		}
		if err := q.validateBinning(); err != nil {
			return err
		}
	case TypeEmbeddingDrift, TypeEmbeddings:
	case TypeFairness, TypeBiasTrace:
		if err := q.validateFairness(); err != nil {
			return err
		}
	}
	if err := q.validateUncertainty(); err != nil {
		return err
	}
	switch q.QueryType {
	case TypePerformance, TypePerformanceTrace:
		if q.Positive == "" {
			q.Positive = "1"
			q.PositiveDefaulted = true
		}
	case TypeEstimatedPerformance:
		if q.Positive == "" {
			q.Positive = "1"
		}
		if q.Calibration == "" {
			q.Calibration = Calibrations[0]
		}
		if !contains(Calibrations, q.Calibration) {
			return qerr("calibration", "%q is not a calibration; one of %s", q.Calibration, oneOf(Calibrations))
		}
	}
	if q.Calibration != "" && q.QueryType != TypeEstimatedPerformance {
		return qerr("calibration", "only estimatedPerformance queries calibrate scores")
	}
	if needsReference(q.QueryType) {
		if err := q.validateReference(); err != nil {
			return err
		}
		if q.QueryType == TypeDataQuality && q.Reference.Type == "rolling" {
			return qerr("reference.type", "a dataQuality reference is fixed: environment, version or window (the range and categories the current data is checked against)")
		}
	} else if q.QueryType == TypeEstimatedPerformance && q.Reference != nil && q.Reference.Type != "" {
		// No default here: the engine takes validation records, else training.
		if err := q.validateReference(); err != nil {
			return err
		}
		if q.Reference.Type == "rolling" {
			return qerr("reference.type", "the calibration is fitted once: use an environment, version or window reference")
		}
	}
	for i, st := range q.Status {
		if !contains(VersionStatuses, st) {
			return qerr(fmt.Sprintf("status[%d]", i), "%q is not a lifecycle status; one of %s", st, oneOf(VersionStatuses))
		}
	}
	for i, f := range q.Filters {
		if f.Field == "" {
			return qerr(fmt.Sprintf("filters[%d].field", i), "is required")
		}
		if _, err := ParseField(f.Field); err != nil {
			return qerr(fmt.Sprintf("filters[%d].field", i), "%v", err)
		}
		if f.Op == "" {
			q.Filters[i].Op = "="
		}
	}
	for i, g := range q.GroupBy {
		if _, err := ParseField(g); err != nil {
			return qerr(fmt.Sprintf("groupBy[%d]", i), "%v", err)
		}
	}
	if q.Limit < 0 || q.ReferenceLimit < 0 || q.CurrentLimit < 0 || q.MinCount < 0 {
		return qerr("limit", "limits must not be negative")
	}
	return nil
}

// Bucketed reports whether a query type answers with time series.
func Bucketed(queryType string) bool {
	switch queryType {
	case TypeDrift, TypeEmbeddingDrift, TypePerformance, TypeFairness, TypeTraffic,
		TypeDataQuality, TypeEstimatedPerformance:
		return true
	}
	return false
}

func needsReference(queryType string) bool {
	switch queryType {
	case TypeDrift, TypeDistribution, TypeEmbeddingDrift, TypeEmbeddings, TypeDataQuality:
		return true
	}
	return false
}

func (q *Query) resolveInterval(lim Limits) error {
	switch {
	case q.Interval != "" && q.Interval != "$__interval":
		d, err := gtime.ParseDuration(q.Interval)
		if err != nil || d <= 0 {
			return qerr("interval", "%q is not a duration such as 1m, 1h or 1d", q.Interval)
		}
		q.IntervalDur = d
	case q.grafanaDefault > 0:
		q.IntervalDur = q.grafanaDefault
	default:
		q.IntervalDur = time.Hour
	}
	if q.IntervalDur < time.Second {
		q.IntervalDur = time.Second
	}
	if q.IntervalDur%time.Millisecond != 0 {
		q.IntervalDur = q.IntervalDur.Truncate(time.Millisecond)
	}
	if span := q.To.Sub(q.From); span > 0 && Bucketed(q.QueryType) {
		if n := int64(span / q.IntervalDur); n > int64(lim.MaxBuckets) {
			return qerr("interval", "%s over %s makes %d buckets, more than the limit of %d; choose a longer interval",
				gtime.FormatInterval(q.IntervalDur), span, n, lim.MaxBuckets)
		}
	}
	return nil
}

func (q *Query) validateBinning() error {
	if q.Binning == nil {
		q.Binning = &Binning{}
	}
	if q.Binning.Strategy == "" {
		q.Binning.Strategy = "quantile"
	}
	if !contains(BinningStrategies, q.Binning.Strategy) {
		return qerr("binning.strategy", "%q is not a binning strategy; one of %s", q.Binning.Strategy, oneOf(BinningStrategies))
	}
	if q.Binning.Bins == 0 {
		q.Binning.Bins = 10
	}
	if q.Binning.Bins < 2 || q.Binning.Bins > 100 {
		return qerr("binning.bins", "%d bins: must be between 2 and 100", q.Binning.Bins)
	}
	return nil
}

func (q *Query) validateReference() error {
	if q.Reference == nil || q.Reference.Type == "" {
		q.Reference = &Reference{Type: "environment", Environment: "training"}
	}
	r := q.Reference
	switch r.Type {
	case "environment":
		if r.Environment == "" {
			r.Environment = "training"
		}
	case "version":
		if r.Version == "" {
			return qerr("reference.version", "a version reference needs the version to compare with")
		}
	case "window":
		if r.From == "" || r.To == "" {
			return qerr("reference.from", "a window reference needs from and to (RFC 3339 or now-7d style)")
		}
		var err error
		if r.FromTime, err = parseTimeRef(r.From, q.To); err != nil {
			return qerr("reference.from", "%v", err)
		}
		if r.ToTime, err = parseTimeRef(r.To, q.To); err != nil {
			return qerr("reference.to", "%v", err)
		}
		if !r.FromTime.Before(r.ToTime) {
			return qerr("reference.from", "the window's from (%s) must be before its to (%s)", r.FromTime.Format(time.RFC3339), r.ToTime.Format(time.RFC3339))
		}
	case "rolling":
		if r.Window == "" {
			return qerr("reference.window", "a rolling reference needs a window such as 7d")
		}
		d, err := gtime.ParseDuration(r.Window)
		if err != nil || d <= 0 {
			return qerr("reference.window", "%q is not a duration such as 1h, 1d or 7d", r.Window)
		}
		r.WindowDur = d
	default:
		return qerr("reference.type", "%q is not a reference type; one of %s", r.Type, oneOf(ReferenceTypes))
	}
	return nil
}

// ParseTime reads a time as query options do: RFC 3339, epoch milliseconds,
// "now" or "now-7d" (relative to now).
func ParseTime(s string, now time.Time) (time.Time, error) { return parseTimeRef(s, now) }

// parseTimeRef reads RFC 3339, epoch milliseconds, or "now", "now-7d".
func parseTimeRef(s string, now time.Time) (time.Time, error) {
	if s == "now" {
		return now, nil
	}
	if rest, ok := strings.CutPrefix(s, "now-"); ok {
		d, err := gtime.ParseDuration(rest)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not a time such as now-7d", s)
		}
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	var ms int64
	if _, err := fmt.Sscanf(s, "%d", &ms); err == nil && fmt.Sprint(ms) == s {
		return time.UnixMilli(ms).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time, epoch milliseconds or now-<duration>", s)
}

func (q *Query) validateFairness() error {
	f := q.Fairness
	if f == nil {
		return qerr("fairness", "a %s query needs a fairness block: attribute, protected, reference, favorable", q.QueryType)
	}
	if f.Attribute == "" {
		return qerr("fairness.attribute", "is required (e.g. tags.sex or features.sex)")
	}
	if _, err := ParseField(f.Attribute); err != nil {
		return qerr("fairness.attribute", "%v", err)
	}
	if len(f.Protected) == 0 {
		return qerr("fairness.protected", "needs at least one value of %s", f.Attribute)
	}
	if len(f.Reference) == 0 {
		return qerr("fairness.reference", "needs at least one value of %s", f.Attribute)
	}
	for _, p := range f.Protected {
		if contains(f.Reference, p) {
			return qerr("fairness.reference", "%q is in both the protected and the reference groups", p)
		}
	}
	if f.Favorable == "" {
		f.Favorable = "1"
		f.FavorableDefaulted = true
	}
	return nil
}

// validateUncertainty checks confidence, minGroupSize, bound and adjust and
// defaults minGroupSize.
func (q *Query) validateUncertainty() error {
	fairness := q.QueryType == TypeFairness
	if q.Confidence != 0 {
		if q.QueryType != TypeFairness && q.QueryType != TypeBiasTrace {
			return qerr("confidence", "only fairness and biasTrace queries take a confidence level; %s queries do not", q.QueryType)
		}
		if !(q.Confidence > 0 && q.Confidence < 1) {
			return qerr("confidence", "%v is not a confidence level; give one between 0 and 1, such as 0.95", q.Confidence)
		}
		if fairness && !contains(IntervalMetrics, q.Metric) {
			return qerr("confidence", "%s has no confidence interval; intervals exist for %s", q.Metric, oneOf(IntervalMetrics))
		}
	}
	switch {
	case q.MinGroupSize < 0:
		return qerr("minGroupSize", "%d: must be at least 1 (1 keeps every bucket with records)", q.MinGroupSize)
	case q.MinGroupSize != 0 && !fairness:
		return qerr("minGroupSize", "only fairness queries take a minimum group size; %s queries do not", q.QueryType)
	case q.MinGroupSize == 0 && fairness:
		q.MinGroupSize = DefaultMinGroupSize
	}
	if q.Bound != "" {
		if !contains(Bounds, q.Bound) {
			return qerr("bound", "%q is not a bound; one of %s", q.Bound, oneOf(Bounds))
		}
		if !fairness || q.Confidence == 0 {
			return qerr("bound", "keeps one bound series of a fairness query with a confidence level; set confidence (e.g. 0.95)")
		}
	}
	if q.Adjust != "" {
		if !contains(Adjustments, q.Adjust) {
			return qerr("adjust", "%q is not a p-value adjustment; one of %s", q.Adjust, oneOf(Adjustments))
		}
		if q.QueryType != TypeDrift {
			return qerr("adjust", "only drift queries adjust p-values across features; %s queries do not", q.QueryType)
		}
		if !contains(PValueMetrics, q.Metric) {
			return qerr("adjust", "adjusts p-values, and %s is not one; use it with %s", q.Metric, oneOf(PValueMetrics))
		}
	}
	return nil
}

// SortedCopy returns a sorted copy of values.
func SortedCopy(values []string) []string {
	out := append([]string(nil), values...)
	sort.Strings(out)
	return out
}
