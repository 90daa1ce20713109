package router

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slotcache/slotcache/node"
	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
)

func TestHandshake(t *testing.T) {
	tests := []struct {
		name    string
		cfg     PoolConfig
		cmd     string
		replies int
	}{
		{"none", PoolConfig{}, "", 0},
		{"user alone sends nothing", PoolConfig{Username: "u"}, "", 0},
		{"password", PoolConfig{Password: "pw"}, "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n", 1},
		{"user", PoolConfig{Username: "u", Password: "pw"}, "*3\r\n$4\r\nAUTH\r\n$1\r\nu\r\n$2\r\npw\r\n", 1},
		{"readonly", PoolConfig{ReadOnly: true}, "*1\r\n$8\r\nREADONLY\r\n", 1},
		{"both", PoolConfig{Password: "pw", ReadOnly: true}, "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*1\r\n$8\r\nREADONLY\r\n", 2},
		{"hello", PoolConfig{Hello: hello3}, "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n", 1},
		{"all: AUTH before HELLO", PoolConfig{Password: "pw", ReadOnly: true, Hello: hello3},
			"*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n*1\r\n$8\r\nREADONLY\r\n", 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHandshake(tc.cfg)
			if string(h.Cmd) != tc.cmd || h.Replies != tc.replies {
				t.Fatalf("%q %d, want %q %d", h.Cmd, h.Replies, tc.cmd, tc.replies)
			}
			// READONLY refused (a standalone node) is harmless
			last := h.Replies - 1
			if tc.cfg.ReadOnly {
				if err := h.Check(last, []byte("-ERR This instance has cluster support disabled\r\n")); err != nil {
					t.Fatalf("READONLY error: %v", err)
				}
			}
			if tc.cfg.Hello != nil {
				i := 0
				if tc.cfg.Password != "" {
					i = 1
				}
				if err := h.Check(i, []byte("%1\r\n$6\r\nserver\r\n$5\r\nredis\r\n")); err != nil {
					t.Fatalf("HELLO map: %v", err)
				}
				for reply, want := range map[string]string{
					"-NOPROTO unsupported protocol version\r\n": "hello refused: NOPROTO unsupported protocol version",
					"!13\r\nERR some blob\r\n":                  "hello refused: ERR some blob",
				} {
					if err := h.Check(i, []byte(reply)); err == nil || err.Error() != want || errors.Is(err, ErrBackendAuth) {
						t.Fatalf("HELLO %q: %v, want %s", reply, err, want)
					}
				}
			}
			if tc.cfg.Password == "" {
				return
			}
			if err := h.Check(0, []byte("+OK\r\n")); err != nil {
				t.Fatalf("AUTH +OK: %v", err)
			}
			err := h.Check(0, []byte("-WRONGPASS invalid username-password pair or user is disabled.\r\n"))
			if !errors.Is(err, ErrBackendAuth) || err.Error() != "AUTH refused: WRONGPASS invalid username-password pair or user is disabled." {
				t.Fatalf("AUTH refused: %v", err)
			}
		})
	}
}

// TestHandshakeNoRoundTrip: the first request leaves right behind AUTH,
// without waiting for its reply. The fake node below answers AUTH only
// once it has read the request after it; a pool that waited would never
// complete the request.
func TestHandshakeNoRoundTrip(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 2)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		rd := resp.NewReader(nc, resp.Limits{})
		for range 2 {
			args, err := rd.ReadCommand()
			if err != nil {
				return
			}
			got <- fmt.Sprintf("%q", args)
		}
		nc.Write([]byte("+OK\r\n$1\r\nv\r\n"))
		rd.ReadCommand() // until the pool closes
	}()
	p := NewPool(ln.Addr().String(), PoolConfig{Conns: 1, Username: "u", Password: "pw", ReadTimeout: 10 * time.Second})
	defer p.Close()
	r := do(p, 0, "GET", "k")
	if r.Err != nil || string(r.Reply) != "$1\r\nv\r\n" {
		t.Fatalf("GET: %q %v", r.Reply, r.Err)
	}
	if a, b := <-got, <-got; a != `["AUTH" "u" "pw"]` || b != `["GET" "k"]` {
		t.Fatalf("the node read %s then %s", a, b)
	}
}

// syncBuffer is a log destination safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestHandshakeRefusedLogsOnce: a node refusing the pool's AUTH fails the
// requests with the node's reason; the pool keeps retrying with backoff
// and logs the failure once, not at every attempt.
func TestHandshakeRefusedLogsOnce(t *testing.T) {
	addr, _ := nodetest.StartNode(t, func(c *node.Config) { c.RequirePass = "npw" })
	var logs syncBuffer
	p := NewPool(addr, PoolConfig{Conns: 1, Password: "wrong", MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	defer p.Close()
	nc := nodetest.Dial(t, addr)
	nc.Do("AUTH", "npw")
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := do(p, 0, "GET", "k")
		if !errors.Is(r.Err, ErrBackendAuth) && !errors.Is(r.Err, ErrUnavailable) {
			t.Fatalf("GET: %q %v", r.Reply, r.Err)
		}
		v := nc.Do("INFO", "stats").String()
		if strings.Contains(v, "total_connections_received:") {
			var n int
			fmt.Sscanf(v[strings.Index(v, "total_connections_received:")+len("total_connections_received:"):], "%d", &n)
			if n >= 5 { // our probe plus at least 4 attempts of the pool
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the pool did not retry: %s", v)
		}
		time.Sleep(time.Millisecond)
	}
	out := logs.String()
	if strings.Count(out, "backend unavailable") != 1 || strings.Contains(out, "backend connected") ||
		!strings.Contains(out, "AUTH refused: WRONGPASS") {
		t.Fatalf("log:\n%s", out)
	}
}

var hello3 = resp.AppendCommand(nil, "HELLO", "3")

// TestPoolHelloAuth: a RESP3 pool toward a node with a password says AUTH
// before HELLO 3 (which the node refuses to an unauthenticated
// connection), and a wrong password fails requests with ErrBackendAuth.
func TestPoolHelloAuth(t *testing.T) {
	addr, _ := nodetest.StartNode(t, func(c *node.Config) { c.RequirePass = "npw" })
	p := NewPool(addr, PoolConfig{Conns: 1, Password: "npw", Hello: hello3})
	defer p.Close()
	do(p, 0, "HSET", "h", "f", "v")
	if r := do(p, 0, "HGETALL", "h"); r.Err != nil || string(r.Reply) != "%1\r\n$1\r\nf\r\n$1\r\nv\r\n" {
		t.Fatalf("HGETALL on an authenticated RESP3 connection: %q %v", r.Reply, r.Err)
	}
	bad := NewPool(addr, PoolConfig{Conns: 1, Password: "wrong", Hello: hello3, MinBackoff: 10 * time.Millisecond})
	defer bad.Close()
	r := do(bad, 0, "PING")
	var ue *UnavailableError
	if !errors.As(r.Err, &ue) || !errors.Is(r.Err, ErrBackendAuth) || !strings.HasPrefix(ue.Reason, "AUTH refused: WRONGPASS") {
		t.Fatalf("PING after a refused AUTH: %q %v", r.Reply, r.Err)
	}
}
