package router

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slotcache/slotcache/node"
	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
)

func do(p *Pool, id uint64, args ...string) *Request {
	var wg sync.WaitGroup
	r := &Request{Cmd: resp.AppendCommand(nil, args...), WG: &wg}
	wg.Add(1)
	p.Send(id, r)
	wg.Wait()
	return r
}

func waitUp(t *testing.T, p *Pool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !p.Up() {
		if time.Now().After(deadline) {
			t.Fatalf("pool to %s never connected", p.Addr())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPoolPipelinesManyClients(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	p := NewPool(addr, PoolConfig{Conns: 2})
	defer p.Close()
	waitUp(t, p)
	const clients, perClient = 8, 500
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var bwg sync.WaitGroup
			reqs := make([]Request, perClient)
			// a pipeline: SET then GET of the same key must keep their order
			for i := range reqs {
				k := fmt.Sprintf("k%d:%d", c, i/2)
				if i%2 == 0 {
					reqs[i].Cmd = resp.AppendCommand(nil, "SET", k, strconv.Itoa(i))
				} else {
					reqs[i].Cmd = resp.AppendCommand(nil, "GET", k)
				}
				reqs[i].WG = &bwg
			}
			bwg.Add(len(reqs))
			for i := range reqs {
				p.Send(uint64(c), &reqs[i])
			}
			bwg.Wait()
			for i := range reqs {
				want := "+OK\r\n"
				if i%2 == 1 {
					v := strconv.Itoa(i - 1)
					want = "$" + strconv.Itoa(len(v)) + "\r\n" + v + "\r\n"
				}
				if reqs[i].Err != nil || string(reqs[i].Reply) != want {
					errs <- fmt.Errorf("client %d req %d: %q %v, want %q", c, i, reqs[i].Reply, reqs[i].Err, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestPoolLargeReply(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	p := NewPool(addr, PoolConfig{Conns: 1})
	defer p.Close()
	waitUp(t, p)
	big := make([]byte, 3<<20)
	for i := range big {
		big[i] = byte('a' + i%26)
	}
	if r := do(p, 0, "SET", "big", string(big)); string(r.Reply) != "+OK\r\n" {
		t.Fatalf("SET: %q %v", r.Reply, r.Err)
	}
	r := do(p, 0, "GET", "big")
	if want := string(resp.AppendBulk(nil, big)); string(r.Reply) != want {
		t.Fatalf("GET big: %d bytes, err %v; want %d bytes", len(r.Reply), r.Err, len(want))
	}
}

func TestPoolDeadBackendFailsFast(t *testing.T) {
	port := nodetest.FreePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p := NewPool(addr, PoolConfig{Conns: 1, MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	defer p.Close()
	r := do(p, 0, "PING")
	var ue *UnavailableError
	if !errors.As(r.Err, &ue) || !errors.Is(r.Err, ErrUnavailable) || ue.Addr != addr {
		t.Fatalf("PING to a closed port: reply %q err %v", r.Reply, r.Err)
	}
	// the node comes up on that port: the pool reconnects by itself
	nodetest.StartNode(t, func(c *node.Config) { c.Port = port })
	waitUp(t, p)
	if r := do(p, 0, "PING"); string(r.Reply) != "+PONG\r\n" {
		t.Fatalf("PING after the node started: %q %v", r.Reply, r.Err)
	}
}

// TestPoolMarkUpEndsBackoff: a connection backing off (here for an hour)
// dials again as soon as another connection to the node reports it is
// back with MarkUp.
func TestPoolMarkUpEndsBackoff(t *testing.T) {
	port := nodetest.FreePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p := NewPool(addr, PoolConfig{Conns: 2, MinBackoff: time.Hour})
	defer p.Close()
	if r := do(p, 0, "PING"); !errors.Is(r.Err, ErrUnavailable) {
		t.Fatalf("PING to a closed port: reply %q err %v", r.Reply, r.Err)
	}
	nodetest.StartNode(t, func(c *node.Config) { c.Port = port })
	back := p.BackUp()
	p.MarkUp()
	select {
	case <-back:
	default:
		t.Fatal("MarkUp did not close the channel BackUp returned")
	}
	deadline := time.Now().Add(10 * time.Second)
	for id := range uint64(2) { // each connection of the pool
		for r := do(p, id, "PING"); string(r.Reply) != "+PONG\r\n"; r = do(p, id, "PING") {
			if time.Now().After(deadline) {
				t.Fatalf("PING on connection %d after MarkUp: %q %v", id, r.Reply, r.Err)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// TestPoolHungBackendTimesOut: a backend that accepts and never answers
// fails the request after ReadTimeout instead of hanging it.
func TestPoolHungBackendTimesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	p := NewPool(ln.Addr().String(), PoolConfig{Conns: 1, ReadTimeout: 100 * time.Millisecond})
	defer p.Close()
	waitUp(t, p)
	r := do(p, 0, "PING")
	var ue *UnavailableError
	if !errors.As(r.Err, &ue) || ue.Reason != "timeout" {
		t.Fatalf("hung backend: reply %q err %v, want a timeout", r.Reply, r.Err)
	}
}

// TestPoolBackendClosesMidway: requests in flight when the backend closes
// the connection fail with the documented error; later ones succeed on the
// new connection.
func TestPoolBackendClosesMidway(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	p := NewPool(addr, PoolConfig{Conns: 1, MinBackoff: 10 * time.Millisecond})
	defer p.Close()
	waitUp(t, p)
	before := do(p, 0, "CLIENT", "ID")
	if before.Err != nil {
		t.Fatal(before.Err)
	}
	// the node closes the pool's own connection after replying
	r := do(p, 0, "CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no")
	if r.Err == nil && string(r.Reply) != ":1\r\n" || r.Err != nil && !errors.Is(r.Err, ErrUnavailable) {
		t.Fatalf("CLIENT KILL of the pool's connection: %q %v", r.Reply, r.Err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := do(p, 0, "PING")
		if string(r.Reply) == "+PONG\r\n" {
			break
		}
		if !errors.Is(r.Err, ErrUnavailable) {
			t.Fatalf("PING after kill: %q %v", r.Reply, r.Err)
		}
		if time.Now().After(deadline) {
			t.Fatal("pool did not reconnect within 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if after := do(p, 0, "CLIENT", "ID"); after.Err != nil || string(after.Reply) == string(before.Reply) {
		t.Fatalf("CLIENT ID after the kill: %q %v, before %q: the connection was not replaced", after.Reply, after.Err, before.Reply)
	}
}

func BenchmarkPoolGet(b *testing.B) {
	addr, _ := nodetest.StartNode(b, nil)
	p := NewPool(addr, PoolConfig{Conns: 2})
	defer p.Close()
	for !p.Up() {
		time.Sleep(time.Millisecond)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var wg sync.WaitGroup
		const depth = 16
		reqs := make([]Request, depth)
		for i := range reqs {
			reqs[i].Cmd = resp.AppendCommand(nil, "GET", "k")
			reqs[i].WG = &wg
		}
		id := uint64(time.Now().UnixNano())
		for pb.Next() {
			wg.Add(depth)
			for i := range reqs {
				p.Queue(id, &reqs[i])
			}
			p.Flush(id)
			wg.Wait()
		}
	})
}

// TestPoolSkip: a request carrying two commands keeps only the last reply,
// and the next request gets its own.
func TestPoolSkip(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	p := NewPool(addr, PoolConfig{Conns: 1})
	defer p.Close()
	var wg sync.WaitGroup
	two := &Request{Cmd: resp.AppendCommand(resp.AppendCommand(nil, "SET", "k", "v"), "ECHO", "x"), Skip: 1, WG: &wg}
	one := &Request{Cmd: resp.AppendCommand(nil, "GET", "k"), WG: &wg}
	wg.Add(2)
	p.Send(0, two)
	p.Send(0, one)
	wg.Wait()
	if string(two.Reply) != "$1\r\nx\r\n" || string(one.Reply) != "$1\r\nv\r\n" {
		t.Fatalf("replies %q and %q", two.Reply, one.Reply)
	}
}

// TestPoolHello: each connection says Hello first; its reply is not handed
// to any request, and a refused Hello keeps the pool down.
func TestPoolHello(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	p := NewPool(addr, PoolConfig{Conns: 1, Hello: resp.AppendCommand(nil, "HELLO", "3")})
	defer p.Close()
	do(p, 0, "HSET", "h", "f", "v")
	if r := do(p, 0, "HGETALL", "h"); string(r.Reply) != "%1\r\n$1\r\nf\r\n$1\r\nv\r\n" {
		t.Fatalf("HGETALL on a RESP3 connection: %q %v", r.Reply, r.Err)
	}
	bad := NewPool(addr, PoolConfig{Conns: 1, Hello: resp.AppendCommand(nil, "HELLO", "9"),
		MinBackoff: 10 * time.Millisecond})
	defer bad.Close()
	r := do(bad, 0, "PING")
	var ue *UnavailableError
	if !errors.As(r.Err, &ue) || !strings.Contains(ue.Reason, "NOPROTO") {
		t.Fatalf("PING after a refused hello: %q %v", r.Reply, r.Err)
	}
}
