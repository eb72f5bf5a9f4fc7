package demo

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// The story tests read the raw records of one scale-1 run, gathered once.

var numericFeatures = []string{"age", "income", "debt_ratio", "credit_lines"}
var categoricalFeatures = []string{"employment_type", "region", "sex"}

type inferenceInfo struct {
	seen       bool
	ms         int64
	env        string
	version    string
	label      string
	value      float64
	hasActual  bool
	south, fem bool
	// harbourNight: a delivery in zone harbour at night (22:00–05:00 UTC).
	harbourNight bool
}

type hourBucket struct {
	num [4][]float64
	cat [3]map[string]int
}

type reviewPoint struct {
	day  int
	emb  []float32
	text string
}

type story struct {
	sum        Summary
	startMs    int64
	endMs      int64
	records    int
	batches    int
	maxBatch   int
	violations []string

	infos [numModels][]inferenceInfo

	trainNum [4][]float64
	trainCat [3]map[string]int
	hours    map[int64]*hourBucket

	byDayVersion [30][2]int // production credit-risk requests: v1, v2
	central      [30]int
	// approvals[version][south][female] = {approved, total} on production
	approvals [2][2][2][2]int

	// accuracy[version][after day 12] = {correct, total} of production with late actuals
	accuracy [2][2][2]int
	// shadowAccuracy compares v1 (production) and v2 (shadow) on days 15–17.
	shadowAccuracy [2][2]int

	lateEligible, lateGot, lateWrongDelay int
	etaEligible, etaGot                   int
	etaSq                                 [30]float64
	etaN                                  [30]int

	reviewTrain []reviewPoint
	reviewProd  []reviewPoint

	// v2 production per day: {debt_ratio missing, requests} and {credit_lines
	// above v1's training maximum, requests}.
	v2Debt, v2Lines [30][2]int
	trainLinesMax   float64
	// Delivery absolute errors from day 10: [harbour at night] = {Σ|e|, n}.
	etaAbs [2][2]float64
}

var (
	storyOnce sync.Once
	storyData *story
	storyErr  error
)

func scenario(t *testing.T) *story {
	t.Helper()
	storyOnce.Do(func() { storyData, storyErr = gather(testConfig(1)) })
	if storyErr != nil {
		t.Fatal(storyErr)
	}
	return storyData
}

func violation(s *story, format string, args ...any) {
	if len(s.violations) < 20 {
		s.violations = append(s.violations, strings.TrimSpace(sprintf(format, args...)))
	}
}

func gather(cfg Config) (*story, error) {
	s := &story{hours: map[int64]*hourBucket{}}
	for i := range s.trainCat {
		s.trainCat[i] = map[string]int{}
	}
	s.startMs = cfg.End.Add(-time.Duration(cfg.Days) * 24 * time.Hour).UnixMilli()
	s.endMs = cfg.End.UnixMilli()
	last := int64(math.MinInt64)
	day := func(ms int64) int { return int((ms - s.startMs) / dayMs) }
	sum, err := Generate(context.Background(), cfg, func(b []store.Record) error {
		s.batches++
		s.maxBatch = max(s.maxBatch, len(b))
		for i := range b {
			r := &b[i]
			s.records++
			et := eventTime(r).UnixMilli()
			if et < last {
				violation(s, "record %d out of time order", r.Line)
			}
			last = et
			if et < s.startMs || et >= s.endMs {
				violation(s, "record %d at %v outside the window", r.Line, eventTime(r))
			}
			m := modelIndex(r.Model)
			if m < 0 {
				violation(s, "unknown model %q", r.Model)
				continue
			}
			seq, ok := parseID(r.ID, idPrefixes[m])
			if !ok {
				violation(s, "bad id %q", r.ID)
				continue
			}
			if r.ActualOnly {
				s.actual(m, seq, r, et)
				continue
			}
			for len(s.infos[m]) <= seq {
				s.infos[m] = append(s.infos[m], inferenceInfo{})
			}
			info := &s.infos[m][seq]
			if info.seen {
				violation(s, "duplicate id %s", r.ID)
			}
			*info = inferenceInfo{seen: true, ms: et, env: r.Environment, version: r.Version,
				label: r.Prediction.Label, value: r.Prediction.Value}
			switch m {
			case mCredit:
				s.credit(r, info, et, day(et))
			case mETA:
				h := int(((et % dayMs) + dayMs) % dayMs / hourMs)
				info.harbourNight = feature(r, "zone").Str == "harbour" && (h >= 22 || h < 5)
			case mSentiment:
				p := reviewPoint{day: day(et), emb: slices.Clone(r.Embedding), text: r.Text}
				if r.Environment == envTraining {
					s.reviewTrain = append(s.reviewTrain, p)
				} else {
					s.reviewProd = append(s.reviewProd, p)
				}
			}
		}
		return nil
	})
	s.sum = sum
	return s, err
}

func (s *story) credit(r *store.Record, info *inferenceInfo, ms int64, d int) {
	info.south = feature(r, "region").Str == "south"
	info.fem = feature(r, "sex").Str == "F"
	if r.Environment == envTraining && r.Version == "v1" {
		for i, f := range numericFeatures {
			s.trainNum[i] = append(s.trainNum[i], feature(r, f).Num)
		}
		for i, f := range categoricalFeatures {
			s.trainCat[i][feature(r, f).Str]++
		}
		s.trainLinesMax = math.Max(s.trainLinesMax, feature(r, "credit_lines").Num)
	}
	if r.Environment != envProduction {
		return
	}
	if r.Version == "v2" {
		s.v2Debt[d][1]++
		s.v2Debt[d][0] += b2i(feature(r, "debt_ratio").Kind == store.Missing)
		s.v2Lines[d][1]++
		s.v2Lines[d][0] += b2i(feature(r, "credit_lines").Num > s.trainLinesMax)
	}
	hb := s.hours[ms/hourMs]
	if hb == nil {
		hb = &hourBucket{}
		for i := range hb.cat {
			hb.cat[i] = map[string]int{}
		}
		s.hours[ms/hourMs] = hb
	}
	for i, f := range numericFeatures {
		// Drift compares present values; the day debt_ratio goes missing is a
		// data-quality problem (TestStoryDataQualityAndSegments).
		if v := feature(r, f); v.Kind != store.Missing {
			hb.num[i] = append(hb.num[i], v.Num)
		}
	}
	for i, f := range categoricalFeatures {
		hb.cat[i][feature(r, f).Str]++
	}
	v := versionIndex(r.Version)
	s.byDayVersion[d][v]++
	if feature(r, "region").Str == "central" {
		s.central[d]++
	}
	a := &s.approvals[v][b2i(info.south)][b2i(info.fem)]
	a[1]++
	if r.Prediction.Label == "1" {
		a[0]++
	}
	if ms+creditLateMs < s.endMs {
		s.lateEligible++
	}
}

func (s *story) actual(m, seq int, r *store.Record, et int64) {
	if seq >= len(s.infos[m]) || !s.infos[m][seq].seen {
		violation(s, "actual for %s before its inference", r.ID)
		return
	}
	info := &s.infos[m][seq]
	if info.hasActual {
		violation(s, "second actual for %s", r.ID)
	}
	info.hasActual = true
	switch m {
	case mCredit:
		if et-info.ms != creditLateMs {
			s.lateWrongDelay++
		}
		if info.env == envProduction {
			s.lateGot++
		}
		correct := b2i(info.label == r.Actual.Label)
		v := versionIndex(info.version)
		d := int((info.ms - s.startMs) / dayMs)
		if info.env == envProduction {
			acc := &s.accuracy[v][b2i(d >= dayIncomeShift)]
			acc[0] += correct
			acc[1]++
		}
		if d >= dayShadow && d < dayCanary {
			acc := &s.shadowAccuracy[b2i(info.env == envShadow)]
			acc[0] += correct
			acc[1]++
		}
	case mETA:
		s.etaGot++
		d := int((info.ms - s.startMs) / dayMs)
		e := info.value - r.Actual.Value
		s.etaSq[d] += e * e
		s.etaN[d]++
		if d >= dayHarbourNight {
			a := &s.etaAbs[b2i(info.harbourNight)]
			a[0] += math.Abs(e)
			a[1]++
		}
	}
}

func modelIndex(name string) int {
	for i, n := range modelNames {
		if n == name {
			return i
		}
	}
	return -1
}

func versionIndex(v string) int {
	if v == "v2" {
		return 1
	}
	return 0
}

func parseID(id, prefix string) (int, bool) {
	digits, ok := strings.CutPrefix(id, prefix)
	if !ok || len(digits) < 9 {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	return n, err == nil
}

func TestStoryRecordsAreWellFormed(t *testing.T) {
	s := scenario(t)
	for _, v := range s.violations {
		t.Error(v)
	}
	if s.maxBatch > 4096 {
		t.Errorf("batch of %d records, want at most 4096", s.maxBatch)
	}
	if got := s.sum.Records + s.sum.Actuals; got != s.records {
		t.Errorf("summary says %d records, emitted %d", got, s.records)
	}
	if !s.sum.Start.Equal(testEnd.Add(-30*24*time.Hour)) || !s.sum.End.Equal(testEnd) {
		t.Errorf("summary window %v–%v", s.sum.Start, s.sum.End)
	}
	t.Logf("scale 1: %d inferences (%v), %d actual-only records, %d batches",
		s.sum.Records, s.sum.PerModel, s.sum.Actuals, s.batches)
	if s.sum.Records < 500_000 {
		t.Errorf("%d inferences at scale 1, want at least 500k", s.sum.Records)
	}
	if n := s.sum.PerModel[ReviewSentiment]; n < 20_000 || n > 40_000 {
		t.Errorf("%d review-sentiment records, want 20k–40k", n)
	}
}

func TestStoryIncomeDrift(t *testing.T) {
	s := scenario(t)
	if len(s.trainNum[1]) < 15_000 {
		t.Fatalf("training v1 sample has %d records", len(s.trainNum[1]))
	}
	var refs [4]func([]float64) float64
	for i := range refs {
		refs[i] = numericReference(s.trainNum[i])
	}
	var maxBefore, minAfter = 0.0, math.Inf(1)
	var maxStable [4]float64
	var maxStableCat [3]float64
	for h, hb := range s.hours {
		d := int((h*hourMs - s.startMs) / dayMs)
		p := refs[1](hb.num[1])
		if d < dayIncomeShift {
			maxBefore = math.Max(maxBefore, p)
		} else {
			minAfter = math.Min(minAfter, p)
		}
		for i := range numericFeatures {
			if i != 1 {
				maxStable[i] = math.Max(maxStable[i], refs[i](hb.num[i]))
			}
		}
		for i, f := range categoricalFeatures {
			if f == "region" && d >= dayNewRegion {
				continue
			}
			maxStableCat[i] = math.Max(maxStableCat[i], categoricalPSI(s.trainCat[i], hb.cat[i]))
		}
	}
	t.Logf("income hourly PSI: max %.3f before day 12, min %.3f from day 12 (%d hours)", maxBefore, minAfter, len(s.hours))
	t.Logf("stable features, max hourly PSI: age %.3f debt_ratio %.3f credit_lines %.3f employment %.3f region(<day 20) %.3f sex %.3f",
		maxStable[0], maxStable[2], maxStable[3], maxStableCat[0], maxStableCat[1], maxStableCat[2])
	if maxBefore >= 0.1 {
		t.Errorf("income PSI before day 12 reaches %.3f, want < 0.1 every hour", maxBefore)
	}
	if minAfter <= 0.25 {
		t.Errorf("income PSI from day 12 falls to %.3f, want > 0.25 every hour", minAfter)
	}
	for i, f := range numericFeatures {
		if i != 1 && maxStable[i] >= 0.1 {
			t.Errorf("%s hourly PSI reaches %.3f, want < 0.1", f, maxStable[i])
		}
	}
	for i, f := range categoricalFeatures {
		if maxStableCat[i] >= 0.1 {
			t.Errorf("%s hourly PSI reaches %.3f, want < 0.1", f, maxStableCat[i])
		}
	}
}

func TestStoryNewRegion(t *testing.T) {
	s := scenario(t)
	for d, n := range s.central {
		if d < dayNewRegion && n > 0 {
			t.Errorf("day %d has %d central records before day 20", d, n)
		}
		if d >= dayNewRegion && n == 0 {
			t.Errorf("day %d has no central records", d)
		}
	}
	t.Logf("central share: day 20 %.3f, day 29 %.3f",
		share(s.central[20], s.byDayVersion[20]), share(s.central[29], s.byDayVersion[29]))
}

func share(n int, day [2]int) float64 { return float64(n) / float64(day[0]+day[1]) }

func TestStoryRollout(t *testing.T) {
	s := scenario(t)
	var line []string
	for d, c := range s.byDayVersion {
		v1 := share(c[0], c)
		line = append(line, sprintf("%d:%.3f", d, v1))
		switch {
		case d < dayCanary && c[1] != 0:
			t.Errorf("day %d: v2 serves %d production requests before the canary", d, c[1])
		case d >= dayCanary && d < dayRollout && math.Abs(1-v1-canaryShare) > 0.02:
			t.Errorf("day %d: v2 share %.3f, want ≈ 0.10", d, 1-v1)
		case d >= dayRollout && d < dayStaleClient && v1 >= 0.02:
			t.Errorf("day %d: v1 share %.3f, want < 2%%", d, v1)
		case d >= dayStaleClient && v1 <= 0.05:
			t.Errorf("day %d: v1 share %.3f, want > 5%%", d, v1)
		}
	}
	t.Logf("v1 share of production by day: %s", strings.Join(line, " "))
}

func di(a [2][2]int) float64 {
	// a[female] = {approved, total}
	return (float64(a[1][0]) / float64(a[1][1])) / (float64(a[0][0]) / float64(a[0][1]))
}

func TestStoryFairness(t *testing.T) {
	s := scenario(t)
	region := func(v, south int) float64 { return di(s.approvals[v][south]) }
	overall := func(v int) float64 {
		var a [2][2]int
		for south := range 2 {
			for f := range 2 {
				a[f][0] += s.approvals[v][south][f][0]
				a[f][1] += s.approvals[v][south][f][1]
			}
		}
		return di(a)
	}
	t.Logf("DI F/M v1: overall %.3f south %.3f elsewhere %.3f", overall(0), region(0, 1), region(0, 0))
	t.Logf("DI F/M v2: overall %.3f south %.3f elsewhere %.3f", overall(1), region(1, 1), region(1, 0))
	if d := overall(1); d >= 0.8 {
		t.Errorf("v2 DI overall %.3f, want < 0.8", d)
	}
	if d := region(1, 1); d < 0.25 || d > 0.5 {
		t.Errorf("v2 DI in south %.3f, want 0.25–0.5", d)
	}
	if d := region(1, 0); d < 0.8 || d > 1.25 {
		t.Errorf("v2 DI outside south %.3f, want within [0.8, 1.25]", d)
	}
	for _, d := range []float64{overall(0), region(0, 1), region(0, 0)} {
		if d < 0.9 || d > 1.1 {
			t.Errorf("v1 DI %.3f, want ≈ 1", d)
		}
	}
}

func TestStoryLateActuals(t *testing.T) {
	s := scenario(t)
	got := float64(s.lateGot) / float64(s.lateEligible)
	t.Logf("credit-risk: %d of %d production requests older than 3 days got a late actual (%.4f)", s.lateGot, s.lateEligible, got)
	if math.Abs(got-creditLateShare) > 0.02 {
		t.Errorf("late actual share %.4f, want 0.80 ± 0.02", got)
	}
	if s.lateWrongDelay != 0 {
		t.Errorf("%d credit-risk actuals did not arrive exactly 3 days later", s.lateWrongDelay)
	}
	eligible := 0
	for _, in := range s.infos[mETA] {
		if in.env == envProduction && in.ms+etaLateMaxMs < s.endMs {
			eligible++
		}
	}
	eta := float64(s.etaGot) / float64(eligible)
	t.Logf("delivery-eta: %.4f of deliveries got an actual", eta)
	if math.Abs(eta-etaLateShare) > 0.02 {
		t.Errorf("delivery actual share %.4f, want 0.95 ± 0.02", eta)
	}
}

func TestStoryPerformance(t *testing.T) {
	s := scenario(t)
	acc := func(a [2]int) float64 { return float64(a[0]) / float64(a[1]) }
	v1Before, v1After, v2After := acc(s.accuracy[0][0]), acc(s.accuracy[0][1]), acc(s.accuracy[1][1])
	v1Shadow, v2Shadow := acc(s.shadowAccuracy[0]), acc(s.shadowAccuracy[1])
	t.Logf("credit-risk accuracy: v1 %.3f before day 12, %.3f after; v2 %.3f in production; on shadow days v1 %.3f vs v2 %.3f",
		v1Before, v1After, v2After, v1Shadow, v2Shadow)
	if v1Before < 0.77 || v1Before > 0.83 {
		t.Errorf("v1 accuracy %.3f before the shift, want ≈ 0.8", v1Before)
	}
	if v2Shadow <= v1Shadow || v2After <= v1After {
		t.Errorf("v2 should beat v1: shadow %.3f vs %.3f, production %.3f vs %.3f", v2Shadow, v1Shadow, v2After, v1After)
	}
	rmse := func(from, to int) float64 {
		sq, n := 0.0, 0
		for d := from; d < to; d++ {
			sq += s.etaSq[d]
			n += s.etaN[d]
		}
		return math.Sqrt(sq / float64(n))
	}
	var line []string
	prev := 0.0
	for w := 0; w < 30; w += 5 {
		r := rmse(w, w+5)
		line = append(line, sprintf("days %d–%d: %.2f", w, w+4, r))
		if r <= prev {
			t.Errorf("delivery RMSE does not grow: %.2f after %.2f", r, prev)
		}
		prev = r
	}
	t.Logf("delivery-eta RMSE %s", strings.Join(line, ", "))
}

// TestStorySpanishCluster finds the English clusters from the training
// embeddings alone, then flags production points far from all of them.
func TestStorySpanishCluster(t *testing.T) {
	s := scenario(t)
	var leaders [][]float64 // running sums
	var counts []int
	for _, p := range s.reviewTrain {
		best, bi := -1.0, -1
		for i, l := range leaders {
			if c := cosine(l, p.emb); c > best {
				best, bi = c, i
			}
		}
		if best < 0.75 {
			leaders = append(leaders, make([]float64, embeddingDim))
			counts = append(counts, 0)
			bi = len(leaders) - 1
		}
		for i, x := range p.emb {
			leaders[bi][i] += float64(x)
		}
		counts[bi]++
	}
	t.Logf("training reviews form %d clusters (sizes %v)", len(leaders), counts)
	if len(leaders) != 2*numTopics {
		t.Errorf("want %d clusters (topic × sentiment), found %d", 2*numTopics, len(leaders))
	}
	var far, all [30]int
	mislabelled := 0
	for _, p := range s.reviewProd {
		best := -1.0
		for _, l := range leaders {
			best = math.Max(best, cosine(l, p.emb))
		}
		isFar := best < 0.5
		all[p.day]++
		if isFar {
			far[p.day]++
		}
		if isFar != looksSpanish(p.text) {
			mislabelled++
		}
	}
	if mislabelled > 0 {
		t.Errorf("%d reviews whose language disagrees with their cluster", mislabelled)
	}
	var line []string
	for d := range far {
		sh := float64(far[d]) / float64(all[d])
		line = append(line, sprintf("%d:%.2f", d, sh))
		if d < daySpanish && far[d] > 0 {
			t.Errorf("day %d: %d reviews far from every reference cluster before day 21", d, far[d])
		}
		if d >= daySpanish && far[d] == 0 {
			t.Errorf("day %d: no Spanish cluster", d)
		}
	}
	if float64(far[29])/float64(all[29]) <= 2*float64(far[22])/float64(all[22]) {
		t.Errorf("the Spanish cluster does not grow: %v", line)
	}
	t.Logf("Spanish share by day: %s", strings.Join(line, " "))
}

func cosine(sum []float64, v []float32) float64 {
	var dot, n float64
	for i, x := range v {
		dot += sum[i] * float64(x)
		n += sum[i] * sum[i]
	}
	return dot / math.Sqrt(n) // v is unit length
}

// looksSpanish reports whether a review uses one of the Spanish topic phrases.
func looksSpanish(text string) bool {
	for _, topic := range spanish.phrases {
		for _, phrases := range topic {
			for _, p := range phrases {
				if strings.Contains(text, p) {
					return true
				}
			}
		}
	}
	return false
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// TestStoryDataQualityAndSegments checks the planted data-quality problems of
// credit-risk v2 and the slow harbour nights of delivery-eta (SCENARIO.md).
func TestStoryDataQualityAndSegments(t *testing.T) {
	s := scenario(t)
	for d := dayCanary; d < 30; d++ {
		miss, n := s.v2Debt[d][0], s.v2Debt[d][1]
		if n == 0 {
			continue
		}
		rate := float64(miss) / float64(n)
		switch {
		case d == dayDebtOutage && (rate < 0.3 || rate > 0.5):
			t.Errorf("day %d: debt_ratio missing in %.3f of v2's requests, want ≈ %.2f", d, rate, debtOutageShare)
		case d != dayDebtOutage && miss > 0:
			t.Errorf("day %d: debt_ratio missing in %d of v2's requests, want none", d, miss)
		}
		out := float64(s.v2Lines[d][0]) / float64(n)
		switch {
		case d >= dayBureauFeed && (out < 0.02 || out > 0.06):
			t.Errorf("day %d: credit_lines above the training maximum %.0f in %.3f of v2's requests, want ≈ %.2f", d, s.trainLinesMax, out, bureauFeedShare)
		case d < dayBureauFeed && out > 0.005:
			t.Errorf("day %d: credit_lines above the training maximum in %.3f of v2's requests before the new feed", d, out)
		}
	}
	night, rest := s.etaAbs[1][0]/s.etaAbs[1][1], s.etaAbs[0][0]/s.etaAbs[0][1]
	t.Logf("delivery MAE from day %d: harbour at night %.2f (%v deliveries), elsewhere %.2f", dayHarbourNight, night, s.etaAbs[1][1], rest)
	if night < rest+harbourDelayMin/2 {
		t.Errorf("harbour night deliveries should be ≈ %v minutes worse: MAE %.2f vs %.2f", harbourDelayMin, night, rest)
	}
}
