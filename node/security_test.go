package node_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slotcache/slotcache/node"
	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
)

// checkBoth sends each command to both connections and compares replies.
// HELLO replies carry the connection id, which is blanked.
func checkBoth(t *testing.T, n, r *nodetest.Conn, cmds [][]string) {
	t.Helper()
	for _, args := range cmds {
		nv, rv := n.Do(args...), r.Do(args...)
		if strings.EqualFold(args[0], "hello") && !nv.IsError() && !rv.IsError() {
			nv, rv = blankHelloID(nv), blankHelloID(rv)
		}
		if !nodetest.Equal(nv, rv) {
			t.Errorf("%s:\n  slotcache: %s\n  redis:     %s", nodetest.Quote(args), nv, rv)
		}
	}
}

func blankHelloID(v resp.Value) resp.Value {
	out := v
	out.Elems = append([]resp.Value(nil), v.Elems...)
	for i := 0; i+1 < len(out.Elems); i += 2 {
		if string(out.Elems[i].Str) == "id" {
			out.Elems[i+1] = resp.Value{Type: ':'}
		}
	}
	return out
}

func TestDiffRequirePass(t *testing.T) {
	raddr := nodetest.StartRedis(t, "--requirepass", "s3cret")
	naddr, _ := nodetest.StartNode(t, func(cfg *node.Config) { cfg.RequirePass = "s3cret" })
	n, r := nodetest.Dial(t, naddr), nodetest.Dial(t, raddr)
	checkBoth(t, n, r, [][]string{
		{"PING"},
		{"GET", "x"},
		{"CONFIG", "GET", "maxmemory"},
		{"AUTH", "wrong"},
		{"AUTH", "default", "wrong"},
		{"AUTH", "nobody", "s3cret"},
		{"AUTH"},
		{"AUTH", "a", "b", "c"},
		{"HELLO", "3"},
		{"HELLO", "2", "AUTH", "default", "wrong"},
		{"HELLO", "2", "AUTH", "default"},
		{"AUTH", "s3cret"},
		{"GET", "x"},
		{"RESET"},
		{"GET", "x"},
		{"AUTH", "default", "s3cret"},
		{"GET", "x"},
		{"RESET"},
		{"HELLO", "2", "AUTH", "default", "s3cret"},
		{"GET", "x"},
		{"CONFIG", "SET", "requirepass", "other"},
		{"GET", "x"},
		{"AUTH", "s3cret"},
		{"AUTH", "other"},
		{"CONFIG", "SET", "requirepass", "s3cret"},
	})
	// A new connection uses the password in force now.
	n2, r2 := nodetest.Dial(t, naddr), nodetest.Dial(t, raddr)
	checkBoth(t, n2, r2, [][]string{{"GET", "x"}, {"AUTH", "other"}, {"AUTH", "s3cret"}, {"GET", "x"}})
	// Removing the password lets connections that never authenticated in.
	n3, r3 := nodetest.Dial(t, naddr), nodetest.Dial(t, raddr)
	checkBoth(t, n3, r3, [][]string{{"GET", "x"}})
	checkBoth(t, n, r, [][]string{{"CONFIG", "SET", "requirepass", ""}})
	checkBoth(t, n3, r3, [][]string{{"GET", "x"}, {"HELLO", "2"}, {"AUTH", "x"}})
}

// exchange writes payload on a fresh connection and returns what the server
// sent until it closed the connection or stayed quiet for 400 ms.
func exchange(t *testing.T, addr string, payload []byte) (out []byte, closed bool) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if len(payload) > 0 {
		if _, err := c.Write(payload); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 64<<10)
	for {
		c.SetReadDeadline(time.Now().Add(400 * time.Millisecond))
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return out, false
			}
			return out, true
		}
	}
}

func compareExchange(t *testing.T, naddr, raddr string, payload []byte) {
	t.Helper()
	nout, nclosed := exchange(t, naddr, payload)
	rout, rclosed := exchange(t, raddr, payload)
	if !bytes.Equal(nout, rout) || nclosed != rclosed {
		t.Errorf("%.60q:\n  slotcache: %q closed=%v\n  redis:     %q closed=%v", payload, nout, nclosed, rout, rclosed)
	}
}

func TestDiffPreAuthLimits(t *testing.T) {
	raddr := nodetest.StartRedis(t, "--requirepass", "pw")
	naddr, _ := nodetest.StartNode(t, func(cfg *node.Config) { cfg.RequirePass = "pw" })
	big := "*2\r\n$4\r\nAUTH\r\n$20480\r\n" + strings.Repeat("x", 20480) + "\r\n"
	for _, payload := range []string{
		"*11\r\n",
		"*10\r\n",
		big,
		"*1\r\n$16384\r\n",
		"*1\r\n$16385\r\n",
		"*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*11\r\n$4\r\nPING\r\n",
		"*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n" + big,
	} {
		compareExchange(t, naddr, raddr, []byte(payload))
	}
}

func TestDiffProtocolErrors(t *testing.T) {
	raddr := nodetest.StartRedis(t)
	naddr, _ := nodetest.StartNode(t, nil)
	for _, payload := range []string{
		"*-10\r\nPING\r\n",
		"*0\r\nPING\r\n",
		"*3000000000\r\n",
		"*1\r\n$-10\r\n",
		"*1\r\n$abc\r\n",
		"*abc\r\n",
		"*1\r\n$600000000\r\n",
		"set \"a\r\n",
		"set 'a\r\n",
		"set \"a\"b\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"\r\n\r\nPING\r\n",
		"PING\nPING\n",
		strings.Repeat("a", 70000),
		"*2\r\n$4\r\nECHO\r\n$1\r\nab\r\n",
		"CLIENT REPLY OFF\r\nPING\r\nCLIENT REPLY SKIP\r\nPING\r\nCLIENT REPLY ON\r\nPING\r\nCLIENT REPLY SKIP\r\nPING\r\nPING\r\nCLIENT REPLY x\r\nCLIENT REPLY\r\n",
		"CLIENT REPLY SKIP\r\nNOSUCH\r\nPING\r\nCLIENT REPLY OFF\r\nNOSUCH\r\nCLIENT REPLY ON\r\n",
		// a reply is flushed while the next command is still incomplete
		"PING\r\n*2\r\n$4\r\nECHO\r\n",
	} {
		compareExchange(t, naddr, raddr, []byte(payload))
	}
}

func TestDiffMaxClients(t *testing.T) {
	raddr := nodetest.StartRedis(t, "--maxclients", "2")
	naddr, _ := nodetest.StartNode(t, func(cfg *node.Config) { cfg.MaxClients = 2 })
	for _, addr := range []string{naddr, raddr} {
		a, b := nodetest.Dial(t, addr), nodetest.Dial(t, addr)
		a.Do("PING")
		b.Do("PING")
	}
	compareExchange(t, naddr, raddr, []byte("PING\r\n"))
}

func TestDiffIdleTimeout(t *testing.T) {
	raddr := nodetest.StartRedis(t, "--timeout", "1")
	naddr, _ := nodetest.StartNode(t, func(cfg *node.Config) { cfg.Timeout = time.Second })
	for _, addr := range []string{naddr, raddr} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// Redis checks idle clients in its cron with one-second clock
		// resolution: a 1 s timeout closes after 1 to 3 s.
		c.SetDeadline(time.Now().Add(5 * time.Second))
		start := time.Now()
		out, err := io.ReadAll(c)
		if err != nil || len(out) != 0 {
			t.Errorf("%s: idle client: read %q, %v; want a silent close", addr, out, err)
		}
		if d := time.Since(start); d < 900*time.Millisecond || d > 3500*time.Millisecond {
			t.Errorf("%s: idle client closed after %v, want 1 to 3 s", addr, d)
		}
	}
}

// nonLoopbackIP returns an IPv4 address of this machine outside loopback.
func nonLoopbackIP(t *testing.T) string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Skip(err)
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil {
			return ipn.IP.String()
		}
	}
	t.Skip("no non-loopback IPv4 address on this machine")
	return ""
}

// startRedisOn starts redis-server listening on ip only and waits until it
// answers (DENIED counts as an answer).
func startRedisOn(t *testing.T, ip string, extra ...string) string {
	t.Helper()
	bin := nodetest.RequirePeer(t, "redis-server")
	port := nodetest.FreePort(t)
	args := append([]string{"--port", strconv.Itoa(port), "--bind", ip, "--save", "", "--dir", t.TempDir()}, extra...)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := net.JoinHostPort(ip, strconv.Itoa(port))
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			continue
		}
		c.SetDeadline(time.Now().Add(time.Second))
		c.Write([]byte("PING\r\n"))
		line, err := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if err == nil && line != "" {
			return addr
		}
	}
	t.Fatalf("redis-server on %s did not start", addr)
	return ""
}

// startNodeOn serves a node with cfg on ip.
func startNodeOn(t *testing.T, ip string, mutate func(*node.Config)) string {
	t.Helper()
	cfg := node.DefaultConfig()
	cfg.Dir = t.TempDir()
	if mutate != nil {
		mutate(&cfg)
	}
	srv, err := node.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

func TestDiffProtectedMode(t *testing.T) {
	ip := nonLoopbackIP(t)
	t.Run("no password", func(t *testing.T) {
		// Both refuse with DENIED and close; the node's text is the one of
		// the operator notes (Redis's classic wording), Redis 7.0 words it
		// slightly differently.
		raddr := startRedisOn(t, ip)
		naddr := startNodeOn(t, ip, nil)
		for _, tc := range []struct{ addr, want string }{
			{naddr, "-" + seedDeniedText + "\r\n"},
			{raddr, "-DENIED Redis is running in protected mode"},
		} {
			c := nodetest.Dial(t, tc.addr)
			c.WriteRaw([]byte("PING\r\n"))
			got, _ := c.ReadAll()
			if !strings.HasPrefix(string(got), tc.want) {
				t.Errorf("%s answered %q, want %q", tc.addr, got, tc.want)
			}
		}
	})
	t.Run("with password", func(t *testing.T) {
		raddr := startRedisOn(t, ip, "--requirepass", "pw")
		naddr := startNodeOn(t, ip, func(cfg *node.Config) { cfg.RequirePass = "pw" })
		compareExchange(t, naddr, raddr, []byte("PING\r\nAUTH pw\r\nPING\r\n"))
	})
	t.Run("protected-mode no", func(t *testing.T) {
		raddr := startRedisOn(t, ip, "--protected-mode", "no")
		naddr := startNodeOn(t, ip, func(cfg *node.Config) { cfg.ProtectedMode = false })
		compareExchange(t, naddr, raddr, []byte("PING\r\n"))
	})
}

// seedTranscript is the redis-cli session of the project's seed notes
// (strings, keys, CONFIG, SLOWLOG), replayed line by line.
var seedTranscript = []string{
	"set key1 value1",
	"get key1",
	"KEYS *", // while one key exists: KEYS order is the hash table's
	"TYPE key1",
	"DEL key1",
	"get key1",
	"MSET key1 value1 key2 value2",
	"APPEND key1 append",
	"get key1",
	"set num 10",
	"INCR num",
	"get num",
	"set num 10",
	"DECR num",
	"get num",
	"STRLEN key1",
	"CONFIG set maxmemory 8589934592",
	"CONFIG get maxmemory",
	"DBSIZE",
	"SELECT 1",
	"DBSIZE",
	"set k1 v1",
	"FLUSHDB",
	"DBSIZE",
	"SELECT 0",
	"FLUSHALL",
	"DBSIZE",
	"SLOWLOG RESET",
	"SLOWLOG LEN",
	"CONFIG SET requirepass 123456",
	"get key1",
}

// seedTranscriptOwn is the part of the transcript that needs only the
// commands of the connection, server and basic string families.
var seedTranscriptOwn = []string{
	"set key1 value1",
	"get key1",
	"DEL key1",
	"get key1",
	"CONFIG set maxmemory 8589934592",
	"CONFIG get maxmemory",
	"SELECT 1",
	"SELECT 0",
	"SLOWLOG RESET",
	"SLOWLOG LEN",
	"CONFIG SET requirepass 123456",
	"get key1",
}

// runCLI feeds lines to redis-cli on stdin and returns its output.
func runCLI(t *testing.T, addr string, lines []string, extra ...string) string {
	t.Helper()
	bin := nodetest.RequirePeer(t, "redis-cli")
	host, port, _ := net.SplitHostPort(addr)
	args := append([]string{"-h", host, "-p", port, "--no-raw"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli: %v\n%s", err, out)
	}
	return string(out)
}

func replayTranscript(t *testing.T, lines []string) {
	raddr := nodetest.StartRedis(t)
	naddr, _ := nodetest.StartNode(t, nil)
	nout, rout := runCLI(t, naddr, lines), runCLI(t, raddr, lines)
	if nout != rout {
		t.Errorf("redis-cli transcript differs:\n--- slotcache\n%s\n--- redis\n%s", nout, rout)
	}
	// The password set by the transcript applies to new connections.
	after := []string{"get key1", "CONFIG get maxmemory"}
	nout, rout = runCLI(t, naddr, after), runCLI(t, raddr, after)
	if nout != rout {
		t.Errorf("after requirepass:\n--- slotcache\n%s\n--- redis\n%s", nout, rout)
	}
	nout, rout = runCLI(t, naddr, after, "-a", "123456", "--no-auth-warning"), runCLI(t, raddr, after, "-a", "123456", "--no-auth-warning")
	if nout != rout {
		t.Errorf("redis-cli -a:\n--- slotcache\n%s\n--- redis\n%s", nout, rout)
	}
}

func TestRedisCLITranscriptOwn(t *testing.T) { replayTranscript(t, seedTranscriptOwn) }

// TestRedisCLITranscript replays the whole transcript; it needs the string
// and keyspace commands, and is skipped while some are not in the build.
func TestRedisCLITranscript(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	c := nodetest.Dial(t, addr)
	var missing []string
	for _, name := range []string{"type", "mset", "append", "incr", "decr", "strlen", "keys", "dbsize", "flushdb", "flushall"} {
		if v := c.Do("COMMAND", "INFO", name); len(v.Elems) != 1 || v.Elems[0].Null {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Skipf("commands not in this build: %v", missing)
	}
	replayTranscript(t, seedTranscript)
}

// seedDeniedText is the protected-mode refusal of the operator notes,
// section 3.1.2.3.
const seedDeniedText = "DENIED Redis is running in protected mode because protected mode is enabled, no bind address was specified, no authentication password is requested to clients. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a bind address or an authentication password. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside."
