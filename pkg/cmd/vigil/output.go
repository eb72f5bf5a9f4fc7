package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Output formats of vigil query.
const (
	outputTable = "table"
	outputCSV   = "csv"
	outputJSON  = "json"
)

// isTerminal reports whether w is a terminal (a character device), where a
// person reads the output rather than a script.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// outputFormat is the format asked for, or table on a terminal and JSON
// otherwise (so scripts reading the QueryData JSON keep working).
func outputFormat(flagValue string, stdout io.Writer) (string, error) {
	switch flagValue {
	case outputTable, outputCSV, outputJSON:
		return flagValue, nil
	case "":
		if isTerminal(stdout) {
			return outputTable, nil
		}
		return outputJSON, nil
	}
	return "", usagef("--output %q: must be table, csv or json", flagValue)
}

// rowsTable is one table of the output: a header and rows of cells.
type rowsTable struct {
	title  string
	header []string
	rows   [][]string
}

// notice is a notice of a frame, with the query it belongs to.
type notice struct {
	refID, severity, text string
}

// isSeries reports whether a frame is one time series: a time field and one
// value field (the value's labels name the series).
func isSeries(f *data.Frame) bool {
	return len(f.Fields) == 2 && f.Fields[0].Type().Time() && !f.Fields[1].Type().Time()
}

// seriesName is the name of a series as Grafana's legend shows it by default:
// the frame's name (or the field's) with the labels in braces.
func seriesName(f *data.Frame) string {
	vf := f.Fields[1]
	name := f.Name
	if vf.Config != nil && vf.Config.DisplayNameFromDS != "" {
		name = vf.Config.DisplayNameFromDS
	}
	if name == "" {
		name = vf.Name
	}
	if len(vf.Labels) > 0 {
		name += " {" + labelText(vf.Labels) + "}"
	}
	return name
}

// cell formats a field's value at row i for people and CSV: times in RFC 3339,
// numbers in at most 6 significant digits, nulls empty.
func cell(f *data.Field, i int) string {
	v, ok := f.ConcreteAt(i)
	if !ok {
		return ""
	}
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case float64:
		return strconv.FormatFloat(x, 'g', 6, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', 6, 32)
	case string:
		return x
	case json.RawMessage:
		return string(x)
	}
	return fmt.Sprint(v)
}

// responseTables turns a QueryData response into tables: one row per (time,
// series) for the time series of all queries, then each other frame's rows as
// they are. Notices of every frame are returned apart.
func responseTables(resp *backend.QueryDataResponse, refIDs []string) ([]rowsTable, []notice) {
	var tables []rowsTable
	var notices []notice
	series := rowsTable{title: "series", header: []string{"time", "series", "value"}}
	several := len(refIDs) > 1
	if several {
		series.header = append([]string{"query"}, series.header...)
	}
	for _, id := range refIDs {
		r := resp.Responses[id]
		for _, f := range r.Frames {
			if f.Meta != nil {
				for _, n := range f.Meta.Notices {
					notices = append(notices, notice{refID: id, severity: n.Severity.String(), text: n.Text})
				}
			}
			if len(f.Fields) == 0 {
				continue
			}
			if isSeries(f) {
				name := seriesName(f)
				for i := 0; i < f.Rows(); i++ {
					row := []string{cell(f.Fields[0], i), name, cell(f.Fields[1], i)}
					if several {
						row = append([]string{id}, row...)
					}
					series.rows = append(series.rows, row)
				}
				continue
			}
			t := rowsTable{title: f.Name}
			if t.title == "" {
				t.title = "frame"
			}
			if several {
				t.title = id + ": " + t.title
			}
			for _, field := range f.Fields {
				name := field.Name
				if field.Config != nil && field.Config.DisplayNameFromDS != "" {
					name = field.Config.DisplayNameFromDS
				}
				t.header = append(t.header, name)
			}
			for i := 0; i < f.Rows(); i++ {
				row := make([]string, len(f.Fields))
				for j, field := range f.Fields {
					row[j] = cell(field, i)
				}
				t.rows = append(t.rows, row)
			}
			tables = append(tables, t)
		}
	}
	if len(series.rows) > 0 {
		tables = append([]rowsTable{series}, tables...)
	}
	return tables, notices
}

// writeResponse prints a QueryData response in the format: the JSON Grafana
// would get, aligned tables with the notices under them, or CSV (tables
// separated by a blank line; the notices then go to stderr, so the CSV stays
// clean).
func writeResponse(stdout, stderr io.Writer, format string, resp *backend.QueryDataResponse, refIDs []string) error {
	if format == outputJSON {
		out, err := json.MarshalIndent(resp, "", "  ")
		if err != nil {
			return fmt.Errorf("encode response: %w", err)
		}
		_, err = fmt.Fprintln(stdout, string(out))
		return err
	}
	tables, notices := responseTables(resp, refIDs)
	switch format {
	case outputCSV:
		for i, t := range tables {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			w := csv.NewWriter(stdout)
			_ = w.Write(t.header)
			_ = w.WriteAll(t.rows)
			if err := w.Error(); err != nil {
				return fmt.Errorf("write CSV: %w", err)
			}
		}
		writeNotices(stderr, notices)
	default:
		for i, t := range tables {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			if len(tables) > 1 {
				fmt.Fprintf(stdout, "%s (%d rows)\n", t.title, len(t.rows))
			}
			w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, strings.Join(t.header, "\t"))
			for _, row := range t.rows {
				fmt.Fprintln(w, strings.Join(row, "\t"))
			}
			if err := w.Flush(); err != nil {
				return err
			}
		}
		if len(tables) == 0 {
			fmt.Fprintln(stdout, "(no rows)")
		}
		if len(notices) > 0 {
			fmt.Fprintln(stdout)
		}
		writeNotices(stdout, notices)
	}
	for _, id := range refIDs {
		if r := resp.Responses[id]; r.Error != nil {
			fmt.Fprintf(stderr, "error %s: %v\n", id, r.Error)
		}
	}
	return nil
}

func writeNotices(w io.Writer, notices []notice) {
	for _, n := range notices {
		fmt.Fprintf(w, "%s %s: %s\n", n.severity, n.refID, n.text)
	}
}
