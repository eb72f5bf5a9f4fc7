//go:build duckdb_arrow

package duckdb

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Every cell text the bulk CSV load reads as a number (csvNumber), DuckDB's
// cast to DOUBLE reads as Go's strconv.ParseFloat does, to the bit: short
// and long mantissas, exponents near the ends of the range, halfway cases,
// signs and leading zeros.
func TestCSVNumbersReadAsGoReadsThem(t *testing.T) {
	st, err := Open(context.Background(), Options{Path: filepath.Join(t.TempDir(), "v.duckdb")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := rand.New(rand.NewPCG(1, 2))
	digits := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
		return b.String()
	}
	texts := []string{"0", "-0", "+0", ".5", "5.", "+.5e-3", "5.e3", "007", "1E+05", "9007199254740993", "2.2250738585072011e-308",
		"4.9e-324", "2.4703282292062327e-324", "1e-400", "1.7976931348623157e308", "0.1", "123456789012345678901234567890",
		"0.30000000000000004", "8.98846567431158e307"}
	for range 3000 {
		s := digits(1 + r.IntN(25))
		if r.IntN(2) == 0 {
			s += "." + digits(r.IntN(25))
		}
		if r.IntN(2) == 0 {
			s += "e" + []string{"", "-", "+"}[r.IntN(3)] + strconv.Itoa(r.IntN(330))
		}
		texts = append(texts, []string{"", "-", "+"}[r.IntN(3)]+s)
	}
	// Halfway between two neighbouring float64s, and just either side.
	for range 500 {
		x := math.Float64frombits(r.Uint64N(0x7fe0000000000000))
		y := math.Nextafter(x, math.Inf(1))
		texts = append(texts, strconv.FormatFloat(x, 'e', -1, 64), strconv.FormatFloat(x/2+y/2, 'e', 25, 64))
	}
	re := regexp.MustCompile(csvNumber)
	path := filepath.Join(t.TempDir(), "numbers.txt")
	if err := os.WriteFile(path, []byte(strings.Join(texts, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rows, err := st.DB().Query(`SELECT c0, regexp_full_match(c0, '`+csvNumber+`'), CAST(c0 AS DOUBLE)
		FROM read_csv(?, header = false, columns = {'c0': 'VARCHAR'}, auto_detect = false)`, path)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var s string
		var match bool
		var got float64
		if err := rows.Scan(&s, &match, &got); err != nil {
			t.Fatal(err)
		}
		n++
		if !match || !re.MatchString(s) {
			t.Errorf("%q: does not match the number pattern (DuckDB %v)", s, match)
			continue
		}
		want, err := strconv.ParseFloat(s, 64)
		if err != nil && !math.IsInf(want, 0) {
			t.Errorf("%q: Go: %v", s, err)
			continue
		}
		if math.Float64bits(got) != math.Float64bits(want) && !(got == 0 && want == 0 && math.Signbit(got) == math.Signbit(want)) {
			t.Errorf("%q: DuckDB %v (%x), Go %v (%x)", s, got, math.Float64bits(got), want, math.Float64bits(want))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(texts) {
		t.Fatalf("read %d texts of %d", n, len(texts))
	}
}

// countLines numbers lines as a line reader does: a last line without its
// newline counts, blank lines at the end do not.
func TestCountLines(t *testing.T) {
	for body, want := range map[string]int64{
		"": 0, "\n": 0, "a": 1, "a\n": 1, "a\nb": 2, "a\nb\n\n\r\n": 2, "a\r\nb\r\n": 2, "\na\n": 2, strings.Repeat("x\n", 3<<20): 3 << 20,
	} {
		path := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if got, err := countLines(path); err != nil || got != want {
			t.Errorf("%.20q: %d lines (%v), want %d", body, got, err, want)
		}
	}
}
