// Package pluginhost runs the built plugin binary (dist/datasource/
// gpx_vigil_linux_amd64) as Grafana hosts a backend plugin: a child process
// speaking the plugin gRPC protocol after the go-plugin handshake. The
// end-to-end, crash and load tests share it.
package pluginhost

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
)

// DatasourceUID is the uid the hosted datasource instance has.
const DatasourceUID = "vigil"

// RepoRoot is the repository's root directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Binary is the built plugin binary, or an error saying how to build it.
func Binary() (string, error) {
	bin := filepath.Join(RepoRoot(), "dist", "datasource", "gpx_vigil_linux_amd64")
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("the plugin binary is missing (%v): build it with `go tool mage` first", err)
	}
	return bin, nil
}

// BuildVigil builds the vigil command into dir and returns its path.
func BuildVigil(dir string) (string, error) {
	vigil := filepath.Join(dir, "vigil")
	build := exec.Command("go", "build", "-tags", "duckdb_arrow", "-o", vigil, "./pkg/cmd/vigil")
	build.Dir = RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build vigil: %v\n%s", err, out)
	}
	return vigil, nil
}

// Host is a running plugin process and its gRPC clients.
type Host struct {
	Client      *goplugin.Client
	Data        grpcplugin.DataClient
	Diagnostics grpcplugin.DiagnosticsClient
	Resource    grpcplugin.ResourceClient
	Settings    backend.DataSourceInstanceSettings
	cmd         *exec.Cmd
}

// Start runs the plugin binary with a datasource instance whose jsonData is
// {"path": db, "queryTimeout": 60} plus extra.
func Start(bin, db string, extra map[string]any) (*Host, error) {
	plugins := goplugin.PluginSet{
		"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
		"resource":    &grpcplugin.ResourceGRPCPlugin{},
		"data":        &grpcplugin.DataGRPCPlugin{},
	}
	cmd := exec.Command(bin)
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: goplugin.HandshakeConfig{
			ProtocolVersion:  grpcplugin.ProtocolVersion,
			MagicCookieKey:   grpcplugin.MagicCookieKey,
			MagicCookieValue: grpcplugin.MagicCookieValue,
		},
		VersionedPlugins: map[int]goplugin.PluginSet{grpcplugin.ProtocolVersion: plugins},
		Cmd:              cmd,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           hclog.New(&hclog.LoggerOptions{Output: io.Discard, Level: hclog.Error}),
		StartTimeout:     time.Minute,
	})
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("start the plugin: %w", err)
	}
	h := &Host{Client: client, cmd: cmd}
	for name, dst := range map[string]any{"data": &h.Data, "diagnostics": &h.Diagnostics, "resource": &h.Resource} {
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
	js := map[string]any{"path": db, "queryTimeout": 60}
	for k, v := range extra {
		js[k] = v
	}
	jsonData, _ := json.Marshal(js)
	h.Settings = backend.DataSourceInstanceSettings{UID: DatasourceUID, ID: 1, Name: "Vigil", Type: "vigil-mlobs-datasource", JSONData: jsonData, Updated: time.Now()}
	return h, nil
}

// Pid is the plugin process's id.
func (h *Host) Pid() int {
	if h.cmd.Process == nil {
		return 0
	}
	return h.cmd.Process.Pid
}

// KillHard ends the plugin process with SIGKILL, as a crash or an OOM kill
// would, and waits until it is gone.
func (h *Host) KillHard() error {
	if err := syscall.Kill(h.Pid(), syscall.SIGKILL); err != nil {
		return fmt.Errorf("SIGKILL the plugin (pid %d): %w", h.Pid(), err)
	}
	h.Client.Kill() // reaps the process and closes the connection
	return nil
}

// Stop ends the plugin the way Grafana does on shutdown.
func (h *Host) Stop() { h.Client.Kill() }

// PluginContext is the context Grafana sends for a user with role ("" for none).
func (h *Host) PluginContext(role string) backend.PluginContext {
	pc := backend.PluginContext{OrgID: 1, PluginID: "vigil-mlobs-datasource", DataSourceInstanceSettings: &h.Settings}
	if role != "" {
		pc.User = &backend.User{Login: "test", Role: role}
	}
	return pc
}

// Query sends queries (their JSON; refId and queryType are read from it) in
// one QueryData request.
func (h *Host) Query(ctx context.Context, from, to time.Time, queries ...json.RawMessage) (*backend.QueryDataResponse, error) {
	req := &backend.QueryDataRequest{PluginContext: h.PluginContext("Viewer")}
	for i, q := range queries {
		var head struct {
			RefID     string `json:"refId"`
			QueryType string `json:"queryType"`
		}
		if err := json.Unmarshal(q, &head); err != nil {
			return nil, fmt.Errorf("query %d: %w", i, err)
		}
		if head.RefID == "" {
			head.RefID = fmt.Sprintf("Q%d", i)
		}
		req.Queries = append(req.Queries, backend.DataQuery{RefID: head.RefID, QueryType: head.QueryType, JSON: q,
			TimeRange: backend.TimeRange{From: from, To: to}, Interval: time.Hour, MaxDataPoints: 1000})
	}
	resp, err := h.Data.QueryData(ctx, backend.ToProto().QueryDataRequest(req))
	if err != nil {
		return nil, fmt.Errorf("QueryData: %w", err)
	}
	out, err := backend.FromProto().QueryDataResponse(resp)
	if err != nil {
		return nil, fmt.Errorf("decode QueryData: %w", err)
	}
	return out, nil
}

// Reply is a resource call's answer.
type Reply struct {
	Status  int
	Headers map[string][]string
	Body    []byte
}

// Call sends a resource call; headers may be nil (the body is then NDJSON).
func (h *Host) Call(ctx context.Context, role, method, path string, body []byte, headers map[string]string) (Reply, error) {
	hs := map[string][]string{"Content-Type": {"application/x-ndjson"}}
	for k, v := range headers {
		hs[k] = []string{v}
	}
	url := path
	path, _, _ = cutQuery(path)
	req := &backend.CallResourceRequest{PluginContext: h.PluginContext(role), Method: method, Path: path, URL: url, Body: body, Headers: hs}
	stream, err := h.Resource.CallResource(ctx, backend.ToProto().CallResourceRequest(req))
	if err != nil {
		return Reply{}, fmt.Errorf("CallResource %s: %w", path, err)
	}
	var reply Reply
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return reply, fmt.Errorf("CallResource %s: %w", path, err)
		}
		if msg.Code != 0 {
			reply.Status = int(msg.Code)
		}
		if msg.Headers != nil && reply.Headers == nil {
			reply.Headers = map[string][]string{}
			for k, v := range msg.Headers {
				reply.Headers[k] = v.Values
			}
		}
		reply.Body = append(reply.Body, msg.Body...)
	}
	return reply, nil
}

func cutQuery(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '?' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// Health runs CheckHealth as an Admin.
func (h *Host) Health(ctx context.Context) (*backend.CheckHealthResult, error) {
	resp, err := h.Diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: backend.ToProto().PluginContext(h.PluginContext("Admin"))})
	if err != nil {
		return nil, fmt.Errorf("CheckHealth: %w", err)
	}
	return backend.FromProto().CheckHealthResponse(resp), nil
}

// Stats reads a process's resident set size (bytes) from /proc.
func Stats(pid int) (rss int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", pid))
	if err != nil {
		return 0, err
	}
	var size, resident int64
	if _, err := fmt.Sscan(string(b), &size, &resident); err != nil {
		return 0, fmt.Errorf("read /proc/%d/statm: %w", pid, err)
	}
	return resident * int64(os.Getpagesize()), nil
}
