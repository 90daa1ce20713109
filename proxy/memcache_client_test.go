package proxy

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/slotcache/slotcache/node"
	"github.com/slotcache/slotcache/node/nodetest"
)

// TestMemcacheProxyGomemcache drives the proxy's memcached port with
// bradfitz/gomemcache, a GetMulti spanning every group included.
func TestMemcacheProxyGomemcache(t *testing.T) {
	addr, m, _ := startMCCluster(t, 3, nil)
	mc := memcache.New(addr)
	mc.Timeout = 5 * time.Second
	t.Cleanup(func() { mc.Close() })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(mc.Ping())
	keys := mcKeys(t, m, 30)
	for i, k := range keys {
		must(mc.Set(&memcache.Item{Key: k, Value: []byte("v" + k), Flags: uint32(i)}))
	}
	got, err := mc.GetMulti(append(keys, "missing1", "missing2"))
	must(err)
	if len(got) != len(keys) {
		t.Fatalf("GetMulti: %d items, want %d", len(got), len(keys))
	}
	for i, k := range keys {
		if it := got[k]; it == nil || string(it.Value) != "v"+k || it.Flags != uint32(i) {
			t.Fatalf("GetMulti %s: %+v", k, it)
		}
	}
	// CAS through the proxy: the second writer with the same token loses.
	it1, err := mc.Get(keys[0])
	must(err)
	it2, err := mc.Get(keys[0])
	must(err)
	it1.Value = []byte("first")
	must(mc.CompareAndSwap(it1))
	it2.Value = []byte("second")
	if err := mc.CompareAndSwap(it2); !errors.Is(err, memcache.ErrCASConflict) {
		t.Fatalf("second cas: %v", err)
	}
	n, err := mc.Increment(keys[1], 5)
	if err == nil || !strings.Contains(err.Error(), "non-numeric") {
		t.Fatalf("incr of text: %d %v", n, err)
	}
	must(mc.Set(&memcache.Item{Key: keys[1], Value: []byte("41")}))
	if n, err = mc.Increment(keys[1], 1); err != nil || n != 42 {
		t.Fatalf("incr: %d %v", n, err)
	}
	must(mc.Touch(keys[2], 100))
	if it, err := mc.GetAndTouch(keys[2], 0); err != nil || string(it.Value) != "v"+keys[2] {
		t.Fatalf("gat: %+v %v", it, err)
	}
	must(mc.Delete(keys[3]))
	if err := mc.Delete(keys[3]); !errors.Is(err, memcache.ErrCacheMiss) {
		t.Fatalf("second delete: %v", err)
	}
	big := make([]byte, 2<<20)
	if err := mc.Set(&memcache.Item{Key: "big", Value: big}); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("set of 2 MB: %v", err)
	}
	must(mc.FlushAll())
	got, err = mc.GetMulti(keys)
	must(err)
	if len(got) != 0 {
		t.Fatalf("GetMulti after flush_all on every group: %d items", len(got))
	}
}

// TestMemcacheProxyLibmemcachedTools runs libmemcached's command line tools
// through the proxy; they print what they print against memcached.
func TestMemcacheProxyLibmemcachedTools(t *testing.T) {
	for _, tool := range []string{"memccp", "memccat", "memcrm", "memcstat"} {
		nodetest.RequirePeer(t, tool)
	}
	proxyAddr, _, _ := startMCCluster(t, 3, nil)
	realAddr := nodetest.StartMemcached(t)
	dir := t.TempDir()
	var files []string
	for i := range 6 { // file names spread over the groups
		f := filepath.Join(dir, fmt.Sprintf("file%d.txt", i))
		if err := os.WriteFile(f, []byte(fmt.Sprintf("content %d\nline\n", i)), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	run := func(args ...string) (string, error) {
		out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
		return string(out), err
	}
	for _, addr := range []string{proxyAddr, realAddr} {
		if out, err := run(append([]string{"memccp", "--servers=" + addr}, files...)...); err != nil {
			t.Fatalf("memccp %s: %v %s", addr, err, out)
		}
	}
	names := []string{"file0.txt", "file1.txt", "file2.txt", "file3.txt", "file4.txt", "file5.txt"}
	same := func(args ...string) string {
		t.Helper()
		got, err1 := run(append(args, "--servers="+proxyAddr)...)
		want, err2 := run(append(args, "--servers="+realAddr)...)
		if got != want || (err1 == nil) != (err2 == nil) {
			t.Fatalf("%v:\n  slotcache: %q %v\n  memcached: %q %v", args, got, err1, want, err2)
		}
		return got
	}
	if got := same(append([]string{"memccat"}, names...)...); !strings.Contains(got, "content 5\nline\n") {
		t.Fatalf("memccat: %q", got)
	}
	stat, err := run("memcstat", "--servers="+proxyAddr)
	if err != nil {
		t.Fatalf("memcstat: %v %s", err, stat)
	}
	for _, want := range []string{"curr_items: 6", "cmd_set: 6", "get_hits: 6", "version: 1.6.18", "curr_connections: 1"} {
		if !strings.Contains(stat, want) {
			t.Errorf("memcstat output lacks %q:\n%s", want, stat)
		}
	}
	same(append([]string{"memcrm"}, names[:3]...)...)
	same(append([]string{"memccat"}, names...)...)
}

// TestMemcacheProxyStats: stats sums the groups' items and reports the
// proxy's own connections and commands, in memcached's format and order.
func TestMemcacheProxyStats(t *testing.T) {
	addr, m, p := startMCCluster(t, 3, func(c *Config) { c.MaxClients = 77 })
	c := nodetest.DialMC(t, addr)
	keys := mcKeys(t, m, 9)
	for _, k := range keys {
		c.Do("set " + k + " 0 0 2\r\nab\r\n")
	}
	c.Do("get " + strings.Join(keys, " ") + " nope\r\n")
	out := c.Do("stats\r\n")
	lines := strings.Split(strings.TrimSuffix(out, "END\r\n"), "\r\n")
	lines = lines[:len(lines)-1]
	stats := map[string]string{}
	var names []string
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) != 3 || f[0] != "STAT" {
			t.Fatalf("stats line %q", l)
		}
		stats[f[1]] = f[2]
		names = append(names, f[1])
	}
	if strings.Join(names, ",") != strings.Join(mcStatNames, ",") {
		t.Fatalf("stats names %v", names)
	}
	for name, want := range map[string]string{
		"pid": fmt.Sprint(os.Getpid()), "version": "1.6.18", "curr_items": "9", "total_items": "9",
		"cmd_get": "10", "get_hits": "9", "get_misses": "1", "cmd_set": "9", "curr_connections": "1",
		"total_connections": "1", "max_connections": "77", "bytes": fmt.Sprint(9 * (48 + 1 + 8 + 2 + 2 + 2)),
	} {
		if stats[name] != want {
			t.Errorf("STAT %s %s, want %s", name, stats[name], want)
		}
	}
	if !strings.HasPrefix(stats["bytes"], "") || p.mc.total.Load() != 1 {
		t.Errorf("total connections %d", p.mc.total.Load())
	}
	set := c.Do("stats settings\r\n")
	for _, want := range []string{"STAT maxconns 77\r\n", "STAT tcpport " + addr[strings.LastIndexByte(addr, ':')+1:] + "\r\n",
		"STAT item_size_max 1048576\r\n", "STAT maxbytes "} {
		if !strings.Contains(set, want) {
			t.Errorf("stats settings lacks %q:\n%s", want, set)
		}
	}
	if got := c.Do("stats items\r\nstats reset\r\nstats detail\r\n"); got != "END\r\nRESET\r\nCLIENT_ERROR usage: stats detail on|off|dump\r\n" {
		t.Errorf("stats subcommands: %q", got)
	}
}

// TestMemcacheProxyBackendDown: requests for a dead group fail at once
// with SERVER_ERROR backend unavailable (noreply ones silently), the other
// groups keep serving, a get spanning groups fails as a whole, and the
// group serves again once its node is back.
func TestMemcacheProxyBackendDown(t *testing.T) {
	port := nodetest.FreePort(t)
	addrs := startNodes(t, 2)
	down, srv := nodetest.StartNode(t, func(c *node.Config) { c.Port = port })
	addrs = append(addrs, down)
	m := staticMap(t, addrs)
	_, p := startProxy(t, StaticMap{m}, func(c *Config) {
		c.Backend.MinBackoff = 10 * time.Millisecond
		c.Backend.MaxBackoff = 50 * time.Millisecond
	})
	addr := serveMemcache(t, p)
	k1, k3 := keyIn(m, 1, "a"), keyIn(m, 3, "c")
	c := nodetest.DialMC(t, addr)
	if got := c.Do("set " + k3 + " 0 0 1\r\nx\r\n"); got != "STORED\r\n" {
		t.Fatalf("set before: %q", got)
	}
	srv.Close()
	waitFor(t, "the dead group's error", func() bool {
		return c.Do("get "+k3+"\r\n") == msgMCUnavailable+"\r\n"
	})
	var pipe strings.Builder
	for range 200 {
		pipe.WriteString("get " + k3 + "\r\nset " + k3 + " 0 0 1 noreply\r\nx\r\n")
	}
	pipe.WriteString("get " + k1 + " " + k3 + "\r\nmg " + k3 + " v\r\nset " + k1 + " 0 0 1\r\ny\r\nget " + k1 + "\r\n")
	want := strings.Repeat(msgMCUnavailable+"\r\n", 202) + "STORED\r\nVALUE " + k1 + " 0 1\r\ny\r\nEND\r\n"
	if got := c.Do(pipe.String()); got != want {
		t.Fatalf("pipeline to a dead group:\n got %s\nwant %s", nodetest.Clip(got), nodetest.Clip(want))
	}
	if got := c.Do("flush_all\r\n"); got != msgMCUnavailable+"\r\n" {
		t.Fatalf("flush_all with a dead group: %q", got)
	}
	if got := c.Do("stats\r\n"); !strings.Contains(got, "STAT curr_items ") {
		t.Fatalf("stats with a dead group: %q", got)
	}
	nodetest.StartNode(t, func(c *node.Config) { c.Port = port })
	waitFor(t, "the restarted group serving", func() bool {
		return c.Do("set "+k3+" 0 0 1\r\nz\r\n") == "STORED\r\n"
	})
}

// TestMemcacheProxyGarbage: a client sending garbage gets memcached's
// replies (and its connection closed for an endless line) while other
// clients keep being served.
func TestMemcacheProxyGarbage(t *testing.T) {
	addr, _, _ := startMCCluster(t, 3, nil)
	realAddr := nodetest.StartMemcached(t)
	other := nodetest.DialMC(t, addr)
	other.Do("set k 0 0 1\r\nk\r\n")
	var wg sync.WaitGroup
	for _, a := range []string{addr, realAddr} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("tcp", a)
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			conn.Write([]byte("\x00\xff garbage\r\nset x 0 0 5\r\nabc\r\nxx\r\n"))
			want := "ERROR\r\nCLIENT_ERROR bad data chunk\r\nERROR\r\n"
			buf := make([]byte, len(want))
			if _, err := io.ReadFull(conn, buf); err != nil || string(buf) != want {
				t.Errorf("%s: %q %v", a, buf, err)
			}
			// An endless line closes the connection without a reply.
			conn.Write([]byte(strings.Repeat("y", 20000)))
			if out, _ := io.ReadAll(conn); len(out) != 0 {
				t.Errorf("%s: after a long line: %q", a, out)
			}
		}()
	}
	for range 50 {
		if got := other.Do("get k\r\n"); got != "VALUE k 0 1\r\nk\r\nEND\r\n" {
			t.Fatalf("other client: %q", got)
		}
	}
	wg.Wait()
}

// TestMemcacheProxyMaxClients: over maxclients a memcached client gets
// memcached's error and a closed connection.
func TestMemcacheProxyMaxClients(t *testing.T) {
	nodes := startNodes(t, 1)
	respAddr, p := startProxy(t, StaticMap{staticMap(t, nodes)}, func(c *Config) { c.MaxClients = 2 })
	addr := serveMemcache(t, p)
	a, b := nodetest.DialMC(t, addr), nodetest.DialMC(t, addr)
	a.Do("version\r\n")
	b.Do("version\r\n")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	out, _ := io.ReadAll(conn)
	if string(out) != msgMCMaxConns {
		t.Fatalf("third client: %q", out)
	}
	if got := a.Do("version\r\n"); got != "VERSION 1.6.18\r\n" {
		t.Fatalf("first client: %q", got)
	}
	// RESP and memcached clients share the limit.
	if got := rawExchange(t, respAddr, "PING\r\n"); string(got) != "-ERR max number of clients reached\r\n" {
		t.Fatalf("RESP client over the limit: %q", got)
	}
}

// TestMemcacheProxyIdleTimeout: an idle memcached client is disconnected
// after IdleTimeout; an active one is not.
func TestMemcacheProxyIdleTimeout(t *testing.T) {
	addr, _, _ := startMCCluster(t, 1, func(c *Config) { c.IdleTimeout = time.Second })
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if out, err := io.ReadAll(conn); err != nil || len(out) != 0 {
		t.Fatalf("idle client: %q %v, want the connection closed", out, err)
	}
	c := nodetest.DialMC(t, addr)
	for range 5 {
		if got := c.Do("version\r\n"); got != "VERSION 1.6.18\r\n" {
			t.Fatalf("active client: %q", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
