package proxy

import (
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/slots"
)

func TestSlowlogAndCommandstats(t *testing.T) {
	nodes := startNodes(t, 3)
	paddr, _ := startProxy(t, StaticMap{staticMap(t, nodes)}, func(c *Config) {
		c.SlowlogSlowerThan = 0 // log everything
		c.SlowlogMaxLen = 3
	})
	c := nodetest.Dial(t, paddr)
	c.Do("CLIENT", "SETNAME", "tester")
	c.Do("SET", "k", "v")
	c.Do("MGET", "a", "b", "c", "d")
	c.Do("GET", strings.Repeat("x", 200))
	if v := c.Do("SLOWLOG", "LEN"); v.Int != 3 {
		t.Fatalf("SLOWLOG LEN: %s, want 3 (the maximum)", v)
	}
	v := c.Do("SLOWLOG", "GET", "3")
	if len(v.Elems) != 3 || string(v.Elems[0].Elems[3].Elems[0].Str) != "SLOWLOG" {
		t.Fatalf("SLOWLOG GET 3: %s", v)
	}
	v.Elems = v.Elems[1:] // the SLOWLOG LEN itself comes first, as in Redis
	newest := v.Elems[0]
	args := newest.Elems[3].Elems
	if len(newest.Elems) != 6 || string(args[0].Str) != "GET" ||
		string(args[1].Str) != strings.Repeat("x", 128)+"... (72 more bytes)" ||
		string(newest.Elems[5].Str) != "tester" || !strings.HasPrefix(string(newest.Elems[4].Str), "127.0.0.1:") {
		t.Fatalf("newest slowlog entry: %s", newest)
	}
	if string(v.Elems[1].Elems[3].Elems[0].Str) != "MGET" || v.Elems[0].Elems[0].Int != v.Elems[1].Elems[0].Int+1 {
		t.Fatalf("second entry: %s", v.Elems[1])
	}
	if v := c.Do("SLOWLOG", "RESET"); string(v.Str) != "OK" {
		t.Fatal(v)
	}
	c.Do("SET", "k", "v2")
	c.Do("NOSUCHCMD")
	c.Do("GET")
	info := string(c.Do("INFO", "commandstats").Str)
	for _, want := range []string{"# Commandstats\r\n", "cmdstat_set:calls=2,", "cmdstat_mget:calls=1,",
		"cmdstat_get:calls=1,", ",rejected_calls=1,", "cmdstat_slowlog|len:calls=1,"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO commandstats lacks %q:\n%s", want, info)
		}
	}
	if strings.Contains(info, "nosuchcmd") {
		t.Errorf("an unknown command has commandstats (Redis counts it in errorstats only):\n%s", info)
	}
	other := nodetest.Dial(t, paddr)
	other.Do("PING")
	list := string(c.Do("CLIENT", "LIST").Str)
	if strings.Count(list, "\n") != 2 || !strings.Contains(list, "name=tester ") {
		t.Fatalf("CLIENT LIST:\n%s", list)
	}
	all := string(c.Do("INFO").Str)
	for _, want := range []string{"# Server\r\nredis_version:7.0.15\r\n", "# Proxy\r\n", "connected_clients:2\r\n", "groups:3\r\n", "groups_up:3\r\n", "# Keyspace\r\ndb0:keys=1,"} {
		if !strings.Contains(all, want) {
			t.Errorf("INFO lacks %q:\n%s", want, all)
		}
	}
}

// swapSource is a MapSource whose map can be replaced.
type swapSource struct{ m atomic.Pointer[slots.Map] }

func (s *swapSource) Map() *slots.Map { return s.m.Load() }

// TestMapSwap: a new map from the source reroutes the next commands.
func TestMapSwap(t *testing.T) {
	a, b := startNodes(t, 1)[0], startNodes(t, 1)[0]
	src := &swapSource{}
	src.m.Store(staticMap(t, []string{a}))
	paddr, p := startProxy(t, src, func(c *Config) { c.PoolGrace = time.Nanosecond })
	c := nodetest.Dial(t, paddr)
	c.Do("SET", "k", "on-a")
	src.m.Store(staticMap(t, []string{b}))
	if v := c.Do("GET", "k"); !v.Null {
		t.Fatalf("GET after the swap: %s, want nil from the new node", v)
	}
	c.Do("SET", "k", "on-b")
	if v := nodetest.Dial(t, a).Do("GET", "k"); string(v.Str) != "on-a" {
		t.Fatalf("old node: %s", v)
	}
	if v := nodetest.Dial(t, b).Do("GET", "k"); string(v.Str) != "on-b" {
		t.Fatalf("new node: %s", v)
	}
	// a later map change closes the connections to the node left behind
	src.m.Store(staticMap(t, []string{b}))
	c.Do("PING")
	p.mu.Lock()
	_, hasA := p.pools[a]
	_, hasB := p.pools[b]
	p.mu.Unlock()
	if hasA || !hasB {
		t.Fatalf("pools after the second change: old node kept %v, new node kept %v", hasA, hasB)
	}
}

func TestQuitClosesAfterReply(t *testing.T) {
	paddr, _ := startCluster(t, 1)
	c := nodetest.Dial(t, paddr)
	c.WriteRaw([]byte("PING\r\nQUIT\r\nPING\r\n"))
	out, _ := c.ReadAll()
	if string(out) != "+PONG\r\n+OK\r\n" {
		t.Fatalf("PING QUIT PING: %q", out)
	}
}

// TestSplitPerSlot: with SplitPerSlot every part of a split command holds
// keys of one slot; without it, one part per group, no part mixing groups.
func TestSplitPerSlot(t *testing.T) {
	for _, perSlot := range []bool{false, true} {
		s := fuzzSession()
		s.p.cfg.SplitPerSlot = perSlot
		s.begin()
		keys := []string{"a", "b", "c", "d", "e", "f", "g", "{a}x"}
		args := [][]byte{[]byte("MGET")}
		for _, k := range keys {
			args = append(args, []byte(k))
		}
		s.handle(args)
		splitParts(t, perSlot, keys, s.t, &s.batch)
	}
}

// TestLargeMultiKey: MSET and MGET of 5000 keys, split per group and per
// slot, come back complete and in order.
func TestLargeMultiKey(t *testing.T) {
	nodes := startNodes(t, 3)
	m := staticMap(t, nodes)
	for _, perSlot := range []bool{false, true} {
		paddr, _ := startProxy(t, StaticMap{m}, func(c *Config) { c.SplitPerSlot = perSlot })
		c := nodetest.Dial(t, paddr)
		mset, mget := []string{"MSET"}, []string{"MGET"}
		for i := range 5000 {
			k := "big:" + strconv.Itoa(i)
			mset = append(mset, k, strconv.Itoa(i*7))
			mget = append(mget, k)
		}
		if v := c.Do(mset...); string(v.Str) != "OK" {
			t.Fatalf("perSlot=%v MSET: %s", perSlot, v)
		}
		v := c.Do(append(mget, "missing")...)
		if len(v.Elems) != 5001 || !v.Elems[5000].Null {
			t.Fatalf("perSlot=%v MGET: %d elements", perSlot, len(v.Elems))
		}
		for i := range 5000 {
			if string(v.Elems[i].Str) != strconv.Itoa(i*7) {
				t.Fatalf("perSlot=%v MGET element %d: %s", perSlot, i, v.Elems[i])
			}
		}
		if v := c.Do(append([]string{"DEL"}, mget[1:]...)...); v.Int != 5000 {
			t.Fatalf("perSlot=%v DEL: %s", perSlot, v)
		}
	}
}

// TestIdleTimeout: a client idle longer than IdleTimeout is disconnected;
// an active one is not.
func TestIdleTimeout(t *testing.T) {
	nodes := startNodes(t, 1)
	paddr, _ := startProxy(t, StaticMap{staticMap(t, nodes)}, func(c *Config) { c.IdleTimeout = 200 * time.Millisecond })
	c := nodetest.Dial(t, paddr)
	if v := c.Do("PING"); string(v.Str) != "PONG" {
		t.Fatal(v)
	}
	out, err := c.ReadAll() // waits for the close (at most 2 s)
	if len(out) != 0 || err != nil {
		t.Fatalf("idle client: read %q, %v; want a clean close", out, err)
	}
}

// TestSlowlogHelpAsRedis: SLOWLOG HELP through the proxy is redis-server's.
func TestSlowlogHelpAsRedis(t *testing.T) {
	raddr := nodetest.StartRedis(t)
	paddr, _ := startCluster(t, 1)
	pv, rv := nodetest.Dial(t, paddr).Do("SLOWLOG", "HELP"), nodetest.Dial(t, raddr).Do("SLOWLOG", "HELP")
	if !nodetest.Equal(pv, rv) {
		t.Fatalf("SLOWLOG HELP:\n  proxy: %s\n  redis: %s", pv, rv)
	}
}
