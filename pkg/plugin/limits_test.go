package plugin_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/plugin"
	"github.com/vigil-mlobs/vigil/pkg/store"
)

// countingStore counts the samples the engine draws.
type countingStore struct {
	store.Store
	samples atomic.Int64
}

func (s *countingStore) Sample(ctx context.Context, req store.SampleRequest) ([]store.Record, error) {
	s.samples.Add(1)
	return s.Store.Sample(ctx, req)
}

// TestResponseSizeLimits: a result past the datasource's maxPoints or
// maxResponseBytes is a downstream error naming the setting; under the limits
// the same query answers.
func TestResponseSizeLimits(t *testing.T) {
	f := newExportFixture(t) // 300 production records over 55 minutes
	st := newMemStore(t)
	recs := make([]store.Record, 0, len(f.records))
	for _, r := range f.records {
		recs = append(recs, r)
	}
	if _, err := st.Ingest(context.Background(), recs, store.IngestOptions{Now: exportT0}); err != nil {
		t.Fatal(err)
	}
	from, to := exportT0, exportT0.Add(time.Hour)
	traffic := func() backend.DataQuery {
		return vigilQuery("A", from, to, map[string]any{"queryType": "traffic", "model": "reviews", "environment": "production", "interval": "1m"})
	}
	points := func(r backend.DataResponse) int {
		n := 0
		for _, fr := range r.Frames {
			n += fr.Rows()
		}
		return n
	}

	// Unlimited by the defaults: 55 one-minute buckets.
	r := serve(t, plugin.New(st, models.Settings{})).queryOne(traffic())
	requireOK(t, r)
	if n := points(r); n < 50 || n > 60 {
		t.Fatalf("%d points, want one per minute", n)
	}

	for _, tc := range []struct {
		name     string
		settings models.Settings
		want     string
	}{
		{"points", models.Settings{MaxPoints: 20}, "more than the datasource's maxPoints of 20"},
		{"bytes", models.Settings{MaxResponseBytes: 200}, "more than the datasource's maxResponseBytes of 200"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := serve(t, plugin.New(st, tc.settings)).queryOne(traffic())
			msg := responseError(t, r)
			if !strings.Contains(msg, tc.want) || r.ErrorSource != backend.ErrorSourceDownstream || r.Status != backend.StatusBadRequest {
				t.Errorf("error %q (source %s, status %d), want a downstream 400 containing %q", msg, r.ErrorSource, r.Status, tc.want)
			}
			if len(r.Frames) != 0 {
				t.Errorf("%d frames built for a refused result", len(r.Frames))
			}
		})
	}

	// Just enough room answers.
	requireOK(t, serve(t, plugin.New(st, models.Settings{MaxPoints: 60, MaxResponseBytes: 1 << 20})).queryOne(traffic()))

	// An embeddings query whose sample could pass maxPoints fails before any
	// record is read, naming the sample options.
	cs := &countingStore{Store: st}
	emb := vigilQuery("E", from, to, map[string]any{"queryType": "embeddings", "model": "reviews", "environment": "production"})
	r = serve(t, plugin.New(cs, models.Settings{MaxPoints: 1000})).queryOne(emb)
	if msg := responseError(t, r); !strings.Contains(msg, `query option "limit"`) || !strings.Contains(msg, "maxPoints of 1000") {
		t.Errorf("embeddings past maxPoints: %q", msg)
	}
	if n := cs.samples.Load(); n != 0 {
		t.Errorf("%d samples drawn before the refusal", n)
	}
	// A sample that fits answers: 20 points × 11 columns = 220 values.
	emb = vigilQuery("E", from, to, map[string]any{"queryType": "embeddings", "model": "reviews", "environment": "production", "limit": 20})
	requireOK(t, serve(t, plugin.New(cs, models.Settings{MaxPoints: 1000})).queryOne(emb))

	// The settings reach the datasource through Grafana's JSON too.
	res := serveSettings(t, `{"maxPoints":-1}`).health()
	if res.Status == backend.HealthStatusOk || !strings.Contains(res.Message, "maxPoints") {
		t.Errorf("health with maxPoints -1: %v %q", res.Status, res.Message)
	}
}
