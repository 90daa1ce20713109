package node_test

import (
	"math/rand/v2"
	"strconv"
	"strings"

	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
)

// TestDiffStreamBasics compares XADD, XRANGE, XDEL, XTRIM, XSETID, XLEN and
// XINFO STREAM replies and errors with redis-server, explicit IDs only.
func TestDiffStreamBasics(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"XADD", "s", "1-1", "a", "1"},
		{"XADD", "s", "1-1", "a", "1"},
		{"XADD", "s", "1-0", "a", "1"},
		{"XADD", "s", "0-0", "a", "1"},
		{"XADD", "s2", "0-*", "a", "1"},
		{"XADD", "s2", "0-*", "a", "1"},
		{"XADD", "s", "1-*", "b", "2", "c", "3"},
		{"XADD", "s", "5", "f", "v"},
		{"XADD", "s", "5-*", "f", "v"},
		{"XADD", "s", "6-x", "f", "v"},
		{"XADD", "s", "-", "f", "v"},
		{"XADD", "s", "+", "f", "v"},
		{"XADD", "s", "7-1", "f"},
		{"XADD", "s", "7-1", "f", "v", "g"},
		{"XADD", "s", "7-1"},
		{"XADD", "s", "NOMKSTREAM", "8-1", "f", "v"},
		{"XADD", "nos", "NOMKSTREAM", "8-1", "f", "v"},
		{"EXISTS", "nos"},
		{"XADD", "s", "MAXLEN", "-1", "9-1", "f", "v"},
		{"XADD", "s", "MAXLEN", "x", "9-1", "f", "v"},
		{"XADD", "s", "MAXLEN", "1", "MINID", "0", "9-1", "f", "v"},
		{"XADD", "s", "LIMIT", "1", "9-1", "f", "v"},
		{"XADD", "s", "MAXLEN", "1", "LIMIT", "1", "9-1", "f", "v"},
		{"XADD", "s", "MAXLEN", "~", "1", "LIMIT", "-1", "9-1", "f", "v"},
		{"XADD", "s", "MINID", "x", "9-1", "f", "v"},
		{"XADD", "s", "00010-001", "f", "v"},
		{"XADD", "s", " 11-+2", "f", "v"},
		{"XADD", "s", "12--1", "f", "v"},
		{"XADD", "s", "18446744073709551615-18446744073709551615", "f", "v"},
		{"XADD", "s", "18446744073709551615-*", "f", "v"},
		{"XADD", "s", "*", "f", "v"},
		{"XADD", "s", "18446744073709551616-1", "f", "v"},
		{"XLEN", "s"},
		{"XLEN", "nokey"},
		{"XRANGE", "s", "-", "+"},
		{"XREVRANGE", "s", "+", "-"},
		{"XRANGE", "s", "1", "5"},
		{"XRANGE", "s", "(1-1", "(5-0"},
		{"XRANGE", "s", "(1-1", "(5"},
		{"XRANGE", "s", "-", "+", "COUNT", "2"},
		{"XRANGE", "s", "-", "+", "COUNT", "0"},
		{"XRANGE", "s", "-", "+", "COUNT", "-3"},
		{"XRANGE", "s", "-", "+", "COUNT"},
		{"XRANGE", "s", "-", "+", "LIMIT", "2"},
		{"XRANGE", "s", "(-", "+"},
		{"XRANGE", "s", "(18446744073709551615-18446744073709551615", "+"},
		{"XRANGE", "s", "-", "(0-0"},
		{"XREVRANGE", "s", "(5", "(1-1"},
		{"XREVRANGE", "s", "+", "-", "COUNT", "1"},
		{"XRANGE", "nokey", "-", "+"},
		{"XRANGE", "s", "x", "+"},
		{"XDEL", "s", "1-1", "9-9", "x"},
		{"XDEL", "s", "1-1", "9-9"},
		{"XDEL", "nokey", "x"},
		{"XDEL", "s", "1-1"},
		{"XINFO", "STREAM", "s"},
		{"XINFO", "STREAM", "s", "FULL"},
		{"XINFO", "STREAM", "s", "FULL", "COUNT", "1"},
		{"XINFO", "STREAM", "s", "FULL", "COUNT"},
		{"XINFO", "STREAM", "s", "FOO"},
		{"XINFO", "STREAM", "nokey"},
		{"XINFO", "STREAM", "s2"},
		{"XSETID", "s", "1-1"},
		{"XSETID", "s", "99-1", "ENTRIESADDED", "1"},
		{"XSETID", "s", "99-1", "ENTRIESADDED", "-1"},
		{"XSETID", "s", "99-1", "MAXDELETEDID", "100-0"},
		{"XSETID", "s", "99-1", "MAXDELETEDID", "1-0", "ENTRIESADDED", "50"},
		{"XSETID", "s", "99-1", "FOO", "1"},
		{"XSETID", "nokey", "99-1"},
		{"XINFO", "STREAM", "s"},
		{"XADD", "s", "99-1", "f", "v"},
		{"XADD", "s", "99-2", "f", "v"},
		{"XTRIM", "s", "MAXLEN", "2"},
		{"XTRIM", "s"},
		{"XTRIM", "s", "LIMIT", "1"},
		{"XTRIM", "s", "MAXLEN", "~", "2", "FOO"},
		{"XTRIM", "s", "MINID", "99-2"},
		{"XTRIM", "nokey", "MINID", "99-2"},
		{"XRANGE", "s", "-", "+"},
		{"XINFO", "STREAM", "s"},
		{"XTRIM", "s", "MAXLEN", "0"},
		{"XINFO", "STREAM", "s"},
		{"XINFO", "STREAM", "s", "FULL"},
		{"TYPE", "s"},
		{"OBJECT", "ENCODING", "s"},
		{"SET", "str", "x"},
		{"XADD", "str", "1-1", "f", "v"},
		{"XLEN", "str"},
		{"XRANGE", "str", "-", "+"},
		{"XDEL", "str", "1-1"},
		{"XTRIM", "str", "MAXLEN", "1"},
		{"XINFO", "STREAM", "str"},
		{"XSETID", "str", "1-1"},
		{"XADD", "q", "1-1", "a", "1"},
		{"XADD", "q", "2-1", "a", "1"},
		{"XDEL", "q", "2-1"},
		{"XSETID", "q", "1-5"},
		{"XSETID", "q", "1-6", "MAXDELETEDID", "1-7"},
		{"XSETID", "q", "1-7", "MAXDELETEDID", "1-7"},
		{"XDEL", "q", "1-1"},
		{"XSETID", "q", "1-0"},
		{"XINFO", "STREAM", "q"},
		{"XADD", "k1", "1-1", "f", "v"},
		{"RENAME", "k1", "k2"},
		{"XRANGE", "k2", "-", "+"},
		{"TYPE", "k2"},
		{"SCAN", "0", "MATCH", "k*", "TYPE", "stream", "COUNT", "1000"},
		{"SCAN", "0", "MATCH", "k*", "TYPE", "hash", "COUNT", "1000"},
		{"EXPIRE", "k2", "100"},
		{"TTL", "k2"},
		{"COPY", "k2", "k3"},
		{"XADD", "k3", "2-1", "g", "w"},
		{"XLEN", "k2"},
		{"XLEN", "k3"},
		{"DEL", "k2", "k3"},
		{"EXISTS", "k2"},
		{"XINFO", "HELP"},
		{"XINFO", "FOO"},
	})
}

// TestDiffStreamRandom runs random XADD/XTRIM/XDEL/XRANGE/XINFO commands
// with explicit IDs on two streams (and a hash, for WRONGTYPE) against both
// servers. The streams grow past many 100-entry nodes so that approximate
// trimming, which drops whole nodes, is compared too.
func TestDiffStreamRandom(t *testing.T) {
	p := nodetest.NewPair(t)
	const seed = 7101
	r := rand.New(rand.NewPCG(seed, 0))
	keys := []string{"s1", "s2", "h"}
	p.Check("HSET", "h", "f", "v")
	id := func(step int) string {
		ms := step/2 + r.IntN(3) - 1
		switch r.IntN(6) {
		case 0:
			return strconv.Itoa(ms)
		case 1:
			return strconv.Itoa(ms) + "-*"
		}
		return strconv.Itoa(ms) + "-" + strconv.Itoa(r.IntN(4))
	}
	bound := func(step int, low bool) string {
		switch r.IntN(8) {
		case 0:
			if low {
				return "-"
			}
			return "+"
		case 1:
			return "(" + id(r.IntN(step+1))
		}
		return id(r.IntN(step + 1))
	}
	// Values of every listpack encoding: small and large integers, short
	// and long strings, so that blocks split on bytes as well as on count.
	value := func() string {
		switch r.IntN(8) {
		case 0:
			return strconv.Itoa(r.IntN(200) - 100)
		case 1:
			return strconv.Itoa(r.IntN(1 << 30))
		case 2:
			return strings.Repeat("v", 50+r.IntN(100))
		case 3:
			return strings.Repeat("w", 200+r.IntN(300))
		case 4:
			return "0" + strconv.Itoa(r.IntN(10))
		}
		return "v" + strconv.Itoa(r.IntN(100))
	}
	trim := func(step int) []string {
		var out []string
		if r.IntN(2) == 0 {
			out = append(out, "MAXLEN")
		} else {
			out = append(out, "MINID")
		}
		approx := r.IntN(3) == 0
		switch {
		case approx:
			out = append(out, "~")
		case r.IntN(2) == 0:
			out = append(out, "=")
		}
		if out[0] == "MAXLEN" {
			out = append(out, strconv.Itoa(100+r.IntN(200)))
		} else {
			out = append(out, id(max(step-2000-r.IntN(1500), 0)))
		}
		if approx && r.IntN(3) == 0 {
			out = append(out, "LIMIT", strconv.Itoa(r.IntN(250)))
		}
		return out
	}
	added, trimmed, longest := 0, 0, int64(0)
	for i := 0; i < 4000; i++ {
		if i == 2000 {
			resp3(t, p)
		}
		k := keys[r.IntN(len(keys))]
		var cmd []string
		switch n := r.IntN(20); {
		case n < 9:
			cmd = []string{"XADD", k}
			if r.IntN(10) == 0 {
				cmd = append(cmd, "NOMKSTREAM")
			}
			if r.IntN(30) == 0 {
				cmd = append(cmd, trim(i)...)
			}
			cmd = append(cmd, id(i), "f", value())
			if r.IntN(3) == 0 {
				cmd = append(cmd, "g", value())
			}
		case n < 11:
			cmd = []string{"XRANGE", k, bound(i, true), bound(i, false)}
			if r.IntN(2) == 0 {
				cmd = append(cmd, "COUNT", strconv.Itoa(r.IntN(5)))
			}
		case n < 12:
			cmd = []string{"XREVRANGE", k, bound(i, false), bound(i, true), "COUNT", strconv.Itoa(r.IntN(5))}
		case n < 15:
			cmd = []string{"XDEL", k, id(r.IntN(i + 1)), id(r.IntN(i + 1))}
		case n < 16:
			cmd = append([]string{"XTRIM", k}, trim(i)...)
		case n < 17:
			cmd = []string{"XLEN", k}
		case n < 18:
			cmd = []string{"XINFO", "STREAM", k}
		case n < 19:
			cmd = []string{"XSETID", k, id(i + r.IntN(4))}
			if r.IntN(3) == 0 {
				cmd = append(cmd, "ENTRIESADDED", strconv.Itoa(r.IntN(2000)))
			}
			if r.IntN(3) == 0 {
				cmd = append(cmd, "MAXDELETEDID", id(i))
			}
		default:
			if r.IntN(40) == 0 {
				cmd = []string{"DEL", k}
			} else {
				cmd = []string{"XINFO", "STREAM", k, "FULL", "COUNT", strconv.Itoa(r.IntN(4))}
			}
		}
		nv, rv := p.Node.Do(cmd...), p.Redis.Do(cmd...)
		if !nodetest.Equal(nv, rv) {
			t.Fatalf("seed %d step %d %s:\n  slotcache: %s\n  redis:     %s", seed, i, nodetest.Quote(cmd), nv, rv)
		}
		if cmd[0] == "XADD" && !nv.IsError() && !nv.Null {
			added++
		}
		if cmd[0] == "XTRIM" && nv.Int > 0 {
			trimmed++
		}
		if cmd[0] == "XLEN" {
			longest = max(longest, nv.Int)
		}
	}
	// The run must exercise what it is meant to: many appends, trims that
	// remove entries, streams longer than one node.
	if added < 1000 || trimmed < 4 || longest < 150 {
		t.Fatalf("seed %d: weak run: %d entries added, %d trims removing entries, longest stream %d", seed, added, trimmed, longest)
	}
	t.Logf("seed %d: %d entries added, %d trims removing entries, longest stream %d", seed, added, trimmed, longest)
	for _, k := range keys[:2] {
		p.Check("XINFO", "STREAM", k)
		t.Logf("seed %d: %s ends with %d entries", seed, k, p.Node.Do("XLEN", k).Int)
	}
}

// TestDiffStreamNodeLimits: stream-node-max-entries and -bytes decide
// where blocks split, which approximate trimming and XINFO STREAM show.
func TestDiffStreamNodeLimits(t *testing.T) {
	p := nodetest.NewPair(t)
	cmds := [][]string{
		{"CONFIG", "SET", "stream-node-max-entries", "10"},
		{"CONFIG", "GET", "stream-node-max-entries"},
		{"CONFIG", "SET", "stream-node-max-bytes", "1kb"},
		{"CONFIG", "GET", "stream-node-max-bytes"},
		{"CONFIG", "SET", "stream-node-max-entries", "-1"},
	}
	for i := 1; i <= 60; i++ {
		v := strconv.Itoa(i)
		if i%7 == 0 {
			v = strings.Repeat("x", 300)
		}
		cmds = append(cmds, []string{"XADD", "s", strconv.Itoa(i) + "-1", "f", v})
	}
	cmds = append(cmds,
		[]string{"XINFO", "STREAM", "s"},
		[]string{"XTRIM", "s", "MAXLEN", "~", "35"},
		[]string{"XTRIM", "s", "MINID", "~", "50"},
		[]string{"XINFO", "STREAM", "s"},
		[]string{"CONFIG", "SET", "stream-node-max-entries", "0"},
		[]string{"CONFIG", "SET", "stream-node-max-bytes", "0"},
		[]string{"XADD", "t", "MAXLEN", "~", "5", "1-1", "f", "v"},
	)
	for i := 2; i <= 30; i++ {
		cmds = append(cmds, []string{"XADD", "t", "MAXLEN", "~", "5", strconv.Itoa(i) + "-1", "f", "v"})
	}
	cmds = append(cmds,
		[]string{"XINFO", "STREAM", "t"},
		[]string{"XTRIM", "t", "MAXLEN", "~", "5"},
		[]string{"XTRIM", "t", "MAXLEN", "5"},
		[]string{"XINFO", "STREAM", "t"},
	)
	p.CheckAll(cmds)
}

// TestDiffStreamTrimLimitZero: a LIMIT given without "~" is refused even
// when it is 0, as Redis checks that LIMIT was given, not its value.
func TestDiffStreamTrimLimitZero(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"XADD", "s", "1-1", "a", "1"},
		{"XADD", "s", "MAXLEN", "5", "LIMIT", "0", "2-1", "f", "v"},
		{"XADD", "s", "MAXLEN", "=", "5", "LIMIT", "0", "2-1", "f", "v"},
		{"XADD", "s", "MINID", "1", "LIMIT", "0", "2-1", "f", "v"},
		{"XTRIM", "s", "MAXLEN", "0", "LIMIT", "0"},
		{"XTRIM", "s", "MINID", "5", "LIMIT", "0"},
		{"XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "0"},
		{"XADD", "s", "LIMIT", "0", "3-1", "f", "v"},
		{"XTRIM", "s", "LIMIT", "0"},
		{"XLEN", "s"},
		{"XRANGE", "s", "-", "+"},
	})
}

// TestDiffStreamTrimDefaultLimit: without LIMIT, approximate trimming
// stops after 100 nodes' worth of entries, 10000 when
// stream-node-max-entries is 0 and at most 1000000: a stream-node-max-
// entries of 150 lets one XTRIM remove 12000 entries.
func TestDiffStreamTrimDefaultLimit(t *testing.T) {
	p := nodetest.NewPair(t)
	fill := func(key string, n int) []string {
		return []string{"EVAL", "for i = 1, " + strconv.Itoa(n) + " do redis.call('XADD', KEYS[1], i .. '-1', 'f', i) end", "1", key}
	}
	p.CheckAll([][]string{
		{"CONFIG", "SET", "stream-node-max-entries", "150"},
		fill("s", 12000),
		{"XTRIM", "s", "MAXLEN", "~", "0"},
		{"XINFO", "STREAM", "s"},
		fill("t", 12000),
		{"XADD", "t", "MAXLEN", "~", "0", "20000-1", "f", "v"},
		{"XLEN", "t"},
		{"CONFIG", "SET", "stream-node-max-entries", "0"},
		{"CONFIG", "SET", "stream-node-max-bytes", "4096"},
		fill("u", 12000),
		{"XTRIM", "u", "MAXLEN", "~", "0"},
		{"XLEN", "u"},
		{"CONFIG", "SET", "stream-node-max-entries", "100"},
	})
}
