package node_test

import (
	"context"
	"math/rand/v2"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
	"github.com/slotcache/slotcache/node"
	"github.com/slotcache/slotcache/node/nodetest"
)

// TestMemcacheConcurrentIncr: increments from several clients are atomic.
func TestMemcacheConcurrentIncr(t *testing.T) {
	addr, _, _ := startMCNode(t, nil)
	mc := memcache.New(addr)
	mc.MaxIdleConns = 8
	mc.Timeout = 5 * time.Second
	t.Cleanup(func() { mc.Close() })
	if err := mc.Set(&memcache.Item{Key: "ctr", Value: []byte("0")}); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 200
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if _, err := mc.Increment("ctr", 1); err != nil {
					errs <- err
					return
				}
				k := "k" + strconv.Itoa(i%10)
				if err := mc.Set(&memcache.Item{Key: k, Value: []byte(k)}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	it, err := mc.Get("ctr")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(it.Value)); got != strconv.Itoa(workers*each) {
		t.Fatalf("counter %s, want %d", got, workers*each)
	}
}

// TestMemcacheSlowClient: a client that sends requests and never reads the
// replies does not hold up the others.
func TestMemcacheSlowClient(t *testing.T) {
	addr, _, _ := startMCNode(t, nil)
	fast := dialMC(t, addr)
	if got := fast.do("set big 0 0 500000\r\n" + strings.Repeat("b", 500000) + "\r\n"); got != "STORED\r\n" {
		t.Fatalf("set: %q", got)
	}
	slow := dialMC(t, addr)
	slow.conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
	// About 100 MB of replies that are never read.
	for i := 0; i < 20; i++ {
		if _, err := slow.conn.Write([]byte(strings.Repeat("get big\r\n", 10))); err != nil {
			break
		}
	}
	done := make(chan string, 1)
	go func() { done <- fast.do("get nope\r\nversion\r\n") }()
	select {
	case got := <-done:
		if got != "END\r\nVERSION 1.6.18\r\n" {
			t.Fatalf("other client: %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a client that does not read blocked another client")
	}
}

// TestMemcacheRequirePass: with a password set, memcached requests are
// refused (the protocol has no AUTH command).
func TestMemcacheRequirePass(t *testing.T) {
	addr, _, _ := startMCNode(t, func(c *node.Config) { c.RequirePass = "secret" })
	c := dialMC(t, addr)
	if got := c.do("get a\r\nset a 0 0 1 noreply\r\nx\r\nget" + manyKeys(40) + "\r\nversion\r\n"); got != "SERVER_ERROR NOAUTH Authentication required.\r\n"+
		"SERVER_ERROR NOAUTH Authentication required.\r\nVERSION 1.6.18\r\n" {
		t.Fatalf("got %q", got)
	}
}

// TestMemcacheListenAndServe: memcache-port opens a memcached listener
// next to the RESP one, and cancelling the context closes both.
func TestMemcacheListenAndServe(t *testing.T) {
	cfg := node.DefaultConfig()
	cfg.Bind = []string{"127.0.0.1"}
	cfg.Dir = t.TempDir()
	cfg.Port = nodetest.FreePort(t)
	cfg.MemcachePort = nodetest.FreePort(t)
	srv, err := node.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe(ctx) }()
	addr := "127.0.0.1:" + strconv.Itoa(cfg.MemcachePort)
	waitMC(t, addr)
	c := dialMC(t, addr)
	if got := c.do("set a 0 0 1\r\nx\r\n"); got != "STORED\r\n" {
		t.Fatalf("set: %q", got)
	}
	r := nodetest.Dial(t, "127.0.0.1:"+strconv.Itoa(cfg.Port))
	if v := r.Do("CONFIG", "GET", "memcache-port"); len(v.Elems) != 2 || string(v.Elems[1].Str) != strconv.Itoa(cfg.MemcachePort) {
		t.Fatalf("CONFIG GET memcache-port: %s", v)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ListenAndServe did not return after cancel")
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Fatal("the memcached listener is still open")
	}
}

// TestMemcacheInternalCommandsGarbage sends the internal commands random
// arguments over RESP: every call gets a reply, never a crash.
func TestMemcacheInternalCommandsGarbage(t *testing.T) {
	_, respAddr, _ := startMCNode(t, nil)
	r := nodetest.Dial(t, respAddr)
	rng := rand.New(rand.NewPCG(42, 1))
	names := []string{"MCGET", "MCGAT", "MCSTORE", "MCTOUCH", "MCDELETE", "MCINCR", "MCMG", "MCME", "MCFLUSH", "MCSTATS"}
	words := []string{"k", "set", "add", "cas", "append", "0", "1", "-1", "18446744073709551616", "x", "CAS", "STALE",
		"TTL", "VIVIFY", "INITIAL", "RECACHE", "NOBUMP", "VALUE", "NEWITEM", "INCR", "DECR", "TOOLARGE", "KEEP", "BINARYKEY", ""}
	for i := 0; i < 2000; i++ {
		args := []string{names[rng.IntN(len(names))]}
		for n := rng.IntN(9); n > 0; n-- {
			args = append(args, words[rng.IntN(len(words))])
		}
		v := r.Do(args...)
		if v.IsError() && strings.Contains(string(v.Str), "internal error") {
			t.Fatalf("%q: %s", args, v)
		}
	}
	if v := r.Do("PING"); v.String() != "PONG" {
		t.Fatalf("after the garbage: %s", v)
	}
}

// TestMemcacheMaxMemory: over maxmemory under noeviction, stores get
// memcached's out-of-memory errors and reads go on.
func TestMemcacheMaxMemory(t *testing.T) {
	addr, respAddr, _ := startMCNode(t, nil)
	c := dialMC(t, addr)
	c.do("set a 0 0 2\r\n10\r\n")
	r := nodetest.Dial(t, respAddr)
	r.Do("CONFIG", "SET", "maxmemory", "1")
	// Used memory is sampled after garbage collections.
	for deadline := time.Now().Add(10 * time.Second); ; {
		runtime.GC()
		if v := r.Do("SET", "probe", "x"); v.IsError() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("maxmemory 1 never refused a write")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := c.do("set b 0 0 1\r\nx\r\nincr a 1\r\nms b 1\r\nx\r\nget a\r\nset b 0 0 1 noreply\r\nx\r\n"); got != "SERVER_ERROR out of memory storing object\r\n"+
		"SERVER_ERROR out of memory\r\nSERVER_ERROR out of memory storing object\r\nVALUE a 0 2\r\n10\r\nEND\r\n" {
		t.Fatalf("got %q", got)
	}
}

// TestMemcacheGarbageConnections: random fragments of requests and random
// bytes from many connections; every connection ends (no hang), the node
// keeps serving, and no client is left behind.
func TestMemcacheGarbageConnections(t *testing.T) {
	addr, respAddr, _ := startMCNode(t, func(c *node.Config) { c.MemcacheItemSizeMax = 4096 })
	rng := rand.New(rand.NewPCG(7, 7))
	frags := []string{"get ", "set k 0 0 ", "5", "\r\n", "\n", "hello", "mg k v", " b", " q", "ms k 3 ", "abc",
		"incr k ", "-1", "18446744073709551616", " noreply", "\x00", "\xff", "flush_all", "md k I", "ma k N0",
		strings.Repeat("z", 300), "quit", "gat 1 ", "k", " ", "stats", "version", "cas k 0 0 1 "}
	var wg sync.WaitGroup
	for i := 0; i < 60; i++ {
		var b strings.Builder
		for n := rng.IntN(40); n > 0; n-- {
			if rng.IntN(5) == 0 {
				b.WriteByte(byte(rng.IntN(256)))
				continue
			}
			b.WriteString(frags[rng.IntN(len(frags))])
		}
		input := b.String()
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			c.Write([]byte(input))
			c.(*net.TCPConn).CloseWrite()
			buf := make([]byte, 4096)
			for {
				if _, err := c.Read(buf); err != nil {
					if ne, ok := err.(net.Error); ok && ne.Timeout() {
						t.Errorf("input %q: the connection did not end", input)
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	if got := dialMC(t, addr).do("version\r\n"); got != "VERSION 1.6.18\r\n" {
		t.Fatalf("after the garbage: %q", got)
	}
	r := nodetest.Dial(t, respAddr)
	for deadline := time.Now().Add(10 * time.Second); ; {
		info := string(r.Do("INFO", "clients").Str)
		if strings.Contains(info, "connected_clients:2\r\n") { // this RESP client and the one above
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("clients left behind:\n%s", info)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
