// Command backendhost is a test harness for the browser tests, not Grafana. It starts the real, built plugin
// binary (dist/datasource/gpx_vigil_linux_amd64) as Grafana hosts a backend plugin — a child process reached
// over the go-plugin handshake and the plugin gRPC protocol — with a DuckDB file given by -db, and serves on
// 127.0.0.1 the two HTTP endpoints the datasource frontend calls in Grafana:
//
//	GET|POST /api/datasources/uid/{uid}/resources/{path...}  → CallResource
//	POST     /api/ds/query                                  → QueryData
//
// The query endpoint takes Grafana's request body ({queries:[{refId, datasource:{uid}, queryType, ...}], from,
// to}, times in epoch milliseconds) and answers Grafana's JSON QueryDataResponse. There is no auth, no
// provisioning and no other Grafana API: only what tests/browser needs to drive the plugin's query editor.
//
// It prints "listening on http://127.0.0.1:PORT" once it serves, and exits when its stdin closes, after
// -timeout, or on SIGINT/SIGTERM; the plugin process is killed on exit.
//
//	go run ./tests/browser/backendhost -db demo.duckdb [-bin dist/datasource/gpx_vigil_linux_amd64] [-port 0]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
)

const pluginID = "vigil-mlobs-datasource"

// plugin is the running plugin process and the gRPC clients Grafana would use.
type plugin struct {
	client   *goplugin.Client
	data     grpcplugin.DataClient
	resource grpcplugin.ResourceClient
	settings backend.DataSourceInstanceSettings
}

func main() {
	bin := flag.String("bin", "dist/datasource/gpx_vigil_linux_amd64", "the built plugin binary")
	db := flag.String("db", "", "the DuckDB file the data source opens (required)")
	uid := flag.String("uid", "vigil", "the data source's uid")
	port := flag.Int("port", 0, "port on 127.0.0.1 (0 picks a free one)")
	timeout := flag.Duration("timeout", 5*time.Minute, "exit after this long")
	flag.Parse()
	if *db == "" {
		log.Fatal("backendhost: -db is required")
	}
	if err := run(*bin, *db, *uid, *port, *timeout); err != nil {
		log.Fatal("backendhost: ", err)
	}
}

func run(bin, db, uid string, port int, timeout time.Duration) error {
	p, err := start(bin, db, uid)
	if err != nil {
		return err
	}
	defer p.client.Kill()

	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/datasources/uid/{uid}/resources/{path...}", p.handleResource)
	mux.HandleFunc("POST /api/ds/query", p.handleQuery)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Printf("listening on http://%s\n", ln.Addr())

	stdinClosed := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(stdinClosed)
	}()
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	select {
	case <-stdinClosed:
	case <-signals:
	case <-time.After(timeout):
		log.Print("backendhost: timeout reached")
	case err := <-served:
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
	return nil
}

// start runs the plugin binary as Grafana does: go-plugin handshake, then the plugin gRPC services.
func start(bin, db, uid string) (*plugin, error) {
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("the plugin binary is missing (%v): build it with `go tool mage`", err)
	}
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: goplugin.HandshakeConfig{
			ProtocolVersion:  grpcplugin.ProtocolVersion,
			MagicCookieKey:   grpcplugin.MagicCookieKey,
			MagicCookieValue: grpcplugin.MagicCookieValue,
		},
		VersionedPlugins: map[int]goplugin.PluginSet{grpcplugin.ProtocolVersion: {
			"resource": &grpcplugin.ResourceGRPCPlugin{},
			"data":     &grpcplugin.DataGRPCPlugin{},
		}},
		Cmd:              exec.Command(bin),
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           hclog.New(&hclog.LoggerOptions{Output: os.Stderr, Level: hclog.Error}),
		StartTimeout:     time.Minute,
	})
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("start the plugin: %w", err)
	}
	p := &plugin{client: client}
	raw, err := rpc.Dispense("data")
	if err == nil {
		p.data = raw.(grpcplugin.DataClient)
		raw, err = rpc.Dispense("resource")
	}
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("dispense: %w", err)
	}
	p.resource = raw.(grpcplugin.ResourceClient)
	jsonData, _ := json.Marshal(map[string]any{"path": db, "queryTimeout": 60})
	p.settings = backend.DataSourceInstanceSettings{UID: uid, ID: 1, Name: "Vigil", Type: pluginID,
		JSONData: jsonData, Updated: time.Now()}
	return p, nil
}

func (p *plugin) pluginContext() backend.PluginContext {
	return backend.PluginContext{OrgID: 1, PluginID: pluginID, DataSourceInstanceSettings: &p.settings,
		User: &backend.User{Login: "browser-test", Role: "Editor"}}
}

func httpError(w http.ResponseWriter, status int, format string, args ...any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": fmt.Sprintf(format, args...)})
}

// handleResource forwards one resource request to the plugin's CallResource and streams its answer back.
func (p *plugin) handleResource(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("uid") != p.settings.UID {
		httpError(w, http.StatusNotFound, "data source not found")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		httpError(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		httpError(w, http.StatusBadRequest, "read body: %v", err)
		return
	}
	sub := r.PathValue("path")
	url := sub
	if r.URL.RawQuery != "" {
		url += "?" + r.URL.RawQuery
	}
	req := &backend.CallResourceRequest{PluginContext: p.pluginContext(), Method: r.Method, Path: sub, URL: url,
		Headers: r.Header, Body: body}
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	stream, err := p.resource.CallResource(ctx, backend.ToProto().CallResourceRequest(req))
	if err != nil {
		httpError(w, http.StatusBadGateway, "CallResource: %v", err)
		return
	}
	wroteHeader := false
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if !wroteHeader {
				httpError(w, http.StatusBadGateway, "CallResource: %v", err)
			}
			return
		}
		if !wroteHeader {
			for k, vs := range msg.Headers {
				for _, v := range vs.Values {
					w.Header().Add(k, v)
				}
			}
			code := int(msg.Code)
			if code == 0 {
				code = http.StatusOK
			}
			w.WriteHeader(code)
			wroteHeader = true
		}
		_, _ = w.Write(msg.Body)
	}
	if !wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
}

// queryRequest is the body of Grafana's POST /api/ds/query.
type queryRequest struct {
	Queries []json.RawMessage `json:"queries"`
	From    string            `json:"from"`
	To      string            `json:"to"`
}

// parseTime reads Grafana's from/to: epoch milliseconds, "now", "now-6h" or RFC 3339.
func parseTime(s string, now time.Time) (time.Time, error) {
	switch {
	case s == "now":
		return now, nil
	case strings.HasPrefix(s, "now-"):
		d, err := time.ParseDuration(strings.TrimPrefix(s, "now-"))
		return now.Add(-d), err
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	return time.Parse(time.RFC3339, s)
}

// handleQuery turns Grafana's query body into a QueryDataRequest for the plugin and answers its response as JSON.
func (p *plugin) handleQuery(w http.ResponseWriter, r *http.Request) {
	var body queryRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 16<<20)).Decode(&body); err != nil {
		httpError(w, http.StatusBadRequest, "bad query body: %v", err)
		return
	}
	now := time.Now().UTC()
	from, err := parseTime(body.From, now)
	if err != nil {
		httpError(w, http.StatusBadRequest, "bad from: %v", err)
		return
	}
	to, err := parseTime(body.To, now)
	if err != nil {
		httpError(w, http.StatusBadRequest, "bad to: %v", err)
		return
	}
	req := &backend.QueryDataRequest{PluginContext: p.pluginContext(), Headers: map[string]string{}}
	for i, raw := range body.Queries {
		var head struct {
			RefID         string `json:"refId"`
			QueryType     string `json:"queryType"`
			IntervalMs    int64  `json:"intervalMs"`
			MaxDataPoints int64  `json:"maxDataPoints"`
			Datasource    *struct {
				UID string `json:"uid"`
			} `json:"datasource"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			httpError(w, http.StatusBadRequest, "query %d: %v", i, err)
			return
		}
		if head.Datasource != nil && head.Datasource.UID != "" && head.Datasource.UID != p.settings.UID {
			httpError(w, http.StatusBadRequest, "query %d: unknown data source %q", i, head.Datasource.UID)
			return
		}
		if head.RefID == "" {
			head.RefID = "A"
		}
		if head.IntervalMs <= 0 {
			head.IntervalMs = 1000
		}
		if head.MaxDataPoints <= 0 {
			head.MaxDataPoints = 100
		}
		req.Queries = append(req.Queries, backend.DataQuery{RefID: head.RefID, QueryType: head.QueryType, JSON: raw,
			TimeRange: backend.TimeRange{From: from, To: to}, Interval: time.Duration(head.IntervalMs) * time.Millisecond,
			MaxDataPoints: head.MaxDataPoints})
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Minute)
	defer cancel()
	resp, err := p.data.QueryData(ctx, backend.ToProto().QueryDataRequest(req))
	if err != nil {
		httpError(w, http.StatusBadGateway, "QueryData: %v", err)
		return
	}
	out, err := backend.FromProto().QueryDataResponse(resp)
	if err != nil {
		httpError(w, http.StatusBadGateway, "decode QueryData: %v", err)
		return
	}
	encoded, err := json.Marshal(out)
	if err != nil {
		httpError(w, http.StatusInternalServerError, "encode: %v", err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(encoded)
}
