//go:build duckdb_arrow

package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// BulkSource is a Parquet or CSV file mapped to inference records (the
// mapping the row reader of pkg/ingest applies), which BulkLoad has DuckDB
// read itself. Column names are the file's; constants apply to every row.
type BulkSource struct {
	Path string
	// CSV describes a CSV file; nil for a Parquet file.
	CSV *CSVLayout
	// Model is the model of every row.
	Model string
	// Version and Environment are constants, or VersionCol and
	// EnvironmentCol name their columns.
	Version, VersionCol         string
	Environment, EnvironmentCol string
	// IDCol names the id column; without one the id of row n (1-based) is
	// IDPrefix:n.
	IDCol, IDPrefix string
	// Time is the time of every row, or TimeCol names a timestamp, date or
	// epoch column, epochs counted in TimeUnitMS milliseconds.
	Time       time.Time
	TimeCol    string
	TimeUnitMS int64
	// Outcome columns ("" when not mapped).
	PredLabelCol, PredScoreCol, PredValueCol, ActLabelCol, ActValueCol string
	// Features and Tags name their columns; a feature's kind comes from its
	// type: numbers are numeric, strings and booleans categorical.
	Features, Tags []string
	// Categorical lists feature columns to read as categorical.
	Categorical []string
	// MaxNameBytes bounds version, environment and id values.
	MaxNameBytes int
}

// ErrBulkUnsupported means BulkLoad left the file to the row reader and wrote
// nothing: the mapping or a column type is one it does not handle, or a
// check failed (a non-finite number, a missing or malformed name or time, a
// kind that differs from the catalog, an id repeated inside the file, a file
// DuckDB cannot read). The row reader then names the first bad row and
// column, or loads what is outside BulkLoad's scope.
var ErrBulkUnsupported = errors.New("left to the row reader")

// BulkLoad stores a Parquet or CSV file as ONE batch, all-or-nothing, read
// by DuckDB's own readers (read_parquet; read_csv into a staging table, see
// stageCSV): no row is parsed in Go. It keeps the guarantees of Ingest: it
// first checks every row in one scan (numbers finite, names present and well
// formed, times within range, feature kinds as in the catalog; strings are
// valid UTF-8 or DuckDB refuses the file), and any failure returns
// ErrBulkUnsupported with the store unchanged. Ids are hashed as Ingest
// hashes them; records whose (model, id) is stored are left out and counted
// as duplicates, so loading the same file again adds nothing; actuals
// waiting for the new ids are attached. A field whose values are all null
// gets no column, as in Ingest.
func (s *Store) BulkLoad(ctx context.Context, src BulkSource) (store.IngestResult, error) {
	var res store.IngestResult
	if s.readOnly {
		return res, errors.New("the store is open read-only")
	}
	unsupported := func(format string, args ...any) (store.IngestResult, error) {
		return store.IngestResult{}, fmt.Errorf("%w: "+format, append([]any{ErrBulkUnsupported}, args...)...)
	}
	if src.Model == "" || (src.Version == "" && src.VersionCol == "") || (src.Time.IsZero() && src.TimeCol == "") {
		return unsupported("the model, version and time are required")
	}
	if strings.ContainsAny(src.Path, "*?[{") {
		// DuckDB's readers would take the name as a pattern of files.
		return unsupported("the file name has a character DuckDB reads as a pattern (*?[{)")
	}
	if src.MaxNameBytes <= 0 {
		src.MaxNameBytes = 256
	}
	if src.Environment == "" && src.EnvironmentCol == "" {
		src.Environment = "production"
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return res, fmt.Errorf("bulk load: %w", err)
	}
	defer conn.Close()

	file := "read_parquet(" + sqlString(src.Path) + ", file_row_number = true)"
	var rowBase, lines int64
	var probes []bulkProbe
	scan := file // the table the checks read
	if src.CSV != nil {
		t, reason, err := s.csvTable(ctx, conn, src)
		if err != nil {
			return res, err
		}
		if reason != "" {
			return unsupported("%s", reason)
		}
		scan, file, rowBase, lines, probes = t.scan, t.file, t.rowBase, t.lines, t.probes
	}
	types, err := columnTypes(ctx, conn, file)
	if err != nil {
		return unsupported("DuckDB cannot read the file: %v", err)
	}
	b := &bulkPlan{src: src, types: types, rowBase: rowBase, probes: probes, unnumbered: src.CSV != nil}
	if reason := b.build(); reason != "" {
		return unsupported("%s", reason)
	}
	var checks *bulkChecks
	err = s.withAllCores(ctx, func() (err error) {
		checks, err = b.check(ctx, conn, scan)
		return err
	})
	if err != nil {
		return unsupported("DuckDB cannot read the file: %v", err)
	}
	if checks.bad != "" {
		return unsupported("%s", checks.bad)
	}
	if src.CSV != nil && lines != rowBase+checks.rows {
		return unsupported("the file has %d lines for %d rows: blank lines or values spanning lines", lines-rowBase, checks.rows)
	}
	if checks.rows == 0 {
		return res, nil
	}

	// The catalog after the load, checked before anything is written.
	m := s.model(src.Model)
	pl := &ingestPlan{models: map[string]*modelEntry{}, newFields: map[*modelEntry][]store.FieldInfo{}, dimSet: map[*modelEntry]bool{}}
	if m != nil {
		m = m.clone()
	} else {
		next := 0
		s.catMu.RLock()
		for _, e := range s.catalog {
			next = max(next, e.key)
		}
		s.catMu.RUnlock()
		m = &modelEntry{key: next + 1, name: src.Model, features: map[string]store.FieldInfo{}, tags: map[string]store.FieldInfo{}}
		pl.newModels = append(pl.newModels, m)
	}
	pl.models[m.name], pl.entries = m, []*modelEntry{m}
	targets := make([]string, len(b.fields))
	for i, f := range b.fields {
		fields := m.features
		if f.kind == store.FieldTag {
			fields = m.tags
		}
		old, ok := fields[f.name]
		switch {
		case ok && old.Type != f.typ && checks.values[i] > 0:
			return unsupported("%s %q of model %q is %s in the catalog but %s in the file", f.kind, f.name, m.name, old.Type, f.typ)
		case ok:
			targets[i] = fieldColumn(old)
		case checks.values[i] == 0:
			// Only nulls: the field gets its column with its first value.
		default:
			if len(m.features)+len(m.tags) >= maxFieldsPerModel {
				return unsupported("model %q would have more than %d features and tags", m.name, maxFieldsPerModel)
			}
			nf := store.FieldInfo{Kind: f.kind, Name: f.name, Type: f.typ, Index: len(m.features) + len(m.tags) + 1}
			fields[f.name] = nf
			pl.newFields[m] = append(pl.newFields[m], nf)
			targets[i] = fieldColumn(nf)
		}
	}

	// Id hashes are computed by DuckDB as it inserts (vigil_id_hash, the
	// function Ingest hashes with); here only when ids come from a column,
	// to find one repeated inside the file.
	var hashes []uint64
	if src.IDCol != "" {
		if hashes, err = b.hashes(ctx, conn, file, checks.rows); err != nil {
			return res, err
		}
		// An id repeated inside the file is left to the row reader, which
		// keeps the first and counts the rest as duplicates. (FILE:ROW ids
		// are distinct by construction.)
		sorted := slices.Clone(hashes)
		slices.Sort(sorted)
		for i := 1; i < len(sorted); i++ {
			if sorted[i] == sorted[i-1] {
				return unsupported("an id hash appears twice in the file (a repeated id)")
			}
		}
	}

	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return res, fmt.Errorf("bulk load: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if err := s.applyCatalog(ctx, conn, pl, time.Now()); err != nil {
		return res, err
	}
	cols := []string{"id", "idh", "version", "environment", "ts", "pred_label", "pred_score", "pred_value", "actual_label", "actual_value", "actual_ms"}
	idh := idHashSQL + "(" + b.idExpr + ")"
	exprs := append([]string{b.idExpr, idh}, b.baseExprs...)
	for i, t := range targets {
		if t != "" {
			cols = append(cols, t)
			exprs = append(exprs, b.fieldExprs[i])
		}
	}
	// With no join to the hashes, DuckDB reads and inserts on every core,
	// in whatever order its threads finish (a file's rows are stored in no
	// set order; every query orders or groups what it reads).
	stmt := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s AS p",
		m.table(), strings.Join(cols, ", "), strings.Join(exprs, ", "), file)
	var stored int64
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+m.table()).Scan(&stored); err != nil && len(pl.newModels) == 0 {
		return res, fmt.Errorf("bulk load: %w", err)
	}
	if stored > 0 {
		stmt += fmt.Sprintf(" WHERE NOT EXISTS (SELECT 1 FROM %s t WHERE t.idh = %s AND t.id = %s)", m.table(), idh, b.idExpr)
	}
	var r sql.Result
	err = s.withAllCores(ctx, func() (err error) {
		if _, err := conn.ExecContext(ctx, "SET preserve_insertion_order = false"); err != nil {
			return err
		}
		r, err = conn.ExecContext(ctx, stmt)
		if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), "RESET preserve_insertion_order"); err == nil {
			err = rerr
		}
		return err
	})
	if err != nil {
		return res, fmt.Errorf("bulk load: insert: %w", err)
	}
	added, err := r.RowsAffected()
	if err != nil {
		return res, fmt.Errorf("bulk load: insert: %w", err)
	}
	if stored == 0 && added != checks.rows {
		return res, fmt.Errorf("bulk load: %d of %d rows stored; nothing was kept", added, checks.rows)
	}
	if added > 0 {
		if err := s.attachPendingOfFile(ctx, conn, m, b, file, checks.rows, hashes); err != nil {
			return res, err
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return res, fmt.Errorf("bulk load: commit: %w", err)
	}
	committed = true
	s.catMu.Lock()
	s.catalog[m.name] = m
	s.catMu.Unlock()
	// The id filter of the model no longer knows every stored id: the next
	// Ingest builds it again from the table.
	s.dropIDFilter(m.key)
	_ = s.maybeCheckpoint(ctx)
	res.Inferences, res.Duplicates = int(added), int(checks.rows-added)
	return res, nil
}

// bulkField is one feature or tag column of a bulk load.
type bulkField struct {
	kind store.FieldKind
	name string
	typ  store.Kind
}

// bulkPlan is a BulkSource resolved against the file's column types: the
// SQL expressions of each stored column (identifiers quoted, constants as
// literals of the catalog's own values).
type bulkPlan struct {
	src     BulkSource
	types   map[string]string
	rowBase int64 // file_row_number + 1 - rowBase is the row's place, 1-based
	// probes are checks of the file's own (a CSV file's cells).
	probes []bulkProbe
	// unnumbered: the table scanned for the checks has no file_row_number
	// (numbering a CSV file's rows costs its scan its parallelism); the
	// checks count failing rows instead of naming the first.
	unnumbered bool
	idExpr     string
	baseExprs  []string // version … actual_ms
	fields     []bulkField
	fieldExprs []string
	// finite lists floating columns (by field name for messages).
	finite [][2]string
	// names lists the version, environment and id expressions to check.
	names  [][2]string
	tsExpr string
}

// build fills the plan, or says why the file is left to the row reader.
func (b *bulkPlan) build() string {
	src := b.src
	col := func(name string) (string, string, bool) {
		t, ok := b.types[name]
		return quoteIdent(name), t, ok
	}
	text := func(flag, name string) (string, string) {
		c, t, ok := col(name)
		switch {
		case !ok:
			return "", fmt.Sprintf("%s: no column %q", flag, name)
		case t == "VARCHAR":
			return c, ""
		}
		return "", fmt.Sprintf("%s: column %q is %s, not text", flag, name, t)
	}
	name := func(flag, constant, column string) (string, string) {
		if column == "" {
			return sqlString(constant), ""
		}
		e, why := text(flag, column)
		b.names = append(b.names, [2]string{strings.TrimPrefix(flag, "--"), e})
		return e, why
	}
	var why string
	var version, env string
	if version, why = name("--version-col", src.Version, src.VersionCol); why != "" {
		return why
	}
	if env, why = name("--environment-col", src.Environment, src.EnvironmentCol); why != "" {
		return why
	}
	if src.IDCol != "" {
		if b.idExpr, why = name("--id-col", "", src.IDCol); why != "" {
			return why
		}
	} else {
		b.idExpr = sqlString(src.IDPrefix+":") + " || (p.file_row_number + 1)::VARCHAR"
	}
	// The time, in epoch milliseconds.
	if src.TimeCol == "" {
		b.tsExpr = strconv.FormatInt(src.Time.UnixMilli(), 10)
	} else {
		c, t, ok := col(src.TimeCol)
		switch {
		case !ok:
			return fmt.Sprintf("--timestamp-col: no column %q", src.TimeCol)
		case strings.HasPrefix(t, "TIMESTAMP"):
			b.tsExpr = "epoch_ms(" + c + ")"
		case t == "DATE":
			b.tsExpr = "epoch_ms(" + c + "::TIMESTAMP)"
		case integerType(t):
			b.tsExpr = fmt.Sprintf("(%s::BIGINT * %d)", c, max(src.TimeUnitMS, 1))
		case t == "DOUBLE" || t == "FLOAT":
			b.tsExpr = fmt.Sprintf("(trunc(%s)::BIGINT * %d)", c, max(src.TimeUnitMS, 1))
			b.finite = append(b.finite, [2]string{"timestamp", c})
		default:
			return fmt.Sprintf("--timestamp-col: column %q is %s", src.TimeCol, t)
		}
	}
	label := func(flag, column string) (string, string) {
		if column == "" {
			return "NULL", ""
		}
		c, t, ok := col(column)
		switch {
		case !ok:
			return "", fmt.Sprintf("%s: no column %q", flag, column)
		case t == "VARCHAR":
			return c, ""
		case t == "BOOLEAN":
			return c + "::VARCHAR", ""
		}
		return "", fmt.Sprintf("%s: column %q is %s", flag, column, t)
	}
	number := func(flag, field, column string) (string, string) {
		if column == "" {
			return "NULL", ""
		}
		c, t, ok := col(column)
		switch {
		case !ok:
			return "", fmt.Sprintf("%s: no column %q", flag, column)
		case t == "DOUBLE" || t == "FLOAT":
			b.finite = append(b.finite, [2]string{field, c})
			return c + "::DOUBLE", ""
		case integerType(t):
			return c + "::DOUBLE", ""
		}
		return "", fmt.Sprintf("%s: column %q is %s", flag, column, t)
	}
	var pl, ps, pv, al, av string
	if pl, why = label("--prediction-label-col", src.PredLabelCol); why != "" {
		return why
	}
	if ps, why = number("--prediction-score-col", "prediction.score", src.PredScoreCol); why != "" {
		return why
	}
	if pv, why = number("--prediction-value-col", "prediction.value", src.PredValueCol); why != "" {
		return why
	}
	if al, why = label("--actual-label-col", src.ActLabelCol); why != "" {
		return why
	}
	if av, why = number("--actual-value-col", "actual.value", src.ActValueCol); why != "" {
		return why
	}
	actualMS := "NULL"
	if src.ActLabelCol != "" || src.ActValueCol != "" {
		// A record carrying an actual: its time is the record's.
		conds := []string{}
		if src.ActLabelCol != "" {
			conds = append(conds, al+" IS NOT NULL")
		}
		if src.ActValueCol != "" {
			conds = append(conds, av+" IS NOT NULL")
		}
		actualMS = "CASE WHEN " + strings.Join(conds, " OR ") + " THEN " + b.tsExpr + " END"
	}
	b.baseExprs = []string{version, env, b.tsExpr, pl, ps, pv, al, av, actualMS}
	categorical := map[string]bool{}
	for _, c := range src.Categorical {
		categorical[c] = true
	}
	for _, f := range src.Features {
		c, t, ok := col(f)
		switch {
		case !ok:
			return fmt.Sprintf("--feature-cols: no column %q", f)
		case t == "VARCHAR":
			b.addField(store.FieldFeature, f, store.Categorical, c)
		case t == "BOOLEAN":
			b.addField(store.FieldFeature, f, store.Categorical, c+"::VARCHAR")
		case categorical[f]:
			return fmt.Sprintf("--categorical-cols: column %q is %s", f, t)
		case t == "DOUBLE" || t == "FLOAT":
			b.finite = append(b.finite, [2]string{"features." + f, c})
			b.addField(store.FieldFeature, f, store.Numeric, c+"::DOUBLE")
		case integerType(t):
			b.addField(store.FieldFeature, f, store.Numeric, c+"::DOUBLE")
		default:
			return fmt.Sprintf("feature column %q is %s", f, t)
		}
	}
	for _, tg := range src.Tags {
		e, why := label("--tag-cols", tg)
		if why != "" {
			return why
		}
		b.addField(store.FieldTag, tg, store.Categorical, e)
	}
	return ""
}

func (b *bulkPlan) addField(kind store.FieldKind, name string, typ store.Kind, expr string) {
	b.fields = append(b.fields, bulkField{kind: kind, name: name, typ: typ})
	b.fieldExprs = append(b.fieldExprs, expr)
}

// integerType is a DuckDB integer type whose values float64 holds exactly
// as the row reader reads them.
func integerType(t string) bool {
	switch t {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER":
		return true
	}
	return false
}

// bulkProbe is a check of every row: what fails it, and the SQL condition
// that is true on a failing row.
type bulkProbe struct{ what, cond string }

// bulkChecks is what one scan of the file found.
type bulkChecks struct {
	rows   int64
	values []int64 // non-null values per field
	bad    string  // the first failed check, "" when every row passed
}

// check scans the file once: row count, non-null values per field, and the
// first row failing each check.
func (b *bulkPlan) check(ctx context.Context, conn *sql.Conn, file string) (*bulkChecks, error) {
	probes := slices.Clone(b.probes)
	for _, f := range b.finite {
		probes = append(probes, bulkProbe{f[0] + " is not a finite number", "NOT isfinite(" + f[1] + ")"})
	}
	for _, n := range b.names {
		probes = append(probes, bulkProbe{n[0] + " is missing, empty, longer than " + strconv.Itoa(b.src.MaxNameBytes) + " bytes or holds control characters",
			fmt.Sprintf("(%[1]s IS NULL OR %[1]s = '' OR strlen(%[1]s) > %[2]d OR regexp_matches(%[1]s, '[[:cntrl:]]'))", n[1], b.src.MaxNameBytes)})
	}
	if b.src.TimeCol != "" {
		probes = append(probes, bulkProbe{"timestamp is missing or outside 1970-01-01 … 2200-01-01",
			fmt.Sprintf("(%[1]s IS NULL OR %[1]s < 0 OR %[1]s >= %[2]d)", b.tsExpr, time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli())})
	}
	sel := []string{"count(*)"}
	for _, e := range b.fieldExprs {
		sel = append(sel, "count("+e+")")
	}
	for _, p := range probes {
		if b.unnumbered {
			sel = append(sel, "count(*) FILTER (WHERE "+p.cond+")")
		} else {
			sel = append(sel, "min(p.file_row_number + 1) FILTER (WHERE "+p.cond+")")
		}
	}
	dest, err := scanInts(ctx, conn, "SELECT "+strings.Join(sel, ", ")+" FROM "+file+" AS p", len(sel))
	if err != nil {
		return nil, err
	}
	c := &bulkChecks{rows: dest[0].Int64}
	for i := range b.fieldExprs {
		c.values = append(c.values, dest[1+i].Int64)
	}
	first := int64(-1)
	for i, p := range probes {
		switch d := dest[1+len(b.fieldExprs)+i]; {
		case b.unnumbered && d.Int64 > 0 && c.bad == "":
			c.bad = fmt.Sprintf("%d rows: %s", d.Int64, p.what)
		case !b.unnumbered && d.Valid && (first < 0 || d.Int64 < first):
			first, c.bad = d.Int64, fmt.Sprintf("row %d: %s", d.Int64, p.what)
		}
	}
	return c, nil
}

// hashes returns the id hash of each row, in file order when the table
// numbers its rows.
func (b *bulkPlan) hashes(ctx context.Context, conn *sql.Conn, file string, rows int64) ([]uint64, error) {
	out := make([]uint64, 0, rows)
	if b.src.IDCol == "" {
		prefix := b.src.IDPrefix + ":"
		buf := []byte(prefix)
		for i := b.rowBase + 1; i <= b.rowBase+rows; i++ {
			buf = strconv.AppendInt(buf[:len(prefix)], i, 10)
			out = append(out, idHash(string(buf)))
		}
		return out, nil
	}
	err := conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return errors.New("not a database/sql driver connection")
		}
		ar, err := duckdb.NewArrowFromConn(c)
		if err != nil {
			return fmt.Errorf("arrow interface: %w", err)
		}
		order := " ORDER BY p.file_row_number"
		if b.unnumbered {
			order = "" // a CSV file's rows in any order: only the set of hashes matters
		}
		rr, err := ar.QueryContext(ctx, "SELECT "+b.idExpr+" FROM "+file+" AS p"+order)
		if err != nil {
			return err
		}
		defer rr.Release()
		for rr.Next() {
			ids, ok := rr.RecordBatch().Column(0).(*array.String)
			if !ok {
				return fmt.Errorf("ids are %s, want strings", rr.RecordBatch().Column(0).DataType())
			}
			for i := range ids.Len() {
				out = append(out, idHash(ids.Value(i)))
			}
		}
		return rr.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("bulk load: read ids: %w", err)
	}
	if int64(len(out)) != rows {
		return nil, fmt.Errorf("bulk load: %d ids for %d rows", len(out), rows)
	}
	return out, nil
}

// columnTypes returns the DuckDB type of each column of a table expression.
func columnTypes(ctx context.Context, conn *sql.Conn, from string) (map[string]string, error) {
	rows, err := conn.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "+from+")")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var n, t string
		if err := rows.Scan(&n, &t); err != nil {
			return nil, err
		}
		out[n] = t
	}
	return out, rows.Err()
}

// quoteIdent quotes a column name of a user's file for SQL text.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// sqlString quotes a string literal for SQL text.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// ParquetColumns returns the column names of a Parquet file in file order,
// as DuckDB reads them.
func (s *Store) ParquetColumns(ctx context.Context, path string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet("+sqlString(path)+"))")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// attachPendingOfFile attaches the actuals waiting for the file's ids; the
// ids are hashed (hashes, when nil) only when some actual waits.
func (s *Store) attachPendingOfFile(ctx context.Context, conn *sql.Conn, m *modelEntry, b *bulkPlan, file string, rows int64, hashes []uint64) error {
	var pending int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM vigil_pending_actuals WHERE model_key = ?`, m.key).Scan(&pending); err != nil {
		return fmt.Errorf("look up pending actuals: %w", err)
	}
	if pending == 0 {
		return nil
	}
	if hashes == nil {
		var err error
		if hashes, err = b.hashes(ctx, conn, file, rows); err != nil {
			return err
		}
	}
	return s.attachPending(ctx, conn, m, hashes)
}
