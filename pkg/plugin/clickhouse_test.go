package plugin_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/vigil-mlobs/vigil/pkg/store/clickhouse/chtest"
)

// TestCheckHealthOfClickHouse opens ClickHouse datasources from their
// settings (one node, the two-shard cluster) and checks the health message
// names the version, the database and the shards.
func TestCheckHealthOfClickHouse(t *testing.T) {
	for _, d := range []*chtest.Deployment{chtest.Single(t), chtest.Cluster(t)} {
		db := chtest.Database("health")
		tg := serveSettings(t, fmt.Sprintf(`{"store":"clickhouse","clickhouseHost":"127.0.0.1","clickhousePort":%d,"clickhouseDatabase":%q,"clickhouseCluster":%q}`,
			d.Servers[0].Port, db, d.Cluster))
		res := tg.health()
		want := "ClickHouse 18."
		if d.Cluster != "" {
			want = "cluster " + d.Cluster + " of 2 shards"
		}
		if res.Status != backend.HealthStatusOk || !strings.Contains(res.Message, want) || !strings.Contains(res.Message, "database "+db) ||
			!strings.Contains(res.Message, "0 models, 0 inference records") {
			t.Errorf("status %v, message %q, want %q", res.Status, res.Message, want)
		}
	}
}

func TestCheckHealthOfUnreachableClickHouse(t *testing.T) {
	tg := serveSettings(t, `{"store":"clickhouse","clickhouseHost":"127.0.0.1","clickhousePort":1}`)
	res := tg.health()
	if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "127.0.0.1:1") {
		t.Errorf("status %v, message %q", res.Status, res.Message)
	}
}
