package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-mlobs/vigil/pkg/ingest"
	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/duckdb"
)

// bulkMemoryLimit is DuckDB's memory limit for bulk loads: with the Go heap
// limit below, the id filters and the batches being read, prepared and
// stored, it keeps a 10M-inference load under 1 GiB (scripts/bench-ingest.sh
// 12: peak 824 MiB at 256MB, 1007 MiB at 320MB, which was no faster).
const bulkMemoryLimit = "256MB"

// limitGoHeap makes the garbage collector keep the Go heap of a bulk load
// small, so the process (Go heap plus DuckDB's buffer pool) stays under 1 GiB.
// A GOMEMLIMIT set by the user wins.
func limitGoHeap() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(384 << 20)
	}
}

type ingestFlags struct {
	db, grafana, token, datasource, format string
	store                                  string
	batch                                  int
	mapping                                ingest.Mapping
	csv                                    ingest.CSVOptions
	features, tags, categorical, nulls     listFlag
	columns                                listFlag
	labelMap, delimiter, memory            string
	noTrim, rowByRow                       bool
	ndjson                                 ingest.NDJSONDefaults
	// progressOut receives the progress of each file (stderr).
	progressOut io.Writer
}

// columnFlags are the mapping flags about columns (CSV and Parquet only).
// The others apply to NDJSON too: --model, --version, --environment and
// --timestamp as defaults for records that lack the field, --label-map to the
// records' labels.
var columnFlags = []string{"model-col", "version-col", "environment-col", "id-col", "timestamp-col", "timestamp-unit",
	"prediction-label-col", "prediction-score-col", "prediction-value-col", "actual-label-col", "actual-value-col",
	"embedding-col", "text-col", "feature-cols", "tag-cols", "categorical-cols", "null-values", "columns",
	"skip-lines", "delimiter", "no-trim"}

// checkNDJSONFlags refuses column flags on NDJSON input, where they would be
// ignored.
func checkNDJSONFlags(set map[string]bool) error {
	for _, name := range columnFlags {
		if set[name] {
			return usagef("--%s is about CSV or Parquet columns and does not apply to NDJSON, whose records name their fields; "+
				"with NDJSON, --model, --version, --environment and --timestamp are defaults for records that lack the field, and --label-map maps labels", name)
		}
	}
	return nil
}

func runIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f ingestFlags
	fs := newFlags("ingest", stderr)
	fs.StringVar(&f.db, "db", "", "DuckDB file to write (when no process holds it)")
	fs.StringVar(&f.store, "store", "", storeFlagHelp)
	fs.StringVar(&f.grafana, "grafana", "", "Grafana URL: send batches through the datasource's resource API")
	fs.StringVar(&f.token, "token", "", "Grafana service account token (with --grafana)")
	fs.StringVar(&f.datasource, "datasource", "", "datasource UID (with --grafana)")
	fs.StringVar(&f.format, "format", "", "ndjson, csv or parquet (default: from the file extension)")
	fs.IntVar(&f.batch, "batch", ingest.DefaultLimits.BatchRecords, "records per batch (each batch is all-or-nothing; a Parquet or CSV file DuckDB loads with --db is one batch)")
	fs.StringVar(&f.memory, "memory-limit", bulkMemoryLimit, "DuckDB's memory limit (with --db)")
	m := &f.mapping
	fs.StringVar(&m.Model, "model", "", "model name for every row (CSV/Parquet); for NDJSON records without one")
	fs.StringVar(&m.ModelCol, "model-col", "", "column holding the model name")
	fs.StringVar(&m.Version, "version", "", "model version for every row; for NDJSON records without one")
	fs.StringVar(&m.VersionCol, "version-col", "", "column holding the version")
	fs.StringVar(&m.Environment, "environment", "", "environment for every row (default production); for NDJSON records without one")
	fs.StringVar(&m.EnvironmentCol, "environment-col", "", "column holding the environment")
	fs.StringVar(&m.IDCol, "id-col", "", "column holding the record id (default: FILE:ROW)")
	fs.StringVar(&m.Timestamp, "timestamp", "", "RFC 3339 time for every row; for NDJSON records without one")
	fs.StringVar(&m.TimestampCol, "timestamp-col", "", "time column, or DATECOL+HOURCOL")
	fs.StringVar(&m.TimestampUnit, "timestamp-unit", "", "unit of numeric time columns: s or ms (default ms)")
	fs.StringVar(&m.PredictionLabelCol, "prediction-label-col", "", "predicted class label column")
	fs.StringVar(&m.PredictionScoreCol, "prediction-score-col", "", "predicted score (probability of the positive class) column")
	fs.StringVar(&m.PredictionValueCol, "prediction-value-col", "", "predicted value column (regression)")
	fs.StringVar(&m.ActualLabelCol, "actual-label-col", "", "actual class label column")
	fs.StringVar(&m.ActualValueCol, "actual-value-col", "", "actual value column (regression)")
	fs.StringVar(&m.EmbeddingCol, "embedding-col", "", "embedding column (a JSON list in CSV)")
	fs.StringVar(&m.TextCol, "text-col", "", "raw input text column")
	fs.Var(&f.features, "feature-cols", "feature columns, comma-separated (default: every column not mapped otherwise)")
	fs.Var(&f.tags, "tag-cols", "tag columns, comma-separated")
	fs.Var(&f.categorical, "categorical-cols", "columns to read as categorical even when numeric")
	fs.IntVar(&m.InferRows, "infer-rows", ingest.DefaultInferRows, "CSV rows that decide which columns are numeric (a column mixing numbers and text there is an error)")
	fs.Var(&f.nulls, "null-values", "cell texts that mean missing, comma-separated (the empty cell always does)")
	fs.StringVar(&f.labelMap, "label-map", "", `JSON object rewriting labels, e.g. {">50K.":">50K"}`)
	fs.Var(&f.columns, "columns", "column names of a CSV file without a header row")
	fs.IntVar(&f.csv.SkipLines, "skip-lines", 0, "lines to skip before the header or first row (CSV)")
	fs.StringVar(&f.delimiter, "delimiter", ",", "CSV field separator")
	fs.BoolVar(&f.noTrim, "no-trim", false, "keep spaces around CSV cells")
	fs.BoolVar(&f.rowByRow, "row-by-row", false, "with --db, read Parquet and CSV files row by row in batches of --batch records, not whole through DuckDB's readers")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	files := fs.Args()
	if len(files) == 0 {
		return usagef("no input files (give one or more FILEs)")
	}
	target, err := parseStoreTarget(f.db, f.store)
	if err != nil {
		return err
	}
	if target.empty() == (f.grafana == "") {
		return usagef("give exactly one of --db FILE, --store URL or --grafana URL")
	}
	if f.grafana != "" && (f.token == "" || f.datasource == "") {
		return usagef("--grafana needs --token and --datasource")
	}
	if f.batch <= 0 {
		return usagef("--batch must be positive")
	}
	if m.InferRows <= 0 {
		return usagef("--infer-rows must be positive")
	}
	m.FeatureCols, m.TagCols, m.CategoricalCols, m.NullValues = f.features, f.tags, f.categorical, f.nulls
	if f.labelMap != "" {
		if err := json.Unmarshal([]byte(f.labelMap), &m.LabelMap); err != nil {
			return usagef("--label-map: must be a JSON object of strings: %v", err)
		}
	}
	r, size := utf8.DecodeRuneInString(f.delimiter)
	if size != len(f.delimiter) || r == utf8.RuneError {
		return usagef("--delimiter must be one character")
	}
	f.csv.Delimiter, f.csv.Columns, f.csv.Trim = r, f.columns, !f.noTrim

	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	for _, path := range files {
		format, err := formatOf(path, f.format)
		if err != nil {
			return err
		}
		if format == "ndjson" {
			if err := checkNDJSONFlags(set); err != nil {
				return err
			}
		}
	}
	if f.mapping.Timestamp != "" {
		t, err := ingest.ParseTime(f.mapping.Timestamp)
		if err != nil {
			return usagef("--timestamp: %v", err)
		}
		f.ndjson.Timestamp = t
	}
	f.ndjson.Model, f.ndjson.Version, f.ndjson.Environment, f.ndjson.LabelMap = m.Model, m.Version, m.Environment, m.LabelMap
	limitGoHeap()
	var sink batchSink
	if target.ch != nil {
		st, err := target.openClickHouse(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		sink = &genericSink{st: st}
	} else if target.duckPath != "" {
		st, err := duckdb.Open(ctx, duckdb.Options{Path: target.duckPath, MemoryLimit: f.memory, BulkLoad: true, FilterIDs: true})
		if err != nil {
			return err
		}
		defer st.Close()
		sink = &storeSink{st: st}
		if m.Model != "" {
			// CSV columns whose kind differs from the catalog's are refused
			// with the values at fault before any row is stored.
			m.CatalogKind = func(name string) store.Kind {
				if sch, err := st.Schema(ctx, m.Model); err == nil {
					if fi, ok := sch.Feature(name); ok {
						return fi.Type
					}
				}
				return store.Missing
			}
		}
	} else {
		sink = &grafanaSink{base: strings.TrimRight(f.grafana, "/"), token: f.token, uid: f.datasource, client: &http.Client{Timeout: 5 * time.Minute}}
	}
	lim := ingest.DefaultLimits
	lim.BatchRecords = f.batch
	f.progressOut = stderr
	var total store.IngestResult
	for _, path := range files {
		if ss, ok := sink.(*storeSink); ok && !f.rowByRow {
			if format, _ := formatOf(path, f.format); format == "parquet" || format == "csv" {
				res, err := bulkFile(ctx, ss.st, path, format, f, lim)
				if err == nil {
					add(&total, res)
					fmt.Fprintf(stdout, "%s: %s\n", path, describe(res))
					continue
				}
				if !errors.Is(err, duckdb.ErrBulkUnsupported) {
					return fmt.Errorf("%s: %w", path, err)
				}
				fmt.Fprintf(stderr, "%s: reading row by row (%v)\n", path, err)
			}
		}
		res, err := ingestFile(ctx, path, f, lim, sink)
		add(&total, res)
		if err != nil {
			fmt.Fprintf(stdout, "%s: %s before the error\n", path, describe(res))
			return fmt.Errorf("%s: %w", path, err)
		}
		fmt.Fprintf(stdout, "%s: %s\n", path, describe(res))
	}
	if len(files) > 1 {
		fmt.Fprintf(stdout, "total: %s\n", describe(total))
	}
	return nil
}

func add(total *store.IngestResult, r store.IngestResult) {
	total.Inferences += r.Inferences
	total.Duplicates += r.Duplicates
	total.Actuals += r.Actuals
	total.PendingActuals += r.PendingActuals
}

func describe(r store.IngestResult) string {
	return fmt.Sprintf("%d records accepted (%d new inferences, %d duplicates ignored, %d actuals attached, %d actuals waiting for their inference)",
		r.Inferences+r.Duplicates+r.Actuals+r.PendingActuals, r.Inferences, r.Duplicates, r.Actuals, r.PendingActuals)
}

func formatOf(path, flagValue string) (string, error) {
	if flagValue != "" {
		switch flagValue {
		case "ndjson", "csv", "parquet":
			return flagValue, nil
		}
		return "", usagef("--format %q: must be ndjson, csv or parquet", flagValue)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".ndjson", ".jsonl", ".json":
		return "ndjson", nil
	case ".csv", ".tsv", ".data", ".test", ".txt":
		return "csv", nil
	case ".parquet", ".pq":
		return "parquet", nil
	}
	return "", usagef("%s: cannot tell the format from the extension; give --format ndjson|csv|parquet", path)
}

func ingestFile(ctx context.Context, path string, f ingestFlags, lim ingest.Limits, sink batchSink) (res store.IngestResult, err error) {
	format, err := formatOf(path, f.format)
	if err != nil {
		return res, err
	}
	file, err := os.Open(path)
	if err != nil {
		return res, err
	}
	defer file.Close()
	size := int64(0)
	if st, err := file.Stat(); err == nil {
		size = st.Size()
	}
	read := &countingReader{r: file}
	readAt := &countingReaderAt{r: file}
	prog := newProgress(f.progressOut, path, func() float64 {
		if size == 0 {
			return 0
		}
		return float64(read.n.Load()+readAt.n.Load()) / float64(size)
	})
	defer func() { prog.finish(err) }()
	// The file is read and the next batch prepared while the previous batch is stored.
	pipe := startJobPipeline(ctx, &res)
	emit := func(ctx context.Context, batch []store.Record) error {
		return pipe.emit(ctx, countedJob(sink.prepare(batch), prog, len(batch)))
	}
	m := f.mapping
	if m.IDPrefix == "" {
		m.IDPrefix = filepath.Base(path)
	}
	switch format {
	case "ndjson":
		_, err = ingest.ReadNDJSONWith(ctx, bufio.NewReaderSize(read, 1<<20), lim, f.ndjson, emit)
	case "csv":
		_, err = ingest.ReadCSV(ctx, bufio.NewReaderSize(read, 1<<20), f.csv, m, lim, emit)
	case "parquet":
		st, serr := file.Stat()
		if serr != nil {
			_ = pipe.wait()
			return res, serr
		}
		_, err = ingest.ReadParquet(ctx, readAt, st.Size(), m, lim, emit)
	}
	if werr := pipe.wait(); werr != nil {
		err = werr
	}
	return res, err
}

// batchSink stores batches: directly in the file, or through Grafana.
type batchSink interface {
	// prepare readies a batch in the reader's goroutine (the batch may be
	// reused once it returns); the job it returns stores it.
	prepare(batch []store.Record) storeJob
}

type storeSink struct{ st *duckdb.Store }

func (s *storeSink) prepare(batch []store.Record) storeJob {
	return prepareForStore(s.st, batch, store.IngestOptions{})
}

// grafanaSink posts NDJSON batches to the datasource's ingest route, with an
// idempotency key derived from the batch so a retried batch is a no-op.
type grafanaSink struct {
	base, token, uid string
	client           *http.Client
}

// prepare encodes the batch; the job posts it.
func (g *grafanaSink) prepare(batch []store.Record) storeJob {
	var body bytes.Buffer
	if err := ingest.WriteNDJSON(&body, batch); err != nil {
		return func(context.Context) (store.IngestResult, error) {
			return store.IngestResult{}, fmt.Errorf("encode batch: %w", err)
		}
	}
	return func(ctx context.Context) (store.IngestResult, error) { return g.send(ctx, body) }
}

func (g *grafanaSink) send(ctx context.Context, body bytes.Buffer) (store.IngestResult, error) {
	var res store.IngestResult
	sum := sha256.Sum256(body.Bytes())
	key := hex.EncodeToString(sum[:16])
	endpoint := g.base + "/api/datasources/uid/" + url.PathEscape(g.uid) + "/resources/ingest"
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body.Bytes()))
		if err != nil {
			return res, err
		}
		req.Header.Set("Authorization", "Bearer "+g.token)
		req.Header.Set("Content-Type", "application/x-ndjson")
		req.Header.Set("Idempotency-Key", key)
		resp, err := g.client.Do(req)
		if err != nil {
			return res, fmt.Errorf("send batch to %s: %w", g.base, err)
		}
		payload, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		_ = resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests && attempt < 10 {
			wait := 2 * time.Second
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
				wait = time.Duration(s) * time.Second
			}
			select {
			case <-time.After(wait):
				continue
			case <-ctx.Done():
				return res, ctx.Err()
			}
		}
		if resp.StatusCode != http.StatusOK {
			return res, fmt.Errorf("Grafana answered %s: %s", resp.Status, strings.TrimSpace(string(payload)))
		}
		var out struct {
			Inferences, Duplicates, Actuals, PendingActuals int
		}
		if err := json.Unmarshal(payload, &out); err != nil {
			return res, errors.New("unexpected answer from the ingest route: " + strings.TrimSpace(string(payload)))
		}
		return store.IngestResult{Inferences: out.Inferences, Duplicates: out.Duplicates, Actuals: out.Actuals, PendingActuals: out.PendingActuals}, nil
	}
}

// bulkFile loads a Parquet or CSV file through DuckDB's own reader as one
// all-or-nothing batch (duckdb.Store.BulkLoad). It returns an error wrapping
// duckdb.ErrBulkUnsupported, with nothing written, when the mapping or the
// file needs the row reader: --model-col, --embedding-col, --text-col,
// --label-map, a DATECOL+HOURCOL time, column types or cells it does not
// map, or a row failing a check (the row reader then names the row and the
// column).
func bulkFile(ctx context.Context, st *duckdb.Store, path, format string, f ingestFlags, lim ingest.Limits) (store.IngestResult, error) {
	m := f.mapping
	unsupported := func(why string) (store.IngestResult, error) {
		return store.IngestResult{}, fmt.Errorf("%w: %s", duckdb.ErrBulkUnsupported, why)
	}
	switch {
	case m.ModelCol != "":
		return unsupported("--model-col")
	case m.EmbeddingCol != "" || m.TextCol != "":
		return unsupported("--embedding-col or --text-col")
	case len(m.LabelMap) > 0:
		return unsupported("--label-map")
	}
	var cols []string
	var layout *duckdb.CSVLayout
	var err error
	if format == "csv" {
		if cols, err = csvColumns(path, f.csv); err != nil {
			return unsupported(err.Error())
		}
		layout = &duckdb.CSVLayout{
			Columns: cols, Header: len(f.csv.Columns) == 0, SkipLines: f.csv.SkipLines, Delimiter: f.csv.Delimiter, Trim: f.csv.Trim,
			Nulls: m.NullValues, InferRows: m.InferRows, MaxLineBytes: lim.MaxLineBytes,
		}
	} else if cols, err = st.ParquetColumns(ctx, path); err != nil {
		return unsupported(fmt.Sprintf("DuckDB cannot read the file: %v", err))
	}
	c, err := m.Columns(cols)
	if err != nil {
		return unsupported(err.Error())
	}
	if c.Hour != "" {
		return unsupported("a DATECOL+HOURCOL time")
	}
	prefix := m.IDPrefix
	if prefix == "" {
		prefix = filepath.Base(path)
	}
	return st.BulkLoad(ctx, duckdb.BulkSource{
		Path: path, CSV: layout, Model: m.Model,
		Version: m.Version, VersionCol: c.Version, Environment: m.Environment, EnvironmentCol: c.Environment,
		IDCol: c.ID, IDPrefix: prefix, Time: c.ConstTime, TimeCol: c.Time, TimeUnitMS: c.TimeUnitMS,
		PredLabelCol: c.PredLabel, PredScoreCol: c.PredScore, PredValueCol: c.PredValue,
		ActLabelCol: c.ActLabel, ActValueCol: c.ActValue,
		Features: c.Features, Tags: c.Tags, Categorical: m.CategoricalCols, MaxNameBytes: lim.MaxNameBytes,
	})
}

// csvColumns returns a CSV file's column names as the row reader reads them.
func csvColumns(path string, opts ingest.CSVOptions) ([]string, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	return ingest.CSVColumns(bufio.NewReader(file), opts)
}
