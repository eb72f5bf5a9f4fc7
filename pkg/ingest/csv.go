package ingest

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// CSVOptions describe a CSV file's layout.
type CSVOptions struct {
	// Columns names the columns of a file without a header row.
	Columns []string
	// SkipLines skips lines before the header (or the first row).
	SkipLines int
	// Delimiter is the field separator (default ',').
	Delimiter rune
	// Trim removes spaces around cells.
	Trim bool
}

type csvSource struct {
	r     *csv.Reader
	cols  []string
	trim  bool
	skip  int
	lim   Limits
	lineN int
	row   []cell // the row buffer next returns
}

func (s *csvSource) columns() []string { return s.cols }

func (s *csvSource) next() ([]cell, int, error) {
	for {
		rec, err := s.r.Read()
		if errors.Is(err, io.EOF) {
			return nil, 0, io.EOF
		}
		line, _ := s.r.FieldPos(0)
		line += s.skip
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if errors.Is(pe.Err, csv.ErrFieldCount) {
					return nil, 0, &store.RecordError{Line: pe.Line + s.skip, Msg: fmt.Sprintf("has %d fields, the header has %d", len(rec), len(s.cols))}
				}
				return nil, 0, &store.RecordError{Line: pe.Line + s.skip, Msg: pe.Err.Error()}
			}
			return nil, 0, fmt.Errorf("read CSV: %w", err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		size := 0
		if cap(s.row) < len(rec) {
			s.row = make([]cell, len(rec))
		}
		row := s.row[:len(rec)]
		for i, v := range rec {
			size += len(v)
			if s.trim {
				v = strings.TrimSpace(v)
			}
			row[i] = cell{kind: cellText, s: v}
		}
		if size > s.lim.MaxLineBytes {
			return nil, 0, &store.RecordError{Line: line, Msg: fmt.Sprintf("row is longer than the limit of %d bytes", s.lim.MaxLineBytes)}
		}
		return row, line, nil
	}
}

// ReadCSV reads a CSV file and emits batches of records.
func ReadCSV(ctx context.Context, r io.Reader, opts CSVOptions, m Mapping, lim Limits, emit EmitFunc) (int, error) {
	lim = lim.withDefaults()
	src, err := openCSV(r, opts, lim)
	if err != nil {
		return 0, err
	}
	return readRows(ctx, src, m, lim, emit)
}

// CSVColumns returns the column names of a CSV file as ReadCSV reads them:
// opts.Columns, or the header row after opts.SkipLines lines, each name
// trimmed of spaces.
func CSVColumns(r io.Reader, opts CSVOptions) ([]string, error) {
	src, err := openCSV(r, opts, DefaultLimits)
	if err != nil {
		return nil, err
	}
	return src.cols, nil
}

// openCSV skips opts.SkipLines lines and reads the header row, unless
// opts.Columns names the columns.
func openCSV(r io.Reader, opts CSVOptions, lim Limits) (*csvSource, error) {
	skipped := 0
	br := newLineSkipper(r)
	for skipped < opts.SkipLines {
		if err := br.skipLine(); err != nil {
			return nil, fmt.Errorf("skip line %d: %w", skipped+1, err)
		}
		skipped++
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = false
	cr.LazyQuotes = false
	if opts.Delimiter != 0 {
		cr.Comma = opts.Delimiter
	}
	src := &csvSource{r: cr, trim: opts.Trim, skip: skipped, lim: lim}
	if len(opts.Columns) > 0 {
		src.cols = opts.Columns
		cr.FieldsPerRecord = len(opts.Columns)
		return src, nil
	}
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the CSV file is empty: no header row")
		}
		return nil, &store.RecordError{Line: skipped + 1, Msg: "header: " + err.Error()}
	}
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	src.cols = header
	return src, nil
}

// lineSkipper drops whole lines before the CSV reader starts.
type lineSkipper struct {
	r io.Reader
}

func newLineSkipper(r io.Reader) *lineSkipper { return &lineSkipper{r: r} }

func (l *lineSkipper) skipLine() error {
	one := make([]byte, 1)
	for {
		n, err := l.r.Read(one)
		if n == 1 && one[0] == '\n' {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (l *lineSkipper) Read(p []byte) (int, error) { return l.r.Read(p) }
