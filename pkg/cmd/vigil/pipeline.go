package main

import (
	"context"
	"sync"

	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/duckdb"
)

// pipeline stores batches in a goroutine of its own, so that the producer
// (a file reader or the demo generator) reads and prepares batch N+1 while
// batch N is being stored: a bulk load then keeps both cores busy.
//
// emit hands a batch (or a job that stores one) over and returns once the
// storing goroutine has taken it, which is after the previous one was
// stored: a producer may refill a batch once the emit after the one that
// handed it over has returned. After a failed batch, emit takes no more
// batches and returns the error.
type pipeline[T any] struct {
	batches chan T
	failed  chan struct{} // closed when the sink failed
	done    chan struct{} // closed when the storing goroutine ends
	stop    sync.Once
	err     error
}

func startPipeline[T any](ctx context.Context, sink func(context.Context, T) error) *pipeline[T] {
	p := &pipeline[T]{batches: make(chan T), failed: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for batch := range p.batches {
			if err := sink(ctx, batch); err != nil {
				p.err = err
				close(p.failed)
				return
			}
		}
	}()
	return p
}

// emit hands one batch to the storing goroutine.
func (p *pipeline[T]) emit(ctx context.Context, batch T) error {
	select {
	case <-p.failed:
		return p.wait()
	default:
	}
	select {
	case p.batches <- batch:
		return nil
	case <-p.failed:
		return p.wait()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// wait ends the pipeline after the last emit: it returns once every batch
// handed over has been stored, with the first error of the sink.
func (p *pipeline[T]) wait() error {
	p.stop.Do(func() { close(p.batches) })
	<-p.done
	return p.err
}

// storeJob stores one prepared batch.
type storeJob func(context.Context) (store.IngestResult, error)

// prepareForStore checks and converts a batch for the store in the caller's
// goroutine, so the batch may be reused once it returns; the job stores it.
func prepareForStore(st *duckdb.Store, batch []store.Record, opts store.IngestOptions) storeJob {
	p := st.Prepare(batch, opts)
	return func(ctx context.Context) (store.IngestResult, error) {
		defer p.Release()
		return st.IngestPrepared(ctx, p)
	}
}

// startJobPipeline runs storeJobs in order, adding their results to total.
func startJobPipeline(ctx context.Context, total *store.IngestResult) *pipeline[storeJob] {
	return startPipeline(ctx, func(ctx context.Context, job storeJob) error {
		res, err := job(ctx)
		add(total, res)
		return err
	})
}

// groupedLoads stores prepared batches in loads of every batches each
// (duckdb.Load): one transaction, and so one commit, per group. Its jobs run
// in the pipeline's goroutine; finish commits the last group once the
// pipeline has ended, abort rolls it back.
type groupedLoads struct {
	st    *duckdb.Store
	every int
	load  *duckdb.Load
	added int
}

// job stores one prepared batch in the open load, starting one when none is
// open and committing it after its every-th batch.
func (g *groupedLoads) job(p *duckdb.Prepared) storeJob {
	return func(ctx context.Context) (store.IngestResult, error) {
		defer p.Release()
		if g.load == nil {
			l, err := g.st.BeginLoad(ctx)
			if err != nil {
				return store.IngestResult{}, err
			}
			g.load, g.added = l, 0
		}
		res, err := g.load.Add(ctx, p)
		if err != nil {
			g.load = nil // Add rolled the load back
			return res, err
		}
		if g.added++; g.added == g.every {
			err = g.finish(ctx)
		}
		return res, err
	}
}

// finish commits the open load, if any.
func (g *groupedLoads) finish(ctx context.Context) error {
	l := g.load
	if l == nil {
		return nil
	}
	g.load = nil
	return l.Commit(ctx)
}

// abort rolls the open load back, if any.
func (g *groupedLoads) abort() {
	if g.load != nil {
		g.load.Rollback()
		g.load = nil
	}
}
