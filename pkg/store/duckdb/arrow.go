//go:build duckdb_arrow

package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// arrowView is the name under which a record batch's Arrow columns are
// visible to the statement that reads them. DuckDB registers it as a view of
// the database itself, not a temporary one, so execWithArrow drops it after
// the statement: the view must never reach the file, where it would point at
// memory freed long before.
const arrowView = "vigil_arrow_rows"

// execWithArrow runs one statement that reads an Arrow record batch as the
// view arrowView: DuckDB scans the Arrow buffers directly, instead of
// receiving one value at a time through an appender.
func execWithArrow(ctx context.Context, conn *sql.Conn, rec arrow.RecordBatch, stmt string) error {
	return conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return errors.New("not a database/sql driver connection")
		}
		exec, ok := dc.(driver.ExecerContext)
		if !ok {
			return errors.New("the driver connection cannot execute statements")
		}
		ar, err := duckdb.NewArrowFromConn(c)
		if err != nil {
			return fmt.Errorf("arrow interface: %w", err)
		}
		reader, err := array.NewRecordReader(rec.Schema(), []arrow.RecordBatch{rec})
		if err != nil {
			return fmt.Errorf("arrow reader: %w", err)
		}
		defer reader.Release()
		release, err := ar.RegisterView(reader, arrowView)
		if err != nil {
			return fmt.Errorf("register arrow columns: %w", err)
		}
		defer release()
		_, err = exec.ExecContext(ctx, stmt, nil)
		// A cancelled context must not keep the view in the catalog.
		if _, derr := exec.ExecContext(context.WithoutCancel(ctx), "DROP VIEW IF EXISTS "+arrowView, nil); err == nil && derr != nil {
			err = fmt.Errorf("drop arrow view: %w", derr)
		}
		return err
	})
}
