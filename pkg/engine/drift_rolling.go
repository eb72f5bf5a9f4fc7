package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// A rolling reference compares each bucket with the query's records in the
// window W just before it. The span [first bucket − W, to) is read once,
// grouped by step = gcd(interval, W) so that both the buckets and every
// window are unions of steps; the window then slides over the steps in Go.
// Quantile edges are taken per bucket from its own reference.

const (
	// driftMaxSteps bounds the steps of a rolling span.
	driftMaxSteps = 1_000_000
	// driftRollingWork bounds distinct values × buckets for exact rolling
	// references of numeric targets; past it the fine histograms are used.
	driftRollingWork = 50_000_000
)

// rollingPlan is the step grid of a rolling reference.
type rollingPlan struct {
	step, interval, window int64 // milliseconds
	from                   int64 // the query's from, ms
	// split is true when from falls inside a step: a key then tells records
	// at or after from (current) from earlier ones (reference only).
	split bool
	scope store.Scope
}

func (r *driftRun) rollingPlan() (rollingPlan, error) {
	iv, w := r.q.IntervalDur.Milliseconds(), r.ref.window.Milliseconds()
	if w <= 0 {
		return rollingPlan{}, &models.QueryError{Option: "reference.window", Msg: fmt.Sprintf("%q is shorter than a millisecond", r.q.Reference.Window)}
	}
	p := rollingPlan{step: gcd(iv, w), interval: iv, window: w, from: r.cur.From.UnixMilli()}
	start := floorDiv(p.from, iv)*iv - w
	if steps := (r.cur.To.UnixMilli() - start) / p.step; steps > driftMaxSteps {
		return p, &models.QueryError{Option: "reference.window", Msg: fmt.Sprintf("a rolling window of %s with an interval of %s needs %s steps of %s, more than %s; choose a window that is a multiple of the interval",
			r.q.Reference.Window, r.q.IntervalDur, driftThousands(steps), time.Duration(p.step)*time.Millisecond, driftThousands(driftMaxSteps))}
	}
	p.split = floorMod(p.from, p.step) != 0
	p.scope = r.cur
	p.scope.From = time.UnixMilli(start).UTC()
	return p, nil
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// groupKeys groups the span by step, current flag (when split) and version.
func (p rollingPlan) groupKeys() []store.Key {
	ks := []store.Key{{Kind: store.KeyBucket, Interval: time.Duration(p.step) * time.Millisecond}}
	if p.split {
		ks = append(ks, store.Key{Kind: store.KeyBin, Col: store.Column{Kind: store.ColTime}, Edges: []float64{float64(p.from) - 0.5}})
	}
	return append(ks, driftVersionKey)
}

// keys are the group keys and the value key.
func (p rollingPlan) keys(value store.Key) []store.Key { return append(p.groupKeys(), value) }

// rollingRow is one aggregate row of the span.
type rollingRow struct {
	step    int64
	current bool
	version string
	value   store.KeyValue
	m       []float64
}

func (p rollingPlan) row(r store.AggregateRow) rollingRow {
	k := r.Keys
	out := rollingRow{step: k[0].Int, m: r.Measures}
	i := 1
	if p.split {
		out.current = k[1].Int == 1
		i = 2
	} else {
		out.current = out.step >= p.from
	}
	out.version, out.value = k[i].Str, k[i+1]
	return out
}

func (p rollingPlan) bucket(step int64) int64 { return floorDiv(step, p.interval) * p.interval }

func (r *driftRun) rolling(ctx context.Context, t driftTarget) (map[driftGroup]metrics.Optional, error) {
	p, err := r.rollingPlan()
	if err != nil {
		return nil, err
	}
	sc := p.scope
	if driftOnValues(r.q.Metric) {
		sc = notNull(sc, t.col)
	}
	valueKey := store.Key{Kind: store.KeyColumn, Col: t.col}
	if t.kind == store.Categorical {
		agg, err := r.e.Store.Aggregate(ctx, store.AggregateRequest{
			Scope: sc, Keys: p.keys(valueKey), Measures: []store.Measure{{Op: store.Count}}, MaxGroups: r.e.Limits.MaxGroups,
		})
		if err != nil {
			return nil, fmt.Errorf("rolling reference: %w", err)
		}
		out, _, err := r.rollingExact(p, t, agg)
		return out, err
	}
	fit, span, err := r.e.valueGroupsFit(ctx, sc, p.groupKeys(), t.col)
	if err != nil {
		return nil, fmt.Errorf("rolling reference: %w", err)
	}
	if fit {
		agg, err := r.e.Store.Aggregate(ctx, store.AggregateRequest{
			Scope: sc, Keys: p.keys(valueKey), Measures: []store.Measure{{Op: store.Count}}, MaxGroups: r.e.Limits.ExactValueLimit,
		})
		switch {
		case err == nil:
			out, ok, err := r.rollingExact(p, t, agg)
			if err != nil || ok {
				return out, err
			}
		case !errors.Is(err, store.ErrTooManyGroups):
			return nil, fmt.Errorf("rolling reference: %w", err)
		}
	}
	return r.rollingFine(ctx, p, t, sc, span)
}

// rollingExact slides exact counts of every distinct value over the steps;
// ok is false when the work would pass driftRollingWork (numeric targets
// then use fine histograms).
func (r *driftRun) rollingExact(p rollingPlan, t driftTarget, agg *store.AggregateResult) (map[driftGroup]metrics.Optional, bool, error) {
	rows := make([]rollingRow, len(agg.Rows))
	for i, a := range agg.Rows {
		rows[i] = p.row(a)
	}
	// Rank the distinct values, so a window is a count per rank.
	var nums []float64
	var strs []string
	for _, row := range rows {
		switch {
		case row.value.Null:
		case t.kind == store.Categorical:
			strs = append(strs, row.value.Str)
		default:
			nums = append(nums, row.value.Num)
		}
	}
	slices.Sort(nums)
	nums = slices.Compact(nums)
	slices.Sort(strs)
	strs = slices.Compact(strs)
	distinct := max(len(nums), len(strs))
	numRank := make(map[float64]int, len(nums))
	for i, v := range nums {
		numRank[v] = i
	}
	strRank := make(map[string]int, len(strs))
	for i, v := range strs {
		strRank[v] = i
	}
	rank := func(k store.KeyValue) int {
		switch {
		case k.Null:
			return -1
		case t.kind == store.Categorical:
			return strRank[k.Str]
		}
		return numRank[k.Num]
	}

	type rankCount struct {
		rank int
		n    int64
	}
	steps := map[int64][]rankCount{}
	cur := map[driftGroup]*driftSample{}
	for _, row := range rows {
		n := int64(row.m[0])
		steps[row.step] = append(steps[row.step], rankCount{rank(row.value), n})
		if !row.current {
			continue
		}
		g := driftGroup{version: row.version, bucket: p.bucket(row.step)}
		if cur[g] == nil {
			cur[g] = &driftSample{}
			if t.kind == store.Categorical {
				cur[g] = newCategorySample()
			}
		}
		cur[g].addKey(row.value, n, t.kind)
	}
	for _, c := range cur {
		c.finish()
	}
	buckets, groups := driftBuckets(cur)
	if t.kind == store.Numeric && distinct*len(buckets) > driftRollingWork {
		return nil, false, nil
	}
	starts := make([]int64, 0, len(steps))
	for s := range steps {
		starts = append(starts, s)
	}
	slices.Sort(starts)

	counts := make([]int64, distinct)
	var missing int64
	move := func(step int64, sign int64) {
		for _, rc := range steps[step] {
			if rc.rank < 0 {
				missing += sign * rc.n
			} else {
				counts[rc.rank] += sign * rc.n
			}
		}
	}
	out := map[driftGroup]metrics.Optional{}
	added, removed := 0, 0
	for _, b := range buckets {
		for ; added < len(starts) && starts[added] < b; added++ {
			move(starts[added], 1)
		}
		for ; removed < added && starts[removed] < b-p.window; removed++ {
			move(starts[removed], -1)
		}
		ref := &driftSample{missing: missing}
		if t.kind == store.Categorical {
			ref.cats = map[string]int64{}
			for i, c := range counts {
				if c > 0 {
					ref.cats[strs[i]] = c
				}
			}
		} else {
			for i, c := range counts {
				if c > 0 {
					ref.entries = append(ref.entries, driftEntry{value: nums[i], weight: float64(c), lo: nums[i], hi: nums[i]})
				}
			}
			ref.finish()
		}
		if err := r.rollingPoints(t, ref, groups[b], cur, nil, out); err != nil {
			return nil, false, err
		}
	}
	return out, true, nil
}

// rollingFine is rollingExact on fine histograms: the span's fine edges come
// from all its values; each window's quantile edges are snapped to them.
// span holds the span's values when already read.
func (r *driftRun) rollingFine(ctx context.Context, p rollingPlan, t driftTarget, sc store.Scope, span *driftSample) (map[driftGroup]metrics.Optional, error) {
	var err error
	if span == nil {
		if span, err = r.e.numericSample(ctx, sc, t.col); err != nil {
			return nil, fmt.Errorf("rolling reference: %w", err)
		}
	}
	fine, err := driftFineEdges(span, nil, span.lo, span.hi)
	if err != nil {
		return nil, err
	}
	agg, err := r.e.Store.Aggregate(ctx, store.AggregateRequest{
		Scope: sc,
		Keys:  p.keys(store.Key{Kind: store.KeyBin, Col: t.col, Edges: fine}),
		Measures: []store.Measure{{Op: store.Count}, {Op: store.Sum, A: t.col},
			{Op: store.Min, A: t.col}, {Op: store.Max, A: t.col}},
		MaxGroups: r.e.Limits.MaxGroups,
	})
	if err != nil {
		return nil, fmt.Errorf("rolling reference fine histograms: %w", err)
	}
	// One accumulator per fine bin; bin -1 holds missing values.
	type bin struct{ n, sum, lo, hi float64 }
	fold := func(acc map[int64]*bin, k int64, m []float64) {
		b := acc[k]
		if b == nil {
			acc[k] = &bin{m[0], m[1], m[2], m[3]}
			return
		}
		b.n += m[0]
		b.sum += m[1]
		if m[0] > 0 && k >= 0 {
			b.lo, b.hi = min(b.lo, m[2]), max(b.hi, m[3])
		}
	}
	sample := func(acc map[int64]*bin) *driftSample {
		s := &driftSample{packed: true}
		for k, b := range acc {
			if k < 0 {
				s.missing += int64(b.n)
				continue
			}
			s.addBin(b.n, b.sum, b.lo, b.hi)
		}
		s.finish()
		return s
	}
	steps := map[int64]map[int64]*bin{}
	curBins := map[driftGroup]map[int64]*bin{}
	for _, a := range agg.Rows {
		row := p.row(a)
		k := row.value.Int
		if row.value.Null {
			k = -1
		}
		if steps[row.step] == nil {
			steps[row.step] = map[int64]*bin{}
		}
		fold(steps[row.step], k, row.m)
		if row.current {
			g := driftGroup{version: row.version, bucket: p.bucket(row.step)}
			if curBins[g] == nil {
				curBins[g] = map[int64]*bin{}
			}
			fold(curBins[g], k, row.m)
		}
	}
	cur := make(map[driftGroup]*driftSample, len(curBins))
	for g, acc := range curBins {
		cur[g] = sample(acc)
	}
	starts := make([]int64, 0, len(steps))
	for s := range steps {
		starts = append(starts, s)
	}
	slices.Sort(starts)
	out := map[driftGroup]metrics.Optional{}
	first := 0
	buckets, groups := driftBuckets(cur)
	for _, b := range buckets {
		for first < len(starts) && starts[first] < b-p.window {
			first++
		}
		acc := map[int64]*bin{}
		for i := first; i < len(starts) && starts[i] < b; i++ {
			for k, x := range steps[starts[i]] {
				fold(acc, k, []float64{x.n, x.sum, x.lo, x.hi})
			}
		}
		if err := r.rollingPoints(t, sample(acc), groups[b], cur, fine, out); err != nil {
			return nil, err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if driftOnValues(r.q.Metric) {
		r.approxValues = true
	} else {
		r.approxEdges = true
	}
	return out, nil
}

// rollingPoints computes the points of one bucket's groups (one per version)
// against the bucket's reference. fine, when set, holds the fine edges the
// samples are compressed on: bin edges are then snapped to them.
func (r *driftRun) rollingPoints(t driftTarget, ref *driftSample, groups []driftGroup, cur map[driftGroup]*driftSample, fine []float64, out map[driftGroup]metrics.Optional) error {
	var edges []float64
	var refHist metrics.Histogram
	binned := !driftOnValues(r.q.Metric)
	empty := ref.records() == 0
	if binned && t.kind == store.Numeric && !empty {
		var err error
		if edges, err = driftEdges(r.q.Binning, ref); err != nil {
			return err
		}
		if fine != nil {
			edges = driftSnap(edges, fine, ref.values)
		}
		if refHist, err = ref.histogram(edges); err != nil {
			return fmt.Errorf("rolling reference histogram: %w", err)
		}
	}
	for _, g := range groups {
		c := cur[g]
		if empty {
			out[g] = metrics.Absent()
			r.mu.Lock()
			r.emptyRolling++
			r.mu.Unlock()
			continue
		}
		var v metrics.Optional
		var err error
		switch {
		case !binned:
			v, err = r.valueMetric(ref, c)
		case t.kind == store.Categorical:
			_, rh, ch := metrics.CategoricalHistograms(ref.categoryCounts(), c.categoryCounts())
			v, err = driftBinnedValue(r.q.Metric, rh, ch)
		default:
			var ch metrics.Histogram
			if ch, err = c.histogram(edges); err == nil {
				v, err = driftBinnedValue(r.q.Metric, refHist, ch)
			}
		}
		if err != nil {
			return err
		}
		out[g] = v
	}
	return nil
}

// driftBuckets lists the buckets that hold current records, ascending, with
// the groups of each.
func driftBuckets(cur map[driftGroup]*driftSample) ([]int64, map[int64][]driftGroup) {
	groups := map[int64][]driftGroup{}
	var out []int64
	for g := range cur {
		if groups[g.bucket] == nil {
			out = append(out, g.bucket)
		}
		groups[g.bucket] = append(groups[g.bucket], g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, groups
}
