package engine

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// distributionQuery is the histogram behind a drift number: for one target,
// one row per bin with the reference and current counts and shares, over the
// whole time range (versions pooled), and the metric in meta and a notice.
// A rolling reference is the window just before the time range.
func distributionQuery(ctx context.Context, e *Engine, q *models.Query) (*Result, error) {
	run, targets, err := newDriftRun(ctx, e, q)
	if err != nil {
		return nil, err
	}
	if len(targets) != 1 {
		return nil, &models.QueryError{Option: "features", Msg: fmt.Sprintf("a distribution query shows one target; got %d", len(targets))}
	}
	t := targets[0]
	if run.ref.window > 0 {
		run.ref.scope.From, run.ref.scope.To = run.cur.From.Add(-run.ref.window), run.cur.From
		run.ref.desc = fmt.Sprintf("the %s before the time range", q.Reference.Window)
		run.ref.window = 0
	}
	var d *driftDistribution
	if t.kind == store.Categorical {
		d, err = run.categoricalDistribution(ctx, t)
	} else {
		d, err = run.numericDistribution(ctx, t)
	}
	if err != nil {
		return nil, driftWrap(err, "distribution of %s", t.name)
	}
	run.res.Tables = append(run.res.Tables, d.table(t))
	res := run.res
	res.meta("metric", q.Metric)
	res.meta("value", d.value)
	res.meta("currentRecords", d.cur.Total())
	run.finish()
	if v, ok := d.value.Get(); ok {
		res.notice(Info, "%s %s = %s", t.name, driftMetricTitles[q.Metric], strconv.FormatFloat(v, 'g', 6, 64))
	} else if d.cur.Total() == 0 {
		res.notice(Info, "no records in the time range")
	}
	return res, nil
}

// driftDistribution is the two histograms of a distribution table.
type driftDistribution struct {
	labels   []string
	ref, cur metrics.Histogram
	value    metrics.Optional
}

func (r *driftRun) categoricalDistribution(ctx context.Context, t driftTarget) (*driftDistribution, error) {
	ref, err := r.e.categorySample(ctx, r.ref.scope, t.col)
	if err != nil {
		return nil, fmt.Errorf("reference: %w", err)
	}
	if err := r.checkReference(t, ref); err != nil {
		return nil, err
	}
	cur, err := r.e.categorySample(ctx, r.cur, t.col)
	if err != nil {
		return nil, fmt.Errorf("current: %w", err)
	}
	r.noteDisjointCategories(t, ref, map[driftGroup]*driftSample{{}: cur})
	d := &driftDistribution{}
	d.labels, d.ref, d.cur = metrics.CategoricalHistograms(ref.categoryCounts(), cur.categoryCounts())
	if d.value, err = driftBinnedValue(r.q.Metric, d.ref, d.cur); err != nil {
		return nil, err
	}
	return d, nil
}

func (r *driftRun) numericDistribution(ctx context.Context, t driftTarget) (*driftDistribution, error) {
	ref, edges, refHist, err := r.referenceHistogram(ctx, t)
	if err != nil {
		return nil, err
	}
	d := &driftDistribution{labels: driftBinLabels(edges), ref: refHist}
	if driftOnValues(r.q.Metric) {
		if len(ref.values) == 0 {
			return nil, &models.QueryError{Option: "reference", Msg: fmt.Sprintf("the reference (%s) has no values of %s: all %s of its records miss it", r.ref.desc, t.name, driftThousands(ref.missing))}
		}
		cur, err := r.pooledValues(ctx, t)
		if err != nil {
			return nil, err
		}
		if d.value, err = r.valueMetric(ref, cur); err != nil {
			return nil, err
		}
	}
	if d.cur, err = r.e.binnedCounts(ctx, r.cur, t.col, edges); err != nil {
		return nil, fmt.Errorf("current: %w", err)
	}
	if !driftOnValues(r.q.Metric) {
		if d.value, err = driftBinnedValue(r.q.Metric, d.ref, d.cur); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// pooledValues reads the current values over the whole time range: exact,
// or compressed on a fine grid past the exact-value limit.
func (r *driftRun) pooledValues(ctx context.Context, t driftTarget) (*driftSample, error) {
	cur, err := r.e.numericSample(ctx, notNull(r.cur, t.col), t.col)
	if err != nil {
		return nil, fmt.Errorf("current values: %w", err)
	}
	return cur, nil
}

// table renders the bins: label, shares, counts; the missing bin last when
// either sample has missing values.
func (d *driftDistribution) table(t driftTarget) Table {
	labels := d.labels
	refCounts, curCounts := d.ref.Counts, d.cur.Counts
	if d.ref.Missing > 0 || d.cur.Missing > 0 {
		labels = append(labels[:len(labels):len(labels)], "missing")
		refCounts = append(refCounts[:len(refCounts):len(refCounts)], d.ref.Missing)
		curCounts = append(curCounts[:len(curCounts):len(curCounts)], d.cur.Missing)
	}
	cols := []Column{
		{Name: "bin", Type: ColString}, {Name: "reference_share", Type: ColNumber}, {Name: "current_share", Type: ColNumber},
		{Name: "reference_count", Type: ColInt}, {Name: "current_count", Type: ColInt},
	}
	share := func(n, total int64) metrics.Optional {
		if total == 0 {
			return metrics.Absent()
		}
		return metrics.Some(float64(n) / float64(total))
	}
	refTotal, curTotal := d.ref.Total(), d.cur.Total()
	for i, label := range labels {
		row := []any{label, share(refCounts[i], refTotal), share(curCounts[i], curTotal), refCounts[i], curCounts[i]}
		for j := range cols {
			cols[j].Values = append(cols[j].Values, row[j])
		}
	}
	return Table{Name: t.name, Columns: cols}
}

// driftBinLabels names the right-closed bins of edges: (−∞, 12.5], (12.5, 30], (30, +∞).
func driftBinLabels(edges []float64) []string {
	if len(edges) == 0 {
		return []string{"(−∞, +∞)"}
	}
	out := make([]string, 0, len(edges)+1)
	out = append(out, "(−∞, "+driftNumber(edges[0])+"]")
	for i := 1; i < len(edges); i++ {
		out = append(out, "("+driftNumber(edges[i-1])+", "+driftNumber(edges[i])+"]")
	}
	return append(out, "("+driftNumber(edges[len(edges)-1])+", +∞)")
}

// driftNumber writes an edge in the shortest form that reads back exactly,
// without exponents for ordinary magnitudes.
func driftNumber(x float64) string {
	if a := math.Abs(x); a == 0 || (a >= 1e-4 && a < 1e15) {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}
