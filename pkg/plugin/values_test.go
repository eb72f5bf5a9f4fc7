package plugin_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/plugin"
)

func TestValuesResource(t *testing.T) {
	st := newMemStore(t)
	tg := serve(t, plugin.New(st, models.Settings{}))
	body := ndjson(
		`{"model":"shop","version":"v1","id":"1","timestamp":"2026-11-01T10:00:00Z","features":{"plan":"pro","age":30},"tags":{"channel":"web"}}`,
		`{"model":"shop","version":"v1","id":"2","timestamp":"2026-11-01T11:00:00Z","features":{"plan":"free","age":40},"tags":{"channel":"web"}}`,
		`{"model":"shop","version":"v2","id":"3","timestamp":"2026-11-01T12:00:00Z","features":{"plan":"pro","age":50},"tags":{"channel":"app"}}`,
		`{"model":"shop","version":"v2","id":"4","timestamp":"2026-11-01T13:00:00Z","features":{"plan":null,"age":60},"tags":{"channel":"web"}}`,
	)
	var res ingestResult
	decodeJSON(t, tg.call(ingestCall("Editor", body)), &res)
	if res.Inferences != 4 {
		t.Fatalf("ingest: %+v", res)
	}
	cases := []struct {
		field string
		want  []valueCountJSON
	}{
		{"tags.channel", []valueCountJSON{{"web", 3}, {"app", 1}}},
		{"plan", []valueCountJSON{{"pro", 2}, {"free", 1}}},
		{"version", []valueCountJSON{{"v1", 2}, {"v2", 2}}},
	}
	for _, c := range cases {
		var got []valueCountJSON
		decodeJSON(t, tg.call(resourceCall{Method: http.MethodGet, Path: "models/shop/values?field=" + c.field, Role: "Viewer"}), &got)
		if len(got) != len(c.want) {
			t.Fatalf("%s: %+v, want %+v", c.field, got, c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: %+v, want %+v", c.field, got, c.want)
			}
		}
	}
	bad := []struct {
		path   string
		status int
		msg    string
	}{
		{"models/shop/values", http.StatusBadRequest, "field parameter is required"},
		{"models/shop/values?field=features.age", http.StatusBadRequest, "is numeric"},
		{"models/shop/values?field=features.nope", http.StatusBadRequest, `has no feature "nope"`},
		{"models/nope/values?field=version", http.StatusNotFound, "nope"},
	}
	for _, b := range bad {
		r := tg.call(resourceCall{Method: http.MethodGet, Path: b.path, Role: "Viewer"})
		if r.Status != b.status || !strings.Contains(r.errorMessage(t), b.msg) {
			t.Errorf("%s: status %d body %s, want %d with %q", b.path, r.Status, r.Body, b.status, b.msg)
		}
	}
}

type valueCountJSON struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}
