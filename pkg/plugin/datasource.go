// Package plugin is the Vigil datasource: instance lifecycle, one file per SDK
// handler, the query-type mux and the resource routes.
package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"

	"github.com/vigil-mlobs/vigil/pkg/engine"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// Make sure Datasource implements the SDK's handler interfaces.
var (
	_ backend.QueryDataHandler      = (*Datasource)(nil)
	_ backend.CheckHealthHandler    = (*Datasource)(nil)
	_ backend.CallResourceHandler   = (*Datasource)(nil)
	_ instancemgmt.InstanceDisposer = (*Datasource)(nil)
)

// Datasource is one configured Vigil datasource instance.
type Datasource struct {
	settings  models.Settings
	store     store.Store
	engine    *engine.Engine
	mux       *datasource.QueryTypeMux
	resources backend.CallResourceHandler
	ingestQ   chan struct{}
}

// NewDatasource opens the store named by the settings. It is the factory that
// datasource.Manage calls for each instance.
func NewDatasource(ctx context.Context, src backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	s, err := models.LoadSettings(src)
	if err != nil {
		return nil, err
	}
	st, err := openStore(ctx, s)
	if err != nil {
		return nil, backend.DownstreamError(fmt.Errorf("open the Vigil store: %w", err))
	}
	return New(st, s), nil
}

// New returns a datasource over an open store; vigil query uses it to run the
// exact code path Grafana runs.
func New(st store.Store, s models.Settings) *Datasource {
	if s.IngestQueue <= 0 {
		s.IngestQueue = models.DefaultIngestQueue
	}
	if s.IngestMaxBytes <= 0 {
		s.IngestMaxBytes = models.DefaultIngestMaxBytes
	}
	if s.QueryTimeout <= 0 {
		s.QueryTimeout = models.DefaultQueryTimeout
	}
	d := &Datasource{
		settings: s,
		store:    st,
		engine:   engine.New(st, engine.Limits{MaxGroups: s.MaxGroups, MaxSampleSize: s.MaxSampleSize, MaxPoints: s.MaxPoints, MaxResponseBytes: s.MaxResponseBytes}),
		ingestQ:  make(chan struct{}, s.IngestQueue),
	}
	d.mux = datasource.NewQueryTypeMux()
	for _, qt := range models.QueryTypes {
		if engine.Handles(qt) {
			d.mux.HandleFunc(qt, d.queryData)
		}
	}
	d.mux.HandleFunc("", d.unknownQueryType)
	d.resources = httpadapter.New(d.routes())
	return d
}

// Dispose closes the store when Grafana replaces or removes the instance.
func (d *Datasource) Dispose() {
	if err := d.store.Close(); err != nil {
		backend.Logger.Error("close the Vigil store", "error", err)
	}
}

// CallResource serves the resource routes.
func (d *Datasource) CallResource(ctx context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) (err error) {
	defer func() {
		if r := recover(); r != nil {
			backend.Logger.Error("panic in resource handler", "panic", r, "path", req.Path)
			err = sender.Send(&backend.CallResourceResponse{Status: http.StatusInternalServerError, Body: []byte(`{"error":"internal error"}`)})
		}
	}()
	if status, msg := checkResourceRequest(req); status != 0 {
		body, _ := json.Marshal(apiError{Error: msg})
		return sender.Send(&backend.CallResourceResponse{Status: status, Body: body,
			Headers: map[string][]string{"Content-Type": {"application/json"}}})
	}
	return d.resources.CallResource(ctx, req, sender)
}

// checkResourceRequest refuses, with a status and a message, a call the HTTP
// adapter could not turn into a request (it would fail the call with a bare
// error, which Grafana shows as an internal error): a method that is not an
// HTTP method token, or a URL or path that does not parse.
func checkResourceRequest(req *backend.CallResourceRequest) (int, string) {
	if _, err := http.NewRequest(req.Method, "/", nil); err != nil {
		return http.StatusMethodNotAllowed, fmt.Sprintf("%q is not an HTTP method", req.Method)
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		return http.StatusBadRequest, fmt.Sprintf("the resource URL %q does not parse: %v", req.URL, err)
	}
	path := req.Path
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	if _, err := http.NewRequest(req.Method, path, nil); err != nil {
		return http.StatusBadRequest, fmt.Sprintf("the resource path %q does not parse: %v", req.Path, err)
	}
	return 0, ""
}
