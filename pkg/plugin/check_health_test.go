package plugin_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/plugin"
	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/duckdb"
)

func TestCheckHealthCountsModelsAndRecords(t *testing.T) {
	tg, d := demoTarget(t, models.Settings{})
	res := tg.health()
	if res.Status != backend.HealthStatusOk {
		t.Fatalf("status %v: %s", res.Status, res.Message)
	}
	want := fmt.Sprintf("%d models, %d inference records", len(d.modelNames()), d.summary.Records)
	if !strings.Contains(res.Message, want) {
		t.Errorf("message %q does not contain %q", res.Message, want)
	}
	if !strings.Contains(res.Message, "in memory") {
		t.Errorf("message %q should say the store is in memory", res.Message)
	}
}

func TestCheckHealthOfAnEmptyStoreSaysHowToIngest(t *testing.T) {
	tg := serve(t, plugin.New(newMemStore(t), models.Settings{}))
	res := tg.health()
	if res.Status != backend.HealthStatusOk || !strings.Contains(res.Message, "0 models, 0 inference records") || !strings.Contains(res.Message, "ingest") {
		t.Errorf("status %v, message %q", res.Status, res.Message)
	}
}

func TestCheckHealthWhenTheStoreFails(t *testing.T) {
	st := newMemStore(t)
	for _, tc := range []struct {
		name  string
		store store.Store
		want  string
	}{
		{"error", brokenStore{Store: st, err: errors.New("disk I/O error: read vigil.duckdb")}, "disk I/O error"},
		{"panic", brokenStore{Store: st, panic: true}, "internal error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := serve(t, plugin.New(tc.store, models.Settings{})).health()
			if res.Status != backend.HealthStatusError {
				t.Errorf("status %v, want error", res.Status)
			}
			if !strings.Contains(res.Message, tc.want) {
				t.Errorf("message %q does not contain %q", res.Message, tc.want)
			}
		})
	}
}

// The real factory: settings JSON with the DuckDB file's path.
func TestNewDatasourceOpensTheConfiguredFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vigil.duckdb")
	st, err := duckdb.Open(ctx, duckdb.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	var batch []store.Record
	for i := 0; i < 5; i++ {
		batch = append(batch, store.Record{
			Line: i + 1, Model: "fraud", ID: fmt.Sprintf("f-%d", i), Version: "v7", Environment: "production",
			Time:       base.Add(time.Duration(i) * 20 * time.Minute),
			Features:   []store.Feature{{Name: "amount", Value: store.Num(float64(10 * i))}},
			Prediction: store.Outcome{Label: "0", HasLabel: true},
		})
	}
	if _, err := st.Ingest(ctx, batch, store.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	settings, _ := json.Marshal(map[string]any{"path": path, "queryTimeout": 5})
	tg := serveSettings(t, string(settings))
	res := tg.health()
	if res.Status != backend.HealthStatusOk || !strings.Contains(res.Message, "1 models, 5 inference records") || !strings.Contains(res.Message, path) {
		t.Errorf("status %v, message %q", res.Status, res.Message)
	}
	r := tg.queryOne(vigilQuery("A", base, base.Add(2*time.Hour), map[string]any{"queryType": "traffic", "model": "fraud", "interval": "1h"}))
	requireOK(t, r)
	got := seriesByVersion(t, r.Frames, "fraud", "count")
	want := map[string]map[int64]float64{"v7": {base.UnixMilli(): 3, base.Add(time.Hour).UnixMilli(): 2}}
	compareCounts(t, got, want)
}

func TestNewDatasourceRejectsBadSettings(t *testing.T) {
	for _, tc := range []struct{ settings, want string }{
		{`{"queryTimeout": 99999}`, "setting queryTimeout"},
		{`{"ingestQueue": -2}`, "setting ingestQueue"},
		{`{"path": 7}`, "not valid JSON"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			tg := serveSettings(t, tc.settings)
			res := tg.health()
			if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, tc.want) {
				t.Errorf("health %v %q should name %s", res.Status, res.Message, tc.want)
			}
			r := tg.queryOne(vigilQuery("A", testEnd.Add(-time.Hour), testEnd, map[string]any{"queryType": "models"}))
			msg := responseError(t, r)
			if r.ErrorSource != backend.ErrorSourceDownstream || !strings.Contains(msg, tc.want) {
				t.Errorf("query: source %q, message %q should name %s", r.ErrorSource, msg, tc.want)
			}
		})
	}
}
