package proxy

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slotcache/slotcache/node"
	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
	"github.com/slotcache/slotcache/slots"
)

// nodeOf returns the node that owns key in a staticMap over nodes.
func nodeOf(t *testing.T, m *slots.Map, nodes []string, key string) string {
	t.Helper()
	g := m.Lookup(slots.KeySlot([]byte(key)))
	return nodes[int(g)-1]
}

// countClients counts the node's clients whose last command is cmd.
func countClients(t *testing.T, node *nodetest.Conn, cmd string) int {
	v := node.Do("CLIENT", "LIST")
	return strings.Count(string(v.Str), " cmd="+cmd+" ")
}

func TestBlockingAcrossProxies(t *testing.T) {
	nodes := startNodes(t, 3)
	m := staticMap(t, nodes)
	pa, _ := startProxy(t, StaticMap{m}, nil)
	pb, _ := startProxy(t, StaticMap{m}, nil)
	a, b := nodetest.Dial(t, pa), nodetest.Dial(t, pb)

	done := make(chan resp.Value, 1)
	go func() {
		v, err := a.DoErr("BLPOP", "queue", "0")
		if err != nil {
			v = resp.Value{Type: '-', Str: []byte(err.Error())}
		}
		done <- v
	}()
	owner := nodetest.Dial(t, nodeOf(t, m, nodes, "queue"))
	waitFor(t, "BLPOP blocked on the node", func() bool { return countClients(t, owner, "blpop") == 1 })
	// other commands of other clients, on both proxies, are not stuck
	// behind it
	if v := b.Do("SET", "queue-other", "x"); string(v.Str) != "OK" {
		t.Fatalf("SET: %s", v)
	}
	if v := nodetest.Dial(t, pa).Do("SET", "{queue}other", "x"); string(v.Str) != "OK" {
		t.Fatalf("SET through the blocked client's proxy: %s", v)
	}
	if v := b.Do("RPUSH", "queue", "hello"); v.Int != 1 {
		t.Fatalf("RPUSH: %s", v)
	}
	select {
	case v := <-done:
		if len(v.Elems) != 2 || string(v.Elems[0].Str) != "queue" || string(v.Elems[1].Str) != "hello" {
			t.Fatalf("BLPOP: %s", v)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("BLPOP not woken within 10 s")
	}
}

// TestStreamBlockAcrossProxies: XREAD and XREADGROUP with BLOCK wait on a
// dedicated connection, so other clients of the same group go on, and an
// XADD through another proxy wakes them. Without BLOCK they take the
// ordinary path.
func TestStreamBlockAcrossProxies(t *testing.T) {
	nodes := startNodes(t, 3)
	m := staticMap(t, nodes)
	// one loop (or two pooled connections): the clients below share the
	// blocked client's backend connection unless it has a dedicated one
	pa, _ := startProxy(t, StaticMap{m}, func(c *Config) { c.EventLoops = 1 })
	pb, _ := startProxy(t, StaticMap{m}, nil)
	b := nodetest.Dial(t, pb)
	owner := nodetest.Dial(t, nodeOf(t, m, nodes, "events"))
	for _, tc := range []struct {
		cmd  []string
		name string // as CLIENT LIST shows it
	}{
		{[]string{"XREAD", "COUNT", "5", "BLOCK", "0", "STREAMS", "events", "$"}, "xread"},
		// a consumer named BLOCK: the option parser must skip GROUP's arguments
		{[]string{"XREADGROUP", "GROUP", "workers", "BLOCK", "BLOCK", "0", "STREAMS", "events", ">"}, "xreadgroup"},
	} {
		if tc.name == "xreadgroup" {
			if v := b.Do("XGROUP", "CREATE", "events", "workers", "$"); string(v.Str) != "OK" {
				t.Fatalf("XGROUP CREATE: %s", v)
			}
		}
		a := nodetest.Dial(t, pa)
		done := make(chan resp.Value, 1)
		go func() {
			v, err := a.DoErr(tc.cmd...)
			if err != nil {
				v = resp.Value{Type: '-', Str: []byte(err.Error())}
			}
			done <- v
		}()
		waitFor(t, tc.name+" blocked on the node", func() bool { return countClients(t, owner, tc.name) == 1 })
		// the same group serves other clients of the blocked client's proxy
		for range 3 {
			if v, err := nodetest.Dial(t, pa).DoErr("SET", "{events}other", "x"); err != nil || string(v.Str) != "OK" {
				t.Fatalf("SET through the blocked client's proxy: %s, %v", v, err)
			}
		}
		if v := b.Do("XADD", "events", "*", "f", tc.name); v.Type != '$' {
			t.Fatalf("XADD: %s", v)
		}
		select {
		case v := <-done:
			if !strings.Contains(v.String(), tc.name) {
				t.Fatalf("%s: %s, want the entry added", tc.cmd, v)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s not woken within 10 s", tc.cmd)
		}
	}
	c := nodetest.Dial(t, pa)
	if v := c.Do("XREAD", "BLOCK", "50", "STREAMS", "events", "$"); !v.Null {
		t.Errorf("XREAD BLOCK 50 with nothing new: %s, want a null reply", v)
	}
	if v := c.Do("XREAD", "BLOCK", "0", "STREAMS", "events", "{x}other", "$", "$"); string(v.Str) != msgCrossSlot {
		t.Errorf("XREAD BLOCK over two slots: %s", v)
	}
}

func TestBlockingRepliesMatchRedis(t *testing.T) {
	raddr := nodetest.StartRedis(t)
	paddr, _ := startCluster(t, 3)
	cases := [][]string{
		{"BLPOP", "nokey", "0.05"},
		{"BRPOP", "nokey", "{nokey}b", "0.05"},
		{"BZPOPMIN", "nozset", "0.05"},
		{"BZPOPMAX", "nozset", "0.05"},
		{"BLMOVE", "nokey", "{nokey}dst", "LEFT", "RIGHT", "0.05"},
		{"BRPOPLPUSH", "nokey", "{nokey}dst", "0.05"},
		{"BLMPOP", "0.05", "1", "nokey", "LEFT"},
		{"BZMPOP", "0.05", "1", "nozset", "MIN"},
		{"RPUSH", "list", "a", "b", "c"},
		{"BLPOP", "list", "0"},
		{"BRPOP", "list", "0"},
		{"BLMPOP", "0", "1", "list", "LEFT", "COUNT", "5"},
		{"ZADD", "zs", "1", "x", "2", "y"},
		{"BZPOPMAX", "zs", "0"},
		{"BZMPOP", "0", "1", "zs", "MIN"},
		{"BLPOP", "list", "-1"},
		{"BLPOP", "list", "notanumber"},
		{"BLPOP", "list"},
		{"SET", "str", "v"},
		{"BLPOP", "str", "0"},
	}
	for _, proto := range []string{"2", "3"} {
		px, rd := nodetest.Dial(t, paddr), nodetest.Dial(t, raddr)
		px.Do("HELLO", proto)
		rd.Do("HELLO", proto)
		px.Do("FLUSHALL")
		rd.Do("FLUSHALL")
		for _, cmd := range cases {
			pv, rv := px.Do(cmd...), rd.Do(cmd...)
			if !nodetest.Equal(pv, rv) {
				t.Errorf("RESP%s %s:\n  proxy: %s\n  redis: %s", proto, nodetest.Quote(cmd), pv, rv)
			}
		}
		if v := px.Do("BLPOP", "a", "b", "0"); string(v.Str) != msgCrossSlot {
			t.Errorf("BLPOP over two slots: %s", v)
		}
	}
}

// TestBlockingPipelineOrder checks that a blocking command runs after the
// commands before it in a pipeline and before those after it.
func TestBlockingPipelineOrder(t *testing.T) {
	paddr, _ := startCluster(t, 3)
	c := nodetest.Dial(t, paddr)
	var frame []byte
	frame = resp.AppendCommand(frame, "RPUSH", "q", "x")
	frame = resp.AppendCommand(frame, "BLPOP", "q", "0")
	frame = resp.AppendCommand(frame, "LLEN", "q")
	frame = resp.AppendCommand(frame, "BLPOP", "q", "0.01")
	frame = resp.AppendCommand(frame, "PING")
	if err := c.WriteRaw(frame); err != nil {
		t.Fatal(err)
	}
	want := []string{":1", `*2 "q" "x"`, ":0", "*-1", "+PONG"}
	for i, w := range want {
		v, err := c.Read()
		if err != nil {
			t.Fatal(err)
		}
		if got := short(v); got != w {
			t.Fatalf("reply %d: %s, want %s", i, got, w)
		}
	}
}

// short renders a reply compactly for comparisons.
func short(v resp.Value) string {
	switch v.Type {
	case '*':
		if v.Null {
			return "*-1"
		}
		s := fmt.Sprintf("*%d", len(v.Elems))
		for _, e := range v.Elems {
			s += " " + fmt.Sprintf("%q", e.Str)
		}
		return s
	case ':':
		return fmt.Sprintf(":%d", v.Int)
	case '$':
		if v.Null {
			return "$-1"
		}
		return fmt.Sprintf("%q", v.Str)
	}
	return string(v.Type) + string(v.Str)
}

// TestBlockingFIFO checks that clients blocked on one key are served in the
// order they blocked.
func TestBlockingFIFO(t *testing.T) {
	nodes := startNodes(t, 2)
	m := staticMap(t, nodes)
	paddr, _ := startProxy(t, StaticMap{m}, nil)
	owner := nodetest.Dial(t, nodeOf(t, m, nodes, "fifo"))
	const n = 4
	got := make([]chan string, n)
	for i := range n {
		got[i] = make(chan string, 1)
		c := nodetest.Dial(t, paddr)
		go func() {
			v, err := c.DoErr("BRPOP", "fifo", "0")
			if err != nil || len(v.Elems) != 2 {
				got[i] <- fmt.Sprint("error: ", v, err)
				return
			}
			got[i] <- string(v.Elems[1].Str)
		}()
		waitFor(t, fmt.Sprintf("client %d blocked", i), func() bool { return countClients(t, owner, "brpop") == i+1 })
	}
	p := nodetest.Dial(t, paddr)
	for i := range n {
		p.Do("LPUSH", "fifo", fmt.Sprint("v", i))
	}
	for i := range n {
		select {
		case v := <-got[i]:
			if v != fmt.Sprint("v", i) {
				t.Errorf("client %d got %s, want v%d", i, v, i)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("client %d not served within 10 s", i)
		}
	}
}

// TestBlockingClientGone checks that a client leaving while blocked
// releases its waiter on the node: a later push is not lost to it.
func TestBlockingClientGone(t *testing.T) {
	nodes := startNodes(t, 1)
	paddr, _ := startProxy(t, StaticMap{staticMap(t, nodes)}, nil)
	owner := nodetest.Dial(t, nodes[0])
	c := nodetest.Dial(t, paddr)
	if err := c.Send("BLPOP", "gone", "0"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "BLPOP blocked", func() bool { return countClients(t, owner, "blpop") == 1 })
	c.Close()
	waitFor(t, "the dedicated connection closed", func() bool { return countClients(t, owner, "blpop") == 0 })
	p := nodetest.Dial(t, paddr)
	p.Do("RPUSH", "gone", "x")
	if v := p.Do("LLEN", "gone"); v.Int != 1 {
		t.Fatalf("LLEN after the blocked client left: %s", v)
	}
}

// TestBlockingDeadNode checks that a blocking command to a node that is down
// fails at once with the backend error.
func TestBlockingDeadNode(t *testing.T) {
	dead := fmt.Sprintf("127.0.0.1:%d", nodetest.FreePort(t))
	paddr, _ := startProxy(t, StaticMap{staticMap(t, []string{dead})}, nil)
	c := nodetest.Dial(t, paddr)
	v := c.Do("BLPOP", "q", "0")
	want := "ERR backend unavailable: " + dead + " (connect: connection refused)"
	if v.Type != '-' || string(v.Str) != want {
		t.Fatalf("BLPOP to a dead node: %s, want -%s", v, want)
	}
	if v := c.Do("PING"); string(v.Str) != "PONG" {
		t.Fatalf("PING after: %s", v)
	}
}

// BenchmarkBlockingPop measures RPUSH then BLPOP that finds the element,
// through the proxy (dedicated connection from the idle cache) and straight
// to a node.
func BenchmarkBlockingPop(b *testing.B) {
	paddr, nodes := startCluster(b, 1)
	for _, target := range []struct{ name, addr string }{{"proxy", paddr}, {"node", nodes[0]}} {
		b.Run(target.name, func(b *testing.B) {
			c := nodetest.Dial(b, target.addr)
			b.ReportAllocs()
			for b.Loop() {
				c.Send("RPUSH", "q", "x")
				c.Send("BLPOP", "q", "0")
				for range 2 {
					if _, err := c.Read(); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// TestDedicatedAfterNodeRestart checks that an idle dedicated connection the
// node closed (here by restarting) is not reused: the next blocking command
// gets a fresh connection, not an error.
func TestDedicatedAfterNodeRestart(t *testing.T) {
	port := nodetest.FreePort(t)
	addr, srv := nodetest.StartNode(t, func(c *node.Config) { c.Port = port })
	paddr, _ := startProxy(t, StaticMap{staticMap(t, []string{addr})}, nil)
	c := nodetest.Dial(t, paddr)
	if v := c.Do("BLPOP", "q", "0.01"); !v.Null {
		t.Fatalf("BLPOP: %s", v)
	}
	srv.Close()
	nodetest.StartNode(t, func(c *node.Config) { c.Port = port })
	nodetest.WaitReady(t, addr)
	if v := c.Do("BLPOP", "q", "0.01"); !v.Null || v.Type != '*' {
		t.Fatalf("BLPOP after the node restarted: %s", v)
	}
}

// movedServer answers every command with -MOVED (or -ASK) to target, as a
// node does for a slot it no longer owns.
func movedServer(t *testing.T, verb, target string) string {
	return fakeNode(t, func([][]byte) string { return "-" + verb + " 1 " + target + "\r\n" })
}

// TestBlockingRedirect checks that a blocking command answered with -MOVED
// or -ASK (the proxy's map is stale) blocks again at the named node.
func TestBlockingRedirect(t *testing.T) {
	nodes := startNodes(t, 1)
	for _, verb := range []string{"MOVED", "ASK"} {
		t.Run(verb, func(t *testing.T) {
			stale := movedServer(t, verb, nodes[0])
			paddr, _ := startProxy(t, StaticMap{staticMap(t, []string{stale})}, nil)
			c := nodetest.Dial(t, paddr)
			direct := nodetest.Dial(t, nodes[0])
			direct.Do("RPUSH", "rq", verb)
			if v := c.Do("BLPOP", "rq", "1"); len(v.Elems) != 2 || string(v.Elems[1].Str) != verb {
				t.Fatalf("BLPOP through a stale map: %s", v)
			}
		})
	}
}

// TestDedicatedReuse checks that sequential blocking commands reuse one idle
// dedicated connection instead of opening one each.
func TestDedicatedReuse(t *testing.T) {
	nodes := startNodes(t, 1)
	paddr, _ := startProxy(t, StaticMap{staticMap(t, nodes)}, nil)
	c := nodetest.Dial(t, paddr)
	for range 5 {
		if v := c.Do("BRPOP", "reuse", "0.01"); !v.Null {
			t.Fatalf("BRPOP: %s", v)
		}
	}
	if n := countClients(t, nodetest.Dial(t, nodes[0]), "brpop"); n != 1 {
		t.Fatalf("%d node connections ran BRPOP, want 1 reused", n)
	}
}
