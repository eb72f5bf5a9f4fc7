package engine

// Data quality (METRICS.md "Data quality"): per (version, field) and time
// bucket of the current records, the missing rate, the share of values outside
// the reference's range, the share of categories the reference never had, and
// summary statistics (mean, std, min, quantiles, max, distinct values).
//
// Store work: every field of the query in ONE aggregate over the current
// records grouped by (bucket, version), each field contributing its measures
// (counts of non-null values, CountOutside, CountIn, Mean, StdSamp, Quantile,
// CountDistinct). The two rates need the reference first: one aggregate for
// the min and max of every numeric field, and one per categorical field for its
// categories. Only aggregates cross into Go.

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

func init() {
	register(models.TypeDataQuality, dataQualityQuery)
}

// dqMaxCategories bounds the reference categories of one field that a
// new-category rate compares with.
const dqMaxCategories = 100_000

// dqNumericMetrics need numeric values; dqCategoricalMetrics categories.
var (
	dqNumericMetrics = map[string]bool{"out_of_range_rate": true, "mean": true, "std": true, "min": true,
		"p05": true, "p25": true, "p50": true, "p75": true, "p95": true, "max": true}
	dqQuantiles = map[string]float64{"p05": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}
)

// dqField is one field a data-quality query measures.
type dqField struct {
	name string // the series label: a feature's name, else the field reference
	col  store.Column
	kind store.Kind
	// lo, hi: the reference range (out_of_range_rate); categories: the
	// reference's categories (new_category_rate).
	lo, hi     float64
	hasRange   bool
	categories []string
	// first is the index of the field's first measure in the aggregate.
	first int
}

func dataQualityQuery(ctx context.Context, e *Engine, q *models.Query) (*Result, error) {
	sch, err := e.schema(ctx, q.Model)
	if err != nil {
		return nil, err
	}
	fields, skipped, err := dqFields(sch, q)
	if err != nil {
		return nil, err
	}
	sc, err := e.scope(sch, q)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	if q.Metric == "out_of_range_rate" || q.Metric == "new_category_rate" {
		ref := driftReferenceOf(q, sc)
		res.meta("reference", ref.desc)
		if err := dqReference(ctx, e, q, ref, fields, res); err != nil {
			return nil, err
		}
	}
	measures := []store.Measure{{Op: store.Count}}
	for _, f := range fields {
		f.first = len(measures)
		measures = append(measures, dqMeasures(q.Metric, f)...)
	}
	agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{
		Scope:     sc,
		Keys:      []store.Key{{Kind: store.KeyBucket, Interval: q.IntervalDur}, {Kind: store.KeyColumn, Col: colVersion}},
		Measures:  measures,
		MaxGroups: e.Limits.MaxGroups,
	})
	if err != nil {
		return nil, fmt.Errorf("data quality of model %q: %w", q.Model, err)
	}
	points := map[string][][]Point{} // version → field → points
	var records int64
	for _, row := range agg.Rows {
		if len(row.Keys) != 2 || len(row.Measures) != len(measures) {
			return nil, fmt.Errorf("data quality of model %q: the store returned %d keys and %d measures, want 2 and %d", q.Model, len(row.Keys), len(row.Measures), len(measures))
		}
		version := keyLabel(row.Keys[1])
		if points[version] == nil {
			points[version] = make([][]Point, len(fields))
		}
		n := row.Measures[0]
		records += int64(n)
		for i, f := range fields {
			v := dqValue(q.Metric, f, n, row.Measures[f.first:])
			points[version][i] = append(points[version][i], Point{Time: bucketTime(row.Keys[0].Int), Value: v})
		}
	}
	versions := make([]string, 0, len(points))
	for v := range points {
		versions = append(versions, v)
	}
	sort.Strings(versions)
	for _, v := range versions {
		for i, f := range fields {
			ps := points[v][i]
			sort.Slice(ps, func(a, b int) bool { return ps[a].Time.Before(ps[b].Time) })
			labels := []Label{{"model", q.Model}, {"version", v}}
			if q.Environment != "" {
				labels = append(labels, Label{"environment", q.Environment})
			}
			labels = append(labels, Label{"feature", f.name}, Label{"metric", q.Metric})
			res.Series = append(res.Series, Series{
				Name:   fmt.Sprintf("%s %s (%s)", f.name, strings.ReplaceAll(q.Metric, "_", " "), v),
				Labels: labels,
				Unit:   dqUnit(q.Metric),
				Points: ps,
			})
		}
	}
	res.meta("records", records)
	if len(skipped) > 0 {
		res.notice(Info, "%s applies to %s fields; left out: %s", q.Metric, map[bool]string{true: "numeric", false: "categorical"}[dqNumericMetrics[q.Metric]], strings.Join(skipped, ", "))
	}
	if records == 0 {
		res.notice(Info, "no records in the time range")
	}
	return res, nil
}

// dqFields resolves the measured fields: the query's features (any field
// reference), or every feature of the model that the metric applies to.
func dqFields(sch *store.ModelSchema, q *models.Query) ([]*dqField, []string, error) {
	numericOnly := dqNumericMetrics[q.Metric]
	categoricalOnly := q.Metric == "new_category_rate"
	var out []*dqField
	var skipped []string
	seen := map[store.Column]bool{}
	if len(q.Features) == 0 {
		if len(sch.Features) == 0 {
			return nil, nil, &models.QueryError{Option: "features", Msg: fmt.Sprintf("model %q has no features yet", sch.Name)}
		}
		for _, f := range sch.Features {
			kind := driftKind(f.Type)
			if (numericOnly && kind != store.Numeric) || (categoricalOnly && kind != store.Categorical) {
				skipped = append(skipped, f.Name)
				continue
			}
			out = append(out, &dqField{name: f.Name, col: store.Column{Kind: store.ColFeature, Name: f.Name}, kind: kind})
		}
		if len(out) == 0 {
			return nil, nil, &models.QueryError{Option: "metric", Msg: fmt.Sprintf("%s applies to none of the features of model %q (%s)", q.Metric, sch.Name, strings.Join(skipped, ", "))}
		}
		return out, skipped, nil
	}
	for i, ref := range q.Features {
		option := fmt.Sprintf("features[%d]", i)
		col, kind, err := resolveColumn(sch, option, ref)
		if err != nil {
			return nil, nil, err
		}
		switch col.Kind {
		case store.ColFeature, store.ColTag, store.ColPredLabel, store.ColPredScore, store.ColPredValue, store.ColActualLabel, store.ColActualValue:
		default:
			return nil, nil, &models.QueryError{Option: option, Msg: fmt.Sprintf("%s: data quality measures features, tags, prediction.label, prediction.score, prediction.value, actual.label or actual.value", col)}
		}
		kind = driftKind(kind)
		if numericOnly && kind != store.Numeric {
			return nil, nil, &models.QueryError{Option: option, Msg: fmt.Sprintf("%s is categorical and %s needs numeric values; use missing_rate, new_category_rate or distinct", col, q.Metric)}
		}
		if categoricalOnly && kind != store.Categorical {
			return nil, nil, &models.QueryError{Option: option, Msg: fmt.Sprintf("%s is numeric and new_category_rate needs categories; use out_of_range_rate", col)}
		}
		if seen[col] {
			continue
		}
		seen[col] = true
		name := col.String()
		if col.Kind == store.ColFeature {
			name = col.Name
		}
		out = append(out, &dqField{name: name, col: col, kind: kind})
	}
	return out, nil, nil
}

// dqReference reads the reference's range of each numeric field or the
// categories of each categorical field.
func dqReference(ctx context.Context, e *Engine, q *models.Query, ref driftRef, fields []*dqField, res *Result) error {
	var refRecords int64
	if q.Metric == "out_of_range_rate" {
		measures := []store.Measure{{Op: store.Count}}
		for _, f := range fields {
			measures = append(measures, store.Measure{Op: store.Min, A: f.col}, store.Measure{Op: store.Max, A: f.col})
		}
		agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{Scope: ref.scope, Measures: measures})
		if err != nil {
			return fmt.Errorf("data quality of model %q: reference range: %w", q.Model, err)
		}
		var empty []string
		for _, row := range agg.Rows {
			refRecords += int64(row.Measures[0])
			for i, f := range fields {
				lo, hi := row.Measures[1+2*i], row.Measures[2+2*i]
				if !math.IsNaN(lo) && !math.IsNaN(hi) {
					f.lo, f.hi, f.hasRange = lo, hi, true
				}
			}
		}
		for _, f := range fields {
			if !f.hasRange {
				empty = append(empty, f.name)
			}
		}
		if len(empty) > 0 {
			res.notice(Warning, "the reference (%s) has no value of %s, so their out-of-range rate is null; choose a reference that has them", ref.desc, strings.Join(empty, ", "))
		}
	} else {
		for _, f := range fields {
			agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{
				Scope:     ref.scope,
				Keys:      []store.Key{{Kind: store.KeyColumn, Col: f.col}},
				Measures:  []store.Measure{{Op: store.Count}},
				MaxGroups: dqMaxCategories,
			})
			if err != nil {
				return fmt.Errorf("data quality of model %q: reference categories of %s: %w", q.Model, f.name, err)
			}
			f.categories = []string{}
			var n int64
			for _, row := range agg.Rows {
				n += int64(row.Measures[0])
				if !row.Keys[0].Null {
					f.categories = append(f.categories, row.Keys[0].Str)
				}
			}
			refRecords = max(refRecords, n)
			if len(f.categories) == 0 {
				res.notice(Warning, "the reference (%s) has no value of %s, so every category counts as new; choose a reference that has it", ref.desc, f.name)
			}
		}
	}
	res.meta("referenceRecords", refRecords)
	if refRecords == 0 {
		res.notice(Warning, "the reference (%s) has no records; set reference to the data the current records should look like (e.g. the training environment)", ref.desc)
	}
	return nil
}

// dqMeasures are the measures of one field for the metric.
func dqMeasures(metric string, f *dqField) []store.Measure {
	present := store.Measure{Op: store.CountNotNull, A: f.col}
	switch metric {
	case "missing_rate":
		return []store.Measure{present}
	case "out_of_range_rate":
		lo, hi := f.lo, f.hi
		if !f.hasRange {
			lo, hi = math.Inf(-1), math.Inf(1)
		}
		return []store.Measure{present, {Op: store.CountOutside, A: f.col, Lo: lo, Hi: hi}}
	case "new_category_rate":
		return []store.Measure{present, {Op: store.CountIn, A: f.col, Values: f.categories}}
	case "mean":
		return []store.Measure{{Op: store.Mean, A: f.col}}
	case "std":
		return []store.Measure{{Op: store.StdSamp, A: f.col}}
	case "min":
		return []store.Measure{{Op: store.Min, A: f.col}}
	case "max":
		return []store.Measure{{Op: store.Max, A: f.col}}
	case "distinct":
		return []store.Measure{{Op: store.CountDistinct, A: f.col}}
	}
	return []store.Measure{{Op: store.Quantile, A: f.col, Q: dqQuantiles[metric]}}
}

// dqValue computes the metric of one field in one bucket of n records from its
// measures.
func dqValue(metric string, f *dqField, n float64, m []float64) metrics.Optional {
	switch metric {
	case "missing_rate":
		return metrics.MissingRate(int64(n), int64(n-m[0]))
	case "out_of_range_rate":
		if !f.hasRange {
			return metrics.Absent()
		}
		return metrics.Share(int64(m[1]), int64(m[0]))
	case "new_category_rate":
		return metrics.Share(int64(m[0]-m[1]), int64(m[0]))
	}
	return metrics.Some(m[0])
}

func dqUnit(metric string) string {
	if strings.HasSuffix(metric, "_rate") {
		return "percentunit"
	}
	return "none"
}
