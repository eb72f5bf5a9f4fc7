package engine

import (
	"context"
	"fmt"
	"sort"

	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// ValueCount is one distinct value of a field with its record count.
type ValueCount struct {
	Value string
	Count int64
}

// Values lists the distinct values of a categorical field of a model over all
// its records, most frequent first, at most limit of them.
func (e *Engine) Values(ctx context.Context, model, ref string, limit int) ([]ValueCount, error) {
	sch, err := e.schema(ctx, model)
	if err != nil {
		return nil, err
	}
	col, kind, err := resolveColumn(sch, "field", ref)
	if err != nil {
		return nil, err
	}
	if kind != store.Categorical {
		return nil, &models.QueryError{Option: "field", Msg: fmt.Sprintf("%s is numeric; values are listed for categorical fields", ref)}
	}
	agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{
		Scope:     store.Scope{Model: model, From: driftAllTimeFrom, To: driftAllTimeTo},
		Keys:      []store.Key{{Kind: store.KeyColumn, Col: col}},
		Measures:  []store.Measure{{Op: store.Count}},
		MaxGroups: e.Limits.MaxGroups,
	})
	if err != nil {
		return nil, classify(err)
	}
	out := make([]ValueCount, 0, len(agg.Rows))
	for _, r := range agg.Rows {
		if r.Keys[0].Null {
			continue
		}
		out = append(out, ValueCount{Value: r.Keys[0].Str, Count: int64(r.Measures[0])})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Value < out[j].Value
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
