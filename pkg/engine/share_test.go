package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// passCounter counts the store's comparison passes.
type passCounter struct {
	store.Store
	passes atomic.Int32
	// asked records what each comparison pass asked for.
	mu    sync.Mutex
	asked []string
	// catPasses counts the category counts read (reference and current).
	catPasses atomic.Int32
}

// Aggregate counts the passes over a categorical feature's values.
func (c *passCounter) Aggregate(ctx context.Context, req store.AggregateRequest) (*store.AggregateResult, error) {
	for _, k := range req.Keys {
		if k.Kind == store.KeyColumn && k.Col.Kind == store.ColFeature {
			c.catPasses.Add(1)
		}
	}
	return c.Store.Aggregate(ctx, req)
}

func (c *passCounter) CDFDistances(ctx context.Context, req store.CDFDistancesRequest, fn func(store.CDFDistanceRow) error) error {
	c.passes.Add(1)
	c.mu.Lock()
	c.asked = append(c.asked, fmt.Sprintf("ks=%v wasserstein=%v bins=%v", req.KS, req.Wasserstein, req.Bins != nil))
	c.mu.Unlock()
	return c.Store.CDFDistances(ctx, req, fn)
}

// sharedAndAlone runs each metric's drift query over feature on its own,
// then all of them in one request: a request answers exactly what the
// queries answer alone (the same series, meta and notices). counter counts
// the store passes; it is reset between the two.
func sharedAndAlone(t *testing.T, counter *atomic.Int32, e *Engine, feature string, metrics []string) (alone, shared int32) {
	t.Helper()
	parse := func(metric string) *models.Query {
		q, err := models.Parse(models.Request{RefID: "A", From: driftT0, To: driftT0.Add(3 * time.Hour),
			JSON: fmt.Appendf(nil, `{"queryType":"drift","model":"m","environment":"production","features":[%q],"metric":%q,"interval":"1h"}`, feature, metric)}, models.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	run := func(ctx context.Context, metric string) string {
		res, err := e.Run(ctx, parse(metric))
		if err != nil {
			t.Fatalf("%s: %v", metric, err)
		}
		b, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	answers := map[string]string{}
	for _, m := range metrics {
		answers[m] = run(context.Background(), m)
	}
	alone = counter.Swap(0)
	// As the data source does: the request's queries are given to WithShare.
	var queries []*models.Query
	for _, m := range metrics {
		queries = append(queries, parse(m))
	}
	ctx := WithShare(context.Background(), queries...)
	for _, m := range metrics {
		if got := run(ctx, m); got != answers[m] {
			t.Errorf("%s in a shared request:\n%s\nalone:\n%s", m, got, answers[m])
		}
	}
	return alone, counter.Load()
}

// The queries of one request that differ only in the metric read the
// values once.
func TestDriftQueriesOfARequestShareOnePass(t *testing.T) {
	base := driftEngine(t, Limits{}, driftScenario())
	counter := &passCounter{Store: base.Store}
	metrics := []string{"psi", "js", "ks", "wasserstein", "wasserstein_norm", "hellinger", "ks_pvalue"}
	alone, shared := sharedAndAlone(t, &counter.passes, New(counter, Limits{}), "x", metrics)
	if alone != int32(len(metrics)) {
		t.Errorf("%d passes for %d queries on their own, want one each", alone, len(metrics))
	}
	if shared != 1 {
		t.Errorf("%d passes for one request, want 1", shared)
	}
	if got := counter.asked[len(counter.asked)-1]; got != "ks=true wasserstein=true bins=true" {
		t.Errorf("the request's pass asked for %s, want everything", got)
	}
}

// A comparison computes what the request's queries ask for, no more: alone,
// PSI sorts no value and KS computes no histogram; a request of PSI and KS
// computes no Wasserstein distance.
func TestDriftComparisonComputesWhatIsAsked(t *testing.T) {
	base := driftEngine(t, Limits{}, driftScenario())
	for _, tc := range []struct {
		metrics []string
		want    string
	}{
		{[]string{"psi"}, "ks=false wasserstein=false bins=true"},
		{[]string{"ks"}, "ks=true wasserstein=false bins=false"},
		{[]string{"wasserstein_norm"}, "ks=false wasserstein=true bins=false"},
		{[]string{"psi", "ks_pvalue"}, "ks=true wasserstein=false bins=true"},
	} {
		counter := &passCounter{Store: base.Store}
		sharedAndAlone(t, &counter.passes, New(counter, Limits{}), "x", tc.metrics)
		if got := counter.asked[len(counter.asked)-1]; got != tc.want {
			t.Errorf("%v: the request's pass asked for %s, want %s", tc.metrics, got, tc.want)
		}
	}
}

// The categorical metrics of a request read a feature's category counts
// once (the reference's and the current data's).
func TestCategoricalQueriesOfARequestShareTheCounts(t *testing.T) {
	base := driftEngine(t, Limits{}, driftScenario())
	counter := &passCounter{Store: base.Store}
	metrics := []string{"psi", "js", "hellinger", "chi2", "chi2_pvalue"}
	alone, shared := sharedAndAlone(t, &counter.catPasses, New(counter, Limits{}), "c", metrics)
	if alone != int32(2*len(metrics)) {
		t.Errorf("%d category passes for %d queries on their own, want two each", alone, len(metrics))
	}
	if shared != 2 {
		t.Errorf("%d category passes for one request, want 2", shared)
	}
}

// A failed computation is not kept: the next caller computes again. A
// panicking one wakes its waiters with an error.
func TestShareKeepsNoFailure(t *testing.T) {
	ctx := WithShare(context.Background())
	calls := 0
	fail := func() (int, error) { calls++; return 0, errors.New("store down") }
	if _, err := shared(ctx, "k", fail); err == nil {
		t.Fatal("no error")
	}
	v, err := shared(ctx, "k", func() (int, error) { calls++; return 7, nil })
	if err != nil || v != 7 || calls != 2 {
		t.Fatalf("after a failure: %v %v, %d calls", v, err, calls)
	}
	if v, _ := shared(ctx, "k", fail); v != 7 || calls != 2 {
		t.Fatalf("a kept value is computed again: %v, %d calls", v, calls)
	}

	started := make(chan struct{})
	release := make(chan struct{})
	waited := make(chan error, 1)
	go func() {
		defer func() { _ = recover() }()
		_, _ = shared(ctx, "p", func() (int, error) {
			close(started)
			<-release
			panic("boom")
		})
	}()
	<-started
	go func() {
		_, err := shared(ctx, "p", func() (int, error) { return 0, errors.New("computed again after the panic") })
		waited <- err
	}()
	time.Sleep(10 * time.Millisecond)
	close(release)
	select {
	case err := <-waited:
		if err == nil {
			t.Error("a waiter of a panicked computation got no error")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a waiter of a panicked computation hangs")
	}
}
