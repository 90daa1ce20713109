package proxy

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slotcache/slotcache/node"
	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
	"github.com/slotcache/slotcache/slots"
)

// keyIn returns a key that m routes to group g.
func keyIn(m *slots.Map, g slots.GroupID, prefix string) string {
	for i := 0; ; i++ {
		k := fmt.Sprintf("%s%d", prefix, i)
		if m.GroupOf([]byte(k)) == g {
			return k
		}
	}
}

// TestBackendDownFailsFastAndRecovers: while a node is down, its group's
// commands fail at once with the documented error and the other groups keep
// working; once the node is back on its address, its group serves again.
func TestBackendDownFailsFastAndRecovers(t *testing.T) {
	port := nodetest.FreePort(t)
	addrs := startNodes(t, 2)
	down, srv := nodetest.StartNode(t, func(c *node.Config) { c.Port = port })
	addrs = append(addrs, down)
	m := staticMap(t, addrs)
	paddr, _ := startProxy(t, StaticMap{m}, func(c *Config) {
		c.Backend.MinBackoff = 10 * time.Millisecond
		c.Backend.MaxBackoff = 50 * time.Millisecond
	})
	keys := []string{keyIn(m, 1, "a"), keyIn(m, 2, "b"), keyIn(m, 3, "c")}

	// clients keep running on every group throughout
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var okCount [3]atomic.Int64
	var unexpected atomic.Value
	for g, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := nodetest.Dial(t, paddr)
			for ctx.Err() == nil {
				v, err := c.DoErr("SET", k, "v")
				switch {
				case err != nil:
					unexpected.Store(fmt.Sprintf("group %d: %v", g+1, err))
					return
				case v.Type == '+':
					okCount[g].Add(1)
				case g < 2 || !strings.HasPrefix(string(v.Str), "ERR backend unavailable: "+down+" ("):
					unexpected.Store(fmt.Sprintf("group %d: SET %s: %s", g+1, k, v))
				}
			}
		}()
	}
	defer func() { cancel(); wg.Wait() }()
	waitFor(t, "every group serving", func() bool { return okCount[0].Load() > 0 && okCount[1].Load() > 0 && okCount[2].Load() > 0 })

	srv.Close()
	c := nodetest.Dial(t, paddr)
	waitFor(t, "the dead group's error", func() bool {
		v := c.Do("GET", keys[2])
		return strings.HasPrefix(string(v.Str), "ERR backend unavailable: "+down+" (")
	})
	// fails fast: a pipeline of 200 commands to the dead group all answered
	var frame []byte
	for range 200 {
		frame = resp.AppendCommand(frame, "GET", keys[2])
	}
	frame = resp.AppendCommand(frame, "GET", keys[0])
	if err := c.WriteRaw(frame); err != nil {
		t.Fatal(err)
	}
	for i := range 201 {
		v, err := c.Read()
		if err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		if want := i == 200; want != (v.Type != '-') {
			t.Fatalf("reply %d: %s", i, v)
		}
	}
	before := [2]int64{okCount[0].Load(), okCount[1].Load()}
	waitFor(t, "the live groups progressing", func() bool {
		return okCount[0].Load() > before[0]+10 && okCount[1].Load() > before[1]+10
	})

	nodetest.StartNode(t, func(c *node.Config) { c.Port = port })
	n3 := okCount[2].Load()
	waitFor(t, "the restarted group serving", func() bool { return okCount[2].Load() > n3 })
	// every connection of the pool comes back (not only the one the
	// running client is pinned to)
	waitFor(t, "SET on another connection after the restart", func() bool {
		return c.Do("SET", keys[2], "back").Type == '+'
	})
	if u := unexpected.Load(); u != nil {
		t.Fatal(u)
	}
}

// TestBackendBackEndsEveryBackoff: once one connection reaches a restarted
// node, every other connection to it (the pool's, the other event loops')
// stops backing off and reconnects, instead of each waiting out its own
// backoff. The backoff here is an hour: only that signal can bring the
// first client's connection back within the test.
func TestBackendBackEndsEveryBackoff(t *testing.T) {
	if noEventLoop || runtime.GOOS != "linux" {
		t.Skip("needs two event loops, each with its own backend connection")
	}
	port := nodetest.FreePort(t)
	addr, srv := nodetest.StartNode(t, func(c *node.Config) { c.Port = port })
	paddr, _ := startProxy(t, StaticMap{staticMap(t, []string{addr})}, func(c *Config) {
		c.EventLoops = 2
		c.Backend.MinBackoff = time.Hour
		c.Backend.MaxBackoff = time.Hour
	})
	a := nodetest.Dial(t, paddr) // the first loop's client
	if v := a.Do("SET", "k", "1"); v.Type != '+' {
		t.Fatalf("SET = %s", v)
	}
	srv.Close()
	waitFor(t, "the error of the dead node", func() bool {
		return strings.HasPrefix(string(a.Do("GET", "k").Str), "ERR backend unavailable")
	})
	nodetest.StartNode(t, func(c *node.Config) { c.Port = port })
	// the second loop has no connection to the node yet: it dials at once
	b := nodetest.Dial(t, paddr)
	if v := b.Do("SET", "k", "2"); v.Type != '+' {
		t.Fatalf("SET on the second loop after the restart = %s", v)
	}
	waitFor(t, "the first loop's connection back", func() bool {
		return a.Do("GET", "k").Type == '$'
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 10 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestGarbageClient: malformed input gets Redis's protocol error and a
// closed connection, byte for byte as redis-server, and other clients are
// unaffected.
func TestGarbageClient(t *testing.T) {
	raddr := nodetest.StartRedis(t)
	paddr, _ := startCluster(t, 3)
	other := nodetest.Dial(t, paddr)
	other.Do("SET", "x", "1")
	for _, in := range []string{
		"*1\r\n$-5\r\n",
		"*abc\r\n",
		"*2\r\n$3\r\nGET\r\n:1\r\n",
		"SET \"a b\r\n",
		"*3000000000\r\n",
		"$3\r\nfoo\r\nQUIT\r\n",
		"PING\r\n*1\r\n$4\r\nPING\r\n*1\r\nx\r\n",
		"\x00\xff\xfe garbage \"\r\n",
	} {
		t.Run(fmt.Sprintf("%q", in), func(t *testing.T) {
			t.Parallel() // input that leaves the connection open waits 2 s
			wantc := make(chan []byte, 1)
			go func() { wantc <- rawExchange(t, raddr, in) }()
			got := rawExchange(t, paddr, in)
			want := <-wantc
			if !bytes.Equal(got, want) {
				t.Fatalf("proxy: %q\nredis: %q", got, want)
			}
		})
	}
	t.Cleanup(func() {
		if v := other.Do("GET", "x"); string(v.Str) != "1" {
			t.Errorf("other client after the garbage: %s", v)
		}
	})
}

func rawExchange(t *testing.T, addr, in string) []byte {
	c := nodetest.Dial(t, addr)
	if err := c.WriteRaw([]byte(in)); err != nil {
		t.Error(err)
	}
	out, _ := c.ReadAll()
	return out
}

// fakeNode answers every command with reply(args).
func fakeNode(t *testing.T, reply func(args [][]byte) string) string {
	return scriptedNode(t, func(out []byte, args [][]byte) []byte { return append(out, reply(args)...) })
}

type countingSource struct {
	StaticMap
	refreshes atomic.Int64
}

func (c *countingSource) Refresh() { c.refreshes.Add(1) }

// TestMovedRetriedOnce: a -MOVED from a node makes the proxy refresh its map
// and retry at the named address, once; a second redirection reaches the
// client instead of looping.
func TestMovedRetriedOnce(t *testing.T) {
	real, _ := nodetest.StartNode(t, nil)
	var asked atomic.Int64
	moving := fakeNode(t, func(args [][]byte) string {
		asked.Add(1)
		return "-MOVED 1234 " + real + "\r\n"
	})
	var loop string
	loop = fakeNode(t, func(args [][]byte) string { return "-MOVED 1 " + loop + "\r\n" })
	src := &countingSource{StaticMap: StaticMap{staticMap(t, []string{moving, loop})}}
	paddr, _ := startProxy(t, src, nil)
	m := src.M
	k1, k2 := keyIn(m, 1, "a"), keyIn(m, 2, "b")
	c := nodetest.Dial(t, paddr)
	if v := c.Do("SET", k1, "v"); v.Type != '+' {
		t.Fatalf("SET through MOVED: %s", v)
	}
	if v := c.Do("GET", k1); string(v.Str) != "v" {
		t.Fatalf("GET through MOVED: %s", v)
	}
	if asked.Load() != 2 || src.refreshes.Load() != 2 {
		t.Fatalf("moving node asked %d times, %d refreshes; want 2 and 2", asked.Load(), src.refreshes.Load())
	}
	if v := c.Do("GET", k2); !strings.HasPrefix(string(v.Str), "MOVED 1 "+loop) {
		t.Fatalf("a node redirecting to itself: %s, want its MOVED after one retry", v)
	}
}

// TestAskRetried: -ASK sends ASKING then the command to the named node.
func TestAskRetried(t *testing.T) {
	var seen []string
	var mu sync.Mutex
	target := fakeNode(t, func(args [][]byte) string {
		mu.Lock()
		seen = append(seen, string(bytes.Join(args, []byte(" "))))
		mu.Unlock()
		if string(args[0]) == "ASKING" {
			return "+OK\r\n"
		}
		return "$2\r\nhi\r\n"
	})
	asking := fakeNode(t, func(args [][]byte) string { return "-ASK 5 " + target + "\r\n" })
	paddr, _ := startProxy(t, StaticMap{staticMap(t, []string{asking})}, nil)
	c := nodetest.Dial(t, paddr)
	if v := c.Do("GET", "k"); string(v.Str) != "hi" {
		t.Fatalf("GET through ASK: %s", v)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(seen, "|") != "ASKING|GET k" {
		t.Fatalf("target saw %q", seen)
	}
}
