package node_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/slotcache/slotcache/node"
)

// TestServeAfterClose: a listener handed to Serve or ServeMemcache after
// Close is closed at once instead of accepting for ever (a test's cleanup
// can cancel a server before its serving goroutines have started).
func TestServeAfterClose(t *testing.T) {
	cfg := node.DefaultConfig()
	cfg.Dir = t.TempDir()
	srv, err := node.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	for name, serve := range map[string]func(context.Context, net.Listener) error{
		"Serve": srv.Serve, "ServeMemcache": srv.ServeMemcache,
	} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- serve(context.Background(), ln) }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s after Close: %v", name, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s after Close still serving after 10 s", name)
		}
		if c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
			c.Close()
			t.Errorf("%s after Close: the listener still accepts", name)
		}
	}
}
