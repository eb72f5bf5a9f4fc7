package clickhouse

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
)

// RecordEnv names a file that, when set, receives every read statement the
// store sends (one JSON object per line, the arguments bound into the SQL),
// so the statements of a test run can be replayed on another ClickHouse
// (tests/clickhouse/replay.py runs them on a current engine).
const RecordEnv = "VIGIL_CLICKHOUSE_RECORD"

var recMu sync.Mutex

func record(sql string, args []any) {
	path := os.Getenv(RecordEnv)
	if path == "" {
		return
	}
	bound, err := bindForRecord(sql, args)
	if err != nil {
		return
	}
	line, _ := json.Marshal(map[string]string{"sql": bound})
	recMu.Lock()
	defer recMu.Unlock()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = f.Write(append(line, '\n'))
}

// bindForRecord binds positional arguments as the driver does.
func bindForRecord(sql string, args []any) (string, error) {
	var b strings.Builder
	n := 0
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		if c == '\'' { // copy string literals unchanged
			j := i + 1
			for j < len(sql) && sql[j] != '\'' {
				if sql[j] == '\\' {
					j++
				}
				j++
			}
			b.WriteString(sql[i:min(j+1, len(sql))])
			i = j
			continue
		}
		if c != '?' {
			b.WriteByte(c)
			continue
		}
		if n >= len(args) {
			return "", fmt.Errorf("more placeholders than arguments")
		}
		switch v := args[n].(type) {
		case string:
			b.WriteString("'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'")
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return "", fmt.Errorf("non-finite argument")
			}
			b.WriteString("cast(" + strconv.FormatFloat(v, 'g', -1, 64) + ", 'Float64')")
		default:
			fmt.Fprint(&b, v)
		}
		n++
	}
	return b.String(), nil
}
