package demo

import (
	"math"
	"math/rand/v2"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// review-sentiment: an English review classifier ("positive"/"negative", score
// = P(positive)) with 384-dimensional unit embeddings that cluster by topic and
// sentiment. From day 21 Spanish reviews arrive, in a cluster of their own far
// from every English one, and the model does poorly on them. Production has no
// ground truth: that cohort is what the labeling workflow exports.

const (
	embeddingDim   = 384
	embeddingNoise = 0.025 // per dimension, around a unit centre
)

var sentimentLabels = []string{"negative", "positive"}

type sentimentModel struct {
	tl     timeline
	topics []float64
	noise  *normalTable
	// centres[topic][sentiment] and spanishCentres[sentiment] are unit vectors.
	centres        [numTopics][2][]float64
	spanishCentres [2][]float64
}

// addReviewSentiment registers the review-sentiment streams.
func addReviewSentiment(g *generator) {
	m := &sentimentModel{tl: g.tl, topics: cumulative(0.25, 0.2, 0.2, 0.15, 0.2), noise: newNormalTable()}
	m.placeCentres(g.rng("review-sentiment/centres"))
	tl := g.tl
	profile := diurnal(func(h float64) float64 { return 1 + 0.5*math.Cos(2*math.Pi*(h-20)/24) })
	en := g.rng("review-sentiment/production")
	g.add(&reviewStream{m: m, rng: en, lang: &english, env: envProduction,
		arr: newArrivals(en, tl.startMs, tl.endMs, productionRate(en, sentimentPerHour, g.scale, &profile))}, false)
	es := g.rng("review-sentiment/production-es")
	base := productionRate(es, sentimentPerHour, g.scale, &profile)
	g.add(&reviewStream{m: m, rng: es, lang: &spanish, env: envProduction, spanish: true,
		arr: newArrivals(es, tl.at(daySpanish), tl.endMs, func(start int64) float64 {
			// 5% of the English volume on day 21, growing by 5 points a day.
			return base(start) * 0.05 * (1 + tl.day(start) - daySpanish)
		})}, false)
	tr := g.rng("review-sentiment/training")
	a, b := tl.at(dayTrainV1From), tl.at(dayTrainV1To)
	g.add(&reviewStream{m: m, rng: tr, lang: &english, env: envTraining, withActual: true,
		arr: newArrivals(tr, a, b, sampleRate(sentimentN, g.scale, a, b))}, false)
}

// placeCentres puts each topic at a random direction with its two sentiments
// nearby, and the Spanish reviews opposite the English centroid.
func (m *sentimentModel) placeCentres(rng *rand.Rand) {
	mean := make([]float64, embeddingDim)
	for k := range m.centres {
		topic := randomUnit(rng)
		for s := range m.centres[k] {
			c := randomUnit(rng)
			for i := range c {
				c[i] = topic[i] + 0.8*c[i]
			}
			normalize(c)
			m.centres[k][s] = c
			for i := range c {
				mean[i] += c[i]
			}
		}
	}
	normalize(mean)
	away := randomUnit(rng)
	dot := 0.0
	for i := range away {
		dot += away[i] * mean[i]
	}
	for i := range away {
		away[i] -= dot * mean[i]
	}
	normalize(away)
	es := make([]float64, embeddingDim)
	for i := range es {
		es[i] = -0.6*mean[i] + 0.8*away[i]
	}
	for s := range m.spanishCentres {
		c := randomUnit(rng)
		for i := range c {
			c[i] = es[i] + 0.4*c[i]
		}
		normalize(c)
		m.spanishCentres[s] = c
	}
}

func randomUnit(rng *rand.Rand) []float64 {
	v := make([]float64, embeddingDim)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	normalize(v)
	return v
}

func normalize(v []float64) {
	n := 0.0
	for _, x := range v {
		n += x * x
	}
	n = 1 / math.Sqrt(n)
	for i := range v {
		v[i] *= n
	}
}

// normalTable holds the quantiles of N(0, 1) at (i+0.5)/4096: indexing it with
// 12 random bits draws embedding noise five times cheaper than NormFloat64,
// which matters for 384 draws a record.
type normalTable [4096]float64

func newNormalTable() *normalTable {
	var t normalTable
	for i := range t {
		t[i] = math.Sqrt2 * math.Erfinv(2*(float64(i)+0.5)/float64(len(t))-1)
	}
	return &t
}

// embed writes centre + noise, unit-normalised, into dst.
func (m *sentimentModel) embed(dst []float32, centre []float64, rng *rand.Rand) {
	var v [embeddingDim]float64
	n := 0.0
	var bits uint64
	for i := range v {
		if i%5 == 0 {
			bits = rng.Uint64()
		}
		x := centre[i] + embeddingNoise*m.noise[bits&4095]
		bits >>= 12
		v[i] = x
		n += x * x
	}
	n = 1 / math.Sqrt(n)
	for i := range dst {
		dst[i] = float32(v[i] * n)
	}
}

// reviewStream emits reviews of one language and environment.
type reviewStream struct {
	m          *sentimentModel
	rng        *rand.Rand
	arr        *arrivals
	lang       *reviewLanguage
	env        string
	spanish    bool
	withActual bool
}

func (s *reviewStream) peek() int64 { return s.arr.next }

func (s *reviewStream) write(g *generator, r *store.Record) {
	t := s.arr.next
	rng := s.rng
	topic := pick(rng.Float64(), s.m.topics)
	positive := b2i(rng.Float64() < 0.62)
	g.inference(r, mSentiment, t, sentimentVersion, s.env)

	from := g.b.textStart()
	g.b.arena = s.lang.appendReview(g.b.arena, topic, positive, [4]float64{rng.Float64(), rng.Float64(), rng.Float64(), rng.Float64()})
	g.b.textEnd(from)

	centre := s.m.centres[topic][positive]
	// The English model separates sentiments well; on Spanish it is unsure
	// (scores near 0.6) and mostly guesses "positive".
	sign := float64(2*positive - 1)
	logit := 2.3*sign + 1.8*rng.NormFloat64()
	if s.spanish {
		centre = s.m.spanishCentres[positive]
		logit = 0.4*sign + 0.5 + 0.6*rng.NormFloat64()
	}
	e := g.b.floats.take(embeddingDim)
	s.m.embed(e, centre, rng)
	r.Embedding = e

	p := sigmoid(logit)
	r.Prediction = store.Outcome{Label: sentimentLabels[b2i(p >= 0.5)], HasLabel: true, Score: round(p, 1e-4), HasScore: true}
	if s.withActual {
		r.Actual = store.Outcome{Label: sentimentLabels[positive], HasLabel: true}
		r.ActualTime = r.Time
	}
	s.arr.advance()
}
