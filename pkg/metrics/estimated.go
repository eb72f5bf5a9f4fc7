package metrics

import (
	"fmt"
	"math"
)

// ExpectedConfusion holds the expected confusion counts of confidence-based
// performance estimation (METRICS.md "Estimated performance"): with p_i the
// calibrated probability that record i is positive, ETP = Σ_{ŷ=pos} p_i,
// EFP = Σ_{ŷ=pos} (1 − p_i), EFN = Σ_{ŷ≠pos} p_i, ETN = Σ_{ŷ≠pos} (1 − p_i).
// N is the number of records counted.
type ExpectedConfusion struct {
	TP, FP, FN, TN float64
	N              int64
}

// Add returns the sum of two sets of expected counts (disjoint records).
func (c ExpectedConfusion) Add(o ExpectedConfusion) ExpectedConfusion {
	return ExpectedConfusion{TP: c.TP + o.TP, FP: c.FP + o.FP, FN: c.FN + o.FN, TN: c.TN + o.TN, N: c.N + o.N}
}

// ExpectedConfusionOf sums the expected counts over records with calibrated
// probabilities p and whether each was predicted positive. NaN probabilities
// (records without a score) are not counted.
func ExpectedConfusionOf(p []float64, predictedPositive []bool) (ExpectedConfusion, error) {
	if len(p) != len(predictedPositive) {
		return ExpectedConfusion{}, fmt.Errorf("expected confusion: %d probabilities but %d predictions", len(p), len(predictedPositive))
	}
	var tp, fp, fn, tn compensatedSum
	var n int64
	for i, v := range p {
		if math.IsNaN(v) {
			continue
		}
		if v < 0 || v > 1 {
			return ExpectedConfusion{}, fmt.Errorf("expected confusion: probability %v of record %d is outside [0, 1]", v, i)
		}
		n++
		if predictedPositive[i] {
			tp.add(v)
			fp.add(1 - v)
		} else {
			fn.add(v)
			tn.add(1 - v)
		}
	}
	return ExpectedConfusion{TP: tp.value(), FP: fp.value(), FN: fn.value(), TN: tn.value(), N: n}, nil
}

// EstimatedScores holds the estimated label metrics; each is absent where its
// denominator is zero.
type EstimatedScores struct {
	Accuracy, Precision, Recall, F1 Optional
}

// Estimated computes accuracy = (ETP+ETN)/n, precision = ETP/(ETP+EFP), recall =
// ETP/(ETP+EFN) and F1 = 2·ETP/(2·ETP+EFP+EFN) from expected counts.
func Estimated(c ExpectedConfusion) EstimatedScores {
	return EstimatedScores{
		Accuracy:  ratio(c.TP+c.TN, float64(c.N)),
		Precision: ratio(c.TP, c.TP+c.FP),
		Recall:    ratio(c.TP, c.TP+c.FN),
		F1:        ratio(2*c.TP, 2*c.TP+c.FP+c.FN),
	}
}

// ExpectedScoreCount is the calibrated weight of one distinct raw score: Count
// records scored s, whose calibrated probabilities add up to SumP.
type ExpectedScoreCount struct {
	Score float64
	Count float64
	SumP  float64
}

// ExpectedAUC is the expected ROC AUC: roc_auc_score(y=[1]*n+[0]*n,
// y_score=s+s, sample_weight=p+(1−p)), each record counted as a positive with
// weight p_i and as a negative with weight 1 − p_i. Absent when either total
// weight is zero.
func ExpectedAUC(counts []ExpectedScoreCount) (Optional, error) {
	sc := make([]ScoreCount, len(counts))
	for i, c := range counts {
		sc[i] = ScoreCount{Score: c.Score, Positives: c.SumP, Negatives: c.Count - c.SumP}
		if sc[i].Negatives < 0 && sc[i].Negatives > -1e-9*c.Count {
			sc[i].Negatives = 0
		}
	}
	a, err := AUC(sc)
	if err != nil {
		return Optional{}, fmt.Errorf("expected auc: %w", err)
	}
	return a, nil
}
