package plugin

import (
	"context"
	"fmt"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// CheckHealth reports whether the store answers, with its models and record counts.
func (d *Datasource) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (res *backend.CheckHealthResult, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: "internal error during the health check"}, nil
		}
	}()
	inventory, err := d.store.Models(ctx)
	if err != nil {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: fmt.Sprintf("the Vigil store does not answer: %v", err)}, nil
	}
	var records int64
	for _, m := range inventory {
		for _, v := range m.Versions {
			records += v.Records
		}
	}
	where := d.settings.Path
	if where == "" {
		where = "in memory"
	}
	if ds, ok := d.store.(describer); ok {
		if where, err = ds.Describe(ctx); err != nil {
			return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: fmt.Sprintf("the Vigil store does not answer: %v", err)}, nil
		}
	}
	msg := fmt.Sprintf("Vigil store (%s) is reachable: %d models, %d inference records", where, len(inventory), records)
	if len(inventory) == 0 {
		msg += "; ingest records with vigil ingest or POST …/resources/ingest"
	}
	return &backend.CheckHealthResult{Status: backend.HealthStatusOk, Message: msg}, nil
}
