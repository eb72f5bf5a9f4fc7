package main

import (
	"flag"
	"fmt"
)

// commandHelp is what `vigil COMMAND -h` prints around the flags.
type commandHelp struct {
	synopsis, about string
	examples        []string
}

var help = map[string]commandHelp{
	"ingest": {
		synopsis: "vigil ingest (--db FILE | --grafana URL --token T --datasource UID) [flags] FILE...",
		about:    "Stores inference records from NDJSON, CSV or Parquet files; each batch is all-or-nothing and re-sent records never double-count.\nOn a terminal it shows its progress on stderr (records stored, rate, share of the file read, time left).",
		examples: []string{
			"vigil ingest --db vigil.duckdb inferences.ndjson",
			"vigil ingest --db vigil.duckdb --model bike --version v1 --timestamp-col dteday+hr --actual-value-col cnt hour.csv",
			"vigil ingest --grafana http://localhost:3000 --token $TOKEN --datasource vigil data.ndjson",
		},
	},
	"query": {
		synopsis: "vigil query --db FILE --from T [--to T] --query JSON|@FILE [--output table|csv|json]",
		about:    "Runs queries through the datasource's own QueryData code, as a dashboard or an alert rule would.\nThe query model (every query type, option and result) is described in docs/queries.md.\nTimes are RFC 3339, now or now-7d.",
		examples: []string{
			`vigil query --db vigil.duckdb --from now-7d --query '{"queryType":"traffic","interval":"1d"}'`,
			`vigil query --db vigil.duckdb --from now-30d --output csv --query '{"queryType":"drift","model":"credit-risk","features":["income"],"metric":"psi"}'`,
		},
	},
	"gate": {
		synopsis: "vigil gate --db FILE --from T [--to T] --query JSON|@FILE (--max X | --min Y) [--summary FILE.md]",
		about:    "Fails a CI job (exit 1) when a value of a series crosses the bound; --summary writes a Markdown report of the series that crossed it.",
		examples: []string{
			`vigil gate --db vigil.duckdb --from now-1d --max 0.2 --query '{"queryType":"drift","model":"credit-risk","metric":"psi"}'`,
			`vigil gate --db vigil.duckdb --from now-7d --min 0.8 --summary "$GITHUB_STEP_SUMMARY" --query @fairness.json`,
		},
	},
	"demo": {
		synopsis: "vigil demo --db FILE [--days 30] [--seed N] [--scale N] [--end T]",
		about:    "Fills a store with the demo scenario: three models, 30 days, drift, a new cluster of reviews, a biased version.\nOn a terminal it shows its progress on stderr.",
		examples: []string{
			"vigil demo --db demo.duckdb",
			"vigil demo --db small.duckdb --scale 0.05 --seed 7 --end 2026-11-01T00:00:00Z",
		},
	},
	"version": {
		synopsis: "vigil version --db FILE --model M --version V --status shadow|canary|active|deprecated [--at T]",
		about:    "Sets the lifecycle status of a model version (traffic alerts on deprecated versions read it).",
		examples: []string{
			"vigil version --db vigil.duckdb --model credit-risk --version v1 --status deprecated",
		},
	},
}

// helpFor makes `vigil NAME -h` print the command's synopsis, what it does,
// its flags and examples.
func helpFor(fs *flag.FlagSet, name string) {
	h, ok := help[name]
	if !ok {
		return
	}
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: %s\n\n%s\n\nFlags:\n", h.synopsis, h.about)
		fs.PrintDefaults()
		fmt.Fprintln(w, "\nExamples:")
		for _, e := range h.examples {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
}
