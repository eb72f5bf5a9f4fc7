package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// CSV column kinds come from the first --infer-rows rows: a column mixing
// numbers and text is an error naming the column, values of each kind and
// --categorical-cols; with that flag it loads as text. A column whose kind
// differs from the model's catalog is refused the same way.
func TestIngestCSVKinds(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mixed := write("mixed.csv", "id,plan,seats\na,1,3\nb,2,4\nc,three,5\n")
	db := filepath.Join(dir, "v.duckdb")
	base := []string{"ingest", "--db", db, "--model", "shop", "--version", "v1", "--timestamp", "2026-11-01T00:00:00Z", "--id-col", "id"}
	code, out, errOut := vigil(t, append(base, mixed)...)
	for _, want := range []string{`column "plan" mixes numbers and text`, `1, 2`, `"three"`, "line 4", "--categorical-cols plan", "--infer-rows"} {
		if code == 0 || !strings.Contains(errOut, want) {
			t.Fatalf("mixed column: exit %d, stderr %q lacks %q (stdout %q)", code, errOut, want, out)
		}
	}
	if !strings.Contains(out, "0 records accepted") {
		t.Errorf("mixed column: something was stored: %s", out)
	}
	// Only the first --infer-rows rows decide: with 2 the column is numeric
	// and the third row is the error, naming its line and the feature.
	code, _, errOut = vigil(t, append(append(base, "--infer-rows", "2"), mixed)...)
	if code == 0 || !strings.Contains(errOut, "line 4") || !strings.Contains(errOut, "features.plan") || !strings.Contains(errOut, "--categorical-cols plan") {
		t.Fatalf("--infer-rows 2: exit %d, stderr %q", code, errOut)
	}
	code, out, errOut = vigil(t, append(append(base, "--categorical-cols", "plan"), mixed)...)
	if code != 0 || !strings.Contains(out, "3 new inferences") {
		t.Fatalf("--categorical-cols plan: exit %d: %s %s", code, out, errOut)
	}
	// seats is numeric in the catalog now; a file where it is text is refused.
	later := write("later.csv", "id,plan,seats\nd,4,many\ne,5,few\n")
	code, out, errOut = vigil(t, append(append(base, "--categorical-cols", "plan"), later)...)
	for _, want := range []string{`column "seats" is numeric in model "shop"'s catalog`, `"many", "few"`, "line 2"} {
		if code == 0 || !strings.Contains(errOut, want) {
			t.Fatalf("catalog conflict: exit %d, stderr %q lacks %q (stdout %q)", code, errOut, want, out)
		}
	}
	// plan is categorical in the catalog: numbers need --categorical-cols.
	nums := write("nums.csv", "id,plan,seats\nf,6,1\n")
	code, _, errOut = vigil(t, append(base, nums)...)
	if code == 0 || !strings.Contains(errOut, `column "plan" is categorical in model "shop"'s catalog`) || !strings.Contains(errOut, "--categorical-cols plan") {
		t.Fatalf("catalog categorical: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut = vigil(t, append(append(base, "--infer-rows", "0"), nums)...); code == 0 || !strings.Contains(errOut, "--infer-rows must be positive") {
		t.Fatalf("--infer-rows 0: exit %d, stderr %q", code, errOut)
	}
}
