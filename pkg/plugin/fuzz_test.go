package plugin_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/plugin"
	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/duckdb"
)

// Fuzz targets of the resource routes (scripts/fuzz.sh runs them). Invariants:
// no panic and no 500 (a recovered panic answers 500); every answer has a
// status; every rejection is a JSON {"error": …} that says what was wrong;
// an accepted ingest, sent again with its idempotency key, is a no-op; an
// accepted CSV export holds the same records as the NDJSON export of the same
// request.

// fuzzDatasource is a datasource over an in-memory store holding model
// "reviews" (records with formula-like texts and embeddings).
func fuzzDatasource(f *testing.F) *plugin.Datasource {
	f.Helper()
	st, err := duckdb.Open(context.Background(), duckdb.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = st.Close() })
	var batch []store.Record
	for i := 0; i < 60; i++ {
		batch = append(batch, store.Record{Model: "reviews", ID: fmt.Sprintf("r-%02d", i), Version: "v1", Environment: []string{"training", "production"}[i%2],
			Time: exportT0.Add(time.Duration(i) * time.Minute), Embedding: exportVec(i%3, i), Text: []string{"fine", "=1+1", "-bad, \"quoted\"\nline", "@x"}[i%4],
			Features:   []store.Feature{{Name: "age", Value: store.Num(float64(20 + i%40))}, {Name: "region", Value: store.Str([]string{"north", "south"}[i%2])}},
			Tags:       []store.Tag{{Name: "channel", Value: "web", Set: true}},
			Prediction: store.Outcome{Label: []string{"pos", "neg"}[i%2], HasLabel: true, Score: 0.6, HasScore: true}})
	}
	if _, err := st.Ingest(context.Background(), batch, store.IngestOptions{Now: exportT0}); err != nil {
		f.Fatal(err)
	}
	return plugin.New(st, models.Settings{IngestMaxBytes: 1 << 20, MaxSampleSize: 500})
}

// callFuzz calls the handler in process, as Grafana's adapter would, and
// checks the invariants every answer keeps.
func callFuzz(t *testing.T, ds *plugin.Datasource, req *backend.CallResourceRequest) resourceResponse {
	t.Helper()
	var out resourceResponse
	err := ds.CallResource(context.Background(), req, collect(&out))
	if err != nil {
		t.Fatalf("CallResource %s %q: %v", req.Method, req.URL, err)
	}
	switch {
	case out.Status == 0:
		t.Fatalf("%s %q: no status", req.Method, req.URL)
	case out.Status >= 500:
		t.Fatalf("%s %q body %q: status %d %s", req.Method, req.URL, req.Body, out.Status, out.Body)
	case out.Status >= 400 && out.Status != http.StatusNotFound && out.Status != http.StatusMethodNotAllowed:
		var e struct{ Error string }
		if json.Unmarshal(out.Body, &e) != nil || e.Error == "" {
			t.Fatalf("%s %q: status %d without an error message: %q", req.Method, req.URL, out.Status, out.Body)
		}
	}
	return out
}

func fuzzRequest(method, url, role, contentType string, body []byte) *backend.CallResourceRequest {
	path, _, _ := strings.Cut(url, "?")
	pc := backend.PluginContext{OrgID: 1, PluginID: pluginID, DataSourceInstanceSettings: &backend.DataSourceInstanceSettings{UID: "fuzz"}}
	if role != "" {
		pc.User = &backend.User{Login: "fuzz", Role: role}
	}
	return &backend.CallResourceRequest{PluginContext: pc, Method: method, Path: path, URL: url, Body: body,
		Headers: map[string][]string{"Content-Type": {contentType}}}
}

// FuzzCallResource sends arbitrary methods, paths (with query strings), roles
// and bodies through CallResource.
func FuzzCallResource(f *testing.F) {
	ds := fuzzDatasource(f)
	nd := `{"model":"reviews","version":"v2","environment":"production","id":"n1","timestamp":"2026-07-01T02:00:00Z","features":{"age":30,"region":"east"},"prediction":{"label":"pos"}}`
	for _, s := range []struct{ method, url, role, ct, body string }{
		{"GET", "models", "Viewer", "", ""},
		{"GET", "models/reviews/features", "Viewer", "", ""},
		{"GET", "models/reviews/versions", "Viewer", "", ""},
		{"GET", "models/reviews/values?field=tags.channel", "Viewer", "", ""},
		{"GET", "models/reviews/values?field=features.age", "Viewer", "", ""},
		{"GET", "models/nope/values?field=", "Viewer", "", ""},
		{"POST", "ingest", "Editor", "application/x-ndjson", nd},
		{"POST", "ingest", "Viewer", "application/x-ndjson", nd},
		{"POST", "ingest?format=csv&model=reviews&id-col=id&timestamp-col=t&label-map=%7B%22a%22%3A%22b%22%7D", "Admin", "text/csv", "id,t,age\nc1,2026-07-01T03:00:00Z,41\n"},
		{"POST", "ingest?format=parquet&model=reviews&id-prefix=p", "Admin", "", "PAR1"},
		{"POST", "ingest?format=xml", "Admin", "", "<a/>"},
		{"POST", "export", "Viewer", "application/json", `{"model":"reviews","ids":["r-01","r-02"]}`},
		{"DELETE", "models", "Admin", "", ""},
		{"GET", "../../etc/passwd", "Admin", "", ""},
		{"GET", "models/%2e%2e/features", "Viewer", "", ""},
		{"GET", "models/reviews/features?%zz", "Viewer", "", ""},
		{"PUT", "ingest", "Editor", "", "{}"},
	} {
		f.Add(s.method, s.url, s.role, s.ct, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, method, url, role, contentType string, body []byte) {
		req := fuzzRequest(method, url, role, contentType, body)
		req.Headers["Idempotency-Key"] = []string{fmt.Sprintf("fuzz-%x", body)}
		out := callFuzz(t, ds, req)
		if out.Status != http.StatusOK || method != http.MethodPost || !strings.HasPrefix(req.Path, "ingest") {
			return
		}
		// An accepted batch sent again with its idempotency key changes nothing.
		before := callFuzz(t, ds, fuzzRequest(http.MethodGet, "models", "Viewer", "", nil))
		retry := callFuzz(t, ds, req)
		var again struct {
			Inferences, Duplicates, Actuals int
			Replayed                        bool
		}
		if err := json.Unmarshal(retry.Body, &again); err != nil || retry.Status != http.StatusOK || !again.Replayed || again.Inferences+again.Actuals != 0 {
			t.Fatalf("retried batch %q: status %d %s, want a replayed no-op after %s", body, retry.Status, retry.Body, out.Body)
		}
		if after := callFuzz(t, ds, fuzzRequest(http.MethodGet, "models", "Viewer", "", nil)); !bytes.Equal(before.Body, after.Body) {
			t.Fatalf("a retried batch changed the models:\n before %s\n after  %s", before.Body, after.Body)
		}
	})
}

// FuzzExportRequest sends arbitrary export bodies. An accepted CSV export,
// read back (one leading quote removed from neutralised cells), holds the
// same rows as the NDJSON export of the same request.
func FuzzExportRequest(f *testing.F) {
	ds := fuzzDatasource(f)
	from, to := exportT0.Format(time.RFC3339), exportT0.Add(time.Hour).Format(time.RFC3339)
	for _, s := range []string{
		`{"model":"reviews","ids":["r-01","r-02","r-03","nope"]}`,
		`{"model":"reviews","ids":["r-01"],"format":"ndjson"}`,
		`{"model":"reviews","ids":["r-01","r-05"],"raw":true}`,
		`{"query":{"model":"reviews","from":"` + from + `","to":"` + to + `"}}`,
		`{"query":{"model":"reviews","from":` + fmt.Sprint(exportT0.UnixMilli()) + `,"to":"now","filters":[{"field":"prediction.label","value":"neg"}]},"limit":100}`,
		`{"query":{"queryType":"embeddings","model":"reviews","environment":"production","from":"` + from + `","to":"` + to + `"},"set":"all"}`,
		`{"query":{"queryType":"embeddings","model":"reviews","from":"now-7d","to":"now"},"cluster":"1"}`,
		`{"query":{"queryType":"drift","model":"reviews","from":"now-1h","to":"now"}}`,
		`{"model":"reviews","ids":[]}`, `{"limit":-1}`, `{"format":"xlsx"}`, `{"model":1}`, `[]`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		out := callFuzz(t, ds, fuzzRequest(http.MethodPost, "export", "Viewer", "application/json", body))
		if out.Status != http.StatusOK {
			if out.Status != http.StatusBadRequest && out.Status != http.StatusNotFound && out.Status != http.StatusRequestEntityTooLarge {
				t.Fatalf("export %q: status %d %s", body, out.Status, out.Body)
			}
			return
		}
		var req map[string]json.RawMessage
		if err := json.Unmarshal(body, &req); err != nil {
			t.Fatalf("an export body that is not a JSON object was accepted: %q", body)
		}
		var format string
		_ = json.Unmarshal(req["format"], &format)
		if format == "ndjson" {
			return
		}
		var raw bool
		_ = json.Unmarshal(req["raw"], &raw)
		rows, err := csv.NewReader(bytes.NewReader(out.Body)).ReadAll()
		if err != nil || len(rows) == 0 {
			t.Fatalf("export %q: not CSV with a header: %v\n%q", body, err, out.Body)
		}
		delete(req, "raw")
		req["format"] = json.RawMessage(`"ndjson"`)
		ndBody, _ := json.Marshal(req)
		nd := callFuzz(t, ds, fuzzRequest(http.MethodPost, "export", "Viewer", "application/json", ndBody))
		if nd.Status != http.StatusOK {
			t.Fatalf("the CSV export of %q answered, its NDJSON export did not: %d %s", body, nd.Status, nd.Body)
		}
		lines := strings.Split(strings.TrimSuffix(string(nd.Body), "\n"), "\n")
		if string(nd.Body) == "" {
			lines = nil
		}
		if len(lines) != len(rows)-1 {
			t.Fatalf("%d CSV rows, %d NDJSON rows", len(rows)-1, len(lines))
		}
		for i, line := range lines {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatal(err)
			}
			for c, name := range rows[0] {
				cell := rows[i+1][c]
				if !raw && strings.HasPrefix(cell, "'") {
					cell = cell[1:]
				}
				want, _ := m[name].(string)
				if cell != want {
					t.Fatalf("row %d column %s: CSV %q, NDJSON %q (raw %v)", i, name, rows[i+1][c], want, raw)
				}
			}
		}
	})
}
