package metrics

import (
	"fmt"
	"math"
)

// MAPEEpsilon floors |y| in the MAPE denominator: float64 machine epsilon, as
// scikit-learn's mean_absolute_percentage_error.
const MAPEEpsilon = machineEpsilon

// machineEpsilon is the gap between 1 and the next float64.
const machineEpsilon = 0x1p-52

// RegressionSums are the sufficient statistics of the regression metrics, each a
// plain SUM (or COUNT) that SQL can aggregate and merge.
//
// SumY and SumY2 may be taken about any constant offset K, i.e. Σ(y−K) and
// Σ(y−K)²; R² does not depend on K. K = 0 gives plain sums; a K near the mean of y
// (such as a previous period's mean) avoids cancellation when the mean is large
// compared with the spread.
type RegressionSums struct {
	N                          int64
	SumY                       float64 // Σ(y−K)
	SumY2                      float64 // Σ(y−K)²
	SumSquaredError            float64 // Σ(y−ŷ)²
	SumAbsoluteError           float64 // Σ|y−ŷ|
	SumAbsolutePercentageError float64 // Σ|y−ŷ| / max(|y|, MAPEEpsilon)
}

// RegressionSumsOf computes RegressionSums from raw actual and predicted values,
// with K set to the mean of the actuals.
func RegressionSumsOf(actual, predicted []float64) (RegressionSums, error) {
	if len(actual) != len(predicted) {
		return RegressionSums{}, fmt.Errorf("regression sums: %d actual values but %d predictions", len(actual), len(predicted))
	}
	var mean compensatedSum
	for i, y := range actual {
		if math.IsNaN(y) || math.IsNaN(predicted[i]) {
			return RegressionSums{}, fmt.Errorf("regression sums: row %d: actual or prediction is missing", i)
		}
		mean.add(y)
	}
	k := 0.0
	if len(actual) > 0 {
		k = mean.value() / float64(len(actual))
	}
	return RegressionSumsAbout(actual, predicted, k)
}

// RegressionSumsAbout computes RegressionSums with SumY and SumY2 taken about
// the offset k, so sums of disjoint sets of rows with the same k can be added and
// subtracted.
func RegressionSumsAbout(actual, predicted []float64, k float64) (RegressionSums, error) {
	if len(actual) != len(predicted) {
		return RegressionSums{}, fmt.Errorf("regression sums: %d actual values but %d predictions", len(actual), len(predicted))
	}
	for i, y := range actual {
		if math.IsNaN(y) || math.IsNaN(predicted[i]) {
			return RegressionSums{}, fmt.Errorf("regression sums: row %d: actual or prediction is missing", i)
		}
	}
	var sy, sy2, sse, sae, sape compensatedSum
	for i, y := range actual {
		c := y - k
		e := y - predicted[i]
		sy.add(c)
		sy2.add(c * c)
		sse.add(e * e)
		sae.add(math.Abs(e))
		sape.add(math.Abs(e) / math.Max(math.Abs(y), MAPEEpsilon))
	}
	return RegressionSums{
		N:                          int64(len(actual)),
		SumY:                       sy.value(),
		SumY2:                      sy2.value(),
		SumSquaredError:            sse.value(),
		SumAbsoluteError:           sae.value(),
		SumAbsolutePercentageError: sape.value(),
	}, nil
}

// RegressionScores holds the regression metrics; all are absent when there are no
// rows.
type RegressionScores struct {
	RMSE Optional
	MAE  Optional
	// MAPE is a fraction (0.1 = 10 %), as scikit-learn returns it.
	MAPE Optional
	// R2 is 1 − Σ(y−ŷ)² / Σ(y−ȳ)². It is absent when y has no variance (within
	// the rounding of the sums), where scikit-learn would report 1 or 0.
	R2 Optional
}

// Regression computes RMSE, MAE, MAPE and R² from their sums.
func Regression(s RegressionSums) (RegressionScores, error) {
	if s.N < 0 || s.SumY2 < 0 || s.SumSquaredError < 0 || s.SumAbsoluteError < 0 || s.SumAbsolutePercentageError < 0 {
		return RegressionScores{}, fmt.Errorf("regression: count and sums of squares or absolute values must be non-negative: %+v", s)
	}
	if s.N == 0 {
		return RegressionScores{}, nil
	}
	n := float64(s.N)
	out := RegressionScores{
		RMSE: Some(math.Sqrt(s.SumSquaredError / n)),
		MAE:  Some(s.SumAbsoluteError / n),
		MAPE: Some(s.SumAbsolutePercentageError / n),
	}
	// Σ(y−ȳ)² from shifted sums; anything within rounding noise of SumY2 is zero.
	total := s.SumY2 - s.SumY*(s.SumY/n)
	if total > 8*machineEpsilon*s.SumY2 {
		out.R2 = Some(1 - s.SumSquaredError/total)
	}
	return out, nil
}
