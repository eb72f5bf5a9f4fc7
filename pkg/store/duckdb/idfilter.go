package duckdb

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/metadata"
)

// Sizes of the id filters: at 32 bits per stored id, Parquet's split-block
// Bloom filter answers "maybe stored" for a new id with probability about
// 6e-6, so a batch of 50,000 new ids needs the table probed about one time in
// four. A filter doubles when its model outgrows it; past the largest size
// the model is probed on every batch, as without a filter.
const (
	idFilterBitsPerID = 32
	idFilterMinIDs    = 1 << 20
	idFilterMaxBytes  = 128 << 20
)

// idFilter remembers the id hashes stored in one model's table, so that
// duplicate checks scan the table only for ids that may be stored. It never
// forgets a hash: hashes of a batch that was rolled back, or of a model that
// was dropped, can only cause an extra probe, never a missed duplicate.
type idFilter struct {
	bloom    metadata.BloomFilterBuilder
	check    metadata.BloomFilter
	capacity int // ids it holds at idFilterBitsPerID
	n        int
}

func newIDFilter(capacity int) *idFilter {
	capacity = max(capacity, idFilterMinIDs)
	bytes := min(capacity*idFilterBitsPerID/8, idFilterMaxBytes)
	b := metadata.NewBloomFilter(uint32(bytes), uint32(idFilterMaxBytes), memory.DefaultAllocator)
	return &idFilter{
		bloom:    b,
		check:    b.(metadata.BloomFilter),
		capacity: int(b.Size()) * 8 / idFilterBitsPerID,
	}
}

// maybe returns the hashes that may be stored (false positives included).
func (f *idFilter) maybe(hashes []uint64) []uint64 {
	var out []uint64
	for _, h := range hashes {
		if f.check.CheckHash(h) {
			out = append(out, h)
		}
	}
	return out
}

func (f *idFilter) add(hashes []uint64) {
	f.bloom.InsertBulk(hashes)
	f.n += len(hashes)
}

// idFilterFor returns the model's id filter, building it from the table on
// first use and rebuilding it, twice as large, when the model has outgrown it.
// It returns nil when filters are off or the model is too large for one; the
// caller then probes the table for every id. Callers hold writeMu.
func (s *Store) idFilterFor(ctx context.Context, conn *sql.Conn, m *modelEntry, incoming int) (*idFilter, error) {
	if !s.filterIDs {
		return nil, nil
	}
	f := s.idFilters[m.key]
	if f != nil && f.n+incoming <= f.capacity {
		return f, nil
	}
	stored := 0
	if f != nil {
		stored = f.n
	} else if err := conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM %s`, m.table())).Scan(&stored); err != nil {
		return nil, fmt.Errorf("count stored ids: %w", err)
	}
	s.dropIDFilter(m.key)
	if (stored+incoming)*idFilterBitsPerID/8 > idFilterMaxBytes {
		return nil, nil
	}
	f = newIDFilter(2 * (stored + incoming))
	if stored > 0 {
		if err := f.load(ctx, conn, m); err != nil {
			f.bloom.Release()
			return nil, err
		}
	}
	s.idFilters[m.key] = f
	return f, nil
}

// dropIDFilter frees the model's id filter, if any; the next ingest of the
// model builds it again from the table. Callers hold writeMu.
func (s *Store) dropIDFilter(key int) {
	if f := s.idFilters[key]; f != nil {
		f.bloom.Release()
		delete(s.idFilters, key)
	}
}

// load adds every id hash stored in the model's table.
func (f *idFilter) load(ctx context.Context, conn *sql.Conn, m *modelEntry) error {
	rows, err := conn.QueryContext(ctx, fmt.Sprintf(`SELECT idh FROM %s`, m.table()))
	if err != nil {
		return fmt.Errorf("read stored id hashes: %w", err)
	}
	defer rows.Close()
	buf := make([]uint64, 0, 4096)
	for rows.Next() {
		var h uint64
		if err := rows.Scan(&h); err != nil {
			return fmt.Errorf("read stored id hashes: %w", err)
		}
		if buf = append(buf, h); len(buf) == cap(buf) {
			f.add(buf)
			buf = buf[:0]
		}
	}
	f.add(buf)
	return rows.Err()
}
