package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// exitUsage is the exit code for a command line that cannot run.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
	// exitEmpty is a gate with a checked series (or query) that has no
	// non-null value: nothing was checked, so it must not pass.
	exitEmpty   = 3
	usageHeader = `vigil — ML observability: ingest, query, demo data, CI drift gate

Usage:
  vigil ingest  --db FILE [--format ndjson|csv|parquet] [mapping flags] FILE...
  vigil ingest  --grafana URL --token T --datasource UID [mapping flags] FILE...
  vigil query   --db FILE --from T --to T --query JSON
  vigil gate    --db FILE --from T --to T --query JSON [--max X] [--min Y] [--allow-empty]
                exit 0 within bounds, 1 a bound crossed, 2 usage, 3 a series with no value
  vigil demo    --db FILE [--days 30] [--seed N] [--scale N] [--end T]
  vigil version --db FILE --model M --version V --status shadow|canary|active|deprecated [--at T]

Run 'vigil COMMAND -h' for a command's flags.
`
)

type command struct {
	name string
	run  func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"ingest", runIngest},
		{"query", runQuery},
		{"gate", runGate},
		{"demo", runDemo},
		{"version", runVersion},
	}
}

// usageError is a command line that cannot run; it exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// errGateFailed is a gate whose bound was crossed; it exits 1 after printing.
var errGateFailed = errors.New("gate failed")

// errGateEmpty is a gate with a series that has no value to check; it exits
// 3 after printing (unless --allow-empty).
var errGateEmpty = errors.New("gate found empty series")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usageHeader)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		var ue *usageError
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "vigil %s: %s\n", c.name, ue.msg)
			return exitUsage
		case errors.Is(err, errGateFailed):
			return exitFailed
		case errors.Is(err, errGateEmpty):
			return exitEmpty
		default:
			fmt.Fprintf(stderr, "vigil %s: %v\n", c.name, err)
			return exitFailed
		}
	}
	fmt.Fprintf(stderr, "vigil: unknown command %q (commands: %s)\n", args[0], names())
	return exitUsage
}

func names() string {
	var ns []string
	for _, c := range commands() {
		ns = append(ns, c.name)
	}
	return strings.Join(ns, ", ")
}

// newFlags returns a flag set whose errors become usage errors.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("vigil "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	helpFor(fs, name)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{err.Error()}
	}
	return nil
}

// listFlag is a comma-separated list flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}
