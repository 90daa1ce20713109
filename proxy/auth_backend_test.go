package proxy

import (
	"strings"
	"testing"
	"time"

	"github.com/slotcache/slotcache/node"
	"github.com/slotcache/slotcache/node/nodetest"
)

// startPassNodes starts n nodes that require password pw.
func startPassNodes(t *testing.T, n int, pw string) []string {
	t.Helper()
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i], _ = nodetest.StartNode(t, func(c *node.Config) { c.RequirePass = pw })
	}
	return addrs
}

func TestBackendPassword(t *testing.T) {
	nodes := startPassNodes(t, 2, "npw")
	addr, _ := startProxy(t, StaticMap{staticMap(t, nodes)}, func(c *Config) {
		c.Backend.Password = "npw"
		c.RequirePass = "cpw" // the clients' password is another one
	})
	c := nodetest.Dial(t, addr)
	if v := c.Do("AUTH", "npw"); v.String() != "(error) WRONGPASS invalid username-password pair or user is disabled." {
		t.Fatalf("AUTH with the nodes' password: %s", v)
	}
	c.Do("AUTH", "cpw")
	// the first commands are pipelined behind the connections' AUTH
	var frame []byte
	for _, cmd := range [][]string{{"SET", "a", "1"}, {"SET", "b", "2"}, {"MGET", "a", "b", "c"}, {"DBSIZE"}} {
		frame = append(frame, appendCommand(nil, toArgs(cmd))...)
	}
	if err := c.WriteRaw(frame); err != nil {
		t.Fatal(err)
	}
	want := []string{"OK", "OK", "1) \"1\"\n2) \"2\"\n3) (nil)", "(integer) 2"}
	for i, w := range want {
		v, err := c.Read()
		if err != nil || v.String() != w {
			t.Fatalf("reply %d: %s, %v; want %s", i, v, err, w)
		}
	}
}

// TestBackendUserAgainstRedis authenticates as an ACL user of a real
// redis-server.
func TestBackendUserAgainstRedis(t *testing.T) {
	raddr := nodetest.StartRedis(t, "--requirepass", "admin")
	rc := nodetest.Dial(t, raddr)
	rc.Do("AUTH", "admin")
	if v := rc.Do("ACL", "SETUSER", "proxy", "on", ">ppw", "~*", "+@all"); v.IsError() {
		t.Fatal(v)
	}
	addr, _ := startProxy(t, StaticMap{staticMap(t, []string{raddr})}, func(c *Config) {
		c.Backend.Username, c.Backend.Password = "proxy", "ppw"
	})
	c := nodetest.Dial(t, addr)
	if v := c.Do("SET", "k", "v"); v.String() != "OK" {
		t.Fatalf("SET: %s", v)
	}
	if v := rc.Do("GET", "k"); v.String() != `"v"` {
		t.Fatalf("GET on redis: %s", v)
	}
	// the proxy's connections are the user's
	if v := rc.Do("CLIENT", "LIST"); strings.Count(v.String(), " user=proxy ") == 0 {
		t.Fatalf("CLIENT LIST: %s", v)
	}
}

// TestBackendWrongPassword: a refused AUTH gives clients a clear error at
// once, again and again, never a hang.
func TestBackendWrongPassword(t *testing.T) {
	for _, pw := range []string{"wrong", ""} {
		t.Run("password="+pw, func(t *testing.T) {
			nodes := startPassNodes(t, 1, "npw")
			addr, _ := startProxy(t, StaticMap{staticMap(t, nodes)}, func(c *Config) {
				c.Backend.Password = pw
				c.Backend.MinBackoff = 5 * time.Millisecond
			})
			c := nodetest.Dial(t, addr)
			want := "(error) ERR backend unavailable: " + nodes[0] + " (AUTH refused: WRONGPASS invalid username-password pair or user is disabled.)"
			if pw == "" {
				want = "(error) NOAUTH Authentication required." // no AUTH sent: the node's own reply
			}
			for i := range 20 {
				if v := c.Do("GET", "k"); v.String() != want { // within the 10 s deadline of Do
					t.Fatalf("GET %d: %s, want %s", i, v, want)
				}
			}
		})
	}
}

func toArgs(ss []string) [][]byte {
	b := make([][]byte, len(ss))
	for i, s := range ss {
		b[i] = []byte(s)
	}
	return b
}

// TestConfigGetHidesNodeSecrets: CONFIG GET through the proxy never shows
// the nodes' passwords; other parameters come back as the node gives them.
func TestConfigGetHidesNodeSecrets(t *testing.T) {
	nodes := startPassNodes(t, 1, "npw")
	addr, _ := startProxy(t, StaticMap{staticMap(t, nodes)}, func(c *Config) { c.Backend.Password = "npw" })
	c := nodetest.Dial(t, addr)
	n := nodetest.Dial(t, nodes[0])
	n.Do("AUTH", "npw")
	for _, tc := range []struct {
		args []string
		same bool // the node's reply unchanged
	}{
		{[]string{"CONFIG", "GET", "requirepass"}, false},
		{[]string{"CONFIG", "GET", "*pass*"}, false},
		{[]string{"CONFIG", "GET", "*"}, false},
		{[]string{"CONFIG", "GET", "maxmemory"}, true},
		{[]string{"CONFIG", "GET", "maxmemory", "requirepass", "port"}, false},
		{[]string{"CONFIG", "GET"}, true},
	} {
		pv, nv := c.Do(tc.args...), n.Do(tc.args...)
		if strings.Contains(pv.String(), "npw") || strings.Contains(strings.ToLower(pv.String()), `"requirepass"`) {
			t.Fatalf("%s through the proxy: %s", nodetest.Quote(tc.args), pv)
		}
		if tc.same != nodetest.Equal(pv, nv) {
			t.Fatalf("%s:\n  proxy: %s\n  node: %s", nodetest.Quote(tc.args), pv, nv)
		}
		if !tc.same && !pv.IsError() && len(pv.Elems) != len(nv.Elems)-2 {
			t.Fatalf("%s: %d elements, node %d", nodetest.Quote(tc.args), len(pv.Elems), len(nv.Elems))
		}
	}
}

// TestBackendPasswordResp3: the RESP3 pools toward password nodes say AUTH
// before HELLO 3, which the nodes refuse to unauthenticated connections.
func TestBackendPasswordResp3(t *testing.T) {
	nodes := startPassNodes(t, 2, "npw")
	addr, _ := startProxy(t, StaticMap{staticMap(t, nodes)}, func(c *Config) { c.Backend.Password = "npw" })
	c := nodetest.Dial(t, addr)
	if v := c.Do("HELLO", "3"); v.Type != '%' {
		t.Fatalf("HELLO 3: %s", v)
	}
	c.Do("HSET", "h", "f", "v")
	if v := c.Do("HGETALL", "h"); v.Type != '%' || len(v.Elems) != 2 || string(v.Elems[0].Str) != "f" || string(v.Elems[1].Str) != "v" {
		t.Fatalf("HGETALL h in RESP3: %c %s", v.Type, v)
	}
}

// TestBackendPasswordDedicated: the dedicated connections of blocking
// commands, WATCH and subscriptions authenticate to password-protected
// nodes as the pools' connections do; a wrong password fails them with the
// backend error, not a hang.
func TestBackendPasswordDedicated(t *testing.T) {
	nodes := startPassNodes(t, 2, "npw")
	addr, _ := startProxy(t, StaticMap{staticMap(t, nodes)}, func(c *Config) { c.Backend.Password = "npw" })
	c := nodetest.Dial(t, addr)
	c.Do("RPUSH", "q", "x")
	if v := c.Do("BLPOP", "q", "1"); v.String() != "1) \"q\"\n2) \"x\"" {
		t.Fatalf("BLPOP: %s", v)
	}
	c.Do("WATCH", "w")
	c.Do("MULTI")
	c.Do("INCR", "w")
	if v := c.Do("EXEC"); v.String() != "1) (integer) 1" {
		t.Fatalf("EXEC after WATCH: %s", v)
	}
	sub := nodetest.Dial(t, addr)
	if v := sub.Do("SUBSCRIBE", "ch"); v.IsError() || len(v.Elems) != 3 {
		t.Fatalf("SUBSCRIBE: %s", v)
	}
	if v := c.Do("PUBLISH", "ch", "hi"); v.Int != 1 {
		t.Fatalf("PUBLISH reached %d subscribers", v.Int)
	}
	if v, err := sub.Read(); err != nil || len(v.Elems) != 3 || string(v.Elems[2].Str) != "hi" {
		t.Fatalf("message: %s %v", v, err)
	}

	bad, _ := startProxy(t, StaticMap{staticMap(t, nodes)}, func(c *Config) { c.Backend.Password = "wrong" })
	b := nodetest.Dial(t, bad)
	for _, cmd := range [][]string{{"BLPOP", "q", "1"}, {"WATCH", "w"}, {"SUBSCRIBE", "ch"}} {
		v := b.Do(cmd...)
		if !v.IsError() || !strings.Contains(string(v.Str), "backend unavailable") || !strings.Contains(string(v.Str), "AUTH refused") {
			t.Errorf("%v with a wrong backend password: %s", cmd, v)
		}
	}
}
