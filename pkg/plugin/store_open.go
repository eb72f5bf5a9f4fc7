package plugin

import (
	"context"
	"net"
	"strconv"

	"github.com/vigil-mlobs/vigil/pkg/models"
	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/clickhouse"
	"github.com/vigil-mlobs/vigil/pkg/store/duckdb"
)

// openStore opens the store the settings choose.
func openStore(ctx context.Context, s models.Settings) (store.Store, error) {
	if s.Store == models.StoreClickHouse {
		return clickhouse.Open(ctx, ClickHouseOptions(s))
	}
	return duckdb.Open(ctx, duckdb.Options{Path: s.Path, Threads: s.Threads, MemoryLimit: s.MemoryLimit})
}

// ClickHouseOptions are the ClickHouse store's options from the settings.
func ClickHouseOptions(s models.Settings) clickhouse.Options {
	port := s.ClickHousePort
	if port == 0 {
		port = 9000
		if s.ClickHouseTLS {
			port = 9440
		}
	}
	return clickhouse.Options{
		Addr:     net.JoinHostPort(s.ClickHouseHost, strconv.Itoa(port)),
		Database: s.ClickHouseDatabase, User: s.ClickHouseUser, Password: s.Secrets.ClickHousePassword,
		Cluster: s.ClickHouseCluster, TLS: s.ClickHouseTLS, InsecureSkipVerify: s.ClickHouseSkipVerify,
	}
}

// describer is a store that says what it is for the health check.
type describer interface {
	Describe(ctx context.Context) (string, error)
}
