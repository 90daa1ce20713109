package node_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/slotcache/slotcache/node"
	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/slots"
)

func TestSortErrors(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"SORT"}, {"SORT_RO"}, {"SET", "str", "x"}, {"HSET", "h", "f", "v"}, {"RPUSH", "l", "3", "1", "2"},
		{"SORT", "str"}, {"SORT", "h"}, {"SORT_RO", "str"}, {"SORT", "str", "BAD"}, {"SORT", "nokey", "BAD"},
		{"SORT", "l", "LIMIT"}, {"SORT", "l", "LIMIT", "0"}, {"SORT", "l", "LIMIT", "x", "1"}, {"SORT", "l", "LIMIT", "0", "x"},
		{"SORT", "l", "LIMIT", "x", "y"}, {"SORT", "l", "BY"}, {"SORT", "l", "GET"}, {"SORT", "l", "STORE"},
		{"SORT_RO", "l", "STORE", "d"}, {"SORT", "l", "ASC", "DESC", "ALPHA", "BAD"},
		{"SORT", "str", "LIMIT", "x", "1"}, {"SORT", "l", "BAD", "LIMIT", "x", "1"},
		{"RPUSH", "w", "a", "1"}, {"SORT", "w"}, {"SORT", "w", "ALPHA"}, {"SORT", "w", "STORE", "d"}, {"EXISTS", "d"},
		{"SORT", "w", "BY", "nosort"}, {"SORT", "w", "BY", "nokey_*"},
	})
}

func TestSortBasics(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"RPUSH", "l", "3", "10", "1", "2.5", "-4", "0x10", " 7", "1e2", "inf", "-inf", "1"},
		{"SORT", "l"}, {"SORT", "l", "DESC"}, {"SORT", "l", "ALPHA"}, {"SORT", "l", "ALPHA", "DESC"},
		{"SORT", "l", "LIMIT", "2", "3"}, {"SORT", "l", "LIMIT", "-5", "3"}, {"SORT", "l", "LIMIT", "2", "-1"},
		{"SORT", "l", "LIMIT", "2", "0"}, {"SORT", "l", "LIMIT", "100", "3"}, {"SORT", "l", "LIMIT", "10", "5"},
		{"SORT", "l", "LIMIT", "0", "9223372036854775807"}, {"SORT", "l", "DESC", "LIMIT", "1", "2", "ASC"},
		{"SORT_RO", "l", "DESC", "LIMIT", "1", "2"}, {"SORT", "nokey"}, {"SORT", "nokey", "LIMIT", "1", "2"},
		{"SORT", "nokey", "STORE", "d"}, {"SORT", "nokey", "BY", "x", "STORE", "d"},
		// BY a constant: the stored order
		{"SORT", "l", "BY", "nosort"}, {"SORT", "l", "BY", "nosort", "DESC"}, {"SORT", "l", "BY", "nosort", "LIMIT", "2", "3"},
		{"SORT", "l", "BY", "nosort", "DESC", "LIMIT", "2", "3"}, {"SORT", "l", "BY", "nosort", "LIMIT", "20", "3"},
		{"SORT", "l", "BY", "nosort", "DESC", "LIMIT", "-2", "30"}, {"SORT", "l", "BY", "nosort", "BY", "w_*"},
		// sets: an intset has an order, so BY nosort is comparable
		{"SADD", "is", "5", "-1", "300", "2", "70000"}, {"SORT", "is"}, {"SORT", "is", "DESC", "LIMIT", "1", "2"},
		{"SORT", "is", "BY", "nosort"}, {"SORT", "is", "BY", "nosort", "DESC", "LIMIT", "1", "3"},
		{"SADD", "s", "b", "a", "c", "10", "9"}, {"SORT", "s", "ALPHA"}, {"SORT", "s"},
		{"SORT", "s", "BY", "nosort", "STORE", "d"}, {"LRANGE", "d", "0", "-1"},
		{"SORT", "s", "BY", "nosort", "DESC", "STORE", "d"}, {"LRANGE", "d", "0", "-1"},
		// sorted sets, small and large
		{"ZADD", "z", "3", "a", "1", "b", "2", "c", "2", "d"}, {"SORT", "z", "ALPHA"}, {"SORT", "z", "BY", "nosort"},
		{"SORT", "z", "BY", "nosort", "DESC"}, {"SORT", "z", "BY", "nosort", "LIMIT", "1", "2"},
		{"SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "2"}, {"SORT", "z", "BY", "nosort", "DESC", "LIMIT", "9", "2"},
		{"SORT", "z"}, {"SORT", "z", "BY", "nosort", "STORE", "d"}, {"LRANGE", "d", "0", "-1"},
		// SORT leaves a sorted set in the skiplist encoding, as Redis 7.0 does
		{"ZADD", "z2", "1", "a"}, {"OBJECT", "ENCODING", "z2"}, {"SORT_RO", "z2", "LIMIT", "0", "0"},
		{"OBJECT", "ENCODING", "z2"}, {"OBJECT", "ENCODING", "d"}, {"OBJECT", "ENCODING", "is"},
	})
	var big []string
	for i := range 200 {
		big = append(big, strconv.Itoa(i*7%200), "m"+strconv.Itoa(i))
	}
	p.Check(append([]string{"ZADD", "bz"}, big...)...)
	p.CheckAll([][]string{
		{"SORT", "bz", "BY", "nosort", "LIMIT", "10", "5"}, {"SORT", "bz", "BY", "nosort", "DESC", "LIMIT", "10", "5"},
		{"SORT", "bz", "ALPHA", "LIMIT", "50", "5"}, {"SORT", "bz", "ALPHA", "DESC", "LIMIT", "0", "3"},
	})
}

// TestSortLimitOverflow: a LIMIT whose start+count overflows is clamped
// to the value's length first, as Redis 7.0 does, rather than wrapping.
func TestSortLimitOverflow(t *testing.T) {
	p := nodetest.NewPair(t)
	const maxI = "9223372036854775807"
	var cmds [][]string
	cmds = append(cmds, []string{"RPUSH", "l", "3", "1", "2", "5", "4"}, []string{"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"})
	for _, k := range []string{"l", "z"} {
		for _, start := range []string{"1", "2", "3", "4", "5", "9", maxI, "-9223372036854775808"} {
			for _, count := range []string{maxI, "9223372036854775806", "-9223372036854775808"} {
				for _, extra := range [][]string{nil, {"DESC"}, {"BY", "nosort"}, {"BY", "nosort", "DESC"}, {"ALPHA", "GET", "#"}} {
					cmds = append(cmds, append([]string{"SORT", k, "LIMIT", start, count}, extra...))
				}
			}
		}
		cmds = append(cmds, []string{"SORT", k, "BY", "nosort", "LIMIT", "2", maxI, "STORE", "d"}, []string{"LRANGE", "d", "0", "-1"})
	}
	p.CheckAll(cmds)
}

// TestSortSetInScript: a set sorted BY a constant from a script comes
// back ALPHA sorted (Redis's rule for scripts and STORE), not in the
// set's own order.
func TestSortSetInScript(t *testing.T) {
	p := nodetest.NewPair(t)
	cmds := [][]string{{"SADD", "s", "b", "a", "c", "10", "9", "z", "y", "x", "e", "d", "f", "-1"}}
	for _, sc := range []string{
		"return redis.call('sort', KEYS[1], 'by', 'nosort')",
		"return redis.call('sort_ro', KEYS[1], 'by', 'nosort')",
		"return redis.call('sort', KEYS[1], 'by', 'nosort', 'desc', 'limit', 1, 3)",
		"return redis.call('sort', KEYS[1], 'by', 'nosort', 'get', '#', 'get', 'w_*')",
		"return redis.call('sort', KEYS[1], 'by', 'w_*', 'limit', 0, 2)",
	} {
		cmds = append(cmds, []string{"EVAL", sc, "1", "s"})
	}
	p.CheckAll(cmds)
}

// TestWatchWrittenKeysOnly: a command that reads some keys and writes
// another (BITOP, PFMERGE, SORT ... STORE, GEOSEARCHSTORE, GEORADIUS ...
// STORE) touches only the written key for WATCH, as in Redis; PFDEBUG's
// change of encoding touches none. Each EXEC is compared with Redis's.
func TestWatchWrittenKeysOnly(t *testing.T) {
	p := nodetest.NewPair(t)
	on, or := nodetest.Dial(t, p.NodeAddr), nodetest.Dial(t, p.RedisAddr)
	setup := [][]string{{"FLUSHALL"}, {"SET", "s", "abc"}, {"RPUSH", "l", "3", "1", "2"}, {"PFADD", "h", "a"},
		{"GEOADD", "g", "1", "1", "a"}, {"SET", "d", "x"}}
	for _, tc := range []struct {
		watch string
		cmd   []string
	}{
		{"s", []string{"BITOP", "OR", "d", "s"}}, {"d", []string{"BITOP", "OR", "d", "s"}},
		{"s", []string{"BITOP", "NOT", "s", "s"}}, {"d", []string{"BITOP", "AND", "d", "nokey"}},
		{"h", []string{"PFMERGE", "d2", "h"}}, {"d2", []string{"PFMERGE", "d2", "h"}},
		{"l", []string{"SORT", "l", "STORE", "d"}}, {"d", []string{"SORT", "l", "STORE", "d"}},
		{"l", []string{"SORT", "l", "STORE", "l"}}, {"l", []string{"SORT", "l", "BY", "nosort", "STORE", "d"}},
		{"g", []string{"GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "1", "1", "BYRADIUS", "10", "km"}},
		{"d", []string{"GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "1", "1", "BYRADIUS", "10", "km"}},
		{"g", []string{"GEORADIUS", "g", "1", "1", "10", "km", "STORE", "d"}},
		{"d", []string{"GEORADIUS", "g", "1", "1", "10", "km", "STOREDIST", "d"}},
		{"g", []string{"GEORADIUSBYMEMBER", "g", "a", "10", "km", "STORE", "d"}},
		{"g", []string{"GEOADD", "g", "2", "2", "b"}}, {"s", []string{"SETBIT", "s", "1", "0"}},
		{"h", []string{"PFDEBUG", "TODENSE", "h"}}, {"h", []string{"PFDEBUG", "GETREG", "h"}},
		{"h", []string{"PFCOUNT", "h"}}, {"h", []string{"PFADD", "h", "b"}},
	} {
		p.CheckAll(setup)
		p.Check("WATCH", tc.watch)
		if n, r := on.Do(tc.cmd...), or.Do(tc.cmd...); !nodetest.Equal(n, r) {
			t.Fatalf("%s: slotcache %s, redis %s", nodetest.Quote(tc.cmd), n, r)
		}
		p.Check("MULTI")
		p.Check("PING")
		p.Check("EXEC")
	}
}

func TestSortPatterns(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"RPUSH", "l", "a", "b", "c", "d"},
		{"MSET", "w_a", "3", "w_b", "1", "w_c", "2", "w_d", "1.5", "v_a", "x", "v_c", "zz"},
		{"HSET", "h_a", "f", "9", "g", "ga"}, {"HSET", "h_b", "f", "7"}, {"HSET", "h_c", "f", "8", "g", "gc"},
		{"SORT", "l", "BY", "w_*"}, {"SORT", "l", "BY", "w_*", "DESC"}, {"SORT", "l", "BY", "w_*", "LIMIT", "1", "2"},
		{"SORT", "l", "BY", "h_*->f"}, {"SORT", "l", "BY", "h_*->f", "DESC"}, {"SORT", "l", "BY", "h_*->"},
		{"SORT", "l", "BY", "w_*", "GET", "#", "GET", "v_*", "GET", "h_*->g", "GET", "nosuch", "GET", "h_*->nosuch"},
		{"SORT", "l", "BY", "w_*", "GET", "w_*->f", "GET", "h_*", "GET", "#"},
		{"SORT", "l", "ALPHA", "BY", "v_*"}, {"SORT", "l", "ALPHA", "BY", "h_*->g", "DESC"},
		{"SORT", "l", "BY", "v_*"}, {"SORT", "l", "BY", "nokey_*"}, {"SORT", "l", "BY", "nokey_*", "GET", "w_*"},
		{"SORT", "l", "GET", "w_*", "STORE", "dst"}, {"LRANGE", "dst", "0", "-1"}, {"TYPE", "dst"},
		{"SORT", "l", "BY", "w_*", "GET", "v_*", "GET", "#", "STORE", "dst"}, {"LRANGE", "dst", "0", "-1"},
		{"SORT", "l", "LIMIT", "9", "1", "STORE", "dst"}, {"EXISTS", "dst"},
		{"SET", "dst", "x"}, {"EXPIRE", "dst", "100"}, {"SORT", "l", "ALPHA", "STORE", "dst"}, {"TTL", "dst"}, {"TYPE", "dst"},
		{"SORT", "l", "BY", "w_*", "STORE", "l"}, {"LRANGE", "l", "0", "-1"},
		// weights that are not numbers (the out-of-range ones are last:
		// Redis reads a stale errno after them)
		{"RPUSH", "n", "1", "2", "3"}, {"MSET", "s_1", "", "s_2", " 5", "s_3", "0x1p-2"}, {"SORT", "n", "BY", "s_*"},
		{"MSET", "s_1", "5 "}, {"SORT", "n", "BY", "s_*"}, {"SORT", "n", "BY", "s_*", "STORE", "dst"}, {"LRANGE", "dst", "0", "-1"},
		{"MSET", "s_1", "nan"}, {"SORT", "n", "BY", "s_*"}, {"MSET", "s_1", "-inf"}, {"SORT", "n", "BY", "s_*"},
		{"MSET", "s_1", "   "}, {"SORT", "n", "BY", "s_*"}, {"MSET", "s_1", "0e500"}, {"SORT", "n", "BY", "s_*"},
		{"MSET", "s_1", "-0"}, {"SORT", "n", "BY", "s_*"}, {"MSET", "s_1", "+.5e1"}, {"SORT", "n", "BY", "s_*"},
		{"RPUSH", "x", "1", "a"}, {"SORT", "x", "BY", "w_*"}, {"SORT", "x", "BY", "nosort"}, {"SORT", "x", "LIMIT", "0", "1"},
		// a set sorted BY a pattern and stored
		{"SADD", "st", "a", "b", "c", "d"}, {"SORT", "st", "BY", "w_*", "GET", "#", "GET", "w_*"},
		{"SORT", "st", "BY", "w_*", "STORE", "dst"}, {"LRANGE", "dst", "0", "-1"},
		{"ZADD", "zs", "1", "a", "2", "b", "3", "c", "4", "d"}, {"SORT", "zs", "BY", "h_*->f", "GET", "h_*->g"},
		// WATCH of the destination
		{"WATCH", "dst"}, {"SORT", "l", "STORE", "dst"}, {"MULTI"}, {"PING"}, {"EXEC"},
		{"WATCH", "dst"}, {"SORT", "nokey", "STORE", "dst"}, {"MULTI"}, {"PING"}, {"EXEC"},
		{"WATCH", "dst"}, {"SORT", "nokey", "STORE", "dst"}, {"MULTI"}, {"PING"}, {"EXEC"},
		{"MSET", "s_1", "1e400"}, {"SORT", "n", "BY", "s_*"},
	})
	p.Node.Do("HELLO", "3")
	p.Redis.Do("HELLO", "3")
	p.CheckAll([][]string{
		{"SORT", "st", "ALPHA", "GET", "v_*", "GET", "#"}, {"SORT", "nokey"}, {"SORT", "st", "ALPHA", "STORE", "dst"},
	})
	// Underflow is refused as strtod's ERANGE makes Redis refuse it.
	for _, w := range []string{"1e400", "-1e400", "1e-400", "1e-310"} {
		p.Node.Do("SET", "s_1", w)
		if v := p.Node.Do("SORT", "n", "BY", "s_*"); string(v.Str) != "ERR One or more scores can't be converted into double" {
			t.Errorf("SORT by weight %s: %s", w, v)
		}
	}
}

// TestSortCommandInfo compares SORT_RO's command table entry with Redis
// (SORT's movable STORE key shows in Redis's flags).
func TestSortCommandInfo(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Check("COMMAND", "GETKEYS", "SORT_RO", "k", "BY", "x")
	n := p.Node.Do("COMMAND", "INFO", "sort", "sort_ro")
	r := p.Redis.Do("COMMAND", "INFO", "sort", "sort_ro")
	for i := range 2 {
		for _, f := range []int{0, 1, 3, 4, 5, 6} {
			if !nodetest.Equal(n.Elems[i].Elems[f], r.Elems[i].Elems[f]) {
				t.Errorf("COMMAND INFO %d field %d: %s, redis %s", i, f, n.Elems[i].Elems[f], r.Elems[i].Elems[f])
			}
		}
	}
}

// TestSortRandom runs random SORT commands over lists, sets and sorted
// sets whose weights change between commands, against both servers.
func TestSortRandom(t *testing.T) {
	for _, seed := range []uint64{9101, 9102} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { sortRandom(t, seed) })
	}
}

func sortRandom(t *testing.T, seed uint64) {
	p := nodetest.NewPair(t)
	r := rand.New(rand.NewPCG(seed, 0))
	pool := []string{"1", "2", "10", "-3", "2.5", "007", "a", "b", "ab", "B", "1e3", "x y", "0", "99", "-0.5"}
	elem := func() string { return pool[r.IntN(len(pool))] }
	num := func() string {
		switch r.IntN(5) {
		case 0:
			return strconv.FormatFloat(r.Float64()*100-50, 'g', -1, 64)
		case 1:
			return "word"
		}
		return strconv.Itoa(r.IntN(20) - 5)
	}
	// ALPHA BY weights are unique per element (Redis leaves the order of
	// equal weights to qsort); numeric weights may tie (ties go by element).
	for i, e := range pool {
		p.Check("SET", "{s}a_"+e, fmt.Sprintf("%02d%s", r.IntN(50), e))
		p.Check("HSET", "{s}h_"+e, "f", strconv.Itoa(i*7%len(pool)), "g", e+"!")
	}
	keys := []string{"{s}l", "{s}s", "{s}z", "{s}str"}
	p.Check("SET", "{s}str", "x")
	for range 2000 {
		var cmd []string
		k := keys[r.IntN(len(keys))]
		switch r.IntN(12) {
		case 0, 1:
			cmd = []string{"RPUSH", "{s}l", elem(), elem()}
		case 2:
			cmd = []string{"LPOP", "{s}l"}
		case 3:
			cmd = []string{"SADD", "{s}s", elem(), elem()}
		case 4:
			cmd = []string{"ZADD", "{s}z", strconv.Itoa(r.IntN(5)), elem()}
		case 5:
			cmd = []string{"SET", "{s}w_" + elem(), num()}
		case 6:
			cmd = []string{"SREM", "{s}s", elem()}
		default:
			cmd = []string{"SORT", k}
			if r.IntN(5) == 0 {
				cmd[0] = "SORT_RO"
			}
			alpha := r.IntN(3) == 0
			if alpha {
				cmd = append(cmd, "ALPHA")
			}
			switch r.IntN(5) {
			case 0:
				if alpha {
					cmd = append(cmd, "BY", []string{"{s}a_*", "{s}h_*->g"}[r.IntN(2)])
				} else {
					cmd = append(cmd, "BY", []string{"{s}w_*", "{s}h_*->f"}[r.IntN(2)])
				}
			case 1:
				if k != "{s}s" {
					cmd = append(cmd, "BY", "nosort")
				}
			}
			if r.IntN(2) == 0 {
				cmd = append(cmd, []string{"ASC", "DESC"}[r.IntN(2)])
			}
			if r.IntN(3) == 0 {
				cmd = append(cmd, "LIMIT", strconv.Itoa(r.IntN(8)-2), strconv.Itoa(r.IntN(8)-2))
			}
			for n := r.IntN(3); n > 0; n-- {
				cmd = append(cmd, "GET", []string{"#", "{s}w_*", "{s}h_*->g", "{s}nokey_*"}[r.IntN(4)])
			}
			if cmd[0] == "SORT" && r.IntN(4) == 0 {
				cmd = append(cmd, "STORE", "{s}dst")
				p.Check(cmd...)
				cmd = []string{"LRANGE", "{s}dst", "0", "-1"}
			}
		}
		p.Check(cmd...)
		if t.Failed() {
			t.Fatalf("seed %d: stopped at the first difference", seed)
		}
	}
}

// TestSortClusterPatterns: in cluster mode BY and GET patterns must name
// keys of the sorted key's slot, through a hash tag before any glob
// character; the replies of the allowed ones match a standalone Redis.
func TestSortClusterPatterns(t *testing.T) {
	raddr := nodetest.StartRedis(t)
	naddr, srv := startClusterNode(t, "", node.ClusterConfig{Group: 1})
	assign(t, srv, []slots.Range{{Start: 0, End: 16383, Group: 1}}, []string{naddr}, "ok")
	p := &clusterPairT{t: t, Node: nodetest.Dial(t, naddr), Redis: nodetest.Dial(t, raddr)}
	p.CheckAll([][]string{
		{"RPUSH", "{t}l", "a", "b", "c"}, {"MSET", "{t}w_a", "3", "{t}w_b", "1", "{t}w_c", "2"},
		{"HSET", "{t}h_a", "f", "x"}, {"SORT", "{t}l", "BY", "{t}w_*", "GET", "#", "GET", "{t}h_*->f"},
		{"SORT", "{t}l", "BY", "nosort", "GET", "#"}, {"SORT", "{t}l", "BY", "{t}w_*", "STORE", "{t}d"},
		{"SORT", "{t}l", "BY", "w_{t}_*"}, {"SORT", "{t}l", "GET", "{t}"},
	})
	if v := p.Node.Do("SORT", "{t}l", "STORE", "{u}d"); !strings.HasPrefix(string(v.Str), "CROSSSLOT") {
		t.Errorf("SORT STORE to another slot: %s, want CROSSSLOT", v)
	}
	by := "ERR BY option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots."
	get := "ERR GET option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots."
	c := p.Node
	for _, tc := range []struct {
		want string
		args []string
	}{
		{by, []string{"SORT", "{t}l", "BY", "w_*"}},
		{by, []string{"SORT", "{t}l", "BY", "*_{t}"}},
		{by, []string{"SORT", "{t}l", "BY", "{u}w_*"}},
		{by, []string{"SORT", "{t}l", "BY", "{}w_*"}},
		{by, []string{"SORT", "{t}l", "BY", "w\\{t}_*"}},
		{get, []string{"SORT", "{t}l", "GET", "w_*"}},
		{get, []string{"SORT_RO", "{t}l", "GET", "#", "GET", "{u}_*"}},
		{get, []string{"SORT", "{t}l", "GET", "x"}},
	} {
		if v := c.Do(tc.args...); string(v.Str) != tc.want {
			t.Errorf("%s: %s, want %q", nodetest.Quote(tc.args), v, tc.want)
		}
	}
}

// FuzzSortCommand sends one SORT or SORT_RO (space-separated arguments)
// over a fixed data set to a node: every reply must be well formed and the
// node must keep answering. The data set is restored after a STORE.
func FuzzSortCommand(f *testing.F) {
	for _, s := range []string{
		"SORT l", "SORT l BY w_* GET # GET h_*->f LIMIT 1 2 DESC", "SORT s ALPHA STORE d", "SORT_RO z BY nosort DESC",
		"SORT z BY h_*-> GET *->f", "SORT l LIMIT -9223372036854775808 9223372036854775807", "SORT l BY w_* STORE l",
		"SORT l BY nosort LIMIT 2 9223372036854775807", "SORT z BY nosort DESC LIMIT 1 9223372036854775806",
	} {
		f.Add(s)
	}
	naddr, _ := nodetest.StartNode(f, nil)
	c := nodetest.Dial(f, naddr)
	setup := [][]string{
		{"DEL", "l", "s", "z"}, {"RPUSH", "l", "3", "a", "1", "", "2.5"}, {"SADD", "s", "b", "1", "x"},
		{"ZADD", "z", "1", "a", "2", "3"}, {"MSET", "w_a", "1", "w_3", "x", "w_1", "-inf"}, {"HSET", "h_a", "f", "2"},
	}
	for _, cmd := range setup {
		c.Do(cmd...)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Fields(line)
		if len(args) < 2 || (!strings.EqualFold(args[0], "sort") && !strings.EqualFold(args[0], "sort_ro")) {
			return
		}
		v, err := c.DoErr(args...)
		if err != nil {
			t.Fatalf("%s: %v", nodetest.Quote(args), err)
		}
		switch v.Type {
		case '*', ':', '-':
		default:
			t.Fatalf("%s: unexpected reply %s", nodetest.Quote(args), v)
		}
		if v.Type == '-' && strings.Contains(string(v.Str), "internal error") { // a recovered panic
			t.Fatalf("%s: %s", nodetest.Quote(args), v)
		}
		if v.Type == ':' {
			for _, cmd := range setup {
				if _, err := c.DoErr(cmd...); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

// TestBitmapSortKeyspaceStats: the read lookups of the bitmap commands and
// SORT (with its BY and GET patterns) count keyspace hits and misses as
// Redis's do.
func TestBitmapSortKeyspaceStats(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"SET", "s", "ab"}, {"RPUSH", "l", "a", "b", "c"}, {"SET", "w_a", "2"}, {"HSET", "h_b", "f", "1"},
		{"CONFIG", "RESETSTAT"},
		{"GETBIT", "s", "1"}, {"GETBIT", "nokey", "1"}, {"GETBIT", "l", "1"}, {"SETBIT", "s", "1", "1"}, {"SETBIT", "new", "1", "1"},
		{"BITCOUNT", "s"}, {"BITCOUNT", "nokey"}, {"BITPOS", "s", "1"}, {"BITPOS", "nokey", "1"},
		{"BITOP", "AND", "d", "s", "nokey", "l"}, {"BITOP", "OR", "d", "s", "nokey"},
		{"BITFIELD", "s", "GET", "u8", "0"}, {"BITFIELD", "nokey", "GET", "u8", "0"}, {"BITFIELD", "s", "SET", "u8", "0", "1"},
		{"BITFIELD_RO", "nokey", "GET", "u8", "0"},
		{"SORT", "l", "BY", "w_*", "GET", "#", "GET", "h_*->f", "ALPHA"}, {"SORT", "nokey"}, {"SORT_RO", "l", "BY", "nosort", "GET", "w_*"},
		{"SORT", "l", "ALPHA", "STORE", "dst"},
	})
	stats := func(c *nodetest.Conn) string {
		var out []string
		for _, l := range strings.Split(string(c.Do("INFO", "stats").Str), "\r\n") {
			if strings.HasPrefix(l, "keyspace_") {
				out = append(out, l)
			}
		}
		return strings.Join(out, " ")
	}
	if n, r := stats(p.Node), stats(p.Redis); n != r {
		t.Errorf("keyspace stats: node %s, redis %s", n, r)
	}
}
