package main

import (
	"context"
	"sync"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// pipeline stores batches in a goroutine of its own, so that the producer
// (a file reader or the demo generator) makes batch N+1 while batch N is
// being stored: a bulk load then keeps both cores busy.
//
// emit hands a batch over and returns once the storing goroutine has taken
// it, which is after the previous batch was stored: a producer may refill a
// batch once the emit after the one that handed it over has returned. After a
// failed batch, emit takes no more batches and returns the error.
type pipeline struct {
	batches chan []store.Record
	failed  chan struct{} // closed when the sink failed
	done    chan struct{} // closed when the storing goroutine ends
	stop    sync.Once
	err     error
}

func startPipeline(ctx context.Context, sink func(context.Context, []store.Record) error) *pipeline {
	p := &pipeline{batches: make(chan []store.Record), failed: make(chan struct{}), done: make(chan struct{})}
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
func (p *pipeline) emit(ctx context.Context, batch []store.Record) error {
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
func (p *pipeline) wait() error {
	p.stop.Do(func() { close(p.batches) })
	<-p.done
	return p.err
}
