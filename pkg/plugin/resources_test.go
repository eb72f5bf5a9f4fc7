package plugin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/ingest"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/plugin"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

type modelSummary struct {
	Name         string   `json:"name"`
	Versions     []string `json:"versions"`
	Environments []string `json:"environments"`
	Records      int64    `json:"records"`
	EmbeddingDim int      `json:"embeddingDim"`
}

type fieldSummary struct {
	Name string `json:"name"`
	Ref  string `json:"ref"`
	Kind string `json:"kind"`
	Type string `json:"type"`
}

type versionSummary struct {
	Version     string     `json:"version"`
	Environment string     `json:"environment"`
	Status      string     `json:"status"`
	StatusSince *time.Time `json:"statusSince"`
	FirstSeen   *time.Time `json:"firstSeen"`
	LastSeen    *time.Time `json:"lastSeen"`
	Records     int64      `json:"records"`
	Actuals     int64      `json:"actuals"`
}

type ingestResult struct {
	Inferences     int  `json:"inferences"`
	Duplicates     int  `json:"duplicates"`
	Actuals        int  `json:"actuals"`
	PendingActuals int  `json:"pendingActuals"`
	Replayed       bool `json:"replayed"`
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sameStrings(a, b []string) bool {
	return slices.Equal(models.SortedCopy(a), models.SortedCopy(b))
}

func TestModelsResource(t *testing.T) {
	tg, d := demoTarget(t, models.Settings{})
	for _, role := range []string{"Viewer", "Editor", "Admin"} {
		t.Run(role, func(t *testing.T) {
			var got []modelSummary
			r := tg.call(resourceCall{Method: http.MethodGet, Path: "models", Role: role})
			decodeJSON(t, r, &got)
			if ct := r.header("Content-Type"); ct != "application/json" {
				t.Errorf("content type %q", ct)
			}
			want := map[string]*modelSummary{}
			versions, envs := map[string]map[string]bool{}, map[string]map[string]bool{}
			for k, g := range d.groups {
				if want[k.Model] == nil {
					want[k.Model] = &modelSummary{Name: k.Model, EmbeddingDim: d.embDim[k.Model]}
					versions[k.Model], envs[k.Model] = map[string]bool{}, map[string]bool{}
				}
				want[k.Model].Records += g.Records
				versions[k.Model][k.Version] = true
				envs[k.Model][k.Environment] = true
			}
			var names []string
			for _, m := range got {
				names = append(names, m.Name)
				w, ok := want[m.Name]
				if !ok {
					t.Errorf("unexpected model %q", m.Name)
					continue
				}
				if m.Records != w.Records || m.EmbeddingDim != w.EmbeddingDim {
					t.Errorf("%s: records %d embeddingDim %d, want %d and %d", m.Name, m.Records, m.EmbeddingDim, w.Records, w.EmbeddingDim)
				}
				if !sameStrings(m.Versions, sortedSet(versions[m.Name])) {
					t.Errorf("%s: versions %v, want %v", m.Name, m.Versions, sortedSet(versions[m.Name]))
				}
				if !sameStrings(m.Environments, sortedSet(envs[m.Name])) {
					t.Errorf("%s: environments %v, want %v", m.Name, m.Environments, sortedSet(envs[m.Name]))
				}
			}
			if strings.Join(names, ",") != strings.Join(d.modelNames(), ",") {
				t.Errorf("models %v, want %v in name order", names, d.modelNames())
			}
		})
	}
	t.Run("empty store", func(t *testing.T) {
		r := serve(t, plugin.New(newMemStore(t), models.Settings{})).call(resourceCall{Method: http.MethodGet, Path: "models", Role: "Viewer"})
		if r.Status != http.StatusOK || strings.TrimSpace(string(r.Body)) != "[]" {
			t.Errorf("status %d body %s, want an empty JSON list", r.Status, r.Body)
		}
	})
}

func TestFeaturesResource(t *testing.T) {
	tg, d := demoTarget(t, models.Settings{})
	for _, model := range d.modelNames() {
		t.Run(model, func(t *testing.T) {
			var got []fieldSummary
			decodeJSON(t, tg.call(resourceCall{Method: http.MethodGet, Path: "models/" + model + "/features", Role: "Viewer"}), &got)
			want := map[string]fieldSummary{}
			for name, kind := range d.features[model] {
				want["features."+name] = fieldSummary{Name: name, Ref: "features." + name, Kind: "feature", Type: kind.String()}
			}
			for name := range d.tags[model] {
				want["tags."+name] = fieldSummary{Name: name, Ref: "tags." + name, Kind: "tag", Type: "categorical"}
			}
			if len(got) != len(want) {
				t.Errorf("%d fields, want %d", len(got), len(want))
			}
			for _, f := range got {
				if w, ok := want[f.Ref]; !ok || f != w {
					t.Errorf("field %+v, want %+v", f, w)
				}
			}
		})
	}
	// The credit-risk scenario's fields, spelled out.
	var got []fieldSummary
	decodeJSON(t, tg.call(resourceCall{Method: http.MethodGet, Path: "models/credit-risk/features", Role: "Viewer"}), &got)
	types := map[string]string{}
	for _, f := range got {
		types[f.Ref] = f.Type
	}
	for ref, typ := range map[string]string{
		"features.income": "numeric", "features.age": "numeric", "features.region": "categorical",
		"features.employment_type": "categorical", "tags.sex": "categorical", "tags.channel": "categorical",
	} {
		if types[ref] != typ {
			t.Errorf("%s: type %q, want %q", ref, types[ref], typ)
		}
	}
}

func TestVersionsResource(t *testing.T) {
	tg, d := demoTarget(t, models.Settings{})
	var got []versionSummary
	decodeJSON(t, tg.call(resourceCall{Method: http.MethodGet, Path: "models/credit-risk/versions", Role: "Viewer"}), &got)
	n := 0
	for k := range d.groups {
		if k.Model == "credit-risk" {
			n++
		}
	}
	if len(got) != n {
		t.Fatalf("%d rows, want %d", len(got), n)
	}
	for _, v := range got {
		k := groupKey{"credit-risk", v.Version, v.Environment}
		g, ok := d.groups[k]
		if !ok {
			t.Errorf("unexpected row %+v", v)
			continue
		}
		ev := d.status[[2]string{k.Model, k.Version}]
		if v.Status != string(ev.Status) || v.StatusSince == nil || !v.StatusSince.Equal(ev.At) {
			t.Errorf("%v: status %q since %v, want %q since %v", k, v.Status, v.StatusSince, ev.Status, ev.At)
		}
		if v.FirstSeen == nil || !v.FirstSeen.Equal(g.First) || v.LastSeen == nil || !v.LastSeen.Equal(g.Last) {
			t.Errorf("%v: seen %v … %v, want %v … %v", k, v.FirstSeen, v.LastSeen, g.First, g.Last)
		}
		if v.Records != g.Records || v.Actuals != g.Actuals {
			t.Errorf("%v: %d records %d actuals, want %d and %d", k, v.Records, v.Actuals, g.Records, g.Actuals)
		}
	}
}

func TestResourceRoutesRejectBadRequests(t *testing.T) {
	tg, _ := demoTarget(t, models.Settings{})
	for _, tc := range []struct {
		name   string
		call   resourceCall
		status int
		want   string // in the body
	}{
		{"features of an unknown model", resourceCall{Method: http.MethodGet, Path: "models/credit-rsk/features", Role: "Viewer"}, 404, "unknown model"},
		{"versions of an unknown model", resourceCall{Method: http.MethodGet, Path: "models/credit-rsk/versions", Role: "Viewer"}, 404, `model \"credit-rsk\": unknown model`},
		{"unknown path", resourceCall{Method: http.MethodGet, Path: "datasets", Role: "Viewer"}, 404, ""},
		{"unknown model sub-path", resourceCall{Method: http.MethodGet, Path: "models/credit-risk/secrets", Role: "Viewer"}, 404, ""},
		{"model without a sub-path", resourceCall{Method: http.MethodGet, Path: "models/credit-risk", Role: "Viewer"}, 404, ""},
		{"POST models", resourceCall{Method: http.MethodPost, Path: "models", Role: "Admin"}, 405, ""},
		{"DELETE versions", resourceCall{Method: http.MethodDelete, Path: "models/credit-risk/versions", Role: "Admin"}, 405, ""},
		{"GET ingest", resourceCall{Method: http.MethodGet, Path: "ingest", Role: "Admin"}, 405, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tg.call(tc.call)
			if r.Status != tc.status {
				t.Errorf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if !strings.Contains(string(r.Body), tc.want) {
				t.Errorf("body %s does not contain %s", r.Body, tc.want)
			}
			if tc.status == http.StatusMethodNotAllowed && r.header("Allow") == "" {
				t.Error("a 405 should list the allowed methods")
			}
		})
	}
}

// Ingest tests run on their own empty store.

var ingestBase = time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)

func churnLine(id string, minutes int, age float64, plan, label string) string {
	return fmt.Sprintf(`{"model":"churn","version":"v1","environment":"production","id":%q,"timestamp":%q,`+
		`"features":{"age":%g,"plan":%q},"prediction":{"label":%q,"score":0.5},"tags":{"channel":"web"}}`,
		id, ingestBase.Add(time.Duration(minutes)*time.Minute).Format(time.RFC3339), age, plan, label)
}

func ndjson(lines ...string) []byte { return []byte(strings.Join(lines, "\n") + "\n") }

var churnBody = ndjson(
	churnLine("c-1", 5, 31, "basic", "1"),
	churnLine("c-2", 25, 45, "pro", "0"),
	churnLine("c-3", 70, 52, "basic", "1"),
	churnLine("c-4", 130, 28, "pro", "1"),
)

func ingestCall(role string, body []byte) resourceCall {
	return resourceCall{Method: http.MethodPost, Path: "ingest", Role: role, Body: body, Headers: map[string]string{"Content-Type": "application/x-ndjson"}}
}

// churnTraffic is the churn model's hourly traffic as the datasource answers it.
func churnTraffic(t *testing.T, tg *target) map[int64]float64 {
	t.Helper()
	r := tg.queryOne(vigilQuery("A", ingestBase, ingestBase.Add(6*time.Hour), map[string]any{"queryType": "traffic", "model": "churn", "interval": "1h"}))
	requireOK(t, r)
	return seriesByVersion(t, r.Frames, "churn", "count")["v1"]
}

func TestIngestNDJSON(t *testing.T) {
	st := newMemStore(t)
	tg := serve(t, plugin.New(st, models.Settings{}))

	var res ingestResult
	decodeJSON(t, tg.call(ingestCall("Editor", churnBody)), &res)
	if res != (ingestResult{Inferences: 4}) {
		t.Errorf("result %+v, want 4 inferences", res)
	}
	// The records are queryable at once: 2 in the first hour, 1 in each of the next two.
	got := churnTraffic(t, tg)
	want := map[int64]float64{ingestBase.UnixMilli(): 2, ingestBase.Add(time.Hour).UnixMilli(): 1, ingestBase.Add(2 * time.Hour).UnixMilli(): 1}
	compareCounts(t, map[string]map[int64]float64{"v1": got}, map[string]map[int64]float64{"v1": want})

	var fields []fieldSummary
	decodeJSON(t, tg.call(resourceCall{Method: http.MethodGet, Path: "models/churn/features", Role: "Viewer"}), &fields)
	types := map[string]string{}
	for _, f := range fields {
		types[f.Ref] = f.Type
	}
	if types["features.age"] != "numeric" || types["features.plan"] != "categorical" || types["tags.channel"] != "categorical" || len(types) != 3 {
		t.Errorf("fields %v", types)
	}

	// A late ground truth attaches to its inference; one for an unknown id waits.
	late := ndjson(`{"model":"churn","id":"c-2","actual":{"label":"1"}}`, `{"model":"churn","id":"c-99","actual":{"label":"0"}}`)
	res = ingestResult{}
	decodeJSON(t, tg.call(ingestCall("Admin", late)), &res)
	if res != (ingestResult{Actuals: 1, PendingActuals: 1}) {
		t.Errorf("late actuals: %+v", res)
	}
	var versions []versionSummary
	decodeJSON(t, tg.call(resourceCall{Method: http.MethodGet, Path: "models/churn/versions", Role: "Viewer"}), &versions)
	if len(versions) != 1 || versions[0].Records != 4 || versions[0].Actuals != 1 {
		t.Errorf("versions %+v, want v1 with 4 records and 1 actual", versions)
	}
}

func TestIngestNeedsEditor(t *testing.T) {
	st := newMemStore(t)
	tg := serve(t, plugin.New(st, models.Settings{}))
	for _, role := range []string{"Viewer", "None", ""} {
		t.Run("role "+role, func(t *testing.T) {
			r := tg.call(ingestCall(role, churnBody))
			if r.Status != http.StatusForbidden || !strings.Contains(r.errorMessage(t), "Editor") {
				t.Errorf("status %d body %s, want 403 naming the Editor role", r.Status, r.Body)
			}
		})
	}
	// The same check in process, as Grafana's adapter calls it.
	r := callDirect(t, plugin.New(st, models.Settings{}), ingestCall("Viewer", churnBody))
	if r.Status != http.StatusForbidden {
		t.Errorf("in process: status %d", r.Status)
	}
	if n := totalRecords(t, st); len(n) != 0 {
		t.Errorf("a refused ingest stored %v", n)
	}
}

func TestIngestBodyLimit(t *testing.T) {
	st := newMemStore(t)
	limit := int64(len(churnBody) - 1)
	tg := serve(t, plugin.New(st, models.Settings{IngestMaxBytes: limit}))
	r := tg.call(ingestCall("Editor", churnBody))
	if r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413: %s", r.Status, r.Body)
	}
	if msg := r.errorMessage(t); !strings.Contains(msg, fmt.Sprint(limit)) {
		t.Errorf("message %q should name the limit of %d bytes", msg, limit)
	}
	if n := totalRecords(t, st); len(n) != 0 {
		t.Errorf("an oversized body stored %v", n)
	}
	// A body at the limit is accepted.
	var res ingestResult
	decodeJSON(t, tg.call(ingestCall("Editor", churnBody[:limit])), &res)
	if res.Inferences != 4 {
		t.Errorf("%+v, want 4 inferences", res)
	}
}

func TestIngestBadLineStoresNothing(t *testing.T) {
	st := newMemStore(t)
	tg := serve(t, plugin.New(st, models.Settings{}))
	decodeJSON(t, tg.call(ingestCall("Editor", churnBody)), &ingestResult{})
	before := totalRecords(t, st)

	for _, tc := range []struct {
		name string
		body []byte
		want []string
	}{
		{"bad timestamp", ndjson(churnLine("c-10", 1, 40, "basic", "1"), churnLine("c-11", 2, 41, "pro", "0"),
			strings.Replace(churnLine("c-12", 3, 42, "basic", "1"), ingestBase.Add(3*time.Minute).Format(time.RFC3339), "yesterday", 1)),
			[]string{"line 3", `"timestamp"`, "yesterday", "nothing stored"}},
		{"not JSON", ndjson(churnLine("c-10", 1, 40, "basic", "1"), `{"model":"churn",`),
			[]string{"line 2", "not a valid record"}},
		{"feature of the wrong kind", ndjson(churnLine("c-10", 1, 40, "basic", "1"),
			strings.Replace(churnLine("c-11", 2, 41, "pro", "0"), `"age":41`, `"age":"forty-one"`, 1)),
			[]string{"line 2", "age", "numeric"}},
		{"missing id", ndjson(strings.Replace(churnLine("c-10", 1, 40, "basic", "1"), `"id":"c-10",`, "", 1)),
			[]string{"line 1", `"id"`, "is required"}},
		{"invalid UTF-8", ndjson(churnLine("c-10", 1, 40, "basic", "1"), strings.Replace(churnLine("c-11", 2, 41, "pro", "0"), `"pro"`, "\"pr\xf6\"", 1)),
			[]string{"line 2", "plan", "is not valid UTF-8", "nothing stored"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tg.call(ingestCall("Editor", tc.body))
			if r.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", r.Status, r.Body)
			}
			msg := r.errorMessage(t)
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not contain %q", msg, w)
				}
			}
			if after := totalRecords(t, st); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("records %v after a rejected batch, want %v", after, before)
			}
		})
	}
}

// A body longer than the reader's batch size is still one all-or-nothing batch.
func TestIngestLargeBodyIsOneBatch(t *testing.T) {
	st := newMemStore(t)
	ds := plugin.New(st, models.Settings{})
	n := ingest.DefaultLimits.BatchRecords + 1
	lines := make([]string, n, n+1)
	for i := range lines {
		lines[i] = churnLine(fmt.Sprintf("big-%d", i), i%600, float64(20+i%50), "basic", "1")
	}
	bad := strings.Replace(churnLine("big-last", 1, 30, "basic", "1"), `"version":"v1"`, `"version":""`, 1)

	r := callDirect(t, ds, ingestCall("Editor", ndjson(append(lines, bad)...)))
	if r.Status != http.StatusBadRequest || !strings.Contains(r.errorMessage(t), fmt.Sprintf("line %d", n+1)) {
		t.Fatalf("status %d body %s, want 400 naming line %d", r.Status, r.Body, n+1)
	}
	if got := totalRecords(t, st); len(got) != 0 {
		t.Fatalf("a rejected body stored %v", got)
	}
	var res ingestResult
	decodeJSON(t, callDirect(t, ds, ingestCall("Editor", ndjson(lines...))), &res)
	if res.Inferences != n {
		t.Errorf("%+v, want %d inferences", res, n)
	}
}

func TestIngestIdempotencyKey(t *testing.T) {
	st := newMemStore(t)
	tg := serve(t, plugin.New(st, models.Settings{}))
	keyed := func(key string) resourceCall {
		c := ingestCall("Editor", churnBody)
		c.Headers["Idempotency-Key"] = key
		return c
	}
	var first, second, third ingestResult
	decodeJSON(t, tg.call(keyed("batch-2026-06-01")), &first)
	decodeJSON(t, tg.call(keyed("batch-2026-06-01")), &second)
	if first != (ingestResult{Inferences: 4}) || second != (ingestResult{Replayed: true}) {
		t.Errorf("first %+v, second %+v: want 4 inferences, then a replay", first, second)
	}
	// Another key, same records: stored ids never double-count.
	decodeJSON(t, tg.call(keyed("batch-2026-06-01-retry")), &third)
	if third != (ingestResult{Duplicates: 4}) {
		t.Errorf("third %+v, want 4 duplicates", third)
	}
	if n := totalRecords(t, st)["churn"]; n != 4 {
		t.Errorf("%d records, want 4", n)
	}
	got := churnTraffic(t, tg)
	total := 0.0
	for _, v := range got {
		total += v
	}
	if total != 4 {
		t.Errorf("traffic counts %v records, want 4", total)
	}
}

const churnCSV = `customer,when,age,plan,predicted,score,churned
c-1,2026-06-01T08:05:00Z,31,basic,1,0.81,1
c-2,2026-06-01T08:25:00Z,45,pro,0,0.22,0
c-3,2026-06-01T09:10:00Z,52,basic,1,0.64,
`

func csvCall(params url.Values, body string) resourceCall {
	return resourceCall{Method: http.MethodPost, Path: "ingest?" + params.Encode(), Role: "Editor", Body: []byte(body),
		Headers: map[string]string{"Content-Type": "text/csv"}}
}

func TestIngestCSV(t *testing.T) {
	st := newMemStore(t)
	tg := serve(t, plugin.New(st, models.Settings{}))
	params := url.Values{
		"model": {"churn"}, "version": {"v1"}, "environment": {"production"},
		"timestamp-col": {"when"}, "id-col": {"customer"}, "feature-cols": {"age,plan"},
		"prediction-label-col": {"predicted"}, "prediction-score-col": {"score"}, "actual-label-col": {"churned"},
	}
	var res ingestResult
	decodeJSON(t, tg.call(csvCall(params, churnCSV)), &res)
	if res != (ingestResult{Inferences: 3}) {
		t.Errorf("result %+v, want 3 inferences", res)
	}
	got := churnTraffic(t, tg)
	if got[ingestBase.UnixMilli()] != 2 || got[ingestBase.Add(time.Hour).UnixMilli()] != 1 || len(got) != 2 {
		t.Errorf("hourly traffic %v, want 2 then 1", got)
	}
	var versions []versionSummary
	decodeJSON(t, tg.call(resourceCall{Method: http.MethodGet, Path: "models/churn/versions", Role: "Viewer"}), &versions)
	if len(versions) != 1 || versions[0].Records != 3 || versions[0].Actuals != 2 || versions[0].Environment != "production" {
		t.Errorf("versions %+v, want v1 in production with 3 records and 2 actuals", versions)
	}
	var fields []fieldSummary
	decodeJSON(t, tg.call(resourceCall{Method: http.MethodGet, Path: "models/churn/features", Role: "Viewer"}), &fields)
	if len(fields) != 2 || fields[0].Ref != "features.age" || fields[0].Type != "numeric" || fields[1].Ref != "features.plan" || fields[1].Type != "categorical" {
		t.Errorf("fields %+v", fields)
	}
	// The format may also be named in the query string.
	params.Set("format", "csv")
	c := csvCall(params, churnCSV)
	c.Headers = nil
	res = ingestResult{}
	decodeJSON(t, tg.call(c), &res)
	if res != (ingestResult{Duplicates: 3}) {
		t.Errorf("resent CSV: %+v, want 3 duplicates", res)
	}

	t.Run("without id-col or id-prefix", func(t *testing.T) {
		p := url.Values{"model": {"churn"}, "version": {"v1"}, "timestamp-col": {"when"}}
		r := tg.call(csvCall(p, churnCSV))
		if r.Status != http.StatusBadRequest || !strings.Contains(r.errorMessage(t), "id-col or id-prefix") {
			t.Errorf("status %d body %s", r.Status, r.Body)
		}
	})
	t.Run("bad cell", func(t *testing.T) {
		bad := strings.Replace(churnCSV, "2026-06-01T09:10:00Z", "June 1st", 1)
		r := tg.call(csvCall(params, bad))
		if r.Status != http.StatusBadRequest || !strings.Contains(r.errorMessage(t), "line 4") {
			t.Errorf("status %d body %s, want 400 naming line 4", r.Status, r.Body)
		}
	})
	if n := totalRecords(t, st)["churn"]; n != 3 {
		t.Errorf("%d records, want 3", n)
	}
}

func TestIngestRejectsEmptyAndUnknownBodies(t *testing.T) {
	st := newMemStore(t)
	tg := serve(t, plugin.New(st, models.Settings{}))
	for _, tc := range []struct {
		name string
		call resourceCall
		want string
	}{
		{"no body", ingestCall("Editor", nil), "no records"},
		{"blank lines", ingestCall("Editor", []byte("\n\n  \n")), "no records"},
		{"unknown format", resourceCall{Method: http.MethodPost, Path: "ingest?format=xml", Role: "Editor", Body: []byte("<records/>")}, `"xml"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tg.call(tc.call)
			if r.Status != http.StatusBadRequest || !strings.Contains(r.errorMessage(t), tc.want) {
				t.Errorf("status %d body %s, want 400 containing %s", r.Status, r.Body, tc.want)
			}
		})
	}
}

func TestIngestQueueFull(t *testing.T) {
	gs := &gatedStore{Store: newMemStore(t), entered: make(chan struct{}, 4), release: make(chan struct{})}
	tg := serve(t, plugin.New(gs, models.Settings{IngestQueue: 1}))

	type answer struct {
		r   resourceResponse
		err error
	}
	held := make(chan answer, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var out resourceResponse
		err := harness.Client.CallResource(ctx, ingestCall("Editor", churnBody).request(tg.pluginContext(nil)), collect(&out))
		held <- answer{out, err}
	}()
	select {
	case <-gs.entered: // the first batch holds the only slot
	case <-time.After(20 * time.Second):
		close(gs.release)
		t.Fatal("the first ingest never reached the store")
	}

	r := tg.call(ingestCall("Editor", ndjson(churnLine("c-5", 200, 33, "pro", "0"))))
	if r.Status != http.StatusTooManyRequests {
		t.Errorf("status %d, want 429: %s", r.Status, r.Body)
	}
	if ra := r.header("Retry-After"); ra != "2" {
		t.Errorf("Retry-After %q, want 2", ra)
	}
	if msg := r.errorMessage(t); !strings.Contains(msg, "queue is full") {
		t.Errorf("message %q", msg)
	}

	close(gs.release)
	a := <-held
	if a.err != nil || a.r.Status != http.StatusOK {
		t.Fatalf("the held ingest: %v, status %d %s", a.err, a.r.Status, a.r.Body)
	}
	// The slot is free again.
	var res ingestResult
	decodeJSON(t, tg.call(ingestCall("Editor", ndjson(churnLine("c-5", 200, 33, "pro", "0")))), &res)
	if res.Inferences != 1 {
		t.Errorf("%+v, want 1 inference", res)
	}
	if n := totalRecords(t, gs.Store)["churn"]; n != 5 {
		t.Errorf("%d records, want 5 (the refused batch is not stored)", n)
	}
}

// A panic inside a resource handler answers 500 and the server keeps serving.
func TestResourcePanicIsAnErrorResponse(t *testing.T) {
	tg := serve(t, plugin.New(brokenStore{Store: newMemStore(t), panic: true}, models.Settings{}))
	r := tg.call(resourceCall{Method: http.MethodGet, Path: "models", Role: "Viewer"})
	if r.Status != http.StatusInternalServerError || !strings.Contains(r.errorMessage(t), "internal error") {
		t.Errorf("status %d body %s", r.Status, r.Body)
	}
	r = tg.call(resourceCall{Method: http.MethodGet, Path: "models/x/features", Role: "Viewer"})
	if r.Status != http.StatusNotFound {
		t.Errorf("after the panic: status %d", r.Status)
	}
}

var _ store.Store = (*gatedStore)(nil)
