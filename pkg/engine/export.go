package engine

import (
	"context"
	"fmt"

	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// Cohort export (the export resource): records by id, or every record of a
// query's scope, for a labeling tool.

// CohortTooLargeError is a cohort with more records than the export allows.
type CohortTooLargeError struct {
	Records int64
	Limit   int
}

func (e *CohortTooLargeError) Error() string {
	return fmt.Sprintf("the cohort has %d records, more than the export limit of %d; narrow the time range or the filters", e.Records, e.Limit)
}

// RecordsByID returns a model's records with the given ids (ordered by time,
// then id) and the ids that are not stored, in the order given.
func (e *Engine) RecordsByID(ctx context.Context, model string, ids []string) ([]store.Record, []string, error) {
	if _, err := e.schema(ctx, model); err != nil {
		return nil, nil, err
	}
	recs, err := e.Store.Lookup(ctx, store.LookupRequest{Model: model, IDs: ids})
	if err != nil {
		return nil, nil, fmt.Errorf("export by id: %w", err)
	}
	found := make(map[string]bool, len(recs))
	for _, r := range recs {
		found[r.ID] = true
	}
	var missing []string
	for _, id := range ids {
		if !found[id] {
			found[id] = true // report each missing id once
			missing = append(missing, id)
		}
	}
	return recs, missing, nil
}

// Cohort returns every record of the query's scope (model, versions,
// environment, time range, filters), ordered by time then id, or a
// *CohortTooLargeError when there are more than limit.
func (e *Engine) Cohort(ctx context.Context, q *models.Query, limit int) ([]store.Record, error) {
	sch, err := e.schema(ctx, q.Model)
	if err != nil {
		return nil, err
	}
	sc, err := e.scope(sch, q)
	if err != nil {
		return nil, err
	}
	agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{Scope: sc, Measures: []store.Measure{{Op: store.Count}}})
	if err != nil {
		return nil, classify(fmt.Errorf("count the cohort: %w", err))
	}
	n := int64(0)
	if len(agg.Rows) > 0 {
		n = int64(agg.Rows[0].Measures[0])
	}
	if n > int64(limit) {
		return nil, &CohortTooLargeError{Records: n, Limit: limit}
	}
	if n == 0 {
		return nil, nil
	}
	// A sample as large as the scope is the whole scope.
	recs, err := e.Store.Sample(ctx, store.SampleRequest{Scope: sc, Limit: int(n)})
	if err != nil {
		return nil, classify(fmt.Errorf("read the cohort: %w", err))
	}
	return recs, nil
}
