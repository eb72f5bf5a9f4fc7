package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// Drift compares the distribution of a target in the current data (the
// query's time range, versions, environment and filters) with a reference
// (DESIGN §4, METRICS.md). One series per (target, version).
//
// Targets: features (all the model's features when none are named), or the
// prediction / the actual. For those, features may name the field
// (["prediction.score"]); otherwise the label is compared when the model has
// any, else the value (regression), else the score. Numeric or categorical
// comes from the catalog; KS and Wasserstein apply to numeric targets only.
//
// A numeric target against a static reference, within the exact-value
// limit, is answered by one pass of the store over every numeric target of
// the query (driftComparison, Store.CDFDistances with Bins): KS,
// Wasserstein and the histograms on the reference's edges at once, shared
// by the request's other drift queries over the same data (WithShare).
// Otherwise, as follows.
//
// Store work per target: the reference is read once as its distinct values
// with counts (Store.Values), which give numpy's quantile edges and the
// reference histogram; then ONE aggregate grouped by (bucket, version, bin)
// gives every current histogram. KS and Wasserstein against a fixed
// reference are computed by the store (Store.CDFDistances), one row per
// (bucket, version), while the values fit the exact-value limit; past it the
// current values are read per (bucket, version) through Store.Values and
// compared in Go one group at a time. Targets are computed two at a time. A rolling
// reference reads the span [first bucket − window, to) once, grouped by
// (step, version, value), and slides the window over those groups in Go.
//
// Past Limits.ExactValueLimit values, the current values are read in runs of
// consecutive buckets that fit the limit, so they stay exact. Only what alone
// is past the limit is compressed (drift_sample.go): a reference onto a fine
// grid, so quantile edges come from the compressed reference (histograms on
// those edges stay exact counts), and a bucket's current values onto a grid
// per group, so KS and Wasserstein come from compressed samples with an error
// bound computed from the data. The result says so in its meta and notices.
//
// Which records the reference holds (filters on version and environment
// always select only the current data, since they would contradict the
// reference; the query's other filters apply to both, so cohort drift works):
//
//   - environment E (+ version V): every record of E (and V), at any time:
//     training data usually predates the dashboard's time range.
//   - version V: V's records over the query's time range and environment,
//     i.e. the other version serving the same traffic at the same time. When
//     the query lists no versions, V's own series (zero drift) is left out.
//   - window [from, to): the query's own selection (environment, versions,
//     filters) in that window, versions pooled.
//   - rolling W: the query's own selection in [bucket − W, bucket) for each
//     bucket, versions pooled, with quantile edges taken per bucket from its
//     own reference. A bucket whose window holds no records has an absent point.

func init() {
	register(models.TypeDrift, driftQuery)
	register(models.TypeDistribution, distributionQuery)
}

// driftValueMetrics need raw values; the others are computed from histograms.
var (
	driftValueMetrics  = []string{"ks", "ks_pvalue", "wasserstein", "wasserstein_norm"}
	driftBinnedMetrics = []string{"psi", "kl", "js", "hellinger", "chi2", "chi2_pvalue"}
)

func driftOnValues(metric string) bool { return slices.Contains(driftValueMetrics, metric) }

// driftMetricTitles name the metrics in series display names.
var driftMetricTitles = map[string]string{
	"psi": "PSI", "kl": "KL divergence", "js": "JS distance", "hellinger": "Hellinger distance",
	"ks": "KS statistic", "ks_pvalue": "KS p-value", "wasserstein": "Wasserstein distance",
	"wasserstein_norm": "normalised Wasserstein", "chi2": "chi²", "chi2_pvalue": "chi² p-value",
}

// Targets of KS and Wasserstein past the exact-value limit (METRICS.md).
const (
	driftKSTolerance          = 0.01
	driftWassersteinTolerance = 0.01
)

// The reference of an environment has no time restriction.
var (
	driftAllTimeFrom = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	driftAllTimeTo   = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// driftTarget is one column whose distribution is compared.
type driftTarget struct {
	name string // the series' feature label
	col  store.Column
	kind store.Kind // Numeric or Categorical
	// named is true when the query named the target (not "all features").
	named bool
}

// driftGroup is one current histogram: a version in a bucket.
type driftGroup struct {
	version string
	bucket  int64
}

// driftRef says which records the reference holds.
type driftRef struct {
	desc  string      // for messages: "environment training"
	scope store.Scope // static references
	// window is the rolling window; zero for static references.
	window time.Duration
	// skipVersion is the reference version, whose own series is not shown
	// unless the query lists it.
	skipVersion string
}

// driftRun is one drift or distribution query being answered.
type driftRun struct {
	e   *Engine
	q   *models.Query
	cur store.Scope
	ref driftRef
	res *Result
	// targets are the query's targets.
	targets []driftTarget

	// mu guards what targets computed in parallel note below.
	mu            sync.Mutex
	refRecords    int64
	refCounted    bool
	edges         map[string][]float64
	approxValues  bool    // KS / Wasserstein from compressed values
	approxEdges   bool    // quantile edges from compressed values
	ksBound       float64 // largest KS error bound of a point
	wBound        float64 // largest Wasserstein error bound of a point, relative
	wBoundAbs     float64
	emptyRolling  int // points whose rolling reference had no records
	skippedValues []string
	// explain collects null points and sanity warnings (explain.go).
	explain driftExplain

	// curOnce counts the current scope's records once (currentRecords).
	curOnce  sync.Once
	curCount int64
	curErr   error
}

func driftQuery(ctx context.Context, e *Engine, q *models.Query) (*Result, error) {
	run, targets, err := newDriftRun(ctx, e, q)
	if err != nil {
		return nil, err
	}
	// Targets are independent: while one waits on the store, another's
	// values are compared in Go. Series keep the targets' order.
	points := make([]map[string][]Point, len(targets))
	err = eachParallel(ctx, len(targets), driftParallelTargets, func(ctx context.Context, i int) error {
		p, err := run.target(ctx, targets[i])
		if err != nil {
			return driftWrap(err, "drift of %s", targets[i].name)
		}
		points[i] = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	if q.Adjust != "" {
		if err := adjustPValues(points, metrics.Adjustment(q.Adjust)); err != nil {
			return nil, fmt.Errorf("drift %s of model %q: %w", q.Metric, q.Model, err)
		}
		run.noteAdjustment(len(targets))
	}
	for i, t := range targets {
		run.addSeries(t, points[i])
	}
	run.finish()
	return run.res, nil
}

// driftParallelTargets is how many targets are computed at once: two keep
// the store busy while Go compares the previous target's values, and bound
// the values held in memory to two targets' worth.
const driftParallelTargets = 2

func newDriftRun(ctx context.Context, e *Engine, q *models.Query) (*driftRun, []driftTarget, error) {
	if q.Binning == nil {
		q.Binning = &models.Binning{Strategy: "quantile", Bins: 10}
	}
	if q.Reference == nil {
		q.Reference = &models.Reference{Type: "environment", Environment: "training"}
	}
	sch, err := e.schema(ctx, q.Model)
	if err != nil {
		return nil, nil, err
	}
	cur, err := e.scope(sch, q)
	if err != nil {
		return nil, nil, err
	}
	targets, err := e.driftTargets(ctx, sch, q)
	if err != nil {
		return nil, nil, err
	}
	run := &driftRun{e: e, q: q, cur: cur, ref: driftReferenceOf(q, cur), res: &Result{}}
	if driftOnValues(q.Metric) {
		if targets, err = run.numericOnly(targets); err != nil {
			return nil, nil, err
		}
	}
	run.targets = targets
	return run, targets, nil
}

// driftWrap adds context to a store error; query errors already say what to fix.
func driftWrap(err error, format string, args ...any) error {
	var qe *models.QueryError
	if errors.As(err, &qe) {
		return err
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// driftTargets resolves the columns to compare. For target prediction or
// actual, features may name the field (prediction.score); otherwise the label
// is used when the model has labels, else the value, else the score.
func (e *Engine) driftTargets(ctx context.Context, sch *store.ModelSchema, q *models.Query) ([]driftTarget, error) {
	var out []driftTarget
	seen := map[string]bool{}
	add := func(t driftTarget) {
		if !seen[t.name] {
			seen[t.name] = true
			out = append(out, t)
		}
	}
	if q.Target == "prediction" || q.Target == "actual" {
		allowed := map[string][]store.ColumnKind{
			"prediction": {store.ColPredLabel, store.ColPredValue, store.ColPredScore},
			"actual":     {store.ColActualLabel, store.ColActualValue},
		}[q.Target]
		if len(q.Features) == 0 {
			t, err := e.outcomeTarget(ctx, q.Model, q.Target, allowed)
			if err != nil {
				return nil, err
			}
			return []driftTarget{t}, nil
		}
		for _, ref := range q.Features {
			col, kind, err := resolveColumn(sch, "features", ref)
			if err != nil {
				return nil, err
			}
			if !slices.Contains(allowed, col.Kind) {
				names := make([]string, len(allowed))
				for i, k := range allowed {
					names[i] = store.Column{Kind: k}.String()
				}
				return nil, &models.QueryError{Option: "features", Msg: fmt.Sprintf("with target %s, features may name %s; %q is not one of them", q.Target, strings.Join(names, ", "), ref)}
			}
			add(driftTarget{name: col.String(), col: col, kind: driftKind(kind), named: true})
		}
		return out, nil
	}
	if len(q.Features) == 0 {
		if len(sch.Features) == 0 {
			return nil, &models.QueryError{Option: "features", Msg: fmt.Sprintf("model %q has no features yet", sch.Name)}
		}
		for _, f := range sch.Features {
			add(driftTarget{name: f.Name, col: store.Column{Kind: store.ColFeature, Name: f.Name}, kind: driftKind(f.Type)})
		}
		return out, nil
	}
	for _, ref := range q.Features {
		col, kind, err := resolveColumn(sch, "features", ref)
		if err != nil {
			return nil, err
		}
		if col.Kind != store.ColFeature {
			return nil, &models.QueryError{Option: "features", Msg: fmt.Sprintf("%q is not a feature; for predictions and actuals set target to prediction or actual", ref)}
		}
		add(driftTarget{name: col.Name, col: col, kind: driftKind(kind), named: true})
	}
	return out, nil
}

// driftKind treats a feature that has only seen missing values as categorical.
func driftKind(k store.Kind) store.Kind {
	if k == store.Numeric {
		return store.Numeric
	}
	return store.Categorical
}

// outcomeTarget picks the first of the candidate columns the model has any
// value in, over all its records.
func (e *Engine) outcomeTarget(ctx context.Context, model, target string, candidates []store.ColumnKind) (driftTarget, error) {
	measures := make([]store.Measure, len(candidates))
	for i, k := range candidates {
		measures[i] = store.Measure{Op: store.CountNotNull, A: store.Column{Kind: k}}
	}
	agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{
		Scope:    store.Scope{Model: model, From: driftAllTimeFrom, To: driftAllTimeTo},
		Measures: measures,
	})
	if err != nil {
		return driftTarget{}, fmt.Errorf("finding the %s fields of %s: %w", target, model, err)
	}
	for i, k := range candidates {
		if len(agg.Rows) > 0 && agg.Rows[0].Measures[i] > 0 {
			col := store.Column{Kind: k}
			kind := store.Numeric
			if k == store.ColPredLabel || k == store.ColActualLabel {
				kind = store.Categorical
			}
			return driftTarget{name: col.String(), col: col, kind: kind}, nil
		}
	}
	return driftTarget{}, &models.QueryError{Option: "target", Msg: fmt.Sprintf("model %q has no %s values yet", model, target)}
}

// numericOnly keeps the numeric targets for KS and Wasserstein: naming a
// categorical one is an error, and unnamed ones are skipped with a notice.
func (r *driftRun) numericOnly(targets []driftTarget) ([]driftTarget, error) {
	var out []driftTarget
	for _, t := range targets {
		if t.kind == store.Numeric {
			out = append(out, t)
			continue
		}
		if t.named {
			return nil, &models.QueryError{Option: "metric", Msg: fmt.Sprintf("%s needs numeric values but %s is categorical; for categorical data use %s",
				r.q.Metric, t.name, strings.Join(driftBinnedMetrics, ", "))}
		}
		r.skippedValues = append(r.skippedValues, t.name)
	}
	if len(out) == 0 {
		return nil, &models.QueryError{Option: "metric", Msg: fmt.Sprintf("%s needs numeric values but every feature of %q is categorical (%s); use %s",
			r.q.Metric, r.q.Model, strings.Join(r.skippedValues, ", "), strings.Join(driftBinnedMetrics, ", "))}
	}
	return out, nil
}

// driftReferenceOf builds the reference's records from the query (see the
// comment at the top of this file).
func driftReferenceOf(q *models.Query, cur store.Scope) driftRef {
	ref := q.Reference
	shared := make([]store.Filter, 0, len(cur.Filters))
	for _, f := range cur.Filters {
		if f.Col.Kind != store.ColVersion && f.Col.Kind != store.ColEnvironment {
			shared = append(shared, f)
		}
	}
	sc := store.Scope{Model: cur.Model}
	switch ref.Type {
	case "version":
		sc.Versions, sc.Environments, sc.From, sc.To, sc.Filters = []string{ref.Version}, cur.Environments, cur.From, cur.To, shared
		out := driftRef{desc: "version " + ref.Version, scope: sc}
		if len(q.Versions) == 0 {
			out.skipVersion = ref.Version
		}
		return out
	case "window":
		sc = cur
		sc.From, sc.To = ref.FromTime, ref.ToTime
		return driftRef{desc: fmt.Sprintf("window %s to %s", ref.FromTime.UTC().Format(time.RFC3339), ref.ToTime.UTC().Format(time.RFC3339)), scope: sc}
	case "rolling":
		return driftRef{desc: fmt.Sprintf("rolling %s before each bucket", ref.Window), window: ref.WindowDur, scope: cur}
	}
	sc.Environments, sc.From, sc.To, sc.Filters = []string{ref.Environment}, driftAllTimeFrom, driftAllTimeTo, shared
	desc := "environment " + ref.Environment
	if ref.Version != "" {
		sc.Versions = []string{ref.Version}
		desc += ", version " + ref.Version
	}
	return driftRef{desc: desc, scope: sc}
}

// target computes one target's points per version.
func (r *driftRun) target(ctx context.Context, t driftTarget) (map[string][]Point, error) {
	var groups map[driftGroup]metrics.Optional
	var err error
	compared := false
	if t.kind == store.Numeric && r.comparable() {
		if groups, compared, err = r.fromComparison(ctx, t); err != nil {
			return nil, err
		}
	}
	switch {
	case compared:
	case r.ref.window > 0:
		groups, err = r.rolling(ctx, t)
	case t.kind == store.Categorical:
		groups, err = r.staticCategorical(ctx, t)
	case driftOnValues(r.q.Metric):
		groups, err = r.staticValues(ctx, t)
	default:
		groups, err = r.staticBinned(ctx, t)
	}
	if err != nil {
		return nil, err
	}
	r.noteNullPoints(t, groups)
	out := map[string][]Point{}
	for g, v := range groups {
		out[g.version] = append(out[g.version], Point{Time: bucketTime(g.bucket), Value: v})
	}
	for _, ps := range out {
		sort.Slice(ps, func(i, j int) bool { return ps[i].Time.Before(ps[j].Time) })
	}
	return out, nil
}

func (r *driftRun) bucketKey() store.Key {
	return store.Key{Kind: store.KeyBucket, Interval: r.q.IntervalDur}
}

var driftVersionKey = store.Key{Kind: store.KeyColumn, Col: store.Column{Kind: store.ColVersion}}

// checkReference fails when the static reference holds no records.
func (r *driftRun) checkReference(t driftTarget, ref *driftSample) error {
	n := ref.records()
	if n == 0 {
		return &models.QueryError{Option: "reference", Msg: fmt.Sprintf("the reference (%s) has no records for %s", r.ref.desc, t.name)}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.refCounted {
		r.refRecords, r.refCounted = n, true
	}
	return nil
}

func (r *driftRun) staticCategorical(ctx context.Context, t driftTarget) (map[driftGroup]metrics.Optional, error) {
	counts, err := r.categoryCounts(ctx, t)
	if err != nil {
		return nil, err
	}
	ref, cur := counts.ref, counts.cur
	if err := r.checkReference(t, ref); err != nil {
		return nil, err
	}
	r.noteDisjointCategories(t, ref, cur)
	out := make(map[driftGroup]metrics.Optional, len(cur))
	for g, c := range cur {
		_, rh, ch := metrics.CategoricalHistograms(ref.categoryCounts(), c.categoryCounts())
		if out[g], err = driftBinnedValue(r.q.Metric, rh, ch); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// categoryCounts are a categorical target's counts in the reference and in
// each (bucket, version) of the current data.
type categoryCounts struct {
	ref *driftSample
	cur map[driftGroup]*driftSample
}

// categoryCounts reads a categorical target's counts once per request: the
// queries of a request that differ only in the metric (PSI, JS, chi²) share
// them, as the numeric metrics share a comparison. They are only read after.
func (r *driftRun) categoryCounts(ctx context.Context, t driftTarget) (*categoryCounts, error) {
	key := fmt.Sprintf("category counts\x00%#v\x00%#v\x00%d\x00%v", r.cur, r.ref.scope, r.q.IntervalDur, t.col)
	return shared(ctx, key, func() (*categoryCounts, error) {
		ref, err := r.e.categorySample(ctx, r.ref.scope, t.col)
		if err != nil {
			return nil, fmt.Errorf("reference: %w", err)
		}
		agg, err := r.e.Store.Aggregate(ctx, store.AggregateRequest{
			Scope:     r.cur,
			Keys:      []store.Key{r.bucketKey(), driftVersionKey, {Kind: store.KeyColumn, Col: t.col}},
			Measures:  []store.Measure{{Op: store.Count}},
			MaxGroups: r.e.Limits.MaxGroups,
		})
		if err != nil {
			return nil, fmt.Errorf("current categories: %w", err)
		}
		cur := map[driftGroup]*driftSample{}
		for _, row := range agg.Rows {
			g := driftGroup{bucket: row.Keys[0].Int, version: row.Keys[1].Str}
			if cur[g] == nil {
				cur[g] = newCategorySample()
			}
			cur[g].addKey(row.Keys[2], int64(row.Measures[0]), store.Categorical)
		}
		return &categoryCounts{ref: ref, cur: cur}, nil
	})
}

// driftEdges returns the bin edges of the query's binning strategy from the
// reference values.
func driftEdges(b *models.Binning, ref *driftSample) ([]float64, error) {
	if len(ref.values) == 0 {
		return nil, nil
	}
	if b.Strategy == "uniform" {
		return metrics.UniformEdgesFromRange(ref.lo, ref.hi, b.Bins), nil
	}
	edges, err := metrics.QuantileEdgesFromSummary(ref.values, b.Bins)
	if err != nil {
		return nil, fmt.Errorf("quantile edges: %w", err)
	}
	return edges, nil
}

// referenceHistogram reads the static numeric reference, its edges and its
// histogram.
func (r *driftRun) referenceHistogram(ctx context.Context, t driftTarget) (*driftSample, []float64, metrics.Histogram, error) {
	ref, err := r.e.numericSample(ctx, r.ref.scope, t.col)
	if err != nil {
		return nil, nil, metrics.Histogram{}, fmt.Errorf("reference: %w", err)
	}
	if err := r.checkReference(t, ref); err != nil {
		return nil, nil, metrics.Histogram{}, err
	}
	edges, err := driftEdges(r.q.Binning, ref)
	if err != nil {
		return nil, nil, metrics.Histogram{}, err
	}
	r.noteEdges(t, edges, ref)
	var hist metrics.Histogram
	if ref.gridded {
		hist, err = r.e.binnedCounts(ctx, r.ref.scope, t.col, edges)
	} else {
		hist, err = ref.histogram(edges)
	}
	if err != nil {
		return nil, nil, metrics.Histogram{}, fmt.Errorf("reference histogram: %w", err)
	}
	return ref, edges, hist, nil
}

func (r *driftRun) noteEdges(t driftTarget, edges []float64, ref *driftSample) {
	r.noteEdgesOf(t, edges)
	if ref.gridded && r.q.Binning.Strategy != "uniform" {
		r.mu.Lock()
		r.approxEdges = true
		r.mu.Unlock()
	}
}

func (r *driftRun) staticBinned(ctx context.Context, t driftTarget) (map[driftGroup]metrics.Optional, error) {
	_, edges, refHist, err := r.referenceHistogram(ctx, t)
	if err != nil {
		return nil, err
	}
	agg, err := r.e.Store.Aggregate(ctx, store.AggregateRequest{
		Scope:     r.cur,
		Keys:      []store.Key{r.bucketKey(), driftVersionKey, {Kind: store.KeyBin, Col: t.col, Edges: edges}},
		Measures:  []store.Measure{{Op: store.Count}},
		MaxGroups: r.e.Limits.MaxGroups,
	})
	if err != nil {
		return nil, fmt.Errorf("current histograms: %w", err)
	}
	cur := map[driftGroup]*metrics.Histogram{}
	for _, row := range agg.Rows {
		g := driftGroup{bucket: row.Keys[0].Int, version: row.Keys[1].Str}
		if cur[g] == nil {
			cur[g] = &metrics.Histogram{Counts: make([]int64, len(edges)+1)}
		}
		addBinCount(cur[g], row.Keys[2], int64(row.Measures[0]))
	}
	out := make(map[driftGroup]metrics.Optional, len(cur))
	for g, h := range cur {
		if out[g], err = driftBinnedValue(r.q.Metric, refHist, *h); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// staticValues computes KS or Wasserstein against a fixed reference. When
// the reference's values and the current records each fit within the
// exact-value limit, the store compares the samples itself
// (Store.CDFDistances): one row per (bucket, version) comes back, exact.
// Past the limit, the values are read here instead, in runs of buckets that
// fit it, compressed only where a bucket alone is past it.
func (r *driftRun) staticValues(ctx context.Context, t driftTarget) (map[driftGroup]metrics.Optional, error) {
	records, values, _, _, err := r.e.numericRange(ctx, r.ref.scope, t.col)
	if err != nil {
		return nil, fmt.Errorf("reference: %w", err)
	}
	limit := int64(r.e.Limits.ExactValueLimit)
	if values <= limit {
		cur, err := r.currentRecords(ctx)
		if err != nil {
			return nil, err
		}
		if cur <= limit {
			return r.storeDistances(ctx, t, records, values)
		}
	}
	return r.valuesInGo(ctx, t)
}

// currentRecords counts the current scope's records, once per query.
func (r *driftRun) currentRecords(ctx context.Context) (int64, error) {
	r.curOnce.Do(func() {
		agg, err := r.e.Store.Aggregate(ctx, store.AggregateRequest{Scope: r.cur, Measures: []store.Measure{{Op: store.Count}}})
		if err != nil {
			r.curErr = fmt.Errorf("counting the current records: %w", err)
			return
		}
		if len(agg.Rows) > 0 {
			r.curCount = int64(agg.Rows[0].Measures[0])
		}
	})
	return r.curCount, r.curErr
}

// storeDistances is staticValues through Store.CDFDistances.
func (r *driftRun) storeDistances(ctx context.Context, t driftTarget, refRecords, refValues int64) (map[driftGroup]metrics.Optional, error) {
	if refRecords == 0 {
		return nil, &models.QueryError{Option: "reference", Msg: fmt.Sprintf("the reference (%s) has no records for %s", r.ref.desc, t.name)}
	}
	r.noteReference(refRecords)
	if refValues == 0 {
		return nil, &models.QueryError{Option: "reference", Msg: fmt.Sprintf("the reference (%s) has no values of %s: all %s of its records miss it", r.ref.desc, t.name, driftThousands(refRecords))}
	}
	ks := strings.HasPrefix(r.q.Metric, "ks")
	out := map[driftGroup]metrics.Optional{}
	err := r.e.Store.CDFDistances(ctx, store.CDFDistancesRequest{
		Reference: r.ref.scope, Current: notNull(r.cur, t.col),
		Keys: []store.Key{r.bucketKey(), driftVersionKey}, Cols: []store.Column{t.col},
		KS: ks, Wasserstein: !ks, MaxGroups: r.e.Limits.MaxGroups,
	}, func(row store.CDFDistanceRow) error {
		g := driftGroup{bucket: row.Keys[0].Int, version: row.Keys[1].Str}
		v, err := r.distanceMetric(row)
		out[g] = v
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("current values: %w", err)
	}
	return out, nil
}

// distanceMetric is the query's metric from a row of Store.CDFDistances;
// absent when either sample has no value. A store's approximation widens
// the run's error bounds.
func (r *driftRun) distanceMetric(row store.CDFDistanceRow) (metrics.Optional, error) {
	if row.RefN == 0 || row.CurN == 0 {
		return metrics.Absent(), nil
	}
	if row.Approx > 0 {
		r.mu.Lock()
		r.approxValues = true
		if strings.HasPrefix(r.q.Metric, "ks") {
			r.ksBound = math.Max(r.ksBound, row.Approx)
		} else {
			r.wBound = math.Max(r.wBound, row.Approx)
			r.wBoundAbs = math.Max(r.wBoundAbs, row.Approx*row.Wasserstein)
		}
		r.mu.Unlock()
	}
	switch r.q.Metric {
	case "ks":
		return metrics.Some(row.KS), nil
	case "ks_pvalue":
		return metrics.Some(metrics.KSPValue(row.KS, float64(row.RefN), float64(row.CurN))), nil
	case "wasserstein":
		return metrics.Some(row.Wasserstein), nil
	case "wasserstein_norm":
		return metrics.Some(metrics.NormalizedWasserstein(row.Wasserstein, row.RefStd)), nil
	}
	return metrics.Absent(), fmt.Errorf("%q is not a value metric", r.q.Metric)
}

// noteReference records the reference's record count for the result.
func (r *driftRun) noteReference(n int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.refCounted {
		r.refRecords, r.refCounted = n, true
	}
}

// valuesInGo is staticValues past the exact-value limit: the values are
// read into Go (see currentValues).
func (r *driftRun) valuesInGo(ctx context.Context, t driftTarget) (map[driftGroup]metrics.Optional, error) {
	ref, err := r.e.numericSample(ctx, r.ref.scope, t.col)
	if err != nil {
		return nil, fmt.Errorf("reference: %w", err)
	}
	if err := r.checkReference(t, ref); err != nil {
		return nil, err
	}
	if len(ref.values) == 0 {
		return nil, &models.QueryError{Option: "reference", Msg: fmt.Sprintf("the reference (%s) has no values of %s: all %s of its records miss it", r.ref.desc, t.name, driftThousands(ref.missing))}
	}
	out := map[driftGroup]metrics.Optional{}
	err = r.currentValues(ctx, t, ref, func(g driftGroup, c *driftSample) error {
		v, err := r.valueMetric(ref, c)
		out[g] = v
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// currentValues passes each (bucket, version) of the current values to fn:
// exact while the values stay within the exact-value limit. Past it, the
// buckets are read in runs of consecutive buckets that hold at most the
// limit of records (the store skips the rest of the time range), and only a
// bucket that alone is past the limit is compressed onto fine grids.
func (r *driftRun) currentValues(ctx context.Context, t driftTarget, ref *driftSample, fn func(driftGroup, *driftSample) error) error {
	sc := notNull(r.cur, t.col)
	err := r.exactValues(ctx, sc, t.col, fn)
	if !errors.Is(err, store.ErrTooManyGroups) {
		return err
	}
	counts, err := r.e.Store.Aggregate(ctx, store.AggregateRequest{
		Scope: sc, Keys: []store.Key{r.bucketKey()}, Measures: []store.Measure{{Op: store.Count}}, MaxGroups: r.e.Limits.MaxGroups,
	})
	if err != nil {
		return fmt.Errorf("current records per bucket: %w", err)
	}
	iv := r.q.IntervalDur.Milliseconds()
	limit := float64(r.e.Limits.ExactValueLimit)
	for i := 0; i < len(counts.Rows); {
		// The run [i, j): consecutive buckets while their records fit.
		j, records := i+1, counts.Rows[i].Measures[0]
		for j < len(counts.Rows) && records+counts.Rows[j].Measures[0] <= limit {
			records += counts.Rows[j].Measures[0]
			j++
		}
		run := sc
		run.From = laterOf(sc.From, time.UnixMilli(counts.Rows[i].Keys[0].Int))
		run.To = earlierOf(sc.To, time.UnixMilli(counts.Rows[j-1].Keys[0].Int+iv))
		err := r.exactValues(ctx, run, t.col, fn)
		if errors.Is(err, store.ErrTooManyGroups) {
			err = r.compressedValues(ctx, run, t.col, ref, fn)
		}
		if err != nil {
			return err
		}
		i = j
	}
	return nil
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b.UTC()
}

func earlierOf(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b.UTC()
}

// exactValues passes each (bucket, version) of a scope's values to fn, or
// fails with store.ErrTooManyGroups, before any group, past the limit.
func (r *driftRun) exactValues(ctx context.Context, sc store.Scope, col store.Column, fn func(driftGroup, *driftSample) error) error {
	err := r.e.Store.Values(ctx, store.ValuesRequest{Scope: sc, Keys: []store.Key{r.bucketKey(), driftVersionKey}, Col: col, MaxValues: r.e.Limits.ExactValueLimit}, func(v store.ValueGroup) error {
		return fn(driftGroup{bucket: v.Keys[0].Int, version: v.Keys[1].Str}, sampleOfValues(v))
	})
	if err != nil && !errors.Is(err, store.ErrTooManyGroups) {
		return fmt.Errorf("current values: %w", err)
	}
	return err
}

// compressedValues passes each (bucket, version) of a scope's values to fn,
// compressed onto fine grids.
func (r *driftRun) compressedValues(ctx context.Context, sc store.Scope, col store.Column, ref *driftSample, fn func(driftGroup, *driftSample) error) error {
	groupKeys := []store.Key{r.bucketKey(), driftVersionKey}
	agg, err := r.currentGrid(ctx, sc, groupKeys, col, ref)
	if err != nil {
		return err
	}
	cur := map[driftGroup]*driftSample{}
	var order []driftGroup
	for _, row := range agg.Rows {
		g := driftGroup{bucket: row.Keys[0].Int, version: row.Keys[1].Str}
		if cur[g] == nil {
			cur[g] = &driftSample{}
			order = append(order, g)
		}
		m := row.Measures
		cur[g].addBin(m[0], m[1], m[2], m[3])
	}
	for _, g := range order {
		cur[g].finish()
		if err := fn(g, cur[g]); err != nil {
			return err
		}
	}
	return nil
}

// currentGrid compresses each group's current values onto a grid of equal
// cells over the range of both samples, one row per occupied cell with its
// count, sum, minimum and maximum. The cells per group are as many as the
// exact-value limit allows for the number of groups (at least
// driftGridMinCells, at most driftGridCells), so the rows stay within the
// limit while each value moves by less than a cell's width.
func (r *driftRun) currentGrid(ctx context.Context, sc store.Scope, groupKeys []store.Key, col store.Column, ref *driftSample) (*store.AggregateResult, error) {
	span, err := r.e.Store.Aggregate(ctx, store.AggregateRequest{
		Scope:     sc,
		Keys:      groupKeys,
		Measures:  []store.Measure{{Op: store.Min, A: col}, {Op: store.Max, A: col}},
		MaxGroups: r.e.Limits.MaxGroups,
	})
	if err != nil {
		return nil, fmt.Errorf("current range: %w", err)
	}
	lo, hi := ref.lo, ref.hi
	for _, row := range span.Rows {
		lo, hi = math.Min(lo, row.Measures[0]), math.Max(hi, row.Measures[1])
	}
	groups := max(len(span.Rows), 1)
	cells := min(max(r.e.Limits.ExactValueLimit/groups, driftGridMinCells), driftGridCells)
	width := (hi - lo) / float64(cells)
	if !(width > 0) || math.IsInf(width, 0) {
		width = math.Max(hi-lo, 1)
	}
	agg, err := r.e.Store.Aggregate(ctx, store.AggregateRequest{
		Scope: sc,
		Keys:  append(slices.Clone(groupKeys), store.Key{Kind: store.KeyGrid, Col: col, Origin: lo, Width: width}),
		Measures: []store.Measure{{Op: store.Count}, {Op: store.Sum, A: col},
			{Op: store.Min, A: col}, {Op: store.Max, A: col}},
		MaxGroups: groups * (cells + 2),
	})
	if err != nil {
		return nil, fmt.Errorf("current values on a grid: %w", err)
	}
	return agg, nil
}

// driftBinnedValue is one histogram metric; absent when the current sample is empty.
func driftBinnedValue(metric string, ref, cur metrics.Histogram) (metrics.Optional, error) {
	if cur.Total() == 0 || ref.Total() == 0 {
		return metrics.Absent(), nil
	}
	d, err := metrics.DriftOfHistograms(ref, cur)
	if err != nil {
		return metrics.Absent(), fmt.Errorf("%s: %w", metric, err)
	}
	switch metric {
	case "psi":
		return metrics.Some(d.PSI), nil
	case "kl":
		return metrics.Some(d.KL), nil
	case "js":
		return metrics.Some(d.JS), nil
	case "hellinger":
		return metrics.Some(d.Hellinger), nil
	case "chi2":
		return metrics.Some(d.ChiSquare.Statistic), nil
	case "chi2_pvalue":
		return metrics.Some(d.ChiSquare.PValue), nil
	}
	return metrics.Absent(), fmt.Errorf("%q is not a histogram metric", metric)
}

// valueMetric is one KS or Wasserstein metric; absent when either sample has
// no values. Compressed samples widen the run's error bounds.
func (r *driftRun) valueMetric(ref, cur *driftSample) (metrics.Optional, error) {
	if len(ref.values) == 0 || len(cur.values) == 0 {
		return metrics.Absent(), nil
	}
	approx := ref.compressed() || cur.compressed()
	if approx {
		r.mu.Lock()
		r.approxValues = true
		r.mu.Unlock()
	}
	fail := func(err error) (metrics.Optional, error) {
		return metrics.Absent(), fmt.Errorf("%s: %w", r.q.Metric, err)
	}
	rs, cs, err := driftSamples(ref, cur)
	if err != nil {
		return fail(err)
	}
	// Only the metric asked for is computed: the reference is the same for
	// every bucket, the current samples differ.
	switch r.q.Metric {
	case "ks", "ks_pvalue":
		ks := metrics.KSOfSamples(rs, cs)
		if approx {
			bound := driftKSError(ref, cur, ks.Statistic)
			r.mu.Lock()
			r.ksBound = math.Max(r.ksBound, bound)
			r.mu.Unlock()
		}
		if r.q.Metric == "ks" {
			return metrics.Some(ks.Statistic), nil
		}
		return metrics.Some(ks.PValue), nil
	case "wasserstein", "wasserstein_norm":
		w := metrics.WassersteinOfSamples(rs, cs)
		if approx {
			bound := driftWassersteinError(ref, cur)
			r.mu.Lock()
			r.wBoundAbs = math.Max(r.wBoundAbs, bound)
			if w > 0 {
				r.wBound = math.Max(r.wBound, bound/w)
			} else if bound > 0 {
				r.wBound = math.Inf(1)
			}
			r.mu.Unlock()
		}
		if r.q.Metric == "wasserstein" {
			return metrics.Some(w), nil
		}
		std, err := ref.std()
		if err != nil {
			return fail(fmt.Errorf("reference: %w", err))
		}
		return metrics.Some(metrics.NormalizedWasserstein(w, std)), nil
	}
	return metrics.Absent(), fmt.Errorf("%q is not a value metric", r.q.Metric)
}

// driftSamples prepares both samples for KS and Wasserstein; the reference's
// preparation is kept, as it serves every bucket.
func driftSamples(ref, cur *driftSample) (metrics.Sample, metrics.Sample, error) {
	rs, err := ref.prepared()
	if err != nil {
		return metrics.Sample{}, metrics.Sample{}, fmt.Errorf("reference: %w", err)
	}
	cs, err := metrics.NewSample(cur.values)
	if err != nil {
		return metrics.Sample{}, metrics.Sample{}, fmt.Errorf("current: %w", err)
	}
	return rs, cs, nil
}

// addSeries adds one series per version, labelled model, version,
// environment (when the query sets one), feature, metric.
func (r *driftRun) addSeries(t driftTarget, points map[string][]Point) {
	versions := make([]string, 0, len(points))
	for v := range points {
		if v == r.ref.skipVersion {
			continue
		}
		versions = append(versions, v)
	}
	sort.Strings(versions)
	for _, v := range versions {
		labels := []Label{{"model", r.q.Model}, {"version", v}}
		if r.q.Environment != "" {
			labels = append(labels, Label{"environment", r.q.Environment})
		}
		labels = append(labels, Label{"feature", t.name}, Label{"metric", r.q.Metric})
		title := driftMetricTitles[r.q.Metric]
		if r.q.Adjust != "" {
			labels = append(labels, Label{"adjust", r.q.Adjust})
			title = driftAdjustTitles[r.q.Adjust] + "-adjusted " + title
		}
		r.res.Series = append(r.res.Series, Series{
			Name:   fmt.Sprintf("%s %s (%s)", t.name, title, v),
			Labels: labels,
			Unit:   "none",
			Points: points[v],
		})
	}
}

// driftAdjustTitles name the p-value adjustments in series display names.
var driftAdjustTitles = map[string]string{"bh": "BH", "bonferroni": "Bonferroni"}

// adjustPValues adjusts the p-values of every target in place, one family per
// (version, bucket): the targets that have a p-value there (METRICS.md "Many
// features at once").
func adjustPValues(points []map[string][]Point, method metrics.Adjustment) error {
	type member struct{ target, index int }
	families := map[driftGroup][]member{}
	for ti, byVersion := range points {
		for version, ps := range byVersion {
			for pi, p := range ps {
				if p.Value.Valid() {
					g := driftGroup{version: version, bucket: p.Time.UnixMilli()}
					families[g] = append(families[g], member{ti, pi})
				}
			}
		}
	}
	for g, members := range families {
		p := make([]metrics.Optional, len(members))
		for i, m := range members {
			p[i] = points[m.target][g.version][m.index].Value
		}
		adj, err := metrics.AdjustPValues(p, method)
		if err != nil {
			return err
		}
		for i, m := range members {
			points[m.target][g.version][m.index].Value = adj[i]
		}
	}
	return nil
}

// noteAdjustment says which adjustment the p-values carry.
func (r *driftRun) noteAdjustment(targets int) {
	r.res.meta("adjust", r.q.Adjust)
	what := map[string]string{
		"bh":         "Benjamini–Hochberg (controls the share of false alarms among the features flagged)",
		"bonferroni": "Bonferroni (controls the chance of any false alarm)",
	}[r.q.Adjust]
	if targets == 1 {
		r.res.notice(Info, "adjust: the query has one feature with p-values, so the %s adjustment leaves them unchanged; it matters when the query names several features", r.q.Adjust)
		return
	}
	r.res.notice(Info, "p-values adjusted with %s across the %d features in each bucket and version", what, targets)
}

// finish writes the notices and meta that describe the reference and any
// approximation.
func (r *driftRun) finish() {
	res := r.res
	res.meta("reference", r.ref.desc)
	res.meta("referenceType", r.q.Reference.Type)
	if r.ref.window > 0 {
		res.notice(Info, "reference: the query's records in the %s before each bucket", r.q.Reference.Window)
	} else if r.refCounted {
		res.meta("referenceRecords", r.refRecords)
		res.notice(Info, "reference: %s records of %s", driftThousands(r.refRecords), r.ref.desc)
	}
	if len(r.edges) > 0 {
		res.meta("binEdges", r.edges)
	}
	if len(r.skippedValues) > 0 {
		res.notice(Info, "%s needs numeric values; categorical features left out: %s", r.q.Metric, strings.Join(r.skippedValues, ", "))
	}
	if r.emptyRolling > 0 {
		res.notice(Info, "%d points are absent because their rolling reference (%s before the bucket) has no records", r.emptyRolling, r.q.Reference.Window)
	}
	if r.approxEdges {
		res.meta("approximateEdges", true)
		res.notice(Info, "past the limit of %s distinct values or groups, quantile edges come from fine histograms of the reference rather than from every value; the histograms on those edges are exact", driftThousands(int64(r.e.Limits.ExactValueLimit)))
	}
	if r.approxValues {
		res.meta("approximate", true)
		bound, sev := "", Info
		if strings.HasPrefix(r.q.Metric, "ks") {
			res.meta("ksErrorBound", r.ksBound)
			bound = fmt.Sprintf("the KS statistic is within ±%.3g of the exact value", r.ksBound)
			if r.ksBound > driftKSTolerance {
				sev = Warning
			}
		} else {
			res.meta("wassersteinErrorBound", r.wBoundAbs)
			if !math.IsInf(r.wBound, 0) {
				res.meta("wassersteinRelativeErrorBound", r.wBound)
			}
			bound = "the Wasserstein distance is within ±" + driftRelative(r.wBound, r.wBoundAbs) + " of the exact value"
			if r.wBound > driftWassersteinTolerance {
				sev = Warning
			}
		}
		res.notice(sev, "%s is approximate: more than %s values, so values were compressed into fine histograms or grids; %s",
			r.q.Metric, driftThousands(int64(r.e.Limits.ExactValueLimit)), bound)
	}
	r.explainNotices()
	if len(res.Series) == 0 && len(res.Tables) == 0 {
		res.notice(Info, "no records in the time range")
	}
}

func driftRelative(rel, abs float64) string {
	if math.IsInf(rel, 0) {
		return strconv.FormatFloat(abs, 'g', 3, 64)
	}
	return strconv.FormatFloat(rel*100, 'g', 3, 64) + "%"
}

// driftThousands writes n with thousands separators: 50,000.
func driftThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String()
}
