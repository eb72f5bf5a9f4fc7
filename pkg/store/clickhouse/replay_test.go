package clickhouse

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/engine"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/clickhouse/chtest"
)

// TestStatementsRunOnCurrentClickHouse records every read statement of the
// conformance queries on the old server and replays them on a current
// engine (chDB, tests/clickhouse/replay.py), which must give the same
// answers. VIGIL_CHDB_PYTHON names a Python with chdb-core installed
// (./scripts/test.sh makes one from tests/clickhouse/requirements.txt).
func TestStatementsRunOnCurrentClickHouse(t *testing.T) {
	py := os.Getenv("VIGIL_CHDB_PYTHON")
	if py == "" {
		t.Skip("VIGIL_CHDB_PYTHON is not set (./scripts/test.sh sets it)")
	}
	client, err := exec.LookPath("clickhouse-client")
	if err != nil {
		t.Skip("clickhouse-client is not installed")
	}
	d := chtest.Single(t)
	st := openTest(t, d)
	loadDemo(t, st)
	rec := filepath.Join(t.TempDir(), "statements.jsonl")
	t.Setenv(RecordEnv, rec)
	ctx := context.Background()
	from, to := demoEnd.Add(-30*24*time.Hour), demoEnd
	for _, raw := range conformanceQueries {
		q, err := models.Parse(models.Request{JSON: []byte(raw), RefID: "A", From: from, To: to}, models.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := engine.New(st, engine.Limits{}).Run(ctx, q); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
	}
	scope := store.Scope{Model: "credit-risk", From: from, To: to}
	if _, err := st.Sample(ctx, store.SampleRequest{Scope: scope, Limit: 50, Stratify: 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.VectorSums(ctx, store.VectorSumsRequest{Scope: store.Scope{Model: "review-sentiment", From: from, To: to}}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "../../../tests/clickhouse/replay.py", rec, d.Addr(), st.db, client)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("replay on chDB: %v", err)
	}
}
