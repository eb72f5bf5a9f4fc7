package demo

import (
	"math"
	"math/rand/v2"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// delivery-eta: a regression model predicting delivery minutes. Couriers get
// slowly slower over the window (something the model never sees), so its error
// grows steadily.

var (
	courierTypes = []string{"bike", "scooter", "car"}
	weathers     = []string{"clear", "cloudy", "rain", "snow"}
	minPerKm     = [...]float64{4.0, 3.0, 2.4}
	weatherSlow  = [...]float64{1, 1.05, 1.25, 1.5}
)

type etaModel struct {
	tl      timeline
	courier []float64
	weather []float64
	items   []float64
	late    lateHeap
}

// trip is one delivery request and its true expected duration.
type trip struct {
	dist, items     float64
	hour            int
	courier, sky    int
	zone            int
	expectedMinutes float64
}

// addDeliveryETA registers the delivery-eta streams.
func addDeliveryETA(g *generator) {
	m := &etaModel{
		tl:      g.tl,
		courier: cumulative(0.45, 0.35, 0.20),
		weather: cumulative(0.58, 0.22, 0.15, 0.05),
		items:   poissonTable(1.8, 20),
	}
	tl := g.tl
	prod := g.rng("delivery-eta/production")
	profile := diurnal(func(h float64) float64 {
		bump := func(at, width float64) float64 { return math.Exp(-0.5 * (h - at) * (h - at) / (width * width)) }
		return 0.25 + 0.2*bump(8.5, 1.2) + 0.9*bump(12.5, 1.6) + 1.3*bump(19.5, 1.8)
	})
	g.add(&etaProduction{m: m, rng: prod,
		arr: newArrivals(prod, tl.startMs, tl.endMs, productionRate(prod, etaPerHour, g.scale, &profile))}, false)
	g.add(&etaLate{m: m}, true)
	train := g.rng("delivery-eta/training")
	a, b := tl.at(dayTrainV1From), tl.at(dayTrainV1To)
	g.add(&etaTraining{m: m, rng: train, arr: newArrivals(train, a, b, sampleRate(etaTrainN, g.scale, a, b))}, false)
}

func (m *etaModel) draw(rng *rand.Rand, t int64) trip {
	var p trip
	p.dist = round(clamp(3.5*math.Exp(0.6*rng.NormFloat64()), 0.2, 25), 0.01)
	p.items = float64(1 + pick(rng.Float64(), m.items))
	p.hour = hourOfDay(t)
	p.courier = pick(rng.Float64(), m.courier)
	p.sky = pick(rng.Float64(), m.weather)
	rush := 0.0
	if p.hour == 12 || p.hour == 13 || (p.hour >= 18 && p.hour <= 20) {
		rush = 6
	}
	parking := 0.0
	if p.courier == 2 {
		parking = 3
	}
	p.expectedMinutes = 8 + p.dist*minPerKm[p.courier]*weatherSlow[p.sky] + 1.2*p.items + rush + parking
	return p
}

// actual is the real duration: from day 0 to day 30 deliveries drift 7 minutes
// slower and noisier.
func (p *trip) actual(rng *rand.Rand, day float64) float64 {
	f := day / storyDays
	extra := 0.0
	if day >= dayHarbourNight && p.zone == 2 && night(p.hour) {
		extra = harbourDelayMin // a road closure the model never hears of
	}
	return math.Max(1, round(p.expectedMinutes+extra+7*f+(4+2*f)*rng.NormFloat64(), 0.1))
}

func (m *etaModel) fill(g *generator, r *store.Record, rng *rand.Rand, t int64, env string, p *trip) uint64 {
	seq := g.inference(r, mETA, t, etaVersion, env)
	p.zone = pick(unitHash(seq, 4), zoneShares)
	f := g.b.feats.take(6)
	f[0] = store.Feature{Name: "distance_km", Value: store.Num(p.dist)}
	f[1] = store.Feature{Name: "items", Value: store.Num(p.items)}
	f[2] = store.Feature{Name: "hour_of_day", Value: store.Num(float64(p.hour))}
	f[3] = store.Feature{Name: "courier_type", Value: store.Str(courierTypes[p.courier])}
	f[4] = store.Feature{Name: "weather", Value: store.Str(weathers[p.sky])}
	f[5] = store.Feature{Name: "zone", Value: store.Str(deliveryZones[p.zone])}
	r.Features = f
	pred := math.Max(1, round(p.expectedMinutes+1.5*rng.NormFloat64(), 0.1))
	r.Prediction = store.Outcome{Value: pred, HasValue: true}
	return seq
}

type etaProduction struct {
	m   *etaModel
	rng *rand.Rand
	arr *arrivals
}

func (s *etaProduction) peek() int64 { return s.arr.next }

func (s *etaProduction) write(g *generator, r *store.Record) {
	t := s.arr.next
	p := s.m.draw(s.rng, t)
	seq := s.m.fill(g, r, s.rng, t, envProduction, &p)
	actual := p.actual(s.rng, s.m.tl.day(t))
	late := s.rng.Float64() < etaLateShare
	at := t + etaLateMinMs + int64(s.rng.Float64()*(etaLateMaxMs-etaLateMinMs))
	if late && at < s.m.tl.endMs {
		s.m.late.push(lateValue{at: at, seq: seq, value: actual})
	}
	s.arr.advance()
}

type etaTraining struct {
	m   *etaModel
	rng *rand.Rand
	arr *arrivals
}

func (s *etaTraining) peek() int64 { return s.arr.next }

func (s *etaTraining) write(g *generator, r *store.Record) {
	t := s.arr.next
	p := s.m.draw(s.rng, t)
	s.m.fill(g, r, s.rng, t, envTraining, &p)
	r.Actual = store.Outcome{Value: p.actual(s.rng, 0), HasValue: true}
	r.ActualTime = r.Time
	s.arr.advance()
}

// etaLate emits delivery actuals when the delivery is done.
type etaLate struct{ m *etaModel }

func (s *etaLate) peek() int64 {
	if len(s.m.late) == 0 {
		return math.MaxInt64
	}
	return s.m.late[0].at
}

func (s *etaLate) write(g *generator, r *store.Record) {
	x := s.m.late.pop()
	g.actualOnly(r, mETA, x.seq, x.at)
	r.Actual = store.Outcome{Value: x.value, HasValue: true}
}

type lateValue struct {
	at    int64
	seq   uint64
	value float64
}

// lateHeap is a min-heap of pending actuals by (arrival, id).
type lateHeap []lateValue

func (h lateHeap) less(i, j int) bool {
	return h[i].at < h[j].at || (h[i].at == h[j].at && h[i].seq < h[j].seq)
}

func (h *lateHeap) push(x lateValue) {
	*h = append(*h, x)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *lateHeap) pop() lateValue {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	for i := 0; ; {
		l, small := 2*i+1, i
		if l < n && s.less(l, small) {
			small = l
		}
		if r := l + 1; r < n && s.less(r, small) {
			small = r
		}
		if small == i {
			break
		}
		s[i], s[small] = s[small], s[i]
		i = small
	}
	*h = s
	return top
}
