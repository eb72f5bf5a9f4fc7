// Package plugin is the Vigil datasource: instance lifecycle, one file per SDK
// handler, the query-type mux and the resource routes.
package plugin

import (
	"context"
	"fmt"
	"net/http"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"

	"github.com/vigil-mlobs/vigil/pkg/engine"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/duckdb"
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
	st, err := duckdb.Open(ctx, duckdb.Options{Path: s.Path, Threads: s.Threads, MemoryLimit: s.MemoryLimit})
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
	return d.resources.CallResource(ctx, req, sender)
}
