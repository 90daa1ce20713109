//go:build linux

package node

import (
	"bufio"
	"context"
	"net"
	"testing"
	"time"
)

// TestEventLoopOwnership checks who serves a client: the loop for plain
// commands, a goroutine of its own once it blocked or subscribed.
func TestEventLoopOwnership(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Bind = []string{"127.0.0.1"}
	cfg.Dir = t.TempDir()
	srv, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, ln); close(done) }()
	defer func() { cancel(); <-done }()

	onLoop := func(name string) bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		for _, c := range srv.clients {
			if c.name == name {
				return c.loop != nil
			}
		}
		t.Fatalf("no client named %s", name)
		return false
	}
	dial := func(name string) (net.Conn, *bufio.Reader) {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(10 * time.Second))
		rd := bufio.NewReader(c)
		c.Write([]byte("CLIENT SETNAME " + name + "\r\n"))
		if line, err := rd.ReadString('\n'); line != "+OK\r\n" {
			t.Fatalf("CLIENT SETNAME: %q, %v", line, err)
		}
		return c, rd
	}
	plain, _ := dial("plain")
	blocker, brd := dial("blocker")
	sub, srd := dial("sub")
	if !onLoop("plain") || !onLoop("blocker") || !onLoop("sub") {
		t.Fatal("a new plain client is not served by the event loop")
	}
	blocker.Write([]byte("BLPOP q 0\r\n"))
	sub.Write([]byte("SUBSCRIBE ch\r\n"))
	for range 6 { // *3, $9, subscribe, $2, ch, :1
		srd.ReadString('\n')
	}
	for deadline := time.Now().Add(10 * time.Second); onLoop("blocker"); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("a blocked client stays on the event loop")
		}
	}
	if onLoop("sub") {
		t.Error("a subscriber stays on the event loop")
	}
	if !onLoop("plain") {
		t.Error("a plain client left the event loop")
	}
	plain.Write([]byte("RPUSH q x\r\n"))
	if line, _ := brd.ReadString('\n'); line != "*2\r\n" {
		t.Errorf("BLPOP reply starts with %q", line)
	}
}
