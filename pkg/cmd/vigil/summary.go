package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// gateCrossing is a series that crossed the gate's bound.
type gateCrossing struct {
	series       string
	worst        float64
	when         time.Time
	crossed, all int
}

// gateReport gathers what a gate found, for its Markdown summary.
type gateReport struct {
	maxV, minV float64
	from, to   string
	query      string
	checked    int
	crossings  []gateCrossing
	empty      []string
}

// excess is how far x lies beyond the bounds (0 when within them).
func (g *gateReport) excess(x float64) float64 {
	e := 0.0
	if !math.IsNaN(g.maxV) && x > g.maxV {
		e = x - g.maxV
	}
	if !math.IsNaN(g.minV) && x < g.minV {
		e = math.Max(e, g.minV-x)
	}
	return e
}

func (g *gateReport) bounds() string {
	var parts []string
	if !math.IsNaN(g.minV) {
		parts = append(parts, "at least "+strconv.FormatFloat(g.minV, 'g', -1, 64))
	}
	if !math.IsNaN(g.maxV) {
		parts = append(parts, "at most "+strconv.FormatFloat(g.maxV, 'g', -1, 64))
	}
	return strings.Join(parts, " and ")
}

// markdown is the report for a CI job summary: the outcome, then a table of
// each series that crossed the bound with its worst value, when, and how many
// of its points crossed.
func (g *gateReport) markdown(outcome string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Vigil gate: %s\n\n", outcome)
	fmt.Fprintf(&b, "Values must be %s, from %s to %s. %d series checked, %d crossed the bound", g.bounds(), g.from, g.to, g.checked, len(g.crossings))
	if len(g.empty) > 0 {
		fmt.Fprintf(&b, ", %d had no value to check", len(g.empty))
	}
	b.WriteString(".\n\n")
	if len(g.crossings) > 0 {
		b.WriteString("| series | worst value | when | points beyond the bound |\n|---|---:|---|---:|\n")
		for _, c := range g.crossings {
			fmt.Fprintf(&b, "| %s | %s | %s | %d of %d |\n", mdCell(c.series), strconv.FormatFloat(c.worst, 'g', 6, 64),
				c.when.UTC().Format(time.RFC3339), c.crossed, c.all)
		}
		b.WriteString("\n")
	}
	if len(g.empty) > 0 {
		b.WriteString("No value to check:\n\n")
		for _, e := range g.empty {
			fmt.Fprintf(&b, "- %s\n", mdCell(e))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "<details><summary>Query</summary>\n\n```json\n%s\n```\n\n</details>\n", strings.TrimSpace(g.query))
	return b.String()
}

// mdCell escapes text for a Markdown table cell.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// writeSummary appends the report to path (CI job summary files such as
// $GITHUB_STEP_SUMMARY collect several steps' reports).
func (g *gateReport) writeSummary(path, outcome string) error {
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("--summary: %w", err)
	}
	if _, err := f.WriteString(g.markdown(outcome)); err != nil {
		_ = f.Close()
		return fmt.Errorf("--summary: %w", err)
	}
	return f.Close()
}
