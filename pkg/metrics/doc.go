// Package metrics implements every metric Vigil shows, as pure functions over
// aggregates.
//
// The query engine computes histograms, counts and sums inside the database and
// passes only those aggregates here, so each metric takes the smallest summary that
// determines it exactly:
//
//   - distribution drift on binned data (PSI, KL, Jensen–Shannon, Hellinger, χ²)
//     takes two Histograms built on the same bins;
//   - KS and Wasserstein take Summaries: distinct values with their counts, as
//     returned by GROUP BY value (exact) or by a fine quantile sketch (approximate);
//   - fairness and bias tracing take confusion or selection counts per group;
//   - classification takes a Confusion matrix and score counts grouped by distinct
//     score; regression takes RegressionSums.
//
// Convenience constructors build the same aggregates from raw Go slices; in raw
// numeric slices NaN marks a missing value.
//
// A value that is undefined for its input (a rate with an empty denominator, a
// ratio whose divisor is zero) is reported as an absent Optional, never as 0, Inf or
// NaN. Inputs that cannot be used at all (empty samples, mismatched bins, unsorted
// summaries) return an error.
package metrics
