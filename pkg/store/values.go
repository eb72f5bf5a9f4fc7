package store

import (
	"cmp"
	"math"
	"slices"
)

// ValuesRequest asks for the distinct values of one numeric column, with how
// many records hold each, per group of a scope. KS and the Wasserstein
// distance need every value of both samples; this is how they reach Go in a
// few columns instead of one row per value.
type ValuesRequest struct {
	Scope Scope
	Keys  []Key
	Col   Column
	// MaxValues bounds the (group, value) pairs; the store fails with
	// ErrTooManyGroups past it, before any group is passed on.
	MaxValues int
}

// ValueGroup is one group's values: Values sorted ascending and distinct,
// Counts[i] records holding Values[i], and Missing records whose value is
// null. A group whose records all miss the value has no Values.
type ValueGroup struct {
	Keys    []KeyValue
	Values  []float64
	Counts  []float64
	Missing int64
}

// Total is the number of non-missing values.
func (g *ValueGroup) Total() float64 {
	var t float64
	for _, c := range g.Counts {
		t += c
	}
	return t
}

// SetRaw fills Values and Counts from raw (unsorted, repeated) values, which
// it sorts in place. Values must not be NaN.
func (g *ValueGroup) SetRaw(raw []float64, scratch *SortScratch) {
	scratch.Sort(raw)
	g.Values, g.Counts = g.Values[:0], g.Counts[:0]
	for _, x := range raw {
		if n := len(g.Values); n > 0 && g.Values[n-1] == x {
			g.Counts[n-1]++
			continue
		}
		g.Values = append(g.Values, x)
		g.Counts = append(g.Counts, 1)
	}
}

// SortValues sorts distinct values ascending, keeping each count with its
// value. Stores that read (value, count) pairs unordered call it before
// passing the group on.
func (g *ValueGroup) SortValues() {
	if slices.IsSorted(g.Values) {
		return
	}
	type pair struct{ v, c float64 }
	ps := make([]pair, len(g.Values))
	for i, v := range g.Values {
		ps[i] = pair{v, g.Counts[i]}
	}
	slices.SortFunc(ps, func(a, b pair) int { return cmp.Compare(a.v, b.v) })
	for i, p := range ps {
		g.Values[i], g.Counts[i] = p.v, p.c
	}
}

// SortScratch holds the buffers of Sort and SortChunks, reused from one
// call to the next.
type SortScratch struct {
	a, b   []uint64
	out    []float64
	counts *[radixPasses][1 << radixBits]int
}

// Sort sorts float64 values (no NaN) ascending with a least-significant-
// digit radix sort on their bits, a byte per pass: a few times faster than a
// comparison sort on the tens of thousands of values of a drift bucket.
// −0 and +0 compare equal as floats and may come in either order.
func (s *SortScratch) Sort(xs []float64) {
	if len(xs) < radixMin {
		slices.Sort(xs)
		return
	}
	s.radix([][]float64{xs}, xs)
}

// SortChunks returns the values of chunks (no NaN), one after the other,
// sorted ascending as Sort sorts them, in a buffer of the scratch that is
// valid until its next use: values gathered in chunks are never copied
// into one slice first.
func (s *SortScratch) SortChunks(chunks [][]float64) []float64 {
	n := 0
	for _, c := range chunks {
		n += len(c)
	}
	if cap(s.out) < n {
		s.out = make([]float64, n)
	}
	out := s.out[:n]
	if n < radixMin {
		k := 0
		for _, c := range chunks {
			k += copy(out[k:], c)
		}
		slices.Sort(out)
		return out
	}
	s.radix(chunks, out)
	return out
}

// radix sorts the values of chunks into out (which may be the only chunk):
// six passes of 11, 11, 11, 11, 11 and 9 bits.
func (s *SortScratch) radix(chunks [][]float64, out []float64) {
	n := len(out)
	if cap(s.a) < n {
		s.a, s.b = make([]uint64, n), make([]uint64, n)
	}
	if s.counts == nil {
		s.counts = new([radixPasses][1 << radixBits]int)
	}
	counts := s.counts
	*counts = [radixPasses][1 << radixBits]int{}
	keys, tmp := s.a[:n], s.b[:n]
	// Order-preserving keys: flip every bit of negatives, the sign bit of
	// the rest. The same pass counts every digit of the keys.
	i := 0
	for _, c := range chunks {
		for _, x := range c {
			b := math.Float64bits(x)
			if b>>63 == 1 {
				b = ^b
			} else {
				b |= 1 << 63
			}
			keys[i] = b
			i++
			counts[0][b&radixMask]++
			counts[1][(b>>11)&radixMask]++
			counts[2][(b>>22)&radixMask]++
			counts[3][(b>>33)&radixMask]++
			counts[4][(b>>44)&radixMask]++
			counts[5][b>>55]++
		}
	}
	for pass := range radixPasses {
		shift := uint(pass * radixBits)
		count := &counts[pass]
		if count[(keys[0]>>shift)&radixMask] == n {
			continue // every key has this digit: the pass would not move anything
		}
		pos := 0
		for i, c := range count {
			count[i] = pos
			pos += c
		}
		for _, k := range keys {
			d := (k >> shift) & radixMask
			tmp[count[d]] = k
			count[d]++
		}
		keys, tmp = tmp, keys
	}
	for i, b := range keys {
		if b>>63 == 1 {
			b &^= 1 << 63
		} else {
			b = ^b
		}
		out[i] = math.Float64frombits(b)
	}
}

const (
	radixBits   = 11
	radixMask   = 1<<radixBits - 1
	radixPasses = 6
)

// radixMin is the size below which a comparison sort is faster.
const radixMin = 256
