package plugin_test

import (
	"net/http"
	"strings"
	"testing"
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
