//go:build duckdb_arrow

package duckdb

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// CSVLayout describes a CSV file for BulkLoad, as pkg/ingest's row reader
// reads it (its CSVOptions, null values and kind inference).
type CSVLayout struct {
	// Columns names the file's columns in order: its header row's names
	// (trimmed), or the names given for a file without one.
	Columns []string
	// Header says a header row precedes the rows (after SkipLines lines).
	Header    bool
	SkipLines int
	// Delimiter separates fields (0: ',').
	Delimiter rune
	// Trim removes spaces around cells.
	Trim bool
	// Nulls are the cell texts read as missing besides "".
	Nulls []string
	// InferRows is how many rows decide which feature columns are numeric.
	InferRows int
	// MaxLineBytes bounds a row's cells together.
	MaxLineBytes int
}

// Patterns of cell texts. csvNumber is the decimal syntax whose values
// DuckDB's cast to DOUBLE and Go's strconv.ParseFloat (the row reader's)
// both round correctly, so to the same float64; csvOddNumber other texts
// ParseFloat reads as numbers (infinities, NaN, hexadecimal) — a column
// holding one is left to the row reader, as is any number DuckDB and Go
// might read apart.
const (
	csvNumber    = `^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`
	csvOddNumber = `(?i)^[ \t]*[+-]?(inf|nan|0x)`
	csvDate      = `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`
	csvDateTime  = `^[0-9]{4}-[0-9]{2}-[0-9]{2} ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$`
	// csvOtherSpace is a space Go's strings.TrimSpace trims (unicode.IsSpace)
	// other than the space and the tab.
	csvOtherSpace = `[\n\v\f\r\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]`
	// csvRFC3339 is RFC 3339 as Go's time.RFC3339Nano reads it, with at
	// most microseconds (DuckDB's precision) and usual offsets.
	csvRFC3339 = `^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])$`
)

// csvTable returns table expressions over a CSV file (csvStaged), read by
// DuckDB's own reader (read_csv, every cell as text), shaped as
// read_parquet's: the
// mapped columns typed as the row reader types them (trimmed, null values
// NULL; numbers DOUBLE, texts VARCHAR, the time TIMESTAMP) under the file's
// names; file, which the rows are inserted from, numbers them
// (file_row_number + 1 is the row's line in the file) when the ids come
// from it, and scan, which the checks read, does not. The first
// InferRows rows decide which features are numeric, as in the row reader;
// probes are the checks BulkLoad's scan adds for the rest of the file (a
// text in a numeric column, a text DuckDB and Go would read apart), lines
// the file's line count, which must be the skipped lines, the header and
// the rows. reason, when not "", says why the file is left to the row
// reader.
//
// Each row must sit on its own line, so a row's line (the row reader's
// line, and the id of a row without an id column) is known from its place:
// a value spanning lines or a blank line between rows leaves the file to
// the row reader. So does a text holding a quote (Go's reader refuses a
// bare one, DuckDB's takes it) or a carriage return, or with a space around
// it that Go trims and DuckDB's trim (spaces and tabs) does not; a number or
// a time with one does not match its pattern and is left to the row reader
// too.
func (s *Store) csvTable(ctx context.Context, conn *sql.Conn, src BulkSource) (t *csvStaged, reason string, err error) {
	lay := src.CSV
	delim := byte(',')
	if lay.Delimiter != 0 {
		if lay.Delimiter >= 0x80 || strings.ContainsRune("\"\r\n", lay.Delimiter) {
			return nil, fmt.Sprintf("delimiter %q", lay.Delimiter), nil
		}
		delim = byte(lay.Delimiter)
	}
	t = &csvStaged{rowBase: int64(lay.SkipLines)}
	if t.lines, err = countLines(src.Path); err != nil {
		return nil, "", fmt.Errorf("bulk load: %w", err)
	}
	if lay.Header {
		t.rowBase++
	}
	c := csvCells{lay: lay, index: map[string]int{}}
	for i, n := range lay.Columns {
		c.index[n] = i
	}
	number := regexp.MustCompile(csvNumber)
	for _, n := range lay.Nulls {
		if number.MatchString(strings.Trim(n, " \t")) {
			return nil, fmt.Sprintf("the null value %q is a number", n), nil
		}
	}
	var cols []string
	for i := range lay.Columns {
		cols = append(cols, fmt.Sprintf("'c%d': 'VARCHAR'", i))
	}
	// Rows in file order (insertion order is preserved). A line longer
	// than the row reader's limit is an error here (max_line_size counts
	// delimiters and quotes too).
	read := fmt.Sprintf(`read_csv(%s, header = false, skip = %d, delim = %s, quote = '"', escape = '"', columns = {%s},
		auto_detect = false, strict_mode = true, null_padding = false, compression = 'none', max_line_size = %d)`,
		sqlString(src.Path), t.rowBase, sqlString(string(delim)), strings.Join(cols, ", "), max(lay.MaxLineBytes, 1024))

	// The columns that may hold numbers, whose kinds their cells decide.
	categorical := map[string]bool{}
	for _, n := range src.Categorical {
		categorical[n] = true
	}
	isNumber := map[string]bool{}
	var candidates []string
	for _, n := range []string{src.PredScoreCol, src.PredValueCol, src.ActValueCol} {
		if n != "" && !isNumber[n] {
			isNumber[n] = true
			candidates = append(candidates, n)
		}
	}
	for _, n := range src.Features {
		if !categorical[n] && !isNumber[n] {
			candidates = append(candidates, n)
		}
	}
	// The first rows: per candidate, its numbers, texts (cells neither
	// missing nor numbers) and odd numbers.
	infer := lay.InferRows
	if infer <= 0 {
		infer = 10_000
	}
	sample := []string{"count(*)"}
	for _, n := range candidates {
		raw := c.raw(n)
		sample = append(sample, "count(*) FILTER (WHERE "+c.isNumber(raw)+")", "count(*) FILTER (WHERE "+c.isText(raw)+")",
			fmt.Sprintf("count(*) FILTER (WHERE regexp_matches(%s, '%s'))", raw, csvOddNumber))
	}
	var counts []sql.NullInt64
	err = s.withAllCores(ctx, func() (err error) {
		counts, err = scanInts(ctx, conn, fmt.Sprintf("SELECT %s FROM (SELECT * FROM %s LIMIT %d)", strings.Join(sample, ", "), read, infer), len(sample))
		return err
	})
	if err != nil {
		msg, _, _ := strings.Cut(err.Error(), "\n") // DuckDB's first line; the rest repeats the options
		return nil, "DuckDB cannot read the file: " + msg, nil
	}
	numeric := map[string]bool{}
	for k, n := range candidates {
		nums, texts, odd := counts[1+3*k].Int64, counts[2+3*k].Int64, counts[3+3*k].Int64
		switch {
		case odd > 0:
			return nil, fmt.Sprintf("column %q holds an infinity, NaN or a hexadecimal number", n), nil
		case nums > 0 && texts > 0:
			return nil, fmt.Sprintf("column %q mixes numbers and text in its first %d rows", n, infer), nil
		case isNumber[n] || nums > 0:
			numeric[n] = true
		}
	}

	// The table: the mapped columns, typed, and a flag per check. A number
	// cell is cast as it is (DuckDB's cast skips the spaces and tabs the
	// pattern lets through when cells are trimmed); a null value is no
	// number, so the cast makes it NULL.
	var exprs []string
	seen := map[string]bool{}
	add := func(name, expr string) {
		if !seen[name] {
			seen[name] = true
			exprs = append(exprs, expr+" AS "+quoteIdent(name))
		}
	}
	flag := func(what, cond string) {
		name := fmt.Sprintf("_vigil_check_%d", len(t.probes))
		exprs = append(exprs, "("+cond+") AS "+name)
		t.probes = append(t.probes, bulkProbe{what, "p." + name})
	}
	if src.TimeCol != "" {
		// Epoch milliseconds, as the row reader reads the time: a number
		// (truncated, times the unit), a date, a date and time, RFC 3339.
		v := "trim(" + c.textOf(c.raw(src.TimeCol)) + ")"
		add(src.TimeCol, fmt.Sprintf(`epoch_ms(CASE WHEN regexp_full_match(%[1]s, '%[2]s') THEN trunc(CAST(%[1]s AS DOUBLE))::BIGINT * %[3]d
			WHEN regexp_full_match(%[1]s, '%[4]s') THEN epoch_ms(try_strptime(%[1]s, '%%Y-%%m-%%d'))
			WHEN regexp_full_match(%[1]s, '%[5]s') THEN epoch_ms(try_strptime(%[1]s, '%%Y-%%m-%%d %%H:%%M:%%S'))
			WHEN regexp_full_match(%[1]s, '%[6]s') THEN epoch_ms(TRY_CAST(%[1]s AS TIMESTAMPTZ)) END)`,
			v, csvNumber, max(src.TimeUnitMS, 1), csvDate, csvDateTime, csvRFC3339))
	}
	for _, n := range candidates {
		if numeric[n] {
			raw := c.raw(n)
			add(n, "TRY_CAST("+raw+" AS DOUBLE)")
			flag(fmt.Sprintf("column %q, numeric, holds a text", n), c.isText(raw))
		}
	}
	// The texts: none may hold a quote or a carriage return, or (when cells
	// are trimmed) begin or end with a space Go trims and DuckDB's trim
	// does not.
	pattern := `["\r]`
	if lay.Trim {
		pattern += `|^[ \t]*` + csvOtherSpace + `|` + csvOtherSpace + `[ \t]*$`
	}
	var odd []string
	for _, n := range textColumns(src, numeric) {
		raw := c.raw(n)
		add(n, c.textOf(raw))
		odd = append(odd, fmt.Sprintf("regexp_matches(%s, '%s')", raw, pattern))
	}
	if len(odd) > 0 {
		flag("a text holds a quote, a carriage return or a space DuckDB does not trim", strings.Join(odd, " OR "))
	}
	t.scan = "(SELECT " + strings.Join(exprs, ", ") + " FROM " + read + ")"
	t.file = t.scan
	if src.IDCol == "" {
		// Ids FILE:LINE need each row's place: numbered in file order.
		t.file = fmt.Sprintf("(SELECT ordinality - 1 + %d AS file_row_number, %s FROM %s WITH ORDINALITY)", t.rowBase, strings.Join(exprs, ", "), read)
	}
	return t, "", nil
}

// csvStaged is a CSV file as BulkLoad reads it (csvTable).
type csvStaged struct {
	// scan is the table the checks read; file the one the rows are
	// inserted from, numbered (file_row_number) when the ids need it.
	scan, file string
	// rowBase is the lines before the first row (skipped, header); lines
	// the file's line count.
	rowBase, lines int64
	// probes are the checks of the file's own cells.
	probes []bulkProbe
}

// csvCells writes the SQL of a staged CSV file's cells.
type csvCells struct {
	lay   *CSVLayout
	index map[string]int
}

// raw is the column of a file's column in the staging table.
func (c csvCells) raw(name string) string { return "c" + strconv.Itoa(c.index[name]) }

// trimmed is a cell without the spaces and tabs around it, when cells are
// trimmed (the cell is copied only when it has some).
func (c csvCells) trimmed(raw string) string {
	if !c.lay.Trim {
		return raw
	}
	return fmt.Sprintf("CASE WHEN ascii(%[1]s) IN (9, 32) OR ascii(right(%[1]s, 1)) IN (9, 32) THEN trim(%[1]s, ' ' || chr(9)) ELSE %[1]s END", raw)
}

// textOf is a cell as the row reader reads a text: trimmed, NULL when it
// is a null value (the empty cell is NULL already).
func (c csvCells) textOf(raw string) string {
	nulls := []string{"''"}
	for _, n := range c.lay.Nulls {
		nulls = append(nulls, sqlString(n))
	}
	t := c.trimmed(raw)
	if len(nulls) == 1 {
		return "nullif(" + t + ", '')"
	}
	return fmt.Sprintf("CASE WHEN %[1]s IN (%[2]s) THEN NULL ELSE %[1]s END", t, strings.Join(nulls, ", "))
}

// isNumber is true on a number cell.
func (c csvCells) isNumber(raw string) string {
	return fmt.Sprintf("regexp_full_match(%s, '%s')", raw, c.numberPattern())
}

// isText is true on a cell that is neither missing nor a number (its text
// is computed only then).
func (c csvCells) isText(raw string) string {
	return fmt.Sprintf("CASE WHEN %s IS NULL OR %s THEN false ELSE %s IS NOT NULL END", raw, c.isNumber(raw), c.textOf(raw))
}

// numberPattern matches a number cell: csvNumber, with spaces and tabs
// around it when cells are trimmed.
func (c csvCells) numberPattern() string {
	if !c.lay.Trim {
		return csvNumber
	}
	return `^[ \t]*` + strings.TrimSuffix(strings.TrimPrefix(csvNumber, "^"), "$") + `[ \t]*$`
}

// textColumns lists the columns a CSV load reads as text.
func textColumns(src BulkSource, numeric map[string]bool) []string {
	var out []string
	for _, n := range append([]string{src.VersionCol, src.EnvironmentCol, src.IDCol, src.PredLabelCol, src.ActLabelCol}, src.Tags...) {
		if n != "" {
			out = append(out, n)
		}
	}
	for _, n := range src.Features {
		if !numeric[n] {
			out = append(out, n)
		}
	}
	return out
}

// scanInts runs a query of one row of n integers.
func scanInts(ctx context.Context, conn *sql.Conn, query string, n int) ([]sql.NullInt64, error) {
	dest := make([]sql.NullInt64, n)
	ptrs := make([]any, n)
	for i := range dest {
		ptrs[i] = &dest[i]
	}
	if err := conn.QueryRowContext(ctx, query).Scan(ptrs...); err != nil {
		return nil, err
	}
	return dest, nil
}

// countLines counts the lines of a file as a line reader numbers them:
// blank lines at its end are not counted.
func countLines(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	var total, atLast int64 // newlines so far, and before the last other byte
	seen := false
	for {
		n, err := f.Read(buf)
		chunk := buf[:n]
		if k := bytes.LastIndexFunc(chunk, func(r rune) bool { return r != '\n' && r != '\r' }); k >= 0 {
			atLast, seen = total+int64(bytes.Count(chunk[:k], []byte{'\n'})), true
		}
		total += int64(bytes.Count(chunk, []byte{'\n'}))
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	if !seen {
		return 0, nil
	}
	return atLast + 1, nil
}
