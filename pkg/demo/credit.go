package demo

import (
	"math"
	"math/rand/v2"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// credit-risk: a binary classifier; label "1" means the applicant is predicted
// to repay (approved, the favourable outcome), the score is P("1").

var (
	employmentTypes = []string{"salaried", "self-employed", "unemployed", "retired", "student"}
	regions         = []string{"north", "south", "east", "west", "central"}
	sexes           = []string{"F", "M"}
	channels        = []string{"web", "app", "branch"}
	binaryLabels    = []string{"0", "1"}
)

const (
	regionSouth   = 1
	regionCentral = 4
	sexF          = 0
	channelBranch = 2

	incomeMedian = 48000.0
	incomeSigma  = 0.45
	// v2 was trained after the income shift and centres income on the new median.
	incomeV2Median = incomeMedian * 1.65
	// truthNoise sets how much of repayment no feature explains (v1 accuracy ≈ 0.8).
	truthNoise = 0.7
)

// Creditworthiness weights shared by the truth and both model versions.
var employmentEffect = [...]float64{0.3, 0, -1.5, 0.2, -0.6}

type creditModel struct {
	tl         timeline
	employment []float64
	region     []float64
	sex        []float64
	channel    []float64
	lines      []float64
	late       queue[lateLabel]
}

// applicant is one credit request: the features plus the latent ground truth.
type applicant struct {
	age, income, debt, lines float64
	employment, region       int
	sex, channel             int
	zAge, zDebt, zLines      float64
	zIncome                  float64 // real (pre-shift) income, standardised
	repays                   bool
}

type lateLabel struct {
	at  int64
	seq uint64
	ok  bool
}

// addCreditRisk registers the credit-risk streams.
func addCreditRisk(g *generator) {
	m := &creditModel{
		tl:         g.tl,
		employment: cumulative(0.58, 0.17, 0.07, 0.12, 0.06),
		region:     cumulative(0.22, 0.40, 0.20, 0.18),
		sex:        cumulative(0.5, 0.5),
		channel:    cumulative(0.45, 0.33, 0.22),
		lines:      poissonTable(4, 25),
	}
	tl := g.tl
	prod := g.rng("credit-risk/production")
	profile := diurnal(func(h float64) float64 { return 1 + 0.4*math.Cos(2*math.Pi*(h-14)/24) })
	g.add(&creditProduction{m: m, rng: prod,
		arr: newArrivals(prod, tl.startMs, tl.endMs, productionRate(prod, creditPerHour, g.scale, &profile))}, false)
	g.add(&creditLate{m: m}, true)
	ref := func(name, version, env string, n, from, to float64) {
		rng := g.rng("credit-risk/" + name)
		a, b := tl.at(from), tl.at(to)
		g.add(&creditReference{m: m, rng: rng, version: version, env: env,
			arr: newArrivals(rng, a, b, sampleRate(n, g.scale, a, b))}, false)
	}
	ref("training-v1", "v1", envTraining, creditTrainN, dayTrainV1From, dayTrainV1To)
	ref("validation-v1", "v1", envValidation, creditValidN, dayTrainV1From, dayTrainV1To)
	ref("training-v2", "v2", envTraining, creditTrainN, dayTrainV2From, dayTrainV2To)
	ref("validation-v2", "v2", envValidation, creditValidN, dayValidV2From, dayValidV2To)
}

// incomeFactor is the reporting change from day 12: +60%, creeping to +75%.
func incomeFactor(day float64) float64 {
	if day < dayIncomeShift {
		return 1
	}
	return 1.6 + 0.15*(day-dayIncomeShift)/(storyDays-dayIncomeShift)
}

// centralShare is the share of region "central", new from day 20.
func centralShare(day float64) float64 {
	if day < dayNewRegion {
		return 0
	}
	return 0.06 + 0.08*(day-dayNewRegion)/(storyDays-dayNewRegion)
}

func (m *creditModel) draw(rng *rand.Rand, day float64) applicant {
	var a applicant
	a.age = clamp(math.Round(41+12*rng.NormFloat64()), 18, 80)
	a.zIncome = rng.NormFloat64()
	a.income = round(incomeMedian*math.Exp(incomeSigma*a.zIncome)*incomeFactor(day), 10)
	a.debt = round(clamp(0.35+0.15*rng.NormFloat64(), 0.01, 1.2), 0.001)
	a.lines = float64(pick(rng.Float64(), m.lines))
	a.employment = pick(rng.Float64(), m.employment)
	if u, c := rng.Float64(), centralShare(day); u < c {
		a.region = regionCentral
	} else {
		a.region = pick((u-c)/(1-c), m.region)
	}
	a.sex = pick(rng.Float64(), m.sex)
	a.channel = pick(rng.Float64(), m.channel)
	a.zAge = (a.age - 41) / 12
	a.zDebt = (a.debt - 0.35) / 0.15
	a.zLines = (a.lines - 4) / 2
	truth := creditLogit(&a, a.zIncome) + a.interaction() + truthNoise*rng.NormFloat64()
	a.repays = truth > 0
	return a
}

// creditLogit is the creditworthiness both versions learned, given an income z-score.
func creditLogit(a *applicant, zIncome float64) float64 {
	return 0.25 + 0.9*zIncome - 1.0*a.zDebt + 0.35*a.zAge + 0.2*a.zLines + employmentEffect[a.employment]
}

// interaction is the part of repayment only v2 learned: older applicants carry debt worse.
func (a *applicant) interaction() float64 { return -1.0 * a.zAge * a.zDebt }

// score is the version's P(repays). v1 reads the reported income as it was
// before the shift, so it over-approves from day 12. v2 is sharper but learned a
// penalty for women, heavy in region south.
func (a *applicant) score(version string) float64 {
	zObs := math.Log(a.income)
	if version == "v1" {
		return sigmoid(1.2 * creditLogit(a, (zObs-math.Log(incomeMedian))/incomeSigma))
	}
	x := creditLogit(a, (zObs-math.Log(incomeV2Median))/incomeSigma) + a.interaction()
	if a.sex == sexF {
		if a.region == regionSouth {
			x -= 1.8
		} else {
			x -= 0.2
		}
	}
	return sigmoid(1.3 * x)
}

func (m *creditModel) fill(g *generator, r *store.Record, t int64, version, env string, a *applicant) uint64 {
	seq := g.inference(r, mCredit, t, version, env)
	f := g.b.feats.take(7)
	f[0] = store.Feature{Name: "age", Value: store.Num(a.age)}
	f[1] = store.Feature{Name: "income", Value: store.Num(a.income)}
	f[2] = store.Feature{Name: "debt_ratio", Value: store.Num(a.debt)}
	f[3] = store.Feature{Name: "credit_lines", Value: store.Num(a.lines)}
	f[4] = store.Feature{Name: "employment_type", Value: store.Str(employmentTypes[a.employment])}
	f[5] = store.Feature{Name: "region", Value: store.Str(regions[a.region])}
	f[6] = store.Feature{Name: "sex", Value: store.Str(sexes[a.sex])}
	if version == "v2" && env == envProduction {
		// Upstream problems the model does not see (it scores the true applicant).
		day := m.tl.day(t)
		if day >= dayDebtOutage && day < dayDebtOutage+1 && unitHash(seq, 1) < debtOutageShare {
			f[2].Value = store.Value{}
		}
		if day >= dayBureauFeed && unitHash(seq, 2) < bureauFeedShare {
			f[3].Value = store.Num(a.lines + 20 + math.Floor(unitHash(seq, 3)*16))
		}
	}
	r.Features = f
	tg := g.b.tags.take(2)
	tg[0] = store.Tag{Name: "sex", Value: sexes[a.sex], Set: true}
	tg[1] = store.Tag{Name: "channel", Value: channels[a.channel], Set: true}
	r.Tags = tg
	s := a.score(version)
	r.Prediction = store.Outcome{Label: binaryLabels[b2i(s >= 0.5)], HasLabel: true, Score: round(s, 1e-4), HasScore: true}
	return seq
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// creditProduction serves production traffic; on shadow days each request is
// followed by v2's shadow inference on the same input.
type creditProduction struct {
	m   *creditModel
	rng *rand.Rand
	arr *arrivals

	shadowDue bool
	last      applicant
	lastLate  bool
}

func (s *creditProduction) peek() int64 { return s.arr.next }

func (s *creditProduction) write(g *generator, r *store.Record) {
	t := s.arr.next
	if s.shadowDue {
		s.shadowDue = false
		seq := s.m.fill(g, r, t, "v2", envShadow, &s.last)
		s.m.scheduleLate(seq, t, s.lastLate, s.last.repays)
		s.arr.advance()
		return
	}
	day := s.m.tl.day(t)
	a := s.m.draw(s.rng, day)
	version := route(s.rng.Float64(), day, a.channel)
	late := s.rng.Float64() < creditLateShare
	seq := s.m.fill(g, r, t, version, envProduction, &a)
	s.m.scheduleLate(seq, t, late, a.repays)
	if day >= dayShadow && day < dayCanary {
		s.shadowDue, s.last, s.lastLate = true, a, late
		return
	}
	s.arr.advance()
}

// route picks the version serving a production request (u is uniform).
func route(u, day float64, channel int) string {
	switch {
	case day < dayCanary:
		return "v1"
	case day < dayRollout:
		if u < canaryShare {
			return "v2"
		}
		return "v1"
	case day < dayStaleClient:
		// Clients drain off v1 within hours of the rollout.
		if u < 0.03*math.Exp(-(day-dayRollout)/0.125) {
			return "v1"
		}
		return "v2"
	default:
		// A branch-office client was rolled back and calls v1 again, more each day.
		if channel == channelBranch && u < 0.75+0.25*(day-dayStaleClient)/(storyDays-dayStaleClient) {
			return "v1"
		}
		return "v2"
	}
}

func (m *creditModel) scheduleLate(seq uint64, t int64, late, repays bool) {
	if late && t+creditLateMs < m.tl.endMs {
		m.late.push(lateLabel{at: t + creditLateMs, seq: seq, ok: repays})
	}
}

// creditLate emits the late actuals three days after their inference.
type creditLate struct{ m *creditModel }

func (s *creditLate) peek() int64 {
	if x, ok := s.m.late.front(); ok {
		return x.at
	}
	return math.MaxInt64
}

func (s *creditLate) write(g *generator, r *store.Record) {
	x, _ := s.m.late.front()
	s.m.late.pop()
	g.actualOnly(r, mCredit, x.seq, x.at)
	r.Actual = store.Outcome{Label: binaryLabels[b2i(x.ok)], HasLabel: true}
}

// creditReference is a training or validation sample with actuals inline.
type creditReference struct {
	m            *creditModel
	rng          *rand.Rand
	arr          *arrivals
	version, env string
}

func (s *creditReference) peek() int64 { return s.arr.next }

func (s *creditReference) write(g *generator, r *store.Record) {
	t := s.arr.next
	a := s.m.draw(s.rng, s.m.tl.day(t))
	s.m.fill(g, r, t, s.version, s.env, &a)
	r.Actual = store.Outcome{Label: binaryLabels[b2i(a.repays)], HasLabel: true}
	r.ActualTime = r.Time
	s.arr.advance()
}
