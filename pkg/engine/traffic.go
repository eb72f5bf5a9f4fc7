package engine

import (
	"context"
	"sort"

	"github.com/vigil-mlobs/vigil/pkg/metrics"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

func init() {
	register(models.TypeTraffic, trafficQuery)
	register(models.TypeModels, modelsQuery)
}

// trafficQuery counts records per (model, version) and bucket; share is a
// version's count over its model's count in the same bucket. Each series
// carries the version's lifecycle status so alert rules can watch deprecated
// versions.
func trafficQuery(ctx context.Context, e *Engine, q *models.Query) (*Result, error) {
	names := []string{q.Model}
	if q.Model == "" {
		var err error
		if names, err = e.modelNames(ctx); err != nil {
			return nil, err
		}
	}
	inventory, err := e.Store.Models(ctx)
	if err != nil {
		return nil, err
	}
	status := map[[2]string]store.Status{}
	for _, m := range inventory {
		for _, v := range m.Versions {
			if v.Status != "" {
				status[[2]string{m.Name, v.Version}] = v.Status
			}
		}
	}
	res := &Result{}
	seenVersions := map[string]string{} // "model version" with records in the time range -> status
	for _, model := range names {
		sch, err := e.schema(ctx, model)
		if err != nil {
			return nil, err
		}
		mq := *q
		mq.Model = model
		sc, err := e.scope(sch, &mq)
		if err != nil {
			return nil, err
		}
		// Share needs every version's count, so the version filter applies after.
		sc.Versions = nil
		agg, err := e.Store.Aggregate(ctx, store.AggregateRequest{
			Scope:     sc,
			Keys:      []store.Key{{Kind: store.KeyBucket, Interval: q.IntervalDur}, {Kind: store.KeyColumn, Col: store.Column{Kind: store.ColVersion}}},
			Measures:  []store.Measure{{Op: store.Count}},
			MaxGroups: e.Limits.MaxGroups,
		})
		if err != nil {
			return nil, err
		}
		totals := map[int64]float64{}
		for _, r := range agg.Rows {
			totals[r.Keys[0].Int] += r.Measures[0]
		}
		byVersion := map[string][]Point{}
		for _, r := range agg.Rows {
			seenVersions[model+" "+r.Keys[1].Str] = string(status[[2]string{model, r.Keys[1].Str}])
			v := r.Keys[1].Str
			if len(q.Versions) > 0 && !containsString(q.Versions, v) {
				continue
			}
			if len(q.Status) > 0 && !containsString(q.Status, string(status[[2]string{model, v}])) {
				continue
			}
			val := metrics.Some(r.Measures[0])
			if q.Metric == "share" {
				val = metrics.Some(r.Measures[0] / totals[r.Keys[0].Int])
			}
			byVersion[v] = append(byVersion[v], Point{Time: bucketTime(r.Keys[0].Int), Value: val})
		}
		versions := make([]string, 0, len(byVersion))
		for v := range byVersion {
			versions = append(versions, v)
		}
		sort.Strings(versions)
		for _, v := range versions {
			labels := []Label{{"model", model}, {"version", v}}
			if st, ok := status[[2]string{model, v}]; ok {
				labels = append(labels, Label{"status", string(st)})
			}
			labels = append(labels, Label{"metric", q.Metric})
			unit := "short"
			if q.Metric == "share" {
				unit = "percentunit"
			}
			res.Series = append(res.Series, Series{Name: model + " " + v + " " + q.Metric, Labels: labels, Unit: unit, Points: byVersion[v]})
		}
	}
	if len(res.Series) == 0 {
		if len(seenVersions) > 0 {
			noticeFilteredTraffic(res, q, seenVersions)
		} else {
			res.notice(Info, "no records in the time range")
		}
	}
	return res, nil
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// modelsQuery is the inventory table: one row per model, version and environment.
func modelsQuery(ctx context.Context, e *Engine, q *models.Query) (*Result, error) {
	inventory, err := e.Store.Models(ctx)
	if err != nil {
		return nil, err
	}
	cols := []Column{
		{Name: "model", Type: ColString}, {Name: "version", Type: ColString}, {Name: "environment", Type: ColString},
		{Name: "status", Type: ColString}, {Name: "status_since", Type: ColTime},
		{Name: "first_seen", Type: ColTime}, {Name: "last_seen", Type: ColTime},
		{Name: "records", Type: ColInt}, {Name: "actuals", Type: ColInt}, {Name: "features", Type: ColInt},
	}
	for _, m := range inventory {
		if q.Model != "" && m.Name != q.Model {
			continue
		}
		for _, v := range m.Versions {
			if len(q.Versions) > 0 && !containsString(q.Versions, v.Version) {
				continue
			}
			if q.Environment != "" && v.Environment != q.Environment {
				continue
			}
			if len(q.Status) > 0 && !containsString(q.Status, string(v.Status)) {
				continue
			}
			row := []any{m.Name, v.Version, v.Environment, string(v.Status), v.StatusSetAt, v.FirstSeen, v.LastSeen, v.Records, v.Actuals, int64(len(m.Features))}
			for i := range cols {
				cols[i].Values = append(cols[i].Values, row[i])
			}
		}
	}
	res := &Result{Tables: []Table{{Name: "models", Columns: cols}}}
	if q.Model != "" && len(cols[0].Values) == 0 {
		if _, err := e.schema(ctx, q.Model); err != nil {
			return nil, err
		}
	}
	return res, nil
}
