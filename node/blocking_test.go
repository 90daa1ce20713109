package node

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/slotcache/slotcache/protocol/resp"
)

// testBlockingGet is a blocking GETDEL used to exercise the blocking
// machinery on its own: BGETDEL key timeout.
func testBlockingGet(c *client, args [][]byte) {
	try := func(c *client) bool {
		o := c.db.lookup(args[1], c.now)
		if o == nil {
			return false
		}
		c.w.Bulk(o.str)
		c.db.remove(args[1], c.now)
		c.srv.dirty++
		return true
	}
	key := append([]byte(nil), args[1]...)
	if try(c) {
		return
	}
	timeout, msg := parseTimeout(args[2])
	if msg != "" {
		c.w.Error(msg)
		return
	}
	if c.inExec {
		c.w.NullArray()
		return
	}
	retry := func(c *client) bool {
		o := c.db.lookup(key, c.now)
		if o == nil {
			return false
		}
		c.w.Bulk(o.str)
		c.db.remove(key, c.now)
		c.srv.dirty++
		return true
	}
	c.block([][]byte{key}, timeout, retry)
}

type testConn struct {
	t  *testing.T
	c  net.Conn
	rd *resp.Reader
}

func startBlockingServer(t *testing.T) string {
	t.Helper()
	cfg := DefaultConfig()
	srv, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.commands["bgetdel"] = &command{name: "bgetdel", arity: 3, flags: flagWrite | flagBlocking, firstKey: 1, lastKey: 1, step: 1, fn: testBlockingGet}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

func dialTest(t *testing.T, addr string) *testConn {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &testConn{t: t, c: c, rd: resp.NewReader(c, resp.Limits{})}
}

func (tc *testConn) send(args ...string) {
	if _, err := tc.c.Write(resp.AppendCommand(nil, args...)); err != nil {
		tc.t.Fatal(err)
	}
}

func (tc *testConn) read() resp.Value {
	tc.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	v, err := tc.rd.ReadReply()
	if err != nil {
		tc.t.Fatal(err)
	}
	return v
}

func (tc *testConn) do(args ...string) resp.Value {
	tc.send(args...)
	return tc.read()
}

func TestBlockingWakeAndFIFO(t *testing.T) {
	addr := startBlockingServer(t)
	a, b, w := dialTest(t, addr), dialTest(t, addr), dialTest(t, addr)
	a.send("BGETDEL", "k", "0")
	time.Sleep(50 * time.Millisecond) // let a block first
	b.send("BGETDEL", "k", "0")
	time.Sleep(50 * time.Millisecond)
	w.do("SET", "k", "first")
	w.do("SET", "k", "second")
	if v := a.read(); string(v.Str) != "first" {
		t.Fatalf("first blocked client got %s", v)
	}
	if v := b.read(); string(v.Str) != "second" {
		t.Fatalf("second blocked client got %s", v)
	}
}

func TestBlockingTimeout(t *testing.T) {
	addr := startBlockingServer(t)
	a := dialTest(t, addr)
	start := time.Now()
	if v := a.do("BGETDEL", "k", "0.1"); !v.Null {
		t.Fatalf("timeout reply = %s, want nil", v)
	}
	if d := time.Since(start); d < 90*time.Millisecond || d > 2*time.Second {
		t.Fatalf("timed out after %v, want about 100ms", d)
	}
	for _, tc := range []struct{ timeout, want string }{{"x", msgTimeoutNotFloat}, {"-1", msgTimeoutNegative}} {
		if v := a.do("BGETDEL", "k", tc.timeout); string(v.Str) != tc.want {
			t.Fatalf("timeout %q: %s, want %s", tc.timeout, v, tc.want)
		}
	}
}

func TestBlockingWokenAfterExec(t *testing.T) {
	addr := startBlockingServer(t)
	a, w := dialTest(t, addr), dialTest(t, addr)
	a.send("BGETDEL", "k", "0")
	time.Sleep(50 * time.Millisecond)
	w.do("MULTI")
	w.do("SET", "k", "v1")
	w.do("GET", "k")
	v := w.do("EXEC")
	if len(v.Elems) != 2 || string(v.Elems[1].Str) != "v1" {
		t.Fatalf("EXEC = %s: the transaction must see its own write before waking", v)
	}
	if v := a.read(); string(v.Str) != "v1" {
		t.Fatalf("blocked client got %s", v)
	}
}

func TestBlockingInsideMultiDoesNotBlock(t *testing.T) {
	addr := startBlockingServer(t)
	a := dialTest(t, addr)
	a.do("MULTI")
	a.do("BGETDEL", "k", "0")
	v := a.do("EXEC")
	if len(v.Elems) != 1 || !v.Elems[0].Null {
		t.Fatalf("EXEC = %s, want [nil]", v)
	}
}

func TestBlockingDisconnectLosesNothing(t *testing.T) {
	addr := startBlockingServer(t)
	a, w := dialTest(t, addr), dialTest(t, addr)
	a.send("BGETDEL", "k", "0")
	time.Sleep(50 * time.Millisecond)
	a.c.Close()
	time.Sleep(50 * time.Millisecond)
	w.do("SET", "k", "kept")
	if v := w.do("GET", "k"); string(v.Str) != "kept" {
		t.Fatalf("value after blocked client left = %s, want kept", v)
	}
}

func TestBlockingPipelineAfterBlockedCommand(t *testing.T) {
	addr := startBlockingServer(t)
	a, w := dialTest(t, addr), dialTest(t, addr)
	a.c.Write(append(resp.AppendCommand(nil, "PING"), append(resp.AppendCommand(nil, "BGETDEL", "k", "0"), resp.AppendCommand(nil, "ECHO", "after")...)...))
	if v := a.read(); string(v.Str) != "PONG" {
		t.Fatalf("reply before blocking = %s", v)
	}
	time.Sleep(50 * time.Millisecond)
	w.do("SET", "k", "v")
	if v := a.read(); string(v.Str) != "v" {
		t.Fatalf("blocked reply = %s", v)
	}
	if v := a.read(); string(v.Str) != "after" {
		t.Fatalf("pipelined reply after the blocking command = %s", v)
	}
}
