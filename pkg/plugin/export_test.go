package plugin_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/plugin"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

var exportT0 = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)

// exportVec is a 16-dimensional vector near direction dir.
func exportVec(dir, i int) []float32 {
	v := make([]float32, 16)
	v[dir] = 1
	for k := range v {
		v[k] += float32(0.05 * math.Sin(float64(7*i+13*k+dir)))
	}
	return v
}

// exportFixture stores model "reviews": 200 training records around three
// directions, and 300 production records in the hour after exportT0, of which
// every fifth (60) points in a direction training never saw and carries a
// text with a comma, quotes and a line break.
type exportFixture struct {
	tg      *target
	records map[string]store.Record
	newIDs  map[string]bool
}

func newExportFixture(t *testing.T) *exportFixture {
	t.Helper()
	st := newMemStore(t)
	f := &exportFixture{records: map[string]store.Record{}, newIDs: map[string]bool{}}
	var batch []store.Record
	for i := 0; i < 200; i++ {
		batch = append(batch, store.Record{Model: "reviews", ID: fmt.Sprintf("t-%03d", i), Version: "v1", Environment: "training",
			Time: exportT0.Add(-48*time.Hour + time.Duration(i)*time.Minute), Embedding: exportVec(i%3, i), Text: fmt.Sprintf("known %d", i%3),
			Prediction: store.Outcome{Label: "pos", HasLabel: true}, Actual: store.Outcome{Label: "pos", HasLabel: true}, ActualTime: exportT0.Add(-48 * time.Hour)})
	}
	for i := 0; i < 300; i++ {
		r := store.Record{Model: "reviews", ID: fmt.Sprintf("p-%03d", i), Version: "v1", Environment: "production",
			Time: exportT0.Add(time.Duration(i) * 11 * time.Second), Embedding: exportVec(i%3, i), Text: fmt.Sprintf("known %d", i%3),
			Prediction: store.Outcome{Label: []string{"pos", "neg"}[i%2], HasLabel: true, Score: 0.6, HasScore: true}}
		if i%5 == 0 {
			r.Embedding, r.Text = exportVec(9, i), fmt.Sprintf("nuevo, \"raro\"\nlínea %d", i)
			f.newIDs[r.ID] = true
		}
		if i%4 == 0 {
			r.Actual, r.ActualTime = store.Outcome{Label: "neg", HasLabel: true}, r.Time.Add(time.Hour)
		}
		batch = append(batch, r)
	}
	if _, err := st.Ingest(context.Background(), batch, store.IngestOptions{Now: exportT0}); err != nil {
		t.Fatal(err)
	}
	for _, r := range batch {
		f.records[r.ID] = r
	}
	f.tg = serve(t, plugin.New(st, models.Settings{}))
	return f
}

func (f *exportFixture) export(t *testing.T, body string) resourceResponse {
	t.Helper()
	return f.tg.call(resourceCall{Method: http.MethodPost, Path: "export", Role: "Viewer", Body: []byte(body),
		Headers: map[string]string{"Content-Type": "application/json"}})
}

func readCSV(t *testing.T, r resourceResponse) [][]string {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	if ct := r.header("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("Content-Type %q", ct)
	}
	rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, r.Body)
	}
	return rows
}

func readNDJSON(t *testing.T, r resourceResponse) []map[string]any {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	if ct := r.header("Content-Type"); ct != "application/x-ndjson" {
		t.Fatalf("Content-Type %q", ct)
	}
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(r.Body))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func TestExportByIDs(t *testing.T) {
	f := newExportFixture(t)
	r := f.export(t, `{"model":"reviews","ids":["p-010","p-004","nope","p-010","t-001","gone"]}`)
	rows := readCSV(t, r)
	if got := strings.Join(rows[0], ","); got != "id,time,version,environment,text,prediction,actual" {
		t.Fatalf("header %s", got)
	}
	if r.header(plugin.MissingIDsHeader) != "2" {
		t.Errorf("%s = %q, want 2 (nope, gone)", plugin.MissingIDsHeader, r.header(plugin.MissingIDsHeader))
	}
	if !bytes.Contains(r.Body, []byte("\r\n")) || !bytes.Contains(r.Body, []byte(`"nuevo, ""raro""`+"\n")) {
		t.Errorf("not RFC 4180 (CRLF rows, quoted fields, doubled quotes):\n%q", r.Body)
	}
	// Ordered by time: t-001 (training), p-004, p-010.
	if len(rows) != 4 || rows[1][0] != "t-001" || rows[2][0] != "p-004" || rows[3][0] != "p-010" {
		t.Fatalf("rows %q", rows)
	}
	for _, row := range rows[1:] {
		src := f.records[row[0]]
		wantActual := ""
		if src.Actual.HasLabel {
			wantActual = src.Actual.Label
		}
		if row[1] != src.Time.Format("2006-01-02T15:04:05.000Z") || row[2] != "v1" || row[3] != src.Environment ||
			row[4] != src.Text || row[5] != src.Prediction.Label || row[6] != wantActual {
			t.Errorf("row %q, stored %+v", row, src)
		}
	}

	nd := readNDJSON(t, f.export(t, `{"model":"reviews","ids":["p-004","p-010","p-001","zzz"],"format":"ndjson"}`))
	if len(nd) != 3 || nd[0]["id"] != "p-001" || nd[1]["id"] != "p-004" || nd[2]["id"] != "p-010" {
		t.Fatalf("ndjson %v", nd)
	}
	if nd[0]["actual"] != nil || nd[0]["prediction"] != "neg" || nd[1]["actual"] != "neg" || nd[2]["text"] != f.records["p-010"].Text {
		t.Errorf("ndjson rows %v", nd)
	}
	if _, ok := nd[0]["cluster"]; ok {
		t.Error("an export by ids has no cluster")
	}
}

func TestExportByQuery(t *testing.T) {
	f := newExportFixture(t)
	from, to := exportT0.Format(time.RFC3339), exportT0.Add(time.Hour).Format(time.RFC3339)

	// A scope: every production record of the hour predicted "neg".
	rows := readCSV(t, f.export(t, fmt.Sprintf(`{"query":{"model":"reviews","environment":"production","from":%q,"to":%q,
		"filters":[{"field":"prediction.label","op":"=","value":"neg"}]}}`, from, to)))
	want := 0
	for _, r := range f.records {
		if r.Environment == "production" && r.Prediction.Label == "neg" && r.Time.Before(exportT0.Add(time.Hour)) {
			want++
		}
	}
	if len(rows)-1 != want || want == 0 {
		t.Fatalf("%d rows, want %d", len(rows)-1, want)
	}
	for _, row := range rows[1:] {
		if row[5] != "neg" || row[3] != "production" {
			t.Fatalf("row %q outside the scope", row)
		}
	}
	// Epoch milliseconds work too.
	rows = readCSV(t, f.export(t, fmt.Sprintf(`{"query":{"model":"reviews","from":%d,"to":%d}}`, exportT0.UnixMilli(), exportT0.Add(time.Minute).UnixMilli())))
	if len(rows)-1 != 6 { // p-000 … p-005 are 11 s apart
		t.Fatalf("first minute: %d rows", len(rows)-1)
	}

	// An embeddings query: the sampled current points with their cluster.
	eq := fmt.Sprintf(`{"queryType":"embeddings","model":"reviews","environment":"production","from":%q,"to":%q}`, from, to)
	rows = readCSV(t, f.export(t, `{"query":`+eq+`}`))
	if got := strings.Join(rows[0], ","); got != "id,time,version,environment,text,prediction,actual,cluster" {
		t.Fatalf("header %s", got)
	}
	if len(rows)-1 != 300 {
		t.Fatalf("%d current points, want all 300", len(rows)-1)
	}
	for _, row := range rows[1:] {
		if f.newIDs[row[0]] != (row[7] == "1") {
			t.Errorf("%s (%q): cluster %q", row[0], row[4], row[7])
		}
	}
	nd := readNDJSON(t, f.export(t, `{"query":`+eq+`,"format":"ndjson","cluster":"1"}`))
	if len(nd) != len(f.newIDs) {
		t.Fatalf("cluster 1: %d rows, want %d", len(nd), len(f.newIDs))
	}
	for _, m := range nd {
		if !f.newIDs[m["id"].(string)] || m["cluster"] != "1" || !strings.HasPrefix(m["text"].(string), "nuevo") {
			t.Errorf("cluster row %v", m)
		}
	}
	all := readCSV(t, f.export(t, `{"query":`+eq+`,"set":"all"}`))
	if len(all)-1 != 500 || all[0][8] != "set" {
		t.Fatalf("set all: %d rows, header %q", len(all)-1, all[0])
	}
}

func TestExportRejectsBadRequests(t *testing.T) {
	f := newExportFixture(t)
	from, to := exportT0.Format(time.RFC3339), exportT0.Add(time.Hour).Format(time.RFC3339)
	scope := fmt.Sprintf(`{"model":"reviews","from":%q,"to":%q}`, from, to)
	manyIDs, _ := json.Marshal(func() []string {
		ids := make([]string, 11)
		for i := range ids {
			ids[i] = fmt.Sprintf("p-%03d", i)
		}
		return ids
	}())
	for _, tc := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"bad format", `{"model":"reviews","ids":["p-001"],"format":"xlsx"}`, 400, `format \"xlsx\": must be csv or ndjson`},
		{"no ids", `{"model":"reviews","ids":[]}`, 400, "ids must list at least one"},
		{"no model", `{"ids":["p-001"]}`, 400, "model is required"},
		{"ids and query", `{"model":"reviews","ids":["p-001"],"query":` + scope + `}`, 400, "not both"},
		{"unknown model", `{"model":"revues","ids":["p-001"]}`, 404, "revues"},
		{"unknown body field", `{"model":"reviews","ids":["p-001"],"formt":"csv"}`, 400, "formt"},
		{"key in another case", `{"model":"reviews","ids":["p-001"],"Raw":true}`, 400, `key \"Raw\" is not an export option; did you mean \"raw\"?`},
		{"too many ids", `{"model":"reviews","limit":10,"ids":` + string(manyIDs) + `}`, 400, "11 ids is more than the export limit of 10"},
		{"limit above the maximum", `{"model":"reviews","ids":["p-001"],"limit":100001}`, 400, "maximum of 100000"},
		{"cohort too large", `{"limit":100,"query":` + scope + `}`, 400, "the cohort has 300 records, more than the export limit of 100"},
		{"sample too large", `{"limit":100,"query":{"queryType":"embeddings","model":"reviews","from":"` + from + `","to":"` + to + `"}}`, 400, "the sample has 300 points, more than the export limit of 100"},
		{"another query type", `{"query":{"queryType":"drift","model":"reviews","from":"` + from + `","to":"` + to + `"}}`, 400, `got \"drift\"`},
		{"no from", `{"query":{"model":"reviews","to":"` + to + `"}}`, 400, "query.from is required"},
		{"bad to", `{"query":{"model":"reviews","from":"` + from + `","to":"tomorrow"}}`, 400, "query.to"},
		{"bad filter field", `{"query":{"model":"reviews","from":"` + from + `","to":"` + to + `","filters":[{"field":"features.age","op":"=","value":1}]}}`, 400, `no feature \"age\"`},
		{"misspelt scope key", `{"query":{"model":"reviews","from":"` + from + `","to":"` + to + `","filter":[{"field":"tags.lang","value":"es"}]}}`, 400, "did you mean filters?"},
		{"embeddings option on a scope", `{"query":{"model":"reviews","from":"` + from + `","to":"` + to + `","currentLimit":5}}`, 400, `\"currentLimit\": does not apply here`},
		{"cluster with ids", `{"model":"reviews","ids":["p-001"],"cluster":"1"}`, 400, "embeddings query"},
		{"not JSON", `model=reviews`, 400, "JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.export(t, tc.body)
			if r.Status != tc.status || !strings.Contains(string(r.Body), tc.want) {
				t.Errorf("status %d body %s; want %d containing %s", r.Status, r.Body, tc.status, tc.want)
			}
		})
	}
	if r := f.tg.call(resourceCall{Method: http.MethodGet, Path: "export", Role: "Viewer"}); r.Status != http.StatusMethodNotAllowed {
		t.Errorf("GET export: status %d", r.Status)
	}
}

func TestEmbeddingQueriesThroughQueryData(t *testing.T) {
	f := newExportFixture(t)
	from, to := exportT0, exportT0.Add(time.Hour)
	r := f.tg.queryOne(vigilQuery("A", from, to, map[string]any{"queryType": "embeddingDrift", "model": "reviews",
		"environment": "production", "metric": "cosine", "interval": "30m"}))
	requireOK(t, r)
	series := seriesByVersion(t, r.Frames, "reviews", "cosine")
	if len(series["v1"]) != 2 {
		t.Fatalf("embedding drift: %v", series)
	}
	if env := r.Frames[0].Fields[1].Labels["environment"]; env != "production" {
		t.Errorf("environment label %q", env)
	}

	r = f.tg.queryOne(vigilQuery("B", from, to, map[string]any{"queryType": "embeddings", "model": "reviews", "environment": "production"}))
	requireOK(t, r)
	if len(r.Frames) != 2 || r.Frames[0].Name != "embeddings" || r.Frames[1].Name != "novel_clusters" {
		t.Fatalf("frames %v", r.Frames)
	}
	pts := r.Frames[0]
	if pts.Rows() != 500 {
		t.Errorf("%d points, want 200 reference and 300 current", pts.Rows())
	}
	custom, _ := pts.Meta.Custom.(map[string]any)
	if !strings.Contains(fmt.Sprint(custom["vectorEncoding"]), "float32") || custom["reduced"] != "none" {
		t.Errorf("frame meta %v", custom)
	}
	names := map[string]bool{}
	for _, fd := range pts.Fields {
		names[fd.Name] = true
	}
	for _, want := range []string{"id", "time", "version", "environment", "set", "prediction", "actual", "text", "novel", "cluster", "vector"} {
		if !names[want] {
			t.Errorf("no %s field", want)
		}
	}
	if n := r.Frames[1].Rows(); n != 1 {
		t.Errorf("%d novel clusters, want 1", n)
	}
}
