package node_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slotcache/slotcache/node"
	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
)

// These tests drive a node's event loop (io-event-loop, on by default on
// Linux) through the cases where a client leaves it for a goroutine, and
// compare every reply with redis-server's.

// pipeline writes cmds in one write and reads n replies.
func pipeline(t *testing.T, c *nodetest.Conn, n int, cmds ...[]string) []resp.Value {
	t.Helper()
	var buf []byte
	for _, cmd := range cmds {
		buf = resp.AppendCommand(buf, cmd...)
	}
	if err := c.WriteRaw(buf); err != nil {
		t.Fatal(err)
	}
	out := make([]resp.Value, n)
	for i := range out {
		v, err := c.Read()
		if err != nil {
			t.Fatalf("%s: reply %d: %v", c.Addr, i, err)
		}
		out[i] = v
	}
	return out
}

func sameReplies(t *testing.T, what string, node, redis []resp.Value) {
	t.Helper()
	for i := range node {
		if !nodetest.Equal(node[i], redis[i]) {
			t.Errorf("%s: reply %d:\n  slotcache: %s\n  redis:     %s", what, i, node[i], redis[i])
		}
	}
}

func TestEventLoopPipelineEndingInBlockingCommand(t *testing.T) {
	p := nodetest.NewPair(t)
	run := func(addr string) []resp.Value {
		c, other := nodetest.Dial(t, addr), nodetest.Dial(t, addr)
		first := pipeline(t, c, 2, []string{"SET", "k", "v"}, []string{"GET", "k"}, []string{"BLPOP", "q", "0"}, []string{"INCR", "n"})
		// The client now waits in BLPOP (on a goroutine for the node); a
		// push serves it, then the pipelined INCR runs.
		waitBlocked(t, other)
		other.Do("RPUSH", "q", "a", "b")
		rest := []resp.Value{mustRead(t, c), mustRead(t, c)}
		rest = append(rest, c.Do("LRANGE", "q", "0", "-1"), c.Do("PING"))
		return append(first, rest...)
	}
	sameReplies(t, "pipeline ending in BLPOP", run(p.NodeAddr), run(p.RedisAddr))
}

// waitBlocked waits until CLIENT LIST shows a client in BLPOP.
func waitBlocked(t *testing.T, c *nodetest.Conn) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if strings.Contains(string(c.Do("CLIENT", "LIST").Str), "cmd=blpop") {
			return
		}
	}
	t.Fatalf("%s: no client in BLPOP within 10 s", c.Addr)
}

func mustRead(t *testing.T, c *nodetest.Conn) resp.Value {
	t.Helper()
	v, err := c.Read()
	if err != nil {
		t.Fatalf("%s: %v", c.Addr, err)
	}
	return v
}

func TestEventLoopSubscribeAfterPipelinedCommands(t *testing.T) {
	p := nodetest.NewPair(t)
	run := func(addr string) []resp.Value {
		c, pub := nodetest.Dial(t, addr), nodetest.Dial(t, addr)
		got := pipeline(t, c, 5, []string{"SET", "k", "v"}, []string{"GET", "k"},
			[]string{"SUBSCRIBE", "ch"}, []string{"PING"}, []string{"GET", "k"})
		got = append(got, pub.Do("PUBLISH", "ch", "hello"), mustRead(t, c))
		got = append(got, c.Do("UNSUBSCRIBE"), c.Do("GET", "k"))
		return got
	}
	sameReplies(t, "pipeline then SUBSCRIBE", run(p.NodeAddr), run(p.RedisAddr))
}

func TestEventLoopProtocolErrorAfterPipelinedCommands(t *testing.T) {
	p := nodetest.NewPair(t)
	run := func(addr string) []byte {
		c := nodetest.Dial(t, addr)
		if err := c.WriteRaw([]byte("*1\r\n$4\r\nPING\r\nSET k v\r\n*x\r\n")); err != nil {
			t.Fatal(err)
		}
		out, err := c.ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
		return out
	}
	if n, r := run(p.NodeAddr), run(p.RedisAddr); !bytes.Equal(n, r) {
		t.Errorf("protocol error after a pipeline:\n  slotcache: %q\n  redis:     %q", n, r)
	}
}

func TestEventLoopQuitAfterPipeline(t *testing.T) {
	p := nodetest.NewPair(t)
	run := func(addr string) []byte {
		c := nodetest.Dial(t, addr)
		c.WriteRaw([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n"))
		out, err := c.ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
		return out
	}
	if n, r := run(p.NodeAddr), run(p.RedisAddr); !bytes.Equal(n, r) {
		t.Errorf("QUIT in a pipeline:\n  slotcache: %q\n  redis:     %q", n, r)
	}
}

// TestEventLoopSlowReaderHugeReply pipelines large replies to a client that
// does not read for a while: the node keeps the output the socket does not
// take, goes on serving other clients, and sends everything in order.
func TestEventLoopSlowReaderHugeReply(t *testing.T) {
	p := nodetest.NewPair(t)
	const elems, rounds = 20000, 12
	run := func(addr string) []resp.Value {
		setup := nodetest.Dial(t, addr)
		var buf []byte
		for i := 0; i < elems; i += 1000 {
			args := []string{"RPUSH", "big"}
			for j := i; j < i+1000; j++ {
				args = append(args, fmt.Sprintf("element-%06d-%s", j, strings.Repeat("x", 80)))
			}
			buf = resp.AppendCommand(buf, args...)
		}
		setup.WriteRaw(buf)
		for i := 0; i < elems; i += 1000 {
			mustRead(t, setup)
		}
		c := nodetest.Dial(t, addr)
		var cmds [][]string
		for range rounds {
			cmds = append(cmds, []string{"LRANGE", "big", "0", "-1"})
		}
		cmds = append(cmds, []string{"LLEN", "big"})
		buf = nil
		for _, cmd := range cmds {
			buf = resp.AppendCommand(buf, cmd...)
		}
		c.WriteRaw(buf)
		// Meanwhile (the slow client reads nothing) others are served.
		other := nodetest.Dial(t, addr)
		for i := range 20 {
			if v := other.Do("INCR", "counter"); v.Int != int64(i+1) {
				t.Fatalf("%s: INCR while a reader is slow = %s", addr, v)
			}
		}
		out := make([]resp.Value, len(cmds))
		for i := range out {
			out[i] = mustRead(t, c)
		}
		return append(out, c.Do("PING"))
	}
	n, r := run(p.NodeAddr), run(p.RedisAddr)
	if len(n[0].Elems) != elems {
		t.Fatalf("LRANGE returned %d elements, want %d", len(n[0].Elems), elems)
	}
	sameReplies(t, "huge replies to a slow reader", n, r)
}

func TestEventLoopClientKill(t *testing.T) {
	p := nodetest.NewPair(t)
	for _, addr := range []string{p.NodeAddr, p.RedisAddr} {
		victim, killer := nodetest.Dial(t, addr), nodetest.Dial(t, addr)
		victim.Do("SET", "k", "v")
		id := victim.Do("CLIENT", "ID").Int
		if v := killer.Do("CLIENT", "KILL", "ID", strconv.FormatInt(id, 10)); v.Int != 1 {
			t.Fatalf("%s: CLIENT KILL ID = %s, want 1", addr, v)
		}
		if out, err := victim.ReadAll(); len(out) != 0 || err != nil {
			t.Errorf("%s: killed client read %q, %v; want a silent close", addr, out, err)
		}
		if list := string(killer.Do("CLIENT", "LIST").Str); strings.Contains(list, "id="+strconv.FormatInt(id, 10)+" ") {
			t.Errorf("%s: killed client still listed:\n%s", addr, list)
		}
		// By address, the old form, while the victim has a command pending.
		victim2 := nodetest.Dial(t, addr)
		victim2.Do("PING")
		vaddr := victim2.Do("CLIENT", "INFO").Str
		a := string(vaddr)[strings.Index(string(vaddr), "addr=")+5:]
		a = a[:strings.IndexByte(a, ' ')]
		if v := killer.Do("CLIENT", "KILL", a); v.Type != '+' {
			t.Fatalf("%s: CLIENT KILL %s = %s", addr, a, v)
		}
		if out, err := victim2.ReadAll(); len(out) != 0 || err != nil {
			t.Errorf("%s: killed client read %q, %v; want a silent close", addr, out, err)
		}
		// The killer kills itself: its reply comes first.
		me := killer.Do("CLIENT", "ID").Int
		killer.Send("CLIENT", "KILL", "ID", strconv.FormatInt(me, 10), "SKIPME", "no")
		if v := mustRead(t, killer); v.Int != 1 {
			t.Errorf("%s: CLIENT KILL of itself = %s, want 1", addr, v)
		}
		if out, _ := killer.ReadAll(); len(out) != 0 {
			t.Errorf("%s: self-killed client read %q", addr, out)
		}
	}
}

func TestEventLoopIdleTimeout(t *testing.T) {
	addr, _ := nodetest.StartNode(t, func(cfg *node.Config) { cfg.Timeout = time.Second })
	idle := nodetest.Dial(t, addr)
	idle.Do("SET", "k", "v") // a client the loop has served
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("*2\r\n$3\r\nGET")) // an incomplete command is no activity after it
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if out, err := io.ReadAll(c); len(out) != 0 || err != nil {
		t.Errorf("idle client with partial input: read %q, %v; want a silent close", out, err)
	}
	if out, err := idle.ReadAll(); len(out) != 0 || err != nil {
		t.Errorf("idle client: read %q, %v; want a silent close", out, err)
	}
	check := nodetest.Dial(t, addr)
	if info := string(check.Do("INFO", "clients").Str); !strings.Contains(info, "connected_clients:1\r\n") {
		t.Errorf("after the idle timeouts INFO clients:\n%s", info)
	}
}

// TestEventLoopNetStats checks that the loop counts commands and network
// bytes as Redis does.
func TestEventLoopNetStats(t *testing.T) {
	p := nodetest.NewPair(t)
	// stat returns the figure and the size of the INFO reply, which the
	// output counter includes at the next look.
	stat := func(c *nodetest.Conn, name string) (int64, int64) {
		info := string(c.Do("INFO", "stats").Str)
		i := strings.Index(info, name+":")
		v, _ := strconv.ParseInt(info[i+len(name)+1:i+strings.Index(info[i:], "\r\n")], 10, 64)
		return v, int64(len(info) + len(strconv.Itoa(len(info))) + 5)
	}
	for _, name := range []string{"total_net_input_bytes", "total_net_output_bytes", "total_commands_processed"} {
		var deltas [2]int64
		for i, c := range []*nodetest.Conn{p.Node, p.Redis} {
			before, infoLen := stat(c, name)
			pipeline(t, c, 4, []string{"SET", "a", "1"}, []string{"GET", "a"}, []string{"INCR", "a"}, []string{"MGET", "a", "b"})
			after, _ := stat(c, name)
			deltas[i] = after - before
			if name == "total_net_output_bytes" {
				deltas[i] -= infoLen
			}
		}
		if deltas[0] != deltas[1] {
			t.Errorf("%s grew by %d on the node, %d on redis", name, deltas[0], deltas[1])
		}
	}
}

// The request path with a goroutine per client, for comparison with the
// event loop (BenchmarkNodeGet and friends).
func BenchmarkNodeGetNoEventLoop(b *testing.B) {
	b.Setenv("SLOTCACHE_IO_EVENT_LOOP", "no")
	benchPipelined(b, 1, getCmd)
}

func BenchmarkNodeGetPipeline16NoEventLoop(b *testing.B) {
	b.Setenv("SLOTCACHE_IO_EVENT_LOOP", "no")
	benchPipelined(b, 16, getCmd)
}
