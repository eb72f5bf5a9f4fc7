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
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
)

const datasourceUID = "vigil"

// host is a running plugin process and its gRPC clients.
type host struct {
	client      *goplugin.Client
	data        grpcplugin.DataClient
	diagnostics grpcplugin.DiagnosticsClient
	resource    grpcplugin.ResourceClient
	settings    backend.DataSourceInstanceSettings
}

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
	_, file, _, _ := runtime.Caller(0)
	repoRoot = filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
	bin := filepath.Join(repoRoot, "dist", "datasource", "gpx_vigil_linux_amd64")
	if _, err := os.Stat(bin); err != nil {
		return 0, fmt.Errorf("the plugin binary is missing (%v): build it with `go tool mage` first", err)
	}
	work, err := os.MkdirTemp("", "vigil-e2e-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(work)

	vigil := filepath.Join(work, "vigil")
	build := exec.Command("go", "build", "-tags", "duckdb_arrow", "-o", vigil, "./pkg/cmd/vigil")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("build vigil: %v\n%s", err, out)
	}
	// The demo ends now, so the alert rules' "last hours" windows see its story.
	demoEnd = time.Now().UTC().Truncate(time.Minute)
	demoDB = filepath.Join(work, "demo.duckdb")
	cmd := exec.Command(vigil, "demo", "--db", demoDB, "--seed", "11", "--scale", "0.5", "--end", demoEnd.Format(time.RFC3339))
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("vigil demo: %v\n%s", err, out)
	}
	plug, err = start(bin, demoDB)
	if err != nil {
		return 0, err
	}
	defer plug.client.Kill()
	return m.Run(), nil
}

func start(bin, db string) (*host, error) {
	plugins := goplugin.PluginSet{
		"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
		"resource":    &grpcplugin.ResourceGRPCPlugin{},
		"data":        &grpcplugin.DataGRPCPlugin{},
	}
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: goplugin.HandshakeConfig{
			ProtocolVersion:  grpcplugin.ProtocolVersion,
			MagicCookieKey:   grpcplugin.MagicCookieKey,
			MagicCookieValue: grpcplugin.MagicCookieValue,
		},
		VersionedPlugins: map[int]goplugin.PluginSet{grpcplugin.ProtocolVersion: plugins},
		Cmd:              exec.Command(bin),
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           hclog.New(&hclog.LoggerOptions{Output: io.Discard, Level: hclog.Error}),
		StartTimeout:     time.Minute,
	})
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("start the plugin: %w", err)
	}
	h := &host{client: client}
	for name, dst := range map[string]any{"data": &h.data, "diagnostics": &h.diagnostics, "resource": &h.resource} {
		raw, err := rpc.Dispense(name)
		if err != nil {
			client.Kill()
			return nil, fmt.Errorf("dispense %s: %w", name, err)
		}
		switch d := dst.(type) {
		case *grpcplugin.DataClient:
			*d = raw.(grpcplugin.DataClient)
		case *grpcplugin.DiagnosticsClient:
			*d = raw.(grpcplugin.DiagnosticsClient)
		case *grpcplugin.ResourceClient:
			*d = raw.(grpcplugin.ResourceClient)
		}
	}
	jsonData, _ := json.Marshal(map[string]any{"path": db, "queryTimeout": 60})
	h.settings = backend.DataSourceInstanceSettings{UID: datasourceUID, ID: 1, Name: "Vigil", Type: "vigil-mlobs-datasource", JSONData: jsonData, Updated: time.Now()}
	return h, nil
}

func (h *host) pluginContext(role string) backend.PluginContext {
	pc := backend.PluginContext{OrgID: 1, PluginID: "vigil-mlobs-datasource", DataSourceInstanceSettings: &h.settings}
	if role != "" {
		pc.User = &backend.User{Login: "e2e", Role: role}
	}
	return pc
}

func (h *host) query(t *testing.T, from, to time.Time, queries ...json.RawMessage) *backend.QueryDataResponse {
	t.Helper()
	req := &backend.QueryDataRequest{PluginContext: h.pluginContext("Viewer")}
	for i, q := range queries {
		var head struct {
			RefID     string `json:"refId"`
			QueryType string `json:"queryType"`
		}
		if err := json.Unmarshal(q, &head); err != nil {
			t.Fatalf("query %d: %v", i, err)
		}
		if head.RefID == "" {
			head.RefID = fmt.Sprintf("Q%d", i)
		}
		req.Queries = append(req.Queries, backend.DataQuery{RefID: head.RefID, QueryType: head.QueryType, JSON: q,
			TimeRange: backend.TimeRange{From: from, To: to}, Interval: time.Hour, MaxDataPoints: 1000})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	resp, err := h.data.QueryData(ctx, backend.ToProto().QueryDataRequest(req))
	if err != nil {
		t.Fatalf("QueryData: %v", err)
	}
	out, err := backend.FromProto().QueryDataResponse(resp)
	if err != nil {
		t.Fatalf("decode QueryData: %v", err)
	}
	return out
}

type resourceReply struct {
	Status int
	Body   []byte
}

func (h *host) call(t *testing.T, role, method, path string, body []byte) resourceReply {
	t.Helper()
	req := &backend.CallResourceRequest{PluginContext: h.pluginContext(role), Method: method, Path: path, URL: path, Body: body,
		Headers: map[string][]string{"Content-Type": {"application/x-ndjson"}}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stream, err := h.resource.CallResource(ctx, backend.ToProto().CallResourceRequest(req))
	if err != nil {
		t.Fatalf("CallResource %s: %v", path, err)
	}
	var reply resourceReply
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("CallResource %s: %v", path, err)
		}
		if msg.Code != 0 {
			reply.Status = int(msg.Code)
		}
		reply.Body = append(reply.Body, msg.Body...)
	}
	return reply
}

func (h *host) health(t *testing.T) *backend.CheckHealthResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	resp, err := h.diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: backend.ToProto().PluginContext(h.pluginContext("Admin"))})
	if err != nil {
		t.Fatalf("CheckHealth: %v", err)
	}
	return backend.FromProto().CheckHealthResponse(resp)
}
