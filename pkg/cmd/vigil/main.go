// Command vigil ingests inference records, runs Vigil queries, generates the
// demo scenario and gates CI pipelines on drift — the same code the Grafana
// datasource runs, reachable without Grafana.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
