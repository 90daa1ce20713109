package proxy

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/memcache"
	"github.com/slotcache/slotcache/protocol/resp"
	"github.com/slotcache/slotcache/slots"
)

// serveMemcache serves p's memcached listener on a free port until the
// test ends.
func serveMemcache(t testing.TB, p *Proxy) string {
	t.Helper()
	return serveLocal(t, p.ServeMemcache)
}

// startMCCluster starts n nodes and a proxy over them serving memcached;
// it returns the proxy's memcached address and the map.
func startMCCluster(t testing.TB, n int, mutate func(*Config)) (string, *slots.Map, *Proxy) {
	t.Helper()
	nodes := startNodes(t, n)
	m := staticMap(t, nodes)
	_, p := startProxy(t, StaticMap{m}, mutate)
	return serveMemcache(t, p), m, p
}

// mcKeys returns n keys spread over the groups of m, at least one per group.
func mcKeys(t testing.TB, m *slots.Map, n int) []string {
	t.Helper()
	keys := make([]string, n)
	seen := map[slots.GroupID]bool{}
	for i := range keys {
		keys[i] = fmt.Sprintf("k%d", i)
		seen[m.GroupOf([]byte(keys[i]))] = true
	}
	if len(seen) != len(m.Groups()) {
		t.Fatalf("keys %v cover %d of %d groups", keys, len(seen), len(m.Groups()))
	}
	return keys
}

// newProxyMCPair compares the proxy's memcached listener over three nodes
// with one memcached. CAS values are masked: each node has its own CAS
// sequence.
func newProxyMCPair(t testing.TB, mutate func(*Config)) (*nodetest.MCPair, *slots.Map) {
	t.Helper()
	addr, m, _ := startMCCluster(t, 3, mutate)
	p := nodetest.NewMCPair(t, addr)
	p.Normalize = nodetest.MaskCAS
	return p, m
}

// TestMemcacheProxyDifferentialRandom sends random request sequences (fixed
// seeds; a failure names its seed and request) over keys of every group
// through the proxy and to memcached, and compares the replies byte for
// byte.
func TestMemcacheProxyDifferentialRandom(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4, 5, 6}
	steps := 400
	if testing.Short() {
		seeds, steps = seeds[:2], 200
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			// odd seeds split gets per slot, as for cluster-mode nodes
			p, m := newProxyMCPair(t, func(c *Config) { c.SplitPerSlot = seed%2 == 1 })
			keys := append(mcKeys(t, m, 12), "n", "k1")
			g := &nodetest.MCGen{R: rand.New(rand.NewPCG(seed, 11)), Keys: keys, NoCasMatch: true}
			for i := 0; i < steps && !t.Failed(); i++ {
				p.Check(g.Request())
			}
		})
	}
}

// TestMemcacheProxyDifferential: a fixed sequence through the proxy and to
// memcached, replies byte for byte: multi-key gets over every group,
// flush_all on every group, bad input, limits and a long pipeline.
func TestMemcacheProxyDifferential(t *testing.T) {
	p, m := newProxyMCPair(t, nil)
	keys := mcKeys(t, m, 10)
	all := strings.Join(keys, " ")
	var sets strings.Builder
	for i, k := range keys {
		fmt.Fprintf(&sets, "set %s %d 0 %d\r\n%s\r\n", k, i, len(k)+1, k+"!")
	}
	for _, req := range []string{
		sets.String(), "get " + all + "\r\n", "gets " + all + " nope " + all + "\r\n",
		"gat 0 " + all + "\r\n", "gats 0 nope " + all + "\r\n", "get " + keys[3] + "\r\n",
		"delete " + keys[1] + "\r\n", "get " + all + "\r\n", "incr " + keys[2] + " 1\r\n",
		"set n 0 0 2\r\n10\r\nincr n 5\r\ndecr n 100\r\nget n\r\n",
		"touch " + keys[4] + " 0\r\ntouch nope 0\r\n", "append " + keys[5] + " 0 0 1\r\nx\r\nget " + keys[5] + "\r\n",
		"mg " + keys[6] + " v f k s\r\nmg nope v\r\nmn\r\n", "ms " + keys[7] + " 2 T0 F3\r\nhi\r\nmg " + keys[7] + " v f\r\n",
		"md " + keys[8] + " q\r\nmd " + keys[8] + "\r\nma n D2 v\r\nma nope N0 J4 v\r\n",
		"me nope\r\nme\r\nmg YWJj b k v\r\nms YWJj 1 b k\r\nx\r\nmg YWJj b k v\r\n",
		"version\r\nverbosity 1\r\nverbosity\r\nbogus\r\n\r\nGET a\r\nget\r\n",
		"get " + strings.Repeat("k", 251) + "\r\n", "set a 0 0 -1\r\n", "set a 0 0 1\r\nxy\r\n",
		"set a 0 0 1 noreply\r\nx\r\nget a\r\n", "stats detail\r\n", "stats bogus\r\n",
		"set big 0 0 1048516\r\n" + strings.Repeat("x", 1048516) + "\r\n", "get big\r\n",
		"set big 0 0 1048517\r\n" + strings.Repeat("x", 1048517) + "\r\n", "get big\r\n",
		"get " + strings.Repeat(all+" ", 20) + "\r\n",
		"flush_all 2000000000\r\n", "get " + all + "\r\n", "flush_all\r\n", "get " + all + " n\r\n",
		"flush_all noreply\r\nflush_all -5\r\nflush_all x\r\n",
	} {
		p.Check(req)
	}
	// A pipeline longer than a batch is answered in order.
	var pipe strings.Builder
	for i := range 1500 {
		fmt.Fprintf(&pipe, "set p%d 0 0 %d noreply\r\n%d\r\nincr p%d 1\r\nget p%d k%d\r\n", i, len(fmt.Sprint(i)), i, i, i, i%10)
	}
	p.Check(pipe.String())
	p.Check("quit\r\nget a\r\n")
}

// TestMemcacheProxyMoved: a -MOVED from a node makes the proxy refresh its
// map and retry at the named address, once, for memcached requests too.
func TestMemcacheProxyMoved(t *testing.T) {
	real, _ := nodetest.StartNode(t, nil)
	moving := fakeNode(t, func(args [][]byte) string { return "-MOVED 1234 " + real + "\r\n" })
	var loop string
	loop = fakeNode(t, func(args [][]byte) string { return "-MOVED 1 " + loop + "\r\n" })
	src := &countingSource{StaticMap: StaticMap{staticMap(t, []string{moving, loop})}}
	_, p := startProxy(t, src, nil)
	c := nodetest.DialMC(t, serveMemcache(t, p))
	k1, k2 := keyIn(src.M, 1, "a"), keyIn(src.M, 2, "b")
	if got := c.Do("set " + k1 + " 0 0 1\r\nv\r\nget " + k1 + "\r\n"); got != "STORED\r\nVALUE "+k1+" 0 1\r\nv\r\nEND\r\n" {
		t.Fatalf("through MOVED: %q", got)
	}
	if src.refreshes.Load() != 1 {
		t.Fatalf("%d refreshes, want 1 per batch", src.refreshes.Load())
	}
	if got := c.Do("get " + k2 + "\r\n"); got != "SERVER_ERROR MOVED 1 "+loop+"\r\n" {
		t.Fatalf("a node redirecting to itself: %q, want its MOVED after one retry", got)
	}
}

// TestMemcacheSplitPerSlot: with SplitPerSlot every part of a split get
// holds keys of one slot; without it, one part per group. The parts'
// replies are merged in the client's key order either way.
func TestMemcacheSplitPerSlot(t *testing.T) {
	for _, perSlot := range []bool{false, true} {
		p := fuzzSession().p
		p.cfg.SplitPerSlot = perSlot
		s := &mcSession{p: p}
		s.rr = resp.NewReader(&s.src, resp.Limits{})
		s.begin()
		keys := []string{"a", "b", "c", "d", "e", "f", "g", "{a}x"}
		line := "get " + strings.Join(keys, " ") + "\r\n"
		req := s.next()
		if err := memcache.NewReader(strings.NewReader(line), memcache.Limits{}).Read(req); err != nil {
			t.Fatal(err)
		}
		s.handle(req)
		for i, part := range splitParts(t, perSlot, keys, s.t, &s.batch) {
			// each part answers its keys' values: the key itself
			var reply []byte
			reply = resp.AppendArrayLen(reply, len(part)-1)
			for _, k := range part[1:] {
				reply = append(resp.AppendArrayLen(reply, 3), resp.AppendBulk(nil, k)...)
				reply = append(reply, ":0\r\n:1\r\n"...)
			}
			s.reqs[i].Reply, s.reqs[i].Err = reply, nil
		}
		s.reply(0)
		var wantOut strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&wantOut, "VALUE %s 0 %d\r\n%s\r\n", k, len(k), k)
		}
		wantOut.WriteString("END\r\n")
		if string(s.out) != wantOut.String() {
			t.Fatalf("perSlot=%v: merged %q", perSlot, s.out)
		}
	}
}

// TestMemcacheProxyAsk: a -ASK from a node makes the proxy send ASKING and
// the request to the named address; the client gets the request's reply.
func TestMemcacheProxyAsk(t *testing.T) {
	real, _ := nodetest.StartNode(t, nil)
	asking := fakeNode(t, func(args [][]byte) string { return "-ASK 1234 " + real + "\r\n" })
	_, p := startProxy(t, StaticMap{staticMap(t, []string{asking})}, nil)
	c := nodetest.DialMC(t, serveMemcache(t, p))
	if got := c.Do("set a 0 0 1\r\nv\r\nget a b\r\n"); got != "STORED\r\nVALUE a 0 1\r\nv\r\nEND\r\n" {
		t.Fatalf("through ASK: %q", got)
	}
}
