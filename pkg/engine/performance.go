package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

func init() {
	register(models.TypePerformance, performanceQuery)
}

// perfFamily says which store aggregate a performance metric is computed from.
type perfFamily uint8

const (
	// famLabels: confusion counts of predicted and actual labels.
	famLabels perfFamily = iota + 1
	// famAUC: actual classes counted per distinct score.
	famAUC
	// famLogLoss: the summed log-likelihood of the scores.
	famLogLoss
	// famRegression: the sums of metrics.RegressionSums.
	famRegression
)

var perfFamilies = map[string]perfFamily{
	"accuracy": famLabels, "precision": famLabels, "recall": famLabels, "f1": famLabels,
	"auc": famAUC, "log_loss": famLogLoss,
	"rmse": famRegression, "mae": famRegression, "mape": famRegression, "r2": famRegression,
}

var classificationMetrics = []string{"accuracy", "precision", "recall", "f1", "auc", "log_loss"}
var regressionMetrics = []string{"rmse", "mae", "mape", "r2"}

// missingLabel is the label value of a group whose field is missing.
const missingLabel = "(missing)"

// Column references used by the performance and fairness aggregates.
var (
	colVersion     = store.Column{Kind: store.ColVersion}
	colEnvironment = store.Column{Kind: store.ColEnvironment}
	colPredLabel   = store.Column{Kind: store.ColPredLabel}
	colPredScore   = store.Column{Kind: store.ColPredScore}
	colPredValue   = store.Column{Kind: store.ColPredValue}
	colActualLabel = store.Column{Kind: store.ColActualLabel}
	colActualValue = store.Column{Kind: store.ColActualValue}
)

// perfBucket accumulates one series' aggregates in one time bucket.
type perfBucket struct {
	conf    metrics.Confusion
	correct int64
	scores  []metrics.ScoreCount
	llSum   float64
	llN     int64
	reg     metrics.RegressionSums
	// evaluated is true once a record with an actual and a usable prediction counted.
	evaluated bool
}

// perfSeries is one (version, environment, groupBy values) series.
type perfSeries struct {
	version, environment string
	groups               []string
	buckets              map[int64]*perfBucket
}

// perfTally counts records over the whole query, for notices and kind checks.
type perfTally struct {
	records     int64 // all records in scope
	withActual  int64 // records whose actual the metric needs is known
	unevaluable int64 // records with an actual but without the prediction part the metric needs
	predLabels  int64 // records with a predicted label
	predScores  int64 // records with a score
	predValues  int64 // records with a predicted value
	positives   int64 // records with an actual whose predicted or actual label is the positive label
}

// groupField is one resolved groupBy field.
type groupField struct {
	ref string
	col store.Column
}

// resolveGroupBy checks the groupBy fields: categorical fields of the model;
// version and environment are already series dimensions and are skipped.
func resolveGroupBy(sch *store.ModelSchema, refs []string) ([]groupField, error) {
	var out []groupField
	seen := map[store.Column]bool{}
	for i, ref := range refs {
		option := fmt.Sprintf("groupBy[%d]", i)
		col, kind, err := resolveColumn(sch, option, ref)
		if err != nil {
			return nil, err
		}
		if kind != store.Categorical {
			return nil, &models.QueryError{Option: option, Msg: fmt.Sprintf("%s is %s; group by a categorical field (a tag, a categorical feature, prediction.label or actual.label)", col, kind)}
		}
		if col.Kind == store.ColVersion || col.Kind == store.ColEnvironment || seen[col] {
			continue
		}
		seen[col] = true
		out = append(out, groupField{ref: col.String(), col: col})
	}
	return out, nil
}

// performanceQuery computes a model-quality metric per (version, environment,
// groupBy values) and bucket from store aggregates. Only records whose actual is
// known count; the response says how many of the records in scope have one.
func performanceQuery(ctx context.Context, e *Engine, q *models.Query) (*Result, error) {
	family, ok := perfFamilies[q.Metric]
	if !ok {
		return nil, &models.QueryError{Option: "metric", Msg: fmt.Sprintf("%q is not a performance metric; one of %s", q.Metric, strings.Join(models.Metrics[models.TypePerformance], ", "))}
	}
	sch, err := e.schema(ctx, q.Model)
	if err != nil {
		return nil, err
	}
	groups, err := resolveGroupBy(sch, q.GroupBy)
	if err != nil {
		return nil, err
	}
	sc, err := e.scope(sch, q)
	if err != nil {
		return nil, err
	}
	keys := []store.Key{
		{Kind: store.KeyBucket, Interval: q.IntervalDur},
		{Kind: store.KeyColumn, Col: colVersion},
		{Kind: store.KeyColumn, Col: colEnvironment},
	}
	for _, g := range groups {
		keys = append(keys, store.Key{Kind: store.KeyColumn, Col: g.col})
	}
	nBase := len(keys)
	positive := []string{q.Positive}
	var measures []store.Measure
	var tally perfTally
	switch family {
	case famLabels:
		keys = append(keys,
			store.Key{Kind: store.KeyIn, Col: colPredLabel, Values: positive},
			store.Key{Kind: store.KeyIn, Col: colActualLabel, Values: positive})
		measures = []store.Measure{
			{Op: store.Count},
			{Op: store.CountEqual, A: colPredLabel, B: colActualLabel},
			{Op: store.CountNotNull, A: colPredScore},
			{Op: store.CountNotNull, A: colPredValue},
		}
	case famAUC:
		// One group per distinct score: only records with actuals are grouped, so
		// late actuals do not spend the group budget. A keyless probe over the
		// same scope counts every record and what the predictions carry.
		probe, err := aucProbe(ctx, e, q, sc)
		if err != nil {
			return nil, err
		}
		tally = probe
		if err := checkModelKind(q, family, tally); err != nil {
			return nil, err
		}
		sc.WithActual = true
		keys = append(keys,
			store.Key{Kind: store.KeyColumn, Col: colPredScore},
			store.Key{Kind: store.KeyIn, Col: colActualLabel, Values: positive})
		measures = []store.Measure{{Op: store.Count}}
	case famLogLoss:
		keys = append(keys, store.Key{Kind: store.KeyIn, Col: colActualLabel, Values: positive})
		measures = []store.Measure{
			{Op: store.Count},
			{Op: store.SumLogLoss, A: colPredScore, B: colActualLabel, Positive: q.Positive},
			{Op: store.CountNotNull, A: colPredScore},
			{Op: store.CountNotNull, A: colPredLabel},
			{Op: store.CountNotNull, A: colPredValue},
		}
	case famRegression:
		// A bin key without edges is 0 where the value is present, -1 where missing.
		keys = append(keys,
			store.Key{Kind: store.KeyBin, Col: colActualValue},
			store.Key{Kind: store.KeyBin, Col: colPredValue})
		measures = []store.Measure{
			{Op: store.Count},
			{Op: store.SumSqErr, A: colActualValue, B: colPredValue},
			{Op: store.SumAbsErr, A: colActualValue, B: colPredValue},
			{Op: store.SumAbsPctErr, A: colActualValue, B: colPredValue},
			{Op: store.Sum, A: colActualValue},
			{Op: store.SumSquares, A: colActualValue},
			{Op: store.CountNotNull, A: colPredLabel},
			{Op: store.CountNotNull, A: colPredScore},
		}
	}
	agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{Scope: sc, Keys: keys, Measures: measures, MaxGroups: e.Limits.MaxGroups})
	if err != nil {
		if family == famAUC && errors.Is(err, store.ErrTooManyGroups) {
			return nil, &models.QueryError{Option: "metric", Msg: fmt.Sprintf(
				"auc is computed exactly from the actual classes per distinct score, and model %q has more than %d (bucket, series, score) groups in the time range; "+
					"narrow the time range, use fewer groupBy fields, or round the scores before ingest", q.Model, e.Limits.MaxGroups)}
		}
		return nil, fmt.Errorf("performance %s of model %q: %w", q.Metric, q.Model, err)
	}

	series := map[string]*perfSeries{}
	for _, row := range agg.Rows {
		if len(row.Keys) != len(keys) || len(row.Measures) != len(measures) {
			return nil, fmt.Errorf("performance %s of model %q: the store returned %d keys and %d measures, want %d and %d",
				q.Metric, q.Model, len(row.Keys), len(row.Measures), len(keys), len(measures))
		}
		count := int64(row.Measures[0])
		if family != famAUC {
			tally.records += count
		}
		b := perfBucketOf(series, row.Keys[:nBase])
		k := row.Keys[nBase:]
		switch family {
		case famLabels:
			tally.predLabels += countOf(count, !k[0].Null)
			tally.predScores += int64(row.Measures[2])
			tally.predValues += int64(row.Measures[3])
			if k[1].Null {
				continue // no actual yet
			}
			tally.withActual += count
			if k[0].Null {
				tally.unevaluable += count
				continue
			}
			if k[0].Bool || k[1].Bool {
				tally.positives += count
			}
			addConfusion(&b.conf, k[0].Bool, k[1].Bool, count)
			b.correct += int64(row.Measures[1])
			b.evaluated = true
		case famAUC:
			if k[1].Null {
				continue
			}
			tally.withActual += count
			if k[0].Null {
				tally.unevaluable += count
				continue
			}
			addScoreCount(b, k[0].Num, k[1].Bool, count)
			b.evaluated = true
		case famLogLoss:
			scored := int64(row.Measures[2])
			tally.predScores += scored
			tally.predLabels += int64(row.Measures[3])
			tally.predValues += int64(row.Measures[4])
			if k[0].Null {
				continue
			}
			tally.withActual += count
			tally.unevaluable += count - scored
			if scored > 0 {
				b.llSum += row.Measures[1]
				b.llN += scored
				b.evaluated = true
			}
		case famRegression:
			predicted := k[1].Int == 0
			tally.predValues += countOf(count, predicted)
			tally.predLabels += int64(row.Measures[6])
			tally.predScores += int64(row.Measures[7])
			if k[0].Int != 0 {
				continue
			}
			tally.withActual += count
			if !predicted {
				tally.unevaluable += count
				continue
			}
			r := &b.reg
			r.N += count
			r.SumSquaredError += row.Measures[1]
			r.SumAbsoluteError += row.Measures[2]
			r.SumAbsolutePercentageError += row.Measures[3]
			r.SumY += row.Measures[4]
			r.SumY2 += row.Measures[5]
			b.evaluated = true
		}
	}
	if err := checkModelKind(q, family, tally); err != nil {
		return nil, err
	}

	res := &Result{}
	res.meta("records", tally.records)
	res.meta("recordsWithActuals", tally.withActual)
	ordered := make([]*perfSeries, 0, len(series))
	for _, s := range series {
		ordered = append(ordered, s)
	}
	sort.Slice(ordered, func(i, j int) bool { return lessSeries(ordered[i], ordered[j]) })
	for _, s := range ordered {
		points, err := perfPoints(q.Metric, family, s)
		if err != nil {
			return nil, fmt.Errorf("performance %s of model %q version %q: %w", q.Metric, q.Model, s.version, err)
		}
		if len(points) == 0 {
			continue
		}
		labels := []Label{{"model", q.Model}, {"version", s.version}, {"environment", s.environment}}
		name := q.Metric + " " + s.version + " " + s.environment
		for i, g := range groups {
			labels = append(labels, Label{g.ref, s.groups[i]})
			name += " " + g.ref + "=" + s.groups[i]
		}
		labels = append(labels, Label{"metric", q.Metric})
		res.Series = append(res.Series, Series{Name: name, Labels: labels, Unit: perfUnit(q.Metric), Points: points})
	}
	perfNotices(res, q, family, tally)
	if tally.withActual > 0 {
		if err := e.explainPerformance(ctx, res, q, family, series, sc); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// aucProbe counts the records in scope and the records whose predictions carry
// a label, a score or a value.
func aucProbe(ctx context.Context, e *Engine, q *models.Query, sc store.Scope) (perfTally, error) {
	agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{Scope: sc, Measures: []store.Measure{
		{Op: store.Count},
		{Op: store.CountNotNull, A: colPredLabel},
		{Op: store.CountNotNull, A: colPredScore},
		{Op: store.CountNotNull, A: colPredValue},
	}})
	if err != nil {
		return perfTally{}, fmt.Errorf("performance %s of model %q: counting records: %w", q.Metric, q.Model, err)
	}
	var t perfTally
	for _, r := range agg.Rows {
		if len(r.Measures) != 4 {
			return perfTally{}, fmt.Errorf("performance %s of model %q: the store returned %d measures, want 4", q.Metric, q.Model, len(r.Measures))
		}
		t.records += int64(r.Measures[0])
		t.predLabels += int64(r.Measures[1])
		t.predScores += int64(r.Measures[2])
		t.predValues += int64(r.Measures[3])
	}
	return t, nil
}

// countOf returns n when cond holds, else 0.
func countOf(n int64, cond bool) int64 {
	if cond {
		return n
	}
	return 0
}

func addConfusion(c *metrics.Confusion, predicted, actual bool, n int64) {
	switch {
	case predicted && actual:
		c.TP += n
	case predicted:
		c.FP += n
	case actual:
		c.FN += n
	default:
		c.TN += n
	}
}

func addScoreCount(b *perfBucket, score float64, positive bool, n int64) {
	if last := len(b.scores) - 1; last < 0 || b.scores[last].Score != score {
		b.scores = append(b.scores, metrics.ScoreCount{Score: score})
	}
	sc := &b.scores[len(b.scores)-1]
	if positive {
		sc.Positives += float64(n)
	} else {
		sc.Negatives += float64(n)
	}
}

// perfBucketOf finds or creates the accumulator of a row's series and bucket.
// keys are bucket, version, environment and the groupBy values.
func perfBucketOf(series map[string]*perfSeries, keys []store.KeyValue) *perfBucket {
	parts := make([]string, len(keys)-1)
	for i, k := range keys[1:] {
		parts[i] = keyLabel(k)
	}
	id := strings.Join(parts, "\x00")
	s, ok := series[id]
	if !ok {
		s = &perfSeries{version: parts[0], environment: parts[1], groups: parts[2:], buckets: map[int64]*perfBucket{}}
		series[id] = s
	}
	b, ok := s.buckets[keys[0].Int]
	if !ok {
		b = &perfBucket{}
		s.buckets[keys[0].Int] = b
	}
	return b
}

// keyLabel renders a categorical group key as a label value.
func keyLabel(k store.KeyValue) string {
	if k.Null {
		return missingLabel
	}
	return k.Str
}

func lessSeries(a, b *perfSeries) bool {
	if a.version != b.version {
		return a.version < b.version
	}
	if a.environment != b.environment {
		return a.environment < b.environment
	}
	for i := range a.groups {
		if a.groups[i] != b.groups[i] {
			return a.groups[i] < b.groups[i]
		}
	}
	return false
}

// perfPoints computes the metric in each bucket that has evaluable records;
// an undefined metric (such as precision with nothing predicted positive) is a
// null point.
func perfPoints(metric string, family perfFamily, s *perfSeries) ([]Point, error) {
	starts := make([]int64, 0, len(s.buckets))
	for t, b := range s.buckets {
		if b.evaluated {
			starts = append(starts, t)
		}
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
	points := make([]Point, 0, len(starts))
	for _, t := range starts {
		v, err := perfValue(metric, family, s.buckets[t])
		if err != nil {
			return nil, fmt.Errorf("bucket %s: %w", bucketTime(t).Format("2006-01-02T15:04:05Z"), err)
		}
		points = append(points, Point{Time: bucketTime(t), Value: v})
	}
	return points, nil
}

func perfValue(metric string, family perfFamily, b *perfBucket) (metrics.Optional, error) {
	switch family {
	case famLabels:
		if metric == "accuracy" {
			// Label equality, so multi-class predictions are judged correctly too.
			total := b.conf.Total()
			if total == 0 {
				return metrics.Absent(), nil
			}
			return metrics.Some(float64(b.correct) / float64(total)), nil
		}
		s, err := metrics.Classification(b.conf)
		if err != nil {
			return metrics.Optional{}, err
		}
		switch metric {
		case "precision":
			return s.Precision, nil
		case "recall":
			return s.Recall, nil
		case "f1":
			return s.F1, nil
		}
	case famAUC:
		return metrics.AUC(b.scores)
	case famLogLoss:
		return metrics.LogLossFromSum(b.llSum, b.llN), nil
	case famRegression:
		s, err := metrics.Regression(b.reg)
		if err != nil {
			return metrics.Optional{}, err
		}
		switch metric {
		case "rmse":
			return s.RMSE, nil
		case "mae":
			return s.MAE, nil
		case "mape":
			return s.MAPE, nil
		case "r2":
			return s.R2, nil
		}
	}
	return metrics.Optional{}, fmt.Errorf("metric %q has no computation", metric)
}

// checkModelKind rejects a metric that does not fit what the model predicts:
// a classification metric on a model whose predictions are values, a
// regression metric on one whose predictions are labels or scores, a score
// metric on a model without scores.
func checkModelKind(q *models.Query, family perfFamily, t perfTally) error {
	classification := t.predLabels > 0 || t.predScores > 0
	switch family {
	case famLabels:
		if t.predLabels == 0 && t.predValues > 0 {
			return kindError(q, "classification", "regression", "its predictions carry values, not labels", regressionMetrics)
		}
	case famAUC, famLogLoss:
		if t.predScores == 0 && t.predValues > 0 && !classification {
			return kindError(q, "classification", "regression", "its predictions carry values, not scores", regressionMetrics)
		}
		if t.predScores == 0 && t.predLabels > 0 {
			return &models.QueryError{Option: "metric", Msg: fmt.Sprintf(
				"%s needs prediction scores, and the predictions of model %q in the time range carry labels without scores; use accuracy, precision, recall or f1",
				q.Metric, q.Model)}
		}
	case famRegression:
		if t.predValues == 0 && classification {
			return kindError(q, "regression", "classification", "its predictions carry labels or scores, not values", classificationMetrics)
		}
	}
	return nil
}

func kindError(q *models.Query, metricKind, modelKind, why string, instead []string) error {
	return &models.QueryError{Option: "metric", Msg: fmt.Sprintf("%s is a %s metric, but model %q is a %s model (%s); use one of %s",
		q.Metric, metricKind, q.Model, modelKind, why, strings.Join(instead, ", "))}
}

func perfNotices(res *Result, q *models.Query, family perfFamily, t perfTally) {
	if t.records == 0 {
		res.notice(Info, "no records in the time range")
		return
	}
	if t.withActual == 0 {
		res.notice(Warning, "none of the %s in the time range has an actual yet; %s needs the ground truth", counted(t.records, "record", "records"), q.Metric)
		return
	}
	res.notice(Info, "%s; only those count", actualsPhrase(t.withActual, t.records))
	if t.unevaluable > 0 {
		what := map[perfFamily]string{famLabels: "predicted label", famAUC: "score", famLogLoss: "score", famRegression: "predicted value"}[family]
		res.notice(Warning, "%s no %s and %s left out", counted(t.unevaluable, "record with an actual has", "records with actuals have"), what,
			map[bool]string{true: "is", false: "are"}[t.unevaluable == 1])
	}
}

func perfUnit(metric string) string {
	switch metric {
	case "accuracy", "precision", "recall", "f1", "mape":
		return "percentunit"
	}
	return "none"
}

// counted writes a count with its noun phrase in the singular or the plural.
func counted(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return formatCount(n) + " " + many
}

// actualsPhrase says how many of the records have actuals: "42 of 1,000
// records have actuals".
func actualsPhrase(withActual, records int64) string {
	noun, verb := "records", "have actuals"
	if records == 1 {
		noun = "record"
	}
	if withActual == 1 {
		verb = "has an actual"
	}
	return fmt.Sprintf("%s of %s %s %s", formatCount(withActual), formatCount(records), noun, verb)
}

// formatCount writes n with thousands separators: 1,000.
func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
