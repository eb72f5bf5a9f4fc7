package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// parquetBatchRows is how many rows are decoded at a time. Only the mapped
// columns are read, page by page, so memory stays bounded by this many rows
// whatever the size of the file or of its row groups.
const parquetBatchRows = 4096

// ReadParquet reads a Parquet file and emits batches of records.
//
// Columns map to records as for CSV (see Mapping), but cells are typed by the
// file's schema rather than inferred: integer, floating and decimal columns are
// numeric; string, binary and boolean columns are text ("true"/"false");
// timestamp and date columns are times (UTC); a list of numbers can be the
// embedding. Only the columns the mapping uses are read. Record line numbers
// are 1-based row numbers.
func ReadParquet(ctx context.Context, r io.ReaderAt, size int64, m Mapping, lim Limits, emit EmitFunc) (int, error) {
	lim = lim.withDefaults()
	src, err := openParquet(ctx, r, size, m, lim)
	if err != nil {
		return 0, err
	}
	defer src.close()
	return readRows(ctx, src, m, lim, emit)
}

var (
	parquetMagic          = []byte("PAR1")
	parquetEncryptedMagic = []byte("PARE")
)

// checkParquetMagic rejects input that is not framed as a Parquet file before
// any of it is parsed.
func checkParquetMagic(r io.ReaderAt, size int64) error {
	if size < 12 {
		return fmt.Errorf("not a Parquet file: %d bytes is too short", size)
	}
	head, tail := make([]byte, 4), make([]byte, 4)
	if _, err := r.ReadAt(head, 0); err != nil {
		return fmt.Errorf("read Parquet file: %w", err)
	}
	if _, err := r.ReadAt(tail, size-4); err != nil {
		return fmt.Errorf("read Parquet file: %w", err)
	}
	if bytes.Equal(tail, parquetEncryptedMagic) {
		return errors.New("not a Parquet file that can be read: it is encrypted")
	}
	if !bytes.Equal(head, parquetMagic) || !bytes.Equal(tail, parquetMagic) {
		return errors.New("not a Parquet file: it does not begin and end with the PAR1 marker")
	}
	return nil
}

// recovered turns a panic inside the Parquet decoder (possible on a damaged
// file) into an error.
func recovered(err *error, what string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%s: the file is corrupt (%v)", what, r)
	}
}

// parquetRoles lists, for each column index, the flags that map it.
func parquetRoles(p *rowPlan, m Mapping) map[int][]string {
	roles := map[int][]string{}
	add := func(idx int, flag string) {
		if idx >= 0 {
			roles[idx] = append(roles[idx], flag)
		}
	}
	add(p.model, "--model-col")
	add(p.version, "--version-col")
	add(p.env, "--environment-col")
	add(p.id, "--id-col")
	add(p.ts, "--timestamp-col")
	add(p.tsHour, "--timestamp-col")
	add(p.predLabel, "--prediction-label-col")
	add(p.predScore, "--prediction-score-col")
	add(p.predValue, "--prediction-value-col")
	add(p.actLabel, "--actual-label-col")
	add(p.actValue, "--actual-value-col")
	add(p.embedding, "--embedding-col")
	add(p.textCol, "--text-col")
	for _, t := range p.tags {
		add(t.idx, "--tag-cols")
	}
	featureFlag := "--feature-cols"
	if len(m.FeatureCols) == 0 {
		featureFlag = "" // a feature by default
	}
	for _, f := range p.features {
		add(f.idx, featureFlag)
	}
	return roles
}

// checkParquetColumn says whether a column of type t can have the given role.
func checkParquetColumn(name string, t arrow.DataType, flag string) error {
	scalar, list := parquetScalar(t), parquetNumberList(t)
	switch {
	case flag == "--embedding-col":
		if list || parquetText(t) {
			return nil
		}
		return fmt.Errorf("--embedding-col: column %q has the type %s; an embedding must be a list of numbers (or JSON text)", name, t)
	case scalar:
		return nil
	case flag == "":
		return fmt.Errorf("column %q has the type %s, which cannot be a feature; list the feature columns with --feature-cols", name, t)
	case list:
		return fmt.Errorf("%s: column %q is a list of numbers, which only --embedding-col accepts", flag, name)
	}
	return fmt.Errorf("%s: column %q has the unsupported type %s (supported: numbers, strings, binary, booleans, dates and timestamps)", flag, name, t)
}

func parquetText(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW, arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW:
		return true
	case arrow.DICTIONARY:
		return parquetText(t.(*arrow.DictionaryType).ValueType)
	case arrow.EXTENSION:
		if e := t.(arrow.ExtensionType); e.ExtensionName() == "arrow.json" {
			return parquetText(e.StorageType())
		}
	}
	return false
}

func parquetNumber(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64:
		return true
	case arrow.DECIMAL32, arrow.DECIMAL64, arrow.DECIMAL128, arrow.DECIMAL256:
		// A damaged schema can declare a scale the decoder cannot format.
		d := t.(arrow.DecimalType)
		return d.GetPrecision() > 0 && d.GetScale() >= 0 && d.GetScale() <= d.GetPrecision()
	}
	return false
}

func parquetScalar(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.BOOL, arrow.TIMESTAMP, arrow.DATE32, arrow.DATE64:
		return true
	case arrow.DICTIONARY:
		return parquetScalar(t.(*arrow.DictionaryType).ValueType)
	case arrow.EXTENSION:
		return t.(arrow.ExtensionType).ExtensionName() == "arrow.uuid" || parquetText(t)
	}
	return parquetNumber(t) || parquetText(t)
}

func parquetNumberList(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST:
		return parquetNumber(t.(arrow.ListLikeType).Elem())
	}
	return false
}

// parquetLeaves appends the leaf (physical) column indices under a field.
func parquetLeaves(f *pqarrow.SchemaField, out []int) []int {
	if f.IsLeaf() {
		return append(out, f.ColIndex)
	}
	for i := range f.Children {
		out = parquetLeaves(&f.Children[i], out)
	}
	return out
}

// parquetSource is a rowSource over the mapped columns of a Parquet file.
type parquetSource struct {
	pf   *file.Reader
	rr   pqarrow.RecordReader // nil when no column is read
	cols []string
	// pos maps a column of the record batches to its index in cols.
	pos  []int
	lim  Limits
	left int64 // rows still to yield when rr is nil

	conv  []cellConv
	field []string // the record field a conversion error names
	row   []cell   // the row buffer next returns
	i, n  int
	line  int
}

// cellConv reads row i of a column; a non-empty message rejects the row.
type cellConv func(i int) (cell, string)

func openParquet(ctx context.Context, r io.ReaderAt, size int64, m Mapping, lim Limits) (src *parquetSource, err error) {
	if err := checkParquetMagic(r, size); err != nil {
		return nil, err
	}
	defer recovered(&err, "read Parquet file")
	props := parquet.NewReaderProperties(memory.DefaultAllocator)
	props.BufferedStreamEnabled = true
	pf, err := file.NewParquetReader(io.NewSectionReader(r, 0, size), file.WithReadProps(props))
	if err != nil {
		return nil, fmt.Errorf("not a Parquet file: %s", strings.TrimPrefix(err.Error(), "parquet: "))
	}
	defer func() {
		if err != nil {
			pf.Close()
		}
	}()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: parquetBatchRows}, memory.DefaultAllocator)
	if err != nil {
		return nil, fmt.Errorf("read Parquet schema: %v", err)
	}
	fields := fr.Manifest.Fields
	cols := make([]string, len(fields))
	for i := range fields {
		cols[i] = fields[i].Field.Name
	}
	p, err := m.resolve(cols)
	if err != nil {
		return nil, err
	}
	roles := parquetRoles(p, m)
	src = &parquetSource{pf: pf, cols: cols, lim: lim}
	var leaves []int
	for i := range fields {
		flags, ok := roles[i]
		if !ok {
			continue
		}
		for _, flag := range flags {
			if err := checkParquetColumn(cols[i], fields[i].Field.Type, flag); err != nil {
				return nil, err
			}
		}
		field := ""
		if i == p.embedding {
			field = "embedding"
		}
		src.pos = append(src.pos, i)
		src.field = append(src.field, field)
		leaves = parquetLeaves(&fields[i], leaves)
	}
	if len(leaves) == 0 {
		src.left = pf.NumRows()
		return src, nil
	}
	if src.rr, err = fr.GetRecordReader(ctx, leaves, nil); err != nil {
		return nil, fmt.Errorf("read Parquet file: %v", err)
	}
	if got := len(src.rr.Schema().Fields()); got != len(src.pos) {
		src.rr.Release()
		return nil, fmt.Errorf("read Parquet file: %d columns were requested but %d came back", len(src.pos), got)
	}
	return src, nil
}

func (s *parquetSource) close() {
	if s.rr != nil {
		s.rr.Release()
	}
	s.pf.Close()
}

func (s *parquetSource) columns() []string { return s.cols }

func (s *parquetSource) next() (row []cell, line int, err error) {
	defer s.recoverRow(&err)
	for s.i >= s.n {
		if err := s.advance(); err != nil {
			return nil, 0, err
		}
	}
	// One row buffer serves every row (rowSource's contract).
	if len(s.row) != len(s.cols) {
		s.row = make([]cell, len(s.cols))
	}
	row = s.row
	clear(row)
	size := 0
	for k, conv := range s.conv {
		c, msg := conv(s.i)
		if msg != "" {
			return nil, 0, &store.RecordError{Line: s.line + 1, Field: s.field[k], Msg: msg}
		}
		row[s.pos[k]] = c
		size += len(c.s) + 4*len(c.list)
	}
	s.i++
	s.line++
	if size > s.lim.MaxLineBytes {
		return nil, 0, &store.RecordError{Line: s.line, Msg: fmt.Sprintf("row is longer than the limit of %d bytes", s.lim.MaxLineBytes)}
	}
	return row, s.line, nil
}

// recoverRow turns a panic while decoding (possible on a damaged file) into
// an error naming the row.
func (s *parquetSource) recoverRow(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("read Parquet rows after row %d: the file is corrupt (%v)", s.line, r)
	}
}

// advance decodes the next batch of rows.
func (s *parquetSource) advance() error {
	s.i, s.n = 0, 0
	if s.rr == nil {
		if s.left == 0 {
			return io.EOF
		}
		n := min(s.left, parquetBatchRows)
		s.left -= n
		s.n = int(n)
		return nil
	}
	if !s.rr.Next() {
		if err := s.rr.Err(); err != nil {
			return fmt.Errorf("read Parquet rows after row %d: %s", s.line, strings.TrimPrefix(err.Error(), "parquet: "))
		}
		return io.EOF
	}
	b := s.rr.RecordBatch()
	s.conv = s.conv[:0]
	for k := range s.pos {
		s.conv = append(s.conv, columnConv(b.Column(k)))
	}
	s.n = int(b.NumRows())
	return nil
}

// columnConv returns the reader of one column of a record batch; the types
// were checked by checkParquetColumn.
func columnConv(a arrow.Array) cellConv {
	if l, ok := a.(array.ListLike); ok && parquetNumberList(a.DataType()) {
		return listConv(l)
	}
	f := scalarConv(a)
	return func(i int) (cell, string) {
		if a.IsNull(i) {
			return cell{kind: cellNull}, ""
		}
		return f(i), ""
	}
}

func numCells(get func(int) float64) func(int) cell {
	return func(i int) cell { return cell{kind: cellNum, n: get(i)} }
}

// scalarConv reads non-null cells of a scalar column.
func scalarConv(a arrow.Array) func(i int) cell {
	if get := numGetter(a); get != nil {
		return numCells(get)
	}
	switch a := a.(type) {
	case *array.Boolean:
		return func(i int) cell { return cell{kind: cellStr, s: strconv.FormatBool(a.Value(i))} }
	case *array.String:
		return func(i int) cell { return cell{kind: cellStr, s: strings.Clone(a.Value(i))} }
	case *array.LargeString:
		return func(i int) cell { return cell{kind: cellStr, s: strings.Clone(a.Value(i))} }
	case *array.StringView:
		return func(i int) cell { return cell{kind: cellStr, s: strings.Clone(a.Value(i))} }
	case *array.Binary:
		return func(i int) cell { return cell{kind: cellStr, s: string(a.Value(i))} }
	case *array.LargeBinary:
		return func(i int) cell { return cell{kind: cellStr, s: string(a.Value(i))} }
	case *array.BinaryView:
		return func(i int) cell { return cell{kind: cellStr, s: string(a.Value(i))} }
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return func(i int) cell { return cell{kind: cellTime, t: a.Value(i).ToTime(unit)} }
	case *array.Date32:
		return func(i int) cell { return cell{kind: cellTime, t: a.Value(i).ToTime()} }
	case *array.Date64:
		return func(i int) cell { return cell{kind: cellTime, t: a.Value(i).ToTime()} }
	case *array.Dictionary:
		dict := a.Dictionary()
		f := scalarConv(dict)
		return func(i int) cell {
			j := a.GetValueIndex(i)
			if dict.IsNull(j) {
				return cell{kind: cellNull}
			}
			return f(j)
		}
	case *extensions.UUIDArray:
		return func(i int) cell { return cell{kind: cellStr, s: a.Value(i).String()} }
	case array.ExtensionArray:
		return scalarConv(a.Storage())
	}
	// Unreachable for checked types; read anything else as missing.
	return func(int) cell { return cell{kind: cellNull} }
}

func floatsOf[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64 | float32 | float64](v []T) func(int) float64 {
	return func(i int) float64 { return float64(v[i]) }
}

// numGetter reads the values of a numeric array as float64, or is nil.
func numGetter(a arrow.Array) func(int) float64 {
	switch a := a.(type) {
	case *array.Int8:
		return floatsOf(a.Int8Values())
	case *array.Int16:
		return floatsOf(a.Int16Values())
	case *array.Int32:
		return floatsOf(a.Int32Values())
	case *array.Int64:
		return floatsOf(a.Int64Values())
	case *array.Uint8:
		return floatsOf(a.Uint8Values())
	case *array.Uint16:
		return floatsOf(a.Uint16Values())
	case *array.Uint32:
		return floatsOf(a.Uint32Values())
	case *array.Uint64:
		return floatsOf(a.Uint64Values())
	case *array.Float32:
		return floatsOf(a.Float32Values())
	case *array.Float64:
		return floatsOf(a.Float64Values())
	case *array.Float16:
		return func(i int) float64 { return float64(a.Value(i).Float32()) }
	case *array.Decimal32:
		return decimalGetter(a)
	case *array.Decimal64:
		return decimalGetter(a)
	case *array.Decimal128:
		return decimalGetter(a)
	case *array.Decimal256:
		return decimalGetter(a)
	}
	return nil
}

// decimalGetter reads decimals through their exact text, so 19.99 is the
// float64 nearest 19.99 (scaling the unscaled integer can be off by one ulp).
func decimalGetter(a interface{ ValueStr(int) string }) func(int) float64 {
	return func(i int) float64 {
		x, err := strconv.ParseFloat(a.ValueStr(i), 64)
		if err != nil {
			return math.NaN() // rejected as not finite by the plan
		}
		return x
	}
}

// listConv reads a list-of-numbers column as embeddings. A null list is a
// missing embedding; an empty list, a null element or a non-finite element
// rejects the row, as they do in NDJSON.
func listConv(l array.ListLike) cellConv {
	vals := l.ListValues()
	get := numGetter(vals)
	return func(i int) (cell, string) {
		if l.IsNull(i) {
			return cell{kind: cellNull}, ""
		}
		start, end := l.ValueOffsets(i)
		if start == end {
			return cell{}, "must not be empty"
		}
		out := make([]float32, end-start)
		for j := start; j < end; j++ {
			k := j - start
			if vals.IsNull(int(j)) {
				return cell{}, fmt.Sprintf("element %d is null", k)
			}
			x := get(int(j))
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return cell{}, fmt.Sprintf("element %d: %v is not a finite number", k, x)
			}
			if math.Abs(x) > math.MaxFloat32 {
				return cell{}, fmt.Sprintf("element %d: %v does not fit a 32-bit float", k, x)
			}
			out[k] = float32(x)
		}
		return cell{kind: cellList, list: out}, ""
	}
}
