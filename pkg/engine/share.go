package engine

import (
	"context"
	"errors"
	"sync"

	"github.com/vigil-mlobs/vigil/pkg/models"
)

// A request's queries often read the same data: a drift dashboard asks for
// PSI, JS, KS and Wasserstein of the same features over the same range in
// one request. WithShare gives the queries run under ctx a memo, so what one
// query read from the store (see driftRun.comparison) serves the others.
// Without it each query reads for itself; the answers are the same.
//
// The request's queries, when given, say what a shared read must serve: the
// drift comparison then computes the distances the request's drift queries
// ask for and no others (a PSI dashboard sorts no value).
func WithShare(ctx context.Context, queries ...*models.Query) context.Context {
	s := &share{entries: map[string]*shareEntry{}, driftMetrics: map[string]bool{}}
	for _, q := range queries {
		if q != nil && q.QueryType == models.TypeDrift {
			s.driftMetrics[q.Metric] = true
		}
	}
	return context.WithValue(ctx, shareKey{}, s)
}

type shareKey struct{}

type share struct {
	mu      sync.Mutex
	entries map[string]*shareEntry
	// driftMetrics are the metrics of the request's drift queries.
	driftMetrics map[string]bool
}

// requestDriftMetrics returns the metrics of the drift queries of ctx's
// request, as given to WithShare (none without it).
func requestDriftMetrics(ctx context.Context) map[string]bool {
	if s, _ := ctx.Value(shareKey{}).(*share); s != nil {
		return s.driftMetrics
	}
	return nil
}

type shareEntry struct {
	done chan struct{}
	val  any
	err  error
}

// shared returns what compute gives for key, computed once per request: a
// caller that finds key being computed waits for it. A failure is not kept
// (the next caller computes again, under its own deadline).
func shared[T any](ctx context.Context, key string, compute func() (T, error)) (T, error) {
	s, _ := ctx.Value(shareKey{}).(*share)
	if s == nil {
		return compute()
	}
	for {
		s.mu.Lock()
		e := s.entries[key]
		if e == nil {
			e = &shareEntry{done: make(chan struct{})}
			s.entries[key] = e
			s.mu.Unlock()
			return shareCompute(s, key, e, compute)
		}
		s.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
		if e.err == nil {
			return e.val.(T), nil
		}
		// The computation failed under its caller's deadline: try again.
	}
}

// shareCompute fills e and wakes its waiters, also when compute panics (the
// panic goes on to the caller's recovery).
func shareCompute[T any](s *share, key string, e *shareEntry, compute func() (T, error)) (v T, err error) {
	finished := false
	defer func() {
		if !finished {
			e.err = errors.New("the shared computation panicked")
		}
		if e.err != nil {
			s.mu.Lock()
			delete(s.entries, key)
			s.mu.Unlock()
		}
		close(e.done)
	}()
	v, err = compute()
	e.val, e.err = v, err
	finished = true
	return v, err
}
