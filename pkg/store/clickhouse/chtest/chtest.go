// Package chtest runs real ClickHouse servers for tests: a single node and a
// two-shard cluster, each server a child process of the test binary with its
// configuration and data in a temporary directory, listening on 127.0.0.1
// ports chosen at start.
//
// A test package that uses it calls Main from its TestMain, so the servers
// are stopped when the package's tests end (they are also killed with the
// test binary, should it die).
package chtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// ClusterName is the name of the two-shard cluster in remote_servers.
const ClusterName = "vigil_test"

// Server is one clickhouse-server process.
type Server struct {
	Port int // native protocol port on 127.0.0.1
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

// Addr is the server's native-protocol address.
func (s *Server) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.Port) }

// Kill stops the server at once, as a crash would.
func (s *Server) Kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// Deployment is a set of servers: one for a single node, one per shard for
// the cluster (Cluster names it in every server's remote_servers), and the
// ZooKeeper they share, if any.
type Deployment struct {
	Servers   []*Server
	Cluster   string
	ZooKeeper *Server
}

// Addr is the address clients connect to: the first server.
func (d *Deployment) Addr() string { return d.Servers[0].Addr() }

var (
	mu        sync.Mutex
	started   []*Deployment
	single    *Deployment
	cluster   *Deployment
	clusterZK *Deployment
	errs      = map[string]error{}
)

// ZooKeeperScript is Debian's zookeeperd launcher, which the tests run in
// the foreground with their own configuration.
func ZooKeeperScript() (string, error) {
	if p := os.Getenv("VIGIL_ZOOKEEPER_SERVER"); p != "" {
		return p, nil
	}
	const p = "/usr/share/zookeeper/bin/zkServer.sh"
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("ZooKeeper: %w (Debian's zookeeperd)", err)
	}
	return p, nil
}

// Binary is the server binary the tests run.
func Binary() (string, error) {
	if p := os.Getenv("VIGIL_CLICKHOUSE_SERVER"); p != "" {
		return p, nil
	}
	return exec.LookPath("clickhouse-server")
}

// skipOrFail skips the test when the server is not installed, except in CI
// (CI or VIGIL_REQUIRE_CLICKHOUSE set, as ./scripts/test.sh does after
// installing it), where a missing server is a failure.
func skipOrFail(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") != "" || os.Getenv("VIGIL_REQUIRE_CLICKHOUSE") != "" {
		t.Fatalf("ClickHouse server needed in CI: %v", err)
	}
	t.Skipf("ClickHouse tests skipped: %v (install Debian's clickhouse-server, as ./scripts/test.sh does, to run them)", err)
}

// Single returns the package's single-node server, starting it on first use.
func Single(t testing.TB) *Deployment {
	t.Helper()
	return shared(t, "single", &single, 1)
}

// Cluster returns the package's two-shard cluster, starting it on first use.
func Cluster(t testing.TB) *Deployment {
	t.Helper()
	return shared(t, "cluster", &cluster, 2)
}

// ClusterWithZooKeeper returns a two-shard cluster whose servers share a
// ZooKeeper (and its distributed DDL queue), starting it on first use.
func ClusterWithZooKeeper(t testing.TB) *Deployment {
	t.Helper()
	zk, err := ZooKeeperScript()
	if err != nil {
		skipOrFail(t, err)
	}
	return sharedWith(t, "cluster with ZooKeeper", &clusterZK, 2, zk)
}

func shared(t testing.TB, name string, slot **Deployment, shards int) *Deployment {
	t.Helper()
	return sharedWith(t, name, slot, shards, "")
}

func sharedWith(t testing.TB, name string, slot **Deployment, shards int, zk string) *Deployment {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		skipOrFail(t, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if err := errs[name]; err != nil {
		t.Fatalf("ClickHouse %s: %v", name, err)
	}
	if *slot == nil {
		d, err := start(bin, shards, zk)
		if err != nil {
			errs[name] = err
			t.Fatalf("start ClickHouse %s: %v", name, err)
		}
		*slot = d
		started = append(started, d)
	}
	return *slot
}

// Main runs the package's tests and stops the servers they started.
func Main(m *testing.M) {
	code := m.Run()
	StopAll()
	os.Exit(code)
}

// StopAll stops the servers Single and Cluster started, for a TestMain
// that exits by itself.
func StopAll() {
	mu.Lock()
	defer mu.Unlock()
	for _, d := range started {
		d.Stop()
	}
	started, single, cluster, clusterZK = nil, nil, nil, nil
}

// Stop kills the servers and removes their directories.
func (d *Deployment) Stop() {
	all := d.Servers
	if d.ZooKeeper != nil {
		all = append(slices.Clone(all), d.ZooKeeper)
	}
	for _, s := range all {
		s.Kill()
		_ = os.RemoveAll(s.dir)
	}
}

// Start starts shards servers; with more than one they form ClusterName.
func Start(bin string, shards int) (*Deployment, error) {
	return start(bin, shards, "")
}

// start starts shards servers, and first a ZooKeeper with the launcher zk
// when it is not "".
func start(bin string, shards int, zk string) (*Deployment, error) {
	d := &Deployment{}
	zkConfig := ""
	if zk != "" {
		z, err := startZooKeeper(zk)
		if err != nil {
			return nil, err
		}
		d.ZooKeeper = z
		zkConfig = fmt.Sprintf(`<zookeeper><node><host>127.0.0.1</host><port>%d</port></node></zookeeper>
 <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>`, z.Port)
	}
	ports := make([]int, shards)
	for i := range ports {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		ports[i] = p
	}
	if shards > 1 {
		d.Cluster = ClusterName
	}
	for i := range shards {
		s, err := startServer(bin, ports[i], remoteServers(d.Cluster, ports)+zkConfig)
		if err != nil {
			d.Stop()
			return nil, err
		}
		d.Servers = append(d.Servers, s)
	}
	for _, s := range d.Servers {
		if err := waitReady(s); err != nil {
			d.Stop()
			return nil, err
		}
	}
	return d, nil
}

func remoteServers(name string, ports []int) string {
	if name == "" {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<remote_servers><%s>", name)
	for _, p := range ports {
		fmt.Fprintf(&b, "<shard><replica><host>127.0.0.1</host><port>%d</port></replica></shard>", p)
	}
	fmt.Fprintf(&b, "</%s></remote_servers>", name)
	return b.String()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// MaxQueryMemory is the servers' max_memory_usage (bytes per query): 2 GB
// for the tests; the benchmark sets ClickHouse's own default, 10 GB.
var MaxQueryMemory int64 = 2_000_000_000

const usersXML = `<yandex>
 <profiles><default><max_memory_usage>%d</max_memory_usage></default></profiles>
 <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
 <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`

func startServer(bin string, port int, remote string) (*Server, error) {
	dir, err := os.MkdirTemp("", "vigil-clickhouse-")
	if err != nil {
		return nil, err
	}
	config := fmt.Sprintf(`<yandex>
 <logger><level>warning</level><log>%[1]s/server.log</log><errorlog>%[1]s/error.log</errorlog><console>0</console></logger>
 <tcp_port>%[2]d</tcp_port>
 <listen_host>127.0.0.1</listen_host>
 <path>%[1]s/data/</path>
 <tmp_path>%[1]s/tmp/</tmp_path>
 <user_files_path>%[1]s/user_files/</user_files_path>
 <format_schema_path>%[1]s/format_schemas/</format_schema_path>
 <users_config>%[1]s/users.xml</users_config>
 <default_profile>default</default_profile>
 <default_database>default</default_database>
 <mark_cache_size>134217728</mark_cache_size>
 <uncompressed_cache_size>134217728</uncompressed_cache_size>
 <max_concurrent_queries>50</max_concurrent_queries>
 %[3]s
</yandex>
`, dir, port, remote)
	if err := os.WriteFile(filepath.Join(dir, "config.xml"), []byte(config), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "users.xml"), []byte(fmt.Sprintf(usersXML, MaxQueryMemory)), 0o644); err != nil {
		return nil, err
	}
	out, err := os.Create(filepath.Join(dir, "stdout.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--config-file="+filepath.Join(dir, "config.xml"))
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = out, out
	// The server dies with the test binary.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s := &Server{Port: port, dir: dir, cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		out.Close()
		close(s.done)
	}()
	return s, nil
}

// startZooKeeper runs a standalone ZooKeeper through Debian's launcher in
// the foreground, its configuration and data in a temporary directory, and
// waits until it answers "ruok".
func startZooKeeper(script string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "vigil-zookeeper-")
	if err != nil {
		return nil, err
	}
	cfg := fmt.Sprintf("tickTime=2000\ndataDir=%s/data\nclientPort=%d\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n4lw.commands.whitelist=ruok\n", dir, port)
	if err := os.WriteFile(filepath.Join(dir, "zoo.cfg"), []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "log4j.properties"), []byte("log4j.rootLogger=WARN, CONSOLE\nlog4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender\nlog4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout\n"), 0o644); err != nil {
		return nil, err
	}
	out, err := os.Create(filepath.Join(dir, "stdout.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(script, "start-foreground", filepath.Join(dir, "zoo.cfg"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ZOOCFGDIR="+dir, "ZOO_LOG_DIR="+dir)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("start ZooKeeper: %w", err)
	}
	z := &Server{Port: port, dir: dir, cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		out.Close()
		close(z.done)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-z.done:
			log, _ := os.ReadFile(filepath.Join(dir, "stdout.log"))
			return nil, fmt.Errorf("ZooKeeper on port %d exited: %s", port, tail(string(log), 2000))
		default:
		}
		if c, err := net.DialTimeout("tcp", z.Addr(), time.Second); err == nil {
			_ = c.SetDeadline(time.Now().Add(2 * time.Second))
			_, _ = c.Write([]byte("ruok"))
			b := make([]byte, 4)
			n, _ := c.Read(b)
			c.Close()
			if string(b[:n]) == "imok" {
				return z, nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	z.Kill()
	return nil, fmt.Errorf("ZooKeeper on port %d not ready after 60s", port)
}

// waitReady waits until the server answers a query (a cold start of 18.16
// takes one to a few seconds).
func waitReady(s *Server) error {
	deadline := time.Now().Add(60 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			log, _ := os.ReadFile(filepath.Join(s.dir, "error.log"))
			return fmt.Errorf("clickhouse-server on port %d exited: %s", s.Port, tail(string(log), 2000))
		default:
		}
		conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{s.Addr()}, DialTimeout: time.Second})
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			err = conn.Ping(ctx)
			cancel()
			_ = conn.Close()
			if err == nil {
				return nil
			}
		}
		last = err
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("clickhouse-server on port %d not ready after 60s: %v", s.Port, last)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// Database returns a fresh database name for one test, so tests sharing a
// server do not see each other's tables.
func Database(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + "_" + hex.EncodeToString(b[:])
}
