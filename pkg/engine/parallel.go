package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

// eachParallel calls fn for i = 0 … n−1, at most limit at a time, and
// returns the first error (the others' context is then cancelled). A panic
// in fn is raised again in the caller's goroutine, where the data source
// turns it into an error response instead of a crash.
func eachParallel(ctx context.Context, n, limit int, fn func(ctx context.Context, i int) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(limit, 1))
	var crash atomic.Pointer[string]
	for i := range n {
		g.Go(func() (err error) {
			defer func() {
				if p := recover(); p != nil {
					msg := fmt.Sprintf("%v\n%s", p, debug.Stack())
					crash.CompareAndSwap(nil, &msg)
					err = errors.New("a parallel computation panicked")
				}
			}()
			return fn(gctx, i)
		})
	}
	err := g.Wait()
	if msg := crash.Load(); msg != nil {
		panic(*msg)
	}
	return err
}
