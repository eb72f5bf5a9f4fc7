package engine

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// Embedding queries (DESIGN §4, METRICS.md "Embedding drift").
//
// embeddingDrift: one series per version; each point compares the centroid of
// the bucket's embeddings with the reference's centroid (euclidean or cosine).
// Centroids come from sums the store computes (VectorSums), so vectors never
// cross into Go. The reference is chosen as in drift: environment (+ version),
// window, version, or rolling (the query's records in the window before each
// bucket, versions pooled).
//
// embeddings: a table of sampled points for the projection panel: the
// reference and the current range sampled separately (deterministically, by
// id hash within time strata, so the sample is spread over time), at most
// referenceLimit and currentLimit points (defaults 2,000 and 3,000; limit
// alone splits 40/60), together within the datasource's maxSampleSize.
// Current points are checked for novelty (novelty.go) in the original space;
// vectors of more than 50 dimensions are then reduced by PCA fitted on the
// sample (pca.go) unless reduce is "none". A second table, novel_clusters,
// lists the new clusters with example texts.

func init() {
	register(models.TypeEmbeddingDrift, embeddingDriftQuery)
	register(models.TypeEmbeddings, embeddingsQuery)
}

// Sample sizes of an embeddings query.
const (
	DefaultReferenceSample = 2000
	DefaultCurrentSample   = 3000
	// sampleStrata is how many time strata a sample is spread over.
	sampleStrata = 100
	// embeddingMaxRollingFloats bounds the components of the vector sums one
	// query holds (groups × dimensions, or rolling steps × dimensions): 128 MB.
	embeddingMaxRollingFloats = 16_000_000
)

// EncodeVector encodes an embedding for the embeddings frame's vector column:
// standard base64 (RFC 4648, with padding) of the components as IEEE-754
// float32 in little-endian byte order, 4 bytes per component. A reader decodes
// the base64 and reads the bytes as a Float32Array on a little-endian host (or
// with DataView.getFloat32(offset, true)).
func EncodeVector(v []float32) string {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// DecodeVector reverses EncodeVector.
func DecodeVector(s string) ([]float32, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("decode vector: %w", err)
	}
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("decode vector: %d bytes is not a whole number of float32", len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}

// vectorEncodingMeta documents the vector column in the frame meta.
const vectorEncodingMeta = "base64 (RFC 4648, padded) of little-endian IEEE-754 float32 components, 4 bytes each"

// vectorGroups bounds the groups of one VectorSums call so their sums stay
// within embeddingMaxRollingFloats components (and the engine's group limit).
func (e *Engine) vectorGroups(dim int) int {
	return max(1, min(e.Limits.MaxGroups, embeddingMaxRollingFloats/max(dim, 1)))
}

// embeddingSchema loads the model and checks that it has embeddings.
func (e *Engine) embeddingSchema(ctx context.Context, model string) (*store.ModelSchema, error) {
	sch, err := e.schema(ctx, model)
	if err != nil {
		return nil, err
	}
	if sch.EmbeddingDim == 0 {
		return nil, &models.QueryError{Option: "model", Msg: fmt.Sprintf("model %q has no embeddings", model), Err: store.ErrNoEmbeddings}
	}
	return sch, nil
}

// embeddingErr turns store errors about embeddings into query errors: the
// data is the user's, not a bug of ours.
func embeddingErr(err error, model string) error {
	var de *store.DimensionError
	switch {
	case errors.As(err, &de):
		return &models.QueryError{Msg: de.Error() + "; re-ingest that record with a vector of the model's dimension", Err: err}
	case errors.Is(err, store.ErrNoEmbeddings):
		return &models.QueryError{Option: "model", Msg: fmt.Sprintf("model %q has no embeddings", model), Err: err}
	}
	return err
}

// embeddingDriftQuery answers embeddingDrift.
func embeddingDriftQuery(ctx context.Context, e *Engine, q *models.Query) (*Result, error) {
	sch, err := e.embeddingSchema(ctx, q.Model)
	if err != nil {
		return nil, err
	}
	if q.Reference == nil {
		q.Reference = &models.Reference{Type: "environment", Environment: "training"}
	}
	cur, err := e.scope(sch, q)
	if err != nil {
		return nil, err
	}
	ref := driftReferenceOf(q, cur)
	res := &Result{}
	res.meta("reference", ref.desc)
	res.meta("referenceType", q.Reference.Type)
	res.meta("dimensions", sch.EmbeddingDim)

	curSums, err := e.Store.VectorSums(ctx, store.VectorSumsRequest{
		Scope:     cur,
		Keys:      []store.Key{{Kind: store.KeyBucket, Interval: q.IntervalDur}, driftVersionKey},
		MaxGroups: e.vectorGroups(sch.EmbeddingDim),
	})
	if err != nil {
		return nil, embeddingErr(fmt.Errorf("current embedding sums: %w", err), q.Model)
	}
	var refAt func(bucket int64) (sum []float64, n int64)
	if ref.window > 0 {
		if refAt, err = e.rollingVectorSums(ctx, q, cur, curSums); err != nil {
			return nil, err
		}
		res.notice(Info, "reference: the query's records in the %s before each bucket", q.Reference.Window)
	} else {
		refSums, err := e.Store.VectorSums(ctx, store.VectorSumsRequest{Scope: ref.scope})
		if err != nil {
			return nil, embeddingErr(fmt.Errorf("reference embedding sums: %w", err), q.Model)
		}
		if len(refSums.Rows) == 0 {
			return nil, &models.QueryError{Option: "reference", Msg: fmt.Sprintf("the reference (%s) holds no records with an embedding", ref.desc)}
		}
		row := refSums.Rows[0]
		refAt = func(int64) ([]float64, int64) { return row.Sums, row.Count }
		res.meta("referenceRecords", row.Count)
		res.notice(Info, "reference: %s records with an embedding of %s", driftThousands(row.Count), ref.desc)
	}

	points := map[string][]Point{}
	empty := 0
	for _, row := range curSums.Rows {
		bucket, version := row.Keys[0].Int, row.Keys[1].Str
		if version == ref.skipVersion {
			continue
		}
		rs, rn := refAt(bucket)
		var v metrics.Optional
		if rn > 0 {
			dist, err := metrics.CentroidDistanceFromSums(rs, rn, row.Sums, row.Count)
			if err != nil {
				return nil, fmt.Errorf("embedding drift of %s at %s: %w", version, bucketTime(bucket).Format(time.RFC3339), err)
			}
			v = metrics.Some(dist.Euclidean)
			if q.Metric == "cosine" {
				v = dist.Cosine
			}
		} else {
			empty++
		}
		points[version] = append(points[version], Point{Time: bucketTime(bucket), Value: v})
	}
	versions := make([]string, 0, len(points))
	for v := range points {
		versions = append(versions, v)
	}
	sort.Strings(versions)
	title := map[string]string{"euclidean": "euclidean distance", "cosine": "cosine distance"}[q.Metric]
	for _, v := range versions {
		labels := []Label{{"model", q.Model}, {"version", v}}
		if q.Environment != "" {
			labels = append(labels, Label{"environment", q.Environment})
		}
		labels = append(labels, Label{"metric", q.Metric})
		res.Series = append(res.Series, Series{
			Name:   fmt.Sprintf("embedding centroid %s (%s)", title, v),
			Labels: labels,
			Unit:   "none",
			Points: points[v], // VectorSums orders groups by bucket
		})
	}
	if empty > 0 {
		res.notice(Info, "%d points are absent because their rolling reference (%s before the bucket) has no records with an embedding", empty, q.Reference.Window)
	}
	if len(res.Series) == 0 {
		res.notice(Info, "no records with an embedding in the time range")
	}
	return res, nil
}

// rollingVectorSums reads the span [first bucket − window, last bucket) in
// steps of gcd(interval, window), versions pooled, and returns the reference
// of each bucket: the steps in [bucket − window, bucket), from prefix sums.
func (e *Engine) rollingVectorSums(ctx context.Context, q *models.Query, cur store.Scope, curSums *store.VectorSumsResult) (func(int64) ([]float64, int64), error) {
	iv, w := q.IntervalDur.Milliseconds(), q.Reference.WindowDur.Milliseconds()
	if w <= 0 {
		return nil, &models.QueryError{Option: "reference.window", Msg: fmt.Sprintf("%q is shorter than a millisecond", q.Reference.Window)}
	}
	none := func(int64) ([]float64, int64) { return nil, 0 }
	if len(curSums.Rows) == 0 {
		return none, nil
	}
	step := gcd(iv, w)
	first, last := curSums.Rows[0].Keys[0].Int, curSums.Rows[0].Keys[0].Int
	for _, r := range curSums.Rows {
		first, last = min(first, r.Keys[0].Int), max(last, r.Keys[0].Int)
	}
	from, to := first-w, last
	if steps := (to - from) / step; float64(steps)*float64(curSums.Dim) > embeddingMaxRollingFloats {
		return nil, &models.QueryError{Option: "reference.window", Msg: fmt.Sprintf(
			"a rolling window of %s with an interval of %s needs %d steps of %s over the time range, too many for %d-dimensional sums; choose a window that is a multiple of the interval or a shorter time range",
			q.Reference.Window, q.Interval, steps, time.Duration(step)*time.Millisecond, curSums.Dim)}
	}
	sc := cur
	sc.From, sc.To = time.UnixMilli(from).UTC(), time.UnixMilli(to).UTC()
	span, err := e.Store.VectorSums(ctx, store.VectorSumsRequest{
		Scope:     sc,
		Keys:      []store.Key{{Kind: store.KeyBucket, Interval: time.Duration(step) * time.Millisecond}},
		MaxGroups: e.vectorGroups(curSums.Dim),
	})
	if err != nil {
		return nil, embeddingErr(fmt.Errorf("rolling reference embedding sums: %w", err), q.Model)
	}
	n := len(span.Rows)
	starts := make([]int64, n)
	prefix := make([][]float64, n+1)
	counts := make([]int64, n+1)
	prefix[0] = make([]float64, span.Dim)
	for i, r := range span.Rows {
		starts[i] = r.Keys[0].Int
		p := make([]float64, span.Dim)
		for k := range p {
			p[k] = prefix[i][k] + r.Sums[k]
		}
		prefix[i+1], counts[i+1] = p, counts[i]+r.Count
	}
	index := func(t int64) int { return sort.Search(n, func(i int) bool { return starts[i] >= t }) }
	return func(bucket int64) ([]float64, int64) {
		lo, hi := index(bucket-w), index(bucket)
		cnt := counts[hi] - counts[lo]
		if cnt == 0 {
			return nil, 0
		}
		sum := make([]float64, span.Dim)
		for k := range sum {
			sum[k] = prefix[hi][k] - prefix[lo][k]
		}
		return sum, cnt
	}, nil
}

// EmbeddingSample is an embeddings query's sampled points and their novelty.
type EmbeddingSample struct {
	Model     string
	Dim       int
	Reference []store.Record
	Current   []store.Record
	// ReferenceDesc says what the reference holds ("environment training").
	ReferenceDesc string
	// Novelty is nil when it could not be computed (see Notices).
	Novelty *noveltyResult
	Notices []Notice
}

// ClusterLabel is the cluster column's value of current point i: "1", "2"…
// for the reported new clusters, "" otherwise.
func (s *EmbeddingSample) ClusterLabel(i int) string {
	if s.Novelty == nil || s.Novelty.Cluster[i] < 0 {
		return ""
	}
	return strconv.Itoa(s.Novelty.Cluster[i] + 1)
}

// IsNovel reports whether current point i is novel.
func (s *EmbeddingSample) IsNovel(i int) bool { return s.Novelty != nil && s.Novelty.Novel[i] }

// sampleSizes resolves the reference and current sample sizes.
func (e *Engine) sampleSizes(q *models.Query) (ref, cur int, notice string, err error) {
	maxN := e.Limits.MaxSampleSize
	over := func(option string, n int) error {
		return &models.QueryError{Option: option, Msg: fmt.Sprintf("%d points is more than the datasource's maxSampleSize of %d", n, maxN)}
	}
	switch {
	case q.Limit > maxN:
		return 0, 0, "", over("limit", q.Limit)
	case q.ReferenceLimit > maxN:
		return 0, 0, "", over("referenceLimit", q.ReferenceLimit)
	case q.CurrentLimit > maxN:
		return 0, 0, "", over("currentLimit", q.CurrentLimit)
	}
	ref, cur = q.ReferenceLimit, q.CurrentLimit
	if q.Limit > 0 {
		switch {
		case ref == 0 && cur == 0:
			ref = max(1, q.Limit*2/5)
			cur = q.Limit - ref
		case ref == 0:
			ref = q.Limit - cur
		case cur == 0:
			cur = q.Limit - ref
		}
		if ref <= 0 || cur <= 0 || ref+cur > q.Limit {
			return 0, 0, "", &models.QueryError{Option: "limit", Msg: fmt.Sprintf(
				"%d points cannot hold referenceLimit %d and currentLimit %d; both samples need at least one point", q.Limit, q.ReferenceLimit, q.CurrentLimit)}
		}
		return ref, cur, "", nil
	}
	userRef, userCur := ref > 0, cur > 0
	if !userRef {
		ref = DefaultReferenceSample
	}
	if !userCur {
		cur = DefaultCurrentSample
	}
	if ref+cur <= maxN {
		return ref, cur, "", nil
	}
	if userRef && userCur {
		return 0, 0, "", &models.QueryError{Option: "currentLimit", Msg: fmt.Sprintf(
			"referenceLimit %d + currentLimit %d = %d points is more than the datasource's maxSampleSize of %d", ref, cur, ref+cur, maxN)}
	}
	// Defaults shrink to fit the setting, keeping what the user chose.
	switch {
	case userRef:
		cur = maxN - ref
	case userCur:
		ref = maxN - cur
	default:
		ref = max(1, maxN*2/5)
		cur = maxN - ref
	}
	if ref <= 0 || cur <= 0 {
		option := "referenceLimit"
		if userCur {
			option = "currentLimit"
		}
		return 0, 0, "", &models.QueryError{Option: option, Msg: fmt.Sprintf("leaves no room for the other sample within the datasource's maxSampleSize of %d", maxN)}
	}
	return ref, cur, fmt.Sprintf("samples of %d reference and %d current points fit the datasource's maxSampleSize of %d", ref, cur, maxN), nil
}

// stratum picks the stratification interval spreading a sample over
// sampleStrata buckets of [from, to].
func stratum(from, to int64) time.Duration {
	span := to - from + 1
	if span <= 1 {
		return 0
	}
	ms := (span + sampleStrata - 1) / sampleStrata
	return time.Duration(ms) * time.Millisecond
}

// SampleEmbeddings samples an embeddings query's reference and current points
// and detects novelty among them; a user's mistake is a *models.QueryError.
func (e *Engine) SampleEmbeddings(ctx context.Context, q *models.Query) (*EmbeddingSample, error) {
	s, err := e.sampleEmbeddings(ctx, q)
	if err != nil {
		return nil, classify(err)
	}
	return s, nil
}

func (e *Engine) sampleEmbeddings(ctx context.Context, q *models.Query) (*EmbeddingSample, error) {
	sch, err := e.embeddingSchema(ctx, q.Model)
	if err != nil {
		return nil, err
	}
	if q.Reference == nil {
		q.Reference = &models.Reference{Type: "environment", Environment: "training"}
	}
	if q.Reference.Type == "rolling" {
		return nil, &models.QueryError{Option: "reference.type", Msg: "a rolling reference moves with each time bucket, but an embeddings query compares one reference sample with the whole time range; use an environment, window or version reference"}
	}
	if q.MinClusterSize < 0 || q.MinClusterSize == 1 {
		return nil, &models.QueryError{Option: "minClusterSize", Msg: fmt.Sprintf("%d: a cluster needs at least 2 points", q.MinClusterSize)}
	}
	refN, curN, sizeNote, err := e.sampleSizes(q)
	if err != nil {
		return nil, err
	}
	cur, err := e.scope(sch, q)
	if err != nil {
		return nil, err
	}
	ref := driftReferenceOf(q, cur)
	if ref.skipVersion != "" {
		// The reference version is not part of the current points.
		cur.Filters = append(cur.Filters, store.Filter{Col: store.Column{Kind: store.ColVersion}, Op: store.OpNotIn, Values: []store.Value{store.Str(ref.skipVersion)}})
	}
	out := &EmbeddingSample{Model: q.Model, Dim: sch.EmbeddingDim, ReferenceDesc: ref.desc}
	if sizeNote != "" {
		out.Notices = append(out.Notices, Notice{Info, sizeNote})
	}

	span, err := e.Store.Aggregate(ctx, store.AggregateRequest{
		Scope: ref.scope,
		Measures: []store.Measure{{Op: store.Count},
			{Op: store.Min, A: store.Column{Kind: store.ColTime}}, {Op: store.Max, A: store.Column{Kind: store.ColTime}}},
	})
	if err != nil {
		return nil, fmt.Errorf("reference time span: %w", err)
	}
	if len(span.Rows) == 0 || span.Rows[0].Measures[0] == 0 {
		return nil, &models.QueryError{Option: "reference", Msg: fmt.Sprintf("the reference (%s) holds no records", ref.desc)}
	}
	m := span.Rows[0].Measures
	out.Reference, err = e.Store.Sample(ctx, store.SampleRequest{Scope: ref.scope, Limit: refN, Stratify: stratum(int64(m[1]), int64(m[2])), Embeddings: true})
	if err != nil {
		return nil, embeddingErr(fmt.Errorf("reference sample: %w", err), q.Model)
	}
	if len(out.Reference) == 0 {
		return nil, &models.QueryError{Option: "reference", Msg: fmt.Sprintf("the reference (%s) holds no records with an embedding", ref.desc)}
	}
	out.Current, err = e.Store.Sample(ctx, store.SampleRequest{Scope: cur, Limit: curN, Stratify: stratum(q.From.UnixMilli(), q.To.UnixMilli()-1), Embeddings: true})
	if err != nil {
		return nil, embeddingErr(fmt.Errorf("current sample: %w", err), q.Model)
	}
	for _, set := range [][]store.Record{out.Reference, out.Current} {
		for i := range set {
			if n := len(set[i].Embedding); n != sch.EmbeddingDim {
				return nil, embeddingErr(&store.DimensionError{Model: q.Model, ID: set[i].ID, Got: n, Want: sch.EmbeddingDim}, q.Model)
			}
		}
	}

	minSize := q.MinClusterSize
	if minSize == 0 {
		minSize = defaultMinClusterSize
	}
	nr, nc := len(out.Reference), len(out.Current)
	switch {
	case nr < 2:
		out.Notices = append(out.Notices, Notice{Info, "novelty is not computed: the reference sample has a single point"})
	case float64(nr+nc)*float64(nr)*float64(sch.EmbeddingDim) > noveltyMaxWork:
		out.Notices = append(out.Notices, Notice{Info, fmt.Sprintf(
			"novelty is not computed for %d reference × %d points of %d dimensions; lower referenceLimit or currentLimit", nr, nr+nc, sch.EmbeddingDim)})
	default:
		vecs := func(rs []store.Record) [][]float32 {
			v := make([][]float32, len(rs))
			for i := range rs {
				v[i] = rs[i].Embedding
			}
			return v
		}
		out.Novelty, err = detectNovelty(ctx, vecs(out.Reference), vecs(out.Current), sch.EmbeddingDim, minSize)
		if err != nil {
			return nil, fmt.Errorf("novelty detection: %w", err)
		}
		if !out.Novelty.Linked {
			out.Notices = append(out.Notices, Notice{Info, "too many novel points to group them into clusters"})
		}
	}
	return out, nil
}

// OutcomeText renders a prediction or an actual as text: the label, else the
// value, else the score, else "".
func OutcomeText(o store.Outcome) string {
	switch {
	case o.HasLabel:
		return o.Label
	case o.HasValue:
		return strconv.FormatFloat(o.Value, 'g', -1, 64)
	case o.HasScore:
		return strconv.FormatFloat(o.Score, 'g', -1, 64)
	}
	return ""
}

// embeddingsQuery answers embeddings: the points table and novel_clusters.
func embeddingsQuery(ctx context.Context, e *Engine, q *models.Query) (*Result, error) {
	switch q.Reduce {
	case "", "pca", "none":
	default:
		return nil, &models.QueryError{Option: "reduce", Msg: fmt.Sprintf("%q is not a reduction; one of pca, none", q.Reduce)}
	}
	if err := e.checkSampleSize(q, embeddingColumns); err != nil {
		return nil, err
	}
	s, err := e.SampleEmbeddings(ctx, q)
	if err != nil {
		return nil, err
	}
	res := &Result{Notices: s.Notices}
	all := make([][]float32, 0, len(s.Reference)+len(s.Current))
	for _, set := range [][]store.Record{s.Reference, s.Current} {
		for i := range set {
			all = append(all, set[i].Embedding)
		}
	}
	vectors, reduced := all, "none"
	if q.Reduce != "none" && s.Dim > pcaDims {
		fit, err := fitPCA(all, s.Dim, pcaDims)
		if err != nil {
			res.notice(Info, "vectors are sent in full: %v", err)
		} else {
			vectors, reduced = fit.project(all), fmt.Sprintf("pca-%d", fit.dims())
			res.meta("explainedVariance", fit.explained)
		}
	}
	cols := []Column{
		{Name: "id", Type: ColString}, {Name: "time", Type: ColTime}, {Name: "version", Type: ColString},
		{Name: "environment", Type: ColString}, {Name: "set", Type: ColString}, {Name: "prediction", Type: ColString},
		{Name: "actual", Type: ColString}, {Name: "text", Type: ColString}, {Name: "novel", Type: ColBool},
		{Name: "cluster", Type: ColString}, {Name: "vector", Type: ColString},
	}
	k := 0
	for setIdx, set := range [][]store.Record{s.Reference, s.Current} {
		name := []string{"reference", "current"}[setIdx]
		for i := range set {
			r := &set[i]
			novel, cluster := false, ""
			if setIdx == 1 {
				novel, cluster = s.IsNovel(i), s.ClusterLabel(i)
			}
			row := []any{r.ID, r.Time, r.Version, r.Environment, name, OutcomeText(r.Prediction), OutcomeText(r.Actual), r.Text, novel, cluster, EncodeVector(vectors[k])}
			for c := range cols {
				cols[c].Values = append(cols[c].Values, row[c])
			}
			k++
		}
	}
	res.Tables = append(res.Tables, Table{Name: "embeddings", Columns: cols})

	dims := s.Dim
	if len(vectors) > 0 {
		dims = len(vectors[0])
	}
	res.meta("vectorEncoding", vectorEncodingMeta)
	res.meta("vectorDimensions", dims)
	res.meta("embeddingDimensions", s.Dim)
	res.meta("reduced", reduced)
	res.meta("reference", s.ReferenceDesc)
	res.meta("referenceType", q.Reference.Type)
	res.meta("referenceSample", len(s.Reference))
	res.meta("currentSample", len(s.Current))
	res.notice(Info, "%d reference points (%s) and %d current points, sampled by id hash across time", len(s.Reference), s.ReferenceDesc, len(s.Current))
	if len(s.Current) == 0 {
		res.notice(Info, "no records with an embedding in the time range")
	}

	clusters := []Column{{Name: "cluster", Type: ColString}, {Name: "size", Type: ColInt}, {Name: "share", Type: ColNumber}, {Name: "examples", Type: ColString}}
	if nv := s.Novelty; nv != nil {
		novel := 0
		for _, b := range nv.Novel {
			if b {
				novel++
			}
		}
		minSize := q.MinClusterSize
		if minSize == 0 {
			minSize = defaultMinClusterSize
		}
		res.meta("novelty", map[string]any{
			"rule": "novel: mean cosine similarity to the k nearest reference points below the threshold, the 1st percentile of the reference points' own; " +
				"clusters: novel points linked when their similarity is at least the threshold, then groups merged when their mean directions are more similar to each other than to the nearest reference point",
			"k":              nv.K,
			"quantile":       noveltyQuantile,
			"threshold":      nv.Threshold,
			"minClusterSize": minSize,
			"novelPoints":    novel,
			"clusters":       len(nv.Clusters),
		})
		for ci, cl := range nv.Clusters {
			examples := make([]string, len(cl.Examples))
			for i, idx := range cl.Examples {
				examples[i] = s.Current[idx].Text
			}
			ex, err := json.Marshal(examples)
			if err != nil {
				return nil, fmt.Errorf("cluster examples: %w", err)
			}
			row := []any{strconv.Itoa(ci + 1), int64(len(cl.Members)), float64(len(cl.Members)) / float64(len(s.Current)), string(ex)}
			for c := range clusters {
				clusters[c].Values = append(clusters[c].Values, row[c])
			}
		}
		if len(nv.Clusters) > 0 {
			res.notice(Warning, "%d new cluster(s) in the current data, the largest with %d of %d sampled points", len(nv.Clusters), len(nv.Clusters[0].Members), len(s.Current))
		}
	}
	res.Tables = append(res.Tables, Table{Name: "novel_clusters", Columns: clusters})
	return res, nil
}
