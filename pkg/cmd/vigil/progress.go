package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// progress reports long work on stderr: redrawn in place on a terminal
// (records stored, rate, share of the input done, time left), or as one
// summary line at the end otherwise, so logs stay short.
type progress struct {
	w     io.Writer
	live  bool
	label string
	// share is the part of the input done, 0…1 (nil when unknown).
	share func() float64
	now   func() time.Time

	mu       sync.Mutex
	start    time.Time
	records  int64
	lastDraw time.Time
	drawn    bool
}

// newProgress starts reporting on w; live when w is a terminal.
func newProgress(w io.Writer, label string, share func() float64) *progress {
	p := &progress{w: w, live: isTerminal(w), label: label, share: share, now: time.Now}
	p.start = p.now()
	return p
}

// stored counts n more records stored; on a terminal the line is redrawn at
// most four times a second.
func (p *progress) stored(n int) {
	if p == nil || p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.records += int64(n)
	if !p.live {
		return
	}
	now := p.now()
	if p.drawn && now.Sub(p.lastDraw) < 250*time.Millisecond {
		return
	}
	p.lastDraw, p.drawn = now, true
	fmt.Fprintf(p.w, "\r\033[K%s", p.line(now))
}

// line is the progress so far: records, rate, share done and time left.
func (p *progress) line(now time.Time) string {
	elapsed := now.Sub(p.start)
	parts := []string{fmt.Sprintf("%s: %s records stored", p.label, thousands(p.records))}
	if secs := elapsed.Seconds(); secs > 0 {
		parts = append(parts, thousands(int64(float64(p.records)/secs))+"/s")
	}
	if p.share != nil {
		s := min(max(p.share(), 0), 1)
		parts = append(parts, fmt.Sprintf("%.0f%% read", 100*s))
		if s > 0.01 && s < 1 {
			left := time.Duration(float64(elapsed) * (1 - s) / s).Round(time.Second)
			parts = append(parts, left.String()+" left")
		}
	}
	return strings.Join(parts, ", ")
}

// finish ends the report: the live line is replaced by the summary line.
func (p *progress) finish(err error) {
	if p == nil || p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	elapsed := p.now().Sub(p.start)
	rate := ""
	if secs := elapsed.Seconds(); secs > 0 {
		rate = fmt.Sprintf(" (%s records/s)", thousands(int64(float64(p.records)/secs)))
	}
	end := ""
	if err != nil {
		end = ", then failed"
	}
	if p.live {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintf(p.w, "%s: %s records stored in %s%s%s\n", p.label, thousands(p.records), elapsed.Round(100*time.Millisecond), rate, end)
}

// thousands formats n with comma separators: 1,234,567.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// countingReader counts the bytes read through it, for the share of a file read.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}

// countingReaderAt counts the bytes read through it (Parquet reads by offset).
type countingReaderAt struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *countingReaderAt) ReadAt(b []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(b, off)
	c.n.Add(int64(n))
	return n, err
}

// countedJob wraps a store job so that the records it stored are counted.
func countedJob(job storeJob, p *progress, n int) storeJob {
	return func(ctx context.Context) (store.IngestResult, error) {
		res, err := job(ctx)
		if err == nil {
			p.stored(n)
		}
		return res, err
	}
}
