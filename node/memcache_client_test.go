package node_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
	"github.com/slotcache/slotcache/node"
	"github.com/slotcache/slotcache/node/nodetest"
)

// TestMemcacheGomemcache drives the node's memcached port with
// bradfitz/gomemcache.
func TestMemcacheGomemcache(t *testing.T) {
	addr, _, _ := startMCNode(t, nil)
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
	must(mc.Set(&memcache.Item{Key: "a", Value: []byte("1"), Flags: 42}))
	it, err := mc.Get("a")
	must(err)
	if string(it.Value) != "1" || it.Flags != 42 {
		t.Fatalf("get a: %q flags %d", it.Value, it.Flags)
	}
	if err := mc.Add(&memcache.Item{Key: "a", Value: []byte("x")}); !errors.Is(err, memcache.ErrNotStored) {
		t.Fatalf("add over an item: %v", err)
	}
	if err := mc.Replace(&memcache.Item{Key: "nope", Value: []byte("x")}); !errors.Is(err, memcache.ErrNotStored) {
		t.Fatalf("replace of a missing item: %v", err)
	}
	must(mc.Append(&memcache.Item{Key: "a", Value: []byte("0")}))
	must(mc.Prepend(&memcache.Item{Key: "a", Value: []byte("9")}))
	n, err := mc.Increment("a", 5)
	must(err)
	if n != 915 {
		t.Fatalf("incr: %d, want 915", n)
	}
	n, err = mc.Decrement("a", 1000)
	must(err)
	if n != 0 {
		t.Fatalf("decr below zero: %d, want 0", n)
	}
	if _, err := mc.Increment("nope", 1); !errors.Is(err, memcache.ErrCacheMiss) {
		t.Fatalf("incr of a missing item: %v", err)
	}
	must(mc.Set(&memcache.Item{Key: "t", Value: []byte("text")}))
	if _, err := mc.Increment("t", 1); err == nil || !strings.Contains(err.Error(), "non-numeric") {
		t.Fatalf("incr of text: %v", err)
	}

	// CAS: the second writer with the same token loses.
	it1, err := mc.Get("t")
	must(err)
	it2, err := mc.Get("t")
	must(err)
	it1.Value = []byte("first")
	must(mc.CompareAndSwap(it1))
	it2.Value = []byte("second")
	if err := mc.CompareAndSwap(it2); !errors.Is(err, memcache.ErrCASConflict) {
		t.Fatalf("second cas: %v", err)
	}

	keys := []string{"a", "t", "missing"}
	m, err := mc.GetMulti(keys)
	must(err)
	if len(m) != 2 || string(m["t"].Value) != "first" || string(m["a"].Value) != "0  " {
		t.Fatalf("get multi: %v", m)
	}
	must(mc.Touch("t", 100))
	it, err = mc.GetAndTouch("t", 0)
	must(err)
	if string(it.Value) != "first" {
		t.Fatalf("gat: %q", it.Value)
	}
	must(mc.Delete("t"))
	if err := mc.Delete("t"); !errors.Is(err, memcache.ErrCacheMiss) {
		t.Fatalf("second delete: %v", err)
	}
	big := make([]byte, 2<<20)
	if err := mc.Set(&memcache.Item{Key: "big", Value: big}); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("set of 2 MB: %v", err)
	}
	must(mc.Set(&memcache.Item{Key: "big", Value: big[:1<<19]}))
	it, err = mc.Get("big")
	must(err)
	if len(it.Value) != 1<<19 {
		t.Fatalf("512 KB item came back with %d bytes", len(it.Value))
	}
	must(mc.FlushAll())
	if _, err := mc.Get("a"); !errors.Is(err, memcache.ErrCacheMiss) {
		t.Fatalf("get after flush_all: %v", err)
	}
}

// TestMemcacheLibmemcachedTools runs libmemcached's command line tools
// against the node.
func TestMemcacheLibmemcachedTools(t *testing.T) {
	for _, tool := range []string{"memccp", "memccat", "memcrm", "memcstat"} {
		nodetest.RequirePeer(t, tool)
	}
	nodeAddr, _, _ := startMCNode(t, nil)
	realAddr := startMemcached(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "greeting.txt")
	content := "hello from memccp\nsecond line\n"
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
		return string(out), err
	}
	for _, addr := range []string{nodeAddr, realAddr} {
		servers := "--servers=" + addr
		if out, err := run("memccp", servers, file); err != nil {
			t.Fatalf("memccp %s: %v %s", addr, err, out)
		}
	}
	// Each tool prints the same against the node as against memcached.
	same := func(args ...string) string {
		t.Helper()
		got, err1 := run(append(args, "--servers="+nodeAddr)...)
		want, err2 := run(append(args, "--servers="+realAddr)...)
		if got != want || (err1 == nil) != (err2 == nil) {
			t.Fatalf("%v:\n  slotcache: %q %v\n  memcached: %q %v", args, got, err1, want, err2)
		}
		return got
	}
	if got := same("memccat", "greeting.txt"); !strings.HasPrefix(got, content) {
		t.Fatalf("memccat: %q", got)
	}
	stat, err := run("memcstat", "--servers="+nodeAddr)
	if err != nil {
		t.Fatalf("memcstat: %v %s", err, stat)
	}
	for _, want := range []string{"curr_items: 1", "cmd_set: 1", "get_hits: 1", "version: 1.6.18"} {
		if !strings.Contains(stat, want) {
			t.Errorf("memcstat output lacks %q:\n%s", want, stat)
		}
	}
	same("memcrm", "greeting.txt")
	same("memccat", "greeting.txt")
	same("memcrm", "greeting.txt")
}

// TestMemcacheRESPView checks how items look from the RESP side.
func TestMemcacheRESPView(t *testing.T) {
	mcAddr, respAddr, _ := startMCNode(t, nil)
	mc := dialMC(t, mcAddr)
	r := nodetest.Dial(t, respAddr)
	expect := func(got, want string) {
		t.Helper()
		if got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	expect(mc.do("set item 5 100 3\r\nabc\r\n"), "STORED\r\n")
	expect(r.Do("TYPE", "item").String(), "memcached")
	expect(r.Do("GET", "item").String(), "(error) WRONGTYPE Operation against a key holding the wrong kind of value")
	expect(r.Do("EXISTS", "item").String(), "(integer) 1")
	if ttl := r.Do("TTL", "item").Int; ttl < 99 || ttl > 100 {
		t.Fatalf("TTL of an item with exptime 100: %d", ttl)
	}
	expect(r.Do("OBJECT", "ENCODING", "item").String(), `"memcached"`)
	expect(r.Do("SCAN", "0", "TYPE", "memcached").Elems[1].String(), "1) \"item\"")
	if n := r.Do("MEMORY", "USAGE", "item").Int; n <= 0 {
		t.Fatalf("MEMORY USAGE: %d", n)
	}
	expect(r.Do("PERSIST", "item").String(), "(integer) 1")
	expect(mc.do("mg item t f v\r\n"), "VA 3 t-1 f5\r\nabc\r\n")
	expect(r.Do("COPY", "item", "copy").String(), "(integer) 1")
	expect(r.Do("RENAME", "copy", "moved").String(), "OK")
	expect(mc.do("get moved\r\n"), "VALUE moved 5 3\r\nabc\r\nEND\r\n")
	expect(r.Do("DEL", "item").String(), "(integer) 1")
	expect(mc.do("get item\r\n"), "END\r\n")

	// Keys of Redis types are misses for memcached; set replaces them.
	r.Do("SET", "str", "redis")
	r.Do("RPUSH", "list", "x")
	expect(mc.do("get str list\r\n"), "END\r\n")
	expect(mc.do("incr str 1\r\ndelete list\r\n"), "NOT_FOUND\r\nNOT_FOUND\r\n")
	expect(mc.do("set str 0 0 2\r\nmc\r\n"), "STORED\r\n")
	expect(r.Do("TYPE", "str").String(), "memcached")
	expect(r.Do("TYPE", "list").String(), "list")

	// The internal commands are in the command table.
	if v := r.Do("COMMAND", "INFO", "mcstore"); len(v.Elems) != 1 || v.Elems[0].Null {
		t.Fatalf("COMMAND INFO mcstore: %s", v)
	}
}

// TestMemcacheCasRace: two clients gets the same item; the first cas wins,
// the second gets EXISTS, on the node as on memcached.
func TestMemcacheCasRace(t *testing.T) {
	p := newMCPair(t)
	node2, real2 := dialMC(t, p.node.addr), dialMC(t, p.real.addr)
	p.check("set r 0 0 1\r\n0\r\n")
	cas := strings.Fields(p.check("gets r\r\n"))[4]
	p.check("cas r 0 0 1 " + cas + "\r\n1\r\n")
	if got, want := node2.do("cas r 0 0 1 "+cas+"\r\n2\r\n"), real2.do("cas r 0 0 1 "+cas+"\r\n2\r\n"); got != want || got != "EXISTS\r\n" {
		t.Fatalf("second cas: slotcache %q, memcached %q", got, want)
	}
	p.check("gets r\r\n")
	p.check("ms r 1 C" + cas + " c\r\n3\r\nmd r C" + cas + "\r\nma r C" + cas + "\r\n")
}

// TestMemcacheMetaTimes checks the time flags of mg (node only: the
// replies depend on when memcached's clock ticks).
func TestMemcacheMetaTimes(t *testing.T) {
	addr, _, _ := startMCNode(t, nil)
	c := dialMC(t, addr)
	c.do("ms m 1 T100\r\nx\r\n")
	got := c.do("mg m t l h\r\n")
	if got != "HD t100 l0 h0\r\n" && got != "HD t99 l0 h0\r\n" && got != "HD t99 l1 h0\r\n" {
		t.Fatalf("mg t l h: %q", got)
	}
	if got := c.do("mg m h\r\n"); got != "HD h1\r\n" {
		t.Fatalf("second mg h: %q", got)
	}
	if got := c.do("mg m T-1 v\r\nmg m\r\n"); got != "VA 1\r\nx\r\nEN\r\n" {
		t.Fatalf("T-1 expires after the reply: %q", got)
	}
	if got := c.do("me nope\r\nms m 1 T50\r\nx\r\nme m\r\n"); !strings.HasPrefix(got, "EN\r\nHD\r\nME m exp=-") || !strings.Contains(got, " fetch=no cls=1 size=61\r\n") {
		t.Fatalf("me: %q", got)
	}
}

// TestMemcacheExpiry checks short relative exptimes against memcached.
func TestMemcacheExpiry(t *testing.T) {
	p := newMCPair(t)
	abs := strconv.FormatInt(time.Now().Unix()+1, 10)
	p.check("set short 0 1 1\r\ns\r\nset long 0 100 1\r\nl\r\nset abs 0 " + abs + " 1\r\na\r\nms meta 1 T1\r\nm\r\n")
	// memcached's clock ticks once a second: wait for it to see the expiry.
	time.Sleep(2 * time.Second)
	for i := 0; i < 3 && p.real.do("get short abs meta\r\n") != "END\r\n"; i++ {
		time.Sleep(time.Second)
	}
	p.check("get short long abs meta\r\n")
	p.check("touch long 1\r\nmg long T-1\r\nget long\r\n")
}

// TestMemcacheStatsCounters compares counters of stats with memcached's
// after the same requests.
func TestMemcacheStatsCounters(t *testing.T) {
	p := newMCPair(t)
	p.check("set a 0 0 1\r\n1\r\nset b 0 0 1\r\n2\r\nadd a 0 0 1\r\n1\r\nget a b c\r\ngets a\r\n" +
		"incr a 1\r\nincr z 1\r\ndecr b 1\r\ndecr z 1\r\ntouch a 0\r\ntouch z 0\r\ndelete b\r\ndelete z\r\n" +
		"cas a 0 0 1 1\r\n1\r\ncas z 0 0 1 1\r\n1\r\nset big 0 0 2000000\r\n" + strings.Repeat("x", 2000000) + "\r\n")
	stats := func(c *mcClient) map[string]string {
		m := map[string]string{}
		for _, line := range strings.Split(c.do("stats\r\n"), "\r\n") {
			if f := strings.Fields(line); len(f) == 3 && f[0] == "STAT" {
				m[f[1]] = f[2]
			}
		}
		return m
	}
	got, want := stats(p.node), stats(p.real)
	for _, name := range []string{"cmd_get", "cmd_set", "cmd_touch", "get_hits", "get_misses", "delete_hits",
		"delete_misses", "incr_hits", "incr_misses", "decr_hits", "decr_misses", "cas_misses", "cas_badval",
		"touch_hits", "touch_misses", "store_too_large", "curr_items", "bytes", "curr_connections"} {
		if got[name] != want[name] {
			t.Errorf("stat %s: slotcache %q, memcached %q", name, got[name], want[name])
		}
	}
	// total_items is left out: whether memcached's incr links a new item
	// depends on references its other threads hold at that moment.
	if got["total_items"] != "2" {
		t.Errorf("stat total_items: %q, want 2", got["total_items"])
	}
	if got["version"] != "1.6.18" {
		t.Errorf("stat version %q", got["version"])
	}
	p.check("stats reset\r\n")
}

// TestMemcacheBadInput: a line that runs past 2048 bytes without a newline
// closes the connection (as memcached does) without affecting other
// clients; a long multi-get line is served.
func TestMemcacheBadInput(t *testing.T) {
	p := newMCPair(t)
	p.check("get " + strings.Repeat("k ", 3000) + "\r\n")
	p.check("set k 0 0 1\r\nk\r\nget " + strings.Repeat("k ", 20000) + "\r\n")
	other := dialMC(t, p.node.addr)
	for _, c := range []*mcClient{p.node, p.real} {
		c.conn.SetDeadline(time.Now().Add(5 * time.Second))
		c.conn.Write([]byte(strings.Repeat("x", 20000)))
		// Closed with input unread: an EOF or a reset.
		if _, err := io.ReadAll(c.conn); err != nil && !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("%s: a 20000-byte line: %v (want the connection closed)", c.addr, err)
		}
	}
	if got := other.do("get k\r\n"); got != "VALUE k 0 1\r\nk\r\nEND\r\n" {
		t.Fatalf("another client after the bad one: %q", got)
	}
	// A refused value of 10 MB is swallowed without being buffered whole.
	if got := other.do("set huge 0 0 10000000\r\n" + strings.Repeat("h", 10000000) + "\r\nget k\r\n"); got != "SERVER_ERROR object too large for cache\r\nVALUE k 0 1\r\nk\r\nEND\r\n" {
		t.Fatalf("10 MB set: %q", got)
	}
}

// TestMemcacheMaxClients: over maxclients a memcached client gets
// memcached's error and a closed connection.
func TestMemcacheMaxClients(t *testing.T) {
	addr, _, _ := startMCNode(t, func(c *node.Config) { c.MaxClients = 2 })
	a, b := dialMC(t, addr), dialMC(t, addr)
	a.do("version\r\n")
	b.do("version\r\n")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	out, _ := io.ReadAll(bufio.NewReader(c))
	if string(out) != "ERROR Too many open connections\r\n" {
		t.Fatalf("third client got %q", out)
	}
	if got := a.do("version\r\n"); got != "VERSION 1.6.18\r\n" {
		t.Fatalf("first client after the refusal: %q", got)
	}
}

// TestMemcacheItemSizeMax: memcache-item-size-max bounds items, also when
// changed with CONFIG SET.
func TestMemcacheItemSizeMax(t *testing.T) {
	mcAddr, respAddr, _ := startMCNode(t, func(c *node.Config) { c.MemcacheItemSizeMax = 4096 })
	mc := dialMC(t, mcAddr)
	set := func(n int) string {
		return mc.do("set k 0 0 " + strconv.Itoa(n) + "\r\n" + strings.Repeat("v", n) + "\r\n")
	}
	// memcached's arithmetic: 48 header + key + 1 + 8 CAS + value + 2.
	if got := set(4036); got != "STORED\r\n" {
		t.Fatalf("4036 bytes: %q", got)
	}
	if got := set(4037); got != "SERVER_ERROR object too large for cache\r\n" {
		t.Fatalf("4037 bytes: %q", got)
	}
	if got := mc.do("get k\r\n"); got != "END\r\n" {
		t.Fatalf("a refused set drops the old item: %q", got)
	}
	set(3000)
	if got := mc.do("append k 0 0 1036\r\n" + strings.Repeat("w", 1036) + "\r\nappend k 0 0 1\r\nx\r\nmg k s\r\n"); got != "STORED\r\nNOT_STORED\r\nHD s4036\r\n" {
		t.Fatalf("append up to the limit: %q", got)
	}
	r := nodetest.Dial(t, respAddr)
	if v := r.Do("CONFIG", "SET", "memcache-item-size-max", "2048"); v.String() != "OK" {
		t.Fatalf("CONFIG SET: %s", v)
	}
	// Checked by the node for connections opened before the change.
	if got := set(3000); got != "SERVER_ERROR object too large for cache\r\n" {
		t.Fatalf("3000 bytes after lowering the limit: %q", got)
	}
	if got := dialMC(t, mcAddr).do("set k 0 0 3000\r\n" + strings.Repeat("v", 3000) + "\r\n"); got != "SERVER_ERROR object too large for cache\r\n" {
		t.Fatalf("3000 bytes on a new connection: %q", got)
	}
}
