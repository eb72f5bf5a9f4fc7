package plugin

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vigil-mlobs/vigil/pkg/engine"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// Export limits.
const (
	// DefaultExportRows is the row limit of an export that names none.
	DefaultExportRows = 10_000
	// MaxExportRows is the largest row limit an export may ask for.
	MaxExportRows = 100_000
	// maxExportBody bounds the request body (MaxExportRows ids fit easily).
	maxExportBody = 16 << 20
)

// MissingIDsHeader carries, in an export by ids, how many of the requested
// ids are not stored (0 when all were found); the body holds the found ones.
const MissingIDsHeader = "X-Vigil-Missing-Ids"

// exportRequest is the body of POST export.
type exportRequest struct {
	// Model and IDs select records by id…
	Model string   `json:"model"`
	IDs   []string `json:"ids"`
	// …or Query selects them: an embeddings query (its sampled points, with
	// their novelty cluster) or a scope without queryType (every record of
	// model, versions, environment, from, to and filters). from and to are
	// RFC 3339, epoch milliseconds, "now" or "now-7d".
	Query json.RawMessage `json:"query"`
	// Format is csv (the default) or ndjson.
	Format string `json:"format"`
	// Limit bounds the rows (default DefaultExportRows, at most MaxExportRows);
	// a cohort past it is refused with 400, never cut short.
	Limit int `json:"limit"`
	// Set picks the points of an embeddings query: current (the default),
	// reference or all. Cluster, when set, keeps the points of that cluster.
	Set     string `json:"set"`
	Cluster string `json:"cluster"`
	// Raw keeps CSV cells exactly as stored; by default a cell that a
	// spreadsheet would read as a formula is neutralised (see neutralise).
	// NDJSON is never changed, so raw applies to CSV only.
	Raw bool `json:"raw"`
}

// exportRow is one exported record.
type exportRow struct {
	ID          string  `json:"id"`
	Time        string  `json:"time"`
	Version     string  `json:"version"`
	Environment string  `json:"environment"`
	Text        string  `json:"text"`
	Prediction  *string `json:"prediction"`
	Actual      *string `json:"actual"`
	Cluster     *string `json:"cluster,omitempty"`
	Set         string  `json:"set,omitempty"`
}

type exportError struct {
	status int
	msg    string
}

func (e *exportError) Error() string { return e.msg }

func badExport(format string, args ...any) error {
	return &exportError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// handleExport answers POST export: a cohort ready for a labeling tool.
//
// Body: {"model": M, "ids": [...]} or {"query": {...}}, with "format" (csv or
// ndjson), "limit", and for embeddings queries "set" and "cluster".
// Response: CSV (RFC 4180: a header row, fields quoted when they hold a comma,
// quote or line break, quotes doubled, CRLF line ends; Content-Type text/csv)
// or NDJSON (one JSON object per line; Content-Type application/x-ndjson).
// Columns: id, time (RFC 3339 UTC, milliseconds), version, environment, text,
// prediction (label, else value), actual (empty or null when unknown), and
// cluster when the query was an embeddings query (its novelty cluster, empty
// for points in none), and set ("reference" or "current") when set is all. An
// export by ids sets X-Vigil-Missing-Ids to the number of requested ids that
// are not stored. CSV cells are neutralised against formula injection unless
// "raw" is true (see neutralise); NDJSON is written as stored. Any Grafana
// user may export: it only reads.
func (d *Datasource) handleExport(w http.ResponseWriter, r *http.Request) {
	if r.Body == nil {
		r.Body = http.NoBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxExportBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "the body is larger than the limit of %d bytes", int64(maxExportBody))
			return
		}
		writeError(w, http.StatusBadRequest, "read body: %v", err)
		return
	}
	rows, withCluster, missing, req, err := d.exportRows(r, body)
	if err != nil {
		var ee *exportError
		var qe *models.QueryError
		var big *engine.CohortTooLargeError
		switch {
		case errors.Is(err, store.ErrUnknownModel):
			writeError(w, http.StatusNotFound, "%v", err)
		case errors.As(err, &ee):
			writeError(w, ee.status, "%s", ee.msg)
		case errors.As(err, &qe), errors.As(err, &big):
			writeError(w, http.StatusBadRequest, "%v", err)
		default:
			backend.Logger.Error("export failed", "error", err)
			writeError(w, http.StatusInternalServerError, "export: %v", err)
		}
		return
	}
	var out bytes.Buffer
	switch req.Format {
	case "csv":
		err = writeCSV(&out, rows, withCluster, !req.Raw)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="vigil-export.csv"`)
	default:
		err = writeNDJSON(&out, rows)
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.Header().Set("Content-Disposition", `attachment; filename="vigil-export.ndjson"`)
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "export: %v", err)
		return
	}
	if missing >= 0 {
		w.Header().Set(MissingIDsHeader, strconv.Itoa(missing))
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out.Bytes())
}

// exportRows resolves the request into rows; missing is −1 unless ids were given.
func (d *Datasource) exportRows(r *http.Request, body []byte) (rows []exportRow, withCluster bool, missing int, req exportRequest, err error) {
	missing = -1
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, false, missing, req, badExport("the body must be a JSON object with model and ids, or query (and format, limit, set, cluster): %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false, missing, req, badExport("the body must hold one JSON object; there is more after it (at byte %d)", dec.InputOffset())
	}
	if err := checkExportKeys(body); err != nil {
		return nil, false, missing, req, err
	}
	switch req.Format {
	case "":
		req.Format = "csv"
	case "csv", "ndjson":
	default:
		return nil, false, missing, req, badExport("format %q: must be csv or ndjson", req.Format)
	}
	if req.Raw && req.Format != "csv" {
		return nil, false, missing, req, badExport("raw applies to CSV only: NDJSON is always written as stored")
	}
	switch {
	case req.Limit < 0:
		return nil, false, missing, req, badExport("limit %d: must not be negative", req.Limit)
	case req.Limit > MaxExportRows:
		return nil, false, missing, req, badExport("limit %d is more than the maximum of %d rows per export", req.Limit, MaxExportRows)
	case req.Limit == 0:
		req.Limit = DefaultExportRows
	}
	hasQuery := len(bytes.TrimSpace(req.Query)) > 0 && string(bytes.TrimSpace(req.Query)) != "null"
	switch {
	case hasQuery && (req.IDs != nil || req.Model != ""):
		return nil, false, missing, req, badExport("give either model and ids, or query, not both")
	case hasQuery:
		rows, withCluster, err = d.exportQuery(r, req)
		return rows, withCluster, missing, req, err
	case req.Model == "":
		return nil, false, missing, req, badExport("model is required with ids (or give a query)")
	case len(req.IDs) == 0:
		return nil, false, missing, req, badExport("ids must list at least one record id (or give a query)")
	case len(req.IDs) > req.Limit:
		return nil, false, missing, req, badExport("%d ids is more than the export limit of %d rows", len(req.IDs), req.Limit)
	case req.Set != "" || req.Cluster != "":
		return nil, false, missing, req, badExport("set and cluster apply to an embeddings query, not to ids")
	}
	recs, miss, err := d.engine.RecordsByID(r.Context(), req.Model, req.IDs)
	if err != nil {
		return nil, false, missing, req, err
	}
	for i := range recs {
		rows = append(rows, recordRow(&recs[i], ""))
	}
	return rows, false, len(miss), req, nil
}

// exportQuery reads an embeddings query's points or a scope's records.
func (d *Datasource) exportQuery(r *http.Request, req exportRequest) ([]exportRow, bool, error) {
	var head struct {
		QueryType string          `json:"queryType"`
		From      json.RawMessage `json:"from"`
		To        json.RawMessage `json:"to"`
	}
	if err := json.Unmarshal(req.Query, &head); err != nil {
		return nil, false, badExport("query: not a JSON object: %v", err)
	}
	now := time.Now().UTC()
	from, err := exportTime("query.from", head.From, now)
	if err != nil {
		return nil, false, err
	}
	to, err := exportTime("query.to", head.To, now)
	if err != nil {
		return nil, false, err
	}
	switch head.QueryType {
	case "", models.TypeEmbeddings:
	default:
		return nil, false, badExport("query: export takes an embeddings query, or a scope (model, versions, environment, from, to, filters) without queryType; got %q", head.QueryType)
	}
	parseReq := models.Request{JSON: req.Query, QueryType: models.TypeEmbeddings, From: from, To: to, ExtraKeys: []string{"from", "to"}}
	if head.QueryType == "" {
		// A scope: model, versions, environment, from, to and filters only.
		parseReq.OnlyOptions = []string{"filters"}
	}
	q, err := models.Parse(parseReq, models.Limits{MaxBuckets: d.settings.MaxBuckets})
	if err != nil {
		return nil, false, err
	}
	ctx := r.Context()
	if head.QueryType == "" {
		if req.Set != "" || req.Cluster != "" {
			return nil, false, badExport("set and cluster apply to an embeddings query (queryType embeddings)")
		}
		recs, err := d.engine.Cohort(ctx, q, req.Limit)
		if err != nil {
			return nil, false, err
		}
		rows := make([]exportRow, len(recs))
		for i := range recs {
			rows[i] = recordRow(&recs[i], "")
		}
		return rows, false, nil
	}
	switch req.Set {
	case "":
		req.Set = "current"
	case "current", "reference", "all":
	default:
		return nil, false, badExport("set %q: must be current, reference or all", req.Set)
	}
	s, err := d.engine.SampleEmbeddings(ctx, q)
	if err != nil {
		return nil, false, err
	}
	var rows []exportRow
	if req.Set != "current" && req.Cluster == "" {
		for i := range s.Reference {
			row := recordRow(&s.Reference[i], "reference")
			row.Cluster = new(string)
			rows = append(rows, row)
		}
	}
	if req.Set != "reference" {
		for i := range s.Current {
			label := s.ClusterLabel(i)
			if req.Cluster != "" && label != req.Cluster {
				continue
			}
			row := recordRow(&s.Current[i], "current")
			row.Cluster = &label
			rows = append(rows, row)
		}
	}
	if req.Set != "all" {
		for i := range rows {
			rows[i].Set = ""
		}
	}
	if len(rows) > req.Limit {
		return nil, false, badExport("the sample has %d points, more than the export limit of %d rows; lower currentLimit or referenceLimit, pick a cluster, or raise limit", len(rows), req.Limit)
	}
	return rows, true, nil
}

// exportTime reads query.from / query.to: a string as in query options, or
// epoch milliseconds as a number.
func exportTime(option string, raw json.RawMessage, now time.Time) (time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, badExport("%s is required (RFC 3339, epoch milliseconds, now or now-7d)", option)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var ms int64
		if err := json.Unmarshal(raw, &ms); err != nil {
			return time.Time{}, badExport("%s: %s is not a time", option, string(raw))
		}
		return time.UnixMilli(ms).UTC(), nil
	}
	t, err := models.ParseTime(strings.TrimSpace(s), now)
	if err != nil {
		return time.Time{}, badExport("%s: %v", option, err)
	}
	return t, nil
}

func recordRow(r *store.Record, set string) exportRow {
	row := exportRow{ID: r.ID, Time: r.Time.UTC().Format("2006-01-02T15:04:05.000Z07:00"), Version: r.Version,
		Environment: r.Environment, Text: r.Text, Set: set}
	if p := engine.OutcomeText(r.Prediction); !r.Prediction.IsZero() {
		row.Prediction = &p
	}
	if a := engine.OutcomeText(r.Actual); !r.Actual.IsZero() {
		row.Actual = &a
	}
	return row
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// neutralise guards a CSV cell against formula injection (OWASP, "CSV
// Injection"): a cell that begins with =, +, -, @, a tab or a carriage return
// is one a spreadsheet may run as a formula, so it gets a single quote in
// front, which makes the spreadsheet read it as text. A cell that already
// begins with a single quote gets one more, so the rule is reversible: remove
// one leading quote from a cell that has one to get the stored text back.
// Plain decimal numbers ("-1.5", "+3e-2") are left as they are: a spreadsheet
// reads them as numbers, never as formulas, and regression values stay numeric.
func neutralise(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', '\'':
		if s[0] != '\'' && isDecimal(s) {
			return s
		}
		return "'" + s
	}
	return s
}

// isDecimal reports whether s is a plain decimal number: an optional sign,
// digits with at most one point, an optional exponent. No spaces, no hex, no
// Inf or NaN.
func isDecimal(s string) bool {
	i := 0
	sign := func() {
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
	}
	digits := func() int {
		n := 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			n++
		}
		return n
	}
	sign()
	n := digits()
	if i < len(s) && s[i] == '.' {
		i++
		n += digits()
	}
	if n == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		sign()
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// writeCSV writes RFC 4180 CSV: a header, records ended by CRLF, a field
// quoted when it holds a comma, a quote, a line break or edge spaces, quotes
// doubled. Line breaks inside a field are kept as they are (encoding/csv's
// writer would turn \n into \r\n there, changing the text). With safe, every
// cell goes through neutralise first.
func writeCSV(w io.Writer, rows []exportRow, withCluster, safe bool) error {
	bw := bufio.NewWriter(w)
	record := func(fields []string) {
		for i, f := range fields {
			if i > 0 {
				bw.WriteByte(',')
			}
			if safe {
				f = neutralise(f)
			}
			if f == "" || !(strings.ContainsAny(f, ",\"\r\n") || f[0] == ' ' || f[len(f)-1] == ' ') {
				bw.WriteString(f)
				continue
			}
			bw.WriteByte('"')
			bw.WriteString(strings.ReplaceAll(f, `"`, `""`))
			bw.WriteByte('"')
		}
		bw.WriteString("\r\n")
	}
	header := []string{"id", "time", "version", "environment", "text", "prediction", "actual"}
	withSet := len(rows) > 0 && rows[0].Set != ""
	if withCluster {
		header = append(header, "cluster")
	}
	if withSet {
		header = append(header, "set")
	}
	record(header)
	for _, r := range rows {
		rec := []string{r.ID, r.Time, r.Version, r.Environment, r.Text, deref(r.Prediction), deref(r.Actual)}
		if withCluster {
			rec = append(rec, deref(r.Cluster))
		}
		if withSet {
			rec = append(rec, r.Set)
		}
		record(rec)
	}
	return bw.Flush()
}

// writeNDJSON writes one JSON object per line.
func writeNDJSON(w io.Writer, rows []exportRow) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

// exportKeys are the export body's keys, spelled exactly: Go's decoder
// matches keys regardless of case, so "Raw" would otherwise pass as raw.
var exportKeys = func() []string {
	t := reflect.TypeOf(exportRequest{})
	keys := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	return keys
}()

// checkExportKeys refuses a key of the body's object that is not spelled as
// one of exportKeys, naming the key it resembles.
func checkExportKeys(body []byte) error {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return nil // the typed decode has accepted it; nothing more to name
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if slices.Contains(exportKeys, k) {
			continue
		}
		if s := models.Closest(k, exportKeys); s != "" {
			return badExport("the body's key %q is not an export option; did you mean %q?", k, s)
		}
		return badExport("the body's key %q is not an export option; the options are %s", k, strings.Join(exportKeys, ", "))
	}
	return nil
}
