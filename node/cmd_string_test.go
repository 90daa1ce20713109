package node_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slotcache/slotcache/node"
	"github.com/slotcache/slotcache/node/nodetest"
)

// makeWrongType stores a list at key on both servers. The node gets it
// through LPUSH when it has list commands, else through a test hook.
func makeWrongType(t *testing.T, p *nodetest.Pair, key string) {
	t.Helper()
	p.Redis.Do("DEL", key)
	p.Redis.Do("LPUSH", key, "x")
	p.Node.Do("DEL", key)
	if v := p.Node.Do("LPUSH", key, "x"); v.Type == '-' {
		node.StringTestSetWrongType(p.NodeServer, key)
	}
}

// checkTTLClass compares whether key exists and has an expiry on both
// servers, without comparing the exact remaining time.
func checkTTLClass(t *testing.T, p *nodetest.Pair, key, context string) {
	t.Helper()
	rv := p.Redis.Do("PTTL", key)
	want := int(rv.Int)
	if want > 0 {
		want = 1
	}
	got := node.StringTestTTLClass(p.NodeServer, key, time.Now().UnixMilli())
	if got != want {
		t.Errorf("%s: ttl class of %q: slotcache %d, redis %d", context, key, got, want)
	}
}

func TestDiffStringSetGet(t *testing.T) {
	p := nodetest.NewPair(t)
	makeWrongType(t, p, "list")
	future := strconv.FormatInt(time.Now().Unix()+1000, 10)
	futureMs := strconv.FormatInt(time.Now().UnixMilli()+1000000, 10)
	p.CheckAll([][]string{
		{"SET"}, {"SET", "k"}, {"GET"}, {"GET", "a", "b"},
		{"SET", "k", "v"}, {"GET", "k"}, {"GET", "missing"}, {"GET", "list"},
		{"SET", "k", "v", "NX"}, {"SET", "k", "v2", "XX"}, {"GET", "k"},
		{"SET", "n", "v", "XX"}, {"SET", "n", "v", "NX"}, {"GET", "n"},
		{"SET", "k", "v", "NX", "XX"}, {"SET", "k", "v", "XX", "NX"}, {"SET", "k", "v", "nx", "nx"},
		{"SET", "k", "v", "xx", "xx"},
		{"SET", "k", "v", "EX"}, {"SET", "k", "v", "EX", "0"}, {"SET", "k", "v", "EX", "-1"},
		{"SET", "k", "v", "EX", "x"}, {"SET", "k", "v", "EX", "1.5"}, {"SET", "k", "v", "PX", "0"},
		{"SET", "k", "v", "EX", "9223372036854775807"}, {"SET", "k", "v", "EX", "9223372036854775"},
		{"SET", "k", "v", "EX", "9223372036854776"}, {"SET", "k", "v", "PX", "9223372036854775807"},
		{"SET", "k", "v", "EXAT", "9223372036854775"}, {"SET", "k", "v", "EXAT", "9223372036854776"},
		{"SET", "k", "v", "PXAT", "9223372036854775807"}, {"SET", "k", "v", "PXAT", "0"},
		{"SET", "k", "v", "EXAT", "-5"}, {"SET", "k", "v", "EX", "99999999999999999999"},
		{"SET", "k", "v", "EX", "10", "PX", "10"}, {"SET", "k", "v", "EX", "10", "EX", "20"},
		{"SET", "k", "v", "PX", "10", "EX", "10"}, {"SET", "k", "v", "EXAT", future, "PXAT", futureMs},
		{"SET", "k", "v", "EX", "10", "KEEPTTL"}, {"SET", "k", "v", "KEEPTTL", "EX", "10"},
		{"SET", "k", "v", "KEEPTTL", "KEEPTTL"}, {"SET", "k", "v", "PERSIST"},
		{"SET", "k", "v", "BOGUS"}, {"SET", "k", "v", "EX", "10", "NX", "BOGUS"},
		{"SET", "k", "v", "GET"}, {"SET", "k", "v2", "GET", "GET"}, {"SET", "k", "v", "GET", "NX", "XX"},
		{"SET", "k", "v", "KEEPTTL", "PX", "5"}, {"SET", "k", "v", "PXAT", "5", "KEEPTTL"}, {"SET", "k", "v", "EX", "5", "EXAT"},
		{"SET", "k", "v", "ex", "5", "nx", "get"}, {"SET", "k", "v", "Ex", "5", "Xx", "gEt"}, {"SET", "k", "v", "E"}, {"SET", "list", "v", "GET"},
		{"SET", "list", "v", "EX", "0", "GET"}, {"SET", "list", "v", "GET", "EX", "x"},
		{"SET", "k", "v3", "NX", "GET"}, {"GET", "k"}, {"SET", "k", "v4", "XX", "GET"},
		{"SET", "nx1", "v", "NX", "GET"}, {"SET", "xx1", "v", "XX", "GET"}, {"GET", "nx1"}, {"GET", "xx1"},
		{"SET", "e", "v", "EX", "100"}, {"SET", "e", "v", "px", "100000"}, {"SET", "e", "v", "exat", future},
		{"SET", "e", "v", "pxat", futureMs}, {"SET", "e", "w", "keepttl"}, {"GET", "e"},
		{"SET", "past", "v", "PXAT", "1"}, {"GET", "past"}, {"SET", "past", "v", "EXAT", "1"}, {"GET", "past"},
		{"SET", "", ""}, {"GET", ""}, {"SET", "bin\x00ary", "va\x00l\r\n"}, {"GET", "bin\x00ary"},
		{"SETNX"}, {"SETNX", "sn", "1"}, {"SETNX", "sn", "2"}, {"GET", "sn"}, {"SETNX", "list", "1"},
		{"SETEX", "se", "10"}, {"SETEX", "se", "10", "v"}, {"SETEX", "se", "0", "v"}, {"SETEX", "se", "-1", "v"},
		{"SETEX", "se", "x", "v"}, {"SETEX", "se", "9223372036854776", "v"}, {"SETEX", "list", "10", "v"},
		{"PSETEX", "ps", "100000", "v"}, {"PSETEX", "ps", "0", "v"}, {"PSETEX", "ps", "9223372036854775807", "v"},
		{"GET", "se"}, {"GET", "ps"}, {"GET", "list"},
	})
	for _, k := range []string{"k", "e", "se", "ps", "past", "list", "missing"} {
		checkTTLClass(t, p, k, "after SET")
	}
	p.Check("SET", "e", "plain")
	checkTTLClass(t, p, "e", "plain SET clears TTL")
}

func TestDiffStringGetVariants(t *testing.T) {
	p := nodetest.NewPair(t)
	makeWrongType(t, p, "list")
	future := strconv.FormatInt(time.Now().Unix()+1000, 10)
	p.CheckAll([][]string{
		{"GETSET", "gs"}, {"GETSET", "gs", "1"}, {"GETSET", "gs", "2"}, {"GET", "gs"}, {"GETSET", "list", "x"},
		{"GETDEL"}, {"GETDEL", "gs", "x"}, {"GETDEL", "gs"}, {"GETDEL", "gs"}, {"GETDEL", "list"},
		{"GETEX"}, {"GETEX", "nokey"}, {"GETEX", "list"}, {"GETEX", "list", "EX", "0"},
		{"SET", "g", "v"}, {"GETEX", "g"}, {"GETEX", "g", "EX"}, {"GETEX", "g", "EX", "0"},
		{"GETEX", "g", "EX", "x"}, {"GETEX", "g", "PX", "-1"}, {"GETEX", "g", "EX", "9223372036854776"},
		{"GETEX", "g", "PX", "9223372036854775807"}, {"GETEX", "g", "EX", "10", "PX", "10"},
		{"GETEX", "g", "EX", "10", "PERSIST"}, {"GETEX", "g", "PERSIST", "EX", "10"},
		{"GETEX", "g", "KEEPTTL"}, {"GETEX", "g", "NX"}, {"GETEX", "g", "GET"}, {"GETEX", "g", "BOGUS"},
		{"GETEX", "nokey", "EX", "0"}, {"GETEX", "nokey", "BOGUS"},
		{"GETEX", "g", "EX", "100"}, {"GETEX", "g", "PERSIST"}, {"GETEX", "g", "persist", "persist"},
		{"GETEX", "g", "exat", future}, {"GETEX", "g", "pxat", "1"}, {"GET", "g"},
		{"SET", "g", "v"}, {"GETEX", "g", "EX", "10", "EX", "20"}, {"GETEX", "g", "PX", "10", "PXAT", "20"},
		{"GETEX", "g", "EXAT", "10", "EXAT", "20"}, {"GETEX", "g", "PERSIST", "PX", "1"}, {"GETEX", "g", "ex"},
		{"GETEX", "g", "EXAT", "9223372036854776"}, {"GETEX", "g", "PXAT", "-1"}, {"GETEX", "g", "EX", "1", "x"},
		{"SET", "g", "v"}, {"GETEX", "g", "exat", "1"}, {"GET", "g"},
	})
	p.Check("SET", "t", "v")
	p.Check("GETEX", "t", "px", "100000")
	checkTTLClass(t, p, "t", "GETEX PX")
	p.Check("GETEX", "t", "persist")
	checkTTLClass(t, p, "t", "GETEX PERSIST")
	p.Check("SET", "t2", "v", "EX", "100")
	p.Check("GETSET", "t2", "w")
	checkTTLClass(t, p, "t2", "GETSET")
}

func TestDiffStringMulti(t *testing.T) {
	p := nodetest.NewPair(t)
	makeWrongType(t, p, "list")
	p.CheckAll([][]string{
		{"MSET"}, {"MSET", "a"}, {"MSET", "a", "1", "b"}, {"MSET", "a", "1", "b", "2"}, {"MSET", "a", "3", "a", "4"},
		{"MGET"}, {"MGET", "a", "b", "nokey", "list", "a"},
		{"MSETNX"}, {"MSETNX", "x"}, {"MSETNX", "x", "1", "y"}, {"MSETNX", "x", "1", "y", "2"},
		{"MSETNX", "y", "1", "z", "2"}, {"MSETNX", "list", "1"}, {"MSETNX", "z", "1", "z", "2"},
		{"MGET", "x", "y", "z"}, {"MSET", "list", "s"}, {"GET", "list"},
	})
	makeWrongType(t, p, "list")
	p.Node.Do("HELLO", "3")
	p.Redis.Do("HELLO", "3")
	p.CheckAll([][]string{
		{"MGET", "x", "nokey", "list"}, {"GET", "nokey"}, {"SET", "x", "v", "NX"}, {"SET", "x", "v", "XX", "GET"},
		{"SET", "nokey", "v", "XX", "GET"}, {"GETEX", "nokey"}, {"GETDEL", "nokey"}, {"GETSET", "nokey2", "v"},
		{"INCRBYFLOAT", "f", "1.5"}, {"GETRANGE", "nokey", "0", "1"}, {"SETNX", "x", "1"},
	})
}

func TestDiffStringAppendRange(t *testing.T) {
	p := nodetest.NewPair(t)
	makeWrongType(t, p, "list")
	p.CheckAll([][]string{
		{"APPEND"}, {"APPEND", "a"}, {"APPEND", "a", "hello"}, {"APPEND", "a", " world"}, {"APPEND", "a", ""},
		{"GET", "a"}, {"APPEND", "list", "x"}, {"APPEND", "new", ""}, {"GET", "new"},
		{"STRLEN"}, {"STRLEN", "a"}, {"STRLEN", "nokey"}, {"STRLEN", "list"}, {"SET", "num", "12345"}, {"STRLEN", "num"},
		{"GETRANGE", "a", "0", "4"}, {"GETRANGE", "a", "-5", "-1"}, {"GETRANGE", "a", "-1", "-5"},
		{"GETRANGE", "a", "5", "3"}, {"GETRANGE", "a", "0", "-1"}, {"GETRANGE", "a", "-100", "100"},
		{"GETRANGE", "a", "100", "200"}, {"GETRANGE", "a", "0", "0"}, {"GETRANGE", "a", "-1", "-1"},
		{"GETRANGE", "a", "x", "1"}, {"GETRANGE", "a", "1", "x"}, {"GETRANGE", "nokey", "0", "1"},
		{"GETRANGE", "nokey", "x", "1"}, {"GETRANGE", "list", "0", "1"}, {"GETRANGE", "num", "1", "2"},
		{"GETRANGE", "a", "-9223372036854775808", "9223372036854775807"},
		{"GETRANGE", "a", "9223372036854775807", "-9223372036854775808"},
		{"GETRANGE", "a", "0", "9223372036854775808"}, {"GETRANGE", "a"},
		{"SUBSTR", "a", "1", "3"}, {"SUBSTR", "a", "-3", "-1"}, {"SUBSTR", "list", "0", "1"},
		{"SET", "empty", ""}, {"GETRANGE", "empty", "0", "-1"}, {"GETRANGE", "empty", "-1", "0"},
		{"SETRANGE"}, {"SETRANGE", "r", "0"}, {"SETRANGE", "r", "-1", "x"}, {"SETRANGE", "r", "x", "x"},
		{"SETRANGE", "r", "0", ""}, {"GET", "r"}, {"SETRANGE", "r", "5", ""}, {"GET", "r"},
		{"SETRANGE", "r", "3", "abc"}, {"GET", "r"}, {"SETRANGE", "r", "1", "Z"}, {"GET", "r"},
		{"SETRANGE", "r", "10", "end"}, {"GET", "r"}, {"SETRANGE", "r", "100", ""}, {"STRLEN", "r"},
		{"SETRANGE", "r", "536870911", ""}, {"SETRANGE", "r", "536870912", "x"},
		{"SETRANGE", "r2", "536870912", "x"}, {"SETRANGE", "r2", "536870911", "xy"}, {"GET", "r2"},
		{"SETRANGE", "r", "9223372036854775807", "x"}, {"SETRANGE", "r", "9223372036854775808", "x"},
		{"SETRANGE", "list", "0", "x"}, {"SETRANGE", "list", "-1", "x"}, {"SETRANGE", "list", "0", ""},
		{"SETRANGE", "num", "0", "9"}, {"GET", "num"}, {"INCR", "num"}, {"APPEND", "num", "0"}, {"INCR", "num"},
	})
}

func TestDiffStringIncr(t *testing.T) {
	p := nodetest.NewPair(t)
	makeWrongType(t, p, "list")
	p.CheckAll([][]string{
		{"INCR"}, {"INCR", "a", "b"}, {"INCR", "i"}, {"INCR", "i"}, {"DECR", "i"}, {"DECR", "d"},
		{"INCRBY", "i", "10"}, {"INCRBY", "i", "-20"}, {"INCRBY", "i", "x"}, {"INCRBY", "i", "1.5"},
		{"INCRBY", "i", " 1"}, {"INCRBY", "i", "+1"}, {"INCRBY", "i", "01"}, {"INCRBY", "list", "1"},
		{"INCRBY", "list", "x"}, {"DECRBY", "i", "5"}, {"DECRBY", "i", "-5"}, {"DECRBY", "i", "x"},
		{"DECRBY", "i", "-9223372036854775808"}, {"DECRBY", "list", "-9223372036854775808"},
		{"DECRBY", "nokey", "-9223372036854775808"},
		{"INCR", "list"}, {"DECR", "list"},
		{"SET", "m", "9223372036854775807"}, {"INCR", "m"}, {"INCRBY", "m", "0"}, {"DECRBY", "m", "-1"},
		{"SET", "m", "-9223372036854775808"}, {"DECR", "m"}, {"INCRBY", "m", "-1"}, {"INCR", "m"},
		{"DECRBY", "m", "9223372036854775807"}, {"INCRBY", "m", "9223372036854775807"},
		{"INCRBY", "m", "9223372036854775807"},
		{"SET", "s", "abc"}, {"INCR", "s"}, {"SET", "s", " 1"}, {"INCR", "s"}, {"SET", "s", "1 "}, {"INCR", "s"},
		{"SET", "s", "007"}, {"INCR", "s"}, {"SET", "s", "-0"}, {"INCR", "s"}, {"SET", "s", ""}, {"INCR", "s"},
		{"SET", "s", "99999999999999999999"}, {"INCR", "s"}, {"SET", "s", "1.0"}, {"INCR", "s"},
		{"INCRBYFLOAT"}, {"INCRBYFLOAT", "f"}, {"INCRBYFLOAT", "f", "1.5"}, {"INCRBYFLOAT", "f", "0.1"},
		{"INCRBYFLOAT", "f", "-1.6"}, {"INCRBYFLOAT", "f", "x"}, {"INCRBYFLOAT", "f", ""}, {"INCRBYFLOAT", "f", " 1"},
		{"INCRBYFLOAT", "f", "1 "}, {"INCRBYFLOAT", "f", "nan"}, {"INCRBYFLOAT", "f", "inf"},
		{"INCRBYFLOAT", "f", "-inf"}, {"INCRBYFLOAT", "f", "+Infinity"}, {"INCRBYFLOAT", "f", "1e"},
		{"INCRBYFLOAT", "f", "1e5000"}, {"INCRBYFLOAT", "f", "1e-5000"},
		{"INCRBYFLOAT", "f", "1e999999999"}, {"INCRBYFLOAT", "f", "1e-999999999"}, {"INCRBYFLOAT", "f", "0e999999999"},
		{"INCRBYFLOAT", "f", "0x0p-99999999"}, {"INCRBYFLOAT", "f", "0x1p-99999999"}, {"INCRBYFLOAT", "f", "-0x1P+2"}, {"INCRBYFLOAT", "f", "0x10"},
		{"INCRBYFLOAT", "f", "0x1.8p1"}, {"INCRBYFLOAT", "f", "1_0"}, {"INCRBYFLOAT", "f", ".5"},
		{"INCRBYFLOAT", "f", "5."}, {"INCRBYFLOAT", "f", "+2"}, {"INCRBYFLOAT", "f", "1e3"}, {"GET", "f"},
		{"INCRBYFLOAT", "list", "1"}, {"INCRBYFLOAT", "list", "x"},
		{"SET", "f2", "0.1"}, {"INCRBYFLOAT", "f2", "0.2"}, {"SET", "f2", "10.50"}, {"INCRBYFLOAT", "f2", "0.1"},
		{"SET", "f2", "5.0e3"}, {"INCRBYFLOAT", "f2", "2.0e2"}, {"INCRBYFLOAT", "f2", "-5200"},
		{"INCRBYFLOAT", "f2", "-0.0"}, {"SET", "f2", "1e300"}, {"INCRBYFLOAT", "f2", "1e300"},
		{"SET", "f2", "1e4900"}, {"INCRBYFLOAT", "f2", "1e4900"}, {"INCRBYFLOAT", "f2", "1e4932"},
		{"SET", "f2", "abc"}, {"INCRBYFLOAT", "f2", "1"}, {"SET", "f2", "inf"}, {"INCRBYFLOAT", "f2", "1"},
		{"SET", "f2", "1"}, {"INCRBYFLOAT", "f2", "1e-20"}, {"INCRBYFLOAT", "f2", "3.0000000000000001"},
		{"SET", "f2", "9223372036854775807"}, {"INCRBYFLOAT", "f2", "1"}, {"INCRBYFLOAT", "f2", "-0.5"},
		{"SET", "f2", "123456789.123456789"}, {"INCRBYFLOAT", "f2", "0.000000001"},
		{"INCRBYFLOAT", "f3", "-0.00000000000000000001"}, {"GET", "f3"},
		{"INCRBYFLOAT", "f4", "1e-17"}, {"INCRBYFLOAT", "f4", "5e-18"}, {"INCRBYFLOAT", "f4", "0.3"},
		{"INCR", "f4"},
	})
	p.Check("SET", "t", "1", "EX", "100")
	p.Check("INCR", "t")
	checkTTLClass(t, p, "t", "INCR keeps TTL")
	p.Check("INCRBYFLOAT", "t", "1.5")
	checkTTLClass(t, p, "t", "INCRBYFLOAT keeps TTL")
	p.Check("APPEND", "t", "0")
	p.Check("SETRANGE", "t", "0", "9")
	checkTTLClass(t, p, "t", "APPEND/SETRANGE keep TTL")
}

// TestDiffStringRandom runs a long random sequence of string commands over
// a few keys on both servers and compares every reply.
func TestDiffStringRandom(t *testing.T) {
	const seed = 20261125
	p := nodetest.NewPair(t)
	rng := rand.New(rand.NewPCG(seed, 0))
	keys := make([]string, 20)
	for i := range keys {
		keys[i] = "rk" + strconv.Itoa(i)
	}
	key := func() string { return keys[rng.IntN(len(keys))] }
	ints := []string{"0", "1", "-1", "7", "100", "-100", "9223372036854775807", "-9223372036854775808", "x", "1.5", "3"}
	num := func() string { return ints[rng.IntN(len(ints))] }
	floats := []string{"0", "1.5", "-0.25", "0.1", "1e3", "x", "3", "-7.125", "1e-5"}
	vals := []string{"", "a", "hello", "42", "-7", "3.5", "0", strings.Repeat("z", 50), "x\x00y"}
	val := func() string { return vals[rng.IntN(len(vals))] }
	opts := [][]string{nil, {"EX", "100"}, {"PX", "100000"}, {"NX"}, {"XX"}, {"GET"}, {"KEEPTTL"},
		{"XX", "GET"}, {"NX", "GET"}, {"EX", "0"}, {"PXAT", "1"}, {"KEEPTTL", "GET"}, {"BOGUS"}}
	gexOpts := [][]string{nil, {"EX", "100"}, {"PX", "100000"}, {"PERSIST"}, {"PXAT", "1"}, {"EX", "-1"}, {"KEEPTTL"}}
	for i := 0; i < 3000; i++ {
		var cmd []string
		switch rng.IntN(25) {
		case 0:
			cmd = append([]string{"SET", key(), val()}, opts[rng.IntN(len(opts))]...)
		case 1:
			cmd = []string{"GET", key()}
		case 2:
			cmd = []string{"GETSET", key(), val()}
		case 3:
			cmd = []string{"GETDEL", key()}
		case 4:
			cmd = append([]string{"GETEX", key()}, gexOpts[rng.IntN(len(gexOpts))]...)
		case 5:
			cmd = []string{"SETNX", key(), val()}
		case 6:
			cmd = []string{"SETEX", key(), num(), val()}
		case 7:
			cmd = []string{"PSETEX", key(), "100000", val()}
		case 8:
			cmd = []string{"MSET", key(), val(), key(), val()}
		case 9:
			cmd = []string{"MSETNX", key(), val(), key(), val()}
		case 10:
			cmd = []string{"MGET", key(), key(), key()}
		case 11:
			cmd = []string{"APPEND", key(), val()}
		case 12:
			cmd = []string{"STRLEN", key()}
		case 13:
			cmd = []string{"INCR", key()}
		case 14:
			cmd = []string{"DECR", key()}
		case 15:
			cmd = []string{"INCRBY", key(), num()}
		case 16:
			cmd = []string{"DECRBY", key(), num()}
		case 17:
			cmd = []string{"INCRBYFLOAT", key(), floats[rng.IntN(len(floats))]}
		case 18:
			cmd = []string{"GETRANGE", key(), strconv.Itoa(rng.IntN(12) - 6), strconv.Itoa(rng.IntN(12) - 6)}
		case 19:
			cmd = []string{"SUBSTR", key(), strconv.Itoa(rng.IntN(8)), strconv.Itoa(rng.IntN(8) - 2)}
		case 20:
			cmd = []string{"SETRANGE", key(), strconv.Itoa(rng.IntN(10) - 1), val()}
		case 21:
			cmd = []string{"DEL", key()}
		case 22:
			k := key()
			makeWrongType(t, p, k)
			continue
		case 24:
			lcsOpts := [][]string{nil, {"LEN"}, {"IDX"}, {"IDX", "WITHMATCHLEN"}, {"IDX", "MINMATCHLEN", "2"}}
			cmd = append([]string{"LCS", key(), key()}, lcsOpts[rng.IntN(len(lcsOpts))]...)
		case 23:
			k := key()
			checkTTLClass(t, p, k, fmt.Sprintf("seed %d step %d", seed, i))
			continue
		}
		nv := p.Node.Do(cmd...)
		rv := p.Redis.Do(cmd...)
		if !nodetest.Equal(nv, rv) {
			t.Fatalf("seed %d step %d: %s:\n  slotcache: %s\n  redis:     %s", seed, i, nodetest.Quote(cmd), nv, rv)
		}
	}
	for _, k := range keys {
		p.Check("GET", k)
		checkTTLClass(t, p, k, "final")
	}
}

// BenchmarkStringConnSetGet measures SET and GET through a real loopback
// connection to an in-process node (one round trip per command).
func BenchmarkStringConnSetGet(b *testing.B) {
	addr, _ := nodetest.StartNode(b, nil)
	c := nodetest.Dial(b, addr)
	b.Run("SET", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.Do("SET", "bench:key", "some-value")
		}
	})
	b.Run("GET", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.Do("GET", "bench:key")
		}
	})
}

func TestDiffStringLCS(t *testing.T) {
	p := nodetest.NewPair(t)
	makeWrongType(t, p, "list")
	big1 := strings.Repeat("ab", 6000)
	big2 := strings.Repeat("ba", 6000)
	cmds := [][]string{
		{"LCS"}, {"LCS", "k1"},
		{"MSET", "k1", "ohmytext", "k2", "mynewtext", "e", ""},
		{"LCS", "k1", "k2"}, {"LCS", "k1", "k2", "LEN"}, {"LCS", "k1", "k2", "IDX"},
		{"LCS", "k1", "k2", "idx", "minmatchlen", "4"}, {"LCS", "k1", "k2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"},
		{"LCS", "k1", "k2", "IDX", "WITHMATCHLEN"}, {"LCS", "k1", "k2", "IDX", "MINMATCHLEN", "-3"},
		{"LCS", "k1", "k2", "IDX", "MINMATCHLEN", "x"}, {"LCS", "k1", "k2", "IDX", "MINMATCHLEN"},
		{"LCS", "k1", "k2", "IDX", "LEN"}, {"LCS", "k1", "k2", "LEN", "IDX"}, {"LCS", "k1", "k2", "BOGUS"},
		{"LCS", "k1", "k2", "WITHMATCHLEN"}, {"LCS", "k1", "k2", "LEN", "WITHMATCHLEN"},
		{"LCS", "k1", "nokey"}, {"LCS", "nokey", "k1", "IDX"}, {"LCS", "e", "k1", "LEN"}, {"LCS", "k1", "k1", "IDX"},
		{"LCS", "k1", "list"}, {"LCS", "list", "k1", "BOGUS"}, {"LCS", "nokey", "list"},
		{"MSET", "a", "GTCGTTCGGAATGCCGTTGCTCTGTAAA", "b", "ACCGGTCGAGTGCGCGGAAGCCGGCCGAA"},
		{"LCS", "a", "b"}, {"LCS", "a", "b", "IDX", "WITHMATCHLEN"}, {"LCS", "b", "a", "IDX", "MINMATCHLEN", "2"},
		{"MSET", "x", "aaaa", "y", "aa"}, {"LCS", "x", "y", "IDX"}, {"LCS", "y", "x", "IDX", "WITHMATCHLEN"},
		{"MSET", "big1", big1, "big2", big2}, {"LCS", "big1", "big2", "LEN"},
		{"SET", "mid", strings.Repeat("abc", 300)}, {"LCS", "mid", "k1", "IDX"},
	}
	p.CheckAll(cmds)
	p.Node.Do("HELLO", "3")
	p.Redis.Do("HELLO", "3")
	p.CheckAll([][]string{{"LCS", "k1", "k2", "IDX", "WITHMATCHLEN"}, {"LCS", "a", "b", "IDX"}})
}

// TestDiffStringIncrByFloatRandom compares INCRBYFLOAT results for random
// operands of many magnitudes (long double arithmetic and "%.17Lf" output).
func TestDiffStringIncrByFloatRandom(t *testing.T) {
	const seed = 77
	p := nodetest.NewPair(t)
	rng := rand.New(rand.NewPCG(seed, 0))
	operand := func() string {
		mant := strconv.FormatInt(rng.Int64N(2_000_000_000)-1_000_000_000, 10)
		switch rng.IntN(4) {
		case 0:
			return mant
		case 1:
			return mant + "e" + strconv.Itoa(rng.IntN(60)-30)
		case 2:
			return "0." + strconv.FormatInt(rng.Int64N(1_000_000_000_000), 10)
		}
		return strconv.FormatFloat(rng.NormFloat64()*1e6, 'g', -1, 64)
	}
	for i := 0; i < 1500; i++ {
		k := "f" + strconv.Itoa(rng.IntN(5))
		var cmd []string
		if rng.IntN(8) == 0 {
			cmd = []string{"SET", k, operand()}
		} else {
			cmd = []string{"INCRBYFLOAT", k, operand()}
		}
		nv := p.Node.Do(cmd...)
		rv := p.Redis.Do(cmd...)
		if !nodetest.Equal(nv, rv) {
			t.Fatalf("seed %d step %d: %s:\n  slotcache: %s\n  redis:     %s", seed, i, nodetest.Quote(cmd), nv, rv)
		}
	}
}

// TestDiffStringOverwrite overwrites strings in every size class with
// shorter, equal and longer values (in place when the buffer fits, a new
// object otherwise), across TTLs, KEEPTTL, APPEND and INCR, and compares
// values, lengths, encodings and TTLs with redis-server.
func TestDiffStringOverwrite(t *testing.T) {
	p := nodetest.NewPair(t)
	long := strings.Repeat("L", 60)
	var cmds [][]string
	for _, v := range []string{"a", "0123456789abcdef", "12345", strings.Repeat("m", 30), strings.Repeat("n", 47), long, "x"} {
		cmds = append(cmds,
			[]string{"SET", "s", v},
			[]string{"GET", "s"}, []string{"STRLEN", "s"}, []string{"OBJECT", "ENCODING", "s"},
			[]string{"MSET", "m1", v, "m2", v + "z"},
			[]string{"MGET", "m1", "m2"}, []string{"OBJECT", "ENCODING", "m2"},
		)
	}
	cmds = append(cmds,
		[]string{"SET", "t", "with-ttl", "EX", "100"},
		[]string{"SET", "t", "kept", "KEEPTTL"}, []string{"TTL", "t"}, []string{"GET", "t"},
		[]string{"SET", "t", "gone"}, []string{"TTL", "t"},
		[]string{"SET", "t", "again", "PX", "100000"},
		[]string{"MSET", "t", "mset-drops-ttl"}, []string{"TTL", "t"},
		[]string{"SET", "c", "10"}, []string{"INCR", "c"}, []string{"SET", "c", "7"}, []string{"INCR", "c"},
		[]string{"OBJECT", "ENCODING", "c"},
		[]string{"APPEND", "c", "tail"}, []string{"OBJECT", "ENCODING", "c"},
		[]string{"SET", "c", "short"}, []string{"GET", "c"}, []string{"OBJECT", "ENCODING", "c"},
		[]string{"GETSET", "c", "newer"}, []string{"SET", "c", "x", "GET"}, []string{"GET", "c"},
		[]string{"LPUSH", "l", "e"}, []string{"SET", "l", "string-now"}, []string{"TYPE", "l"},
	)
	p.CheckAll(cmds)
}
