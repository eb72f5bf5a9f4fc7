//go:build !duckdb_arrow

package duckdb

// The store loads batches through DuckDB's Arrow interface, which the DuckDB
// driver compiles only with the duckdb_arrow build tag. Build, vet and test
// with -tags duckdb_arrow (the scripts and the Magefile do; see README.md).
var _ = thisPackageNeedsTheBuildTag_duckdb_arrow
