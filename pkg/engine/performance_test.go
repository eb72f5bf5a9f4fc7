package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// qualityT0 starts the test data on a day boundary, so hour and day buckets align.
var qualityT0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// qualityGolden is one golden case of the performance and fairness kinds.
type qualityGolden struct {
	Name            string                      `json:"name"`
	Positive        string                      `json:"positive"`
	Prediction      json.RawMessage             `json:"prediction"`
	Actual          json.RawMessage             `json:"actual"`
	Score           []float64                   `json:"score"`
	Group           []string                    `json:"group"`
	Protected       []string                    `json:"protected"`
	ReferenceGroups []string                    `json:"reference_groups"`
	Favorable       string                      `json:"favorable"`
	Expected        map[string]*json.RawMessage `json:"expected"`
}

func loadQualityGolden(t *testing.T, name string) qualityGolden {
	t.Helper()
	cases := goldenCases[qualityGolden](t)
	for _, c := range cases {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("golden case %q not found", name)
	return qualityGolden{}
}

// expected returns a golden expected value; ok is false for null.
func (c qualityGolden) expected(t *testing.T, metric string) (float64, bool) {
	t.Helper()
	raw, found := c.Expected[metric]
	if !found {
		t.Fatalf("golden case %s has no expected %s", c.Name, metric)
	}
	if raw == nil {
		return 0, false
	}
	var v float64
	if err := json.Unmarshal(*raw, &v); err != nil {
		t.Fatalf("golden case %s: expected %s: %v", c.Name, metric, err)
	}
	return v, true
}

// qualityEngine opens an in-memory store, ingests the batches in order and
// returns an engine over it.
func qualityEngine(t *testing.T, lim Limits, batches ...[]store.Record) *Engine {
	t.Helper()
	e, _ := testEngine(t, lim, qualityT0.Add(48*time.Hour), batches...)
	return e
}

// runQuality parses a query over the day after qualityT0 and runs it.
func runQuality(t *testing.T, e *Engine, query string) (*Result, error) {
	t.Helper()
	return runQuery(t, e, qualityT0, qualityT0.Add(24*time.Hour), query)
}

func mustRunQuality(t *testing.T, e *Engine, query string) *Result {
	t.Helper()
	return mustQuery(t, e, qualityT0, qualityT0.Add(24*time.Hour), query)
}

// onlyPoint returns the value of a result with exactly one series of one point.
func onlyPoint(t *testing.T, res *Result) metrics.Optional {
	t.Helper()
	if len(res.Series) != 1 || len(res.Series[0].Points) != 1 {
		t.Fatalf("want one series with one point, got %s", describeSeries(res))
	}
	return res.Series[0].Points[0].Value
}

func describeSeries(res *Result) string {
	var parts []string
	for _, s := range res.Series {
		var pts []string
		for _, p := range s.Points {
			pts = append(pts, p.Time.Format("15:04")+"="+p.Value.String())
		}
		parts = append(parts, fmt.Sprintf("%q%v[%s]", s.Name, s.Labels, strings.Join(pts, " ")))
	}
	return fmt.Sprintf("%d series: %s", len(res.Series), strings.Join(parts, "; "))
}

func closeRel(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(math.Abs(want), 1e-300)
}

func checkOptional(t *testing.T, what string, got metrics.Optional, want float64, wantOK bool) {
	t.Helper()
	v, ok := got.Get()
	if ok != wantOK || (ok && !closeRel(v, want, 1e-9)) {
		if wantOK {
			t.Errorf("%s = %v, want %v", what, got, want)
		} else {
			t.Errorf("%s = %v, want absent", what, got)
		}
	}
}

func labelMap(s Series) map[string]string {
	m := map[string]string{}
	for _, l := range s.Labels {
		m[l.Name] = l.Value
	}
	return m
}

func hasNotice(res *Result, sev NoticeSeverity, parts ...string) bool {
	for _, n := range res.Notices {
		if n.Severity != sev {
			continue
		}
		all := true
		for _, p := range parts {
			all = all && strings.Contains(n.Text, p)
		}
		if all {
			return true
		}
	}
	return false
}

// clfRecord is a classification inference; an empty actual means none yet.
func clfRecord(i int, at time.Time, version, env, pred string, score float64, actual string) store.Record {
	r := store.Record{
		Line: i + 1, Model: "churn", ID: fmt.Sprintf("c%d", i), Version: version, Environment: env, Time: at,
		Prediction: store.Outcome{Label: pred, HasLabel: true, Score: score, HasScore: !math.IsNaN(score)},
	}
	if actual != "" {
		r.Actual = store.Outcome{Label: actual, HasLabel: true}
		r.ActualTime = at.Add(time.Hour)
	}
	return r
}

func regRecord(i int, at time.Time, version string, pred, actual float64) store.Record {
	r := store.Record{
		Line: i + 1, Model: "demand", ID: fmt.Sprintf("r%d", i), Version: version, Environment: "production", Time: at,
		Features:   []store.Feature{{Name: "store_size", Value: store.Num(float64(i % 7))}},
		Prediction: store.Outcome{Value: pred, HasValue: true},
	}
	if !math.IsNaN(actual) {
		r.Actual = store.Outcome{Value: actual, HasValue: true}
		r.ActualTime = at
	}
	return r
}

func TestPerformanceGoldenClassification(t *testing.T) {
	c := loadQualityGolden(t, "classification-binary")
	var pred, actual []string
	if err := json.Unmarshal(c.Prediction, &pred); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(c.Actual, &actual); err != nil {
		t.Fatal(err)
	}
	if len(pred) != len(actual) || len(pred) != len(c.Score) {
		t.Fatalf("golden lengths differ: %d predictions, %d actuals, %d scores", len(pred), len(actual), len(c.Score))
	}
	batch := make([]store.Record, len(pred))
	for i := range pred {
		batch[i] = clfRecord(i, qualityT0.Add(time.Duration(i)*time.Second), "v1", "production", pred[i], c.Score[i], actual[i])
	}
	e := qualityEngine(t, Limits{}, batch)
	for _, metric := range []string{"accuracy", "precision", "recall", "f1", "auc", "log_loss"} {
		t.Run(metric, func(t *testing.T) {
			res := mustRunQuality(t, e, fmt.Sprintf(`{"queryType":"performance","model":"churn","metric":%q,"positive":%q,"interval":"1d"}`, metric, c.Positive))
			want, ok := c.expected(t, metric)
			checkOptional(t, metric, onlyPoint(t, res), want, ok)
			if got := res.Series[0].Points[0].Time; !got.Equal(qualityT0) {
				t.Errorf("bucket %v, want %v", got, qualityT0)
			}
			if !hasNotice(res, Info, "3,000 of 3,000 records have actuals") {
				t.Errorf("notices %+v lack the actuals count", res.Notices)
			}
		})
	}
}

func TestPerformanceGoldenRegression(t *testing.T) {
	c := loadQualityGolden(t, "regression")
	var pred, actual []float64
	if err := json.Unmarshal(c.Prediction, &pred); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(c.Actual, &actual); err != nil {
		t.Fatal(err)
	}
	if len(pred) != len(actual) {
		t.Fatalf("golden lengths differ: %d predictions, %d actuals", len(pred), len(actual))
	}
	batch := make([]store.Record, len(pred))
	for i := range pred {
		batch[i] = regRecord(i, qualityT0.Add(time.Duration(i)*time.Second), "v1", pred[i], actual[i])
	}
	e := qualityEngine(t, Limits{}, batch)
	for _, metric := range []string{"rmse", "mae", "mape", "r2"} {
		t.Run(metric, func(t *testing.T) {
			res := mustRunQuality(t, e, fmt.Sprintf(`{"queryType":"performance","model":"demand","metric":%q,"interval":"1d"}`, metric))
			want, ok := c.expected(t, metric)
			checkOptional(t, metric, onlyPoint(t, res), want, ok)
		})
	}
}

// TestPerformanceSeriesPerVersionEnvironmentAndGroup checks buckets, series and
// labels against confusion counts taken directly from the generated records.
func TestPerformanceSeriesPerVersionEnvironmentAndGroup(t *testing.T) {
	type seriesKey struct{ version, env, channel string }
	var batch []store.Record
	want := map[seriesKey]map[int64]*metrics.Confusion{}
	for i := 0; i < 240; i++ {
		version := []string{"v1", "v2"}[i%2]
		env := "production"
		if i%3 == 0 {
			env = "staging"
		}
		channel := []string{"web", "app", "web", "store", "app"}[i%5]
		at := qualityT0.Add(time.Duration(i) * 30 * time.Second) // two hours
		pred := fmt.Sprint((i / 7) % 2)
		actual := fmt.Sprint((i / 3) % 2)
		r := clfRecord(i, at, version, env, pred, 0.5, actual)
		r.Tags = []store.Tag{{Name: "channel", Value: channel, Set: true}}
		batch = append(batch, r)
		k := seriesKey{version, env, channel}
		if want[k] == nil {
			want[k] = map[int64]*metrics.Confusion{}
		}
		bucket := at.Truncate(time.Hour).UnixMilli()
		if want[k][bucket] == nil {
			want[k][bucket] = &metrics.Confusion{}
		}
		want[k][bucket].Add(pred == "1", actual == "1")
	}
	e := qualityEngine(t, Limits{}, batch)

	for _, metric := range []string{"accuracy", "recall"} {
		t.Run(metric, func(t *testing.T) {
			res := mustRunQuality(t, e, fmt.Sprintf(`{"queryType":"performance","model":"churn","metric":%q,"groupBy":["tags.channel"],"interval":"1h"}`, metric))
			if len(res.Series) != len(want) {
				t.Fatalf("want %d series, got %s", len(want), describeSeries(res))
			}
			for i, s := range res.Series {
				l := labelMap(s)
				k := seriesKey{l["version"], l["environment"], l["tags.channel"]}
				buckets, ok := want[k]
				if !ok || l["model"] != "churn" || l["metric"] != metric || len(l) != 5 {
					t.Fatalf("series %d has unexpected labels %v", i, s.Labels)
				}
				if wantName := fmt.Sprintf("%s %s %s tags.channel=%s", metric, k.version, k.env, k.channel); s.Name != wantName {
					t.Errorf("series name %q, want %q", s.Name, wantName)
				}
				if i > 0 && !lessSeriesLabels(res.Series[i-1], s) {
					t.Errorf("series %q comes after %q", s.Name, res.Series[i-1].Name)
				}
				if len(s.Points) != len(buckets) {
					t.Fatalf("series %q has %d points, want %d", s.Name, len(s.Points), len(buckets))
				}
				for j, p := range s.Points {
					c, ok := buckets[p.Time.UnixMilli()]
					if !ok {
						t.Fatalf("series %q: unexpected bucket %v", s.Name, p.Time)
					}
					if j > 0 && !p.Time.After(s.Points[j-1].Time) {
						t.Errorf("series %q: points out of order", s.Name)
					}
					num, den := c.TP+c.TN, c.Total()
					if metric == "recall" {
						num, den = c.TP, c.TP+c.FN
					}
					checkOptional(t, fmt.Sprintf("%s at %v", s.Name, p.Time), p.Value, float64(num)/float64(den), den > 0)
				}
			}
		})
	}

	// A version filter and an environment keep only their series.
	res := mustRunQuality(t, e, `{"queryType":"performance","model":"churn","metric":"accuracy","versions":["v2"],"environment":"staging","interval":"1h"}`)
	if len(res.Series) != 1 || res.Series[0].Name != "accuracy v2 staging" {
		t.Fatalf("want the one series accuracy v2 staging, got %s", describeSeries(res))
	}
	var c metrics.Confusion
	for k, buckets := range want {
		if k.version == "v2" && k.env == "staging" {
			for _, b := range buckets {
				c.TP, c.FP, c.FN, c.TN = c.TP+b.TP, c.FP+b.FP, c.FN+b.FN, c.TN+b.TN
			}
		}
	}
	if got := res.Meta["records"]; got != c.Total() {
		t.Errorf("meta records = %v, want %d", got, c.Total())
	}
}

func lessSeriesLabels(a, b Series) bool {
	la, lb := labelMap(a), labelMap(b)
	for _, k := range []string{"version", "environment", "tags.channel"} {
		if la[k] != lb[k] {
			return la[k] < lb[k]
		}
	}
	return false
}

func TestPerformanceMultiClassAccuracyComparesLabels(t *testing.T) {
	// Against positive "1", predicting "2" for an actual "0" is a true negative,
	// but it is still a wrong prediction.
	rows := [][2]string{{"0", "0"}, {"1", "1"}, {"2", "2"}, {"2", "0"}, {"0", "2"}, {"1", "2"}, {"2", "1"}, {"0", "0"}}
	var batch []store.Record
	for i, r := range rows {
		batch = append(batch, clfRecord(i, qualityT0.Add(time.Minute), "v1", "production", r[0], math.NaN(), r[1]))
	}
	e := qualityEngine(t, Limits{}, batch)
	res := mustRunQuality(t, e, `{"queryType":"performance","model":"churn","metric":"accuracy"}`)
	checkOptional(t, "accuracy", onlyPoint(t, res), 4.0/8, true)
	res = mustRunQuality(t, e, `{"queryType":"performance","model":"churn","metric":"precision","positive":"2"}`)
	checkOptional(t, "precision of class 2", onlyPoint(t, res), 1.0/3, true)
}

func TestPerformanceLateActuals(t *testing.T) {
	var inferences, actuals []store.Record
	for i := 0; i < 1000; i++ {
		inferences = append(inferences, clfRecord(i, qualityT0.Add(time.Duration(i)*time.Second), "v1", "production", fmt.Sprint(i%2), float64(i%10)/10, ""))
	}
	// 42 actuals arrive later; 30 of them agree with the prediction.
	correct := 0
	for i := 0; i < 42; i++ {
		label := fmt.Sprint(i % 2)
		if i >= 30 {
			label = fmt.Sprint(1 - i%2)
		} else {
			correct++
		}
		actuals = append(actuals, store.Record{Line: i + 1, Model: "churn", ID: fmt.Sprintf("c%d", i), ActualOnly: true,
			Actual: store.Outcome{Label: label, HasLabel: true}, ActualTime: qualityT0.Add(30 * time.Hour)})
	}

	t.Run("none yet", func(t *testing.T) {
		e := qualityEngine(t, Limits{}, inferences)
		res := mustRunQuality(t, e, `{"queryType":"performance","model":"churn","metric":"accuracy"}`)
		if len(res.Series) != 0 {
			t.Fatalf("no actuals: want no series, got %s", describeSeries(res))
		}
		if !hasNotice(res, Warning, "1,000 records", "actual") {
			t.Fatalf("notices %+v do not say no record has an actual", res.Notices)
		}
	})
	e := qualityEngine(t, Limits{}, inferences, actuals)
	for _, tc := range []struct {
		metric string
		want   float64
	}{
		{"accuracy", float64(correct) / 42},
		{"log_loss", logLossOf(t, inferences[:42], actuals)},
	} {
		t.Run(tc.metric, func(t *testing.T) {
			res := mustRunQuality(t, e, fmt.Sprintf(`{"queryType":"performance","model":"churn","metric":%q}`, tc.metric))
			checkOptional(t, tc.metric, onlyPoint(t, res), tc.want, true)
			if !hasNotice(res, Info, "42 of 1,000 records have actuals") {
				t.Fatalf("notices %+v lack 42 of 1,000", res.Notices)
			}
			if res.Meta["records"] != int64(1000) || res.Meta["recordsWithActuals"] != int64(42) {
				t.Fatalf("meta %v", res.Meta)
			}
		})
	}

	t.Run("auc groups only records with actuals", func(t *testing.T) {
		// 1,000 distinct scores, 42 of them with actuals: within a limit of 60 groups.
		var distinct []store.Record
		var scores []float64
		var positive []bool
		for i, r := range inferences {
			r.Prediction.Score = float64(i) / 1000
			distinct = append(distinct, r)
			if i < len(actuals) {
				scores = append(scores, r.Prediction.Score)
				positive = append(positive, actuals[i].Actual.Label == "1")
			}
		}
		counts, err := metrics.ScoreCountsOf(scores, positive)
		if err != nil {
			t.Fatal(err)
		}
		auc, err := metrics.AUC(counts)
		if err != nil {
			t.Fatal(err)
		}
		want, ok := auc.Get()
		e := qualityEngine(t, Limits{MaxGroups: 60}, distinct, actuals)
		res := mustRunQuality(t, e, `{"queryType":"performance","model":"churn","metric":"auc"}`)
		checkOptional(t, "auc", onlyPoint(t, res), want, ok)
		if !hasNotice(res, Info, "42 of 1,000 records have actuals") {
			t.Fatalf("notices %+v lack 42 of 1,000", res.Notices)
		}
	})

	t.Run("regression", func(t *testing.T) {
		var batch []store.Record
		var sse float64
		for i := 0; i < 10; i++ {
			actual := math.NaN()
			if i < 4 {
				actual = float64(i) + 0.5
				sse += 0.25
			}
			batch = append(batch, regRecord(i, qualityT0.Add(time.Minute), "v1", float64(i), actual))
		}
		e := qualityEngine(t, Limits{}, batch)
		res := mustRunQuality(t, e, `{"queryType":"performance","model":"demand","metric":"rmse"}`)
		checkOptional(t, "rmse", onlyPoint(t, res), math.Sqrt(sse/4), true)
		if !hasNotice(res, Info, "4 of 10 records have actuals") {
			t.Fatalf("notices %+v lack 4 of 10", res.Notices)
		}
	})
}

// logLossOf computes the log loss of the inferences with the given actuals in Go.
func logLossOf(t *testing.T, inferences, actuals []store.Record) float64 {
	t.Helper()
	var scores []float64
	var positive []bool
	for i, r := range inferences {
		scores = append(scores, r.Prediction.Score)
		positive = append(positive, actuals[i].Actual.Label == "1")
	}
	counts, err := metrics.ScoreCountsOf(scores, positive)
	if err != nil {
		t.Fatal(err)
	}
	ll, err := metrics.LogLoss(counts)
	if err != nil {
		t.Fatal(err)
	}
	v, ok := ll.Get()
	if !ok {
		t.Fatal("log loss absent")
	}
	return v
}

func TestPerformanceUndefinedIsNullPoint(t *testing.T) {
	// Bucket 1: nothing predicted positive, so precision is undefined there.
	batch := []store.Record{
		clfRecord(0, qualityT0.Add(time.Minute), "v1", "production", "0", 0.1, "1"),
		clfRecord(1, qualityT0.Add(2*time.Minute), "v1", "production", "0", 0.2, "0"),
		clfRecord(2, qualityT0.Add(61*time.Minute), "v1", "production", "1", 0.9, "1"),
		clfRecord(3, qualityT0.Add(62*time.Minute), "v1", "production", "1", 0.8, "0"),
	}
	e := qualityEngine(t, Limits{}, batch)
	res := mustRunQuality(t, e, `{"queryType":"performance","model":"churn","metric":"precision","interval":"1h"}`)
	if len(res.Series) != 1 || len(res.Series[0].Points) != 2 {
		t.Fatalf("want one series of two points, got %s", describeSeries(res))
	}
	checkOptional(t, "precision in bucket 1", res.Series[0].Points[0].Value, 0, false)
	checkOptional(t, "precision in bucket 2", res.Series[0].Points[1].Value, 0.5, true)
	// AUC is undefined with one class only.
	res = mustRunQuality(t, e, `{"queryType":"performance","model":"churn","metric":"auc","interval":"1h","filters":[{"field":"actual.label","value":"1"}]}`)
	if len(res.Series) != 1 || len(res.Series[0].Points) != 2 {
		t.Fatalf("want one series of two points, got %s", describeSeries(res))
	}
	for _, p := range res.Series[0].Points {
		checkOptional(t, "auc with positives only", p.Value, 0, false)
	}
}

func TestPerformanceBadInput(t *testing.T) {
	var clf, reg, labelsOnly []store.Record
	for i := 0; i < 20; i++ {
		at := qualityT0.Add(time.Duration(i) * time.Minute)
		r := clfRecord(i, at, "v1", "production", fmt.Sprint(i%2), float64(i)/20, fmt.Sprint(i%3%2))
		r.Features = []store.Feature{{Name: "income", Value: store.Num(float64(i * 1000))}, {Name: "region", Value: store.Str("north")}}
		clf = append(clf, r)
		reg = append(reg, regRecord(i, at, "v1", float64(i), float64(i)+1))
		l := clfRecord(i, at, "v1", "production", fmt.Sprint(i%2), math.NaN(), "1")
		l.Model = "plain"
		labelsOnly = append(labelsOnly, l)
	}
	e := qualityEngine(t, Limits{MaxGroups: 10}, clf, reg, labelsOnly)
	for _, tc := range []struct {
		name, query, option string
		parts               []string
	}{
		{"classification metric on a regression model", `{"queryType":"performance","model":"demand","metric":"accuracy"}`, "metric", []string{"accuracy", "classification metric", `"demand" is a regression model`}},
		{"auc on a regression model", `{"queryType":"performance","model":"demand","metric":"auc"}`, "metric", []string{"auc", "regression model"}},
		{"regression metric on a classification model", `{"queryType":"performance","model":"churn","metric":"rmse"}`, "metric", []string{"rmse", "regression metric", `"churn" is a classification model`}},
		{"auc without scores", `{"queryType":"performance","model":"plain","metric":"auc"}`, "metric", []string{"auc needs prediction scores"}},
		{"numeric groupBy", `{"queryType":"performance","model":"churn","metric":"accuracy","groupBy":["features.income"]}`, "groupBy[0]", []string{"features.income is numeric"}},
		{"bare numeric groupBy", `{"queryType":"performance","model":"churn","metric":"f1","groupBy":["region","income"]}`, "groupBy[1]", []string{"numeric"}},
		{"unknown groupBy", `{"queryType":"performance","model":"churn","metric":"accuracy","groupBy":["tags.nope"]}`, "groupBy[0]", []string{`no tag "nope"`}},
		{"unknown model", `{"queryType":"performance","model":"nope","metric":"accuracy"}`, "model", []string{`"nope" is not a known model`, "churn"}},
		{"auc past the group limit", `{"queryType":"performance","model":"churn","metric":"auc"}`, "metric", []string{"auc", "more than 10"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runQuality(t, e, tc.query)
			checkQueryError(t, err, tc.option, tc.parts...)
		})
	}
	// The same kinds of metrics do work on the right models.
	for _, query := range []string{
		`{"queryType":"performance","model":"demand","metric":"mae"}`,
		`{"queryType":"performance","model":"churn","metric":"log_loss","groupBy":["features.region"]}`,
		`{"queryType":"performance","model":"plain","metric":"accuracy"}`,
	} {
		if res, err := runQuality(t, e, query); err != nil || len(res.Series) != 1 {
			t.Errorf("%s: %v", query, err)
		}
	}
}

func TestFormatCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 42: "42", 999: "999", 1000: "1,000", 1234567: "1,234,567", -12345: "-12,345"} {
		if got := formatCount(n); got != want {
			t.Errorf("formatCount(%d) = %q, want %q", n, got, want)
		}
	}
}
