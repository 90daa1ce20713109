package node_test

import (
	"bytes"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
)

// sortHashReplies sorts the replies whose order depends on the hashtable
// layout: HKEYS and HVALS element by element, HGETALL pair by pair.
func sortHashReplies(args []string, v resp.Value) resp.Value {
	if v.IsError() || v.Null {
		return v
	}
	switch strings.ToUpper(args[0]) {
	case "HKEYS", "HVALS":
		e := append([]resp.Value(nil), v.Elems...)
		sort.Slice(e, func(i, j int) bool { return bytes.Compare(e[i].Str, e[j].Str) < 0 })
		v.Elems = e
	case "HGETALL":
		n := len(v.Elems) / 2
		pairs := make([][2]resp.Value, n)
		for i := range pairs {
			pairs[i] = [2]resp.Value{v.Elems[2*i], v.Elems[2*i+1]}
		}
		sort.Slice(pairs, func(i, j int) bool { return bytes.Compare(pairs[i][0].Str, pairs[j][0].Str) < 0 })
		e := make([]resp.Value, 0, len(v.Elems))
		for _, p := range pairs {
			e = append(e, p[0], p[1])
		}
		v.Elems = e
	}
	return v
}

func TestDiffHashBasics(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"HSET", "h", "f1", "v1"},
		{"HSET", "h", "f2", "v2", "f3", "v3", "f1", "v1b"},
		{"HSET", "h", "f1"},
		{"HSET", "h", "f1", "v", "f2"},
		{"HSET", "h"},
		{"HMSET", "h", "f4", "v4", "f5", "v5"},
		{"HMSET", "h", "f4"},
		{"HMSET", "h", "f4", "v", "f5"},
		{"HSETNX", "h", "f1", "x"},
		{"HSETNX", "h", "f6", "v6"},
		{"HSETNX", "h2", "f", "v"},
		{"HSETNX", "h", "f6"},
		{"HGET", "h", "f1"},
		{"HGET", "h", "nof"},
		{"HGET", "noh", "f"},
		{"HGET", "h"},
		{"HMGET", "h", "f1", "nof", "f2"},
		{"HMGET", "noh", "a", "b"},
		{"HMGET", "h"},
		{"HEXISTS", "h", "f1"},
		{"HEXISTS", "h", "nof"},
		{"HEXISTS", "noh", "f"},
		{"HLEN", "h"},
		{"HLEN", "noh"},
		{"HSTRLEN", "h", "f1"},
		{"HSTRLEN", "h", "nof"},
		{"HSTRLEN", "noh", "f"},
		{"HKEYS", "h"},
		{"HVALS", "h"},
		{"HGETALL", "h"},
		{"HKEYS", "noh"},
		{"HVALS", "noh"},
		{"HGETALL", "noh"},
		{"HDEL", "h", "f1", "nof", "f1"},
		{"HDEL", "noh", "f"},
		{"HDEL", "h"},
		{"HGETALL", "h"},
		{"HDEL", "h2", "f"},
		{"HLEN", "h2"},
		{"HDEL", "h", "f2", "f3", "f4", "f5", "f6"},
		{"HLEN", "h"},
		{"HGETALL", "h"},
		{"SET", "s", "v"},
		{"HSET", "s", "f", "v"},
		{"HMSET", "s", "f", "v"},
		{"HSETNX", "s", "f", "v"},
		{"HGET", "s", "f"},
		{"HMGET", "s", "f"},
		{"HDEL", "s", "f"},
		{"HEXISTS", "s", "f"},
		{"HLEN", "s"},
		{"HSTRLEN", "s", "f"},
		{"HKEYS", "s"},
		{"HVALS", "s"},
		{"HGETALL", "s"},
		{"HINCRBY", "s", "f", "1"},
		{"HINCRBYFLOAT", "s", "f", "1"},
		{"HRANDFIELD", "s"},
		{"HRANDFIELD", "s", "1"},
		{"HSCAN", "s", "0"},
		{"GET", "s"},
	})
	resp3(t, p)
	p.CheckAll([][]string{
		{"HSET", "h3", "a", "1", "b", "2"},
		{"HGETALL", "h3"},
		{"HGETALL", "noh"},
		{"HKEYS", "h3"},
		{"HMGET", "h3", "a", "x"},
		{"HGET", "h3", "x"},
		{"HEXISTS", "h3", "a"},
		{"HSCAN", "h3", "0"},
		{"HRANDFIELD", "h3", "5", "WITHVALUES"},
		{"HRANDFIELD", "noh"},
		{"HRANDFIELD", "noh", "3"},
	})
}

func TestDiffHashIncr(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Normalize(sortHashReplies)
	p.CheckAll([][]string{
		{"HINCRBY", "h", "n", "5"},
		{"HINCRBY", "h", "n", "-7"},
		{"HINCRBY", "h", "n", "x"},
		{"HINCRBY", "h", "n", "1.5"},
		{"HINCRBY", "h", "n", ""},
		{"HINCRBY", "h", "n", "9223372036854775807"},
		{"HINCRBY", "h", "n", "9223372036854775807"},
		{"HINCRBY", "h", "m", "-9223372036854775808"},
		{"HINCRBY", "h", "m", "-1"},
		{"HSET", "h", "s", "abc", "f", "1.5", "sp", " 1", "big", "99999999999999999999"},
		{"HINCRBY", "h", "s", "1"},
		{"HINCRBY", "h", "f", "1"},
		{"HINCRBY", "h", "sp", "1"},
		{"HINCRBY", "h", "big", "1"},
		{"HINCRBY", "noh", "f", "x"},
		{"HINCRBY", "h", "n"},
		{"HGETALL", "h"},
	})
	for _, c := range [][2]string{
		{"x", "1.5"}, {"x", "0.1"}, {"x", "0.2"}, {"x", "-0.3"}, {"x", "1e3"}, {"x", "3.0e-5"},
		{"y", "10.5"}, {"y", "-10.5"}, {"z", "1"}, {"z", "abc"}, {"z", ""}, {"z", " 1"}, {"z", "1 "},
		{"z", "inf"}, {"z", "-inf"}, {"z", "nan"}, {"z", "+inf"}, {"z", "1e308"}, {"w", "1.1"}, {"w", "2.2"},
		{"w", "3.3"}, {"u", "5.0e3"}, {"u", "-5000"}, {"n", "0.5"}, {"s", "1"}, {"f", "0.25"}, {"big", "1"},
		{"v", "123456789.123456789"}, {"v", "0.000000000000000001"}, {"q", "1e20"}, {"q", ".5"}, {"q", "5."},
		{"q", "0x10"}, {"q", "1_0"}, {"q", "0x1.8p1"}, {"q", "0x"}, {"q", "0b1"}, {"q", "1e5000"}, {"q", "infinity"},
		{"q", "1e"}, {"q", "-.5e-3"}, {"q", "1e4000"}, {"q", "0o7"}, {"t", "1e-5000"}, {"t", "1e4932"}, {"t", "1e4932"},
		{"t2", "1e-4940"}, {"t3", "-1e4932"}, {"t3", "-1e4932"}, {"t4", "1e4933"}, {"t4", "0.1"},
	} {
		p.Check("HINCRBYFLOAT", "h", c[0], c[1])
	}
	p.CheckAll([][]string{
		{"HSET", "h", "inf", "inf", "nan", "nan", "hex", "0x1p3", "tiny", "1e-5000", "huge", "1e5000"},
		{"HINCRBYFLOAT", "h", "tiny", "1"},
		{"HINCRBYFLOAT", "h", "huge", "1"},
		{"HINCRBYFLOAT", "h", "inf", "1"},
		{"HINCRBYFLOAT", "h", "nan", "1"},
		{"HINCRBYFLOAT", "h", "hex", "1"},
		{"HINCRBYFLOAT", "noh", "f", "x"},
		{"HINCRBYFLOAT", "h", "f"},
		{"HGETALL", "h"},
	})
}

func TestDiffHashRandField(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Check("HSET", "h", "a", "1", "b", "2", "c", "3")
	for _, args := range [][]string{
		{"3"}, {"5"}, {"100", "WITHVALUES"}, {"0"}, {"0", "WITHVALUES"}, {"x"}, {"1.5"},
		{"-9223372036854775808"}, {"9223372036854775807", "WITHVALUES"}, {"-9223372036854775807", "WITHVALUES"},
		{"4611686018427387904", "withvalues"}, {"3", "WITHVALUE"}, {"3", "WITHVALUES", "x"},
	} {
		p.Check(append([]string{"HRANDFIELD", "h"}, args...)...)
		p.Check(append([]string{"HRANDFIELD", "noh"}, args...)...)
	}
	p.Check("HSET", "one", "a", "1")
	for _, args := range [][]string{{}, {"1"}, {"-5"}, {"-3", "WITHVALUES"}, {"1", "WITHVALUES"}} {
		p.Check(append([]string{"HRANDFIELD", "one"}, args...)...)
	}
	// Random results: compare shapes and membership only.
	fields := map[string]string{"a": "1", "b": "2", "c": "3"}
	for _, proto := range []string{"2", "3"} {
		p.Node.Do("HELLO", proto)
		for _, args := range [][]string{{"2"}, {"-7"}, {"2", "WITHVALUES"}, {"-7", "WITHVALUES"}} {
			v := p.Node.Do(append([]string{"HRANDFIELD", "h"}, args...)...)
			n, _ := strconv.Atoi(args[0])
			if n < 0 {
				n = -n
			}
			withValues := len(args) == 2
			want := n
			if withValues && proto == "2" {
				want = 2 * n
			}
			if len(v.Elems) != want {
				t.Fatalf("RESP%s HRANDFIELD h %v: %d elements, want %d", proto, args, len(v.Elems), want)
			}
			seen := map[string]bool{}
			for i := 0; i < want; i++ {
				var f, val string
				switch {
				case withValues && proto == "3":
					f, val = string(v.Elems[i].Elems[0].Str), string(v.Elems[i].Elems[1].Str)
				case withValues:
					f, val = string(v.Elems[i].Str), string(v.Elems[i+1].Str)
					i++
				default:
					f = string(v.Elems[i].Str)
					val = fields[f]
				}
				if fields[f] != val || val == "" {
					t.Fatalf("HRANDFIELD h %v: bad pair %q=%q", args, f, val)
				}
				if n > 0 && args[0][0] != '-' && seen[f] {
					t.Fatalf("HRANDFIELD h %v: %q repeated", args, f)
				}
				seen[f] = true
			}
		}
	}
}

func TestDiffHashScan(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"HSET", "h", "a1", "1", "a2", "2", "b1", "3"},
		{"HSCAN", "h", "0"},
		{"HSCAN", "h", "0", "MATCH", "a*"},
		{"HSCAN", "h", "0", "MATCH", "*"},
		{"HSCAN", "h", "0", "COUNT", "1"},
		{"HSCAN", "h", "0", "COUNT", "0"},
		{"HSCAN", "h", "0", "COUNT", "-1"},
		{"HSCAN", "h", "0", "COUNT", "x"},
		{"HSCAN", "h", "0", "MATCH"},
		{"HSCAN", "h", "0", "FOO", "1"},
		{"HSCAN", "h", "0", "TYPE", "hash"},
		{"HSCAN", "h", "0", "mAtCh\x00x", "a*"},
		{"HSCAN", "h", "0", "MATCH", "b*", "COUNT", "100"},
		{"HSCAN", "h", "x"},
		{"HSCAN", "h", "-1"},
		{"HSCAN", "h", ""},
		{"HSCAN", "h", " 0"},
		{"HSCAN", "h", "+0"},
		{"HSCAN", "h", "18446744073709551616"},
		{"HSCAN", "h", "18446744073709551615"},
		{"HSCAN", "noh", "0"},
		{"HSCAN", "noh", "0", "COUNT", "x"},
		{"HSCAN", "noh", "x"},
		{"HSCAN", "h"},
	})
	// A hashtable-encoded hash: every field comes back through the cursor,
	// including while other fields are added and removed during the scan.
	var args []string
	for i := 0; i < 300; i++ {
		args = append(args, "f"+strconv.Itoa(i), strconv.Itoa(i))
	}
	p.Check(append([]string{"HSET", "big"}, args...)...)
	got := map[string]int{}
	cursor := "0"
	for round := 0; ; round++ {
		v := p.Node.Do("HSCAN", "big", cursor, "COUNT", "7")
		for i := 0; i+1 < len(v.Elems[1].Elems); i += 2 {
			got[string(v.Elems[1].Elems[i].Str)]++
		}
		// Churn: add and delete fields that are not part of the check.
		p.Node.Do("HSET", "big", "tmp"+strconv.Itoa(round), "x")
		p.Node.Do("HDEL", "big", "tmp"+strconv.Itoa(round-3))
		cursor = string(v.Elems[0].Str)
		if cursor == "0" {
			break
		}
		if round > 10000 {
			t.Fatal("HSCAN does not terminate")
		}
	}
	for i := 0; i < 300; i++ {
		if n := got["f"+strconv.Itoa(i)]; n != 1 {
			t.Fatalf("field f%d returned %d times", i, n)
		}
	}
}

// TestDiffHashRandom runs random hash commands against both servers,
// sorting the replies whose order depends on the hashtable layout.
func TestDiffHashRandom(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Normalize(sortHashReplies)
	const seed = 7001
	r := rand.New(rand.NewPCG(seed, 0))
	keys := []string{"ha", "hb"}
	// "ha" stays small enough for the listpack form; "hb" crosses both
	// thresholds.
	var k string
	field := func() string {
		if k == "ha" {
			return "f" + strconv.Itoa(r.IntN(100))
		}
		return "f" + strconv.Itoa(r.IntN(160))
	}
	value := func() string {
		switch r.IntN(10) {
		case 0:
			if k == "ha" {
				return strings.Repeat("v", 64)
			}
			return strings.Repeat("v", 60+r.IntN(10))
		case 1:
			return strconv.Itoa(r.IntN(100) - 50)
		case 2:
			return strconv.FormatFloat(float64(r.IntN(1000))/8, 'f', -1, 64)
		}
		return "v" + strconv.Itoa(r.IntN(50))
	}
	exact := 0
	for i := 0; i < 5000; i++ {
		if i == 2500 {
			resp3(t, p) // the second half runs in RESP3
		}
		k = keys[r.IntN(len(keys))]
		var cmd []string
		switch r.IntN(14) {
		case 0, 1, 2:
			cmd = []string{"HSET", k, field(), value(), field(), value()}
		case 3:
			cmd = []string{"HSETNX", k, field(), value()}
		case 4:
			cmd = []string{"HGET", k, field()}
		case 5:
			cmd = []string{"HMGET", k, field(), field()}
		case 6:
			cmd = []string{"HDEL", k, field(), field(), field()}
		case 7:
			cmd = []string{"HEXISTS", k, field()}
		case 8:
			cmd = []string{"HLEN", k}
		case 9:
			cmd = []string{"HSTRLEN", k, field()}
		case 10:
			cmd = []string{[]string{"HKEYS", "HVALS", "HGETALL"}[r.IntN(3)], k}
		case 11:
			cmd = []string{"HINCRBY", k, field(), strconv.Itoa(r.IntN(20) - 10)}
		case 12:
			cmd = []string{"HINCRBYFLOAT", k, field(), strconv.FormatFloat(float64(r.IntN(100)-50)/10, 'f', -1, 64)}
		default:
			cmd = []string{"HMSET", k, field(), value()}
		}
		nv, rv := p.Node.Do(cmd...), p.Redis.Do(cmd...)
		// Listpack hashes keep insertion order in both servers: compare
		// exactly; sort only the replies of hashtable-encoded ones.
		if enc := p.Redis.Do("OBJECT", "ENCODING", k); string(enc.Str) != "listpack" {
			nv, rv = sortHashReplies(cmd, nv), sortHashReplies(cmd, rv)
		} else {
			exact++
		}
		if !nodetest.Equal(nv, rv) {
			t.Fatalf("seed %d step %d %s:\n  slotcache: %s\n  redis:     %s", seed, i, nodetest.Quote(cmd), nv, rv)
		}
	}
	if exact < 1000 {
		t.Fatalf("seed %d: only %d replies compared on listpack hashes", seed, exact)
	}
	for _, k := range keys {
		p.Check("HGETALL", k)
		t.Logf("seed %d: %s ends with %d fields, %s", seed, k, p.Node.Do("HLEN", k).Int, p.Redis.Do("OBJECT", "ENCODING", k))
	}
	t.Logf("seed %d: %d replies compared on listpack hashes", seed, exact)
}

// TestDiffListHashArity sends every list and hash command with too few and
// too many arguments.
func TestDiffListHashArity(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Check("RPUSH", "l", "a")
	p.Check("HSET", "h", "f", "v")
	cmds := []string{"LPUSH", "RPUSH", "LPUSHX", "RPUSHX", "LPOP", "RPOP", "LLEN", "LRANGE", "LINDEX", "LSET",
		"LREM", "LTRIM", "LINSERT", "LPOS", "RPOPLPUSH", "LMOVE", "LMPOP",
		"HSET", "HSETNX", "HMSET", "HGET", "HMGET", "HDEL", "HEXISTS", "HLEN", "HSTRLEN", "HKEYS", "HVALS",
		"HGETALL", "HINCRBY", "HINCRBYFLOAT", "HRANDFIELD", "HSCAN"}
	for _, name := range cmds {
		p.Check(name)
		key := "l"
		if name[0] == 'H' {
			key = "h"
		}
		args := []string{name}
		for i := 0; i < 6; i++ {
			args = append(args, key)
			p.Check(args...)
		}
		p.Check(strings.ToLower(name), key, "0", "1", "2", "3", "4", "5", "6")
	}
}
