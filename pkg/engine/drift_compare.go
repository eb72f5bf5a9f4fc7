package engine

import (
	"context"
	"fmt"
	"slices"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// driftComparison is one pass of the store over a static reference and the
// current data that serves the numeric drift metrics of a request: for each
// numeric target and (bucket, version), KS, Wasserstein and the histograms on
// the reference's edges (Store.CDFDistances with Bins), each when a query of
// the request asks for it (comparisonNeeds). A request's queries that differ
// only in the metric share it (WithShare), so a dashboard asking for PSI, JS,
// KS and Wasserstein reads and sorts the values once.
type driftComparison struct {
	// fits is false when the reference's or the current records are past
	// the exact-value limit: the metrics then take the paths that read
	// runs of buckets or compress (staticValues, staticBinned).
	fits bool
	// refRecords counts the reference's records.
	refRecords int64
	// rows holds each target's rows by group.
	rows map[string]map[driftGroup]store.CDFDistanceRow
}

// comparison returns the run's comparison, read once per request.
func (r *driftRun) comparison(ctx context.Context) (*driftComparison, error) {
	var cols []store.Column
	for _, t := range r.targets {
		if t.kind == store.Numeric {
			cols = append(cols, t.col)
		}
	}
	b := r.q.Binning
	need := comparisonNeeds(r.q.Metric, requestDriftMetrics(ctx))
	key := fmt.Sprintf("drift comparison\x00%#v\x00%#v\x00%d\x00%s\x00%d\x00%v\x00%+v", r.cur, r.ref.scope, r.q.IntervalDur, b.Strategy, b.Bins, cols, need)
	return shared(ctx, key, func() (*driftComparison, error) {
		return r.compare(ctx, cols, need)
	})
}

// comparisonWants says what a comparison computes.
type comparisonWants struct{ ks, wasserstein, bins bool }

// comparisonNeeds is what the comparison must compute for a query's metric
// and the other drift metrics of its request: KS and Wasserstein each only
// when asked for (they sort every value), the histograms when a binned
// metric is.
func comparisonNeeds(metric string, request map[string]bool) comparisonWants {
	asked := func(metrics ...string) bool {
		return slices.ContainsFunc(metrics, func(m string) bool { return m == metric || request[m] })
	}
	return comparisonWants{
		ks:          asked("ks", "ks_pvalue"),
		wasserstein: asked("wasserstein", "wasserstein_norm"),
		bins:        asked(driftBinnedMetrics...),
	}
}

func (r *driftRun) compare(ctx context.Context, cols []store.Column, need comparisonWants) (*driftComparison, error) {
	limit := int64(r.e.Limits.ExactValueLimit)
	cur, err := r.currentRecords(ctx)
	if err != nil {
		return nil, err
	}
	agg, err := r.e.Store.Aggregate(ctx, store.AggregateRequest{Scope: r.ref.scope, Measures: []store.Measure{{Op: store.Count}}})
	if err != nil {
		return nil, fmt.Errorf("counting the reference's records: %w", err)
	}
	c := &driftComparison{}
	if len(agg.Rows) > 0 {
		c.refRecords = int64(agg.Rows[0].Measures[0])
	}
	if cur > limit || c.refRecords > limit {
		return c, nil
	}
	c.fits = true
	if c.refRecords == 0 || len(cols) == 0 {
		return c, nil
	}
	byCol := make([]map[driftGroup]store.CDFDistanceRow, len(cols))
	for i := range byCol {
		byCol[i] = map[driftGroup]store.CDFDistanceRow{}
	}
	var bins *store.BinSpec
	if need.bins {
		bins = &store.BinSpec{Strategy: r.q.Binning.Strategy, Bins: r.q.Binning.Bins}
	}
	err = r.e.Store.CDFDistances(ctx, store.CDFDistancesRequest{
		Reference: r.ref.scope, Current: r.cur,
		Keys: []store.Key{r.bucketKey(), driftVersionKey}, Cols: cols,
		KS: need.ks, Wasserstein: need.wasserstein, Bins: bins,
		MaxGroups: r.e.Limits.MaxGroups,
	}, func(row store.CDFDistanceRow) error {
		if row.Col < 0 || row.Col >= len(cols) {
			return fmt.Errorf("the store answered for column %d of %d", row.Col, len(cols))
		}
		byCol[row.Col][driftGroup{bucket: row.Keys[0].Int, version: row.Keys[1].Str}] = row
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("comparing the values with the reference: %w", err)
	}
	c.rows = make(map[string]map[driftGroup]store.CDFDistanceRow, len(cols))
	for i, col := range cols {
		c.rows[col.String()] = byCol[i]
	}
	return c, nil
}

// comparable says whether the comparison can answer the run's metric.
func (r *driftRun) comparable() bool {
	if r.ref.window > 0 {
		return false
	}
	if driftOnValues(r.q.Metric) {
		return true
	}
	s := r.q.Binning.Strategy
	return (s == "quantile" || s == "uniform") && r.q.Binning.Bins >= 1
}

// fromComparison computes a numeric target's points from the comparison;
// ok is false when the comparison does not fit the exact-value limit.
func (r *driftRun) fromComparison(ctx context.Context, t driftTarget) (groups map[driftGroup]metrics.Optional, ok bool, err error) {
	c, err := r.comparison(ctx)
	if err != nil {
		return nil, false, err
	}
	if !c.fits {
		return nil, false, nil
	}
	if c.refRecords == 0 {
		return nil, true, &models.QueryError{Option: "reference", Msg: fmt.Sprintf("the reference (%s) has no records for %s", r.ref.desc, t.name)}
	}
	rows := c.rows[t.col.String()]
	if len(rows) == 0 {
		// No current records: the other paths note the edges all the same.
		return nil, false, nil
	}
	r.noteReference(c.refRecords)
	values := driftOnValues(r.q.Metric)
	if values {
		// Every row has the reference's counts; with none, no row has values.
		for _, row := range rows {
			if row.RefN == 0 {
				return nil, true, &models.QueryError{Option: "reference", Msg: fmt.Sprintf("the reference (%s) has no values of %s: all %s of its records miss it", r.ref.desc, t.name, driftThousands(c.refRecords))}
			}
			break
		}
	}
	out := make(map[driftGroup]metrics.Optional, len(rows))
	edgesNoted := false
	for g, row := range rows {
		if values {
			if row.CurN == 0 {
				continue // a bucket whose records all miss the value: no point, as without values
			}
			if out[g], err = r.distanceMetric(row); err != nil {
				return nil, true, err
			}
			continue
		}
		if !edgesNoted {
			r.noteEdgesOf(t, row.Edges)
			edgesNoted = true
		}
		ref := metrics.Histogram{Counts: row.RefBins, Missing: row.RefMissing}
		cur := metrics.Histogram{Counts: row.CurBins, Missing: row.CurMissing}
		if out[g], err = driftBinnedValue(r.q.Metric, ref, cur); err != nil {
			return nil, true, err
		}
	}
	return out, true, nil
}

// noteEdgesOf records a target's exact bin edges for the result's meta.
func (r *driftRun) noteEdgesOf(t driftTarget, edges []float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.edges == nil {
		r.edges = map[string][]float64{}
	}
	if edges == nil {
		edges = []float64{}
	}
	r.edges[t.name] = edges
}
