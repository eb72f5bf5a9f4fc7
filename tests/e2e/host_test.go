//go:build e2e

// Package e2e runs the built plugin binary (dist/datasource/gpx_vigil_linux_amd64)
// as Grafana hosts a backend plugin: a child process speaking the plugin gRPC
// protocol after the go-plugin handshake. It checks the demo story through the
// binary: health, every dashboard target, the provisioned alert rules' queries
// and the resource routes.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vigil-mlobs/vigil/tests/pluginhost"
)

const datasourceUID = pluginhost.DatasourceUID

// host is the running plugin process (tests/pluginhost) with helpers that
// fail the test on a transport error.
type host struct{ *pluginhost.Host }

var (
	repoRoot string
	demoDB   string
	demoEnd  time.Time
	plug     *host
)

func TestMain(m *testing.M) {
	code, err := setup(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e setup:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func setup(m *testing.M) (int, error) {
	repoRoot = pluginhost.RepoRoot()
	bin, err := pluginhost.Binary()
	if err != nil {
		return 0, err
	}
	work, err := os.MkdirTemp("", "vigil-e2e-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(work)

	vigil, err := pluginhost.BuildVigil(work)
	if err != nil {
		return 0, err
	}
	// The demo ends now, so the alert rules' "last hours" windows see its story.
	demoEnd = time.Now().UTC().Truncate(time.Minute)
	demoDB = filepath.Join(work, "demo.duckdb")
	cmd := exec.Command(vigil, "demo", "--db", demoDB, "--seed", "11", "--scale", "0.5", "--end", demoEnd.Format(time.RFC3339))
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("vigil demo: %v\n%s", err, out)
	}
	h, err := pluginhost.Start(bin, demoDB, nil)
	if err != nil {
		return 0, err
	}
	plug = &host{h}
	defer h.Stop()
	return m.Run(), nil
}

func (h *host) query(t *testing.T, from, to time.Time, queries ...json.RawMessage) *backend.QueryDataResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := h.Query(ctx, from, to, queries...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type resourceReply = pluginhost.Reply

func (h *host) call(t *testing.T, role, method, path string, body []byte) resourceReply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	reply, err := h.Call(ctx, role, method, path, body, nil)
	if err != nil {
		t.Fatal(err)
	}
	return reply
}

func (h *host) health(t *testing.T) *backend.CheckHealthResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := h.Health(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return res
}
