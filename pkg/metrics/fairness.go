package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Confusion counts rows by predicted and actual class. In fairness metrics
// "positive" means the favourable label.
type Confusion struct {
	TP int64 // predicted positive, actually positive
	FP int64 // predicted positive, actually negative
	FN int64 // predicted negative, actually positive
	TN int64 // predicted negative, actually negative
}

// Add counts one row.
func (c *Confusion) Add(predictedPositive, actualPositive bool) {
	switch {
	case predictedPositive && actualPositive:
		c.TP++
	case predictedPositive:
		c.FP++
	case actualPositive:
		c.FN++
	default:
		c.TN++
	}
}

// Total returns the number of rows.
func (c Confusion) Total() int64 { return c.TP + c.FP + c.FN + c.TN }

// Selection returns the group's rows and favourable predictions.
func (c Confusion) Selection() Selection {
	return Selection{Rows: c.Total(), Selected: c.TP + c.FP}
}

func (c Confusion) validate() error {
	if c.TP < 0 || c.FP < 0 || c.FN < 0 || c.TN < 0 {
		return fmt.Errorf("confusion counts must be non-negative, got TP=%d FP=%d FN=%d TN=%d", c.TP, c.FP, c.FN, c.TN)
	}
	return nil
}

// Selection counts one group's rows and those with a favourable prediction.
type Selection struct {
	Rows     int64
	Selected int64
}

// Rate returns the selection rate P(ŷ favourable), absent for an empty group.
func (s Selection) Rate() Optional { return ratio(float64(s.Selected), float64(s.Rows)) }

// FairnessScores holds the group fairness metrics of a protected (unprivileged)
// group P against a reference (privileged) group Q, in AIF360 conventions. A metric
// whose rate or ratio has an empty denominator is absent.
type FairnessScores struct {
	SelectionRateProtected      Optional
	SelectionRateReference      Optional
	DisparateImpact             Optional // SR(P) / SR(Q)
	StatisticalParityDifference Optional // SR(P) − SR(Q)
	EqualOpportunityDifference  Optional // TPR(P) − TPR(Q)
	AverageOddsDifference       Optional // ½[(FPR(P) − FPR(Q)) + (TPR(P) − TPR(Q))]
	PredictiveParityRatio       Optional // PPV(P) / PPV(Q)
}

// Fairness computes the fairness metrics from the confusion counts of the
// protected and the reference group; rows in neither group are left out by the
// caller.
func Fairness(protected, reference Confusion) (FairnessScores, error) {
	if err := protected.validate(); err != nil {
		return FairnessScores{}, fmt.Errorf("fairness: protected group: %w", err)
	}
	if err := reference.validate(); err != nil {
		return FairnessScores{}, fmt.Errorf("fairness: reference group: %w", err)
	}
	srP, srQ := protected.Selection().Rate(), reference.Selection().Rate()
	tprP, tprQ := truePositiveRate(protected), truePositiveRate(reference)
	fprP, fprQ := falsePositiveRate(protected), falsePositiveRate(reference)
	eod := difference(tprP, tprQ)
	out := FairnessScores{
		SelectionRateProtected:      srP,
		SelectionRateReference:      srQ,
		DisparateImpact:             DisparateImpact(protected.Selection(), reference.Selection()),
		StatisticalParityDifference: difference(srP, srQ),
		EqualOpportunityDifference:  eod,
		PredictiveParityRatio:       quotient(precision(protected), precision(reference)),
	}
	if fpd := difference(fprP, fprQ); fpd.ok && eod.ok {
		out.AverageOddsDifference = Some((fpd.value + eod.value) / 2)
	}
	return out, nil
}

// DisparateImpact returns SR(P) / SR(Q), absent when either group is empty or the
// reference group has no favourable prediction.
func DisparateImpact(protected, reference Selection) Optional {
	return quotient(protected.Rate(), reference.Rate())
}

func truePositiveRate(c Confusion) Optional {
	return ratio(float64(c.TP), float64(c.TP+c.FN))
}

func falsePositiveRate(c Confusion) Optional {
	return ratio(float64(c.FP), float64(c.FP+c.TN))
}

func precision(c Confusion) Optional {
	return ratio(float64(c.TP), float64(c.TP+c.FP))
}

// quotient returns a/b, absent when either is absent or b is zero.
func quotient(a, b Optional) Optional {
	if !a.ok || !b.ok {
		return Optional{}
	}
	return ratio(a.value, b.value)
}

// SelectionPair holds the selection counts of the protected and the reference
// group over some set of rows.
type SelectionPair struct {
	Protected Selection
	Reference Selection
}

// DisparateImpact returns the pair's disparate impact.
func (p SelectionPair) DisparateImpact() Optional {
	return DisparateImpact(p.Protected, p.Reference)
}

// Segment is one value of a traced feature: the rows where the feature has that
// value.
type Segment struct {
	Feature string
	Value   string
	// Count is the segment's number of rows.
	Count int64
	// Selections counts the segment's rows of the protected and reference groups.
	Selections SelectionPair
}

// SegmentBias is a segment's effect on disparate impact.
type SegmentBias struct {
	Feature         string
	Value           string
	Count           int64
	DisparateImpact Optional // inside the segment
	Contribution    Optional // see BiasContribution
}

// BiasContribution returns |ln DI(all)| − |ln DI(all rows outside the segment)|.
// Positive means the segment pushes the model away from parity: removing it would
// bring DI closer to 1. It is absent when either DI is absent or zero.
func BiasContribution(all, segment SelectionPair) (Optional, error) {
	outside, err := subtractSelections(all, segment)
	if err != nil {
		return Optional{}, fmt.Errorf("bias contribution: %w", err)
	}
	return biasContribution(all.DisparateImpact(), outside.DisparateImpact()), nil
}

func biasContribution(all, outside Optional) Optional {
	if !all.ok || !outside.ok || all.value <= 0 || outside.value <= 0 {
		return Optional{}
	}
	return Some(math.Abs(math.Log(all.value)) - math.Abs(math.Log(outside.value)))
}

func subtractSelections(all, part SelectionPair) (SelectionPair, error) {
	out := SelectionPair{
		Protected: Selection{Rows: all.Protected.Rows - part.Protected.Rows, Selected: all.Protected.Selected - part.Protected.Selected},
		Reference: Selection{Rows: all.Reference.Rows - part.Reference.Rows, Selected: all.Reference.Selected - part.Reference.Selected},
	}
	for _, s := range []Selection{all.Protected, all.Reference, part.Protected, part.Reference, out.Protected, out.Reference} {
		if s.Rows < 0 || s.Selected < 0 || s.Selected > s.Rows {
			return SelectionPair{}, fmt.Errorf("segment counts exceed the totals or are inconsistent (rows %d, selected %d)", s.Rows, s.Selected)
		}
	}
	return out, nil
}

// TraceBias computes every segment's disparate impact and contribution and ranks
// them with RankSegments.
func TraceBias(all SelectionPair, segments []Segment) ([]SegmentBias, error) {
	out := make([]SegmentBias, len(segments))
	for i, s := range segments {
		c, err := BiasContribution(all, s.Selections)
		if err != nil {
			return nil, fmt.Errorf("bias trace: segment %s=%q: %w", s.Feature, s.Value, err)
		}
		out[i] = SegmentBias{
			Feature:         s.Feature,
			Value:           s.Value,
			Count:           s.Count,
			DisparateImpact: s.Selections.DisparateImpact(),
			Contribution:    c,
		}
	}
	RankSegments(out)
	return out, nil
}

// RankSegments sorts segments by contribution, largest first, absent ones last,
// ties by feature then value.
func RankSegments(segments []SegmentBias) {
	slices.SortStableFunc(segments, func(a, b SegmentBias) int {
		switch {
		case a.Contribution.ok != b.Contribution.ok:
			if a.Contribution.ok {
				return -1
			}
			return 1
		case a.Contribution.ok && a.Contribution.value != b.Contribution.value:
			return cmp.Compare(b.Contribution.value, a.Contribution.value)
		}
		return cmp.Or(cmp.Compare(a.Feature, b.Feature), cmp.Compare(a.Value, b.Value))
	})
}
