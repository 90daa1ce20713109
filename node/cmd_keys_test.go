package node_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slotcache/slotcache/node"
	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
)

// keyArityCases are wrong-arity calls of every generic key command.
var keyArityCases = [][]string{
	{"DEL"}, {"UNLINK"}, {"EXISTS"}, {"TYPE"}, {"TYPE", "a", "b"},
	{"RENAME", "a"}, {"RENAME", "a", "b", "c"}, {"RENAMENX", "a"},
	{"EXPIRE", "a"}, {"PEXPIRE", "a"}, {"EXPIREAT", "a"}, {"PEXPIREAT"},
	{"TTL"}, {"TTL", "a", "b"}, {"PTTL"}, {"EXPIRETIME"}, {"PEXPIRETIME", "a", "b"},
	{"PERSIST"}, {"KEYS"}, {"KEYS", "a", "b"}, {"SCAN"}, {"RANDOMKEY", "x"},
	{"DBSIZE", "x"}, {"TOUCH"}, {"COPY", "a"}, {"MOVE", "a"}, {"MOVE", "a", "1", "2"},
	{"SWAPDB", "0"}, {"OBJECT"}, {"OBJECT", "ENCODING"}, {"OBJECT", "encoding", "a", "b"},
	{"OBJECT", "REFCOUNT"}, {"OBJECT", "IDLETIME"}, {"OBJECT", "FREQ"}, {"OBJECT", "HELP", "x"},
	{"MEMORY"}, {"MEMORY", "USAGE"}, {"MEMORY", "HELP", "x"},
	{"OBJECT", "nosuch", "a"}, {"MEMORY", "nosuch"},
}

func TestDiffKeysArity(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll(keyArityCases)
	// options compare as C strings: up to a NUL byte, case-insensitively
	p.CheckAll([][]string{
		{"SET", "a", "1"}, {"SCAN", "0", "count\x00x", "5"}, {"COPY", "a", "b", "rePlace\x00"}, {"GET", "b"},
		{"MEMORY", "USAGE", "a", "samples\x00", "3"}, {"OBJECT", "x\r\ny", "a"}, {"EXPIRE", "a", "100", "x\r\ny"},
		{"EXPIRE", "a", "100", "nX\x00zz"}, {"TTL", "a"}, {"FLUSHDB", "sync\x00x"}, {"DBSIZE"},
	})
}

func TestDiffKeysBasic(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"SET", "a", "1"}, {"SET", "b", "2"}, {"SET", "c", "hello"},
		{"EXISTS", "a"}, {"EXISTS", "a", "a", "nokey", "b"}, {"EXISTS", "nokey"},
		{"TYPE", "a"}, {"TYPE", "nokey"},
		{"TOUCH", "a", "a", "nokey"}, {"TOUCH", "nokey"},
		{"DBSIZE"},
		{"DEL", "a", "a", "nokey"}, {"UNLINK", "b", "nokey"}, {"UNLINK", "nokey"},
		{"DBSIZE"}, {"RANDOMKEY"}, {"KEYS", "*"},
		{"DEL", "c"}, {"RANDOMKEY"}, {"KEYS", "*"}, {"DBSIZE"},
		// RENAME / RENAMENX
		{"RENAME", "nokey", "x"}, {"RENAME", "nokey", "nokey"}, {"RENAMENX", "nokey", "x"},
		{"SET", "r1", "v1"}, {"SET", "r2", "v2"},
		{"RENAME", "r1", "r1"}, {"RENAMENX", "r1", "r1"}, {"GET", "r1"},
		{"RENAMENX", "r1", "r2"}, {"GET", "r1"}, {"GET", "r2"},
		{"RENAME", "r1", "r2"}, {"EXISTS", "r1"}, {"GET", "r2"},
		{"RENAMENX", "r2", "r3"}, {"GET", "r3"}, {"EXISTS", "r2"},
		{"EXPIRE", "r3", "100"}, {"RENAME", "r3", "{t}r4"}, {"TTL", "{t}r4"}, {"TTL", "r3"},
		{"SET", "r5", "x"}, {"RENAME", "{t}r4", "r5"}, {"TTL", "r5"}, {"GET", "r5"},
		{"SET", "r6", "x"}, {"EXPIRE", "r6", "100"}, {"SET", "r7", "y"},
		{"RENAME", "r7", "r6"}, {"TTL", "r6"}, {"GET", "r6"},
		// FLUSHDB / FLUSHALL options
		{"FLUSHDB", "foo"}, {"FLUSHDB", "async", "x"}, {"FLUSHALL", "bar"}, {"FLUSHALL", "SYNC", "SYNC"},
		{"FLUSHDB", "ASYNC"}, {"DBSIZE"}, {"SET", "f", "1"}, {"FLUSHDB", "sync"}, {"DBSIZE"},
		{"SET", "f", "1"}, {"SELECT", "2"}, {"SET", "g", "1"}, {"FLUSHALL", "async"}, {"DBSIZE"},
		{"SELECT", "0"}, {"DBSIZE"}, {"SET", "f", "1"}, {"FLUSHALL"}, {"DBSIZE"}, {"FLUSHDB"},
	})
}

func TestDiffExpireOptions(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"SET", "a", "v"},
		{"EXPIRE", "a", "100", "nx", "xx"}, {"EXPIRE", "a", "100", "NX", "GT"}, {"EXPIRE", "a", "100", "lt", "nx"},
		{"EXPIRE", "a", "100", "gt", "lt"}, {"PEXPIRE", "a", "100", "GT", "LT"},
		{"EXPIRE", "a", "100", "foo"}, {"EXPIRE", "a", "100", "nx", "foo"}, {"EXPIRE", "a", "x", "foo"},
		{"EXPIRE", "a", "x"}, {"EXPIRE", "a", ""}, {"EXPIRE", "a", " 1"}, {"EXPIRE", "a", "1.5"},
		{"EXPIRE", "a", "x", "nx", "xx"}, {"EXPIRE", "a", "100", "x\r\ny"}, {"EXPIRE", "nokey", "100", "nx\x00zz"},
		{"EXPIRE", "a", "9223372036854775807"}, {"EXPIRE", "a", "-9223372036854775808"},
		{"EXPIRE", "a", "9223372036854775"}, {"EXPIRE", "a", "9223372036854776"},
		{"PEXPIRE", "a", "9223372036854775807"}, {"EXPIREAT", "a", "9223372036854775807"},
		{"EXPIRE", "a", "9223372036854775808"},
		{"TTL", "a"}, {"PTTL", "a"}, {"EXPIRETIME", "a"}, {"PEXPIRETIME", "a"},
		{"EXPIRE", "nokey", "100"}, {"EXPIRE", "nokey", "100", "xx"}, {"TTL", "nokey"}, {"PTTL", "nokey"},
		{"EXPIRETIME", "nokey"}, {"PEXPIRETIME", "nokey"}, {"PERSIST", "nokey"}, {"PERSIST", "a"},
		// no TTL: XX and GT fail, NX and LT succeed
		{"EXPIRE", "a", "100", "xx"}, {"EXPIRE", "a", "100", "gt"}, {"EXPIRE", "a", "100", "xx", "gt"},
		{"EXPIRE", "a", "100", "lt"}, {"TTL", "a"}, {"PERSIST", "a"}, {"TTL", "a"},
		{"EXPIRE", "a", "100", "nx"}, {"TTL", "a"}, {"EXPIRE", "a", "200", "nx"}, {"TTL", "a"},
		{"EXPIRE", "a", "50", "gt"}, {"EXPIRE", "a", "500", "gt"}, {"TTL", "a"},
		{"EXPIRE", "a", "600", "lt"}, {"EXPIRE", "a", "300", "LT"}, {"TTL", "a"},
		{"EXPIRE", "a", "400", "XX", "GT"}, {"TTL", "a"}, {"EXPIRE", "a", "40", "xx", "lt"}, {"TTL", "a"},
		// absolute times give deterministic EXPIRETIME replies
		{"EXPIREAT", "a", "4102444800"}, {"EXPIRETIME", "a"}, {"PEXPIRETIME", "a"},
		{"PEXPIREAT", "a", "4102444800123"}, {"EXPIRETIME", "a"}, {"PEXPIRETIME", "a"},
		{"PEXPIREAT", "a", "4102444800499", "gt"}, {"EXPIRETIME", "a"}, {"PEXPIREAT", "a", "4102444800500", "GT"}, {"EXPIRETIME", "a"},
		{"EXPIREAT", "a", "4102444800", "gt"}, {"EXPIREAT", "a", "4102444801", "gt"}, {"PEXPIRETIME", "a"},
		{"PEXPIREAT", "a", "9223372036854775807"}, {"PEXPIRETIME", "a"}, {"TTL", "a"},
		{"EXPIRE", "a", "100", "gt"}, {"EXPIRE", "a", "100", "lt"}, {"TTL", "a"},
		// a time in the past deletes the key and replies 1
		{"EXPIRE", "a", "-1"}, {"EXISTS", "a"}, {"TTL", "a"},
		{"SET", "b", "v"}, {"EXPIRE", "b", "0"}, {"EXISTS", "b"},
		{"SET", "b", "v"}, {"PEXPIRE", "b", "-9223372036854775808"}, {"EXISTS", "b"},
		{"SET", "b", "v"}, {"EXPIREAT", "b", "1"}, {"EXISTS", "b"},
		{"SET", "b", "v"}, {"PEXPIREAT", "b", "0", "nx"}, {"EXISTS", "b"},
		{"SET", "b", "v"}, {"EXPIRE", "b", "100"}, {"EXPIRE", "b", "-5", "gt"}, {"EXISTS", "b"},
		{"EXPIRE", "b", "-5", "lt"}, {"EXISTS", "b"},
		// SET clears the TTL
		{"SET", "c", "v"}, {"EXPIRE", "c", "100"}, {"SET", "c", "w"}, {"TTL", "c"},
		{"PERSIST", "c"}, {"EXPIRE", "c", "100"}, {"PERSIST", "c"}, {"TTL", "c"}, {"PERSIST", "c"},
	})
}

// waitGone polls EXISTS key until it replies 0 or a second passes.
func waitGone(t *testing.T, c *nodetest.Conn, key string) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		if c.Do("EXISTS", key).Int == 0 {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("%s: key %q did not expire", c.Addr, key)
}

func TestDiffExpiryElapses(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"SET", "a", "v"}, {"PEXPIRE", "a", "5"},
		{"SET", "b", "v"}, {"PEXPIREAT", "b", strconv.FormatInt(time.Now().UnixMilli()+5, 10)},
		{"SET", "c", "v"}, {"EXPIRE", "c", "1000"},
	})
	for _, c := range []*nodetest.Conn{p.Node, p.Redis} {
		if v := c.Do("PTTL", "c"); v.Int <= 999000 || v.Int > 1000000 {
			t.Errorf("%s: PTTL c = %v", c.Addr, v)
		}
		if v := c.Do("PEXPIRETIME", "c"); v.Int < time.Now().UnixMilli()+990000 {
			t.Errorf("%s: PEXPIRETIME c = %v", c.Addr, v)
		}
		waitGone(t, c, "a")
		waitGone(t, c, "b")
	}
	p.CheckAll([][]string{
		{"GET", "a"}, {"TTL", "a"}, {"PTTL", "b"}, {"TYPE", "a"}, {"KEYS", "*"}, {"DBSIZE"},
		{"RENAME", "a", "x"}, {"COPY", "b", "x"}, {"MOVE", "a", "1"}, {"TOUCH", "a", "b", "c"},
	})
}

func TestDiffCopyMoveSwap(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Normalize(sortArrays)
	p.CheckAll([][]string{
		{"SET", "a", "1"}, {"SET", "s", "hello"},
		{"COPY", "a", "a"}, {"COPY", "a", "a", "db", "0"}, {"COPY", "a", "b", "foo"}, {"COPY", "a", "b", "db"},
		{"COPY", "a", "b", "db", "x"}, {"COPY", "a", "b", "db", "99"}, {"COPY", "a", "b", "db", "-1"},
		{"COPY", "a", "b", "db", "2147483648"}, {"COPY", "nokey", "b", "db", "99"}, {"COPY", "nokey", "b"},
		{"COPY", "a", "b", "replace", "db", "0", "replace"}, {"GET", "b"},
		{"COPY", "s", "b"}, {"COPY", "s", "b", "REPLACE"}, {"GET", "b"},
		{"EXPIRE", "s", "100"}, {"COPY", "s", "c"}, {"TTL", "c"}, {"OBJECT", "ENCODING", "c"},
		{"COPY", "s", "s", "db", "1"}, {"SELECT", "1"}, {"GET", "s"}, {"TTL", "s"}, {"SELECT", "0"},
		// MOVE
		{"SET", "n", "7"}, {"COPY", "n", "n2"}, {"OBJECT", "REFCOUNT", "n2"}, {"OBJECT", "REFCOUNT", "n"},
		{"MOVE", "a", "0"}, {"MOVE", "a", "x"}, {"MOVE", "a", "2147483648"}, {"MOVE", "a", "99999999999999999999"}, {"MOVE", "a", "99"}, {"MOVE", "a", "-1"}, {"MOVE", "nokey", "1"},
		{"MOVE", "s", "1"}, {"MOVE", "a", "1"}, {"EXISTS", "a"},
		{"SELECT", "1"}, {"GET", "a"}, {"GET", "s"}, {"TTL", "s"}, {"MOVE", "a", "0"}, {"SELECT", "0"}, {"GET", "a"},
		// SWAPDB
		{"SWAPDB", "x", "1"}, {"SWAPDB", "1", "x"}, {"SWAPDB", "x", "y"}, {"SWAPDB", "1", "99"}, {"SWAPDB", "-1", "0"},
		{"SWAPDB", "2147483648", "0"}, {"SWAPDB", "1", "1"},
		{"DBSIZE"}, {"SWAPDB", "0", "1"}, {"DBSIZE"}, {"KEYS", "*"}, {"GET", "s"}, {"TTL", "s"},
		{"SELECT", "1"}, {"KEYS", "*"}, {"SELECT", "0"}, {"SWAPDB", "1", "0"}, {"DBSIZE"},
	})
}

func TestDiffObjectMemory(t *testing.T) {
	p := nodetest.NewPair(t)
	long := strings.Repeat("x", 45)
	p.CheckAll([][]string{
		{"SET", "i", "1"}, {"SET", "j", "12345"}, {"SET", "neg", "-5"}, {"SET", "e", "hello"}, {"SET", "r", long},
		{"SET", "z", "012"}, {"SET", "big", "12345678901234567890"},
		{"OBJECT", "ENCODING", "i"}, {"OBJECT", "encoding", "j"}, {"OBJECT", "Encoding", "e"},
		{"OBJECT", "ENCODING", "r"}, {"OBJECT", "ENCODING", "z"}, {"OBJECT", "ENCODING", "big"}, {"OBJECT", "ENCODING", "nokey"},
		{"OBJECT", "REFCOUNT", "i"}, {"OBJECT", "REFCOUNT", "j"}, {"OBJECT", "REFCOUNT", "neg"}, {"OBJECT", "REFCOUNT", "e"},
		{"OBJECT", "REFCOUNT", "nokey"},
		{"OBJECT", "IDLETIME", "e"}, {"OBJECT", "IDLETIME", "nokey"},
		{"OBJECT", "FREQ", "e"}, {"OBJECT", "FREQ", "nokey"},
		{"OBJECT", "HELP"}, {"object", "help"}, {"OBJECT", "foo"}, {"OBJECT", "foo", "bar"},
		{"MEMORY", "foo"},
		{"MEMORY", "USAGE", "nokey"}, {"MEMORY", "USAGE", "i"}, {"MEMORY", "USAGE", "j"},
		{"MEMORY", "USAGE", "e", "SAMPLES", "0"}, {"MEMORY", "USAGE", "e", "samples", "5", "samples", "7"},
		{"MEMORY", "USAGE", "e", "SAMPLES"}, {"MEMORY", "USAGE", "e", "SAMPLES", "x"}, {"MEMORY", "USAGE", "e", "SAMPLES", "-1"},
		{"MEMORY", "USAGE", "e", "foo"}, {"MEMORY", "USAGE", "nokey", "foo"}, {"MEMORY", "USAGE", "nokey", "samples", "x"},
	})
	for _, n := range []int{0, 1, 12, 13, 28, 29, 44, 45, 60, 100, 120, 200, 300, 1000, 5000, 70000} {
		key := "v" + strconv.Itoa(n)
		p.Check("SET", key, strings.Repeat("y", n))
		p.Check("MEMORY", "USAGE", key)
	}
	for _, n := range []int{1, 5, 20, 31, 32, 40, 100, 255, 256, 300, 66000} {
		key := strings.Repeat("k", n)
		p.Check("SET", key, "x")
		p.Check("MEMORY", "USAGE", key)
	}
}

// TestDiffObjectLFU compares OBJECT FREQ and IDLETIME under an LFU policy.
func TestDiffObjectLFU(t *testing.T) {
	raddr := nodetest.StartRedis(t, "--maxmemory-policy", "allkeys-lfu")
	naddr, _ := nodetest.StartNode(t, func(c *node.Config) { c.MaxMemoryPolicy = "allkeys-lfu" })
	n, r := nodetest.Dial(t, naddr), nodetest.Dial(t, raddr)
	for _, args := range [][]string{
		{"SET", "a", "1"}, {"OBJECT", "IDLETIME", "a"}, {"OBJECT", "IDLETIME", "nokey"},
		{"OBJECT", "FREQ", "nokey"}, {"OBJECT", "REFCOUNT", "a"},
	} {
		if nv, rv := n.Do(args...), r.Do(args...); !nodetest.Equal(nv, rv) {
			t.Errorf("%s:\n  slotcache: %s\n  redis:     %s", nodetest.Quote(args), nv, rv)
		}
	}
	if v := n.Do("OBJECT", "FREQ", "a"); v.Type != ':' {
		t.Errorf("OBJECT FREQ a = %v", v)
	}
}

func TestDiffKeysPatterns(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Normalize(sortArrays)
	for _, k := range []string{"hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo", "h?llo", "a[b", "ab", "\\", "*", "", "user:1", "user:2", "{user}:3"} {
		p.Check("SET", k, "v")
	}
	p.CheckAll([][]string{
		{"KEYS", "*"}, {"KEYS", "h?llo"}, {"KEYS", "h*llo"}, {"KEYS", "h[ae]llo"}, {"KEYS", "h[^e]llo"},
		{"KEYS", "h[a-b]llo"}, {"KEYS", "h\\*llo"}, {"KEYS", "user:*"}, {"KEYS", "*:*"}, {"KEYS", ""},
		{"KEYS", "**"}, {"KEYS", "a[b"}, {"KEYS", "a[\\"}, {"KEYS", "\\"}, {"KEYS", "[*]"}, {"KEYS", "nomatch*"},
		{"KEYS", "H*"}, {"KEYS", "{user}*"},
	})
}

// sortArrays sorts the elements of array replies (KEYS order differs).
func sortArrays(args []string, v resp.Value) resp.Value {
	if v.Type != '*' {
		return v
	}
	out := v
	out.Elems = slices.Clone(v.Elems)
	slices.SortFunc(out.Elems, func(a, b resp.Value) int { return strings.Compare(string(a.Str), string(b.Str)) })
	return out
}

// scanAll iterates SCAN to the end and returns the sorted keys and the
// number of calls.
func scanAll(t *testing.T, c *nodetest.Conn, opts ...string) ([]string, int) {
	t.Helper()
	cursor := "0"
	var keys []string
	calls := 0
	for {
		v := c.Do(append([]string{"SCAN", cursor}, opts...)...)
		if v.Type != '*' || len(v.Elems) != 2 {
			t.Fatalf("%s: SCAN %s %v: %v", c.Addr, cursor, opts, v)
		}
		calls++
		for _, e := range v.Elems[1].Elems {
			keys = append(keys, string(e.Str))
		}
		cursor = string(v.Elems[0].Str)
		if cursor == "0" {
			break
		}
		if calls > 100000 {
			t.Fatal("SCAN does not end")
		}
	}
	slices.Sort(keys)
	return keys, calls
}

func keysOf(t *testing.T, c *nodetest.Conn, pattern string) []string {
	t.Helper()
	var keys []string
	for _, e := range c.Do("KEYS", pattern).Elems {
		keys = append(keys, string(e.Str))
	}
	slices.Sort(keys)
	return keys
}

func TestDiffScan(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"SCAN", "0"}, {"SCAN", "x"}, {"SCAN", " 1"}, {"SCAN", "18446744073709551616"}, {"SCAN", "-"},
		{"SCAN", "0", "count"}, {"SCAN", "0", "count", "0"}, {"SCAN", "0", "count", "-1"}, {"SCAN", "0", "count", "x"},
		{"SCAN", "0", "foo"}, {"SCAN", "0", "foo", "bar"}, {"SCAN", "0", "match"}, {"SCAN", "0", "type"},
		{"SCAN", "x", "foo"}, {"SCAN", "0", "count", "x", "foo"},
		{"SCAN", "0", "MATCH", "*", "COUNT", "5", "TYPE", "string"},
	})
	const n = 1500
	for i := 0; i < n; i++ {
		k := fmt.Sprintf("key:%d", i)
		if i%3 == 0 {
			k = fmt.Sprintf("{tag}:%d", i)
		}
		for _, c := range []*nodetest.Conn{p.Node, p.Redis} {
			c.Send("SET", k, "v")
		}
	}
	for i := 0; i < n; i++ {
		p.Node.Read()
		p.Redis.Read()
	}
	for _, tc := range []struct {
		pattern string
		opts    []string
	}{
		{"*", nil},
		{"*", []string{"COUNT", "1"}},
		{"*", []string{"COUNT", "7"}},
		{"*", []string{"COUNT", "1000000"}},
		{"*", []string{"MATCH", "*"}},
		{"key:1*", []string{"MATCH", "key:1*", "COUNT", "50"}},
		{"{tag}:*", []string{"match", "{tag}:*"}},
		{"*", []string{"TYPE", "string"}},
		{"*", []string{"type", "STRING", "count", "100"}},
		{"none", []string{"TYPE", "list"}},
		{"none", []string{"MATCH", "nomatch*"}},
	} {
		t.Run(strings.Join(tc.opts, "_"), func(t *testing.T) {
			got, calls := scanAll(t, p.Node, tc.opts...)
			want, _ := scanAll(t, p.Redis, tc.opts...)
			keys := keysOf(t, p.Node, tc.pattern)
			if tc.pattern == "none" {
				keys = nil
			}
			if !slices.Equal(got, want) || !slices.Equal(got, keys) {
				t.Errorf("SCAN %v: node %d keys, redis %d keys, KEYS %d keys", tc.opts, len(got), len(want), len(keys))
			}
			if len(tc.opts) >= 2 && tc.opts[0] == "COUNT" && tc.opts[1] == "1000000" && calls != 1 {
				t.Errorf("COUNT 1000000 took %d calls", calls)
			}
		})
	}
}

// TestScanKeysDuringChanges checks the SCAN guarantee: keys present for
// the whole iteration are all returned, whatever happens to the others.
func TestScanKeysDuringChanges(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	c := nodetest.Dial(t, addr)
	for i := 0; i < 500; i++ {
		c.Do("SET", fmt.Sprintf("stable:%d", i), "v")
	}
	seen := map[string]int{}
	cursor := "0"
	for step := 0; ; step++ {
		v := c.Do("SCAN", cursor, "COUNT", "20")
		for _, e := range v.Elems[1].Elems {
			seen[string(e.Str)]++
		}
		c.Do("SET", fmt.Sprintf("new:%d", step), "v")
		c.Do("DEL", fmt.Sprintf("new:%d", step-3))
		cursor = string(v.Elems[0].Str)
		if cursor == "0" {
			break
		}
	}
	for i := 0; i < 500; i++ {
		k := fmt.Sprintf("stable:%d", i)
		if seen[k] != 1 {
			t.Errorf("%s returned %d times", k, seen[k])
		}
	}
}

// TestDiffKeysRandom runs a random sequence of key commands with
// deterministic replies against both servers.
func TestDiffKeysRandom(t *testing.T) {
	const seed = 20261125
	rng := rand.New(rand.NewPCG(seed, 0))
	p := nodetest.NewPair(t)
	keys := []string{"a", "b", "c", "{x}1", "{x}2", "n1", "n2"}
	key := func() string { return keys[rng.IntN(len(keys))] }
	abs := func() string {
		switch rng.IntN(5) {
		case 0:
			return "1" // in the past: deletes the key
		default:
			return strconv.Itoa(4102444800 + rng.IntN(4)*1000)
		}
	}
	opts := [][]string{nil, {"NX"}, {"XX"}, {"GT"}, {"LT"}, {"XX", "GT"}, {"XX", "LT"}, {"NX", "GT"}, {"GT", "LT"}}
	gen := []func() []string{
		func() []string { return []string{"SET", key(), strconv.Itoa(rng.IntN(20000))} },
		func() []string { return []string{"SET", key(), strings.Repeat("s", rng.IntN(60))} },
		func() []string { return []string{"GET", key()} },
		func() []string { return []string{"DEL", key(), key()} },
		func() []string { return []string{"UNLINK", key()} },
		func() []string { return []string{"EXISTS", key(), key(), key()} },
		func() []string { return []string{"TYPE", key()} },
		func() []string { return []string{"RENAME", key(), key()} },
		func() []string { return []string{"RENAMENX", key(), key()} },
		func() []string { return append([]string{"EXPIREAT", key(), abs()}, opts[rng.IntN(len(opts))]...) },
		func() []string {
			return append([]string{"PEXPIREAT", key(), abs() + "500"}, opts[rng.IntN(len(opts))]...)
		},
		func() []string { return []string{"EXPIRETIME", key()} },
		func() []string { return []string{"PEXPIRETIME", key()} },
		func() []string { return []string{"PERSIST", key()} },
		func() []string { return []string{"KEYS", []string{"*", "{x}*", "?", "n[12]"}[rng.IntN(4)]} },
		func() []string { return []string{"DBSIZE"} },
		func() []string { return []string{"TOUCH", key(), key()} },
		func() []string {
			args := []string{"COPY", key(), key()}
			if rng.IntN(2) == 0 {
				args = append(args, "DB", strconv.Itoa(rng.IntN(3)))
			}
			if rng.IntN(2) == 0 {
				args = append(args, "REPLACE")
			}
			return args
		},
		func() []string { return []string{"MOVE", key(), strconv.Itoa(rng.IntN(3))} },
		func() []string { return []string{"SELECT", strconv.Itoa(rng.IntN(3))} },
		func() []string { return []string{"SWAPDB", strconv.Itoa(rng.IntN(3)), strconv.Itoa(rng.IntN(3))} },
		func() []string { return []string{"OBJECT", "ENCODING", key()} },
		func() []string { return []string{"OBJECT", "REFCOUNT", key()} },
		func() []string { return []string{"MEMORY", "USAGE", key()} },
		func() []string { return []string{"FLUSHDB"} },
	}
	for i := 0; i < 3000; i++ {
		g := rng.IntN(len(gen))
		if g == len(gen)-1 && rng.IntN(10) != 0 {
			continue // FLUSHDB rarely
		}
		args := gen[g]()
		nv, rv := p.Node.Do(args...), p.Redis.Do(args...)
		if args[0] == "KEYS" {
			nv, rv = sortArrays(args, nv), sortArrays(args, rv)
		}
		if !nodetest.Equal(nv, rv) {
			t.Fatalf("seed %d, step %d: %s:\n  slotcache: %s\n  redis:     %s", seed, i, nodetest.Quote(args), nv, rv)
		}
	}
}

func TestDiffKeysRESP3(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Node.Do("HELLO", "3") // the client ids differ
	p.Redis.Do("HELLO", "3")
	p.CheckAll([][]string{
		{"RANDOMKEY"}, {"OBJECT", "ENCODING", "nokey"}, {"MEMORY", "USAGE", "nokey"},
		{"OBJECT", "HELP"}, {"SCAN", "0"}, {"KEYS", "*"}, {"SET", "a", "1"}, {"RANDOMKEY"}, {"SCAN", "0"},
		{"TYPE", "a"}, {"TTL", "a"}, {"COPY", "a", "b", "DB", "1", "DB", "2"}, {"SELECT", "2"}, {"GET", "b"},
		{"SELECT", "1"}, {"GET", "b"},
	})
}
