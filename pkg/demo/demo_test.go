package demo

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

func TestDeterministic(t *testing.T) {
	cfg := testConfig(0.2)
	a, sa := hashRun(t, cfg)
	b, sb := hashRun(t, cfg)
	if a != b {
		t.Fatal("two runs with the same config differ")
	}
	if sa.Records != sb.Records || sa.Actuals != sb.Actuals {
		t.Fatalf("summaries differ: %+v vs %+v", sa, sb)
	}
	// The batch size only cuts the same sequence differently.
	cfg.BatchSize = 777
	if c, _ := hashRun(t, cfg); c != a {
		t.Error("a different batch size changed the records")
	}
	cfg.BatchSize = 4096
	cfg.Seed = 43
	if c, _ := hashRun(t, cfg); c == a {
		t.Error("a different seed gave the same records")
	}
}

func TestReusedBatchesMatchFreshOnes(t *testing.T) {
	cfg := testConfig(0.05)
	want, _ := hashRun(t, cfg)
	for name, reuse := range map[string]int{"fresh batches": noReuse, "one batch (GenerateEach)": reuseAtOnce} {
		h := newHash()
		if _, err := generate(context.Background(), cfg, reuse, func(b []store.Record) error {
			for i := range b {
				hashRecord(h, &b[i])
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if got := sum32(h); got != want {
			t.Errorf("%s gave other records than two batches in turn", name)
		}
	}
}

// TestBatchValidUntilNextEmitReturns checks the contract that lets a caller
// store a batch while the next one is generated: when emit is called with
// batch N+1, batch N is still intact (digest taken again then).
func TestBatchValidUntilNextEmitReturns(t *testing.T) {
	cfg := testConfig(0.05)
	var prev []store.Record
	var prevSum [32]byte
	batches := 0
	digest := func(b []store.Record) [32]byte {
		h := newHash()
		for i := range b {
			hashRecord(h, &b[i])
		}
		return sum32(h)
	}
	if _, err := Generate(context.Background(), cfg, func(b []store.Record) error {
		if prev != nil && digest(prev) != prevSum {
			t.Fatalf("batch %d changed before the next emit returned", batches)
		}
		prev, prevSum = b, digest(b)
		batches++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if batches < 3 {
		t.Fatalf("only %d batches: the test needs several", batches)
	}
}

// TestKeptStringsSurvive checks the documented contract: strings may be kept
// after emit returns, the rest of a batch is reused.
func TestKeptStringsSurvive(t *testing.T) {
	cfg := testConfig(0.01)
	var ids, texts []string
	var want []string
	if _, err := Generate(context.Background(), cfg, func(b []store.Record) error {
		for i := range b {
			ids = append(ids, b[i].ID)
			texts = append(texts, b[i].Text)
			want = append(want, strings.Clone(b[i].ID)+"|"+strings.Clone(b[i].Text))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for i := range ids {
		if ids[i]+"|"+texts[i] != want[i] {
			t.Fatalf("record %d: kept strings changed to %q / %q", i+1, ids[i], texts[i])
		}
	}
}

func TestScaleMultipliesCounts(t *testing.T) {
	count := func(scale float64) Summary {
		sum, err := Generate(context.Background(), testConfig(scale), func([]store.Record) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	one, two := count(1), count(2)
	t.Logf("scale 1: %d inferences, %d actuals; scale 2: %d inferences, %d actuals", one.Records, one.Actuals, two.Records, two.Actuals)
	if one.Records < 500_000 {
		t.Errorf("scale 1 gives %d inferences, want at least 500k", one.Records)
	}
	for model, n := range one.PerModel {
		if r := float64(two.PerModel[model]) / float64(n); math.Abs(r-2) > 0.05 {
			t.Errorf("%s: scale 2 / scale 1 = %.3f, want ≈ 2", model, r)
		}
	}
	if r := float64(two.Actuals) / float64(one.Actuals); math.Abs(r-2) > 0.05 {
		t.Errorf("actuals: scale 2 / scale 1 = %.3f, want ≈ 2", r)
	}
}

func TestDaysStretchTheStory(t *testing.T) {
	cfg := testConfig(0.05)
	cfg.Days = 7
	start := cfg.End.Add(-7 * 24 * time.Hour)
	v2First := time.Time{}
	sum, err := Generate(context.Background(), cfg, func(b []store.Record) error {
		for i := range b {
			r := &b[i]
			et := eventTime(r)
			if et.Before(start) || !et.Before(cfg.End) {
				t.Fatalf("record %d at %v outside [%v, %v)", r.Line, et, start, cfg.End)
			}
			if r.Version == "v2" && r.Environment == envProduction && v2First.IsZero() {
				v2First = r.Time
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	canary := start.Add(time.Duration(float64(7*24*time.Hour) * dayCanary / storyDays))
	if v2First.Before(canary) || v2First.After(canary.Add(time.Hour)) {
		t.Errorf("v2 first serves production at %v, want just after %v", v2First, canary)
	}
	if !sum.Start.Equal(start) {
		t.Errorf("summary start %v, want %v", sum.Start, start)
	}
}

func TestLifecycle(t *testing.T) {
	cfg := testConfig(1)
	start := cfg.End.Add(-30 * 24 * time.Hour)
	day := func(d int) time.Time { return start.Add(time.Duration(d) * 24 * time.Hour) }
	want := []LifecycleEvent{
		{CreditRisk, "v1", store.StatusActive, day(0)},
		{DeliveryETA, "v3", store.StatusActive, day(0)},
		{ReviewSentiment, "v1", store.StatusActive, day(0)},
		{CreditRisk, "v2", store.StatusShadow, day(15)},
		{CreditRisk, "v2", store.StatusCanary, day(18)},
		{CreditRisk, "v1", store.StatusDeprecated, day(22)},
		{CreditRisk, "v2", store.StatusActive, day(22)},
	}
	got := Lifecycle(cfg)
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if got[i].Model != want[i].Model || got[i].Version != want[i].Version ||
			got[i].Status != want[i].Status || !got[i].At.Equal(want[i].At) {
			t.Errorf("event %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestBadConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Days: -1}, "days"},
		{Config{Days: MaxDays + 1}, "days"},
		{Config{Scale: -2}, "scale"},
		{Config{Scale: math.NaN()}, "scale"},
		{Config{Scale: math.Inf(1)}, "scale"},
		{Config{BatchSize: -5}, "batch size"},
	} {
		_, err := Generate(context.Background(), tc.cfg, func([]store.Record) error { return nil })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one naming %q", tc.cfg, err, tc.want)
		}
	}
	if _, err := Generate(context.Background(), testConfig(0.01), nil); err == nil {
		t.Error("nil emit accepted")
	}
}

func TestDefaults(t *testing.T) {
	before := time.Now().UTC().Truncate(time.Minute)
	sum, err := Generate(context.Background(), Config{Scale: 0.002}, func([]store.Record) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now().UTC().Truncate(time.Minute)
	if sum.End.Before(before) || sum.End.After(after) || sum.End.Sub(sum.Start) != 30*24*time.Hour {
		t.Errorf("default window %v–%v", sum.Start, sum.End)
	}
}

func TestStops(t *testing.T) {
	boom := errors.New("boom")
	calls := 0
	_, err := Generate(context.Background(), testConfig(0.05), func([]store.Record) error {
		calls++
		if calls == 3 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || calls != 3 {
		t.Errorf("emit error: got %v after %d calls", err, calls)
	}

	ctx, cancel := context.WithCancel(context.Background())
	calls = 0
	_, err = Generate(ctx, testConfig(0.05), func([]store.Record) error {
		calls++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Errorf("cancel: got %v after %d calls", err, calls)
	}
}

// TestScale20 checks the volume promised for load tests (skipped with -short).
func TestScale20(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 20M+ records")
	}
	start := time.Now()
	sum, err := Generate(context.Background(), testConfig(20), func([]store.Record) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	total := sum.Records + sum.Actuals
	t.Logf("scale 20: %d inferences + %d actuals in %v (%.2fM records/s)", sum.Records, sum.Actuals, el.Round(time.Millisecond), float64(total)/el.Seconds()/1e6)
	if sum.Records < 10_000_000 {
		t.Errorf("scale 20 gives %d inferences, want at least 10M", sum.Records)
	}
}
