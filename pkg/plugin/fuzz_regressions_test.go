package plugin_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/plugin"
)

// Regression cases of what fuzzing found (each input is also kept in
// testdata/fuzz/, where `go test` runs it through the fuzz target).

// An export body with a second JSON value after the object was accepted and
// the rest silently ignored; it is a 400 naming where the extra data starts.
func TestExportRejectsTrailingData(t *testing.T) {
	f := newExportFixture(t)
	for _, body := range []string{
		`{"model":"reviews","ids":["p-001"]} {"x":1}`,
		`{"model":"reviews","ids":["p-001"]}]`,
		`{"model":"reviews","ids":["p-001"]}{"format":"ndjson"}`,
	} {
		r := f.export(t, body)
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "one JSON object; there is more after it") {
			t.Errorf("%s: status %d %s", body, r.Status, r.Body)
		}
	}
	// Whitespace after the object is fine.
	if r := f.export(t, "{\"model\":\"reviews\",\"ids\":[\"p-001\"]}\n  \n"); r.Status != http.StatusOK {
		t.Errorf("trailing whitespace: status %d %s", r.Status, r.Body)
	}
}

// A resource call whose method is not an HTTP method, or whose URL or path
// does not parse, failed the call with a bare error from the HTTP adapter
// (an internal error in Grafana); it is answered 405 or 400 with a message.
func TestCallResourceRejectsMalformedRequests(t *testing.T) {
	ds := plugin.New(newMemStore(t), models.Settings{})
	for _, tc := range []struct {
		method, url string
		status      int
		want        string
	}{
		{" ", "0", http.StatusMethodNotAllowed, `\" \" is not an HTTP method`},
		{"GET POST", "models", http.StatusMethodNotAllowed, "is not an HTTP method"},
		{"GET", "models/%zz/features", http.StatusBadRequest, "does not parse"},
		{"GET", "models/a\x7fb/versions", http.StatusBadRequest, "does not parse"},
	} {
		r := callDirect(t, ds, resourceCall{Method: tc.method, Path: tc.url, Role: "Viewer"})
		if r.Status != tc.status || !strings.Contains(string(r.Body), tc.want) {
			t.Errorf("%q %q: status %d %s, want %d containing %s", tc.method, tc.url, r.Status, r.Body, tc.status, tc.want)
		}
	}
	// Well-formed calls still reach the routes.
	if r := callDirect(t, ds, resourceCall{Method: http.MethodGet, Path: "models", Role: "Viewer"}); r.Status != http.StatusOK {
		t.Errorf("GET models: %d %s", r.Status, r.Body)
	}
}
