package main

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/vigil-mlobs/vigil/pkg/models"
)

// jsonBlock is a fenced JSON block of a Markdown page.
var jsonBlock = regexp.MustCompile("(?s)```json\n(.*?)```")

// TestQueriesPageExamples runs every query example of docs/queries.md on the
// demo store: each must parse, run without error and answer rows, and every
// query type of the page must have one.
func TestQueriesPageExamples(t *testing.T) {
	b, err := os.ReadFile("../../../docs/queries.md")
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	db := demoStore(t)
	seen := map[string]bool{}
	for _, m := range jsonBlock.FindAllStringSubmatch(page, -1) {
		var q struct {
			QueryType string `json:"queryType"`
		}
		if err := json.Unmarshal([]byte(m[1]), &q); err != nil {
			t.Errorf("an example is not JSON: %v\n%s", err, m[1])
			continue
		}
		if q.QueryType == "" {
			continue
		}
		seen[q.QueryType] = true
		t.Run(q.QueryType, func(t *testing.T) {
			code, out, errOut := vigil(t, queryArgs(db, "json", m[1])...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var resp struct {
				Results map[string]struct {
					Error  string `json:"error"`
					Frames []struct {
						Data struct {
							Values [][]any `json:"values"`
						} `json:"data"`
					} `json:"frames"`
				} `json:"results"`
			}
			if err := json.Unmarshal([]byte(out), &resp); err != nil {
				t.Fatal(err)
			}
			rows := 0
			for _, r := range resp.Results {
				if r.Error != "" {
					t.Fatalf("error: %s", r.Error)
				}
				for _, f := range r.Frames {
					if len(f.Data.Values) > 0 {
						rows += len(f.Data.Values[0])
					}
				}
			}
			if rows == 0 {
				t.Fatalf("no rows: %.500s", out)
			}
		})
	}
	// Every query type the backend knows has a section with an example, naming each option the type reads.
	for _, qt := range models.QueryTypes {
		_, section, ok := strings.Cut(page, "\n## "+qt+"\n")
		if !ok || !seen[qt] {
			t.Errorf("docs/queries.md has no section with an example for %s", qt)
			continue
		}
		section, _, _ = strings.Cut(section, "\n## ")
		for _, option := range models.QueryTypeOptions[qt] {
			if !strings.Contains(section, "`"+option+"`") {
				t.Errorf("docs/queries.md, section %s: option %s is not described", qt, option)
			}
		}
	}
}
