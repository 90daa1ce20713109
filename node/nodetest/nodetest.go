// Package nodetest starts storage nodes and real peer servers (redis-server)
// on loopback for tests, and gives them a small RESP client built on the
// project's codec, so that replies can be compared one by one.
package nodetest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slotcache/slotcache/node"
	"github.com/slotcache/slotcache/protocol/resp"
)

// RequirePeer skips the test when the external program is missing, or
// fails it when CI=true: a green CI run never hides an untested path.
func RequirePeer(t testing.TB, program string) string {
	t.Helper()
	path, err := exec.LookPath(program)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not installed (run 'make deps')", program)
	}
	t.Skipf("%s not installed (run 'make deps')", program)
	return ""
}

// FreePort returns a TCP port that was free on 127.0.0.1 a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// StartRedis starts Debian's redis-server on a free loopback port with no
// persistence and the extra redis.conf arguments given ("--maxmemory", "1mb").
// It is killed when the test ends.
func StartRedis(t testing.TB, extra ...string) string {
	t.Helper()
	bin := RequirePeer(t, "redis-server")
	port := FreePort(t)
	args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", t.TempDir(), "--enable-debug-command", "yes"}
	args = append(args, extra...)
	addr := startPeer(t, bin, port, args)
	WaitReady(t, addr)
	return addr
}

// startPeer runs bin with args, listening on port, until the test ends, and
// returns its address.
func startPeer(t testing.TB, bin string, port int, args []string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return "127.0.0.1:" + strconv.Itoa(port)
}

// StartNode starts an in-process slotcache node on a free loopback port.
// mutate, when not nil, adjusts the configuration first.
func StartNode(t testing.TB, mutate func(*node.Config)) (string, *node.Server) {
	t.Helper()
	cfg := node.DefaultConfig()
	cfg.Bind = []string{"127.0.0.1"}
	cfg.Dir = t.TempDir()
	cfg.EnableDebugCommand = "yes"
	cfg.Port = 0 // a free port unless mutate asks for one
	// SLOTCACHE_IO_EVENT_LOOP=no runs the tests with a goroutine per client.
	if v := os.Getenv("SLOTCACHE_IO_EVENT_LOOP"); v != "" {
		cfg.IOEventLoop = v != "no"
	}
	if mutate != nil {
		mutate(&cfg)
	}
	srv, err := node.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.Port)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String(), srv
}

// WaitReady polls addr with PING until it answers (or 10 s pass).
func WaitReady(t testing.TB, addr string) {
	t.Helper()
	waitAnswer(t, addr, "PING\r\n", func(line string) bool {
		return strings.HasPrefix(line, "+PONG") || strings.HasPrefix(line, "-NOAUTH") || strings.HasPrefix(line, "-LOADING")
	})
}

// waitAnswer sends probe to addr on a new connection until the first line
// of the reply satisfies ready; it fails the test after 10 s.
func waitAnswer(t testing.TB, addr, probe string, ready func(line string) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.SetDeadline(time.Now().Add(time.Second))
			c.Write([]byte(probe))
			line, err := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if err == nil && ready(line) {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not become ready", addr)
}

// Conn is a plain RESP client connection for tests.
type Conn struct {
	t    testing.TB
	conn net.Conn
	rd   *resp.Reader
	Addr string
}

// Dial connects to addr; the connection closes when the test ends.
func Dial(t testing.TB, addr string) *Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &Conn{t: t, conn: c, rd: resp.NewReader(c, resp.Limits{}), Addr: addr}
}

// Do sends one command and reads its reply. Network errors fail the test.
func (c *Conn) Do(args ...string) resp.Value {
	c.t.Helper()
	v, err := c.DoErr(args...)
	if err != nil {
		c.t.Fatalf("%s: %v: %v", c.Addr, args, err)
	}
	return v
}

// DoErr is Do returning the network error instead of failing.
func (c *Conn) DoErr(args ...string) (resp.Value, error) {
	if err := c.Send(args...); err != nil {
		return resp.Value{}, err
	}
	return c.Read()
}

// Send writes one command without reading the reply.
func (c *Conn) Send(args ...string) error {
	c.conn.SetDeadline(time.Now().Add(10 * time.Second))
	_, err := c.conn.Write(resp.AppendCommand(nil, args...))
	return err
}

// Read reads one reply.
func (c *Conn) Read() (resp.Value, error) {
	c.conn.SetDeadline(time.Now().Add(10 * time.Second))
	return c.rd.ReadReply()
}

// WriteRaw writes raw bytes (malformed frames, inline commands).
func (c *Conn) WriteRaw(p []byte) error {
	c.conn.SetDeadline(time.Now().Add(10 * time.Second))
	_, err := c.conn.Write(p)
	return err
}

// ReadAll reads until the server closes the connection (or 2 s pass).
func (c *Conn) ReadAll() ([]byte, error) {
	c.conn.SetDeadline(time.Now().Add(2 * time.Second))
	return io.ReadAll(c.conn)
}

// Close closes the connection.
func (c *Conn) Close() error { return c.conn.Close() }

// Pair is a slotcache node and a real redis-server given the same commands.
type Pair struct {
	t             testing.TB
	Node, Redis   *Conn
	NodeAddr      string
	RedisAddr     string
	NodeServer    *node.Server
	normalizeFunc func(args []string, v resp.Value) resp.Value
}

// NewPair starts a node and a redis-server and connects to both.
func NewPair(t testing.TB) *Pair {
	t.Helper()
	raddr := StartRedis(t)
	naddr, srv := StartNode(t, nil)
	return &Pair{t: t, Node: Dial(t, naddr), Redis: Dial(t, raddr), NodeAddr: naddr, RedisAddr: raddr, NodeServer: srv}
}

// Normalize sets a function applied to both replies before they are
// compared (for replies that legitimately differ, such as timestamps).
func (p *Pair) Normalize(f func(args []string, v resp.Value) resp.Value) { p.normalizeFunc = f }

// Check sends args to both servers and fails the test when the replies
// differ. It returns the node's reply.
func (p *Pair) Check(args ...string) resp.Value {
	p.t.Helper()
	nv := p.Node.Do(args...)
	rv := p.Redis.Do(args...)
	if p.normalizeFunc != nil {
		nv, rv = p.normalizeFunc(args, nv), p.normalizeFunc(args, rv)
	}
	if !Equal(nv, rv) {
		p.t.Errorf("%s:\n  slotcache: %s\n  redis:     %s", Quote(args), nv, rv)
	}
	return nv
}

// CheckAll runs Check on each command in turn.
func (p *Pair) CheckAll(cmds [][]string) {
	p.t.Helper()
	for _, c := range cmds {
		p.Check(c...)
	}
}

// Equal reports whether two replies are the same, element by element.
func Equal(a, b resp.Value) bool {
	if a.Type != b.Type || a.Null != b.Null || a.Int != b.Int || string(a.Str) != string(b.Str) || len(a.Elems) != len(b.Elems) {
		return false
	}
	for i := range a.Elems {
		if !Equal(a.Elems[i], b.Elems[i]) {
			return false
		}
	}
	return true
}

// Quote renders a command for failure messages.
func Quote(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = strconv.Quote(a)
	}
	return fmt.Sprint(q)
}
