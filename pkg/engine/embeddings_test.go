package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/demo"
	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/duckdb"
)

var embT0 = time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)

// embeddingGolden is the embedding-new-cluster case of the golden file.
type embeddingGolden struct {
	Name      string
	Reference [][]float64
	Current   [][]float64
	Expected  map[string]float64
}

func loadEmbeddingGolden(t *testing.T) embeddingGolden {
	t.Helper()
	cases := goldenCases[struct {
		Name      string          `json:"name"`
		Kind      string          `json:"kind"`
		Reference json.RawMessage `json:"reference"`
		Current   json.RawMessage `json:"current"`
		Expected  json.RawMessage `json:"expected"`
	}](t)
	for _, c := range cases {
		if c.Name != "embedding-new-cluster" {
			continue
		}
		g := embeddingGolden{Name: c.Name}
		if c.Kind != "embedding" || json.Unmarshal(c.Reference, &g.Reference) != nil || json.Unmarshal(c.Current, &g.Current) != nil ||
			json.Unmarshal(c.Expected, &g.Expected) != nil ||
			len(g.Reference) == 0 || len(g.Current) == 0 {
			t.Fatalf("golden case %s is not an embedding case", c.Name)
		}
		return g
	}
	t.Fatal("golden case embedding-new-cluster not found")
	return embeddingGolden{}
}

func f32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// embRecord is a record of model "emb" with an embedding and a text.
func embRecord(id string, at time.Time, version, env string, vec []float32, text string) store.Record {
	return store.Record{
		Model: "emb", ID: id, Version: version, Environment: env, Time: at,
		Prediction: store.Outcome{Label: "pos", HasLabel: true, Score: 0.8, HasScore: true},
		Embedding:  vec, Text: text,
	}
}

// goldenEmbeddingRecords stores the golden reference as training (a month
// before) and the current sample as production v1, inside the first hour.
func goldenEmbeddingRecords(g embeddingGolden) []store.Record {
	var recs []store.Record
	for i, v := range g.Reference {
		recs = append(recs, embRecord(fmt.Sprintf("r%03d", i), embT0.Add(-30*24*time.Hour+time.Duration(i)*time.Second), "v1", "training", f32(v), fmt.Sprintf("reference %d", i)))
	}
	for i, v := range g.Current {
		recs = append(recs, embRecord(fmt.Sprintf("c%03d", i), embT0.Add(time.Duration(i)*time.Second), "v1", "production", f32(v), fmt.Sprintf("current %d", i)))
	}
	return recs
}

func embEngine(t *testing.T, lim Limits, recs ...[]store.Record) (*Engine, *duckdb.Store) {
	t.Helper()
	return testEngine(t, lim, embT0, recs...)
}

// wantQueryError checks that err is a query error naming the option and
// containing every part.
func wantQueryError(t *testing.T, err error, option string, parts ...string) {
	t.Helper()
	var qe *models.QueryError
	if !errors.As(err, &qe) {
		t.Fatalf("want a query error on %q, got %v", option, err)
	}
	if qe.Option != option {
		t.Errorf("error %q names option %q, want %q", err, qe.Option, option)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err, p)
		}
	}
}

func TestEmbeddingDriftGolden(t *testing.T) {
	g := loadEmbeddingGolden(t)
	e, _ := embEngine(t, Limits{}, goldenEmbeddingRecords(g))
	for _, metric := range []string{"euclidean", "cosine"} {
		res := mustQuery(t, e, embT0, embT0.Add(time.Hour), `{"queryType":"embeddingDrift","model":"emb","environment":"production","metric":"`+metric+`","interval":"1h"}`)
		if len(res.Series) != 1 || len(res.Series[0].Points) != 1 {
			t.Fatalf("%s: want one series with one point, got %+v", metric, res.Series)
		}
		s := res.Series[0]
		if l := labelMap(s); l["model"] != "emb" || l["version"] != "v1" || l["environment"] != "production" || l["metric"] != metric {
			t.Errorf("%s labels %v", metric, l)
		}
		got, ok := s.Points[0].Value.Get()
		if !ok {
			t.Fatalf("%s: absent", metric)
		}
		want := g.Expected[metric]
		// The store keeps embeddings as float32 (DESIGN §3), which rounds the
		// golden inputs by up to 2⁻²⁴ relative. The euclidean distance stays
		// within 1e-9 of the float64 value; the cosine distance, a difference
		// of near-equal terms, moves by 8e-9 (the same computation in float64
		// on the rounded inputs gives 0.9162849650…). The exact check of the
		// metric against the golden value on unrounded inputs is
		// TestEmbeddingDriftGoldenFromSums.
		tol := 1e-9
		if metric == "cosine" {
			tol = 2e-8
		}
		if math.Abs(got-want) > tol*math.Abs(want) {
			t.Errorf("%s = %.15g, want %.15g (rel %.2g)", metric, got, want, math.Abs(got-want)/want)
		}
	}
}

// sumStore answers VectorSums from float64 vectors held in Go, so the
// engine's centroid path is checked on the golden inputs without float32
// rounding.
type sumStore struct {
	store.Store
	byEnv map[string][][]float64
	at    time.Time
}

func (s sumStore) VectorSums(_ context.Context, req store.VectorSumsRequest) (*store.VectorSumsResult, error) {
	env := req.Scope.Environments[0]
	vecs := s.byEnv[env]
	row := store.VectorSumsRow{Count: int64(len(vecs)), Sums: make([]float64, len(vecs[0]))}
	for k := range row.Sums {
		// Neumaier-compensated column sums.
		var sum, carry float64
		for _, v := range vecs {
			x := v[k]
			t := sum + x
			if math.Abs(sum) >= math.Abs(x) {
				carry += (sum - t) + x
			} else {
				carry += (x - t) + sum
			}
			sum = t
		}
		row.Sums[k] = sum + carry
	}
	for range req.Keys {
		row.Keys = append(row.Keys, store.KeyValue{})
	}
	if len(req.Keys) == 2 {
		row.Keys[0] = store.KeyValue{Int: s.at.UnixMilli()}
		row.Keys[1] = store.KeyValue{Str: "v1"}
	}
	return &store.VectorSumsResult{Dim: len(row.Sums), Rows: []store.VectorSumsRow{row}}, nil
}

func TestEmbeddingDriftGoldenFromSums(t *testing.T) {
	g := loadEmbeddingGolden(t)
	recs := goldenEmbeddingRecords(g)
	// One stored record per environment: the sums come from sumStore, but
	// the query's environment must be one the model has.
	e, _ := embEngine(t, Limits{}, []store.Record{recs[0], recs[len(g.Reference)]})
	e.Store = sumStore{Store: e.Store, byEnv: map[string][][]float64{"training": g.Reference, "production": g.Current}, at: embT0}
	for _, metric := range []string{"euclidean", "cosine"} {
		res := mustQuery(t, e, embT0, embT0.Add(time.Hour), `{"queryType":"embeddingDrift","model":"emb","environment":"production","metric":"`+metric+`","interval":"1h"}`)
		got, ok := res.Series[0].Points[0].Value.Get()
		if want := g.Expected[metric]; !ok || math.Abs(got-want) > 1e-9*math.Abs(want) {
			t.Errorf("%s = %.17g, want %.17g within 1e-9", metric, got, want)
		}
	}
}

// clusterVec is a unit-ish vector near one of a few fixed directions.
func clusterVec(centre, i, d int) []float32 {
	v := make([]float32, d)
	v[centre%d] = 1
	for k := range v {
		v[k] += float32(0.05 * math.Sin(float64(i*7+k*13+centre)))
	}
	return v
}

func TestEmbeddingDriftPerVersionAndReference(t *testing.T) {
	const d = 8
	var recs []store.Record
	// Training: centre 0. Production v1 stays at centre 0, v2 moves to centre 1
	// in the second hour.
	for i := 0; i < 40; i++ {
		recs = append(recs, embRecord(fmt.Sprintf("t%d", i), embT0.Add(-48*time.Hour+time.Duration(i)*time.Minute), "v1", "training", clusterVec(0, i, d), ""))
	}
	var v1h1, v2h2 [][]float64
	for i := 0; i < 120; i++ {
		at := embT0.Add(time.Duration(i) * time.Minute)
		version, centre := "v1", 0
		if i%2 == 1 {
			version = "v2"
			if i >= 60 {
				centre = 1
			}
		}
		vec := clusterVec(centre, i, d)
		recs = append(recs, embRecord(fmt.Sprintf("p%d", i), at, version, "production", vec, ""))
		if version == "v1" && i < 60 {
			v1h1 = append(v1h1, f64(vec))
		}
		if version == "v2" && i >= 60 {
			v2h2 = append(v2h2, f64(vec))
		}
	}
	// A record without an embedding counts for nothing.
	recs = append(recs, embRecord("plain", embT0.Add(time.Minute), "v1", "production", nil, "no vector"))
	e, _ := embEngine(t, Limits{}, recs)
	var train [][]float64
	for _, r := range recs[:40] {
		train = append(train, f64(r.Embedding))
	}
	res := mustQuery(t, e, embT0, embT0.Add(2*time.Hour), `{"queryType":"embeddingDrift","model":"emb","environment":"production","metric":"euclidean","interval":"1h"}`)
	if len(res.Series) != 2 {
		t.Fatalf("want a series per version, got %d", len(res.Series))
	}
	pts := map[string][]float64{}
	for _, s := range res.Series {
		for _, p := range s.Points {
			v, _ := p.Value.Get()
			pts[labelMap(s)["version"]] = append(pts[labelMap(s)["version"]], v)
		}
	}
	want := func(ref, cur [][]float64) float64 {
		r, _ := metrics.Centroid(ref)
		c, _ := metrics.Centroid(cur)
		dist, _ := metrics.CentroidDistance(r, c)
		return dist.Euclidean
	}
	if w := want(train, v1h1); len(pts["v1"]) != 2 || math.Abs(pts["v1"][0]-w) > 1e-9 {
		t.Errorf("v1 first hour = %v, want %v", pts["v1"], w)
	}
	if w := want(train, v2h2); len(pts["v2"]) != 2 || math.Abs(pts["v2"][1]-w) > 1e-9 || pts["v2"][1] < 1 || pts["v2"][0] > 0.1 {
		t.Errorf("v2 = %v, want small then %v", pts["v2"], w)
	}

	// Reference version v1: v2 against v1 over the same range; v1's own series is left out.
	res = mustQuery(t, e, embT0, embT0.Add(2*time.Hour), `{"queryType":"embeddingDrift","model":"emb","metric":"cosine","interval":"1h","reference":{"type":"version","version":"v1"}}`)
	if len(res.Series) != 1 || labelMap(res.Series[0])["version"] != "v2" {
		t.Fatalf("version reference: %s", describeSeries(res))
	}
	// Rolling 1h: the second hour of v2 against the first hour (both versions pooled).
	res = mustQuery(t, e, embT0, embT0.Add(2*time.Hour), `{"queryType":"embeddingDrift","model":"emb","environment":"production","versions":["v2"],"metric":"euclidean","interval":"1h","reference":{"type":"rolling","window":"1h"}}`)
	if len(res.Series) != 1 || len(res.Series[0].Points) != 2 {
		t.Fatalf("rolling: %s", describeSeries(res))
	}
	if _, ok := res.Series[0].Points[0].Value.Get(); ok {
		t.Error("rolling: the first hour has no window before it and should be absent")
	}
	var v2h1 [][]float64
	for i := 1; i < 60; i += 2 {
		v2h1 = append(v2h1, f64(recs[40+i].Embedding))
	}
	if got, _ := res.Series[0].Points[1].Value.Get(); math.Abs(got-want(v2h1, v2h2)) > 1e-9 {
		t.Errorf("rolling second hour = %v, want %v", got, want(v2h1, v2h2))
	}

	// Two versions × two hours are four groups of sums.
	e.Limits.MaxGroups = 3
	_, err := runQuery(t, e, embT0, embT0.Add(2*time.Hour), `{"queryType":"embeddingDrift","model":"emb","environment":"production","interval":"1h"}`)
	wantQueryError(t, err, "interval", "more than 3 groups")
}

func f64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func TestEmbeddingQueriesRejectBadInput(t *testing.T) {
	const d = 4
	recs := []store.Record{
		{Model: "plain", ID: "a", Version: "v1", Environment: "production", Time: embT0, Prediction: store.Outcome{Label: "1", HasLabel: true}},
	}
	for i := 0; i < 30; i++ {
		recs = append(recs, embRecord(fmt.Sprintf("p%02d", i), embT0.Add(time.Duration(i)*time.Minute), "v1", "production", clusterVec(i%2, i, d), "x"))
	}
	recs = append(recs, embRecord("t0", embT0.Add(-time.Hour), "v1", "training", clusterVec(0, 0, d), "t"))
	e, st := embEngine(t, Limits{MaxSampleSize: 100}, recs)
	from, to := embT0, embT0.Add(time.Hour)

	for _, qt := range []string{"embeddingDrift", "embeddings"} {
		_, err := runQuery(t, e, from, to, `{"queryType":"`+qt+`","model":"plain"}`)
		wantQueryError(t, err, "model", `model "plain" has no embeddings`)
	}
	_, err := runQuery(t, e, from, to, `{"queryType":"embeddings","model":"emb","currentLimit":101}`)
	wantQueryError(t, err, "currentLimit", "101 points", "maxSampleSize of 100")
	_, err = runQuery(t, e, from, to, `{"queryType":"embeddings","model":"emb","referenceLimit":500}`)
	wantQueryError(t, err, "referenceLimit", "500 points", "maxSampleSize of 100")
	_, err = runQuery(t, e, from, to, `{"queryType":"embeddings","model":"emb","limit":1000}`)
	wantQueryError(t, err, "limit", "1000 points", "maxSampleSize of 100")
	_, err = runQuery(t, e, from, to, `{"queryType":"embeddings","model":"emb","referenceLimit":60,"currentLimit":60}`)
	wantQueryError(t, err, "currentLimit", "= 120 points", "maxSampleSize of 100")
	_, err = runQuery(t, e, from, to, `{"queryType":"embeddings","model":"emb","reduce":"tsne"}`)
	wantQueryError(t, err, "reduce", `"tsne"`)
	_, err = runQuery(t, e, from, to, `{"queryType":"embeddings","model":"emb","reference":{"type":"rolling","window":"1h"}}`)
	wantQueryError(t, err, "reference.type", "rolling")
	_, err = runQuery(t, e, from, to, `{"queryType":"embeddings","model":"emb","reference":{"type":"environment","environment":"staging"}}`)
	wantQueryError(t, err, "reference", "environment staging", "no records")
	_, err = runQuery(t, e, from, to, `{"queryType":"embeddingDrift","model":"emb","reference":{"type":"environment","environment":"staging"}}`)
	wantQueryError(t, err, "reference", "environment staging", "no records with an embedding")

	// Defaults shrink to the setting, with a notice.
	res := mustQuery(t, e, from, to, `{"queryType":"embeddings","model":"emb","environment":"production"}`)
	if n := len(res.Tables[0].Columns[0].Values); n != 31 { // 1 reference + 30 current
		t.Errorf("%d points, want all 31", n)
	}
	if !hasNotice(res, Info, "maxSampleSize of 100") {
		t.Errorf("no notice about the shrunk samples: %+v", res.Notices)
	}

	// A stored vector of the wrong length is named by its record id, in both queries.
	var key int
	if err := st.DB().QueryRow(`SELECT model_key FROM vigil_models WHERE name = 'emb'`).Scan(&key); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().Exec(fmt.Sprintf(`UPDATE inf_%d SET embedding = [0.5, 0.5]::FLOAT[] WHERE id = 'p07'`, key)); err != nil {
		t.Fatal(err)
	}
	for _, qt := range []string{"embeddingDrift", "embeddings"} {
		_, err := runQuery(t, e, from, to, `{"queryType":"`+qt+`","model":"emb"}`)
		wantQueryError(t, err, "", `record "p07"`, "2 dimensions", "have 4")
	}
}

func TestEmbeddingsTable(t *testing.T) {
	const d = 64
	var recs []store.Record
	for i := 0; i < 300; i++ {
		recs = append(recs, embRecord(fmt.Sprintf("t%03d", i), embT0.Add(-72*time.Hour+time.Duration(i)*time.Minute), "v1", "training", clusterVec(i%3, i, d), fmt.Sprintf("known %d", i%3)))
	}
	for i := 0; i < 400; i++ {
		centre := i % 3
		text := fmt.Sprintf("known %d", centre)
		if i%4 == 0 {
			centre, text = 40, "brand new" // a direction the reference never saw
		}
		r := embRecord(fmt.Sprintf("p%03d", i), embT0.Add(time.Duration(i)*9*time.Second), []string{"v1", "v2"}[i%2], "production", clusterVec(centre, i, d), text)
		if i%3 == 0 {
			r.Actual = store.Outcome{Label: "neg", HasLabel: true}
			r.ActualTime = r.Time
		}
		recs = append(recs, r)
	}
	e, _ := embEngine(t, Limits{}, recs)
	from, to := embT0, embT0.Add(time.Hour)
	q := `{"queryType":"embeddings","model":"emb","environment":"production","referenceLimit":200,"currentLimit":250}`
	res := mustQuery(t, e, from, to, q)
	if len(res.Tables) != 2 || res.Tables[0].Name != "embeddings" || res.Tables[1].Name != "novel_clusters" {
		t.Fatalf("tables: %+v", res.Tables)
	}
	cols := map[string][]any{}
	var names []string
	for _, c := range res.Tables[0].Columns {
		cols[c.Name] = c.Values
		names = append(names, c.Name)
	}
	if got := strings.Join(names, ","); got != "id,time,version,environment,set,prediction,actual,text,novel,cluster,vector" {
		t.Fatalf("columns %s", got)
	}
	sets := map[string]int{}
	newInCluster, newTotal, knownNovel := 0, 0, 0
	for i := range cols["id"] {
		set := cols["set"][i].(string)
		sets[set]++
		vec, err := DecodeVector(cols["vector"][i].(string))
		if err != nil || len(vec) != 50 {
			t.Fatalf("row %d: vector of %d dims (%v), want 50 after PCA", i, len(vec), err)
		}
		if set == "reference" && (cols["novel"][i].(bool) || cols["cluster"][i].(string) != "") {
			t.Errorf("reference point %s marked novel", cols["id"][i])
		}
		if set != "current" {
			continue
		}
		if cols["text"][i] == "brand new" {
			newTotal++
			if cols["cluster"][i] == "1" && cols["novel"][i] == true {
				newInCluster++
			}
		} else if cols["novel"][i].(bool) {
			knownNovel++
		}
		id := cols["id"][i].(string)
		var n int
		fmt.Sscanf(id, "p%d", &n)
		if wantActual := map[bool]string{true: "neg", false: ""}[n%3 == 0]; cols["actual"][i] != wantActual || cols["prediction"][i] != "pos" {
			t.Errorf("%s: prediction %v actual %v", id, cols["prediction"][i], cols["actual"][i])
		}
	}
	if sets["reference"] != 200 || sets["current"] != 250 {
		t.Errorf("sample sizes %v, want 200 reference and 250 current", sets)
	}
	if newTotal == 0 || newInCluster != newTotal || knownNovel > 5 {
		t.Errorf("new direction: %d of %d in cluster 1; %d known points novel", newInCluster, newTotal, knownNovel)
	}
	cl := res.Tables[1].Columns
	if len(cl[0].Values) != 1 || cl[0].Values[0] != "1" || cl[1].Values[0] != int64(newTotal) || !strings.Contains(cl[3].Values[0].(string), "brand new") {
		t.Errorf("novel_clusters: %+v", cl)
	}
	if res.Meta["reduced"] != "pca-50" || res.Meta["vectorDimensions"] != 50 || res.Meta["embeddingDimensions"] != d {
		t.Errorf("meta %v", res.Meta)
	}
	if ev, ok := res.Meta["explainedVariance"].(float64); !ok || ev <= 0.5 || ev > 1 {
		t.Errorf("explained variance %v", res.Meta["explainedVariance"])
	}
	if !strings.Contains(fmt.Sprint(res.Meta["vectorEncoding"]), "little-endian") {
		t.Errorf("vector encoding not documented: %v", res.Meta["vectorEncoding"])
	}

	// Deterministic: the same query gives the same table.
	again := mustQuery(t, e, from, to, q)
	for c := range res.Tables[0].Columns {
		if fmt.Sprint(again.Tables[0].Columns[c].Values) != fmt.Sprint(res.Tables[0].Columns[c].Values) {
			t.Fatalf("column %s differs between two runs", res.Tables[0].Columns[c].Name)
		}
	}

	// reduce none keeps the original vectors, bit for bit.
	full := mustQuery(t, e, from, to, `{"queryType":"embeddings","model":"emb","environment":"production","limit":20,"reduce":"none"}`)
	byID := map[string]store.Record{}
	for _, r := range recs {
		byID[r.ID] = r
	}
	ids, vecs := full.Tables[0].Columns[0].Values, full.Tables[0].Columns[10].Values
	if len(ids) != 20 || full.Meta["reduced"] != "none" {
		t.Fatalf("limit 20: %d points, reduced %v", len(ids), full.Meta["reduced"])
	}
	for i := range ids {
		v, _ := DecodeVector(vecs[i].(string))
		src := byID[ids[i].(string)].Embedding
		if fmt.Sprint(v) != fmt.Sprint(src) {
			t.Fatalf("%s: vector %v, stored %v", ids[i], v[:3], src[:3])
		}
	}
}

func TestVectorEncoding(t *testing.T) {
	v := []float32{1, -2.5, float32(math.Pi), 0}
	s := EncodeVector(v)
	// 1.0f is 0x3f800000: little-endian bytes 00 00 80 3f.
	if !strings.HasPrefix(s, "AACAP") {
		t.Errorf("encoding %s is not little-endian float32", s)
	}
	back, err := DecodeVector(s)
	if err != nil || fmt.Sprint(back) != fmt.Sprint(v) {
		t.Fatalf("round trip: %v, %v", back, err)
	}
	if _, err := DecodeVector("AAA"); err == nil {
		t.Error("bad base64 accepted")
	}
}

// The demo's review-sentiment model at scale 0.3, read once for the tests below.
var (
	demoEmbOnce sync.Once
	demoEmb     struct {
		e   *Engine
		end time.Time
		err error
	}
)

func demoEmbeddings(t testing.TB) (*Engine, func(day int) time.Time) {
	t.Helper()
	demoEmbOnce.Do(func() {
		ctx := context.Background()
		end := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
		st, err := duckdb.Open(ctx, duckdb.Options{})
		if err != nil {
			demoEmb.err = err
			return
		}
		cfg := demo.Config{Seed: 42, Scale: 0.3, End: end, BatchSize: 20_000}
		_, demoEmb.err = demo.Generate(ctx, cfg, func(b []store.Record) error {
			var keep []store.Record
			for _, r := range b {
				if r.Model == "review-sentiment" {
					keep = append(keep, r)
				}
			}
			_, err := st.Ingest(ctx, keep, store.IngestOptions{Now: end})
			return err
		})
		demoEmb.e, demoEmb.end = New(st, Limits{}), end
	})
	if demoEmb.err != nil {
		t.Fatal(demoEmb.err)
	}
	start := demoEmb.end.Add(-30 * 24 * time.Hour)
	return demoEmb.e, func(d int) time.Time { return start.Add(time.Duration(d) * 24 * time.Hour) }
}

// spanish recognises the demo's Spanish reviews by their openers
// (pkg/demo/texts.go); no English opener starts like these.
func spanish(text string) bool {
	for _, p := range []string{"Decepcionado con", "No estoy contento", "Compré este", "Me arrepiento", "Muy contento", "Me encanta", "Un "} {
		if strings.HasPrefix(text, p) {
			return true
		}
	}
	return false
}

func TestNovelClusterIsTheSpanishReviews(t *testing.T) {
	if testing.Short() {
		t.Skip("generates the demo's reviews")
	}
	e, day := demoEmbeddings(t)
	q := `{"queryType":"embeddings","model":"review-sentiment","environment":"production","reference":{"type":"environment","environment":"training"}}`
	start := time.Now()
	res := mustQuery(t, e, day(21), day(30), q)
	t.Logf("embeddings query (days 21–29, sampling, novelty, PCA): %v", time.Since(start))
	cols := map[string][]any{}
	for _, c := range res.Tables[0].Columns {
		cols[c.Name] = c.Values
	}
	spanishTotal, inCluster := 0, map[string]int{}
	clusterSize := map[string]int{}
	current := 0
	for i := range cols["id"] {
		text := cols["text"][i].(string)
		if cols["set"][i] == "reference" {
			if spanish(text) {
				t.Fatalf("a Spanish review in the training reference: %q", text)
			}
			continue
		}
		current++
		c := cols["cluster"][i].(string)
		if c != "" {
			clusterSize[c]++
		}
		if spanish(text) {
			spanishTotal++
			inCluster[c]++
		}
	}
	if current != DefaultCurrentSample || spanishTotal < 100 {
		t.Fatalf("%d current points with %d Spanish reviews; want %d and a few hundred", current, spanishTotal, DefaultCurrentSample)
	}
	clusters := res.Tables[1].Columns[0].Values
	if len(clusters) != 1 {
		t.Fatalf("%d novel clusters (%v), want exactly one", len(clusters), clusterSize)
	}
	if share := float64(inCluster["1"]) / float64(spanishTotal); share < 0.9 {
		t.Errorf("cluster 1 holds %d of %d sampled Spanish reviews (%.1f%%), want ≥ 90%%", inCluster["1"], spanishTotal, 100*share)
	}
	if others := clusterSize["1"] - inCluster["1"]; others > clusterSize["1"]/50 {
		t.Errorf("cluster 1 has %d points that are not Spanish reviews, of %d", others, clusterSize["1"])
	}
	t.Logf("Spanish: %d sampled, %d in the new cluster (size %d); meta %v", spanishTotal, inCluster["1"], clusterSize["1"], res.Meta["novelty"])
	var examples []string
	if err := json.Unmarshal([]byte(res.Tables[1].Columns[3].Values[0].(string)), &examples); err != nil || len(examples) == 0 {
		t.Fatalf("examples %v: %v", res.Tables[1].Columns[3].Values[0], err)
	}
	for _, ex := range examples {
		if !spanish(ex) {
			t.Errorf("example %q of the Spanish cluster is not Spanish", ex)
		}
	}

	// Before day 21 nothing is new: no cluster, and only the ~1% of ordinary
	// points the threshold flags by construction.
	before := mustQuery(t, e, day(0), day(21), q)
	if n := len(before.Tables[1].Columns[0].Values); n != 0 {
		t.Errorf("%d novel clusters before day 21", n)
	}
	novel := 0
	for _, v := range before.Tables[0].Columns[8].Values {
		if v.(bool) {
			novel++
		}
	}
	if novel > DefaultCurrentSample*3/100 {
		t.Errorf("%d of %d points novel before day 21", novel, DefaultCurrentSample)
	}

	// Embedding drift sees it too: the daily cosine distance to training jumps from day 21.
	drift := mustQuery(t, e, day(14), day(30), `{"queryType":"embeddingDrift","model":"review-sentiment","environment":"production","metric":"cosine","interval":"1d"}`)
	if len(drift.Series) != 1 {
		t.Fatalf("embedding drift: %s", describeSeries(drift))
	}
	// (Before day 21 the daily topic mix alone moves it by up to 0.022.)
	if len(drift.Series[0].Points) != 16 {
		t.Fatalf("%d daily points for days 14–29", len(drift.Series[0].Points))
	}
	for _, p := range drift.Series[0].Points {
		v, _ := p.Value.Get()
		d := int(p.Time.Sub(day(0)).Hours() / 24)
		if (d < 21 && v > 0.03) || (d >= 21 && v < 0.04) || (d == 29 && v < 0.5) {
			t.Errorf("day %d: cosine distance %.4f", d, v)
		}
	}
}

// BenchmarkNovelty5000 times novelty detection on 5,000 demo reviews of 384
// dimensions: 2,000 reference points (production, days 0–20) and 3,000
// current ones (days 21–29).
func BenchmarkNovelty5000(b *testing.B) {
	e, day := demoEmbeddings(b)
	query := fmt.Sprintf(`{"queryType":"embeddings","model":"review-sentiment","environment":"production","reference":{"type":"window","from":"%s","to":"%s"}}`,
		day(0).Format(time.RFC3339), day(21).Format(time.RFC3339))
	q, err := models.Parse(models.Request{JSON: []byte(query), From: day(21), To: day(30)}, models.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	s, err := e.SampleEmbeddings(context.Background(), q)
	if err != nil {
		b.Fatal(err)
	}
	if len(s.Reference) != DefaultReferenceSample || len(s.Current) != DefaultCurrentSample {
		b.Fatalf("sample of %d + %d points", len(s.Reference), len(s.Current))
	}
	var ref, cur [][]float32
	for _, r := range s.Reference {
		ref = append(ref, r.Embedding)
	}
	for _, r := range s.Current {
		cur = append(cur, r.Embedding)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := detectNovelty(context.Background(), ref, cur, s.Dim, defaultMinClusterSize); err != nil {
			b.Fatal(err)
		}
	}
}
