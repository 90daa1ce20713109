package node_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slotcache/slotcache/node"
	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
)

func TestDiffConfig(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"CONFIG", "GET", "maxmemory"},
		{"CONFIG", "SET", "maxmemory", "8589934592"},
		{"CONFIG", "GET", "maxmemory"},
		{"CONFIG", "SET", "maxmemory", "1mb"},
		{"CONFIG", "GET", "maxmemory"},
		{"CONFIG", "SET", "maxmemory", "100kb"},
		{"CONFIG", "GET", "MAXMEMORY"},
		{"CONFIG", "SET", "maxmemory", "abc"},
		{"CONFIG", "SET", "maxmemory", "-1"},
		{"CONFIG", "SET", "foo", "1"},
		{"CONFIG", "SET", "maxmemory"},
		{"CONFIG", "SET", "maxmemory", "1", "bar"},
		{"CONFIG", "SET", "maxmemory", "1", "bar", "2"},
		{"CONFIG", "SET", "maxmemory", "1", "maxmemory", "2"},
		{"CONFIG", "SET", "databases", "3"},
		{"CONFIG", "SET", "timeout", "x"},
		{"CONFIG", "SET", "timeout", "-1"},
		{"CONFIG", "SET", "timeout", "0"},
		{"CONFIG", "GET", "timeout"},
		{"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"},
		{"CONFIG", "GET", "maxmemory-policy"},
		{"CONFIG", "SET", "maxmemory-policy", "nope"},
		{"CONFIG", "SET", "protected-mode", "maybe"},
		{"CONFIG", "SET", "hz", "0"},
		{"CONFIG", "GET", "hz"},
		{"CONFIG", "SET", "hz", "1000"},
		{"CONFIG", "GET", "hz"},
		{"CONFIG", "SET", "hz", "-1"},
		{"CONFIG", "SET", "maxclients", "0"},
		{"CONFIG", "GET", "maxmemory", "MAXMEMORY"},
		{"CONFIG", "SET", "hz", "20"},
		{"CONFIG", "GET", "hz"},
		{"CONFIG", "SET", "slowlog-max-len", "5", "slowlog-log-slower-than", "100"},
		{"CONFIG", "GET", "slowlog-max-len"},
		{"CONFIG", "GET", "slowlog-log-slower-than"},
		// all or nothing: the bad second value leaves maxmemory unchanged
		{"CONFIG", "SET", "maxmemory", "5mb", "timeout", "x"},
		{"CONFIG", "GET", "maxmemory"},
		{"CONFIG", "GET", "save"},
		{"CONFIG", "GET", "appendonly"},
		{"CONFIG", "GET", "nosuchparam"},
		{"CONFIG", "GET", "requirepass"},
		{"CONFIG", "GET"},
		{"CONFIG"},
		{"CONFIG", "FOO"},
		{"CONFIG", "RESETSTAT"},
		{"CONFIG", "RESETSTAT", "x"},
		{"CONFIG", "REWRITE"},
		{"CONFIG", "HELP"},
		{"CONFIG", "SET", "maxmemory", "0"},
	})
}

func TestConfigGetPatterns(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	c := nodetest.Dial(t, addr)
	v := c.Do("CONFIG", "GET", "max*", "hz", "maxclients")
	got := map[string]string{}
	for i := 0; i+1 < len(v.Elems); i += 2 {
		got[string(v.Elems[i].Str)] = string(v.Elems[i+1].Str)
	}
	want := map[string]string{"maxclients": "10000", "maxmemory": "0", "maxmemory-policy": "noeviction", "maxmemory-samples": "5", "hz": "10"}
	for k, val := range want {
		if got[k] != val {
			t.Errorf("CONFIG GET max* hz: %s = %q, want %q (all: %v)", k, got[k], val, got)
		}
	}
	if len(v.Elems) != 2*len(got) {
		t.Errorf("CONFIG GET returned a name twice: %v", v)
	}
	c.Do("HELLO", "3")
	if v := c.Do("CONFIG", "GET", "hz"); v.Type != '%' || len(v.Elems) != 2 {
		t.Errorf("CONFIG GET in RESP3 = %v (type %c), want a map", v, v.Type)
	}
}

func TestConfigSetApplies(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	c := nodetest.Dial(t, addr)
	if v := c.Do("CONFIG", "SET", "maxclients", "1"); string(v.Str) != "OK" {
		t.Fatalf("CONFIG SET maxclients 1 = %v", v)
	}
	c2 := nodetest.Dial(t, addr)
	out, _ := c2.ReadAll()
	if string(out) != "-ERR max number of clients reached\r\n" {
		t.Errorf("second client with maxclients 1 got %q", out)
	}
	c.Do("CONFIG", "SET", "maxclients", "10000")

	c.Do("CONFIG", "SET", "timeout", "1")
	idle := nodetest.Dial(t, addr)
	idle.Do("PING")
	start := time.Now()
	if _, err := idle.ReadAll(); err != nil {
		t.Errorf("idle client was not closed by timeout: %v", err)
	}
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Errorf("idle client closed after %v, before the 1 s timeout", d)
	}
	c = nodetest.Dial(t, addr)
	// A client idle in a read when the timeout is removed stays connected.
	waiting := nodetest.Dial(t, addr)
	waiting.Do("PING")
	c.Do("CONFIG", "SET", "timeout", "0")
	time.Sleep(1500 * time.Millisecond)
	if _, err := waiting.DoErr("PING"); err != nil {
		t.Errorf("client idle across CONFIG SET timeout 0 was closed: %v", err)
	}

	c.Do("CONFIG", "SET", "requirepass", "secret")
	c3 := nodetest.Dial(t, addr)
	if v := c3.Do("GET", "x"); !strings.HasPrefix(string(v.Str), "NOAUTH") {
		t.Errorf("GET after CONFIG SET requirepass = %v", v)
	}
	if v := c3.Do("AUTH", "secret"); string(v.Str) != "OK" {
		t.Errorf("AUTH secret = %v", v)
	}
	c.Do("CONFIG", "SET", "requirepass", "")
}

func TestConfigRewrite(t *testing.T) {
	file := filepath.Join(t.TempDir(), "slotcache.yaml")
	orig := "# node settings\nport: 7000\nbind:\n  - 127.0.0.1\n  - ::1\nlogfile: node.log\nmaxmemory: 100\n"
	if err := os.WriteFile(file, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	addr, _ := nodetest.StartNode(t, func(cfg *node.Config) { cfg.ConfigFile = file })
	c := nodetest.Dial(t, addr)
	c.Do("CONFIG", "SET", "maxmemory", "2mb", "timeout", "30")
	if v := c.Do("CONFIG", "REWRITE"); string(v.Str) != "OK" {
		t.Fatalf("CONFIG REWRITE = %v", v)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{"# node settings\n", "logfile: node.log\n", "maxmemory: \"2097152\"\n", "timeout: \"30\"\n", "bind: \"127.0.0.1\"\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("rewritten file lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "::1") || strings.Contains(text, "appendonly") || strings.Count(text, "maxmemory:") != 1 {
		t.Errorf("rewritten file keeps stale or constant entries:\n%s", text)
	}
}

func TestDiffClient(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"CLIENT", "GETNAME"},
		{"CLIENT", "SETNAME", "worker-1"},
		{"CLIENT", "GETNAME"},
		{"CLIENT", "SETNAME", "a b"},
		{"CLIENT", "SETNAME", "a\nb"},
		{"CLIENT", "SETNAME", ""},
		{"CLIENT", "GETNAME"},
		{"CLIENT", "SETNAME"},
		{"CLIENT", "ID", "x"},
		{"CLIENT", "INFO", "x"},
		{"CLIENT", "NO-EVICT", "on"},
		{"CLIENT", "NO-EVICT", "OFF"},
		{"CLIENT", "NO-EVICT", "x"},
		{"CLIENT", "NO-EVICT"},
		{"CLIENT", "KILL", "1.2.3.4:5"},
		{"CLIENT", "KILL", "ID", "999"},
		{"CLIENT", "KILL", "ID", "x"},
		{"CLIENT", "KILL", "ID", "0"},
		{"CLIENT", "KILL", "foo", "bar"},
		{"CLIENT", "KILL", "ADDR", "1.2.3.4:5", "SKIPME"},
		{"CLIENT", "KILL", "ADDR", "1.2.3.4:5", "SKIPME", "maybe"},
		{"CLIENT", "KILL", "TYPE", "foo"},
		{"CLIENT", "KILL", "TYPE", "pubsub"},
		{"CLIENT", "KILL", "USER", "nobody"},
		{"CLIENT", "KILL"},
		{"CLIENT", "LIST", "TYPE", "foo"},
		{"CLIENT", "LIST", "TYPE", "pubsub"},
		{"CLIENT", "LIST", "ID", "x"},
		{"CLIENT", "LIST", "ID", "99999"},
		{"CLIENT", "LIST", "foo"},
		{"CLIENT", "SETINFO", "LIB-NAME", "go-redis"},
		{"CLIENT", "FOO"},
		{"CLIENT"},
	})
}

// clientLineRE is the CLIENT LIST line layout of Redis 7.0.
var clientLineRE = regexp.MustCompile(`^id=\d+ addr=\S+ laddr=\S+ fd=-?\d+ name=\S* age=\d+ idle=\d+ flags=\w+ db=\d+ sub=0 psub=0 ssub=0 multi=-?\d+ qbuf=\d+ qbuf-free=\d+ argv-mem=\d+ multi-mem=0 rbs=\d+ rbp=\d+ obl=\d+ oll=\d+ omem=\d+ tot-mem=\d+ events=r cmd=\S+ user=default redir=-1 resp=[23]$`)

// clientFields parses one CLIENT LIST line into its fields, in order.
func clientFields(line string) (names []string, vals map[string]string) {
	vals = map[string]string{}
	for _, f := range strings.Fields(line) {
		k, v, _ := strings.Cut(f, "=")
		names = append(names, k)
		vals[k] = v
	}
	return names, vals
}

func TestClientListFormat(t *testing.T) {
	raddr := nodetest.StartRedis(t)
	naddr, _ := nodetest.StartNode(t, nil)
	var fieldOrder [2][]string
	for i, addr := range []string{naddr, raddr} {
		c := nodetest.Dial(t, addr)
		c.Do("CLIENT", "SETNAME", "me")
		c.Do("SELECT", "2")
		other := nodetest.Dial(t, addr)
		other.Do("PING")
		id := c.Do("CLIENT", "ID").Int
		info := strings.TrimSuffix(string(c.Do("CLIENT", "INFO").Str), "\n")
		names, vals := clientFields(info)
		fieldOrder[i] = names
		if !clientLineRE.MatchString(info) && i == 0 {
			t.Errorf("CLIENT INFO line %q does not match the Redis layout", info)
		}
		if vals["name"] != "me" || vals["db"] != "2" || vals["cmd"] != "client|info" || vals["id"] != itoa(id) || vals["flags"] != "N" {
			t.Errorf("%s: CLIENT INFO = %q", addr, info)
		}
		list := string(c.Do("CLIENT", "LIST").Str)
		lines := strings.Split(strings.TrimSuffix(list, "\n"), "\n")
		if len(lines) != 2 {
			t.Errorf("%s: CLIENT LIST has %d lines, want 2:\n%s", addr, len(lines), list)
		}
		for _, l := range lines {
			if i == 0 && !clientLineRE.MatchString(l) {
				t.Errorf("CLIENT LIST line %q does not match the Redis layout", l)
			}
		}
		one := string(c.Do("CLIENT", "LIST", "ID", itoa(id)).Str)
		if !strings.HasPrefix(one, "id="+itoa(id)+" ") || strings.Count(one, "\n") != 1 {
			t.Errorf("%s: CLIENT LIST ID %d = %q", addr, id, one)
		}
	}
	if !slices.Equal(fieldOrder[0], fieldOrder[1]) {
		t.Errorf("CLIENT INFO fields differ:\n  slotcache: %v\n  redis:     %v", fieldOrder[0], fieldOrder[1])
	}
}

func itoa(n int64) string { return resp.Value{Type: ':', Int: n}.String()[len("(integer) "):] }

func TestClientKill(t *testing.T) {
	for _, target := range []string{"redis", "node"} {
		t.Run(target, func(t *testing.T) {
			addr := nodetest.StartRedis(t)
			if target == "node" {
				addr, _ = nodetest.StartNode(t, nil)
			}
			killer := nodetest.Dial(t, addr)
			victim := nodetest.Dial(t, addr)
			victim.Do("CLIENT", "SETNAME", "victim")
			vid := victim.Do("CLIENT", "ID").Int
			vaddr := ""
			for _, l := range strings.Split(string(killer.Do("CLIENT", "LIST").Str), "\n") {
				if _, vals := clientFields(l); vals["name"] == "victim" {
					vaddr = vals["addr"]
				}
			}
			if v := killer.Do("CLIENT", "KILL", vaddr); string(v.Str) != "OK" {
				t.Fatalf("CLIENT KILL %s = %v", vaddr, v)
			}
			if _, err := victim.DoErr("PING"); err == nil {
				t.Errorf("killed client still answers")
			}
			v2 := nodetest.Dial(t, addr)
			id2 := v2.Do("CLIENT", "ID").Int
			if id2 == vid {
				t.Errorf("client id reused")
			}
			if v := killer.Do("CLIENT", "KILL", "ID", itoa(id2), "SKIPME", "yes"); v.Int != 1 {
				t.Errorf("CLIENT KILL ID = %v, want 1", v)
			}
			if v := killer.Do("CLIENT", "KILL", "ID", itoa(killer.Do("CLIENT", "ID").Int)); v.Int != 0 {
				t.Errorf("CLIENT KILL ID self (SKIPME yes) = %v, want 0", v)
			}
			// Killing itself replies first, then closes.
			if v := killer.Do("CLIENT", "KILL", "ID", itoa(killer.Do("CLIENT", "ID").Int), "SKIPME", "no"); v.Int != 1 {
				t.Errorf("CLIENT KILL self SKIPME no = %v, want 1", v)
			}
			if _, err := killer.DoErr("PING"); err == nil {
				t.Errorf("client that killed itself still answers")
			}
		})
	}
}

// stripTips removes the fields of a COMMAND INFO entry the node does not
// keep (command tips) and orders subcommands by name, since Redis lists
// them in hash table order.
func stripTips(v resp.Value) resp.Value {
	if v.Type != '*' || len(v.Elems) != 10 {
		return v
	}
	out := v
	out.Elems = slices.Clone(v.Elems)
	out.Elems[7] = resp.Value{Type: '*'}
	var subs []resp.Value
	for _, sc := range v.Elems[9].Elems {
		if !missingSubcommands[string(sc.Elems[0].Str)] {
			subs = append(subs, stripTips(sc))
		}
	}
	slices.SortFunc(subs, func(a, b resp.Value) int { return strings.Compare(string(a.Elems[0].Str), string(b.Elems[0].Str)) })
	out.Elems[9] = resp.Value{Type: '*', Elems: subs}
	return out
}

// missingSubcommands are Redis subcommands the node does not implement.
var missingSubcommands = map[string]bool{
	"client|trackinginfo": true, "client|getredir": true, "client|unblock": true,
	"client|tracking": true, "client|pause": true, "client|caching": true, "client|unpause": true,
	"command|getkeysandflags": true,
}

func TestDiffCommand(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Normalize(func(args []string, v resp.Value) resp.Value {
		if len(args) >= 2 && strings.EqualFold(args[0], "command") && strings.EqualFold(args[1], "info") {
			out := v
			out.Elems = slices.Clone(v.Elems)
			for i := range out.Elems {
				out.Elems[i] = stripTips(out.Elems[i])
			}
			return out
		}
		if len(args) >= 2 && strings.EqualFold(args[1], "list") {
			out := v
			out.Elems = slices.Clone(v.Elems)
			slices.SortFunc(out.Elems, func(a, b resp.Value) int { return strings.Compare(string(a.Str), string(b.Str)) })
			return out
		}
		return v
	})
	p.CheckAll([][]string{
		{"COMMAND", "INFO", "get", "nosuchcommand"},
		{"COMMAND", "INFO", "config", "client", "slowlog"},
		{"COMMAND", "INFO", "info", "time", "lastsave", "debug", "shutdown", "command"},
		{"COMMAND", "INFO", "config|get", "client|kill", "nosuch|sub"},
		{"COMMAND", "GETKEYS", "get", "a"},
		{"COMMAND", "GETKEYS", "get"},
		{"COMMAND", "GETKEYS", "get", "a", "b"},
		{"COMMAND", "GETKEYS", "nosuch", "a"},
		{"COMMAND", "GETKEYS", "ping", "x"},
		{"COMMAND", "GETKEYS", "del", "a", "b", "c"},
		{"COMMAND", "COUNT", "x"},
		{"COMMAND", "FOO"},
		{"COMMAND", "LIST", "FILTERBY", "PATTERN", "confi*"},
		{"COMMAND", "LIST", "FILTERBY", "MODULE", "x"},
		{"COMMAND", "LIST", "BAD"},
		{"COMMAND", "DOCS", "nosuchcommand"},
		{"COMMAND", "LIST", "FILTERBY", "PATTERN", "config|*"},
	})
}

func TestCommandTable(t *testing.T) {
	addr, srv := nodetest.StartNode(t, nil)
	_ = srv
	c := nodetest.Dial(t, addr)
	all := c.Do("COMMAND")
	count := c.Do("COMMAND", "COUNT").Int
	if int64(len(all.Elems)) != count {
		t.Errorf("COMMAND has %d entries, COMMAND COUNT says %d", len(all.Elems), count)
	}
	names := c.Do("COMMAND", "LIST")
	want := count
	for _, e := range all.Elems {
		if len(e.Elems) == 10 {
			want += int64(len(e.Elems[9].Elems))
		}
	}
	if int64(len(names.Elems)) != want {
		t.Errorf("COMMAND LIST has %d names, want %d (commands and subcommands)", len(names.Elems), want)
	}
	for _, e := range all.Elems {
		if len(e.Elems) != 10 || e.Elems[0].Type != '$' || e.Elems[1].Type != ':' {
			t.Fatalf("COMMAND entry is not in the Redis 7 layout: %v", e)
		}
	}
	docs := c.Do("COMMAND", "DOCS", "get", "config")
	if len(docs.Elems) != 4 || string(docs.Elems[0].Str) != "get" {
		t.Fatalf("COMMAND DOCS get config = %v", docs)
	}
	c.Do("HELLO", "3")
	if v := c.Do("COMMAND", "DOCS", "get"); v.Type != '%' {
		t.Errorf("COMMAND DOCS in RESP3 is %c, want a map", v.Type)
	}
}

func TestDiffSlowlogTimeDebug(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"SLOWLOG", "RESET"},
		{"SLOWLOG", "LEN"},
		{"SLOWLOG", "GET"},
		{"SLOWLOG", "GET", "x"},
		{"SLOWLOG", "GET", "-2"},
		{"SLOWLOG", "GET", "-1"},
		{"SLOWLOG", "GET", "1", "2"},
		{"SLOWLOG", "LEN", "x"},
		{"SLOWLOG", "FOO"},
		{"SLOWLOG", "HELP"},
		{"TIME", "x"},
		{"LASTSAVE", "x"},
		{"DEBUG"},
		{"DEBUG", "foo"},
		{"DEBUG", "object", "nokey"},
		{"DEBUG", "sleep", "0"},
		{"DEBUG", "set-active-expire", "0"},
		{"DEBUG", "set-active-expire", "x"},
		{"DEBUG", "set-active-expire", "1"},
		{"DEBUG", "set-active-expire"},
		{"SHUTDOWN", "ABORT"},
		{"SHUTDOWN", "foo"},
		{"SHUTDOWN", "SAVE", "NOSAVE"},
		{"INFO", "nosuchsection"},
	})
}

func TestSlowlogEntries(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	c := nodetest.Dial(t, addr)
	c.Do("CLIENT", "SETNAME", "slowpoke")
	c.Do("CONFIG", "SET", "slowlog-log-slower-than", "0")
	c.Do("SLOWLOG", "RESET")
	long := strings.Repeat("x", 200)
	c.Do("ECHO", long)
	e := c.Do("SLOWLOG", "GET", "1")
	if len(e.Elems) != 1 || len(e.Elems[0].Elems) != 6 {
		t.Fatalf("SLOWLOG GET 1 = %v", e)
	}
	ent := e.Elems[0].Elems
	if ent[3].Elems[0].Str == nil || string(ent[3].Elems[0].Str) != "ECHO" ||
		string(ent[3].Elems[1].Str) != strings.Repeat("x", 128)+"... (72 more bytes)" ||
		string(ent[5].Str) != "slowpoke" || !strings.HasPrefix(string(ent[4].Str), "127.0.0.1:") {
		t.Errorf("SLOWLOG entry = %v", e)
	}
	if d := time.Now().Unix() - ent[1].Int; d < 0 || d > 5 {
		t.Errorf("SLOWLOG timestamp %d is off", ent[1].Int)
	}
	if n := c.Do("SLOWLOG", "LEN").Int; n < 2 {
		t.Errorf("SLOWLOG LEN = %d, want at least 2", n)
	}
	c.Do("CONFIG", "SET", "slowlog-max-len", "1")
	if n := c.Do("SLOWLOG", "LEN").Int; n != 1 {
		t.Errorf("SLOWLOG LEN after slowlog-max-len 1 = %d", n)
	}
}

func TestDebugGate(t *testing.T) {
	raddr := nodetest.StartRedis(t, "--enable-debug-command", "no")
	naddr, _ := nodetest.StartNode(t, func(cfg *node.Config) { cfg.EnableDebugCommand = "no" })
	r := nodetest.Dial(t, raddr).Do("DEBUG", "SLEEP", "0")
	n := nodetest.Dial(t, naddr).Do("DEBUG", "SLEEP", "0")
	if !nodetest.Equal(r, n) {
		t.Errorf("DEBUG disabled:\n  slotcache: %v\n  redis:     %v", n, r)
	}
	laddr, _ := nodetest.StartNode(t, func(cfg *node.Config) { cfg.EnableDebugCommand = "local" })
	if v := nodetest.Dial(t, laddr).Do("DEBUG", "SLEEP", "0"); string(v.Str) != "OK" {
		t.Errorf("DEBUG from loopback with enable-debug-command local = %v", v)
	}
}

func TestDebugObject(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	c := nodetest.Dial(t, addr)
	c.Do("SET", "n", "12345")
	c.Do("SET", "s", "hello")
	for key, enc := range map[string]string{"n": "int", "s": "embstr"} {
		v := c.Do("DEBUG", "OBJECT", key)
		if !strings.Contains(string(v.Str), " encoding:"+enc+" ") {
			t.Errorf("DEBUG OBJECT %s = %v, want encoding %s", key, v, enc)
		}
	}
}

func TestInfo(t *testing.T) {
	raddr := nodetest.StartRedis(t)
	naddr, _ := nodetest.StartNode(t, nil)
	sections := func(info string) []string {
		var out []string
		for _, l := range strings.Split(info, "\r\n") {
			if strings.HasPrefix(l, "# ") {
				out = append(out, l)
			}
		}
		return out
	}
	nc, rc := nodetest.Dial(t, naddr), nodetest.Dial(t, raddr)
	nc.Do("SET", "k", "v")
	rc.Do("SET", "k", "v")
	for _, args := range [][]string{
		{"INFO"}, {"INFO", "default"}, {"INFO", "server"}, {"INFO", "SERVER", "clients"},
		{"INFO", "keyspace", "server"}, {"INFO", "commandstats"}, {"INFO", "everything"}, {"INFO", "nosuch"},
	} {
		n, r := string(nc.Do(args...).Str), string(rc.Do(args...).Str)
		// The node does not report Latencystats
		// are removed from Redis's list.
		var want []string
		for _, s := range sections(r) {
			if s != "# Latencystats" {
				want = append(want, s)
			}
		}
		if got := sections(n); !slices.Equal(got, want) {
			t.Errorf("%v sections:\n  slotcache: %v\n  redis:     %v", args, got, want)
		}
		if strings.Contains(strings.ReplaceAll(n, "\r\n", ""), "\n") || (n != "" && !strings.HasSuffix(n, "\r\n")) {
			t.Errorf("%v: not CRLF-terminated lines: %q", args, n)
		}
		if strings.Contains(n, "\r\n\r\n\r\n") || strings.HasSuffix(n, "\r\n\r\n") {
			t.Errorf("%v: blank lines are not as in Redis: %q", args, n)
		}
	}
	all := string(nc.Do("INFO", "all").Str)
	fields := map[string]string{}
	for _, l := range strings.Split(all, "\r\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && !strings.HasPrefix(l, "#") {
			fields[k] = v
		}
	}
	rall := string(rc.Do("INFO", "all").Str)
	for _, name := range []string{"redis_version", "redis_mode", "os", "arch_bits", "process_id", "run_id", "tcp_port",
		"uptime_in_seconds", "uptime_in_days", "hz", "connected_clients", "blocked_clients", "maxclients",
		"used_memory", "used_memory_human", "used_memory_rss", "used_memory_peak", "maxmemory", "maxmemory_human",
		"maxmemory_policy", "mem_fragmentation_ratio", "loading", "rdb_changes_since_last_save", "rdb_last_save_time",
		"aof_enabled", "total_connections_received", "total_commands_processed", "instantaneous_ops_per_sec",
		"total_net_input_bytes", "total_net_output_bytes", "rejected_connections", "expired_keys", "evicted_keys",
		"keyspace_hits", "keyspace_misses", "role", "connected_slaves", "master_replid", "master_repl_offset",
		"used_cpu_sys", "used_cpu_user", "db0", "cmdstat_set"} {
		if _, ok := fields[name]; !ok {
			t.Errorf("INFO all lacks %s", name)
		}
		if !strings.Contains(rall, "\r\n"+name+":") {
			t.Errorf("field %s is not a Redis INFO field", name)
		}
	}
	for k, want := range map[string]string{"redis_version": node.RedisVersion, "redis_mode": "standalone", "role": "master",
		"connected_slaves": "0", "loading": "0", "aof_enabled": "0", "db0": "keys=1,expires=0,avg_ttl=0", "maxmemory_human": "0B"} {
		if fields[k] != want {
			t.Errorf("INFO %s = %q, want %q", k, fields[k], want)
		}
	}
	if !regexp.MustCompile(`^calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0$`).MatchString(fields["cmdstat_set"]) {
		t.Errorf("cmdstat_set = %q", fields["cmdstat_set"])
	}
	nc.Do("CONFIG", "RESETSTAT")
	if v := string(nc.Do("INFO", "commandstats").Str); strings.Contains(v, "cmdstat_set") {
		t.Errorf("CONFIG RESETSTAT kept command stats: %q", v)
	}
	nc.Do("HELLO", "3")
	if v := nc.Do("INFO", "server"); v.Type != '=' {
		t.Errorf("INFO in RESP3 is %c, want a verbatim string", v.Type)
	}
}

// TestInfoStatsAsRedis: INFO stats has Redis's fields in Redis's order, and
// the pub/sub counts follow the subscriptions.
func TestInfoStatsAsRedis(t *testing.T) {
	naddr, _ := nodetest.StartNode(t, nil)
	nc, rc := nodetest.Dial(t, naddr), nodetest.Dial(t, nodetest.StartRedis(t))
	fields := func(info string) (names []string, values map[string]string) {
		values = map[string]string{}
		for _, l := range strings.Split(info, "\r\n") {
			if k, v, ok := strings.Cut(l, ":"); ok {
				names = append(names, k)
				values[k] = v
			}
		}
		return names, values
	}
	got, _ := fields(string(nc.Do("INFO", "stats").Str))
	want, _ := fields(string(rc.Do("INFO", "stats").Str))
	if !slices.Equal(got, want) {
		t.Errorf("INFO stats fields:\n  slotcache: %v\n  redis:     %v", got, want)
	}
	sub := nodetest.Dial(t, naddr)
	for _, cmd := range [][]string{{"SUBSCRIBE", "a", "b"}, {"PSUBSCRIBE", "p*"}, {"SSUBSCRIBE", "s"}} {
		if err := sub.Send(cmd...); err != nil {
			t.Fatal(err)
		}
		for range len(cmd) - 1 {
			if _, err := sub.Read(); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, v := fields(string(nc.Do("INFO", "stats").Str))
	if v["pubsub_channels"] != "2" || v["pubsub_patterns"] != "1" || v["pubsubshard_channels"] != "1" {
		t.Errorf("pubsub_channels %s, pubsub_patterns %s, pubsubshard_channels %s; want 2, 1, 1",
			v["pubsub_channels"], v["pubsub_patterns"], v["pubsubshard_channels"])
	}
	if n, _ := strconv.Atoi(v["total_reads_processed"]); n < 3 {
		t.Errorf("total_reads_processed = %q after three commands read", v["total_reads_processed"])
	}
}

func TestShutdown(t *testing.T) {
	called := make(chan struct{})
	addr, srv := nodetest.StartNode(t, nil)
	srv.OnShutdown(func() { close(called) })
	c := nodetest.Dial(t, addr)
	c.Send("SHUTDOWN", "NOSAVE")
	out, _ := c.ReadAll()
	if len(out) != 0 {
		t.Errorf("SHUTDOWN replied %q, want the connection closed without a reply", out)
	}
	select {
	case <-called:
	case <-time.After(5 * time.Second):
		t.Fatal("SHUTDOWN did not call the shutdown hook")
	}
}

// TestDiffConfigRandom sends random CONFIG SET sequences (valid and invalid
// values, several pairs at once) and reads every parameter back.
func TestDiffConfigRandom(t *testing.T) {
	const seed = 20261125
	rng := rand.New(rand.NewPCG(seed, 0))
	values := map[string][]string{
		"maxmemory":               {"0", "1mb", "100", "1gb", "1GB", "abc", "-5", "1.5mb", "10k", "10kb", "1b", "9223372036854775807", "007", "+5", "-0", "1Kb"},
		"timeout":                 {"0", "5", "x", "-1", "2147483647", "2147483648", "007"},
		"hz":                      {"1", "10", "0", "1000", "-1", "abc"},
		"maxmemory-policy":        {"noeviction", "allkeys-lru", "ALLKEYS-LFU", "volatile-ttl", "lru", ""},
		"slowlog-max-len":         {"0", "128", "-1", "x", "5"},
		"slowlog-log-slower-than": {"-1", "0", "10000", "-2", "x"},
		"protected-mode":          {"yes", "no", "YES", "maybe", "1"},
		"maxclients":              {"100", "1000", "0", "x", "10000"},
		"tcp-keepalive":           {"0", "300", "-1", "x"},
		"databases":               {"16"},
	}
	var names []string
	for n := range values {
		names = append(names, n)
	}
	slices.Sort(names)
	p := nodetest.NewPair(t)
	for i := 0; i < 300; i++ {
		args := []string{"CONFIG", "SET"}
		for n := 1 + rng.IntN(3); n > 0; n-- {
			name := names[rng.IntN(len(names))]
			vals := values[name]
			args = append(args, name, vals[rng.IntN(len(vals))])
		}
		nv, rv := p.Node.Do(args...), p.Redis.Do(args...)
		if !nodetest.Equal(nv, rv) {
			t.Fatalf("seed %d step %d: %s:\n  slotcache: %v\n  redis:     %v", seed, i, nodetest.Quote(args), nv, rv)
		}
		for _, name := range names {
			nv, rv := p.Node.Do("CONFIG", "GET", name), p.Redis.Do("CONFIG", "GET", name)
			if !nodetest.Equal(nv, rv) {
				t.Fatalf("seed %d step %d after %s: CONFIG GET %s:\n  slotcache: %v\n  redis:     %v", seed, i, nodetest.Quote(args), name, nv, rv)
			}
		}
	}
}

func TestDiffErrorstats(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"CONFIG", "RESETSTAT"},
		{"GET"},
		{"NOSUCH"},
		{"SELECT", "x"},
		{"AUTH", "x"},
		{"AUTH", "u", "x"},
		{"CONFIG", "SET", "foo", "bar"},
		{"HELLO", "9"},
		{"INFO", "errorstats"},
		{"CONFIG", "RESETSTAT"},
		{"INFO", "errorstats"},
	})
}

func TestInstantaneousOps(t *testing.T) {
	addr, _ := nodetest.StartNode(t, func(cfg *node.Config) { cfg.Hz = 100 })
	c := nodetest.Dial(t, addr)
	// the rate is sampled on the server's clock: on a loaded machine the
	// first samples may all miss the load, so keep it up until one shows it
	re := regexp.MustCompile(`instantaneous_ops_per_sec:(\d+)\r\n`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		for range 200 {
			c.Do("PING")
		}
		m := re.FindStringSubmatch(string(c.Do("INFO", "stats").Str))
		if m == nil {
			t.Fatal("INFO stats has no instantaneous_ops_per_sec")
		}
		if m[1] != "0" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("instantaneous_ops_per_sec still 0 after 10 s of PINGs")
		}
	}
}

// TestServerCommandsRandomArgs sends the server commands random argument
// lists and checks that the node answers each with one well-formed reply
// and stays up.
func TestServerCommandsRandomArgs(t *testing.T) {
	const seed = 7
	rng := rand.New(rand.NewPCG(seed, 0))
	addr, _ := nodetest.StartNode(t, nil)
	c := nodetest.Dial(t, addr)
	c.Do("SET", "k", "v")
	heads := [][]string{
		{"INFO"}, {"CONFIG", "GET"}, {"CONFIG", "SET", "hz"}, {"CONFIG", "SET", "slowlog-max-len"},
		{"CONFIG", "RESETSTAT"}, {"CONFIG", "HELP"}, {"CLIENT", "ID"}, {"CLIENT", "SETNAME"}, {"CLIENT", "GETNAME"},
		{"CLIENT", "LIST"}, {"CLIENT", "INFO"}, {"CLIENT", "NO-EVICT"}, {"CLIENT", "KILL", "ID"}, {"CLIENT"},
		{"COMMAND"}, {"COMMAND", "INFO"}, {"COMMAND", "DOCS"}, {"COMMAND", "LIST"}, {"COMMAND", "GETKEYS"},
		{"COMMAND", "COUNT"}, {"SLOWLOG", "GET"}, {"SLOWLOG", "LEN"}, {"SLOWLOG", "RESET"}, {"SLOWLOG"},
		{"TIME"}, {"LASTSAVE"}, {"DEBUG", "OBJECT"}, {"DEBUG", "SET-ACTIVE-EXPIRE"}, {"DEBUG"},
	}
	words := []string{"", "0", "-1", "1", "x", "*", "k", "get", "set", "ID", "TYPE", "normal", "pubsub", "FILTERBY",
		"PATTERN", "ACLCAT", "MODULE", "9223372036854775808", "a b", "\x00\xff", "config|get", "|", "on", "off", "yes"}
	for i := 0; i < 2000; i++ {
		args := slices.Clone(heads[rng.IntN(len(heads))])
		for n := rng.IntN(4); n > 0; n-- {
			args = append(args, words[rng.IntN(len(words))])
		}
		v, err := c.DoErr(args...)
		if err != nil {
			t.Fatalf("seed %d step %d: %s: %v", seed, i, nodetest.Quote(args), err)
		}
		_ = v
	}
	if v := c.Do("PING"); string(v.Str) != "PONG" {
		t.Fatalf("seed %d: PING after random commands = %v", seed, v)
	}
}

// TestDiffEncodingThresholds: the compact-encoding thresholds are CONFIG
// parameters, and changing them changes later conversions as in Redis.
func TestDiffEncodingThresholds(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"CONFIG", "GET", "hash-max-listpack-entries"},
		{"CONFIG", "GET", "hash-max-ziplist-value"},
		{"CONFIG", "GET", "set-max-intset-entries"},
		{"CONFIG", "GET", "zset-max-listpack-value"},
		{"CONFIG", "GET", "list-max-listpack-size"},
		{"CONFIG", "SET", "hash-max-listpack-entries", "4", "zset-max-listpack-entries", "2", "set-max-intset-entries", "3"},
		{"CONFIG", "SET", "hash-max-listpack-value", "x"},
		{"HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4"},
		{"OBJECT", "ENCODING", "h"},
		{"HSET", "h", "e", "5"},
		{"OBJECT", "ENCODING", "h"},
		{"ZADD", "z", "1", "a", "2", "b"},
		{"OBJECT", "ENCODING", "z"},
		{"ZADD", "z", "3", "c"},
		{"OBJECT", "ENCODING", "z"},
		{"SADD", "s", "1", "2", "3"},
		{"OBJECT", "ENCODING", "s"},
		{"SADD", "s", "4"},
		{"OBJECT", "ENCODING", "s"},
		{"CONFIG", "SET", "hash-max-listpack-value", "2"},
		{"HSET", "h2", "a", "123"},
		{"OBJECT", "ENCODING", "h2"},
	})
}
