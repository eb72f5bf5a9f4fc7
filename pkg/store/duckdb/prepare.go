package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/zeebo/xxh3"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// Prepared is a batch checked record by record and converted into Arrow
// columns, ready to be stored. It holds no memory of the batch it came from,
// so the caller may reuse the batch as soon as Prepare returns, and a bulk
// load can prepare one batch while the store writes the previous one.
//
// What depends on the stored data (a feature's kind, a model's embedding
// dimension, duplicates of stored ids) is checked when it is stored.
type Prepared struct {
	now            time.Time
	idempotencyKey string
	// recordErr is the first record-level error of the batch. It is reported
	// when stored, unless a conflict with the catalog comes at an earlier line.
	recordErr *store.RecordError
	models    []*preparedModel
}

// preparedModel is the part of a batch that belongs to one model.
type preparedModel struct {
	name string
	// fields are the features and tags the batch gives, in order of first
	// appearance; byName indexes them (features and tags apart).
	fields   []batchField
	features map[string]int
	tags     map[string]int
	// embeddingDim is the batch's embedding dimension, first given by record
	// embeddingID at embeddingLine.
	embeddingDim  int
	embeddingLine int
	embeddingID   string

	// inference holds the base columns and then one column per field with a
	// kind, in the order of fields; hashes are its rows' id hashes.
	inference     arrow.RecordBatch
	hashes        []uint64
	repeats       int // inference records dropped as repeats of an id earlier in the batch
	actuals       arrow.RecordBatch
	actualRecords int
}

// batchField is one feature or tag of a model as the batch gives it: the
// first line that gives it a numeric and a categorical value (0: none).
type batchField struct {
	kind             store.FieldKind
	name             string
	numLine, catLine int
	column           int // position in the inference columns; -1 when only ever missing
}

// typ is the field's kind in the batch: the kind of its first value.
func (f *batchField) typ() store.Kind {
	switch {
	case f.numLine > 0 && (f.catLine == 0 || f.numLine < f.catLine):
		return store.Numeric
	case f.catLine > 0:
		return store.Categorical
	}
	return store.Missing
}

// lineOf is the first line that gives the field a value of kind k.
func (f *batchField) lineOf(k store.Kind) int {
	if k == store.Numeric {
		return f.numLine
	}
	return f.catLine
}

// Release frees the batch's Arrow columns; a Prepared is not used after it.
func (p *Prepared) Release() {
	for _, pm := range p.models {
		if pm.inference != nil {
			pm.inference.Release()
			pm.inference = nil
		}
		if pm.actuals != nil {
			pm.actuals.Release()
			pm.actuals = nil
		}
	}
}

// Prepare checks a batch record by record and converts it into Arrow columns
// (see Prepared). It does not touch the database and may run while another
// batch is being stored.
func (s *Store) Prepare(batch []store.Record, opts store.IngestOptions) *Prepared {
	p := &Prepared{now: opts.Now, idempotencyKey: opts.IdempotencyKey}
	if p.now.IsZero() {
		p.now = time.Now()
	}
	drafts := map[string]*modelDraft{}
	var order []*modelDraft

	for i := range batch {
		r := &batch[i]
		if err := store.CheckRecord(r); err != nil {
			p.recordErr = err
			return p
		}
		d := drafts[r.Model]
		if d == nil {
			d = &modelDraft{
				pm:  &preparedModel{name: r.Model, features: map[string]int{}, tags: map[string]int{}},
				ids: map[string]struct{}{}, lastActual: map[string]int{},
			}
			drafts[r.Model] = d
			order = append(order, d)
			p.models = append(p.models, d.pm)
		}
		if err := d.add(batch, i); err != nil {
			p.recordErr = err
			return p
		}
	}
	for _, d := range order {
		pm := d.pm
		// Actuals keep the value of the last record of their id.
		for k, r := range d.actuals {
			d.actuals[k] = &batch[d.lastActual[r.ID]]
		}
		pm.actualRecords = len(d.actuals)
		if len(d.actuals) > 0 {
			pm.actuals = buildActuals(d.actuals, p.now)
		}
		if len(d.inference) > 0 {
			pm.inference, pm.hashes = pm.buildInference(d.inference, d.slots)
		}
	}
	return p
}

// modelDraft gathers one model's records of a batch before they are
// converted: the inference records (the first of each id) with the slots of
// their features and tags among the model's fields, in record order, and the
// actual-only records (one per id, in order of first appearance).
type modelDraft struct {
	pm         *preparedModel
	inference  []*store.Record
	slots      []int32
	ids        map[string]struct{}
	actuals    []*store.Record
	lastActual map[string]int // position in the batch of the last actual of an id
	cache      slotCache
}

// add checks record i of the batch against the model's other records.
func (d *modelDraft) add(batch []store.Record, i int) *store.RecordError {
	r, pm := &batch[i], d.pm
	if r.ActualOnly {
		if _, again := d.lastActual[r.ID]; !again {
			d.actuals = append(d.actuals, r)
		}
		d.lastActual[r.ID] = i
		return nil
	}
	mark := len(d.slots)
	for k := range r.Features {
		f := &r.Features[k]
		slot, err := pm.field(&d.cache, store.FieldFeature, k, f.Name, f.Value.Kind, r.Line)
		if err != nil {
			return err
		}
		d.slots = append(d.slots, slot)
	}
	for k := range r.Tags {
		t := &r.Tags[k]
		kind := store.Missing
		if t.Set {
			kind = store.Categorical
		}
		slot, err := pm.field(&d.cache, store.FieldTag, k, t.Name, kind, r.Line)
		if err != nil {
			return err
		}
		d.slots = append(d.slots, slot)
	}
	if n := len(r.Embedding); n > 0 {
		switch {
		case n > maxEmbeddingDim:
			return &store.RecordError{Line: r.Line, Field: "embedding", Msg: fmt.Sprintf("%d dimensions is more than the limit of %d", n, maxEmbeddingDim)}
		case pm.embeddingDim == 0:
			pm.embeddingDim, pm.embeddingLine, pm.embeddingID = n, r.Line, r.ID
		case pm.embeddingDim != n:
			return &store.RecordError{Line: r.Line, Field: "embedding", Msg: fmt.Sprintf(
				"record %q has %d dimensions but model %q has %d", r.ID, n, pm.name, pm.embeddingDim)}
		}
	}
	// A repeat of an id earlier in the batch is checked like the others,
	// then dropped: the first occurrence wins.
	if _, repeat := d.ids[r.ID]; repeat {
		d.slots = d.slots[:mark]
		pm.repeats++
		return nil
	}
	d.ids[r.ID] = struct{}{}
	d.inference = append(d.inference, r)
	return nil
}

// slotCache remembers, for each position in a model's records' features
// and tags, the field last found there, since the records of one source list
// their features in one order: most lookups then compare one string instead
// of hashing it.
type slotCache struct {
	features []cachedSlot
	tags     []cachedSlot
}

type cachedSlot struct {
	name string
	slot int32
}

// field returns the slot of a record's feature or tag at position pos among
// the model's fields, adding it when it is new, and records the line of its
// first value of each kind (values of both kinds are a conflict, reported
// when the batch is stored).
func (pm *preparedModel) field(cache *slotCache, kind store.FieldKind, pos int, name string, k store.Kind, line int) (int32, *store.RecordError) {
	cached := &cache.features
	index := pm.features
	if kind == store.FieldTag {
		cached, index = &cache.tags, pm.tags
	}
	for len(*cached) <= pos {
		*cached = append(*cached, cachedSlot{slot: -1})
	}
	c := &(*cached)[pos]
	if c.slot < 0 || c.name != name {
		if !utf8.ValidString(name) {
			return 0, &store.RecordError{Line: line, Field: string(kind) + "s", Msg: fmt.Sprintf("name %q is not valid UTF-8", name)}
		}
		slot, ok := index[name]
		if !ok {
			if len(pm.fields) >= maxFieldsPerModel {
				return 0, &store.RecordError{Line: line, Field: string(kind) + "s." + name, Msg: fmt.Sprintf(
					"model %q would have more than %d features and tags", pm.name, maxFieldsPerModel)}
			}
			slot = len(pm.fields)
			index[name] = slot
			pm.fields = append(pm.fields, batchField{kind: kind, name: name, column: -1})
		}
		c.name, c.slot = name, int32(slot)
	}
	f := &pm.fields[c.slot]
	switch k {
	case store.Numeric:
		if f.numLine == 0 {
			f.numLine = line
		}
	case store.Categorical:
		if f.catLine == 0 {
			f.catLine = line
		}
	}
	return c.slot, nil
}

// idHash is the 64-bit hash of a record id kept beside it, so duplicate checks
// join on an integer column instead of comparing strings across the table.
func idHash(id string) uint64 { return xxh3.HashString(id) }

// idHashSQL names idHash inside DuckDB (registerIDHash), so a statement
// that reads a file hashes its ids as Ingest does.
const idHashSQL = "vigil_id_hash"

// idHashUDF is idHash as a DuckDB scalar function of a VARCHAR.
type idHashUDF struct{}

func (idHashUDF) Config() duckdb.ScalarFuncConfig {
	in, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	out, _ := duckdb.NewTypeInfo(duckdb.TYPE_UBIGINT)
	return duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{in}, ResultTypeInfo: out}
}

func (idHashUDF) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: func(args []driver.Value) (any, error) {
		id, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("%s: %T is not text", idHashSQL, args[0])
		}
		return idHash(id), nil
	}}
}

// registerIDHash makes idHash callable in the database's statements.
func registerIDHash(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("register %s: %w", idHashSQL, err)
	}
	defer conn.Close()
	if err := duckdb.RegisterScalarUDF(conn, idHashSQL, &idHashUDF{}); err != nil {
		return fmt.Errorf("register %s: %w", idHashSQL, err)
	}
	return nil
}

// Positions of the base columns in a model table row.
const (
	colID = iota
	colIDHash
	colVersion
	colEnvironment
	colTS
	colPredLabel
	colPredScore
	colPredValue
	colActualLabel
	colActualValue
	colActualMS
	colText
	colEmbedding
)

// arrowTypes are the Arrow types of the base columns, in table order.
var arrowTypes = []arrow.DataType{
	colID: arrow.BinaryTypes.String, colIDHash: arrow.PrimitiveTypes.Uint64,
	colVersion: arrow.BinaryTypes.String, colEnvironment: arrow.BinaryTypes.String,
	colTS: arrow.PrimitiveTypes.Int64, colPredLabel: arrow.BinaryTypes.String,
	colPredScore: arrow.PrimitiveTypes.Float64, colPredValue: arrow.PrimitiveTypes.Float64,
	colActualLabel: arrow.BinaryTypes.String, colActualValue: arrow.PrimitiveTypes.Float64,
	colActualMS: arrow.PrimitiveTypes.Int64, colText: arrow.BinaryTypes.String,
	colEmbedding: arrow.ListOf(arrow.PrimitiveTypes.Float32),
}

// buildInference converts a model's inference records into Arrow columns:
// the base columns, then one per field that has a kind. slots lists the
// field of each record's features and tags, in record order.
func (pm *preparedModel) buildInference(recs []*store.Record, slots []int32) (arrow.RecordBatch, []uint64) {
	fields := make([]arrow.Field, 0, len(baseColumns)+len(pm.fields))
	for i, c := range baseColumns {
		fields = append(fields, arrow.Field{Name: c.name, Type: arrowTypes[i], Nullable: true})
	}
	for i := range pm.fields {
		f := &pm.fields[i]
		var typ arrow.DataType
		switch f.typ() {
		case store.Numeric:
			typ = arrow.PrimitiveTypes.Float64
		case store.Categorical:
			typ = arrow.BinaryTypes.String
		default:
			continue
		}
		f.column = len(fields)
		fields = append(fields, arrow.Field{Name: fmt.Sprintf("field_%d", i), Type: typ, Nullable: true})
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer b.Release()
	b.Reserve(len(recs))
	id := b.Field(colID).(*array.StringBuilder)
	idh := b.Field(colIDHash).(*array.Uint64Builder)
	version := b.Field(colVersion).(*array.StringBuilder)
	env := b.Field(colEnvironment).(*array.StringBuilder)
	ts := b.Field(colTS).(*array.Int64Builder)
	predLabel := b.Field(colPredLabel).(*array.StringBuilder)
	predScore := b.Field(colPredScore).(*array.Float64Builder)
	predValue := b.Field(colPredValue).(*array.Float64Builder)
	actLabel := b.Field(colActualLabel).(*array.StringBuilder)
	actValue := b.Field(colActualValue).(*array.Float64Builder)
	actMS := b.Field(colActualMS).(*array.Int64Builder)
	text := b.Field(colText).(*array.StringBuilder)
	emb := b.Field(colEmbedding).(*array.ListBuilder)
	embValues := emb.ValueBuilder().(*array.Float32Builder)

	// Field columns: a record that gives a field no value (or a second one)
	// leaves its column to the null filled in after the record.
	nums := make([]*array.Float64Builder, len(fields))
	strs := make([]*array.StringBuilder, len(fields))
	for i := len(baseColumns); i < len(fields); i++ {
		switch fb := b.Field(i).(type) {
		case *array.Float64Builder:
			nums[i] = fb
		case *array.StringBuilder:
			strs[i] = fb
		}
	}
	// set[c] is the last row (1-based) that gave column c a value.
	set := make([]int, len(fields))
	hashes := make([]uint64, len(recs))

	next := 0
	for row, r := range recs {
		hashes[row] = idHash(r.ID)
		id.Append(r.ID)
		idh.Append(hashes[row])
		version.Append(r.Version)
		env.Append(r.Environment)
		ts.Append(r.Time.UnixMilli())
		appendString(predLabel, r.Prediction.Label, r.Prediction.HasLabel)
		appendFloat(predScore, r.Prediction.Score, r.Prediction.HasScore)
		appendFloat(predValue, r.Prediction.Value, r.Prediction.HasValue)
		if r.Actual.IsZero() {
			actLabel.AppendNull()
			actValue.AppendNull()
			actMS.AppendNull()
		} else {
			appendString(actLabel, r.Actual.Label, r.Actual.HasLabel)
			appendFloat(actValue, r.Actual.Value, r.Actual.HasValue)
			at := r.ActualTime
			if at.IsZero() {
				at = r.Time
			}
			actMS.Append(at.UnixMilli())
		}
		appendString(text, r.Text, r.Text != "")
		if len(r.Embedding) > 0 {
			emb.Append(true)
			embValues.AppendValues(r.Embedding, nil)
		} else {
			emb.AppendNull()
		}

		stamp := row + 1
		for k := range r.Features {
			c := pm.fields[slots[next]].column
			next++
			v := &r.Features[k].Value
			if c < 0 || v.Kind == store.Missing || set[c] == stamp {
				continue
			}
			switch {
			case v.Kind == store.Numeric && nums[c] != nil:
				nums[c].Append(v.Num)
			case v.Kind == store.Categorical && strs[c] != nil:
				strs[c].Append(v.Str)
			default:
				continue // the other kind: the batch is rejected when stored
			}
			set[c] = stamp
		}
		for k := range r.Tags {
			c := pm.fields[slots[next]].column
			next++
			t := &r.Tags[k]
			if c < 0 || !t.Set || set[c] == stamp {
				continue
			}
			strs[c].Append(t.Value)
			set[c] = stamp
		}
		for c := len(baseColumns); c < len(fields); c++ {
			if set[c] == stamp {
				continue
			}
			if nums[c] != nil {
				nums[c].AppendNull()
			} else {
				strs[c].AppendNull()
			}
		}
	}
	return b.NewRecordBatch(), hashes
}

// actualColumns are the columns of a batch's actuals, as staged for storing.
var actualColumns = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.BinaryTypes.String},
	{Name: "idh", Type: arrow.PrimitiveTypes.Uint64},
	{Name: "actual_label", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "actual_value", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "actual_ms", Type: arrow.PrimitiveTypes.Int64},
}, nil)

// buildActuals converts actual-only records into Arrow columns; an actual
// without a time of its own is dated now.
func buildActuals(recs []*store.Record, now time.Time) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, actualColumns)
	defer b.Release()
	b.Reserve(len(recs))
	id := b.Field(0).(*array.StringBuilder)
	idh := b.Field(1).(*array.Uint64Builder)
	label := b.Field(2).(*array.StringBuilder)
	value := b.Field(3).(*array.Float64Builder)
	ms := b.Field(4).(*array.Int64Builder)
	for _, r := range recs {
		id.Append(r.ID)
		idh.Append(idHash(r.ID))
		appendString(label, r.Actual.Label, r.Actual.HasLabel)
		appendFloat(value, r.Actual.Value, r.Actual.HasValue)
		at := r.ActualTime
		if at.IsZero() {
			at = now
		}
		ms.Append(at.UnixMilli())
	}
	return b.NewRecordBatch()
}

func appendString(b *array.StringBuilder, v string, ok bool) {
	if ok {
		b.Append(v)
	} else {
		b.AppendNull()
	}
}

func appendFloat(b *array.Float64Builder, v float64, ok bool) {
	if ok {
		b.Append(v)
	} else {
		b.AppendNull()
	}
}
