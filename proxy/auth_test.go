package proxy

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
)

// authScripts are command sequences, each run on a fresh connection to the
// proxy and to a redis-server configured alike: requirepass pw, a user ro
// that may only read (+@read there, ReadOnly here) and a user rw.
var authScripts = [][][]string{
	{ // before AUTH
		{"GET", "k"}, {"SET", "k", "v"}, {"ECHO", "x"}, {"PING"}, {"CONFIG", "GET", "maxmemory"},
		{"FOO", "a", "b"}, {"SET", "k"}, {"ACL", "WHOAMI"}, {"CLIENT", "ID"}, {"READONLY"},
		{"AUTH"}, {"AUTH", "wrong"}, {"AUTH", "a", "b", "c"}, {"AUTH", "nouser", "x"},
		{"AUTH", "default", "wrong"}, {"AUTH", "ro", "wrong"}, {"AUTH", "ro", "pw"},
		{"HELLO"}, {"HELLO", "2"}, {"HELLO", "2", "SETNAME", "x"},
		{"HELLO", "2", "AUTH", "default", "wrong"}, {"HELLO", "2", "AUTH", "nouser", "pw"},
		{"HELLO", "2", "AUTH", "default"}, {"GET", "k"},
	},
	{ // the default user
		{"AUTH", "pw"}, {"SET", "k", "v"}, {"GET", "k"}, {"ACL", "WHOAMI"},
		{"AUTH", "wrong"}, {"GET", "k"}, {"AUTH", "default", "pw"}, {"MSET", "a", "1", "b", "2"},
		{"RESET"}, {"GET", "k"}, {"AUTH", "default", "pw"}, {"GET", "k"},
		{"HELLO", "2", "AUTH", "ro", "ropw"}, {"SET", "k", "v"}, {"GET", "k"},
		{"HELLO", "2", "AUTH", "ro", "bad"}, {"SET", "k", "v"}, {"RESET"}, {"HELLO", "2"},
		{"HELLO", "2", "AUTH", "default", "pw", "SETNAME", "bad name"}, {"GET", "k"},
	},
	{ // a read-only user
		{"AUTH", "ro", "ropw"}, {"GET", "k"}, {"SET", "k", "v2"}, {"GET", "k"}, {"DEL", "k"},
		{"INCR", "n"}, {"MSET", "a", "1", "b", "2"}, {"MGET", "a", "b", "k"}, {"EXISTS", "k", "a"},
		{"SET", "k"}, {"LPUSH", "l", "x"}, {"LRANGE", "l", "0", "-1"}, {"HSET", "h", "f", "v"},
		{"HGET", "h", "f"}, {"EXPIRE", "k", "10"}, {"TTL", "k"}, {"FLUSHALL"}, {"UNLINK", "k"},
		{"SETNX", "k", "v"}, {"STRLEN", "k"}, {"AUTH", "ro", "wrong"}, {"SET", "k", "v"},
		{"AUTH", "rw", "rwpw"}, {"SET", "k", "v3"}, {"GET", "k"}, {"ACL", "WHOAMI"},
		{"AUTH", "ro", "ropw"}, {"GETDEL", "k"}, {"GETEX", "k", "PX", "10"},
	},
}

// startAuthProxy starts a proxy over two nodes with requirepass pw and the
// users ro (read-only) and rw.
func startAuthProxy(t *testing.T) string {
	t.Helper()
	nodes := startNodes(t, 2)
	addr, _ := startProxy(t, StaticMap{staticMap(t, nodes)}, func(c *Config) {
		c.RequirePass = "pw"
		c.Users = []User{{Name: "ro", Password: "ropw", ReadOnly: true}, {Name: "rw", Password: "rwpw"}}
	})
	return addr
}

// startAuthRedis starts a redis-server configured as startAuthProxy.
func startAuthRedis(t *testing.T) string {
	t.Helper()
	addr := nodetest.StartRedis(t, "--requirepass", "pw")
	c := nodetest.Dial(t, addr)
	for _, cmd := range [][]string{
		{"AUTH", "pw"},
		{"ACL", "SETUSER", "ro", "on", ">ropw", "~*", "+@read"},
		{"ACL", "SETUSER", "rw", "on", ">rwpw", "~*", "+@all"},
	} {
		if v := c.Do(cmd...); v.IsError() {
			t.Fatalf("%v: %s", cmd, v)
		}
	}
	c.Close()
	return addr
}

func TestAuthAgainstRedis(t *testing.T) {
	paddr := startAuthProxy(t)
	raddr := startAuthRedis(t)
	for si, script := range authScripts {
		pc, rc := nodetest.Dial(t, paddr), nodetest.Dial(t, raddr)
		for i, cmd := range script {
			pv, rv := pc.Do(cmd...), rc.Do(cmd...)
			if cmd[0] == "HELLO" && !rv.IsError() {
				// the maps differ (id, mode): compare their kind only
				if pv.Type != rv.Type {
					t.Fatalf("script %d step %d %s:\n  proxy: %s\n  redis: %s", si, i, nodetest.Quote(cmd), pv, rv)
				}
				continue
			}
			if !nodetest.Equal(pv, rv) {
				t.Fatalf("script %d step %d %s:\n  proxy: %s\n  redis: %s", si, i, nodetest.Quote(cmd), pv, rv)
			}
		}
	}
}

func TestAuthWithoutPasswordAgainstRedis(t *testing.T) {
	paddr, _ := startCluster(t, 1)
	raddr := nodetest.StartRedis(t)
	pc, rc := nodetest.Dial(t, paddr), nodetest.Dial(t, raddr)
	for _, cmd := range [][]string{
		{"AUTH", "x"}, {"AUTH", "default", "anything"}, {"AUTH", "nouser", "x"},
		{"AUTH"}, {"AUTH", "a", "b", "c"}, {"ACL", "WHOAMI"}, {"ACL", "WHOAMI", "x"}, {"ACL"},
		{"SET", "k", "v"}, {"GET", "k"},
	} {
		pv, rv := pc.Do(cmd...), rc.Do(cmd...)
		if !nodetest.Equal(pv, rv) {
			t.Fatalf("%s:\n  proxy: %s\n  redis: %s", nodetest.Quote(cmd), pv, rv)
		}
	}
}

// TestAuthUnauthenticatedLimits checks that the stricter pre-AUTH input
// limits apply, and stop applying after AUTH, as on redis-server.
func TestAuthUnauthenticatedLimits(t *testing.T) {
	paddr := startAuthProxy(t)
	raddr := startAuthRedis(t)
	big := resp.AppendCommand(nil, "ECHO", strings.Repeat("x", resp.UnauthMaxBulkLen+1))
	many := resp.AppendCommand(nil, strings.Split("MGET a b c d e f g h i j k", " ")...)
	for _, tc := range []struct {
		name  string
		frame []byte
	}{
		{"bulk", big},
		{"multibulk", many},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got [2][]byte
			for i, addr := range []string{paddr, raddr} {
				c := nodetest.Dial(t, addr)
				if err := c.WriteRaw(tc.frame); err != nil {
					t.Fatal(err)
				}
				got[i], _ = c.ReadAll()
			}
			if !bytes.Equal(got[0], got[1]) || !bytes.HasPrefix(got[0], []byte("-ERR Protocol error")) {
				t.Fatalf("proxy %q, redis %q", got[0], got[1])
			}
			// authenticated, the same frame is a command
			c := nodetest.Dial(t, paddr)
			c.Do("AUTH", "pw")
			if err := c.WriteRaw(tc.frame); err != nil {
				t.Fatal(err)
			}
			if v, err := c.Read(); err != nil || v.IsError() {
				t.Fatalf("after AUTH: %s, %v", v, err)
			}
		})
	}
}

func TestAuthClientListAndWhoami(t *testing.T) {
	paddr := startAuthProxy(t)
	c := nodetest.Dial(t, paddr)
	for _, tc := range []struct {
		cmd  []string
		want string
	}{
		{[]string{"HELLO", "2", "AUTH", "ro", "ropw", "SETNAME", "app"}, ""},
		{[]string{"ACL", "WHOAMI"}, "ro"},
		{[]string{"CLIENT", "INFO"}, "name=app"},
		{[]string{"CLIENT", "LIST"}, " user=ro "},
		{[]string{"ACL", "LIST"}, "ERR 'acl|list' is not supported through the slotcache proxy"},
		{[]string{"AUTH", "rw", "rwpw"}, "OK"},
		{[]string{"CLIENT", "INFO"}, " user=rw "},
		{[]string{"RESET"}, "RESET"},
		{[]string{"CLIENT", "INFO"}, "NOAUTH Authentication required."},
	} {
		v := c.Do(tc.cmd...)
		if !strings.Contains(v.String(), tc.want) {
			t.Fatalf("%s: %s, want %q in it", nodetest.Quote(tc.cmd), v, tc.want)
		}
	}
}

func TestAuthConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		users []User
		ok    bool
	}{
		{"ok", []User{{Name: "a", Password: "x"}, {Name: "b", Password: "y", ReadOnly: true}}, true},
		{"no name", []User{{Password: "x"}}, false},
		{"space", []User{{Name: "a b", Password: "x"}}, false},
		{"default", []User{{Name: "default", Password: "x"}}, false},
		{"no password", []User{{Name: "a"}}, false},
		{"twice", []User{{Name: "a", Password: "x"}, {Name: "a", Password: "y"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Users = tc.users
			if err := cfg.Validate(); (err == nil) != tc.ok {
				t.Fatalf("Validate: %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

// TestAuthRedisCli runs redis-cli with -a and --user against the proxy and
// a redis-server configured alike; the outputs must be equal.
func TestAuthRedisCli(t *testing.T) {
	cli := nodetest.RequirePeer(t, "redis-cli")
	paddr := startAuthProxy(t)
	raddr := startAuthRedis(t)
	for _, args := range [][]string{
		{"GET", "k"},
		{"-a", "pw", "SET", "k", "v"},
		{"-a", "wrong", "GET", "k"},
		{"--user", "ro", "--pass", "ropw", "GET", "k"},
		{"--user", "ro", "--pass", "ropw", "SET", "k", "w"},
		{"--user", "ro", "--pass", "ropw", "-3", "GET", "k"}, // HELLO 3 AUTH
		{"--user", "rw", "--pass", "rwpw", "DEL", "k"},
	} {
		var outs [2]string
		for i, addr := range []string{paddr, raddr} {
			host, port, _ := strings.Cut(addr, ":")
			out, _ := exec.Command(cli, append([]string{"-h", host, "-p", port, "--no-auth-warning"}, args...)...).CombinedOutput()
			outs[i] = strings.TrimSpace(string(out))
		}
		if outs[0] != outs[1] {
			t.Fatalf("redis-cli %q:\n  proxy: %q\n  redis: %q", args, outs[0], outs[1])
		}
	}
}

// TestAuthRejectedCalls: a command refused with NOAUTH or NOPERM counts as
// a rejected call of that command, as in redis-server.
func TestAuthRejectedCalls(t *testing.T) {
	paddr, raddr := startAuthProxy(t), startAuthRedis(t)
	for _, addr := range []string{paddr, raddr} {
		c := nodetest.Dial(t, addr)
		c.Do("GET", "k") // NOAUTH
		c.Do("AUTH", "ro", "ropw")
		c.Do("SET", "k", "v") // NOPERM
		adm := nodetest.Dial(t, addr)
		adm.Do("AUTH", "pw")
		stats := adm.Do("INFO", "commandstats").String()
		for _, want := range []string{"cmdstat_get:calls=0,", "cmdstat_set:calls=0,"} {
			i := strings.Index(stats, want)
			if i < 0 || !strings.HasPrefix(stats[strings.Index(stats[i:], "rejected_calls=")+i:], "rejected_calls=1,") {
				t.Fatalf("%s: no %s...rejected_calls=1 in\n%s", addr, want, stats)
			}
		}
	}
}
