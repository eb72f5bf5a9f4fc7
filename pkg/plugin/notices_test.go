package plugin_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/plugin"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

var noticeT0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// noticesTarget serves a store with a loan model whose labels are "approve"
// and "deny" (so the default positive and favourable label "1" occurs
// nowhere) and a model whose actual labels carry a trailing dot.
func noticesTarget(t *testing.T) *target {
	t.Helper()
	st := newMemStore(t)
	var batch []store.Record
	for i := 0; i < 80; i++ {
		group, pred, actual := "F", "deny", "deny"
		if i%2 == 0 {
			group = "M"
		}
		if i%3 == 0 {
			pred = "approve"
		}
		if i%4 == 0 {
			actual = "approve"
		}
		at := noticeT0.Add(time.Duration(i) * time.Minute)
		for _, m := range []struct{ model, suffix string }{{"loan", ""}, {"loan-dotted", "."}} {
			batch = append(batch, store.Record{
				Line: len(batch) + 1, Model: m.model, ID: fmt.Sprintf("%s-%d", m.model, i), Version: "v1", Environment: "production", Time: at,
				Tags:       []store.Tag{{Name: "sex", Value: group, Set: true}},
				Prediction: store.Outcome{Label: pred, HasLabel: true, Score: float64(i%10) / 10, HasScore: true},
				Actual:     store.Outcome{Label: actual + m.suffix, HasLabel: true}, ActualTime: at,
			})
		}
	}
	if _, err := st.Ingest(context.Background(), batch, store.IngestOptions{Now: noticeT0.Add(48 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return serve(t, plugin.New(st, models.Settings{}))
}

func frameNotices(frames data.Frames) string {
	var parts []string
	for _, f := range frames {
		if f.Meta != nil {
			for _, n := range f.Meta.Notices {
				parts = append(parts, n.Text)
			}
		}
	}
	return strings.Join(parts, "\n")
}

func TestNoticesThroughTheDatasource(t *testing.T) {
	tg := noticesTarget(t)
	from, to := noticeT0, noticeT0.Add(24*time.Hour)
	fairness := map[string]any{"attribute": "tags.sex", "protected": []string{"F"}, "reference": []string{"M"}}
	cases := []struct {
		name  string
		query map[string]any
		want  []string
	}{
		{"fairness without favorable", map[string]any{"queryType": "fairness", "model": "loan", "interval": "1d", "fairness": fairness},
			[]string{"1 of 1 disparate_impact points are null", `the favourable label "1" (the default: the query sets no fairness.favorable) occurs in no predicted label`, `"deny" (53), "approve" (27)`}},
		{"auc without positive", map[string]any{"queryType": "performance", "model": "loan", "interval": "1d", "metric": "auc"},
			[]string{"1 of 1 auc points are null", `the positive label "1" (the default: the query sets no positive) occurs in no actual label`}},
		{"recall without positive", map[string]any{"queryType": "performance", "model": "loan", "interval": "1d", "metric": "recall"},
			[]string{`no actual is positive ("1") there, so recall`}},
		{"labels that never meet", map[string]any{"queryType": "performance", "model": "loan-dotted", "interval": "1d", "metric": "accuracy"},
			[]string{"never meet", `--label-map '{"approve.":"approve","deny.":"deny"}'`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := tg.queryOne(vigilQuery("A", from, to, c.query))
			requireOK(t, r)
			notices := frameNotices(r.Frames)
			for _, w := range c.want {
				if !strings.Contains(notices, w) {
					t.Errorf("notices lack %q:\n%s", w, notices)
				}
			}
		})
	}
	// An unknown environment is a downstream error listing the model's.
	r := tg.queryOne(vigilQuery("A", from, to, map[string]any{"queryType": "performance", "model": "loan", "environment": "prod"}))
	msg := responseError(t, r)
	if r.Status != backend.StatusBadRequest || r.ErrorSource != backend.ErrorSourceDownstream ||
		!strings.Contains(msg, `"prod" is not an environment of model "loan"; its environments: production`) {
		t.Errorf("status %d source %q: %s", r.Status, r.ErrorSource, msg)
	}
}
