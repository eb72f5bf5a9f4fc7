package demo

import "github.com/vigil-mlobs/vigil/pkg/store"

// batch collects records until it holds size of them. Feature, tag and
// embedding slices are carved from shared blocks and ids and texts from one
// string per batch, so a batch costs a handful of allocations instead of
// several per record.
//
// With reuse set (what Generate and GenerateEach do), a flush lets the
// batch's next fill overwrite its records and blocks (Generate alternates two
// batches, so that is the batch after next; GenerateEach fills the same one
// again); strings are never overwritten. Without it
// every batch and block is fresh, which costs two to three times as much CPU on one core
// (allocation and garbage collection; see BenchmarkGenerate).
type batch struct {
	size   int
	reuse  bool
	recs   []store.Record
	feats  blocks[store.Feature]
	tags   blocks[store.Tag]
	floats blocks[float32]
	arena  []byte
	refs   []strRef
}

// strRef places arena bytes [from, to) into record rec's ID or Text at flush.
type strRef struct {
	rec      int32
	text     bool
	from, to int32
}

func newBatch(size int, reuse bool) batch {
	return batch{
		size:   size,
		reuse:  reuse,
		recs:   make([]store.Record, 0, size),
		feats:  blocks[store.Feature]{size: 8192, reuse: reuse},
		tags:   blocks[store.Tag]{size: 4096, reuse: reuse},
		floats: blocks[float32]{size: 64 * embeddingDim, reuse: reuse},
	}
}

// record appends a zero record with its 1-based position in the whole output.
func (b *batch) record(line int) *store.Record {
	b.recs = append(b.recs, store.Record{Line: line})
	return &b.recs[len(b.recs)-1]
}

func (b *batch) full() bool { return len(b.recs) >= b.size }

// setID gives the last record the id prefix + seq, zero-padded to 9 digits.
func (b *batch) setID(prefix string, seq uint64) {
	from := len(b.arena)
	b.arena = append(b.arena, prefix...)
	var digits [20]byte
	i := len(digits)
	for seq >= 10 || i > len(digits)-9 {
		i--
		digits[i] = byte('0' + seq%10)
		seq /= 10
	}
	if seq > 0 {
		i--
		digits[i] = byte('0' + seq)
	}
	b.arena = append(b.arena, digits[i:]...)
	b.refs = append(b.refs, strRef{rec: int32(len(b.recs) - 1), from: int32(from), to: int32(len(b.arena))})
}

// textStart and textEnd bracket text appended to the arena for the last record.
func (b *batch) textStart() int { return len(b.arena) }

func (b *batch) textEnd(from int) {
	b.refs = append(b.refs, strRef{rec: int32(len(b.recs) - 1), text: true, from: int32(from), to: int32(len(b.arena))})
}

func (b *batch) flush(emit func([]store.Record) error) error {
	s := string(b.arena)
	for _, r := range b.refs {
		if r.text {
			b.recs[r.rec].Text = s[r.from:r.to]
		} else {
			b.recs[r.rec].ID = s[r.from:r.to]
		}
	}
	err := emit(b.recs)
	b.arena = b.arena[:0]
	b.refs = b.refs[:0]
	if b.reuse {
		b.recs = b.recs[:0] // record() overwrites each element whole
		b.feats.rewind()
		b.tags.rewind()
		b.floats.rewind()
	} else {
		b.recs = make([]store.Record, 0, b.size)
	}
	return err
}

// blocks hands out small slices of large blocks.
type blocks[T any] struct {
	size  int
	reuse bool
	all   [][]T // every block, kept for rewinding in reuse mode
	cur   int
	pos   int
}

// take returns n elements (capacity n, so appends never spill into neighbours).
func (p *blocks[T]) take(n int) []T {
	if p.cur < 0 || p.cur >= len(p.all) || p.pos+n > len(p.all[p.cur]) {
		p.next(n)
	}
	s := p.all[p.cur][p.pos : p.pos+n : p.pos+n]
	p.pos += n
	return s
}

func (p *blocks[T]) next(n int) {
	p.pos = 0
	if p.reuse && p.cur+1 < len(p.all) && len(p.all[p.cur+1]) >= n {
		p.cur++
		return
	}
	blk := make([]T, max(p.size, n))
	if p.reuse {
		p.all = append(p.all, blk)
		p.cur = len(p.all) - 1
		return
	}
	p.all = append(p.all[:0], blk)
	p.cur = 0
}

// rewind makes the next take start again at the first block (reuse mode).
func (p *blocks[T]) rewind() {
	p.cur, p.pos = -1, 0
}
