package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// LogLossClip bounds probabilities to [LogLossClip, 1−LogLossClip] in LogLoss. It
// is float64 machine epsilon, the clip scikit-learn 1.2 applies by default
// (eps="auto"), which the golden cases follow.
const LogLossClip = machineEpsilon

// ClassificationScores holds the label metrics of a binary classifier.
//
// scikit-learn returns 0 with a warning where a metric is undefined; here it is
// absent instead: precision when nothing is predicted positive, recall when nothing
// is actually positive, F1 when neither predictions nor actuals contain a positive,
// accuracy when there are no rows. F1 is 2·TP/(2·TP+FP+FN), which equals
// scikit-learn's harmonic mean wherever that is defined and is 0 (as there) when
// only one of precision and recall is undefined.
type ClassificationScores struct {
	Accuracy  Optional
	Precision Optional
	Recall    Optional
	F1        Optional
}

// Classification computes accuracy, precision, recall and F1 from a confusion
// matrix whose positive class is the configured positive label.
func Classification(c Confusion) (ClassificationScores, error) {
	if err := c.validate(); err != nil {
		return ClassificationScores{}, fmt.Errorf("classification: %w", err)
	}
	return ClassificationScores{
		Accuracy:  ratio(float64(c.TP+c.TN), float64(c.Total())),
		Precision: precision(c),
		Recall:    truePositiveRate(c),
		F1:        ratio(float64(2*c.TP), float64(2*c.TP+c.FP+c.FN)),
	}, nil
}

// ScoreCount counts the actual positives and negatives among the rows that have
// one score: the result of GROUP BY score. Counts may be weights.
type ScoreCount struct {
	Score     float64
	Positives float64
	Negatives float64
}

// ScoreCountsOf groups raw scores and actual classes by distinct score, sorted
// ascending.
func ScoreCountsOf(scores []float64, positive []bool) ([]ScoreCount, error) {
	if len(scores) != len(positive) {
		return nil, fmt.Errorf("score counts: %d scores but %d actual labels", len(scores), len(positive))
	}
	type row struct {
		score    float64
		positive bool
	}
	rows := make([]row, len(scores))
	for i := range scores {
		rows[i] = row{scores[i], positive[i]}
	}
	slices.SortFunc(rows, func(a, b row) int { return cmp.Compare(a.score, b.score) })
	var out []ScoreCount
	for _, r := range rows {
		if n := len(out); n == 0 || out[n-1].Score != r.score {
			out = append(out, ScoreCount{Score: r.score})
		}
		if r.positive {
			out[len(out)-1].Positives++
		} else {
			out[len(out)-1].Negatives++
		}
	}
	return out, nil
}

func validateScoreCounts(counts []ScoreCount) error {
	for i, s := range counts {
		if math.IsNaN(s.Score) {
			return fmt.Errorf("score count %d: score is NaN", i)
		}
		for _, w := range [2]float64{s.Positives, s.Negatives} {
			if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
				return fmt.Errorf("score count %d (score %v): count %v must be finite and non-negative", i, s.Score, w)
			}
		}
	}
	return nil
}

// AUC returns the area under the ROC curve, as roc_auc_score: the probability that
// a random positive scores above a random negative, ties counting one half (the
// trapezoid over tied scores). Counts may come in any order. It is absent when
// either class is empty.
func AUC(counts []ScoreCount) (Optional, error) {
	if err := validateScoreCounts(counts); err != nil {
		return Optional{}, fmt.Errorf("auc: %w", err)
	}
	sorted := counts
	if !slices.IsSortedFunc(counts, compareScores) {
		sorted = slices.Clone(counts)
		slices.SortFunc(sorted, compareScores)
	}
	// Walk scores from highest to lowest; each negative beats none of the
	// positives above it and ties with half of those at its own score.
	var above, positives, negatives, pairs compensatedSum
	for i := len(sorted) - 1; i >= 0; {
		score := sorted[i].Score
		var pos, neg compensatedSum
		for ; i >= 0 && sorted[i].Score == score; i-- {
			pos.add(sorted[i].Positives)
			neg.add(sorted[i].Negatives)
		}
		p, n := pos.value(), neg.value()
		pairs.add(n * above.value())
		pairs.add(n * p / 2)
		above.add(p)
		positives.add(p)
		negatives.add(n)
	}
	return ratio(pairs.value(), positives.value()*negatives.value()), nil
}

func compareScores(a, b ScoreCount) int { return cmp.Compare(a.Score, b.Score) }

// LogLoss returns the mean negative log-likelihood of the scores as probabilities
// of the positive class, clipped to [LogLossClip, 1−LogLossClip]. It is absent
// when there are no rows.
func LogLoss(counts []ScoreCount) (Optional, error) {
	if err := validateScoreCounts(counts); err != nil {
		return Optional{}, fmt.Errorf("log loss: %w", err)
	}
	var sum, n compensatedSum
	for _, s := range counts {
		p := min(max(s.Score, LogLossClip), 1-LogLossClip)
		if s.Positives > 0 {
			sum.add(-s.Positives * math.Log(p))
		}
		if s.Negatives > 0 {
			sum.add(-s.Negatives * math.Log(1-p))
		}
		n.add(s.Positives + s.Negatives)
	}
	return ratio(sum.value(), n.value()), nil
}

// LogLossFromSum returns the mean of a sum of per-row negative log-likelihoods
// computed elsewhere (for example in SQL, clipping to LogLossClip), absent when
// n is zero.
func LogLossFromSum(sum float64, n int64) Optional {
	return ratio(sum, float64(n))
}
