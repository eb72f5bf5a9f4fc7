package clickhouse

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/vigil-mlobs/vigil/pkg/engine"
	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/clickhouse/chtest"
	"github.com/vigil-mlobs/vigil/pkg/store/duckdb"
)

// On a cluster whose servers share a ZooKeeper, DDL goes ON CLUSTER through
// the distributed DDL queue: every shard gets the tables and the columns a
// later batch adds, and the queries answer as on DuckDB.
func TestOnClusterDDL(t *testing.T) {
	d := chtest.ClusterWithZooKeeper(t)
	st := openTest(t, d)
	if !st.OnCluster() {
		t.Fatal("the cluster has a ZooKeeper, but DDL does not go ON CLUSTER")
	}
	ctx := context.Background()
	duck, err := duckdb.Open(ctx, duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer duck.Close()
	loadDemo(t, duck, st)
	// A later batch with a new feature: ALTER TABLE … ON CLUSTER ADD COLUMN.
	late := rec("late-1", 1, 5)
	late.Model, late.Features = "credit-risk", append(late.Features, store.Feature{Name: "late_feature", Value: store.Num(2)})
	for _, s := range []store.Store{duck, st} {
		if _, err := s.Ingest(ctx, []store.Record{late}, store.IngestOptions{Now: demoEnd}); err != nil {
			t.Fatal(err)
		}
	}

	// Every shard has the tables and the new column, created by the queue.
	for i, srv := range d.Servers {
		conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{srv.Addr()}})
		if err != nil {
			t.Fatal(err)
		}
		var tables, cols uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ?", st.db).Scan(&tables); err != nil {
			t.Fatal(err)
		}
		m, err := st.model(ctx, "credit-risk")
		if err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow(ctx, "SELECT count() FROM system.columns WHERE database = ? AND name = ?", st.db, fieldColumn(m.features["late_feature"])).Scan(&cols); err != nil {
			t.Fatal(err)
		}
		var queued uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM system.zookeeper WHERE path = '/clickhouse/task_queue/ddl'").Scan(&queued); err != nil {
			t.Fatal(err)
		}
		_ = conn.Close()
		// 4 catalog tables, and per model 2 local and 2 Distributed tables.
		if tables < 4+4*3 || cols != 2 || queued == 0 {
			t.Errorf("shard %d: %d tables, the new feature in %d tables (want the local and the Distributed one), %d DDL tasks queued", i+1, tables, cols, queued)
		}
	}

	from, to := demoEnd.Add(-30*24*time.Hour), demoEnd
	for _, raw := range conformanceQueries[:6] {
		var answers []string
		for _, s := range []store.Store{duck, st} {
			q, err := models.Parse(models.Request{JSON: []byte(raw), RefID: "A", From: from, To: to}, models.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := engine.New(s, engine.Limits{}).Run(ctx, q)
			if err != nil {
				t.Fatalf("%s: %v", raw, err)
			}
			b, _ := json.Marshal(res)
			answers = append(answers, string(b))
		}
		if msg := sameJSON(answers[0], answers[1]); msg != "" {
			t.Errorf("%s: %s", raw, msg)
		}
	}
}
