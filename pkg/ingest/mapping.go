package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// Mapping says how the columns of a CSV or Parquet file become records.
type Mapping struct {
	Model, ModelCol             string
	Version, VersionCol         string
	Environment, EnvironmentCol string
	// IDCol names the id column; without one, ids are IDPrefix + ":" + row number,
	// so re-ingesting the same file never double-counts.
	IDCol, IDPrefix string
	// Timestamp is a constant RFC 3339 time; TimestampCol a column, or
	// "DATECOL+HOURCOL" for a date column plus an hour-of-day column.
	Timestamp, TimestampCol string
	// TimestampUnit is "s" or "ms" for numeric epoch columns (default ms).
	TimestampUnit string

	PredictionLabelCol, PredictionScoreCol, PredictionValueCol string
	ActualLabelCol, ActualValueCol                             string
	// FeatureCols lists the feature columns; empty means every column not mapped otherwise.
	FeatureCols     []string
	TagCols         []string
	CategoricalCols []string
	EmbeddingCol    string
	TextCol         string
	// LabelMap rewrites prediction and actual labels (e.g. ">50K." to ">50K").
	LabelMap map[string]string
	// NullValues are the cell texts read as missing (CSV); "" always is.
	NullValues []string
	// InferRows is how many rows of a CSV file decide which columns are
	// numeric (0: DefaultInferRows).
	InferRows int
	// CatalogKind, when set, returns a feature's kind in the model's catalog
	// (store.Missing for a new feature), so a CSV column of the other kind is
	// refused before any row is stored, with the values at fault.
	CatalogKind func(feature string) store.Kind
}

type cellKind uint8

const (
	cellNull cellKind = iota
	cellText          // CSV text, typed by the column
	cellNum
	cellStr
	cellTime
	cellList
)

type cell struct {
	kind cellKind
	s    string
	n    float64
	t    time.Time
	list []float32
}

// rowSource yields rows of cells; line is the 1-based line or row number. A
// row is valid until the next call to next: sources may reuse it.
type rowSource interface {
	columns() []string
	next() (row []cell, line int, err error)
}

type colRole struct {
	name string
	idx  int
}

// rowPlan is a Mapping resolved against a file's columns.
type rowPlan struct {
	m                                      Mapping
	model, version, env, id, ts, tsHour    int
	predLabel, predScore, predValue        int
	actLabel, actValue, embedding, textCol int
	features, tags                         []colRole
	categorical                            map[string]bool
	numericCols                            map[int]bool // decided for CSV text columns
	inferRows                              int
	constTime                              time.Time
	tsScale                                int64
	nulls                                  map[string]bool
}

func (m Mapping) resolve(cols []string) (*rowPlan, error) {
	index := map[string]int{}
	for i, c := range cols {
		if _, dup := index[c]; dup {
			return nil, fmt.Errorf("column %q appears twice", c)
		}
		index[c] = i
	}
	used := map[string]bool{}
	find := func(flag, name string) (int, error) {
		if name == "" {
			return -1, nil
		}
		i, ok := index[name]
		if !ok {
			return -1, fmt.Errorf("%s: no column %q (columns: %s)", flag, name, strings.Join(cols, ", "))
		}
		used[name] = true
		return i, nil
	}
	p := &rowPlan{m: m, categorical: map[string]bool{}, numericCols: map[int]bool{}, nulls: map[string]bool{"": true}, tsHour: -1, tsScale: 1, inferRows: m.InferRows}
	if p.inferRows <= 0 {
		p.inferRows = DefaultInferRows
	}
	for _, n := range m.NullValues {
		p.nulls[n] = true
	}
	var err error
	type target struct {
		flag, name string
		dst        *int
	}
	tsCol, hourCol := m.TimestampCol, ""
	if i := strings.Index(tsCol, "+"); i >= 0 {
		tsCol, hourCol = tsCol[:i], tsCol[i+1:]
	}
	for _, t := range []target{
		{"--model-col", m.ModelCol, &p.model}, {"--version-col", m.VersionCol, &p.version},
		{"--environment-col", m.EnvironmentCol, &p.env}, {"--id-col", m.IDCol, &p.id},
		{"--timestamp-col", tsCol, &p.ts}, {"--timestamp-col", hourCol, &p.tsHour},
		{"--prediction-label-col", m.PredictionLabelCol, &p.predLabel}, {"--prediction-score-col", m.PredictionScoreCol, &p.predScore},
		{"--prediction-value-col", m.PredictionValueCol, &p.predValue}, {"--actual-label-col", m.ActualLabelCol, &p.actLabel},
		{"--actual-value-col", m.ActualValueCol, &p.actValue}, {"--embedding-col", m.EmbeddingCol, &p.embedding},
		{"--text-col", m.TextCol, &p.textCol},
	} {
		if *t.dst, err = find(t.flag, t.name); err != nil {
			return nil, err
		}
	}
	switch {
	case m.Model == "" && m.ModelCol == "":
		return nil, errors.New("the model is required: give --model NAME or --model-col COLUMN")
	case m.Version == "" && m.VersionCol == "":
		return nil, errors.New("the version is required: give --version V or --version-col COLUMN")
	case m.Timestamp == "" && m.TimestampCol == "":
		return nil, errors.New("the time is required: give --timestamp-col COLUMN or --timestamp RFC3339")
	case m.Timestamp != "" && m.TimestampCol != "":
		return nil, errors.New("give either --timestamp or --timestamp-col, not both")
	}
	if m.Timestamp != "" {
		if p.constTime, err = ParseTime(m.Timestamp); err != nil {
			return nil, fmt.Errorf("--timestamp: %v", err)
		}
	}
	switch m.TimestampUnit {
	case "", "ms":
	case "s":
		p.tsScale = 1000
	default:
		return nil, fmt.Errorf("--timestamp-unit %q: must be s or ms", m.TimestampUnit)
	}
	for _, c := range m.TagCols {
		i, err := find("--tag-cols", c)
		if err != nil {
			return nil, err
		}
		p.tags = append(p.tags, colRole{c, i})
	}
	if len(m.FeatureCols) > 0 {
		for _, c := range m.FeatureCols {
			i, err := find("--feature-cols", c)
			if err != nil {
				return nil, err
			}
			p.features = append(p.features, colRole{c, i})
		}
	} else {
		for i, c := range cols {
			if !used[c] {
				p.features = append(p.features, colRole{c, i})
			}
		}
	}
	for _, c := range m.CategoricalCols {
		if _, ok := index[c]; !ok {
			return nil, fmt.Errorf("--categorical-cols: no column %q", c)
		}
		p.categorical[c] = true
	}
	return p, nil
}

// DefaultInferRows is how many rows of a CSV file decide its columns' kinds
// when Mapping.InferRows is 0.
const DefaultInferRows = 10_000

// inferTypes decides, for CSV text columns, which features are numeric:
// those whose every non-missing cell in the sample (the first
// Mapping.InferRows rows) parses as a finite number; those with no number
// are categorical. A column holding both numbers and text in the sample is
// an error naming the column, a few values of each kind and the flag that
// reads it as text (--categorical-cols), unless that flag lists it. So is a
// kind other than the one the model's catalog holds (Mapping.CatalogKind).
func (p *rowPlan) inferTypes(sample [][]cell, lines []int) error {
	rows := len(sample)
	for _, f := range p.features {
		if p.categorical[f.name] {
			continue
		}
		var nums, texts []string
		nNum, nText, firstText := 0, 0, 0
		for i, row := range sample {
			c := row[f.idx]
			if c.kind != cellText || p.nulls[c.s] {
				continue
			}
			if _, err := number(c.s); err == nil {
				nNum++
				if len(nums) < 3 {
					nums = append(nums, c.s)
				}
				continue
			}
			if nText == 0 {
				firstText = lines[i]
			}
			nText++
			if len(texts) < 3 {
				texts = append(texts, strconv.Quote(c.s))
			}
		}
		if nNum > 0 && nText > 0 {
			return fmt.Errorf("column %q mixes numbers and text in the first %d rows: %d numbers (%s) and %d texts (%s, the first on line %d); "+
				"give --categorical-cols %s to read it as text, or fix the values (the kinds come from the first %d rows, --infer-rows)",
				f.name, rows, nNum, strings.Join(nums, ", "), nText, strings.Join(texts, ", "), firstText, f.name, p.inferRows)
		}
		numeric := nNum > 0
		if p.m.CatalogKind != nil {
			switch want := p.m.CatalogKind(f.name); {
			case want == store.Numeric && nText > 0:
				return fmt.Errorf("column %q is numeric in model %q's catalog, but the file gives text (%s, the first on line %d); "+
					"fix the values, or map the column to another feature name", f.name, p.m.Model, strings.Join(texts, ", "), firstText)
			case want == store.Categorical && nNum > 0:
				return fmt.Errorf("column %q is categorical in model %q's catalog, but the file gives numbers (%s); "+
					"give --categorical-cols %s to read it as text", f.name, p.m.Model, strings.Join(nums, ", "), f.name)
			}
		}
		p.numericCols[f.idx] = numeric
	}
	return nil
}

func (p *rowPlan) text(c cell) (string, bool) {
	switch c.kind {
	case cellText, cellStr:
		if c.kind == cellText && p.nulls[c.s] {
			return "", false
		}
		return c.s, true
	case cellNum:
		return formatNumber(c.n), true
	case cellTime:
		return c.t.Format(time.RFC3339Nano), true
	}
	return "", false
}

func (p *rowPlan) num(c cell) (float64, bool, error) {
	switch c.kind {
	case cellNum:
		if math.IsNaN(c.n) || math.IsInf(c.n, 0) {
			return 0, false, fmt.Errorf("%v is not a finite number", c.n)
		}
		return c.n, true, nil
	case cellText:
		if p.nulls[c.s] {
			return 0, false, nil
		}
		x, err := number(c.s)
		return x, err == nil, err
	case cellNull:
		return 0, false, nil
	}
	return 0, false, errors.New("is not a number")
}

func (p *rowPlan) label(c cell) (string, bool) {
	s, ok := p.text(c)
	if !ok {
		return "", false
	}
	if to, ok := p.m.LabelMap[s]; ok {
		s = to
	}
	return s, true
}

func (p *rowPlan) timeOf(row []cell) (time.Time, error) {
	if p.ts < 0 {
		return p.constTime, nil
	}
	c := row[p.ts]
	var t time.Time
	switch c.kind {
	case cellTime:
		t = c.t
	case cellNum:
		t = time.UnixMilli(int64(c.n) * p.tsScale)
	case cellText, cellStr:
		s := strings.TrimSpace(c.s)
		if s == "" || (c.kind == cellText && p.nulls[s]) {
			return time.Time{}, errors.New("is missing")
		}
		if x, err := number(s); err == nil {
			t = time.UnixMilli(int64(x) * p.tsScale)
		} else if d, err := time.Parse("2006-01-02", s); err == nil {
			t = d
		} else if d, err := time.Parse("2006-01-02 15:04:05", s); err == nil {
			t = d
		} else if t, err = ParseTime(s); err != nil {
			return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD), a date-time or epoch %s", s, map[int64]string{1: "milliseconds", 1000: "seconds"}[p.tsScale])
		}
	default:
		return time.Time{}, errors.New("is missing")
	}
	if p.tsHour >= 0 {
		h, ok, err := p.num(row[p.tsHour])
		if err != nil || !ok || h < 0 || h > 23 || h != math.Trunc(h) {
			shown, _ := p.text(row[p.tsHour])
			return time.Time{}, fmt.Errorf("hour %q must be a whole number 0…23", shown)
		}
		t = t.Add(time.Duration(h) * time.Hour)
	}
	return checkTimeRange(t)
}

func (p *rowPlan) record(row []cell, line int, lim Limits, batch *recordBatch) (store.Record, error) {
	rec := store.Record{Line: line}
	fail := func(field string, err error) (store.Record, error) {
		return store.Record{}, &store.RecordError{Line: line, Field: field, Msg: err.Error()}
	}
	constOr := func(constant string, idx int, field string) (string, error) {
		if idx < 0 {
			return constant, nil
		}
		s, ok := p.text(row[idx])
		if !ok {
			return "", errors.New("is missing")
		}
		return s, checkName(s, lim)
	}
	var err error
	if rec.Model, err = constOr(p.m.Model, p.model, "model"); err != nil {
		return fail("model", err)
	}
	if rec.Version, err = constOr(p.m.Version, p.version, "version"); err != nil {
		return fail("version", err)
	}
	if rec.Environment, err = constOr(p.m.Environment, p.env, "environment"); err != nil {
		return fail("environment", err)
	}
	if rec.Environment == "" {
		rec.Environment = "production"
	}
	if p.id >= 0 {
		if rec.ID, err = constOr("", p.id, "id"); err != nil {
			return fail("id", err)
		}
	} else {
		rec.ID = fmt.Sprintf("%s:%d", p.m.IDPrefix, line)
	}
	if rec.Time, err = p.timeOf(row); err != nil {
		return fail("timestamp", err)
	}
	if p.predLabel >= 0 {
		rec.Prediction.Label, rec.Prediction.HasLabel = p.label(row[p.predLabel])
	}
	if p.predScore >= 0 {
		if rec.Prediction.Score, rec.Prediction.HasScore, err = p.num(row[p.predScore]); err != nil {
			return fail("prediction.score", err)
		}
	}
	if p.predValue >= 0 {
		if rec.Prediction.Value, rec.Prediction.HasValue, err = p.num(row[p.predValue]); err != nil {
			return fail("prediction.value", err)
		}
	}
	if p.actLabel >= 0 {
		rec.Actual.Label, rec.Actual.HasLabel = p.label(row[p.actLabel])
	}
	if p.actValue >= 0 {
		if rec.Actual.Value, rec.Actual.HasValue, err = p.num(row[p.actValue]); err != nil {
			return fail("actual.value", err)
		}
	}
	rec.Features = take(&batch.features, len(p.features))
	for _, f := range p.features {
		c := row[f.idx]
		var v store.Value
		switch {
		case c.kind == cellText && p.numericCols[f.idx]:
			x, ok, err := p.num(c)
			if err != nil {
				return fail("features."+f.name, fmt.Errorf("%v; the column was read as numeric from earlier rows (use --categorical-cols %s to read it as text)", err, f.name))
			}
			if ok {
				v = store.Num(x)
			}
		case c.kind == cellNum && !p.categorical[f.name]:
			x, ok, err := p.num(c)
			if err != nil {
				return fail("features."+f.name, err)
			}
			if ok {
				v = store.Num(x)
			}
		default:
			if s, ok := p.text(c); ok {
				v = store.Str(s)
			}
		}
		rec.Features = append(rec.Features, store.Feature{Name: f.name, Value: v})
	}
	if len(p.tags) > 0 {
		rec.Tags = take(&batch.tags, len(p.tags))
	}
	for _, t := range p.tags {
		s, ok := p.text(row[t.idx])
		rec.Tags = append(rec.Tags, store.Tag{Name: t.name, Value: s, Set: ok})
	}
	if p.embedding >= 0 {
		c := row[p.embedding]
		switch c.kind {
		case cellList:
			rec.Embedding = c.list
		case cellText, cellStr:
			if s := strings.TrimSpace(c.s); s != "" && !p.nulls[s] {
				if rec.Embedding, err = embeddingField(json.RawMessage(s)); err != nil {
					return fail("embedding", err)
				}
			}
		}
	}
	if p.textCol >= 0 {
		if s, ok := p.text(row[p.textCol]); ok {
			if len(s) > lim.MaxTextBytes {
				return fail("text", fmt.Errorf("is longer than the limit of %d bytes", lim.MaxTextBytes))
			}
			rec.Text = s
		}
	}
	return rec, nil
}

// readRows maps every row of a source to records and emits them in batches.
// CSV columns are typed from the first batch; a later cell that does not fit
// its column's type is an error naming the line and the feature. Only the
// first batch's rows are kept until it is typed: after that each row becomes
// a record as soon as it is read, so a batch's cells never pile up in memory.
func readRows(ctx context.Context, src rowSource, m Mapping, lim Limits, emit EmitFunc) (int, error) {
	lim = lim.withDefaults()
	p, err := m.resolve(src.columns())
	if err != nil {
		return 0, err
	}
	total := 0
	var first [][]cell
	var lines []int
	typed := false
	batch := newRecordBatch(lim.BatchRecords, len(p.features), len(p.tags))
	add := func(row []cell, line int) error {
		rec, err := p.record(row, line, lim, batch)
		if err != nil {
			return err
		}
		batch.records = append(batch.records, rec)
		return nil
	}
	flush := func() error {
		if len(batch.records) == 0 {
			return nil
		}
		if err := emit(ctx, batch.records); err != nil {
			return err
		}
		total += len(batch.records)
		batch = newRecordBatch(lim.BatchRecords, len(p.features), len(p.tags))
		return nil
	}
	// typeFirst types the columns from the rows read so far and turns them
	// into records.
	typeFirst := func() error {
		if err := p.inferTypes(first, lines); err != nil {
			return err
		}
		typed = true
		for i, row := range first {
			if err := add(row, lines[i]); err != nil {
				return err
			}
			if len(batch.records) == lim.BatchRecords {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		first, lines = nil, nil
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		row, line, err := src.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return total, err
		}
		if typed {
			err = add(row, line)
		} else {
			first, lines = append(first, slices.Clone(row)), append(lines, line)
			if len(first) == p.inferRows {
				err = typeFirst()
			}
		}
		if err != nil {
			return total, err
		}
		if len(batch.records) == lim.BatchRecords {
			if err := flush(); err != nil {
				return total, err
			}
		}
	}
	if !typed {
		if err := typeFirst(); err != nil {
			return total, err
		}
	}
	if err := flush(); err != nil {
		return total, err
	}
	return total, nil
}

// recordBatch is one batch being built: its records take their features and
// tags from blocks allocated once per batch instead of once per record.
type recordBatch struct {
	records  []store.Record
	features []store.Feature
	tags     []store.Tag
}

func newRecordBatch(records, features, tags int) *recordBatch {
	return &recordBatch{
		records:  make([]store.Record, 0, records),
		features: make([]store.Feature, 0, records*features),
		tags:     make([]store.Tag, 0, records*tags),
	}
}

// take returns n features (or tags) from the batch's block, with room for
// exactly n so appending to one record never runs into the next.
func take[T any](block *[]T, n int) []T {
	if cap(*block)-len(*block) < n {
		return make([]T, 0, n)
	}
	start := len(*block)
	*block = (*block)[:start+n]
	return (*block)[start : start : start+n]
}

// Columns is a Mapping resolved against a file's column names, for loaders
// that read the file themselves (the store's bulk Parquet load): each role's
// column name, "" where the mapping gives a constant or nothing.
type Columns struct {
	Model, Version, Environment, ID string
	// Time is the time column; Hour the hour column of DATECOL+HOURCOL.
	Time, Hour                                          string
	PredLabel, PredScore, PredValue, ActLabel, ActValue string
	Embedding, Text                                     string
	// Features and Tags in the order of the mapping (default features: the
	// file's columns not mapped otherwise, in file order).
	Features, Tags []string
	// ConstTime is --timestamp; TimeUnitMS the milliseconds per epoch unit.
	ConstTime  time.Time
	TimeUnitMS int64
}

// Columns resolves the mapping against a file's columns with the checks and
// messages of the row readers.
func (m Mapping) Columns(cols []string) (*Columns, error) {
	p, err := m.resolve(cols)
	if err != nil {
		return nil, err
	}
	name := func(i int) string {
		if i < 0 {
			return ""
		}
		return cols[i]
	}
	c := &Columns{
		Model: name(p.model), Version: name(p.version), Environment: name(p.env), ID: name(p.id),
		Time: name(p.ts), Hour: name(p.tsHour),
		PredLabel: name(p.predLabel), PredScore: name(p.predScore), PredValue: name(p.predValue),
		ActLabel: name(p.actLabel), ActValue: name(p.actValue), Embedding: name(p.embedding), Text: name(p.textCol),
		ConstTime: p.constTime, TimeUnitMS: p.tsScale,
	}
	for _, f := range p.features {
		c.Features = append(c.Features, f.name)
	}
	for _, t := range p.tags {
		c.Tags = append(c.Tags, t.name)
	}
	return c, nil
}
