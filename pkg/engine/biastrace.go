package engine

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// Bias tracing (METRICS.md "Bias tracing") finds the segments of the data
// that push a model's disparate impact away from parity. A segment is the
// records where a traced feature has one value; numeric features are cut into
// the quantile bins (deciles unless binning.bins says otherwise) of a
// reference:
//
//   - no reference (the default): the query's own records (model, versions,
//     environment, filters) over the whole time range, whatever their
//     protected attribute, so every time bucket shares the same bins;
//   - reference {"type":"environment","environment":E[,"version":V]}: every
//     record of E (and V) at any time, with the query's other filters, e.g.
//     the training data.
//
// Records count when their attribute is in the protected or the reference
// group and they have a predicted label (a missing actual counts as not
// favourable in selection rates, as in the fairness query). Versions in the
// scope are pooled: trace one version at a time to compare versions.
//
// Store work: one aggregate per traced feature, grouped by the feature's value
// or bin, whether the attribute is protected, whether the prediction is
// favourable (and the actual, for metrics that need it, and the time bucket
// with overTime). With pairs, one aggregate per pair of features instead,
// from which the single features' counts are summed. Numeric features read
// their reference values once more for the quantile edges.
//
// Answer: the table "bias trace", one row per segment: feature, value
// (feature2 and value2 with pairs), count, protected_count, reference_count,
// disparate_impact (with confidence, disparate_impact_lower and
// disparate_impact_upper: its Katz interval), the query's metric when it is another one
// (selection_rate gives selection_rate_protected and _reference),
// contribution and too_small. Segments of at least minCount records are
// ranked by contribution, largest first; the smaller ones follow, flagged and
// not ranked. With overTime a second table, "bias trace over time", holds the
// same numbers per segment and time bucket in long format (time, feature,
// value, …), the segments in the order of the first table; the panel pivots
// it into one column per bucket.

func init() {
	register(models.TypeBiasTrace, biasTraceQuery)
}

const (
	// biasTraceMinCount is the default smallest segment that is ranked.
	biasTraceMinCount = 30
	// biasTraceLimit is the default number of segments answered.
	biasTraceLimit = 200
	// biasTraceBins is the default number of quantile bins of a numeric feature.
	biasTraceBins = 10
	// biasTraceMaxBuckets bounds the time buckets of an overTime trace: more
	// columns than this are unreadable in a heatmap.
	biasTraceMaxBuckets = 500
)

// Table names of a bias trace answer.
const (
	BiasTraceTable         = "bias trace"
	BiasTraceOverTimeTable = "bias trace over time"
)

var (
	biasAllTimeFrom = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	biasAllTimeTo   = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// tracedFeature is one feature a bias trace cuts into segments.
type tracedFeature struct {
	name   string // the field reference, e.g. features.region
	col    store.Column
	kind   store.Kind
	edges  []float64 // numeric: the quantile edges
	labels []string  // numeric: the bin labels
}

// key is the feature's group key in the segment aggregates.
func (f *tracedFeature) key() store.Key {
	if f.kind == store.Numeric {
		return store.Key{Kind: store.KeyBin, Col: f.col, Edges: f.edges}
	}
	return store.Key{Kind: store.KeyColumn, Col: f.col}
}

// value names the segment of a group key: the category, the bin or missing.
func (f *tracedFeature) value(k store.KeyValue) string {
	switch {
	case k.Null:
		return missingLabel
	case f.kind == store.Numeric && k.Int < 0:
		return missingLabel
	case f.kind == store.Numeric && int(k.Int) < len(f.labels):
		return f.labels[k.Int]
	case f.kind == store.Numeric:
		return fmt.Sprintf("bin %d", k.Int)
	}
	return k.Str
}

// segmentID identifies a segment: one feature value, or two with pairs.
type segmentID struct {
	feature, value   string
	feature2, value2 string
}

func (s segmentID) rankKey() (string, string) {
	if s.feature2 == "" {
		return s.feature, s.value
	}
	return s.feature + "\x00" + s.feature2, s.value + "\x00" + s.value2
}

// segmentCounts holds a segment's fairness counts overall and per bucket.
type segmentCounts struct {
	id      segmentID
	all     fairBucket
	buckets map[int64]*fairBucket
}

func (s *segmentCounts) bucket(t int64) *fairBucket {
	b, ok := s.buckets[t]
	if !ok {
		b = &fairBucket{}
		s.buckets[t] = b
	}
	return b
}

// fairBucketAdd counts n records of one group with these outcomes.
func (b *fairBucket) add(protected, predicted bool, actual store.KeyValue, n int64) {
	sel, act := &b.selReference, &b.actReference
	if protected {
		sel, act = &b.selProtected, &b.actProtected
	}
	addConfusion(sel, predicted, !actual.Null && actual.Bool, n)
	if !actual.Null {
		addConfusion(act, predicted, actual.Bool, n)
	}
}

func (b *fairBucket) selections() metrics.SelectionPair {
	return metrics.SelectionPair{Protected: b.selProtected.Selection(), Reference: b.selReference.Selection()}
}

func (b *fairBucket) records() (protected, reference int64) {
	return b.selProtected.Total(), b.selReference.Total()
}

// biasTrace is one bias trace query being answered.
type biasTrace struct {
	e        *Engine
	q        *models.Query
	attr     store.Column
	scope    store.Scope // the traced records: the query's scope, attribute in either group
	features []*tracedFeature
	metric   string
	minCount int64
	limit    int
	actuals  bool // the aggregates split by the actual label

	segments map[segmentID]*segmentCounts
	order    []segmentID // first-seen order, for determinism before ranking
	total    *segmentCounts
	// unpredicted counts the records left out for want of a predicted label.
	unpredicted, withActual int64
}

func biasTraceQuery(ctx context.Context, e *Engine, q *models.Query) (*Result, error) {
	if q.Fairness == nil {
		return nil, &models.QueryError{Option: "fairness", Msg: "a biasTrace query needs a fairness block: attribute, protected, reference, favorable"}
	}
	sch, err := e.schema(ctx, q.Model)
	if err != nil {
		return nil, err
	}
	attr, kind, err := resolveColumn(sch, "fairness.attribute", q.Fairness.Attribute)
	if err != nil {
		return nil, err
	}
	if kind != store.Categorical {
		return nil, &models.QueryError{Option: "fairness.attribute", Msg: fmt.Sprintf("%s is %s; the protected attribute must be categorical (a tag or a categorical feature)", attr, kind)}
	}
	sc, err := e.scope(sch, q)
	if err != nil {
		return nil, err
	}
	bt := &biasTrace{
		e: e, q: q, attr: attr, metric: q.Metric,
		minCount: int64(q.MinCount), limit: q.Limit,
		actuals:  fairnessNeedsActuals(q.Metric),
		segments: map[segmentID]*segmentCounts{},
	}
	if bt.minCount == 0 {
		bt.minCount = biasTraceMinCount
	}
	if bt.limit == 0 {
		bt.limit = biasTraceLimit
	}
	if q.OverTime {
		if span := q.To.Sub(q.From); span > 0 && int64(span/q.IntervalDur) > biasTraceMaxBuckets {
			return nil, &models.QueryError{Option: "interval", Msg: fmt.Sprintf("an overTime bias trace shows at most %d time buckets; %s over %s makes %d: choose a longer interval",
				biasTraceMaxBuckets, q.IntervalDur, span, int64(span/q.IntervalDur))}
		}
	}
	if bt.features, err = biasTraceFeatures(sch, q, attr); err != nil {
		return nil, err
	}
	res := &Result{}
	if err := bt.binNumeric(ctx, sc, res); err != nil {
		return nil, err
	}
	members := make([]store.Value, 0, len(q.Fairness.Protected)+len(q.Fairness.Reference))
	for _, v := range slices.Concat(q.Fairness.Protected, q.Fairness.Reference) {
		members = append(members, store.Str(v))
	}
	bt.scope = sc
	bt.scope.Filters = append(slices.Clone(sc.Filters), store.Filter{Col: attr, Op: store.OpIn, Values: members})
	if err := bt.count(ctx); err != nil {
		return nil, err
	}
	if err := bt.checkGroups(ctx, sc, res); err != nil {
		return nil, err
	}
	if err := bt.answer(res); err != nil {
		return nil, err
	}
	return res, nil
}

// biasTraceFeatures resolves the traced features: the query's features, or
// every feature of the model but the attribute when it names none.
func biasTraceFeatures(sch *store.ModelSchema, q *models.Query, attr store.Column) ([]*tracedFeature, error) {
	refs := []string(q.Features)
	options := make([]string, len(refs))
	for i := range refs {
		options[i] = fmt.Sprintf("features[%d]", i)
	}
	if len(refs) == 0 {
		for _, f := range sch.Features {
			if (store.Column{Kind: store.ColFeature, Name: f.Name}) != attr {
				refs = append(refs, "features."+f.Name)
				options = append(options, "features")
			}
		}
		if len(refs) == 0 {
			return nil, &models.QueryError{Option: "features", Msg: fmt.Sprintf("model %q has no feature to trace besides %s", sch.Name, attr)}
		}
	}
	var out []*tracedFeature
	seen := map[store.Column]bool{}
	for i, ref := range refs {
		col, kind, err := resolveColumn(sch, options[i], ref)
		if err != nil {
			return nil, err
		}
		switch col.Kind {
		case store.ColPredLabel, store.ColPredScore, store.ColPredValue, store.ColActualLabel, store.ColActualValue:
			return nil, &models.QueryError{Option: options[i], Msg: fmt.Sprintf("%s is an outcome; trace features, tags, version or environment", col)}
		}
		if col == attr {
			return nil, &models.QueryError{Option: options[i], Msg: fmt.Sprintf("%s is the protected attribute itself; every segment of it holds one group only", col)}
		}
		if seen[col] {
			continue
		}
		seen[col] = true
		out = append(out, &tracedFeature{name: col.String(), col: col, kind: kind})
	}
	return out, nil
}

// binNumeric computes the quantile edges of the numeric features from the
// reference (see the comment at the top of this file).
func (bt *biasTrace) binNumeric(ctx context.Context, sc store.Scope, res *Result) error {
	bins := biasTraceBins
	if b := bt.q.Binning; b != nil {
		if b.Strategy != "" && b.Strategy != "quantile" {
			return &models.QueryError{Option: "binning.strategy", Msg: fmt.Sprintf("%q: a bias trace cuts numeric features at quantiles only", b.Strategy)}
		}
		if b.Bins != 0 && (b.Bins < 2 || b.Bins > 100) {
			return &models.QueryError{Option: "binning.bins", Msg: fmt.Sprintf("%d bins: must be between 2 and 100", b.Bins)}
		}
		if b.Bins != 0 {
			bins = b.Bins
		}
	}
	ref, desc, err := biasTraceReference(bt.q, sc)
	if err != nil {
		return err
	}
	// The features' values are read side by side: while the store reads
	// one, another's are sorted here.
	samples := make([]*driftSample, len(bt.features))
	err = eachParallel(ctx, len(bt.features), runtime.GOMAXPROCS(0), func(ctx context.Context, i int) error {
		f := bt.features[i]
		if f.kind != store.Numeric {
			return nil
		}
		var err error
		if samples[i], err = bt.e.numericSample(ctx, ref, f.col); err != nil {
			return fmt.Errorf("bias trace: reference values of %s: %w", f.name, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	edges := map[string][]float64{}
	for i, f := range bt.features {
		if f.kind != store.Numeric {
			continue
		}
		sample := samples[i]
		if len(sample.values) == 0 && bt.q.Reference != nil {
			return &models.QueryError{Option: "reference", Msg: fmt.Sprintf("%s has no value in the reference (%s) to take quantile bins from", f.name, desc)}
		}
		if f.edges, err = metrics.QuantileEdgesFromSummary(sample.values, bins); err != nil {
			return fmt.Errorf("bias trace: quantile edges of %s: %w", f.name, err)
		}
		if f.edges == nil {
			f.edges = []float64{}
		}
		f.labels = driftBinLabels(f.edges)
		edges[f.name] = f.edges
		if sample.gridded {
			res.meta("approximateEdges", true)
			res.notice(Info, "%s has more distinct values than the exact-value limit: its quantile edges are taken from a fine grid", f.name)
		}
	}
	if len(edges) > 0 {
		res.meta("edges", edges)
		res.meta("binReference", desc)
	}
	return nil
}

// biasTraceReference returns the records numeric features are binned by.
func biasTraceReference(q *models.Query, sc store.Scope) (store.Scope, string, error) {
	r := q.Reference
	if r == nil || r.Type == "" {
		return sc, "the query's records", nil
	}
	if r.Type != "environment" {
		return sc, "", &models.QueryError{Option: "reference.type", Msg: fmt.Sprintf("%q: a bias trace bins numeric features by the query's own records (no reference) or by an environment's (type environment)", r.Type)}
	}
	env := r.Environment
	if env == "" {
		env = "training"
	}
	ref := store.Scope{Model: sc.Model, Environments: []string{env}, From: biasAllTimeFrom, To: biasAllTimeTo}
	for _, f := range sc.Filters {
		if f.Col.Kind != store.ColVersion && f.Col.Kind != store.ColEnvironment {
			ref.Filters = append(ref.Filters, f)
		}
	}
	desc := "environment " + env
	if r.Version != "" {
		ref.Versions = []string{r.Version}
		desc += ", version " + r.Version
	}
	return ref, desc, nil
}

// count runs the segment aggregates: one per feature, or one per pair.
func (bt *biasTrace) count(ctx context.Context) error {
	if !bt.q.Pairs || len(bt.features) < 2 {
		for i, f := range bt.features {
			if err := bt.aggregate(ctx, []*tracedFeature{f}, i == 0, []int{0}); err != nil {
				return err
			}
		}
		return nil
	}
	// The single features' counts come from the first pair that holds them:
	// (0, 1) for features 0 and 1, (0, i) for feature i > 1.
	for i := 0; i < len(bt.features); i++ {
		for j := i + 1; j < len(bt.features); j++ {
			var singles []int
			switch {
			case i == 0 && j == 1:
				singles = []int{0, 1}
			case i == 0:
				singles = []int{1}
			}
			pair := []*tracedFeature{bt.features[i], bt.features[j]}
			if err := bt.aggregate(ctx, pair, i == 0 && j == 1, append(singles, -1)); err != nil {
				return err
			}
		}
	}
	return nil
}

// aggregate runs one store aggregate keyed by the given features and adds
// its counts to the segments: the single segment of features[k] for each k in
// singles, and the pair when singles holds -1. first also counts the totals.
func (bt *biasTrace) aggregate(ctx context.Context, features []*tracedFeature, first bool, singles []int) error {
	var keys []store.Key
	if bt.q.OverTime {
		keys = append(keys, store.Key{Kind: store.KeyBucket, Interval: bt.q.IntervalDur})
	}
	base := len(keys)
	for _, f := range features {
		keys = append(keys, f.key())
	}
	f := bt.q.Fairness
	keys = append(keys,
		store.Key{Kind: store.KeyIn, Col: bt.attr, Values: f.Protected},
		store.Key{Kind: store.KeyIn, Col: colPredLabel, Values: []string{f.Favorable}})
	if bt.actuals {
		keys = append(keys, store.Key{Kind: store.KeyIn, Col: colActualLabel, Values: []string{f.Favorable}})
	}
	names := make([]string, len(features))
	for i, tf := range features {
		names[i] = tf.name
	}
	agg, err := bt.e.Store.Aggregate(ctx, store.AggregateRequest{
		Scope: bt.scope, Keys: keys, Measures: []store.Measure{{Op: store.Count}}, MaxGroups: bt.e.Limits.MaxGroups,
	})
	if err != nil {
		return fmt.Errorf("bias trace of model %q by %s: %w", bt.q.Model, strings.Join(names, " and "), err)
	}
	if first {
		bt.total = &segmentCounts{buckets: map[int64]*fairBucket{}}
	}
	for _, row := range agg.Rows {
		if len(row.Keys) != len(keys) || len(row.Measures) != 1 {
			return fmt.Errorf("bias trace of model %q: the store returned %d keys and %d measures, want %d and 1", bt.q.Model, len(row.Keys), len(row.Measures), len(keys))
		}
		n := int64(row.Measures[0])
		group, pred := row.Keys[base+len(features)], row.Keys[base+len(features)+1]
		actual := store.KeyValue{Null: true}
		if bt.actuals {
			actual = row.Keys[base+len(features)+2]
		}
		if group.Null {
			continue // the scope keeps only the two groups; a store answering otherwise is not trusted
		}
		if pred.Null {
			if first {
				bt.unpredicted += n
			}
			continue
		}
		var bucket int64
		if bt.q.OverTime {
			bucket = row.Keys[0].Int
		}
		targets := make([]*segmentCounts, 0, len(singles)+1)
		if first {
			targets = append(targets, bt.total)
			if !actual.Null {
				bt.withActual += n
			}
		}
		for _, k := range singles {
			id := segmentID{feature: features[0].name, value: features[0].value(row.Keys[base])}
			switch {
			case k == -1:
				id.feature2, id.value2 = features[1].name, features[1].value(row.Keys[base+1])
			case k > 0:
				id = segmentID{feature: features[k].name, value: features[k].value(row.Keys[base+k])}
			}
			targets = append(targets, bt.segment(id))
		}
		for _, s := range targets {
			s.all.add(group.Bool, pred.Bool, actual, n)
			if bt.q.OverTime {
				s.bucket(bucket).add(group.Bool, pred.Bool, actual, n)
			}
		}
	}
	return nil
}

func (bt *biasTrace) segment(id segmentID) *segmentCounts {
	s, ok := bt.segments[id]
	if !ok {
		s = &segmentCounts{id: id, buckets: map[int64]*fairBucket{}}
		bt.segments[id] = s
		bt.order = append(bt.order, id)
	}
	return s
}

// checkGroups fails when one of the groups has no record while the other has
// some, naming the values the attribute holds; with no record at all the
// answer is empty and a notice says why.
func (bt *biasTrace) checkGroups(ctx context.Context, sc store.Scope, res *Result) error {
	protected, reference := bt.total.all.records()
	if protected > 0 && reference > 0 {
		return nil
	}
	held, err := bt.e.attributeValues(ctx, sc, bt.attr)
	if err != nil {
		return err
	}
	f := bt.q.Fairness
	switch {
	case protected == 0 && reference == 0:
		res.notice(Warning, "no record in the time range has a predicted label and %s in %s; values seen: %s",
			bt.attr, strings.Join(quoteAll(slices.Concat(f.Protected, f.Reference)), ", "), held)
		return nil
	case protected == 0:
		return &models.QueryError{Option: "fairness.protected", Msg: fmt.Sprintf("no record with a predicted label in the time range has %s = %s, so there is no protected group to trace; values seen: %s",
			bt.attr, strings.Join(quoteAll(f.Protected), " or "), held)}
	}
	return &models.QueryError{Option: "fairness.reference", Msg: fmt.Sprintf("no record with a predicted label in the time range has %s = %s, so there is no reference group to compare with; values seen: %s",
		bt.attr, strings.Join(quoteAll(f.Reference), " or "), held)}
}

// tracedSegment is one answered segment with its numbers.
type tracedSegment struct {
	counts       *segmentCounts
	bias         metrics.SegmentBias
	small        bool
	metricValues []metrics.Optional
	bounds       []any // the disparate impact interval, with a confidence level
}

// boundColumns are the columns of the disparate impact's confidence interval,
// present when the query sets a confidence level.
func (bt *biasTrace) boundColumns() []Column {
	if bt.q.Confidence <= 0 {
		return nil
	}
	return []Column{{Name: "disparate_impact_lower", Type: ColNumber}, {Name: "disparate_impact_upper", Type: ColNumber}}
}

// bounds returns a segment's disparate impact interval (Katz log ratio, as
// the fairness query's), one value per boundColumns column.
func (bt *biasTrace) bounds(b *fairBucket) ([]any, error) {
	if bt.q.Confidence <= 0 {
		return nil, nil
	}
	p, r := b.selProtected.Selection(), b.selReference.Selection()
	iv, err := metrics.RatioInterval(p.Selected, p.Rows, r.Selected, r.Rows, 1-bt.q.Confidence)
	if err != nil {
		return nil, fmt.Errorf("bias trace of model %q: %w", bt.q.Model, err)
	}
	return []any{iv.Lower, iv.Upper}, nil
}

// metricColumns names the metric columns besides disparate_impact.
func (bt *biasTrace) metricColumns() []string {
	switch bt.metric {
	case "disparate_impact":
		return nil
	case "selection_rate":
		return []string{"selection_rate_protected", "selection_rate_reference"}
	}
	return []string{bt.metric}
}

func (bt *biasTrace) metricValues(b *fairBucket) ([]metrics.Optional, error) {
	switch bt.metric {
	case "disparate_impact":
		return nil, nil
	case "selection_rate":
		p, _, err := b.value("selection_rate", "protected")
		if err != nil {
			return nil, err
		}
		r, _, err := b.value("selection_rate", "reference")
		return []metrics.Optional{p, r}, err
	}
	v, _, err := b.value(bt.metric, "")
	return []metrics.Optional{v}, err
}

// rank computes every segment's numbers and orders them: segments of at least
// minCount records by contribution, then the small ones in the same order.
func (bt *biasTrace) rank() ([]tracedSegment, error) {
	var ranked, small []metrics.Segment
	byKey := map[[2]string]*segmentCounts{}
	for _, id := range bt.order {
		s := bt.segments[id]
		p, r := s.all.records()
		feature, value := id.rankKey()
		byKey[[2]string{feature, value}] = s
		seg := metrics.Segment{Feature: feature, Value: value, Count: p + r, Selections: s.all.selections()}
		if seg.Count < bt.minCount {
			small = append(small, seg)
		} else {
			ranked = append(ranked, seg)
		}
	}
	all := bt.total.all.selections()
	var out []tracedSegment
	for _, part := range []struct {
		segs  []metrics.Segment
		small bool
	}{{ranked, false}, {small, true}} {
		biases, err := metrics.TraceBias(all, part.segs)
		if err != nil {
			return nil, fmt.Errorf("bias trace of model %q: %w", bt.q.Model, err)
		}
		for _, b := range biases {
			s := byKey[[2]string{b.Feature, b.Value}]
			mv, err := bt.metricValues(&s.all)
			if err != nil {
				return nil, err
			}
			bounds, err := bt.bounds(&s.all)
			if err != nil {
				return nil, err
			}
			out = append(out, tracedSegment{counts: s, bias: b, small: part.small, metricValues: mv, bounds: bounds})
		}
	}
	return out, nil
}

// answer builds the tables, the notices and the metadata.
func (bt *biasTrace) answer(res *Result) error {
	segs, err := bt.rank()
	if err != nil {
		return err
	}
	total := len(segs)
	if len(segs) > bt.limit {
		segs = segs[:bt.limit]
		res.notice(Warning, "showing the first %d of %d segments (ranked first, then those under %d records); raise the limit option to see more",
			bt.limit, total, bt.minCount)
	}
	var p, r int64
	if bt.total != nil {
		p, r = bt.total.all.records()
	}
	overall := metrics.Absent()
	if bt.total != nil {
		overall = bt.total.all.selections().DisparateImpact()
		explainBiasTrace(res, bt.q, bt.total.all.selections(), overall)
	}
	res.meta("records", p+r)
	res.meta("protectedRecords", p)
	res.meta("referenceRecords", r)
	res.meta("disparateImpact", overall)
	res.meta("segments", total)
	res.meta("minCount", bt.minCount)
	res.meta("limit", bt.limit)
	if bt.q.Confidence > 0 {
		res.meta("confidence", bt.q.Confidence)
	}
	if bt.actuals {
		res.meta("recordsWithActuals", bt.withActual)
		switch {
		case p+r > 0 && bt.withActual == 0:
			res.notice(Warning, "none of the %s in the protected and reference groups has an actual yet; %s needs the ground truth (contribution is on disparate impact, which does not)", counted(p+r, "record", "records"), bt.metric)
		case p+r > 0:
			res.notice(Info, "%s in the protected and reference groups; only those count for %s", actualsPhrase(bt.withActual, p+r), bt.metric)
		}
	}
	if bt.unpredicted > 0 {
		res.notice(Warning, "%s no predicted label and %s left out", counted(bt.unpredicted, "record has", "records have"),
			map[bool]string{true: "is", false: "are"}[bt.unpredicted == 1])
	}
	small := 0
	for _, s := range segs {
		if s.small {
			small++
		}
	}
	if small > 0 {
		res.notice(Info, "%d of the segments shown have fewer than %d records: they are flagged too_small and not ranked", small, bt.minCount)
	}

	explainSegments(res, bt.q, bt.metric, segs)
	res.Tables = append(res.Tables, bt.table(segs))
	if bt.q.OverTime {
		t, err := bt.overTimeTable(segs)
		if err != nil {
			return err
		}
		res.Tables = append(res.Tables, t)
	}
	return nil
}

// idColumns are the columns naming a segment.
func (bt *biasTrace) idColumns() []Column {
	cols := []Column{{Name: "feature", Type: ColString}, {Name: "value", Type: ColString}}
	if bt.q.Pairs {
		cols = append(cols, Column{Name: "feature2", Type: ColString}, Column{Name: "value2", Type: ColString})
	}
	return cols
}

func (bt *biasTrace) idValues(id segmentID) []any {
	out := []any{id.feature, id.value}
	if bt.q.Pairs {
		out = append(out, id.feature2, id.value2)
	}
	return out
}

func (bt *biasTrace) table(segs []tracedSegment) Table {
	cols := bt.idColumns()
	cols = append(cols, Column{Name: "count", Type: ColInt}, Column{Name: "protected_count", Type: ColInt},
		Column{Name: "reference_count", Type: ColInt}, Column{Name: "disparate_impact", Type: ColNumber})
	cols = append(cols, bt.boundColumns()...)
	for _, m := range bt.metricColumns() {
		cols = append(cols, Column{Name: m, Type: ColNumber})
	}
	cols = append(cols, Column{Name: "contribution", Type: ColNumber}, Column{Name: "too_small", Type: ColBool})
	for _, s := range segs {
		p, r := s.counts.all.records()
		row := bt.idValues(s.counts.id)
		row = append(row, p+r, p, r, s.bias.DisparateImpact)
		row = append(row, s.bounds...)
		for _, v := range s.metricValues {
			row = append(row, v)
		}
		row = append(row, s.bias.Contribution, s.small)
		for i := range cols {
			cols[i].Values = append(cols[i].Values, row[i])
		}
	}
	return Table{Name: BiasTraceTable, Columns: cols}
}

// overTimeTable holds each segment's numbers per bucket: the contribution of
// a bucket compares the segment with the bucket's own records.
func (bt *biasTrace) overTimeTable(segs []tracedSegment) (Table, error) {
	cols := []Column{{Name: "time", Type: ColTime}}
	cols = append(cols, bt.idColumns()...)
	cols = append(cols, Column{Name: "count", Type: ColInt}, Column{Name: "disparate_impact", Type: ColNumber})
	cols = append(cols, bt.boundColumns()...)
	for _, m := range bt.metricColumns() {
		cols = append(cols, Column{Name: m, Type: ColNumber})
	}
	cols = append(cols, Column{Name: "contribution", Type: ColNumber})
	for _, s := range segs {
		starts := make([]int64, 0, len(s.counts.buckets))
		for t := range s.counts.buckets {
			starts = append(starts, t)
		}
		sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
		for _, t := range starts {
			b := s.counts.buckets[t]
			p, r := b.records()
			if p+r == 0 {
				continue
			}
			all, ok := bt.total.buckets[t]
			if !ok {
				return Table{}, fmt.Errorf("bias trace of model %q: bucket %d of segment %s=%s has no total", bt.q.Model, t, s.counts.id.feature, s.counts.id.value)
			}
			contribution, err := metrics.BiasContribution(all.selections(), b.selections())
			if err != nil {
				return Table{}, fmt.Errorf("bias trace of model %q: %w", bt.q.Model, err)
			}
			mv, err := bt.metricValues(b)
			if err != nil {
				return Table{}, err
			}
			row := []any{bucketTime(t)}
			row = append(row, bt.idValues(s.counts.id)...)
			row = append(row, p+r, b.selections().DisparateImpact())
			bounds, err := bt.bounds(b)
			if err != nil {
				return Table{}, err
			}
			row = append(row, bounds...)
			for _, v := range mv {
				row = append(row, v)
			}
			row = append(row, contribution)
			for i := range cols {
				cols[i].Values = append(cols[i].Values, row[i])
			}
		}
	}
	return Table{Name: BiasTraceOverTimeTable, Columns: cols}, nil
}
