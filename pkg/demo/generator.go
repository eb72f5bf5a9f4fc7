package demo

import (
	"context"
	"hash/fnv"
	"math"
	"math/rand/v2"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

const (
	hourMs = int64(3_600_000)
	dayMs  = 24 * hourMs
)

// Model indexes into the per-model counters.
const (
	mCredit = iota
	mETA
	mSentiment
	numModels
)

var (
	modelNames = [numModels]string{CreditRisk, DeliveryETA, ReviewSentiment}
	idPrefixes = [numModels]string{"cr-", "de-", "rs-"}
)

// A stream yields records of one kind in non-decreasing time order; the
// generator merges all streams into one time-ordered sequence.
type stream interface {
	// peek is the epoch millisecond of the next record, math.MaxInt64 when done.
	peek() int64
	// write fills r (already appended to the batch) with the next record and advances.
	write(g *generator, r *store.Record)
}

type generator struct {
	cfg   Config
	tl    timeline
	scale float64
	// b is the batch being filled; spare is the one emitted last, which the
	// caller may still read until the next emit returns (reuseNext).
	b, spare batch
	swap     bool // alternate b and spare (reuseNext)

	streams []stream
	next    []int64
	// queues are the streams fed by other streams (late actuals): their next
	// time can change whenever any stream writes.
	queues []int

	ids        [numModels]uint64
	inferences [numModels]int64
	actuals    int64
	line       int
}

func newGenerator(c Config, reuse int) *generator {
	g := &generator{cfg: c, tl: newTimeline(c), scale: c.Scale, swap: reuse == reuseNext}
	g.b = newBatch(c.BatchSize, reuse != noReuse)
	if g.swap {
		g.spare = newBatch(c.BatchSize, true)
	}
	addCreditRisk(g)
	addDeliveryETA(g)
	addReviewSentiment(g)
	return g
}

// rng returns an independent random stream for one named part of the scenario,
// so each model (and each of its streams) is unaffected by the volume of the others.
func (g *generator) rng(name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(uint64(g.cfg.Seed), h.Sum64()))
}

// add registers a stream; queue marks streams fed by other streams.
func (g *generator) add(s stream, queue bool) {
	if queue {
		g.queues = append(g.queues, len(g.streams))
	}
	g.streams = append(g.streams, s)
}

func (g *generator) run(ctx context.Context, emit func([]store.Record) error) error {
	g.next = make([]int64, len(g.streams))
	for i, s := range g.streams {
		g.next[i] = s.peek()
	}
	for {
		best, bt := -1, int64(math.MaxInt64)
		for i, t := range g.next {
			if t < bt {
				best, bt = i, t
			}
		}
		if best < 0 {
			break
		}
		g.line++
		g.streams[best].write(g, g.b.record(g.line))
		g.next[best] = g.streams[best].peek()
		for _, q := range g.queues {
			g.next[q] = g.streams[q].peek()
		}
		if g.b.full() {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := g.flush(emit); err != nil {
				return err
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(g.b.recs) > 0 {
		return g.flush(emit)
	}
	return nil
}

// flush emits the batch being filled; with swap it then fills the other
// one, so the emitted batch stays intact until the next emit returns.
func (g *generator) flush(emit func([]store.Record) error) error {
	err := g.b.flush(emit)
	if g.swap {
		g.b, g.spare = g.spare, g.b
	}
	return err
}

// inference fills the fields common to every inference record and assigns the
// model's next id (ids count up in emission order, so they are unique per model).
func (g *generator) inference(r *store.Record, model int, t int64, version, env string) uint64 {
	seq := g.ids[model]
	g.ids[model]++
	g.inferences[model]++
	r.Model = modelNames[model]
	r.Version = version
	r.Environment = env
	r.Time = msTime(t)
	g.b.setID(idPrefixes[model], seq)
	return seq
}

// actualOnly fills a late ground truth for the inference with id seq.
func (g *generator) actualOnly(r *store.Record, model int, seq uint64, at int64) {
	g.actuals++
	r.Model = modelNames[model]
	r.ActualOnly = true
	r.ActualTime = msTime(at)
	g.b.setID(idPrefixes[model], seq)
}

// arrivals is a Poisson process whose rate is constant within each clock hour
// (rateAt is asked once per hour, so it may draw hourly noise). Arrival times
// are floored to the millisecond and never decrease.
type arrivals struct {
	rng    *rand.Rand
	to     int64
	segEnd int64
	cur    float64
	rate   float64 // arrivals per millisecond in the current hour
	rateAt func(segStart int64) float64
	next   int64
}

func newArrivals(rng *rand.Rand, from, to int64, rateAt func(int64) float64) *arrivals {
	a := &arrivals{rng: rng, to: to, segEnd: from, rateAt: rateAt}
	a.advance()
	return a
}

func (a *arrivals) advance() {
	for {
		if a.rate > 0 {
			a.cur += a.rng.ExpFloat64() / a.rate
			if a.cur < float64(a.segEnd) {
				a.next = int64(a.cur)
				return
			}
		}
		if a.segEnd >= a.to {
			a.next = math.MaxInt64
			return
		}
		start := a.segEnd
		a.cur = float64(start)
		a.segEnd = min((floorDiv(start, hourMs)+1)*hourMs, a.to)
		a.rate = a.rateAt(start)
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// hourOfDay is the UTC hour of an epoch millisecond.
func hourOfDay(ms int64) int {
	return int(floorDiv(ms, hourMs) % 24)
}

// diurnal normalises 24 hourly weights to mean 1.
func diurnal(f func(h float64) float64) [24]float64 {
	var w [24]float64
	sum := 0.0
	for h := range w {
		w[h] = f(float64(h) + 0.5)
		sum += w[h]
	}
	for h := range w {
		w[h] *= 24 / sum
	}
	return w
}

// productionRate is the per-millisecond rate of a production stream with perHour
// records per hour on average, shaped by a diurnal profile and ±8% hourly noise.
func productionRate(rng *rand.Rand, perHour, scale float64, profile *[24]float64) func(int64) float64 {
	return func(start int64) float64 {
		noise := math.Exp(0.08*rng.NormFloat64() - 0.0032)
		return perHour * scale * profile[hourOfDay(start)] * noise / float64(hourMs)
	}
}

// sampleRate spreads about n records uniformly over [from, to).
func sampleRate(n, scale float64, from, to int64) func(int64) float64 {
	r := n * scale / float64(to-from)
	return func(int64) float64 { return r }
}

// pick maps a uniform draw to an index by cumulative weights (the last entry is 1).
func pick(u float64, cum []float64) int {
	for i, c := range cum {
		if u < c {
			return i
		}
	}
	return len(cum) - 1
}

func cumulative(w ...float64) []float64 {
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	cum := make([]float64, len(w))
	acc := 0.0
	for i, x := range w {
		acc += x
		cum[i] = acc / sum
	}
	cum[len(cum)-1] = 1
	return cum
}

// poissonTable is the cumulative distribution of Poisson(mean) up to max.
func poissonTable(mean float64, max int) []float64 {
	w := make([]float64, max+1)
	p := math.Exp(-mean)
	for k := range w {
		w[k] = p
		p *= mean / float64(k+1)
	}
	return cumulative(w...)
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func round(x, unit float64) float64 { return math.Round(x/unit) * unit }

func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }

// queue is a FIFO ring of pending late actuals whose arrival times never decrease.
type queue[T any] struct {
	items      []T
	head, size int
}

func (q *queue[T]) push(x T) {
	if q.size == len(q.items) {
		grown := make([]T, max(1024, 2*len(q.items)))
		n := copy(grown, q.items[q.head:])
		copy(grown[n:], q.items[:q.head])
		q.items, q.head = grown, 0
	}
	q.items[(q.head+q.size)%len(q.items)] = x
	q.size++
}

func (q *queue[T]) front() (T, bool) {
	if q.size == 0 {
		var zero T
		return zero, false
	}
	return q.items[q.head], true
}

func (q *queue[T]) pop() {
	q.head = (q.head + 1) % len(q.items)
	q.size--
}
