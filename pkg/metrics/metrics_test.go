package metrics

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestQuantileEdges(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name      string
		reference []float64
		bins      int
		want      []float64
	}{
		{"interpolates", []float64{4, 1, 3, 2}, 4, []float64{1.75, 2.5, 3.25}},
		{"ignores missing", []float64{nan, 4, 1, nan, 3, 2}, 4, []float64{1.75, 2.5, 3.25}},
		{"constant reference", []float64{5, 5, 5}, 10, []float64{5}},
		{"single value", []float64{7}, 10, []float64{7}},
		{"ties collapse", []float64{1, 1, 1, 1, 2}, 4, []float64{1}},
		{"empty", nil, 10, nil},
		{"all missing", []float64{nan, nan}, 10, nil},
		{"one bin", []float64{1, 2, 3}, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := QuantileEdges(tt.reference, tt.bins); !slices.Equal(got, tt.want) {
				t.Errorf("QuantileEdges = %v, want %v", got, tt.want)
			}
			got, err := QuantileEdgesFromSummary(Summarize(tt.reference), tt.bins)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("QuantileEdgesFromSummary = %v, want %v", got, tt.want)
			}
		})
	}
}

// The summary path must pick exactly the order statistics the raw path picks.
func TestQuantileEdgesFromSummaryMatchesRaw(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		values := make([]float64, 1+rng.IntN(300))
		for i := range values {
			values[i] = math.Round(rng.NormFloat64()*10) / 4 // many ties
		}
		bins := 2 + rng.IntN(20)
		want := QuantileEdges(values, bins)
		got, err := QuantileEdgesFromSummary(Summarize(values), bins)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: summary edges %v, raw edges %v", trial, got, want)
		}
	}
}

func TestQuantileEdgesFromSummaryRejectsBadSummary(t *testing.T) {
	for name, s := range map[string]Summary{
		"unsorted":        {{2, 1}, {1, 1}},
		"negative weight": {{1, -1}},
		"NaN value":       {{math.NaN(), 1}},
	} {
		if _, err := QuantileEdgesFromSummary(s, 4); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestUniformEdges(t *testing.T) {
	if got, want := UniformEdges([]float64{10, 0, math.NaN(), 3}, 5), []float64{2, 4, 6, 8}; !slices.Equal(got, want) {
		t.Errorf("UniformEdges = %v, want %v", got, want)
	}
	if got, want := UniformEdges([]float64{3, 3}, 5), []float64{3}; !slices.Equal(got, want) {
		t.Errorf("constant reference: %v, want %v", got, want)
	}
	if got := UniformEdges([]float64{math.NaN()}, 5); got != nil {
		t.Errorf("all missing: %v, want none", got)
	}
	if got := UniformEdgesFromRange(0, 1, 1); got != nil {
		t.Errorf("one bin: %v, want none", got)
	}
}

func TestBinIndexIsRightClosed(t *testing.T) {
	edges := []float64{1, 2, 3}
	for _, tt := range []struct {
		x    float64
		want int
	}{{0, 0}, {1, 0}, {1.5, 1}, {2, 1}, {3, 2}, {3.5, 3}, {math.Inf(1), 3}, {math.Inf(-1), 0}} {
		if got := BinIndex(edges, tt.x); got != tt.want {
			t.Errorf("BinIndex(%v) = %d, want %d", tt.x, got, tt.want)
		}
	}
	h := NumericHistogram(edges, []float64{0, 1, 2, 2.5, 9, math.NaN()})
	if !slices.Equal(h.Counts, []int64{2, 1, 1, 1}) || h.Missing != 1 {
		t.Errorf("NumericHistogram = %+v", h)
	}
}

func TestHistogramFromSummaryRejectsFractionalWeights(t *testing.T) {
	if _, err := HistogramFromSummary([]float64{1}, Summary{{0, 1.5}}, 0); err == nil {
		t.Error("fractional weight accepted")
	}
	if _, err := HistogramFromSummary([]float64{1}, Summary{{0, 1}}, -1); err == nil {
		t.Error("negative missing count accepted")
	}
}

func TestHistogramDriftEdgeCases(t *testing.T) {
	t.Run("identical", func(t *testing.T) {
		h := Histogram{Counts: []int64{3, 0, 5}, Missing: 2}
		d, err := DriftOfHistograms(h, h)
		if err != nil {
			t.Fatal(err)
		}
		if d.PSI != 0 || d.KL != 0 || d.JS != 0 || d.Hellinger != 0 {
			t.Errorf("identical samples drift: %+v", d)
		}
		if d.ChiSquare.Statistic != 0 || d.ChiSquare.PValue != 1 || d.ChiSquare.DoF != 2 {
			t.Errorf("identical samples chi2: %+v", d.ChiSquare)
		}
	})
	t.Run("empty reference", func(t *testing.T) {
		_, err := DriftOfHistograms(Histogram{Counts: []int64{0, 0}}, Histogram{Counts: []int64{1, 2}})
		if !errors.Is(err, ErrEmptySample) {
			t.Errorf("err = %v, want ErrEmptySample", err)
		}
	})
	t.Run("empty current", func(t *testing.T) {
		_, err := ChiSquare(Histogram{Counts: []int64{1, 2}}, Histogram{Counts: []int64{0, 0}})
		if !errors.Is(err, ErrEmptySample) {
			t.Errorf("err = %v, want ErrEmptySample", err)
		}
	})
	t.Run("bin mismatch", func(t *testing.T) {
		_, err := PSI(Histogram{Counts: []int64{1}}, Histogram{Counts: []int64{1, 2}})
		if !errors.Is(err, ErrBinMismatch) {
			t.Errorf("err = %v, want ErrBinMismatch", err)
		}
	})
	t.Run("negative count", func(t *testing.T) {
		if _, err := KL(Histogram{Counts: []int64{-1, 2}}, Histogram{Counts: []int64{1, 2}}); err == nil {
			t.Error("negative count accepted")
		}
	})
	t.Run("all missing current", func(t *testing.T) {
		ref := Histogram{Counts: []int64{50, 50}}
		cur := Histogram{Counts: []int64{0, 0}, Missing: 10}
		// Shares: reference (0.5, 0.5, 0), current (0, 0, 1).
		psi, err := PSI(ref, cur)
		if err != nil {
			t.Fatal(err)
		}
		want := 2*(1e-4-0.5)*math.Log(1e-4/0.5) + (1-1e-4)*math.Log(1/1e-4)
		if !closeTo(psi, want, 1e-12) {
			t.Errorf("psi = %v, want %v", psi, want)
		}
		js, _ := JensenShannon(ref, cur)
		h, _ := Hellinger(ref, cur)
		if !closeTo(js, 1, 1e-12) || !closeTo(h, 1, 1e-12) {
			t.Errorf("disjoint samples: js = %v, hellinger = %v, want 1", js, h)
		}
		chi, err := ChiSquare(ref, cur)
		if err != nil {
			t.Fatal(err)
		}
		if chi.DoF != 2 || !closeTo(chi.Statistic, 110, 1e-12) {
			t.Errorf("chi2 = %+v, want statistic 110 with 2 dof", chi)
		}
	})
	t.Run("all missing both", func(t *testing.T) {
		ref := Histogram{Counts: []int64{0, 0}, Missing: 4}
		cur := Histogram{Counts: []int64{0, 0}, Missing: 7}
		d, err := DriftOfHistograms(ref, cur)
		if err != nil {
			t.Fatal(err)
		}
		if d.PSI != 0 || d.JS != 0 || d.ChiSquare.DoF != 0 || d.ChiSquare.PValue != 1 {
			t.Errorf("all missing: %+v", d)
		}
	})
	t.Run("constant reference", func(t *testing.T) {
		ref := NumericHistogram([]float64{5}, []float64{5, 5, 5, 5})
		cur := NumericHistogram([]float64{5}, []float64{5, 6})
		chi, err := ChiSquare(ref, cur)
		if err != nil {
			t.Fatal(err)
		}
		// Table [[4 0] [1 1]]: expected [[10/3 2/3] [5/3 1/3]].
		want := (4-10.0/3)*(4-10.0/3)/(10.0/3) + (2.0/3)*(2.0/3)/(2.0/3) + (1-5.0/3)*(1-5.0/3)/(5.0/3) + (2.0/3)*(2.0/3)/(1.0/3)
		if chi.DoF != 1 || !closeTo(chi.Statistic, want, 1e-12) {
			t.Errorf("chi2 = %+v, want %v with 1 dof", chi, want)
		}
	})
}

func TestCategoricalHistogramsKeepUnseenCategories(t *testing.T) {
	s := func(v string) *string { return &v }
	ref := CountCategories([]*string{s("b"), s("a"), s("a"), s("gone")})
	cur := CountCategories([]*string{s("new"), s("a"), nil})
	cats, r, c := CategoricalHistograms(ref, cur)
	if want := []string{"a", "b", "gone", "new"}; !slices.Equal(cats, want) {
		t.Errorf("categories %v, want %v", cats, want)
	}
	if !slices.Equal(r.Counts, []int64{2, 1, 1, 0}) || r.Missing != 0 {
		t.Errorf("reference %+v", r)
	}
	if !slices.Equal(c.Counts, []int64{1, 0, 0, 1}) || c.Missing != 1 {
		t.Errorf("current %+v", c)
	}
	if cats, _, _ := CategoricalHistograms(CategoryCounts{}, CategoryCounts{}); len(cats) != 0 {
		t.Errorf("no categories: %v", cats)
	}
}

func TestSampleDriftEdgeCases(t *testing.T) {
	t.Run("empty", func(t *testing.T) {
		if _, err := DriftOfSamples(nil, []float64{1}); !errors.Is(err, ErrEmptySample) {
			t.Errorf("empty reference: err = %v", err)
		}
		if _, err := DriftOfSamples([]float64{1}, []float64{math.NaN()}); !errors.Is(err, ErrEmptySample) {
			t.Errorf("all-missing current: err = %v", err)
		}
	})
	t.Run("identical", func(t *testing.T) {
		d, err := DriftOfSamples([]float64{1, 2, 2, 3}, []float64{3, 2, 1, 2})
		if err != nil {
			t.Fatal(err)
		}
		if d.KS.Statistic != 0 || d.KS.PValue != 1 || d.Wasserstein != 0 {
			t.Errorf("identical samples: %+v", d)
		}
	})
	t.Run("single values", func(t *testing.T) {
		d, err := DriftOfSamples([]float64{0}, []float64{2.5})
		if err != nil {
			t.Fatal(err)
		}
		if d.KS.Statistic != 1 || d.Wasserstein != 2.5 {
			t.Errorf("single values: %+v", d)
		}
		// Constant reference: std 0 is floored.
		if d.WassersteinNorm != 2.5/StdFloor {
			t.Errorf("wasserstein_norm = %v, want %v", d.WassersteinNorm, 2.5/StdFloor)
		}
	})
	t.Run("weights equal repeated values", func(t *testing.T) {
		raw, err := DriftOfSamples([]float64{1, 1, 1, 4}, []float64{2, 2, 3})
		if err != nil {
			t.Fatal(err)
		}
		// Split entries for one value are allowed, as a sketch may emit them.
		agg, err := DriftOfSummaries(Summary{{1, 2}, {1, 1}, {4, 1}}, Summary{{2, 2}, {3, 1}})
		if err != nil {
			t.Fatal(err)
		}
		if raw != agg {
			t.Errorf("raw %+v, aggregated %+v", raw, agg)
		}
		if !closeTo(raw.Wasserstein, 0.75+(0.75-2.0/3)+0.25, 1e-15) {
			t.Errorf("wasserstein = %v", raw.Wasserstein)
		}
	})
	t.Run("unsorted summary", func(t *testing.T) {
		if _, err := KS(Summary{{2, 1}, {1, 1}}, Summary{{1, 1}}); err == nil {
			t.Error("unsorted summary accepted")
		}
	})
}

func TestKolmogorovSurvival(t *testing.T) {
	for _, tt := range []struct{ x, want float64 }{
		{0, 1},
		{0.01, 1},
		{0.3, 0.9999906941986655},
		{0.5, 0.9639452436648751},
		{0.82, 0.5119717052984972},
		{1, 0.26999967167735456},
		{1.5, 0.022217962616525127},
		{3, 3.045995948942526e-08},
		{7, 5.4975700158204295e-43},
		{40, 0},
	} {
		if got := KolmogorovSurvival(tt.x); !closeTo(got, tt.want, 1e-13) {
			t.Errorf("KolmogorovSurvival(%v) = %v, want %v", tt.x, got, tt.want)
		}
	}
	// Both series agree across the switch between them.
	below, above := KolmogorovSurvival(math.Nextafter(0.82, 0)), KolmogorovSurvival(0.82)
	if !closeTo(below, above, 1e-14) {
		t.Errorf("discontinuity at 0.82: %v vs %v", below, above)
	}
}

func TestEmbeddingEdgeCases(t *testing.T) {
	d, err := CentroidDistance([]float64{1, 0}, []float64{-2, 0})
	if err != nil {
		t.Fatal(err)
	}
	if d.Euclidean != 3 {
		t.Errorf("euclidean = %v, want 3", d.Euclidean)
	}
	if c, ok := d.Cosine.Get(); !ok || c != 2 {
		t.Errorf("opposite cosine = %v, want 2", d.Cosine)
	}
	d, err = CentroidDistance([]float64{0, 0}, []float64{3, 4})
	if err != nil {
		t.Fatal(err)
	}
	if d.Euclidean != 5 || d.Cosine.Valid() {
		t.Errorf("zero centroid: %+v, want euclidean 5 and cosine absent", d)
	}
	if _, err := CentroidDistance([]float64{1}, []float64{1, 2}); err == nil {
		t.Error("dimension mismatch accepted")
	}
	if _, err := CentroidDistanceFromSums([]float64{1}, 0, []float64{1}, 1); !errors.Is(err, ErrEmptySample) {
		t.Errorf("empty sample: err = %v", err)
	}
	if _, err := Centroid([][]float64{{1, 2}, {1}}); err == nil {
		t.Error("ragged vectors accepted")
	}
}

func TestFairnessAbsentDenominators(t *testing.T) {
	some := Confusion{TP: 3, FP: 1, FN: 2, TN: 4}
	tests := []struct {
		name                 string
		protected, reference Confusion
		absent               []string
	}{
		{"complete", some, some, nil},
		{"empty protected group", Confusion{}, some, []string{"sr_p", "di", "spd", "eod", "aod", "ppr"}},
		{"reference never selected", some, Confusion{FN: 2, TN: 3}, []string{"di", "ppr"}},
		{"no actual favourable in reference", some, Confusion{FP: 2, TN: 3}, []string{"eod", "aod", "ppr"}},
		{"no actual unfavourable in protected", Confusion{TP: 2, FN: 1}, some, []string{"aod"}},
		{"protected never selected", Confusion{FN: 2, TN: 3}, some, []string{"ppr"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Fairness(tt.protected, tt.reference)
			if err != nil {
				t.Fatal(err)
			}
			fields := map[string]Optional{
				"sr_p": f.SelectionRateProtected, "sr_q": f.SelectionRateReference,
				"di": f.DisparateImpact, "spd": f.StatisticalParityDifference,
				"eod": f.EqualOpportunityDifference, "aod": f.AverageOddsDifference,
				"ppr": f.PredictiveParityRatio,
			}
			for name, v := range fields {
				if slices.Contains(tt.absent, name) == v.Valid() {
					t.Errorf("%s = %v, want absent = %v", name, v, slices.Contains(tt.absent, name))
				}
			}
		})
	}
	if f, _ := Fairness(some, some); f.DisparateImpact.String() != "1" {
		t.Errorf("equal groups: disparate impact %v, want 1", f.DisparateImpact)
	}
	if _, err := Fairness(Confusion{TP: -1}, some); err == nil {
		t.Error("negative count accepted")
	}
}

func TestTraceBias(t *testing.T) {
	all := SelectionPair{Protected: Selection{Rows: 100, Selected: 20}, Reference: Selection{Rows: 100, Selected: 40}}
	segments := []Segment{
		{Feature: "f", Value: "neutral", Count: 50, Selections: SelectionPair{Selection{25, 5}, Selection{25, 10}}},
		{Feature: "f", Value: "biased", Count: 50, Selections: SelectionPair{Selection{25, 1}, Selection{25, 15}}},
		// Covers every protected row: DI outside it is undefined.
		{Feature: "g", Value: "all", Count: 120, Selections: SelectionPair{Selection{100, 20}, Selection{20, 5}}},
	}
	got, err := TraceBias(all, segments)
	if err != nil {
		t.Fatal(err)
	}
	if order := []string{got[0].Value, got[1].Value, got[2].Value}; !slices.Equal(order, []string{"biased", "neutral", "all"}) {
		t.Fatalf("ranking %v", order)
	}
	outside := math.Log((19.0 / 75) / (25.0 / 75))
	if c, ok := got[0].Contribution.Get(); !ok || !closeTo(c, math.Abs(math.Log(0.5))-math.Abs(outside), 1e-12) {
		t.Errorf("biased contribution = %v", got[0].Contribution)
	}
	if c, ok := got[1].Contribution.Get(); !ok || math.Abs(c) > 1e-15 {
		t.Errorf("neutral contribution = %v, want 0", got[1].Contribution)
	}
	if got[2].Contribution.Valid() {
		t.Errorf("covering segment contribution = %v, want absent", got[2].Contribution)
	}
	if _, err := TraceBias(all, []Segment{{Selections: SelectionPair{Protected: Selection{200, 1}}}}); err == nil {
		t.Error("segment larger than the totals accepted")
	}
	// No favourable prediction at all: DI is 0 and its log undefined.
	zero := SelectionPair{Protected: Selection{Rows: 10}, Reference: Selection{Rows: 10, Selected: 5}}
	if c, err := BiasContribution(zero, SelectionPair{}); err != nil || c.Valid() {
		t.Errorf("DI 0: contribution %v, err %v; want absent", c, err)
	}
}

func TestClassificationZeroDivision(t *testing.T) {
	tests := []struct {
		name string
		c    Confusion
		want [4]string // accuracy, precision, recall, f1
	}{
		{"no rows", Confusion{}, [4]string{"absent", "absent", "absent", "absent"}},
		{"nothing predicted positive", Confusion{FN: 2, TN: 2}, [4]string{"0.5", "absent", "0", "0"}},
		{"nothing actually positive", Confusion{FP: 1, TN: 3}, [4]string{"0.75", "0", "absent", "0"}},
		{"no positives anywhere", Confusion{TN: 4}, [4]string{"1", "absent", "absent", "absent"}},
		{"perfect", Confusion{TP: 2, TN: 2}, [4]string{"1", "1", "1", "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Classification(tt.c)
			if err != nil {
				t.Fatal(err)
			}
			got := [4]string{s.Accuracy.String(), s.Precision.String(), s.Recall.String(), s.F1.String()}
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAUC(t *testing.T) {
	tests := []struct {
		name   string
		counts []ScoreCount
		want   string
	}{
		{"ties count half", []ScoreCount{{0.2, 0, 1}, {0.5, 1, 1}, {0.8, 1, 0}}, "0.875"},
		{"unsorted input", []ScoreCount{{0.8, 1, 0}, {0.2, 0, 1}, {0.5, 1, 1}}, "0.875"},
		{"perfect", []ScoreCount{{0.1, 0, 3}, {0.9, 2, 0}}, "1"},
		{"all tied", []ScoreCount{{0.4, 3, 5}}, "0.5"},
		{"only positives", []ScoreCount{{0.4, 3, 0}}, "absent"},
		{"empty", nil, "absent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AUC(tt.counts)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want {
				t.Errorf("AUC = %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := AUC([]ScoreCount{{0.5, -1, 0}}); err == nil {
		t.Error("negative count accepted")
	}
}

func TestLogLossClips(t *testing.T) {
	got, err := LogLoss([]ScoreCount{{0, 1, 0}, {1, 1, 0}})
	if err != nil {
		t.Fatal(err)
	}
	want := (-math.Log(LogLossClip) - math.Log(1-LogLossClip)) / 2
	if v, ok := got.Get(); !ok || !closeTo(v, want, 1e-15) {
		t.Errorf("LogLoss = %v, want %v", got, want)
	}
	if got, _ := LogLoss(nil); got.Valid() {
		t.Errorf("no rows: %v, want absent", got)
	}
	if got := LogLossFromSum(3, 0); got.Valid() {
		t.Errorf("LogLossFromSum with n = 0: %v, want absent", got)
	}
}

func TestRegressionEdgeCases(t *testing.T) {
	t.Run("no rows", func(t *testing.T) {
		s, err := Regression(RegressionSums{})
		if err != nil {
			t.Fatal(err)
		}
		if s != (RegressionScores{}) {
			t.Errorf("no rows: %+v, want all absent", s)
		}
	})
	t.Run("constant actual", func(t *testing.T) {
		sums, err := RegressionSumsOf([]float64{3, 3, 3}, []float64{3, 3, 4})
		if err != nil {
			t.Fatal(err)
		}
		s, _ := Regression(sums)
		if s.R2.Valid() {
			t.Errorf("r2 = %v, want absent", s.R2)
		}
		if v, _ := s.MAE.Get(); !closeTo(v, 1.0/3, 1e-15) {
			t.Errorf("mae = %v", s.MAE)
		}
	})
	t.Run("zero actual uses epsilon", func(t *testing.T) {
		sums, _ := RegressionSumsOf([]float64{0, 2}, []float64{1, 1})
		s, _ := Regression(sums)
		if v, _ := s.MAPE.Get(); !closeTo(v, (1/MAPEEpsilon+0.5)/2, 1e-15) {
			t.Errorf("mape = %v", s.MAPE)
		}
	})
	t.Run("perfect", func(t *testing.T) {
		sums, _ := RegressionSumsOf([]float64{1, 2, 3}, []float64{1, 2, 3})
		s, _ := Regression(sums)
		if s.RMSE.String() != "0" || s.R2.String() != "1" {
			t.Errorf("perfect: %+v", s)
		}
	})
	t.Run("large mean", func(t *testing.T) {
		actual := []float64{1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4}
		predicted := []float64{1e9 + 1.5, 1e9 + 2, 1e9 + 3, 1e9 + 3.5}
		sums, _ := RegressionSumsOf(actual, predicted)
		s, _ := Regression(sums)
		if v, ok := s.R2.Get(); !ok || !closeTo(v, 1-0.5/5, 1e-12) {
			t.Errorf("r2 = %v, want 0.9", s.R2)
		}
	})
	t.Run("mismatched lengths", func(t *testing.T) {
		if _, err := RegressionSumsOf([]float64{1}, nil); err == nil {
			t.Error("no error")
		}
	})
}

func TestOptional(t *testing.T) {
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if Some(v).Valid() {
			t.Errorf("Some(%v) is present", v)
		}
	}
	out, err := json.Marshal(struct{ A, B Optional }{Some(0.25), Absent()})
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"A":0.25,"B":null}` {
		t.Errorf("JSON %s", out)
	}
}
