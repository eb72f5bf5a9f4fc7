package metrics

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"
)

// goldenPath is the shared golden file, beside the repository root.
const goldenPath = "../../../shared/golden/metrics.json"

const (
	valueTol  = 1e-9
	pValueTol = 1e-6
)

type goldenCase struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Binning struct {
		Strategy string `json:"strategy"`
		Bins     int    `json:"bins"`
	} `json:"binning"`
	Reference       json.RawMessage            `json:"reference"`
	Current         json.RawMessage            `json:"current"`
	BinEdges        []float64                  `json:"bin_edges"`
	Categories      []*string                  `json:"categories"`
	ReferenceCounts []int64                    `json:"reference_counts"`
	CurrentCounts   []int64                    `json:"current_counts"`
	Group           []string                   `json:"group"`
	Prediction      json.RawMessage            `json:"prediction"`
	Actual          json.RawMessage            `json:"actual"`
	Score           []float64                  `json:"score"`
	Positive        string                     `json:"positive"`
	Rows            []map[string]string        `json:"rows"`
	Protected       []string                   `json:"protected"`
	ReferenceGroups []string                   `json:"reference_groups"`
	Favorable       string                     `json:"favorable"`
	Expected        map[string]json.RawMessage `json:"expected"`

	// checked records which expected metrics a test compared.
	checked map[string]bool
}

func loadGolden(t *testing.T) []goldenCase {
	t.Helper()
	raw, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatalf("reading golden cases: %v", err)
	}
	var file struct {
		Cases []goldenCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatalf("parsing golden cases: %v", err)
	}
	if len(file.Cases) == 0 {
		t.Fatal("golden file has no cases")
	}
	return file.Cases
}

func decode[T any](t *testing.T, raw json.RawMessage, what string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decoding %s: %v", what, err)
	}
	return v
}

// numbers turns a JSON list with nulls into floats with NaN for missing.
func numbers(t *testing.T, raw json.RawMessage) []float64 {
	t.Helper()
	in := decode[[]*float64](t, raw, "numbers")
	out := make([]float64, len(in))
	for i, v := range in {
		out[i] = math.NaN()
		if v != nil {
			out[i] = *v
		}
	}
	return out
}

// expected returns the expected value of a metric; ok is false for null.
func (c goldenCase) expected(t *testing.T, name string) (float64, bool) {
	t.Helper()
	raw, found := c.Expected[name]
	if !found {
		t.Fatalf("case %s has no expected %s", c.Name, name)
	}
	c.checked[name] = true
	v := decode[*float64](t, raw, name)
	if v == nil {
		return 0, false
	}
	return *v, true
}

func closeTo(got, want, tol float64) bool {
	if got == want {
		return true
	}
	return math.Abs(got-want) <= tol*math.Max(math.Abs(want), 1e-300)
}

func checkValue(t *testing.T, c goldenCase, name string, got float64, tol float64) {
	t.Helper()
	want, ok := c.expected(t, name)
	if !ok {
		t.Errorf("%s: expected null, got %v", name, got)
		return
	}
	if !closeTo(got, want, tol) {
		t.Errorf("%s = %.17g, want %.17g (rel err %.3g)", name, got, want, math.Abs(got-want)/math.Abs(want))
	} else if got != want {
		t.Logf("%s: relative error %.2g", name, math.Abs(got-want)/math.Abs(want))
	}
}

func checkOptional(t *testing.T, c goldenCase, name string, got Optional, tol float64) {
	t.Helper()
	want, ok := c.expected(t, name)
	g, gok := got.Get()
	switch {
	case ok != gok:
		t.Errorf("%s = %v, want present=%v (%v)", name, got, ok, want)
	case ok && !closeTo(g, want, tol):
		t.Errorf("%s = %.17g, want %.17g", name, g, want)
	case ok && g != want:
		t.Logf("%s: relative error %.2g", name, math.Abs(g-want)/math.Abs(want))
	}
}

func checkHistogramDrift(t *testing.T, c goldenCase, ref, cur Histogram) {
	t.Helper()
	d, err := DriftOfHistograms(ref, cur)
	if err != nil {
		t.Fatal(err)
	}
	checkValue(t, c, "psi", d.PSI, valueTol)
	checkValue(t, c, "kl", d.KL, valueTol)
	checkValue(t, c, "js", d.JS, valueTol)
	checkValue(t, c, "hellinger", d.Hellinger, valueTol)
	if _, ok := c.Expected["chi2"]; ok {
		checkValue(t, c, "chi2", d.ChiSquare.Statistic, valueTol)
		checkValue(t, c, "chi2_pvalue", d.ChiSquare.PValue, pValueTol)
		checkValue(t, c, "chi2_dof", float64(d.ChiSquare.DoF), 0)
	}
}

// histogramCounts returns the golden layout: bins, then the missing bin if any
// sample has a missing value.
func histogramCounts(ref, cur Histogram) (r, c []int64) {
	r, c = slices.Clone(ref.Counts), slices.Clone(cur.Counts)
	if ref.Missing > 0 || cur.Missing > 0 {
		r, c = append(r, ref.Missing), append(c, cur.Missing)
	}
	return r, c
}

func checkCounts(t *testing.T, c goldenCase, ref, cur Histogram) {
	t.Helper()
	r, k := histogramCounts(ref, cur)
	if !slices.Equal(r, c.ReferenceCounts) {
		t.Errorf("reference counts %v, want %v", r, c.ReferenceCounts)
	}
	if !slices.Equal(k, c.CurrentCounts) {
		t.Errorf("current counts %v, want %v", k, c.CurrentCounts)
	}
}

func checkEdges(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d edges %v, want %d %v", what, len(got), got, len(want), want)
	}
	for i := range want {
		if !closeTo(got[i], want[i], valueTol) {
			t.Errorf("%s: edge %d = %.17g, want %.17g", what, i, got[i], want[i])
		} else if got[i] != want[i] {
			t.Logf("%s: edge %d = %.17g differs from %.17g in the last bits", what, i, got[i], want[i])
		}
	}
}

func TestGolden(t *testing.T) {
	kinds := map[string]func(*testing.T, goldenCase){
		"numeric":        testNumericCase,
		"categorical":    testCategoricalCase,
		"embedding":      testEmbeddingCase,
		"fairness":       testFairnessCase,
		"bias_trace":     testBiasTraceCase,
		"classification": testClassificationCase,
		"regression":     testRegressionCase,
	}
	for _, c := range loadGolden(t) {
		run, ok := kinds[c.Kind]
		if !ok {
			t.Errorf("case %s: unknown kind %q", c.Name, c.Kind)
			continue
		}
		c.checked = map[string]bool{}
		t.Run(c.Name, func(t *testing.T) {
			run(t, c)
			for name := range c.Expected {
				if !c.checked[name] {
					t.Errorf("expected %s is not checked", name)
				}
			}
		})
	}
}

func testNumericCase(t *testing.T, c goldenCase) {
	ref, cur := numbers(t, c.Reference), numbers(t, c.Current)
	refSummary, curSummary := Summarize(ref), Summarize(cur)

	var edges, edgesFromAggregates []float64
	switch c.Binning.Strategy {
	case "quantile":
		edges = QuantileEdges(ref, c.Binning.Bins)
		var err error
		edgesFromAggregates, err = QuantileEdgesFromSummary(refSummary, c.Binning.Bins)
		if err != nil {
			t.Fatal(err)
		}
	case "uniform":
		edges = UniformEdges(ref, c.Binning.Bins)
		lo, hi := refSummary[0].Value, refSummary[len(refSummary)-1].Value
		edgesFromAggregates = UniformEdgesFromRange(lo, hi, c.Binning.Bins)
	default:
		t.Fatalf("unknown binning %q", c.Binning.Strategy)
	}
	checkEdges(t, "raw edges", edges, c.BinEdges)
	checkEdges(t, "aggregate edges", edgesFromAggregates, c.BinEdges)

	refHist, curHist := NumericHistogram(edges, ref), NumericHistogram(edges, cur)
	checkCounts(t, c, refHist, curHist)
	refFromSummary, err := HistogramFromSummary(edgesFromAggregates, refSummary, refHist.Missing)
	if err != nil {
		t.Fatal(err)
	}
	curFromSummary, err := HistogramFromSummary(edgesFromAggregates, curSummary, curHist.Missing)
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, c, refFromSummary, curFromSummary)
	checkHistogramDrift(t, c, refHist, curHist)

	d, err := DriftOfSamples(ref, cur)
	if err != nil {
		t.Fatal(err)
	}
	checkValue(t, c, "ks", d.KS.Statistic, valueTol)
	checkValue(t, c, "ks_pvalue", d.KS.PValue, pValueTol)
	checkValue(t, c, "wasserstein", d.Wasserstein, valueTol)
	checkValue(t, c, "wasserstein_norm", d.WassersteinNorm, valueTol)

	// The sorted-array forms the stores use give the same numbers.
	rs, cs := sortedFinite(ref), sortedFinite(cur)
	checkValue(t, c, "ks", KSOfSorted(rs, cs), valueTol)
	checkValue(t, c, "wasserstein", WassersteinOfSorted(rs, cs), valueTol)
	checkValue(t, c, "wasserstein_norm", NormalizedWasserstein(WassersteinOfSorted(rs, cs), PopulationStdOfValues(rs)), valueTol)
}

// sortedFinite drops NaN (missing) values and sorts the rest.
func sortedFinite(xs []float64) []float64 {
	var out []float64
	for _, x := range xs {
		if !math.IsNaN(x) {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

func testCategoricalCase(t *testing.T, c goldenCase) {
	ref := decode[[]*string](t, c.Reference, "reference")
	cur := decode[[]*string](t, c.Current, "current")
	categories, refHist, curHist := CategoricalHistograms(CountCategories(ref), CountCategories(cur))

	var want []string
	for _, cat := range c.Categories {
		if cat != nil {
			want = append(want, *cat)
		}
	}
	if !slices.Equal(categories, want) {
		t.Errorf("categories %q, want %q", categories, want)
	}
	hasMissingBin := len(c.Categories) > 0 && c.Categories[len(c.Categories)-1] == nil
	if got := refHist.Missing > 0 || curHist.Missing > 0; got != hasMissingBin {
		t.Errorf("missing bin present = %v, want %v", got, hasMissingBin)
	}
	checkCounts(t, c, refHist, curHist)
	checkHistogramDrift(t, c, refHist, curHist)
}

func testEmbeddingCase(t *testing.T, c goldenCase) {
	ref := decode[[][]float64](t, c.Reference, "reference")
	cur := decode[[][]float64](t, c.Current, "current")
	refCentroid, err := Centroid(ref)
	if err != nil {
		t.Fatal(err)
	}
	curCentroid, err := Centroid(cur)
	if err != nil {
		t.Fatal(err)
	}
	d, err := CentroidDistance(refCentroid, curCentroid)
	if err != nil {
		t.Fatal(err)
	}
	checkValue(t, c, "euclidean", d.Euclidean, valueTol)
	checkOptional(t, c, "cosine", d.Cosine, valueTol)

	sums := func(vs [][]float64) []float64 {
		s := make([]float64, len(vs[0]))
		for _, v := range vs {
			for k, x := range v {
				s[k] += x
			}
		}
		return s
	}
	d, err = CentroidDistanceFromSums(sums(ref), int64(len(ref)), sums(cur), int64(len(cur)))
	if err != nil {
		t.Fatal(err)
	}
	checkValue(t, c, "euclidean", d.Euclidean, valueTol)
	checkOptional(t, c, "cosine", d.Cosine, valueTol)
}

func testFairnessCase(t *testing.T, c goldenCase) {
	prediction := decode[[]string](t, c.Prediction, "prediction")
	actual := decode[[]string](t, c.Actual, "actual")
	var protected, reference Confusion
	for i, g := range c.Group {
		predFav, actualFav := prediction[i] == c.Favorable, actual[i] == c.Favorable
		switch {
		case slices.Contains(c.Protected, g):
			protected.Add(predFav, actualFav)
		case slices.Contains(c.ReferenceGroups, g):
			reference.Add(predFav, actualFav)
		}
	}
	f, err := Fairness(protected, reference)
	if err != nil {
		t.Fatal(err)
	}
	checkOptional(t, c, "selection_rate_protected", f.SelectionRateProtected, valueTol)
	checkOptional(t, c, "selection_rate_reference", f.SelectionRateReference, valueTol)
	checkOptional(t, c, "disparate_impact", f.DisparateImpact, valueTol)
	checkOptional(t, c, "statistical_parity_difference", f.StatisticalParityDifference, valueTol)
	checkOptional(t, c, "equal_opportunity_difference", f.EqualOpportunityDifference, valueTol)
	checkOptional(t, c, "average_odds_difference", f.AverageOddsDifference, valueTol)
	checkOptional(t, c, "predictive_parity_ratio", f.PredictiveParityRatio, valueTol)
}

func testBiasTraceCase(t *testing.T, c goldenCase) {
	type key struct{ feature, value string }
	var all SelectionPair
	segments := map[key]*Segment{}
	var order []key
	for _, row := range c.Rows {
		protected := slices.Contains(c.Protected, row["group"])
		inGroups := protected || slices.Contains(c.ReferenceGroups, row["group"])
		fav := row["prediction"] == c.Favorable
		count := func(p *SelectionPair) {
			if !inGroups {
				return
			}
			sel := &p.Reference
			if protected {
				sel = &p.Protected
			}
			sel.Rows++
			if fav {
				sel.Selected++
			}
		}
		count(&all)
		for feature, value := range row {
			if feature == "group" || feature == "prediction" {
				continue
			}
			k := key{feature, value}
			s, ok := segments[k]
			if !ok {
				s = &Segment{Feature: feature, Value: value}
				segments[k] = s
				order = append(order, k)
			}
			s.Count++
			count(&s.Selections)
		}
	}
	checkOptional(t, c, "disparate_impact", all.DisparateImpact(), valueTol)

	input := make([]Segment, 0, len(order))
	for _, k := range order {
		input = append(input, *segments[k])
	}
	traced, err := TraceBias(all, input)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(traced); i++ {
		a, _ := traced[i-1].Contribution.Get()
		b, _ := traced[i].Contribution.Get()
		if a < b {
			t.Errorf("segments not ranked by contribution: %v before %v", a, b)
		}
	}

	type wantSegment struct {
		Feature         string   `json:"feature"`
		Value           string   `json:"value"`
		Count           int64    `json:"count"`
		DisparateImpact *float64 `json:"disparate_impact"`
		Contribution    *float64 `json:"contribution"`
	}
	c.checked["segments"] = true
	want := decode[[]wantSegment](t, c.Expected["segments"], "segments")
	if len(traced) != len(want) {
		t.Fatalf("%d segments, want %d", len(traced), len(want))
	}
	got := map[key]SegmentBias{}
	for _, s := range traced {
		got[key{s.Feature, s.Value}] = s
	}
	checkOpt := func(name string, g Optional, w *float64) {
		t.Helper()
		v, ok := g.Get()
		if ok != (w != nil) || (ok && !closeTo(v, *w, valueTol)) {
			t.Errorf("%s = %v, want %v", name, g, w)
		}
	}
	for _, w := range want {
		s, ok := got[key{w.Feature, w.Value}]
		if !ok {
			t.Errorf("segment %s=%s missing", w.Feature, w.Value)
			continue
		}
		if s.Count != w.Count {
			t.Errorf("segment %s=%s count %d, want %d", w.Feature, w.Value, s.Count, w.Count)
		}
		checkOpt(w.Feature+"="+w.Value+" disparate_impact", s.DisparateImpact, w.DisparateImpact)
		checkOpt(w.Feature+"="+w.Value+" contribution", s.Contribution, w.Contribution)
	}
}

func testClassificationCase(t *testing.T, c goldenCase) {
	actual := decode[[]string](t, c.Actual, "actual")
	prediction := decode[[]string](t, c.Prediction, "prediction")
	var m Confusion
	positive := make([]bool, len(actual))
	for i := range actual {
		positive[i] = actual[i] == c.Positive
		m.Add(prediction[i] == c.Positive, positive[i])
	}
	s, err := Classification(m)
	if err != nil {
		t.Fatal(err)
	}
	checkOptional(t, c, "accuracy", s.Accuracy, valueTol)
	checkOptional(t, c, "precision", s.Precision, valueTol)
	checkOptional(t, c, "recall", s.Recall, valueTol)
	checkOptional(t, c, "f1", s.F1, valueTol)

	counts, err := ScoreCountsOf(c.Score, positive)
	if err != nil {
		t.Fatal(err)
	}
	auc, err := AUC(counts)
	if err != nil {
		t.Fatal(err)
	}
	checkOptional(t, c, "auc", auc, valueTol)
	ll, err := LogLoss(counts)
	if err != nil {
		t.Fatal(err)
	}
	checkOptional(t, c, "log_loss", ll, valueTol)
}

func testRegressionCase(t *testing.T, c goldenCase) {
	actual, predicted := numbers(t, c.Actual), numbers(t, c.Prediction)
	sums, err := RegressionSumsOf(actual, predicted)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Regression(sums)
	if err != nil {
		t.Fatal(err)
	}
	checkOptional(t, c, "rmse", s.RMSE, valueTol)
	checkOptional(t, c, "mae", s.MAE, valueTol)
	checkOptional(t, c, "mape", s.MAPE, valueTol)
	checkOptional(t, c, "r2", s.R2, valueTol)

	// Plain sums (offset K = 0), as SQL would aggregate them.
	var plain RegressionSums
	for i, y := range actual {
		e := y - predicted[i]
		plain.N++
		plain.SumY += y
		plain.SumY2 += y * y
		plain.SumSquaredError += e * e
		plain.SumAbsoluteError += math.Abs(e)
		plain.SumAbsolutePercentageError += math.Abs(e) / math.Max(math.Abs(y), MAPEEpsilon)
	}
	s, err = Regression(plain)
	if err != nil {
		t.Fatal(err)
	}
	checkOptional(t, c, "r2", s.R2, valueTol)
}
