package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// Past Limits.ExactValueLimit distinct values, numeric samples are compressed:
// one entry per fine bin (or grid cell) at the mean of the values it stands
// for, with the range of those values, so every approximation carries a
// bound computed from the data (see driftCompressionError).
const (
	// driftFineQuantiles is the number of reference-quantile bins of a fine
	// histogram: each holds about 1/256 of the reference.
	driftFineQuantiles = 256
	// driftFineCurrent adds the current data's quantiles, so a current
	// sample that drifted away from the reference keeps bins of about 1/128.
	driftFineCurrent = 128
	// driftFineUniform adds uniform edges over the range of both samples.
	driftFineUniform = 64
	// driftGridCells bounds the cells of a compressed sample.
	driftGridCells = 1 << 20
	// driftGridMinCells is the fewest cells a compressed current sample gets.
	driftGridMinCells = 16
)

// driftSample is the distribution of one target in one sample. Categorical:
// counts per category. Numeric: the non-missing values as a Summary, exact
// (distinct values with their counts) or compressed.
type driftSample struct {
	cats    map[string]int64
	values  metrics.Summary
	missing int64
	// lo and hi are the smallest and largest non-missing values (numeric).
	lo, hi float64
	// packed is true for a compressed sample; lows and highs then hold the
	// smallest and largest value behind each entry.
	packed      bool
	lows, highs []float64
	steps       *driftSteps     // CDF bounds, built on first use
	cum         []float64       // running weights, built on first use
	popStd      *float64        // population standard deviation, on first use
	sample      *metrics.Sample // prepared for KS and Wasserstein, on first use
	// gridded is true for grid cells, which do not line up with bin edges.
	gridded bool

	entries []driftEntry // numeric entries being collected, before finish
}

type driftEntry struct {
	value, weight float64
	lo, hi        float64 // the smallest and largest value behind the entry
}

func newCategorySample() *driftSample { return &driftSample{cats: map[string]int64{}} }

func (s *driftSample) compressed() bool { return s.packed }

// records counts all records of the sample, missing values included.
func (s *driftSample) records() int64 {
	n := s.missing
	for _, c := range s.cats {
		n += c
	}
	for _, e := range s.values {
		n += int64(e.Weight)
	}
	return n
}

func (s *driftSample) categoryCounts() metrics.CategoryCounts {
	return metrics.CategoryCounts{Counts: s.cats, Missing: s.missing}
}

// addKey counts n records whose group key is k: a category, a number or null.
func (s *driftSample) addKey(k store.KeyValue, n int64, kind store.Kind) {
	switch {
	case k.Null:
		s.missing += n
	case kind == store.Categorical:
		s.cats[k.Str] += n
	default:
		s.entries = append(s.entries, driftEntry{value: k.Num, weight: float64(n), lo: k.Num, hi: k.Num})
	}
}

// addBin adds the n values of one fine bin or grid cell from their count,
// sum, minimum and maximum. One or two values are known exactly: they are
// the minimum and the maximum.
func (s *driftSample) addBin(n, sum, lo, hi float64) {
	s.packed = true
	switch {
	case n <= 0:
	case n == 1 || lo == hi:
		s.entries = append(s.entries, driftEntry{value: lo, weight: n, lo: lo, hi: lo})
	case n == 2:
		s.entries = append(s.entries, driftEntry{value: lo, weight: 1, lo: lo, hi: lo}, driftEntry{value: hi, weight: 1, lo: hi, hi: hi})
	default:
		mean := math.Min(math.Max(sum/n, lo), hi)
		if math.IsNaN(mean) {
			mean = lo
		}
		s.entries = append(s.entries, driftEntry{value: mean, weight: n, lo: lo, hi: hi})
	}
}

// finish sorts the collected entries into the Summary, merging equal values.
func (s *driftSample) finish() {
	if s.cats != nil {
		return
	}
	slices.SortFunc(s.entries, func(a, b driftEntry) int {
		switch {
		case a.value < b.value:
			return -1
		case a.value > b.value:
			return 1
		}
		return 0
	})
	s.values = s.values[:0]
	var lo, hi []float64
	for _, e := range s.entries {
		if n := len(s.values); n > 0 && s.values[n-1].Value == e.value {
			s.values[n-1].Weight += e.weight
			lo[n-1], hi[n-1] = math.Min(lo[n-1], e.lo), math.Max(hi[n-1], e.hi)
			continue
		}
		s.values = append(s.values, metrics.WeightedValue{Value: e.value, Weight: e.weight})
		lo, hi = append(lo, e.lo), append(hi, e.hi)
	}
	s.entries = nil
	s.lows, s.highs = nil, nil
	if s.packed {
		s.lows, s.highs = lo, hi
	}
	if len(s.values) > 0 {
		s.lo, s.hi = slices.Min(lo), slices.Max(hi)
	}
}

// histogram counts the sample into the bins of edges. A compressed sample is
// exact only when edges are a subset of its fine bin edges (see driftSnap).
func (s *driftSample) histogram(edges []float64) (metrics.Histogram, error) {
	return metrics.HistogramFromSummary(edges, s.values, s.missing)
}

// driftWassersteinError bounds |W − w|, where W is the Wasserstein distance
// of the true samples and w the one computed on (possibly compressed)
// samples, whose entries stand at the mean of their values.
//
// Moving the values of an entry to their mean moves them by E|x − mean| on
// average, at most 2(mean − lo)(hi − mean)/(hi − lo) for values in [lo, hi]:
// that bounds each entry's part. With an exact reference, an entry of the
// current sample adds nothing when the reference CDF stays on one side of the
// current one across the entry's range, since ∫|F_r − F_c| over that range
// then only depends on the entry's mean.
func driftWassersteinError(ref, cur *driftSample) float64 {
	if ref.compressed() {
		return driftSpreadError(ref) + driftSpreadError(cur)
	}
	if !cur.compressed() {
		return 0
	}
	n, m := ref.values.Total(), cur.values.Total()
	if n == 0 || m == 0 {
		return 0
	}
	cum := ref.cumulative()
	// shareAt is the reference's share of values at or below x (or below x).
	shareAt := func(x float64, inclusive bool) float64 {
		k := sort.Search(len(ref.values), func(i int) bool {
			if inclusive {
				return ref.values[i].Value > x
			}
			return ref.values[i].Value >= x
		})
		if k == 0 {
			return 0
		}
		return cum[k-1] / n
	}
	var err, below float64
	for i, e := range cur.values {
		share := e.Weight / m
		lo, hi := cur.lows[i], cur.highs[i]
		if hi > lo && shareAt(lo, true) < below+share && shareAt(hi, false) > below {
			err += share * driftMADBound(e.Value, lo, hi)
		}
		below += share
	}
	return err
}

// driftSpreadError is the share-weighted largest mean absolute deviation of
// a compressed sample's entries.
func driftSpreadError(s *driftSample) float64 {
	if !s.compressed() {
		return 0
	}
	total := s.values.Total()
	if total == 0 {
		return 0
	}
	var w float64
	for i, e := range s.values {
		w += e.Weight / total * driftMADBound(e.Value, s.lows[i], s.highs[i])
	}
	return w
}

// driftMADBound is the largest mean absolute deviation of values in [lo, hi]
// with the given mean: half of them at each end, weighted to keep the mean.
func driftMADBound(mean, lo, hi float64) float64 {
	if !(hi > lo) {
		return 0
	}
	return math.Max(0, 2*(mean-lo)*(hi-mean)/(hi-lo))
}

// std returns the population standard deviation of the numeric values,
// computed on first use (a reference serves every bucket).
func (s *driftSample) std() (float64, error) {
	if s.popStd == nil {
		v, err := s.values.PopulationStd()
		if err != nil {
			return 0, err
		}
		s.popStd = &v
	}
	return *s.popStd, nil
}

// prepared returns the values prepared for KS and Wasserstein, on first use.
func (s *driftSample) prepared() (metrics.Sample, error) {
	if s.sample == nil {
		p, err := metrics.NewSample(s.values)
		if err != nil {
			return metrics.Sample{}, err
		}
		s.sample = &p
	}
	return *s.sample, nil
}

// cumulative returns the running sums of the weights, built on first use.
func (s *driftSample) cumulative() []float64 {
	if s.cum == nil {
		s.cum = make([]float64, len(s.values))
		var run float64
		for i, e := range s.values {
			run += e.Weight
			s.cum[i] = run
		}
	}
	return s.cum
}

// driftSteps are a sample's CDF bounds as steps: at x[i] the share of the
// entries entirely at or below x grows by lower[i], the share of those whose
// smallest value is at or below x by upper[i]. Exact samples step both at once.
type driftSteps struct {
	x, lower, upper []float64
}

func (s *driftSample) cdfSteps() *driftSteps {
	if s.steps != nil {
		return s.steps
	}
	total := s.values.Total()
	type event struct{ x, lower, upper float64 }
	events := make([]event, 0, 2*len(s.values))
	for i, e := range s.values {
		share := e.Weight / total
		if !s.compressed() || s.lows[i] == s.highs[i] {
			events = append(events, event{e.Value, share, share})
			continue
		}
		events = append(events, event{s.lows[i], 0, share}, event{s.highs[i], share, 0})
	}
	slices.SortFunc(events, func(a, b event) int {
		switch {
		case a.x < b.x:
			return -1
		case a.x > b.x:
			return 1
		}
		return 0
	})
	st := &driftSteps{}
	for _, ev := range events {
		if n := len(st.x); n > 0 && st.x[n-1] == ev.x {
			st.lower[n-1] += ev.lower
			st.upper[n-1] += ev.upper
			continue
		}
		st.x, st.lower, st.upper = append(st.x, ev.x), append(st.lower, ev.lower), append(st.upper, ev.upper)
	}
	s.steps = st
	return st
}

// driftKSError bounds |D − d|, where D is the KS statistic of the true samples
// and d the one computed on (possibly compressed) samples. At any x the true
// CDF of a sample lies between the share of its entries whose values are all
// at or below x and the share of those whose smallest value is; the largest
// gap between the two samples' CDFs is then bounded from below and above.
func driftKSError(ref, cur *driftSample, d float64) float64 {
	if !ref.compressed() && !cur.compressed() {
		return 0
	}
	a, b := ref.cdfSteps(), cur.cdfSteps()
	var lowA, upA, lowB, upB, lowD, highD float64
	for i, j := 0, 0; i < len(a.x) || j < len(b.x); {
		var x float64
		switch {
		case j == len(b.x) || (i < len(a.x) && a.x[i] <= b.x[j]):
			x = a.x[i]
		default:
			x = b.x[j]
		}
		if i < len(a.x) && a.x[i] == x {
			lowA, upA = lowA+a.lower[i], upA+a.upper[i]
			i++
		}
		if j < len(b.x) && b.x[j] == x {
			lowB, upB = lowB+b.lower[j], upB+b.upper[j]
			j++
		}
		highD = math.Max(highD, math.Max(upA-lowB, upB-lowA))
		lowD = math.Max(lowD, math.Max(lowA-upB, lowB-upA))
	}
	return math.Max(0, math.Max(d-lowD, highD-d))
}

func notNull(sc store.Scope, col store.Column) store.Scope {
	sc.Filters = append(slices.Clone(sc.Filters), store.Filter{Col: col, Op: store.OpNotNull})
	return sc
}

// categorySample counts the categories of col over a scope.
func (e *Engine) categorySample(ctx context.Context, sc store.Scope, col store.Column) (*driftSample, error) {
	agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{
		Scope:     sc,
		Keys:      []store.Key{{Kind: store.KeyColumn, Col: col}},
		Measures:  []store.Measure{{Op: store.Count}},
		MaxGroups: e.Limits.MaxGroups,
	})
	if err != nil {
		return nil, fmt.Errorf("counting the categories of %s: %w", col, err)
	}
	s := newCategorySample()
	for _, r := range agg.Rows {
		s.addKey(r.Keys[0], int64(r.Measures[0]), store.Categorical)
	}
	return s, nil
}

// numericSample reads the distinct values of col over a scope with their
// counts; past the exact-value limit it compresses them onto a fine grid.
func (e *Engine) numericSample(ctx context.Context, sc store.Scope, col store.Column) (*driftSample, error) {
	var s *driftSample
	err := e.Store.Values(ctx, store.ValuesRequest{Scope: sc, Col: col, MaxValues: e.Limits.ExactValueLimit}, func(g store.ValueGroup) error {
		s = sampleOfValues(g)
		return nil
	})
	if errors.Is(err, store.ErrTooManyGroups) {
		return e.gridSample(ctx, sc, col)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the values of %s: %w", col, err)
	}
	if s == nil {
		s = &driftSample{}
	}
	return s, nil
}

// sampleOfValues is the exact sample of one group of store values (sorted
// and distinct), copied out of the store's buffers.
func sampleOfValues(g store.ValueGroup) *driftSample {
	s := &driftSample{missing: g.Missing, values: make(metrics.Summary, len(g.Values))}
	for i, v := range g.Values {
		s.values[i] = metrics.WeightedValue{Value: v, Weight: g.Counts[i]}
	}
	if n := len(g.Values); n > 0 {
		s.lo, s.hi = g.Values[0], g.Values[n-1]
	}
	return s
}

// numericRange returns the record count, the number of non-missing values and
// their minimum and maximum over a scope.
func (e *Engine) numericRange(ctx context.Context, sc store.Scope, col store.Column) (records, values int64, lo, hi float64, err error) {
	agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{
		Scope: sc,
		Measures: []store.Measure{{Op: store.Count}, {Op: store.CountNotNull, A: col},
			{Op: store.Min, A: col}, {Op: store.Max, A: col}},
	})
	if err != nil {
		return 0, 0, 0, 0, fmt.Errorf("reading the range of %s: %w", col, err)
	}
	if len(agg.Rows) == 0 {
		return 0, 0, 0, 0, nil
	}
	m := agg.Rows[0].Measures
	return int64(m[0]), int64(m[1]), m[2], m[3], nil
}

// valueGroupsFit reports whether grouping a scope by keys and the value of
// col surely stays within the exact-value limit, without running that
// aggregate: the groups are at most the sum over the key groups of
// min(records, distinct values). It returns the pooled values when it read
// them (exact or compressed).
func (e *Engine) valueGroupsFit(ctx context.Context, sc store.Scope, keys []store.Key, col store.Column) (bool, *driftSample, error) {
	agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{Scope: sc, Keys: keys, Measures: []store.Measure{{Op: store.Count}}, MaxGroups: e.Limits.MaxGroups})
	if err != nil {
		return false, nil, fmt.Errorf("counting the records of %s: %w", col, err)
	}
	var total float64
	for _, r := range agg.Rows {
		total += r.Measures[0]
	}
	if total <= float64(e.Limits.ExactValueLimit) {
		return true, nil, nil
	}
	pooled, err := e.numericSample(ctx, sc, col)
	if err != nil || pooled.gridded {
		return false, pooled, err
	}
	distinct := float64(len(pooled.values))
	if pooled.missing > 0 {
		distinct++
	}
	var bound float64
	for _, r := range agg.Rows {
		bound += math.Min(r.Measures[0], distinct)
	}
	return bound <= float64(e.Limits.ExactValueLimit), pooled, nil
}

// gridSample compresses the values of col onto at most driftGridCells equal
// cells between their minimum and maximum, each cell summarised by count,
// mean and spread.
func (e *Engine) gridSample(ctx context.Context, sc store.Scope, col store.Column) (*driftSample, error) {
	records, values, lo, hi, err := e.numericRange(ctx, sc, col)
	if err != nil {
		return nil, err
	}
	s := &driftSample{missing: records - values, lo: lo, hi: hi, gridded: true}
	if values == 0 {
		s.finish()
		return s, nil
	}
	cells := min(e.Limits.ExactValueLimit, driftGridCells)
	width := (hi - lo) / float64(max(cells, 1))
	if !(width > 0) || math.IsInf(width, 0) {
		width = hi - lo
	}
	if !(width > 0) {
		// A single distinct value: exact.
		s.gridded = false
		s.entries = []driftEntry{{value: lo, weight: float64(values)}}
		s.finish()
		return s, nil
	}
	agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{
		Scope: notNull(sc, col),
		Keys:  []store.Key{{Kind: store.KeyGrid, Col: col, Origin: lo, Width: width}},
		Measures: []store.Measure{{Op: store.Count}, {Op: store.Sum, A: col},
			{Op: store.Min, A: col}, {Op: store.Max, A: col}},
		MaxGroups: cells + 2,
	})
	if err != nil {
		return nil, fmt.Errorf("compressing the values of %s onto a grid: %w", col, err)
	}
	for _, r := range agg.Rows {
		s.addBin(r.Measures[0], r.Measures[1], r.Measures[2], r.Measures[3])
	}
	s.packed = true // compressed even when every cell holds one value
	s.finish()
	return s, nil
}

// binnedCounts counts col into the bins of edges over a scope, in the store.
func (e *Engine) binnedCounts(ctx context.Context, sc store.Scope, col store.Column, edges []float64) (metrics.Histogram, error) {
	agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{
		Scope:     sc,
		Keys:      []store.Key{{Kind: store.KeyBin, Col: col, Edges: edges}},
		Measures:  []store.Measure{{Op: store.Count}},
		MaxGroups: len(edges) + 2,
	})
	if err != nil {
		return metrics.Histogram{}, fmt.Errorf("binning %s: %w", col, err)
	}
	h := metrics.Histogram{Counts: make([]int64, len(edges)+1)}
	for _, r := range agg.Rows {
		addBinCount(&h, r.Keys[0], int64(r.Measures[0]))
	}
	return h, nil
}

func addBinCount(h *metrics.Histogram, k store.KeyValue, n int64) {
	if k.Null || k.Int < 0 || int(k.Int) >= len(h.Counts) {
		h.Missing += n
		return
	}
	h.Counts[k.Int] += n
}

// driftFineEdges are the edges of the fine histograms that stand in for raw
// values: the reference's quantiles at k/256, the current data's at k/128
// (when known), and lo, hi and uniform edges over [lo, hi]: at most 447.
func driftFineEdges(ref, cur *driftSample, lo, hi float64) ([]float64, error) {
	edges, err := metrics.QuantileEdgesFromSummary(ref.values, driftFineQuantiles)
	if err != nil {
		return nil, fmt.Errorf("fine bins: %w", err)
	}
	if cur != nil {
		more, err := metrics.QuantileEdgesFromSummary(cur.values, driftFineCurrent)
		if err != nil {
			return nil, fmt.Errorf("fine bins: %w", err)
		}
		edges = append(edges, more...)
	}
	if lo <= hi && !math.IsInf(lo, 0) && !math.IsInf(hi, 0) {
		// lo and hi are edges too, so the outer bins hold one value each.
		edges = append(edges, lo, hi)
		edges = append(edges, metrics.UniformEdgesFromRange(lo, hi, driftFineUniform)...)
	}
	sort.Float64s(edges)
	return slices.Compact(edges), nil
}

// driftSnap moves each edge onto a fine edge, so samples compressed on the
// fine bins count into the snapped bins exactly. Among the fine edges it
// picks the one nearest to the edge that splits the reference's fine bins as
// the edge did: the reference histogram is then the one of the unsnapped
// edges whenever each fine bin holds one distinct reference value.
func driftSnap(edges, fine []float64, ref metrics.Summary) []float64 {
	if len(fine) == 0 {
		return nil
	}
	out := make([]float64, 0, len(edges))
	for _, x := range edges {
		// The valid fine edges lie between the bin of the last reference
		// entry at or below x and the bin of the first one above it.
		lo, hi := math.Inf(-1), math.Inf(1)
		i := sort.Search(len(ref), func(i int) bool { return ref[i].Value > x })
		if i > 0 {
			if j := metrics.BinIndex(fine, ref[i-1].Value); j < len(fine) {
				lo = fine[j]
			}
		}
		if i < len(ref) {
			if j := metrics.BinIndex(fine, ref[i].Value); j > 0 {
				hi = fine[j-1]
			}
		}
		if lo > hi {
			lo, hi = math.Inf(-1), math.Inf(1)
		}
		c := math.Min(math.Max(x, lo), hi)
		j := sort.SearchFloat64s(fine, c)
		best := math.NaN()
		for _, k := range []int{j - 1, j} {
			if k < 0 || k >= len(fine) || fine[k] < lo || fine[k] > hi {
				continue
			}
			if math.IsNaN(best) || math.Abs(fine[k]-x) < math.Abs(best-x) {
				best = fine[k]
			}
		}
		if math.IsNaN(best) {
			best = fine[min(j, len(fine)-1)]
		}
		out = append(out, best)
	}
	return slices.Compact(out)
}
