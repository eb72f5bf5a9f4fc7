//go:build crash

// Package crash kills Vigil's writers with SIGKILL at random moments and
// checks what the store holds afterwards: the plugin binary hosted over the
// plugin protocol while several clients post batches to POST ingest, and the
// vigil CLI's ingest --db and demo. After every kill, every batch is stored
// whole or not at all; a batch answered 200 is stored exactly once; a batch
// retried with its idempotency key is a no-op; a re-run reaches the exact
// totals.
package crash

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-mlobs/vigil/pkg/store"
	"github.com/vigil-mlobs/vigil/pkg/store/duckdb"
	"github.com/vigil-mlobs/vigil/tests/pluginhost"
)

// kills is how many times each writer is killed.
const kills = 5

var (
	bin   string // the plugin binary
	vigil string // the vigil command
	work  string
)

func TestMain(m *testing.M) {
	var err error
	if bin, err = pluginhost.Binary(); err != nil {
		fmt.Fprintln(os.Stderr, "crash tests:", err)
		os.Exit(1)
	}
	if work, err = os.MkdirTemp("", "vigil-crash-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if vigil, err = pluginhost.BuildVigil(work); err != nil {
		fmt.Fprintln(os.Stderr, "crash tests:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(work)
	os.Exit(code)
}

var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// batch is one ingest request and what the test knows about it.
type batch struct {
	key   string
	ids   []string
	body  []byte
	sent  bool // posted at least once (its outcome may be unknown)
	acked bool // answered 200
}

func newBatch(model string, client, n, size int) *batch {
	b := &batch{key: fmt.Sprintf("%s-c%d-b%05d", model, client, n)}
	var buf bytes.Buffer
	for i := 0; i < size; i++ {
		id := fmt.Sprintf("%s-r%03d", b.key, i)
		b.ids = append(b.ids, id)
		fmt.Fprintf(&buf, `{"model":%q,"version":"v1","environment":"production","id":%q,"timestamp":%q,"features":{"x":%d,"cat":"c%d"},"prediction":{"label":"%d","score":0.5},"text":"batch %s"}`+"\n",
			model, id, t0.Add(time.Duration(n*size+i)*time.Second).Format(time.RFC3339), i, i%7, i%2, b.key)
	}
	b.body = buf.Bytes()
	return b
}

// openStore opens the DuckDB file once no process holds it.
func openStore(t *testing.T, db string) *duckdb.Store {
	t.Helper()
	var err error
	for i := 0; i < 50; i++ {
		var st *duckdb.Store
		if st, err = duckdb.Open(context.Background(), duckdb.Options{Path: db}); err == nil {
			return st
		}
		time.Sleep(100 * time.Millisecond) // the killed process's lock is released as it is reaped
	}
	t.Fatalf("open %s after the kill: %v", db, err)
	return nil
}

// storedPerBatch counts, per batch, how many of its ids the store holds (a
// duplicated id counts twice), and the model's total records.
func storedPerBatch(t *testing.T, db, model string, batches []*batch) (map[string]int, int64) {
	t.Helper()
	st := openStore(t, db)
	defer st.Close()
	ctx := context.Background()
	counts := map[string]int{}
	var all []string
	owner := map[string]string{}
	for _, b := range batches {
		all = append(all, b.ids...)
		for _, id := range b.ids {
			owner[id] = b.key
		}
	}
	recs, err := st.Lookup(ctx, store.LookupRequest{Model: model, IDs: all})
	if errors.Is(err, store.ErrUnknownModel) {
		return counts, 0
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		counts[owner[r.ID]]++
	}
	return counts, modelRecords(t, st, model)
}

func modelRecords(t *testing.T, st *duckdb.Store, model string) int64 {
	t.Helper()
	inv, err := st.Models(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, m := range inv {
		if m.Name == model {
			for _, v := range m.Versions {
				n += v.Records
			}
		}
	}
	return n
}

// TestPluginIngestSurvivesSIGKILL posts batches from several clients to the
// hosted plugin and kills it with SIGKILL at random moments.
func TestPluginIngestSurvivesSIGKILL(t *testing.T) {
	const clients, size = 4, 200
	db := filepath.Join(work, "plugin.duckdb")
	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	var (
		mu      sync.Mutex
		batches []*batch
		next    = make([]int, clients)
		codes   = map[int]int{}
	)
	post := func(h *pluginhost.Host, ctx context.Context, b *batch) (pluginhost.Reply, error) {
		return h.Call(ctx, "Editor", http.MethodPost, "ingest", b.body, map[string]string{"Idempotency-Key": b.key})
	}
	for round := 0; round < kills; round++ {
		h, err := pluginhost.Start(bin, db, map[string]any{"ingestQueue": 8})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func(c int) {
				defer wg.Done()
				for ctx.Err() == nil {
					mu.Lock()
					b := newBatch("crash", c, next[c], size)
					next[c]++
					batches = append(batches, b)
					b.sent = true
					mu.Unlock()
					r, err := post(h, ctx, b)
					mu.Lock()
					switch {
					case err != nil: // killed mid-call: the outcome is unknown
					case r.Status == http.StatusOK:
						b.acked = true
					case r.Status == http.StatusTooManyRequests:
						b.sent = false // refused before reading: retried below
					default:
						t.Errorf("batch %s: status %d %s", b.key, r.Status, r.Body)
					}
					codes[r.Status]++
					mu.Unlock()
				}
			}(c)
		}
		time.Sleep(time.Duration(300+rng.IntN(1500)) * time.Millisecond)
		if err := h.KillHard(); err != nil {
			t.Fatal(err)
		}
		cancel()
		wg.Wait()

		// After the crash: every batch whole or absent, every acknowledged one present.
		counts, total := storedPerBatch(t, db, "crash", batches)
		acked, whole := 0, 0
		var sum int64
		for _, b := range batches {
			n := counts[b.key]
			sum += int64(n)
			switch {
			case n != 0 && n != size:
				t.Errorf("round %d: batch %s partly stored: %d of %d records", round, b.key, n, size)
			case b.acked && n != size:
				t.Errorf("round %d: batch %s was answered 200 but %d of %d records are stored", round, b.key, n, size)
			case !b.sent && n != 0:
				t.Errorf("round %d: batch %s was refused with 429 but %d records are stored", round, b.key, n)
			}
			if b.acked {
				acked++
			}
			if n == size {
				whole++
			}
		}
		if total != sum {
			t.Errorf("round %d: the model counts %d records, its batches %d: a record is stored twice or outside a batch", round, total, sum)
		}
		t.Logf("kill %d after %d batches sent: %d answered 200, %d stored whole, %d records", round+1, len(batches), acked, whole, total)
	}
	if t.Failed() {
		return
	}

	// Restart and retry every batch with its key: acknowledged ones are no-ops,
	// the ones whose answer was lost are stored (or replayed) now.
	h, err := pluginhost.Start(bin, db, map[string]any{"ingestQueue": 8})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	replayed := 0
	for _, b := range batches {
		r, err := post(h, ctx, b)
		if err != nil || r.Status != http.StatusOK {
			t.Fatalf("retry %s: %v %d %s", b.key, err, r.Status, r.Body)
		}
		var res struct {
			Inferences, Duplicates int
			Replayed               bool
		}
		if err := json.Unmarshal(r.Body, &res); err != nil {
			t.Fatal(err)
		}
		switch {
		case b.acked && (!res.Replayed || res.Inferences != 0):
			t.Errorf("retry of acknowledged batch %s was not a no-op: %s", b.key, r.Body)
		case !b.acked && !res.Replayed && res.Inferences+res.Duplicates != size:
			t.Errorf("retry of batch %s stored %s, want %d records", b.key, r.Body, size)
		}
		if res.Replayed {
			replayed++
		}
	}
	h.Stop()
	counts, total := storedPerBatch(t, db, "crash", batches)
	for _, b := range batches {
		if counts[b.key] != size {
			t.Errorf("after the retries batch %s has %d of %d records", b.key, counts[b.key], size)
		}
	}
	if want := int64(len(batches) * size); total != want {
		t.Errorf("after the retries: %d records, want exactly %d", total, want)
	}
	keys := make([]int, 0, len(codes))
	for k := range codes {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	t.Logf("%d kills; %d batches of %d records; statuses %v (0: killed mid-call); %d retries replayed; %d records stored exactly once",
		kills, len(batches), size, codes, replayed, total)
}

// runKilled starts cmd and kills it with SIGKILL after delay; it reports
// whether the kill landed while the command was still running.
func runKilled(t *testing.T, cmd *exec.Cmd, delay time.Duration) bool {
	t.Helper()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%v: %v\n%s", cmd.Args, err, out.Bytes())
		}
		return false
	case <-time.After(delay):
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	err := <-done
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true
		}
	}
	if err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, out.Bytes())
	}
	return false // it finished just before the kill
}

// killRuns runs the command made by mk, killing it at random moments until
// it has been killed mid-run kills times (check runs after each kill), then
// runs it to the end.
func killRuns(t *testing.T, mk func() *exec.Cmd, maxDelay time.Duration, check func(kill int)) {
	t.Helper()
	rng := rand.New(rand.NewPCG(2, uint64(time.Now().UnixNano())))
	killed := 0
	for attempt := 0; killed < kills; attempt++ {
		if attempt == 4*kills {
			t.Fatalf("only %d of %d kills landed while the command ran", killed, kills)
		}
		delay := time.Duration(100+rng.Int64N(int64(maxDelay/time.Millisecond))) * time.Millisecond
		if runKilled(t, mk(), delay) {
			killed++
			check(killed)
		} else {
			maxDelay = maxDelay / 2 // the command was faster than the delay: kill sooner
		}
	}
	if out, err := mk().CombinedOutput(); err != nil {
		t.Fatalf("the run after the kills: %v\n%s", err, out)
	}
}

// TestCLIIngestSurvivesSIGKILL kills `vigil ingest --db` mid-file and re-runs it.
func TestCLIIngestSurvivesSIGKILL(t *testing.T) {
	const size, nBatches = 2000, 60
	file := filepath.Join(work, "cli.ndjson")
	var all []*batch
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < nBatches; i++ {
		b := newBatch("cli", 0, i, size)
		all = append(all, b)
		if _, err := f.Write(b.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(work, "cli.duckdb")
	mk := func() *exec.Cmd { return exec.Command(vigil, "ingest", "--db", db, "--batch", fmt.Sprint(size), file) }
	killRuns(t, mk, 3*time.Second, func(kill int) {
		// The CLI's batches are the file's runs of size lines: each is whole or absent.
		counts, total := storedPerBatch(t, db, "cli", all)
		var sum int64
		for _, b := range all {
			if n := counts[b.key]; n != 0 && n != size {
				t.Errorf("kill %d: batch %s partly stored: %d of %d", kill, b.key, n, size)
			}
			sum += int64(counts[b.key])
		}
		if total != sum {
			t.Errorf("kill %d: %d records counted, %d in batches", kill, total, sum)
		}
		t.Logf("kill %d: %d of %d records stored", kill, total, size*nBatches)
	})
	counts, total := storedPerBatch(t, db, "cli", all)
	for _, b := range all {
		if counts[b.key] != size {
			t.Errorf("after the re-run batch %s has %d of %d records", b.key, counts[b.key], size)
		}
	}
	if total != size*nBatches {
		t.Errorf("after the re-run: %d records, want exactly %d", total, size*nBatches)
	}
}

// TestDemoSurvivesSIGKILL kills `vigil demo` mid-run, re-runs it and compares
// the store with an uninterrupted run of the same seed.
func TestDemoSurvivesSIGKILL(t *testing.T) {
	end := "2026-11-30T00:00:00Z"
	args := func(db string) []string {
		return []string{"demo", "--db", db, "--seed", "5", "--scale", "0.1", "--days", "30", "--end", end, "--batch", "5000"}
	}
	clean := filepath.Join(work, "demo-clean.duckdb")
	if out, err := exec.Command(vigil, args(clean)...).CombinedOutput(); err != nil {
		t.Fatalf("clean demo: %v\n%s", err, out)
	}
	want := inventory(t, clean)
	db := filepath.Join(work, "demo.duckdb")
	killRuns(t, func() *exec.Cmd { return exec.Command(vigil, args(db)...) }, 4*time.Second, func(kill int) {
		got := inventory(t, db)
		for k, n := range got {
			if n > want[k] {
				t.Errorf("kill %d: %s has %d, more than the full run's %d", kill, k, n, want[k])
			}
		}
		t.Logf("kill %d: %d of %d records and %d of %d actuals stored", kill, sumOf(got, " records"), sumOf(want, " records"), sumOf(got, " actuals"), sumOf(want, " actuals"))
	})
	got := inventory(t, db)
	if len(got) != len(want) {
		t.Errorf("after the re-run %d version groups, want %d", len(got), len(want))
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("after the re-run %s = %d, want %d", k, got[k], n)
		}
	}
	t.Logf("after the re-run: %d records and %d actuals in %d version groups, equal to the uninterrupted run", sumOf(got, " records"), sumOf(got, " actuals"), len(want)/2)
}

// inventory maps "model/version/environment records|actuals" to its count.
func inventory(t *testing.T, db string) map[string]int64 {
	t.Helper()
	st := openStore(t, db)
	defer st.Close()
	inv, err := st.Models(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, m := range inv {
		for _, v := range m.Versions {
			k := m.Name + "/" + v.Version + "/" + v.Environment
			out[k+" records"] = v.Records
			out[k+" actuals"] = v.Actuals
		}
	}
	return out
}

func sumOf(inv map[string]int64, suffix string) int64 {
	var n int64
	for k, v := range inv {
		if strings.HasSuffix(k, suffix) {
			n += v
		}
	}
	return n
}
