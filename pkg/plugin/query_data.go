package plugin

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vigil-mlobs/vigil/pkg/engine"
	"github.com/vigil-mlobs/vigil/pkg/framing"
	"github.com/vigil-mlobs/vigil/pkg/models"
)

// QueryData answers a batch of queries; the mux hands each query type's
// queries to its handler and merges the responses.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	return d.mux.QueryData(ctx, req)
}

// queryData runs each query on its own, so one bad query never drops the others.
func (d *Datasource) queryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	resp := backend.NewQueryDataResponse()
	parsed := make([]*models.Query, len(req.Queries))
	failed := make([]*backend.DataResponse, len(req.Queries))
	for i, q := range req.Queries {
		parsed[i], failed[i] = d.parse(q)
	}
	// The queries of a request share what they read (engine.WithShare).
	ctx = engine.WithShare(ctx, parsed...)
	for i, q := range req.Queries {
		if failed[i] != nil {
			resp.Responses[q.RefID] = *failed[i]
			continue
		}
		resp.Responses[q.RefID] = d.query(ctx, q, parsed[i])
	}
	return resp, nil
}

func (d *Datasource) unknownQueryType(_ context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	resp := backend.NewQueryDataResponse()
	known := strings.Join(models.QueryTypes, ", ")
	for _, q := range req.Queries {
		err := &models.QueryError{Option: "queryType", Msg: fmt.Sprintf("%q is not a query type; one of %s", q.QueryType, known)}
		switch {
		case q.QueryType == "":
			err.Msg = "is required; one of " + known
		case slices.Contains(models.QueryTypes, q.QueryType):
			err.Msg = fmt.Sprintf("%q queries are not supported by this version of Vigil yet", q.QueryType)
		}
		resp.Responses[q.RefID] = errorResponse(err)
	}
	return resp, nil
}

// parse reads a query, or gives the response that says what is wrong with it.
func (d *Datasource) parse(dq backend.DataQuery) (q *models.Query, failed *backend.DataResponse) {
	defer func() {
		if r := recover(); r != nil {
			q, failed = nil, internalError(dq, r)
		}
	}()
	q, err := models.Parse(models.Request{
		JSON: dq.JSON, QueryType: dq.QueryType, RefID: dq.RefID,
		From: dq.TimeRange.From, To: dq.TimeRange.To, Interval: dq.Interval, MaxDataPoints: dq.MaxDataPoints,
	}, models.Limits{MaxBuckets: d.settings.MaxBuckets})
	if err != nil {
		resp := errorResponse(err)
		return nil, &resp
	}
	return q, nil
}

// internalError logs a panic of a query's handling and answers it as our bug.
func internalError(dq backend.DataQuery, r any) *backend.DataResponse {
	backend.Logger.Error("panic in query", "refId", dq.RefID, "queryType", dq.QueryType, "panic", r, "stack", string(debug.Stack()))
	resp := backend.ErrorResponseWithErrorSource(backend.PluginError(fmt.Errorf("internal error while running query %s", dq.RefID)))
	return &resp
}

// query runs a parsed query.
func (d *Datasource) query(ctx context.Context, dq backend.DataQuery, q *models.Query) (resp backend.DataResponse) {
	defer func() {
		if r := recover(); r != nil {
			resp = *internalError(dq, r)
		}
	}()
	qctx, cancel := context.WithTimeout(ctx, d.settings.QueryTimeoutDuration())
	defer cancel()
	res, err := d.engine.Run(qctx, q)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			// Name the deadline that ran out: ours, or the caller's (Grafana's).
			if ctx.Err() == nil {
				err = fmt.Errorf("query %s took longer than the datasource's timeout of %s: %w", dq.RefID, d.settings.QueryTimeoutDuration(), err)
			} else {
				err = fmt.Errorf("query %s did not finish before the request's deadline: %w", dq.RefID, err)
			}
		}
		return errorResponse(err)
	}
	return backend.DataResponse{Frames: framing.Frames(dq.RefID, res)}
}

// errorResponse classifies an error: a user's mistake (bad query, unknown
// model, timeout) is a downstream error with status 400 or 504; anything else
// is our bug.
func errorResponse(err error) backend.DataResponse {
	var qe *models.QueryError
	switch {
	case errors.As(err, &qe):
		return backend.DataResponse{Error: backend.DownstreamError(err), ErrorSource: backend.ErrorSourceDownstream, Status: backend.StatusBadRequest}
	case errors.Is(err, context.DeadlineExceeded):
		return backend.DataResponse{Error: backend.DownstreamError(err), ErrorSource: backend.ErrorSourceDownstream, Status: backend.StatusTimeout}
	case errors.Is(err, context.Canceled):
		return backend.DataResponse{Error: backend.DownstreamError(err), ErrorSource: backend.ErrorSourceDownstream, Status: backend.StatusBadRequest}
	}
	backend.Logger.Error("query failed", "error", err)
	return backend.ErrorResponseWithErrorSource(backend.PluginError(err))
}
