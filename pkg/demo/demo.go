// Package demo generates Vigil's demo scenario: three models over a time window
// whose story (a drifting feature, a shadow/canary/rollout, a stale client of a
// deprecated version, a biased new version, late ground truth, a new cluster of
// texts) is fixed in SCENARIO.md. The output is deterministic: the same Config
// always gives the same records, byte for byte, on a given platform.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// Defaults applied by Generate and Lifecycle to zero Config fields.
const (
	DefaultDays      = 30
	DefaultBatchSize = 10000
	// MaxDays bounds the window so a typo cannot ask for centuries of data.
	MaxDays = 3660
)

// Model names of the scenario.
const (
	CreditRisk      = "credit-risk"
	DeliveryETA     = "delivery-eta"
	ReviewSentiment = "review-sentiment"
)

// Config chooses the scenario's window, seed and volume.
type Config struct {
	// Days is the window length; the story's day numbers (0–29, see SCENARIO.md)
	// stretch proportionally when it is not 30. Zero means DefaultDays.
	Days int
	// Seed selects the random streams; the same seed gives the same records.
	Seed int64
	// Scale multiplies every record count. Zero means 1.
	Scale float64
	// End is the end of the window (exclusive). Zero means now, truncated to the
	// minute: set it explicitly when Generate and Lifecycle must agree.
	End time.Time
	// BatchSize is the most records handed to emit at once. Zero means DefaultBatchSize.
	BatchSize int
}

// LifecycleEvent is one status change of a model version.
type LifecycleEvent struct {
	Model, Version string
	Status         store.Status
	At             time.Time
}

// Summary says what Generate emitted.
type Summary struct {
	// Records counts inference records (every environment).
	Records int
	// Actuals counts actual-only records (late ground truth).
	Actuals int
	// PerModel counts inference records per model.
	PerModel map[string]int
	// Start and End bound the window [Start, End).
	Start, End time.Time
}

// normalized returns the config with defaults applied, or an error naming the bad field.
func (c Config) normalized() (Config, error) {
	switch {
	case c.Days < 0 || c.Days > MaxDays:
		return c, fmt.Errorf("demo: days must be between 1 and %d, got %d", MaxDays, c.Days)
	case math.IsNaN(c.Scale) || math.IsInf(c.Scale, 0) || c.Scale < 0:
		return c, fmt.Errorf("demo: scale must be a positive number, got %v", c.Scale)
	case c.BatchSize < 0:
		return c, fmt.Errorf("demo: batch size must be positive, got %d", c.BatchSize)
	}
	if c.Days == 0 {
		c.Days = DefaultDays
	}
	if c.Scale == 0 {
		c.Scale = 1
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.End.IsZero() {
		c.End = time.Now().UTC().Truncate(time.Minute)
	}
	c.End = c.End.UTC()
	return c, nil
}

// timeline maps the story's day numbers onto the window. Times are epoch
// milliseconds; scenario day d starts at startMs + d·dayMs.
type timeline struct {
	startMs, endMs int64
	dayMs          float64
}

func newTimeline(c Config) timeline {
	end := c.End.UnixMilli()
	span := int64(c.Days) * int64(24*time.Hour/time.Millisecond)
	return timeline{startMs: end - span, endMs: end, dayMs: float64(span) / storyDays}
}

// at is the epoch millisecond where scenario day d starts (d may be fractional).
func (tl timeline) at(d float64) int64 {
	return tl.startMs + int64(math.Round(d*tl.dayMs))
}

// day is the scenario day (fractional) of an epoch millisecond.
func (tl timeline) day(ms int64) float64 {
	return float64(ms-tl.startMs) / tl.dayMs
}

func msTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// Lifecycle lists the version status changes of the scenario in time order.
// An invalid config falls back to the defaults of its bad fields.
func Lifecycle(cfg Config) []LifecycleEvent {
	c, err := cfg.normalized()
	if err != nil {
		c, _ = Config{End: cfg.End, Seed: cfg.Seed}.normalized()
	}
	tl := newTimeline(c)
	ev := func(model, version string, st store.Status, day float64) LifecycleEvent {
		return LifecycleEvent{Model: model, Version: version, Status: st, At: msTime(tl.at(day))}
	}
	return []LifecycleEvent{
		ev(CreditRisk, "v1", store.StatusActive, 0),
		ev(DeliveryETA, etaVersion, store.StatusActive, 0),
		ev(ReviewSentiment, sentimentVersion, store.StatusActive, 0),
		ev(CreditRisk, "v2", store.StatusShadow, dayShadow),
		ev(CreditRisk, "v2", store.StatusCanary, dayCanary),
		ev(CreditRisk, "v1", store.StatusDeprecated, dayRollout),
		ev(CreditRisk, "v2", store.StatusActive, dayRollout),
	}
}

// Generate emits the whole scenario in time order (inference time, or arrival
// time for actual-only records), in batches of at most BatchSize records.
//
// A batch is valid until the next call of emit returns: the batch after next
// reuses its slice and the Features, Tags and Embedding slices of its records
// (fresh memory for every batch costs more than twice the CPU). So emit may
// hand a batch to another goroutine and return, as long as the next emit
// waits until that goroutine is done with it. Copy records emit wants to
// keep; their strings (ids, texts) are never reused and may be kept as they are.
//
// An error from emit or a cancelled ctx stops generation and is returned.
func Generate(ctx context.Context, cfg Config, emit func([]store.Record) error) (Summary, error) {
	return generate(ctx, cfg, reuseNext, emit)
}

// GenerateEach is Generate with one batch instead of two: a batch is valid
// only until emit returns, and its memory is the next batch's. It suits an
// emit that converts each batch before it returns (a store's Prepare does),
// and keeps half the records in memory.
func GenerateEach(ctx context.Context, cfg Config, emit func([]store.Record) error) (Summary, error) {
	return generate(ctx, cfg, reuseAtOnce, emit)
}

// How a generator reuses its batches' memory.
const (
	noReuse     = iota // every batch fresh (benchmarks compare it)
	reuseNext          // two batches in turn (Generate)
	reuseAtOnce        // one batch (GenerateEach)
)

// generate is Generate or GenerateEach, or with noReuse every batch fresh.
func generate(ctx context.Context, cfg Config, reuse int, emit func([]store.Record) error) (Summary, error) {
	c, err := cfg.normalized()
	if err != nil {
		return Summary{}, err
	}
	if emit == nil {
		return Summary{}, errors.New("demo: emit function is nil")
	}
	g := newGenerator(c, reuse)
	sum := Summary{PerModel: map[string]int{}, Start: msTime(g.tl.startMs), End: msTime(g.tl.endMs)}
	err = g.run(ctx, emit)
	sum.Records = int(g.inferences[0] + g.inferences[1] + g.inferences[2])
	sum.Actuals = int(g.actuals)
	for i, name := range modelNames {
		if g.inferences[i] > 0 {
			sum.PerModel[name] = int(g.inferences[i])
		}
	}
	return sum, err
}
