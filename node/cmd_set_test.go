package node_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
)

// sortElems sorts the elements of an array or set reply by their text.
func sortElems(v resp.Value) resp.Value {
	e := slices.Clone(v.Elems)
	slices.SortFunc(e, func(a, b resp.Value) int { return strings.Compare(a.String(), b.String()) })
	v.Elems = e
	return v
}

// unordered lists the commands whose replies Redis orders arbitrarily for
// hashtable sets.
var unordered = map[string]bool{"SMEMBERS": true, "SINTER": true, "SUNION": true, "SDIFF": true, "SPOP": true}

// normSets sorts replies whose order is unspecified and reduces random
// replies to their shape.
func normSets(args []string, v resp.Value) resp.Value {
	cmd := strings.ToUpper(args[0])
	switch {
	case unordered[cmd] && !v.IsError():
		return sortElems(v)
	case cmd == "SSCAN" && !v.IsError() && len(v.Elems) == 2:
		v.Elems = []resp.Value{v.Elems[0], sortElems(v.Elems[1])}
		return v
	case (cmd == "SRANDMEMBER" || cmd == "ZRANDMEMBER") && !v.IsError():
		if v.Type == '$' && !v.Null {
			v.Str = []byte("member")
		}
		for i := range v.Elems {
			v.Elems[i] = resp.Value{Type: v.Elems[i].Type}
		}
	}
	return v
}

func TestSetCommands(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Normalize(normSets)
	long := strings.Repeat("x", 70)
	p.CheckAll([][]string{
		{"SADD", "s"}, {"SADD"}, {"SREM", "s"}, {"SMEMBERS"}, {"SMEMBERS", "a", "b"},
		{"SISMEMBER", "s"}, {"SMISMEMBER", "s"}, {"SCARD"}, {"SPOP"}, {"SRANDMEMBER"},
		{"SMOVE", "a", "b"}, {"SDIFF"}, {"SINTERSTORE", "d"}, {"SINTERCARD", "1"}, {"SSCAN", "s"},
		{"SADD", "s", "3", "1", "2", "1", "-5"},
		{"SMEMBERS", "s"}, {"SCARD", "s"},
		{"SISMEMBER", "s", "1"}, {"SISMEMBER", "s", "01"}, {"SISMEMBER", "s", "x"}, {"SISMEMBER", "nokey", "1"},
		{"SMISMEMBER", "s", "1", "x", "2"}, {"SMISMEMBER", "nokey", "1", "2"},
		{"SADD", "s", "01"}, {"SMEMBERS", "s"},
		{"SREM", "s", "01", "nope", "3"}, {"SMEMBERS", "s"},
		{"SADD", "t", "a", "b", "c", long},
		{"SET", "str", "v"},
		{"SADD", "str", "a"}, {"SREM", "str", "a"}, {"SMEMBERS", "str"}, {"SISMEMBER", "str", "a"},
		{"SMISMEMBER", "str", "a"}, {"SCARD", "str"}, {"SPOP", "str"}, {"SRANDMEMBER", "str"},
		{"SRANDMEMBER", "str", "2"}, {"SMOVE", "str", "s", "a"}, {"SMOVE", "s", "str", "1"},
		{"SDIFF", "s", "str"}, {"SINTER", "str", "s"}, {"SUNION", "s", "str"},
		{"SINTER", "nokey", "str"}, {"SINTERSTORE", "d", "nokey", "str"}, {"SUNIONSTORE", "d", "s", "str"},
		{"SINTERCARD", "2", "s", "str"}, {"SSCAN", "str", "0"},
		// SPOP / SRANDMEMBER arguments.
		{"SPOP", "s", "x"}, {"SPOP", "s", "-1"}, {"SPOP", "s", "1", "2"}, {"SPOP", "s", "0"},
		{"SPOP", "str", "0"}, {"SPOP", "nokey"}, {"SPOP", "nokey", "3"},
		{"SRANDMEMBER", "s", "x"}, {"SRANDMEMBER", "s", "1", "2"}, {"SRANDMEMBER", "s", "0"},
		{"SRANDMEMBER", "nokey"}, {"SRANDMEMBER", "nokey", "5"}, {"SRANDMEMBER", "nokey", "-5"},
		{"SRANDMEMBER", "s", "-9223372036854775808"}, {"SRANDMEMBER", "s", "9223372036854775807"},
		{"SRANDMEMBER", "s", "-7"}, {"SRANDMEMBER", "s", "2"}, {"SRANDMEMBER", "s", "100"},
		{"SRANDMEMBER", "t", "-3"}, {"SRANDMEMBER", "str", "0"},
		{"SADD", "one", "m"}, {"SPOP", "one"}, {"SCARD", "one"},
		{"SADD", "p", "1", "2", "3"}, {"SPOP", "p", "3"}, {"SCARD", "p"},
		{"SADD", "p", "1", "2", "3"}, {"SPOP", "p", "10"}, {"SCARD", "p"},
		// SMOVE.
		{"SADD", "m1", "a", "b"}, {"SMOVE", "m1", "m2", "a"}, {"SMOVE", "m1", "m2", "zz"},
		{"SMOVE", "m1", "m1", "b"}, {"SMOVE", "m1", "m1", "zz"}, {"SMOVE", "nokey", "m2", "a"}, {"SMOVE", "nokey", "str", "a"},
		{"SMOVE", "m1", "m2", "b"}, {"SCARD", "m1"}, {"SMEMBERS", "m2"},
		{"SADD", "i1", "5"}, {"SMOVE", "m2", "i1", "a"},
		// Algebra.
		{"DEL", "a", "b", "c"},
		{"SADD", "a", "1", "2", "3", "4", "x"}, {"SADD", "b", "2", "3", "y"}, {"SADD", "c", "3", "4", "5"},
		{"SINTER", "a", "b"}, {"SINTER", "a", "b", "c"}, {"SINTER", "c", "a"}, {"SINTER", "a"},
		{"SUNION", "a", "b", "c"}, {"SUNION", "c", "nokey"}, {"SDIFF", "a", "b", "c"}, {"SDIFF", "c", "a"},
		{"SDIFF", "nokey", "a"}, {"SDIFF", "c", "nokey"},
		{"SINTERSTORE", "d", "a", "b"}, {"SMEMBERS", "d"},
		{"SINTERSTORE", "d", "c", "a"}, {"SMEMBERS", "d"},
		{"SUNIONSTORE", "d", "a", "b", "c"}, {"SCARD", "d"},
		{"SDIFFSTORE", "d", "c", "a"}, {"SMEMBERS", "d"},
		{"SDIFFSTORE", "d", "c", "c"}, {"SCARD", "d"},
		{"SET", "d", "x"}, {"SINTERSTORE", "d", "a", "nokey"}, {"SCARD", "d"},
		{"SET", "d", "x"}, {"SUNIONSTORE", "d", "a"}, {"SCARD", "d"},
		{"SUNIONSTORE", "a", "a", "c"}, {"SMEMBERS", "a"},
		// SINTERCARD.
		{"SINTERCARD", "2", "a", "b"}, {"SINTERCARD", "3", "a", "b", "c"}, {"SINTERCARD", "1", "a", "LIMIT", "2"},
		{"SINTERCARD", "1", "a", "LIMIT", "0"}, {"SINTERCARD", "1", "a", "limit", "100"},
		{"SINTERCARD", "0", "a"}, {"SINTERCARD", "-1", "a"}, {"SINTERCARD", "x", "a"}, {"SINTERCARD", "3", "a", "b"},
		{"SINTERCARD", "1", "a", "LIMIT"}, {"SINTERCARD", "1", "a", "LIMIT", "-1"}, {"SINTERCARD", "1", "a", "LIMIT", "x"},
		{"SINTERCARD", "1", "a", "FOO", "1"}, {"SINTERCARD", "2", "a", "nokey"}, {"SINTERCARD", "1", "str", "LIMIT", "x"},
		// SSCAN.
		{"SSCAN", "a", "0"}, {"SSCAN", "a", "0", "MATCH", "[1-3]"},
		{"SSCAN", "a", "x"}, {"SSCAN", "a", " 1"}, {"SSCAN", "a", "1x"}, {"SSCAN", "a", "0", "COUNT", "0"}, {"SSCAN", "a", "0", "COUNT", "x"},
		{"SSCAN", "a", "0", "MATCH"}, {"SSCAN", "a", "0", "TYPE", "set"}, {"SSCAN", "nokey", "0", "BAD"},
		{"SSCAN", "s", "0"}, {"SSCAN", "t", "0", "MATCH", "a*"},
		{"SADD", "edge", "-0", "+1", " 1", "9223372036854775808", "1"}, {"SMEMBERS", "edge"},
		{"SISMEMBER", "edge", "1"}, {"SISMEMBER", "edge", "-0"}, {"SREM", "edge", "+1", "1"}, {"SMEMBERS", "edge"},
	})
}

// TestSetEncodingLimit checks the intset to hashtable conversion at 512.
func TestSetEncodingLimit(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Normalize(normSets)
	args := []string{"SADD", "big"}
	for i := 0; i < 512; i++ {
		args = append(args, strconv.Itoa(i*7-1000))
	}
	p.Check(args...)
	p.Check("SMEMBERS", "big")
	p.Check("SADD", "big", "5000")
	p.Check("SREM", "big", "5000")
	p.Check("SMEMBERS", "big")
	p.Check("SUNIONSTORE", "big2", "big")
}

// TestSetResp3 compares the RESP3 reply types.
func TestSetResp3(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Normalize(normSets)
	p.Node.Do("HELLO", "3")
	p.Redis.Do("HELLO", "3")
	p.CheckAll([][]string{
		{"SADD", "s", "1", "2"}, {"SMEMBERS", "s"}, {"SMEMBERS", "nokey"}, {"SINTER", "s"}, {"SUNION", "s"},
		{"SDIFF", "s"}, {"SPOP", "nokey", "2"}, {"SPOP", "s", "0"}, {"SRANDMEMBER", "s", "2"},
		{"SRANDMEMBER", "s", "-2"}, {"SRANDMEMBER", "nokey"}, {"SPOP", "nokey"}, {"SMISMEMBER", "s", "1"},
		{"SSCAN", "s", "0"}, {"SPOP", "s", "5"},
	})
}

// TestSetScanLarge scans a hashtable set to the end and checks every member
// comes back.
func TestSetScanLarge(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	c := nodetest.Dial(t, addr)
	want := map[string]bool{}
	args := []string{"SADD", "s"}
	for i := 0; i < 1000; i++ {
		m := fmt.Sprintf("m%d", i)
		want[m] = true
		args = append(args, m)
	}
	c.Do(args...)
	got := map[string]bool{}
	cursor := "0"
	for i := 0; ; i++ {
		v := c.Do("SSCAN", "s", cursor, "COUNT", "37")
		for _, e := range v.Elems[1].Elems {
			got[string(e.Str)] = true
		}
		// Deleting during the scan must not hide the members that stay.
		if i == 3 {
			for j := 0; j < 100; j++ {
				m := fmt.Sprintf("m%d", j*3)
				c.Do("SREM", "s", m)
				delete(want, m)
			}
		}
		cursor = string(v.Elems[0].Str)
		if cursor == "0" {
			break
		}
	}
	for m := range want {
		if !got[m] {
			t.Fatalf("SSCAN missed %q", m)
		}
	}
}

// TestSpopCount checks SPOP with a count on the node alone, as the popped
// members are random.
func TestSpopCount(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	c := nodetest.Dial(t, addr)
	for _, members := range [][]string{{"1", "2", "3", "4", "5"}, {"a", "b", "c", "d", "e"}} {
		c.Do(append([]string{"SADD", "s"}, members...)...)
		v := c.Do("SPOP", "s", "3")
		if len(v.Elems) != 3 {
			t.Fatalf("SPOP s 3 = %s", v)
		}
		seen := map[string]bool{}
		for _, e := range v.Elems {
			if !slices.Contains(members, string(e.Str)) || seen[string(e.Str)] {
				t.Fatalf("SPOP s 3 = %s", v)
			}
			seen[string(e.Str)] = true
			if c.Do("SISMEMBER", "s", string(e.Str)).Int != 0 {
				t.Fatalf("%s still a member", e.Str)
			}
		}
		if n := c.Do("SCARD", "s").Int; n != 2 {
			t.Fatalf("SCARD = %d", n)
		}
		r := c.Do("SRANDMEMBER", "s", "2")
		if len(r.Elems) != 2 || string(r.Elems[0].Str) == string(r.Elems[1].Str) {
			t.Fatalf("SRANDMEMBER s 2 = %s", r)
		}
		c.Do("DEL", "s")
	}
}

// TestSetRandom runs random command sequences against both servers.
// The large pool takes integer sets past set-max-intset-entries.
func TestSetRandom(t *testing.T) {
	for _, tc := range []struct {
		seed      uint64
		ints      int
		strChance int // one member in strChance is not an integer
	}{{20261125, 40, 3}, {20261126, 1200, 50}} {
		t.Run(fmt.Sprint(tc.ints), func(t *testing.T) { setRandom(t, tc.seed, tc.ints, tc.strChance) })
	}
}

func setRandom(t *testing.T, seed uint64, ints, strChance int) {
	p := nodetest.NewPair(t)
	p.Normalize(normSets)
	r := rand.New(rand.NewPCG(seed, 0))
	keys := []string{"{s}a", "{s}b", "{s}c", "{s}d"}
	member := func() string {
		if r.IntN(strChance) == 0 {
			return fmt.Sprintf("m%d", r.IntN(30))
		}
		return strconv.Itoa(r.IntN(ints) - 10)
	}
	key := func() string { return keys[r.IntN(len(keys))] }
	for i := 0; i < 3000; i++ {
		var cmd []string
		switch r.IntN(16) {
		case 0, 1, 2:
			cmd = []string{"SADD", key()}
			for n := r.IntN(ints/10) + 1; n > 0; n-- {
				cmd = append(cmd, member())
			}
		case 3:
			cmd = []string{"SREM", key(), member(), member()}
		case 4:
			cmd = []string{"SMEMBERS", key()}
		case 5:
			cmd = []string{"SISMEMBER", key(), member()}
		case 6:
			cmd = []string{"SMISMEMBER", key(), member(), member()}
		case 7:
			cmd = []string{"SCARD", key()}
		case 8:
			cmd = []string{"SMOVE", key(), key(), member()}
		case 9:
			cmd = []string{[]string{"SINTER", "SUNION", "SDIFF"}[r.IntN(3)], key(), key(), key()}
		case 10:
			cmd = []string{[]string{"SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"}[r.IntN(3)], key(), key(), key()}
		case 11:
			cmd = []string{"SINTERCARD", "2", key(), key(), "LIMIT", strconv.Itoa(r.IntN(5))}
		case 12:
			cmd = []string{"SSCAN", key(), "0", "COUNT", "1000"}
		case 13:
			cmd = []string{"SRANDMEMBER", key(), strconv.Itoa(r.IntN(10) - 5)}
		case 14:
			cmd = []string{"SPOP", key(), "100000"} // whole sets: partial pops are random
		case 15:
			cmd = []string{"SCARD", key()}
		}
		p.Check(cmd...)
		if t.Failed() {
			t.Fatalf("seed %d, step %d", seed, i)
		}
	}
}

func BenchmarkSadd(b *testing.B) {
	addr, _ := nodetest.StartNode(b, nil)
	c := nodetest.Dial(b, addr)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c.Do("SADD", "s", strconv.Itoa(i%100000))
	}
}

// TestIntsetOrder checks that intset-encoded results come back sorted, as
// Redis iterates intsets in ascending order.
func TestIntsetOrder(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"SADD", "{i}a", "30", "-2", "7", "100", "0"}, {"SADD", "{i}b", "7", "0", "5", "-2"},
		{"SMEMBERS", "{i}a"}, {"SINTER", "{i}a", "{i}b"}, {"SUNION", "{i}a", "{i}b"}, {"SDIFF", "{i}a", "{i}b"},
		{"SINTERSTORE", "{i}c", "{i}a", "{i}b"}, {"SMEMBERS", "{i}c"}, {"SSCAN", "{i}a", "0"},
		{"SRANDMEMBER", "{i}a", "50"}, {"SPOP", "{i}b", "10"},
		{"SADD", "{i}e", "9223372036854775807", "-9223372036854775808", "0", "-1"}, {"SMEMBERS", "{i}e"},
		{"SISMEMBER", "{i}e", "-0"}, {"SISMEMBER", "{i}e", "+0"}, {"SISMEMBER", "{i}e", "00"},
	})
}
