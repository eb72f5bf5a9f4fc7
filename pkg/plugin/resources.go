package plugin

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"

	"github.com/vigil-mlobs/vigil/pkg/ingest"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// routes is the exact table of resource routes; no path is built from input.
func (d *Datasource) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /models", d.handleModels)
	mux.HandleFunc("GET /models/{model}/features", d.handleFeatures)
	mux.HandleFunc("GET /models/{model}/versions", d.handleVersions)
	mux.HandleFunc("GET /models/{model}/values", d.handleValues)
	mux.HandleFunc("POST /ingest", d.handleIngest)
	mux.HandleFunc("POST /export", d.handleExport)
	return mux
}

type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, apiError{Error: fmt.Sprintf(format, args...)})
}

type modelSummary struct {
	Name         string   `json:"name"`
	Versions     []string `json:"versions"`
	Environments []string `json:"environments"`
	Records      int64    `json:"records"`
	EmbeddingDim int      `json:"embeddingDim"`
}

func (d *Datasource) handleModels(w http.ResponseWriter, r *http.Request) {
	inventory, err := d.store.Models(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, "list models: %v", err)
		return
	}
	out := make([]modelSummary, 0, len(inventory))
	for _, m := range inventory {
		s := modelSummary{Name: m.Name, EmbeddingDim: m.EmbeddingDim, Versions: []string{}, Environments: []string{}}
		seenV, seenE := map[string]bool{}, map[string]bool{}
		for _, v := range m.Versions {
			if !seenV[v.Version] {
				seenV[v.Version] = true
				s.Versions = append(s.Versions, v.Version)
			}
			if v.Environment != "" && !seenE[v.Environment] {
				seenE[v.Environment] = true
				s.Environments = append(s.Environments, v.Environment)
			}
			s.Records += v.Records
		}
		out = append(out, s)
	}
	writeJSON(w, http.StatusOK, out)
}

type fieldSummary struct {
	Name string `json:"name"`
	Ref  string `json:"ref"`
	Kind string `json:"kind"`
	Type string `json:"type"`
}

func (d *Datasource) handleFeatures(w http.ResponseWriter, r *http.Request) {
	sch, err := d.store.Schema(r.Context(), r.PathValue("model"))
	if errors.Is(err, store.ErrUnknownModel) {
		writeError(w, http.StatusNotFound, "%v", err)
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	out := []fieldSummary{}
	for _, f := range sch.Features {
		out = append(out, fieldSummary{Name: f.Name, Ref: "features." + f.Name, Kind: string(f.Kind), Type: f.Type.String()})
	}
	for _, f := range sch.Tags {
		out = append(out, fieldSummary{Name: f.Name, Ref: "tags." + f.Name, Kind: string(f.Kind), Type: f.Type.String()})
	}
	writeJSON(w, http.StatusOK, out)
}

type versionSummary struct {
	Version     string     `json:"version"`
	Environment string     `json:"environment"`
	Status      string     `json:"status,omitempty"`
	StatusSince *time.Time `json:"statusSince,omitempty"`
	FirstSeen   *time.Time `json:"firstSeen,omitempty"`
	LastSeen    *time.Time `json:"lastSeen,omitempty"`
	Records     int64      `json:"records"`
	Actuals     int64      `json:"actuals"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (d *Datasource) handleVersions(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("model")
	inventory, err := d.store.Models(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, "list versions: %v", err)
		return
	}
	for _, m := range inventory {
		if m.Name != name {
			continue
		}
		out := []versionSummary{}
		for _, v := range m.Versions {
			out = append(out, versionSummary{Version: v.Version, Environment: v.Environment, Status: string(v.Status),
				StatusSince: timePtr(v.StatusSetAt), FirstSeen: timePtr(v.FirstSeen), LastSeen: timePtr(v.LastSeen), Records: v.Records, Actuals: v.Actuals})
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	writeError(w, http.StatusNotFound, "model %q: %v", name, store.ErrUnknownModel)
}

// maxValues bounds the distinct values one values call returns.
const maxValues = 1000

type valueCount struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// handleValues lists the distinct values of a categorical field (for template
// variables and pickers): GET models/{model}/values?field=tags.sex, most
// frequent first, at most 1000.
func (d *Datasource) handleValues(w http.ResponseWriter, r *http.Request) {
	name, ref := r.PathValue("model"), r.URL.Query().Get("field")
	if ref == "" {
		writeError(w, http.StatusBadRequest, "the field parameter is required, e.g. ?field=tags.sex")
		return
	}
	values, err := d.engine.Values(r.Context(), name, ref, maxValues)
	var qe *models.QueryError
	switch {
	case errors.Is(err, store.ErrUnknownModel):
		writeError(w, http.StatusNotFound, "%v", err)
		return
	case errors.As(err, &qe):
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	case err != nil:
		writeError(w, http.StatusInternalServerError, "list values: %v", err)
		return
	}
	out := make([]valueCount, len(values))
	for i, v := range values {
		out[i] = valueCount{Value: v.Value, Count: v.Count}
	}
	writeJSON(w, http.StatusOK, out)
}

// canWrite reports whether the calling Grafana user may ingest: Editor or Admin.
func canWrite(ctx context.Context) bool {
	u := httpadapter.UserFromContext(ctx)
	if u == nil {
		return false
	}
	switch u.Role {
	case "Editor", "Admin":
		return true
	}
	return false
}

type ingestResponse struct {
	Inferences     int  `json:"inferences"`
	Duplicates     int  `json:"duplicates"`
	Actuals        int  `json:"actuals"`
	PendingActuals int  `json:"pendingActuals"`
	Replayed       bool `json:"replayed"`
}

// handleIngest stores one request body as one all-or-nothing batch. The body
// is NDJSON, or CSV / Parquet with the column mapping in the query string.
func (d *Datasource) handleIngest(w http.ResponseWriter, r *http.Request) {
	if !canWrite(r.Context()) {
		writeError(w, http.StatusForbidden, "ingesting records needs the Editor or Admin role")
		return
	}
	select {
	case d.ingestQ <- struct{}{}:
		defer func() { <-d.ingestQ }()
	default:
		w.Header().Set("Retry-After", "2")
		writeError(w, http.StatusTooManyRequests, "the ingest queue is full (%d batches waiting); retry after 2 seconds", cap(d.ingestQ))
		return
	}
	if r.Body == nil {
		r.Body = http.NoBody // the resource adapter sends an empty body as nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, d.settings.IngestMaxBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "the body is larger than the limit of %d bytes; send smaller batches", d.settings.IngestMaxBytes)
			return
		}
		writeError(w, http.StatusBadRequest, "read body: %v", err)
		return
	}
	batch, err := parseIngestBody(r, body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	if len(batch) == 0 {
		writeError(w, http.StatusBadRequest, "the body holds no records")
		return
	}
	res, err := d.store.Ingest(r.Context(), batch, store.IngestOptions{IdempotencyKey: r.Header.Get("Idempotency-Key")})
	if err != nil {
		var re *store.RecordError
		if errors.As(err, &re) {
			writeError(w, http.StatusBadRequest, "batch rejected, nothing stored: %v", err)
			return
		}
		backend.Logger.Error("ingest failed", "error", err)
		writeError(w, http.StatusInternalServerError, "batch not stored: %v", err)
		return
	}
	writeJSON(w, http.StatusOK, ingestResponse{Inferences: res.Inferences, Duplicates: res.Duplicates, Actuals: res.Actuals, PendingActuals: res.PendingActuals, Replayed: res.Replayed})
}

func parseIngestBody(r *http.Request, body []byte) ([]store.Record, error) {
	format := r.URL.Query().Get("format")
	if format == "" {
		ct := r.Header.Get("Content-Type")
		switch {
		case strings.Contains(ct, "csv"):
			format = "csv"
		case strings.Contains(ct, "parquet"):
			format = "parquet"
		default:
			format = "ndjson"
		}
	}
	lim := ingest.DefaultLimits
	// collect joins the readers' batches, so the whole body is one store batch.
	var batch []store.Record
	collect := func(_ context.Context, b []store.Record) error {
		batch = append(batch, b...)
		return nil
	}
	var err error
	switch format {
	case "ndjson":
		_, err = ingest.ReadNDJSON(r.Context(), bufio.NewReader(bytes.NewReader(body)), lim, collect)
	case "csv", "parquet":
		m, merr := mappingFromQuery(r)
		if merr != nil {
			return nil, merr
		}
		if format == "csv" {
			_, err = ingest.ReadCSV(r.Context(), bytes.NewReader(body), ingest.CSVOptions{Trim: true}, m, lim, collect)
		} else {
			_, err = ingest.ReadParquet(r.Context(), bytes.NewReader(body), int64(len(body)), m, lim, collect)
		}
	default:
		return nil, fmt.Errorf("format %q: must be ndjson, csv or parquet", format)
	}
	if err != nil {
		return nil, fmt.Errorf("batch rejected, nothing stored: %w", err)
	}
	return batch, nil
}

// mappingFromQuery reads the CSV / Parquet column mapping from query parameters
// named like the CLI flags (model, version, timestamp-col, feature-cols …).
func mappingFromQuery(r *http.Request) (ingest.Mapping, error) {
	q := r.URL.Query()
	list := func(k string) []string {
		var out []string
		for _, p := range strings.Split(q.Get(k), ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	m := ingest.Mapping{
		Model: q.Get("model"), ModelCol: q.Get("model-col"), Version: q.Get("version"), VersionCol: q.Get("version-col"),
		Environment: q.Get("environment"), EnvironmentCol: q.Get("environment-col"), IDCol: q.Get("id-col"), IDPrefix: q.Get("id-prefix"),
		Timestamp: q.Get("timestamp"), TimestampCol: q.Get("timestamp-col"), TimestampUnit: q.Get("timestamp-unit"),
		PredictionLabelCol: q.Get("prediction-label-col"), PredictionScoreCol: q.Get("prediction-score-col"), PredictionValueCol: q.Get("prediction-value-col"),
		ActualLabelCol: q.Get("actual-label-col"), ActualValueCol: q.Get("actual-value-col"),
		FeatureCols: list("feature-cols"), TagCols: list("tag-cols"), CategoricalCols: list("categorical-cols"),
		EmbeddingCol: q.Get("embedding-col"), TextCol: q.Get("text-col"), NullValues: list("null-values"),
	}
	if m.IDCol == "" && m.IDPrefix == "" {
		return m, errors.New("CSV and Parquet bodies need id-col or id-prefix, so a resent body never double-counts")
	}
	if lm := q.Get("label-map"); lm != "" {
		if err := json.Unmarshal([]byte(lm), &m.LabelMap); err != nil {
			return m, fmt.Errorf("label-map: must be a JSON object of strings: %v", err)
		}
	}
	return m, nil
}
