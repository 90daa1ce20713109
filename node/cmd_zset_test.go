package node_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
)

func TestZsetArityAndTypes(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Normalize(normSets)
	p.Check("SET", "str", "v")
	for _, c := range [][]string{
		{"ZADD", "k", "1"}, {"ZINCRBY", "k", "1"}, {"ZREM", "k"}, {"ZCARD"}, {"ZSCORE", "k"}, {"ZMSCORE", "k"},
		{"ZRANK", "k"}, {"ZRANK", "k", "a", "WITHSCORE"}, {"ZREVRANK", "k", "a", "b"}, {"ZRANGE", "k", "0"},
		{"ZRANGESTORE", "d", "k", "0"}, {"ZREVRANGE", "k", "0"}, {"ZRANGEBYSCORE", "k", "0"},
		{"ZREVRANGEBYSCORE", "k", "0"}, {"ZRANGEBYLEX", "k", "-"}, {"ZREVRANGEBYLEX", "k", "+"},
		{"ZCOUNT", "k", "0"}, {"ZLEXCOUNT", "k", "-"}, {"ZREMRANGEBYRANK", "k", "0"},
		{"ZREMRANGEBYSCORE", "k", "0"}, {"ZREMRANGEBYLEX", "k", "-"}, {"ZPOPMIN"}, {"ZPOPMAX"},
		{"ZUNIONSTORE", "d", "1"}, {"ZINTERSTORE", "d", "1"}, {"ZDIFFSTORE", "d", "1"}, {"ZUNION", "1"},
		{"ZINTER", "1"}, {"ZDIFF", "1"}, {"ZINTERCARD", "1"}, {"ZRANDMEMBER"}, {"ZSCAN", "k"},
	} {
		p.Check(c...)
	}
	for _, c := range [][]string{
		{"ZADD", "str", "1", "a"}, {"ZINCRBY", "str", "1", "a"}, {"ZREM", "str", "a"}, {"ZCARD", "str"},
		{"ZSCORE", "str", "a"}, {"ZMSCORE", "str", "a"}, {"ZRANK", "str", "a"}, {"ZREVRANK", "str", "a"},
		{"ZRANGE", "str", "0", "1"}, {"ZRANGESTORE", "d", "str", "0", "1"}, {"ZREVRANGE", "str", "0", "1"},
		{"ZRANGEBYSCORE", "str", "0", "1"}, {"ZREVRANGEBYSCORE", "str", "1", "0"},
		{"ZRANGEBYLEX", "str", "-", "+"}, {"ZREVRANGEBYLEX", "str", "+", "-"}, {"ZCOUNT", "str", "0", "1"},
		{"ZLEXCOUNT", "str", "-", "+"}, {"ZREMRANGEBYRANK", "str", "0", "1"}, {"ZREMRANGEBYSCORE", "str", "0", "1"},
		{"ZREMRANGEBYLEX", "str", "-", "+"}, {"ZPOPMIN", "str"}, {"ZPOPMAX", "str", "2"},
		{"ZUNIONSTORE", "d", "1", "str"}, {"ZINTERSTORE", "d", "2", "nokey", "str"}, {"ZDIFFSTORE", "d", "1", "str"},
		{"ZUNION", "1", "str"}, {"ZINTER", "1", "str"}, {"ZDIFF", "1", "str"}, {"ZINTERCARD", "1", "str"},
		{"ZRANDMEMBER", "str"}, {"ZRANDMEMBER", "str", "1"}, {"ZSCAN", "str", "0"},
		{"ZINTERCARD", "1", "str", "BAD"},
		{"ZRANDMEMBER", "str", "0"}, {"ZRANDMEMBER", "str", "0", "WITHSCORES"}, {"ZPOPMIN", "str", "0"}, {"ZPOPMAX", "str", "-1"},
		{"ZRANDMEMBER", "str", "x"}, {"ZRANGESTORE", "str", "nokey", "0", "1"}, {"ZRANGESTORE", "d", "str", "a", "1"},
		{"ZUNION", "1", "str", "BAD"}, {"ZINTER", "2", "nokey", "str", "WEIGHTS", "x"}, {"ZCOUNT", "str", "x", "1"},
		{"ZREMRANGEBYRANK", "str", "x", "1"}, {"ZSCAN", "str", "x"}, {"ZSCAN", "nokey", "x"},
		{"ZADD", "str", "x", "a"}, {"ZADD", "str", "NX", "XX", "1", "a"}, {"ZINCRBY", "str", "x", "a"},
	} {
		p.Check(c...)
	}
}

func TestZadd(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"ZADD", "z", "1", "a", "2", "b"}, {"ZADD", "z", "1", "a"}, {"ZADD", "z", "3", "a"},
		{"ZRANGE", "z", "0", "-1", "WITHSCORES"},
		{"ZADD", "z", "NX", "10", "a", "4", "c"}, {"ZADD", "z", "XX", "10", "a", "5", "d"},
		{"ZADD", "z", "CH", "11", "a", "2", "b", "6", "e"}, {"ZADD", "z", "XX", "CH", "12", "a"},
		{"ZADD", "z", "GT", "1", "a"}, {"ZADD", "z", "GT", "CH", "20", "a"}, {"ZADD", "z", "LT", "CH", "30", "a", "0", "b"},
		{"ZADD", "z", "LT", "XX", "CH", "-1", "b"}, {"ZADD", "z", "GT", "XX", "100", "new"},
		{"ZADD", "z", "INCR", "5", "a"}, {"ZADD", "z", "INCR", "NX", "5", "a"}, {"ZADD", "z", "INCR", "XX", "5", "nope"},
		{"ZADD", "z", "INCR", "GT", "-5", "a"}, {"ZADD", "z", "INCR", "LT", "-5", "a"}, {"ZADD", "z", "INCR", "5", "fresh"},
		{"ZADD", "z", "NX", "XX", "1", "a"}, {"ZADD", "z", "GT", "LT", "1", "a"}, {"ZADD", "z", "GT", "NX", "1", "a"},
		{"ZADD", "z", "LT", "NX", "1", "a"}, {"ZADD", "z", "INCR", "1", "a", "2", "b"}, {"ZADD", "z", "NX", "XX", "INCR", "1", "a", "2", "b"},
		{"ZADD", "z", "1"}, {"ZADD", "z", "1", "a", "2"}, {"ZADD", "z", "x", "a"}, {"ZADD", "z", "1", "a", "y", "b"},
		{"ZADD", "z", "NX"}, {"ZADD", "z", "NaN", "a"}, {"ZADD", "z", " 1", "a"}, {"ZADD", "z", "1 ", "a"},
		{"ZADD", "z", "1e400", "a"}, {"ZADD", "z", "inf", "pinf"}, {"ZADD", "z", "-inf", "ninf"}, {"ZADD", "z", "+inf", "pinf2"},
		{"ZADD", "z", "0x10", "hex"}, {"ZADD", "z", "1.5e3", "exp"}, {"ZADD", "z", "-0", "negzero"}, {"ZADD", "z", ".5", "half"},
		{"ZADD", "z", "0.1", "p1"}, {"ZINCRBY", "z", "0.2", "p1"}, {"ZSCORE", "z", "p1"},
		{"ZINCRBY", "z", "-inf", "pinf"}, {"ZINCRBY", "z", "inf", "pinf"}, {"ZADD", "z", "INCR", "-inf", "pinf"},
		{"ZINCRBY", "z", "x", "a"}, {"ZINCRBY", "z", "1", "a"}, {"ZINCRBY", "newz", "2.5", "m"},
		{"ZRANGE", "z", "0", "-1", "WITHSCORES"}, {"ZCARD", "z"},
		{"ZADD", "xxonly", "XX", "1", "a"}, {"ZCARD", "xxonly"}, {"ZADD", "xxonly", "XX", "INCR", "1", "a"},
		{"ZSCORE", "z", "a"}, {"ZSCORE", "z", "nope"}, {"ZSCORE", "nokey", "a"},
		{"ZMSCORE", "z", "a", "nope", "ninf"}, {"ZMSCORE", "nokey", "a", "b"},
		{"ZRANK", "z", "a"}, {"ZRANK", "z", "ninf"}, {"ZRANK", "z", "nope"}, {"ZRANK", "nokey", "a"},
		{"ZREVRANK", "z", "a"}, {"ZREVRANK", "z", "ninf"}, {"ZREVRANK", "z", "nope"},
		{"ZREM", "z", "a", "nope", "b"}, {"ZREM", "nokey", "a"}, {"ZCARD", "z"},
		{"ZADD", "one", "1", "x"}, {"ZREM", "one", "x"}, {"ZCARD", "one"}, {"ZSCORE", "one", "x"},
	})
}

func TestZrange(t *testing.T) {
	p := nodetest.NewPair(t)
	args := []string{"ZADD", "z"}
	for i, m := range strings.Split("a b c d e f g h i j", " ") {
		args = append(args, strconv.Itoa(i/2), m)
	}
	p.Check(args...)
	p.Check("ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "ee", "0", "f")
	var cmds [][]string
	for _, r := range [][2]string{{"0", "-1"}, {"2", "5"}, {"-3", "-1"}, {"5", "2"}, {"-100", "100"}, {"10", "20"}, {"0", "0"}, {"-1", "-1"}} {
		cmds = append(cmds, []string{"ZRANGE", "z", r[0], r[1]}, []string{"ZRANGE", "z", r[0], r[1], "WITHSCORES"},
			[]string{"ZRANGE", "z", r[0], r[1], "REV"}, []string{"ZREVRANGE", "z", r[0], r[1], "WITHSCORES"},
			[]string{"ZREMRANGEBYRANK", "nokey", r[0], r[1]})
	}
	for _, r := range [][2]string{{"-inf", "+inf"}, {"1", "3"}, {"(1", "3"}, {"1", "(3"}, {"(1", "(1"}, {"1", "1"}, {"3", "1"},
		{"-inf", "-inf"}, {"inf", "inf"}, {"(2", "+inf"}, {"x", "1"}, {"1", "(x"}, {"((1", "2"}, {"", "1"}, {" 1", "2"}, {"nan", "1"}, {"1e400", "inf"}} {
		cmds = append(cmds, []string{"ZRANGEBYSCORE", "z", r[0], r[1]}, []string{"ZRANGEBYSCORE", "z", r[0], r[1], "WITHSCORES"},
			[]string{"ZREVRANGEBYSCORE", "z", r[1], r[0], "WITHSCORES"}, []string{"ZRANGE", "z", r[0], r[1], "BYSCORE"},
			[]string{"ZRANGE", "z", r[1], r[0], "BYSCORE", "REV", "LIMIT", "1", "2"}, []string{"ZCOUNT", "z", r[0], r[1]},
			[]string{"ZRANGEBYSCORE", "z", r[0], r[1], "LIMIT", "1", "3"}, []string{"ZRANGEBYSCORE", "z", r[0], r[1], "LIMIT", "-1", "3"},
			[]string{"ZRANGEBYSCORE", "z", r[0], r[1], "LIMIT", "2", "-1"}, []string{"ZRANGEBYSCORE", "z", r[0], r[1], "LIMIT", "0", "0"},
			[]string{"ZCOUNT", "nokey", r[0], r[1]})
	}
	for _, r := range [][2]string{{"-", "+"}, {"[b", "[d"}, {"(b", "(d"}, {"[b", "(ee"}, {"(a", "[e"}, {"+", "-"}, {"-", "-"}, {"+", "+"},
		{"[d", "[b"}, {"[e", "[e"}, {"(e", "[e"}, {"b", "[d"}, {"[b", "d"}, {"", "+"}, {"-x", "+"}, {"[", "(z"}, {"-", "[c"}, {"[c", "+"}} {
		cmds = append(cmds, []string{"ZRANGEBYLEX", "lex", r[0], r[1]}, []string{"ZREVRANGEBYLEX", "lex", r[1], r[0]},
			[]string{"ZRANGE", "lex", r[0], r[1], "BYLEX"}, []string{"ZRANGE", "lex", r[1], r[0], "BYLEX", "REV", "LIMIT", "1", "2"},
			[]string{"ZLEXCOUNT", "lex", r[0], r[1]}, []string{"ZRANGEBYLEX", "lex", r[0], r[1], "LIMIT", "1", "1"},
			[]string{"ZLEXCOUNT", "nokey", r[0], r[1]})
	}
	cmds = append(cmds, [][]string{
		{"ZRANGE", "z", "0", "1", "LIMIT", "0", "1"}, {"ZRANGE", "lex", "-", "+", "BYLEX", "WITHSCORES"},
		{"ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX"}, {"ZRANGE", "z", "0", "1", "REV", "REV"}, {"ZRANGE", "z", "0", "1", "FOO"},
		{"ZRANGE", "z", "0", "1", "LIMIT", "1"}, {"ZRANGE", "z", "0", "1", "BYSCORE", "LIMIT", "x", "1"},
		{"ZRANGE", "z", "0", "1", "BYSCORE", "LIMIT", "1", "x"}, {"ZRANGE", "z", "a", "1"}, {"ZRANGE", "z", "0", "1.5"},
		{"ZRANGE", "nokey", "0", "-1"}, {"ZRANGE", "nokey", "a", "b"}, {"ZRANGE", "nokey", "0", "1", "LIMIT", "0", "1"},
		{"ZREVRANGE", "z", "0", "1", "REV"}, {"ZREVRANGE", "z", "0", "1", "BYSCORE"}, {"ZRANGEBYSCORE", "z", "0", "1", "REV"},
		{"ZRANGEBYSCORE", "z", "0", "1", "BYLEX"}, {"ZRANGEBYLEX", "lex", "-", "+", "WITHSCORES"},
		{"ZRANGEBYLEX", "lex", "-", "+", "BYSCORE"}, {"ZREVRANGE", "z", "0", "1", "LIMIT", "0", "1"},
		{"ZRANGE", "z", "0", "-1", "withscores", "rev"},
		{"ZRANGESTORE", "dst", "z", "0", "3"}, {"ZRANGE", "dst", "0", "-1", "WITHSCORES"},
		{"ZRANGESTORE", "dst", "z", "(1", "+inf", "BYSCORE", "LIMIT", "1", "2"}, {"ZRANGE", "dst", "0", "-1", "WITHSCORES"},
		{"ZRANGESTORE", "dst", "lex", "[b", "[d", "BYLEX", "REV"}, {"ZRANGE", "dst", "0", "-1", "WITHSCORES"},
		{"ZRANGESTORE", "dst", "z", "0", "3", "WITHSCORES"}, {"ZRANGESTORE", "dst", "nokey", "0", "3"}, {"ZCARD", "dst"},
		{"SET", "sdst", "x"}, {"ZRANGESTORE", "sdst", "z", "0", "0"}, {"ZRANGE", "sdst", "0", "-1"},
		{"ZRANGESTORE", "sdst", "z", "5", "3"}, {"ZCARD", "sdst"},
		{"ZREMRANGEBYRANK", "z", "x", "1"}, {"ZREMRANGEBYSCORE", "z", "x", "1"}, {"ZREMRANGEBYLEX", "lex", "x", "+"},
		{"ZREMRANGEBYRANK", "z", "0", "1"}, {"ZRANGE", "z", "0", "-1"}, {"ZREMRANGEBYRANK", "z", "-2", "-1"},
		{"ZREMRANGEBYSCORE", "z", "(1", "2"}, {"ZRANGE", "z", "0", "-1"}, {"ZREMRANGEBYSCORE", "z", "5", "1"},
		{"ZREMRANGEBYLEX", "lex", "(b", "[e"}, {"ZRANGE", "lex", "0", "-1"}, {"ZREMRANGEBYLEX", "lex", "-", "+"}, {"ZCARD", "lex"},
		{"ZREMRANGEBYSCORE", "z", "-inf", "+inf"}, {"ZCARD", "z"},
	}...)
	p.CheckAll(cmds)
}

func TestZpopAndRandom(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Normalize(normSets)
	p.CheckAll([][]string{
		{"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"},
		{"ZPOPMIN", "z"}, {"ZPOPMAX", "z"}, {"ZPOPMIN", "z", "0"}, {"ZPOPMIN", "z", "-1"}, {"ZPOPMIN", "z", "x"},
		{"ZPOPMIN", "z", "1", "2"}, {"ZPOPMAX", "z", "5"}, {"ZCARD", "z"}, {"ZPOPMIN", "z"}, {"ZPOPMIN", "z", "2"},
		{"ZPOPMIN", "nokey", "0"}, {"ZADD", "z", "1", "a", "2", "b", "3", "c"}, {"ZPOPMIN", "z", "2"},
		{"ZADD", "r", "1", "a", "2", "b", "3", "c"},
		{"ZRANDMEMBER", "r"}, {"ZRANDMEMBER", "nokey"}, {"ZRANDMEMBER", "nokey", "3"}, {"ZRANDMEMBER", "r", "0"},
		{"ZRANDMEMBER", "r", "2"}, {"ZRANDMEMBER", "r", "-5"}, {"ZRANDMEMBER", "r", "-5", "WITHSCORES"},
		{"ZRANDMEMBER", "r", "10", "WITHSCORES"}, {"ZRANDMEMBER", "r", "x"}, {"ZRANDMEMBER", "r", "1", "FOO"},
		{"ZRANDMEMBER", "r", "1", "WITHSCORES", "x"}, {"ZRANDMEMBER", "r", "-9223372036854775808"},
		{"ZRANDMEMBER", "r", "9223372036854775807", "WITHSCORES"}, {"ZRANDMEMBER", "r", "-4611686018427387905", "WITHSCORES"},
		{"ZRANDMEMBER", "r", "4611686018427387903", "WITHSCORES"}, {"ZRANDMEMBER", "r", "0", "WITHSCORES"},
		{"ZSCAN", "r", "0"}, {"ZSCAN", "r", "0", "MATCH", "b"}, {"ZSCAN", "r", "x"}, {"ZSCAN", "nokey", "0"},
		{"ZSCAN", "r", "0", "COUNT", "0"},
	})
	// RESP3 shapes.
	p.Node.Do("HELLO", "3")
	p.Redis.Do("HELLO", "3")
	p.CheckAll([][]string{
		{"ZADD", "z", "1", "a", "2.5", "b", "3", "c", "4", "d"},
		{"ZSCORE", "z", "b"}, {"ZSCORE", "z", "nope"}, {"ZMSCORE", "z", "a", "nope"}, {"ZINCRBY", "z", "1", "a"},
		{"ZADD", "z", "INCR", "1", "a"}, {"ZRANGE", "z", "0", "-1", "WITHSCORES"}, {"ZRANGE", "z", "0", "-1"},
		{"ZRANGEBYSCORE", "z", "-inf", "inf", "WITHSCORES"}, {"ZUNION", "1", "z", "WITHSCORES"},
		{"ZRANDMEMBER", "z", "-2", "WITHSCORES"}, {"ZRANDMEMBER", "z", "2"}, {"ZSCAN", "z", "0"},
		{"ZPOPMIN", "z"}, {"ZPOPMIN", "z", "1"}, {"ZPOPMAX", "z", "5"}, {"ZPOPMIN", "z"}, {"ZPOPMIN", "z", "2"},
	})
}

func TestZsetAlgebra(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"ZADD", "{a}1", "1", "a", "2", "b", "3", "c"}, {"ZADD", "{a}2", "10", "b", "20", "c", "30", "d"},
		{"SADD", "{a}s", "a", "d", "x"}, {"ZADD", "{a}inf", "inf", "a", "-inf", "b"},
		{"ZUNION", "2", "{a}1", "{a}2", "WITHSCORES"}, {"ZINTER", "2", "{a}1", "{a}2", "WITHSCORES"},
		{"ZDIFF", "2", "{a}1", "{a}2", "WITHSCORES"}, {"ZDIFF", "2", "{a}2", "{a}1"},
		{"ZUNION", "3", "{a}1", "{a}2", "{a}s", "WITHSCORES"}, {"ZINTER", "2", "{a}s", "{a}2", "WITHSCORES"},
		{"ZUNION", "2", "{a}1", "{a}2", "WEIGHTS", "2", "0.5", "WITHSCORES"},
		{"ZUNION", "2", "{a}1", "{a}2", "AGGREGATE", "MIN", "WITHSCORES"}, {"ZINTER", "2", "{a}1", "{a}2", "AGGREGATE", "max", "WITHSCORES"},
		{"ZUNION", "2", "{a}1", "{a}inf", "WEIGHTS", "0", "1", "WITHSCORES"}, {"ZUNION", "2", "{a}inf", "{a}inf", "WEIGHTS", "1", "-1", "WITHSCORES"},
		{"ZUNION", "2", "{a}1", "{a}2", "WEIGHTS", "1"}, {"ZUNION", "2", "{a}1", "{a}2", "WEIGHTS", "1", "x"},
		{"ZUNION", "2", "{a}1", "{a}2", "AGGREGATE", "AVG"}, {"ZUNION", "2", "{a}1", "{a}2", "AGGREGATE"},
		{"ZDIFF", "2", "{a}1", "{a}2", "WEIGHTS", "1", "1"}, {"ZDIFF", "2", "{a}1", "{a}2", "AGGREGATE", "MIN"},
		{"ZUNION", "0", "{a}1"}, {"ZUNION", "-1", "{a}1"}, {"ZUNION", "x", "{a}1"}, {"ZUNION", "3", "{a}1", "{a}2"},
		{"ZINTER", "2", "{a}1", "nokey"}, {"ZUNION", "2", "nokey", "nokey2"}, {"ZDIFF", "1", "nokey"},
		{"ZUNIONSTORE", "{a}d", "2", "{a}1", "{a}2"}, {"ZRANGE", "{a}d", "0", "-1", "WITHSCORES"},
		{"ZINTERSTORE", "{a}d", "2", "{a}1", "{a}2", "WEIGHTS", "1", "2", "AGGREGATE", "SUM"}, {"ZRANGE", "{a}d", "0", "-1", "WITHSCORES"},
		{"ZDIFFSTORE", "{a}d", "2", "{a}1", "{a}2"}, {"ZRANGE", "{a}d", "0", "-1", "WITHSCORES"},
		{"ZUNIONSTORE", "{a}d", "1", "{a}1", "WITHSCORES"}, {"ZDIFFSTORE", "{a}d", "1", "{a}1", "WITHSCORES"},
		{"ZINTERSTORE", "{a}d", "2", "{a}1", "nokey"}, {"ZCARD", "{a}d"}, {"ZUNIONSTORE", "{a}d", "0", "{a}1"},
		{"ZINTERSTORE", "{a}d", "0", "{a}1"}, {"ZDIFFSTORE", "{a}d", "0", "{a}1"},
		{"ZUNIONSTORE", "{a}1", "2", "{a}1", "{a}2"}, {"ZRANGE", "{a}1", "0", "-1", "WITHSCORES"},
		{"ZINTERCARD", "2", "{a}1", "{a}2"}, {"ZINTERCARD", "2", "{a}1", "{a}2", "LIMIT", "1"},
		{"ZINTERCARD", "2", "{a}1", "{a}2", "LIMIT", "0"}, {"ZINTERCARD", "0", "{a}1"}, {"ZINTERCARD", "3", "{a}1"},
		{"ZINTERCARD", "1", "{a}1", "LIMIT", "-1"}, {"ZINTERCARD", "1", "{a}1", "LIMIT"}, {"ZINTERCARD", "1", "{a}s"},
		{"ZINTERCARD", "x", "{a}1"}, {"ZINTERCARD", "2", "{a}1", "nokey"},
	})
}

// TestZsetRandom runs random command sequences against both servers.
// Small member pools keep the sets listpack encoded; large ones take them
// past zset-max-listpack-entries.
func TestZsetRandom(t *testing.T) {
	for _, tc := range []struct {
		seed    uint64
		members int
	}{{7001, 40}, {7002, 400}} {
		t.Run(fmt.Sprint(tc.members), func(t *testing.T) { zsetRandom(t, tc.seed, tc.members) })
	}
}

func zsetRandom(t *testing.T, seed uint64, members int) {
	p := nodetest.NewPair(t)
	r := rand.New(rand.NewPCG(seed, 0))
	keys := []string{"{z}a", "{z}b", "{z}c"}
	key := func() string { return keys[r.IntN(len(keys))] }
	member := func() string { return fmt.Sprintf("m%02d", r.IntN(members)) }
	score := func() string {
		switch r.IntN(8) {
		case 0:
			return "-inf"
		case 1:
			return "+inf"
		case 2:
			return strconv.FormatFloat(r.Float64()*10-5, 'g', -1, 64)
		}
		return strconv.Itoa(r.IntN(10) - 3)
	}
	bound := func() string {
		s := score()
		if r.IntN(3) == 0 {
			return "(" + s
		}
		return s
	}
	lexb := func() string {
		switch r.IntN(6) {
		case 0:
			return "-"
		case 1:
			return "+"
		case 2:
			return "(" + member()
		}
		return "[" + member()
	}
	idx := func() string { return strconv.Itoa(r.IntN(30) - 15) }
	for i := 0; i < 3000; i++ {
		var cmd []string
		switch r.IntN(22) {
		case 0, 1, 2, 3:
			cmd = []string{"ZADD", key()}
			cmd = append(cmd, [][]string{nil, {"NX"}, {"XX"}, {"GT"}, {"LT", "CH"}, {"CH"}}[r.IntN(6)]...)
			for n := r.IntN(members/10) + 1; n > 0; n-- {
				cmd = append(cmd, score(), member())
			}
		case 4:
			cmd = []string{"ZINCRBY", key(), score(), member()}
		case 5:
			cmd = []string{"ZREM", key(), member(), member()}
		case 6:
			cmd = []string{"ZRANGE", key(), idx(), idx(), "WITHSCORES"}
		case 7:
			cmd = []string{"ZRANGE", key(), bound(), bound(), "BYSCORE", "LIMIT", strconv.Itoa(r.IntN(4)), strconv.Itoa(r.IntN(6) - 1)}
		case 8:
			cmd = []string{"ZREVRANGEBYSCORE", key(), bound(), bound(), "WITHSCORES"}
		case 9:
			cmd = []string{"ZRANK", key(), member()}
		case 10:
			cmd = []string{"ZREVRANK", key(), member()}
		case 11:
			cmd = []string{"ZCOUNT", key(), bound(), bound()}
		case 12:
			cmd = []string{"ZSCORE", key(), member()}
		case 13:
			cmd = []string{"ZREMRANGEBYRANK", key(), idx(), idx()}
		case 14:
			cmd = []string{"ZREMRANGEBYSCORE", key(), bound(), bound()}
		case 15:
			cmd = []string{[]string{"ZPOPMIN", "ZPOPMAX"}[r.IntN(2)], key(), strconv.Itoa(r.IntN(3))}
		case 16:
			cmd = []string{[]string{"ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"}[r.IntN(3)], key(), "2", key(), key()}
		case 17:
			cmd = []string{[]string{"ZUNION", "ZINTER"}[r.IntN(2)], "2", key(), key(), "WEIGHTS", score(), "2",
				"AGGREGATE", []string{"SUM", "MIN", "MAX"}[r.IntN(3)], "WITHSCORES"}
		case 18:
			// Lexicographic ranges are only defined when all scores are equal.
			cmd = []string{"ZADD", "{z}l", "0", member()}
			if r.IntN(2) == 0 {
				cmd = []string{"ZRANGEBYLEX", "{z}l", lexb(), lexb(), "LIMIT", strconv.Itoa(r.IntN(3)), strconv.Itoa(r.IntN(5) - 1)}
			}
		case 19:
			cmd = []string{[]string{"ZLEXCOUNT", "ZREVRANGEBYLEX", "ZREMRANGEBYLEX"}[r.IntN(3)], "{z}l", lexb(), lexb()}
		case 20:
			cmd = []string{"ZREVRANGE", key(), idx(), idx()}
		case 21:
			cmd = []string{"ZCARD", key()}
		}
		p.Check(cmd...)
		if t.Failed() {
			t.Fatalf("seed %d, step %d", seed, i)
		}
	}
}

func BenchmarkZadd(b *testing.B) {
	addr, _ := nodetest.StartNode(b, nil)
	c := nodetest.Dial(b, addr)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c.Do("ZADD", "z", strconv.Itoa(i%1000), strconv.Itoa(i%100000))
	}
}

func BenchmarkZrange100(b *testing.B) {
	addr, _ := nodetest.StartNode(b, nil)
	c := nodetest.Dial(b, addr)
	for i := 0; i < 1000; i++ {
		c.Do("ZADD", "z", strconv.Itoa(i), "m"+strconv.Itoa(i))
	}
	b.ReportAllocs()
	for b.Loop() {
		c.Do("ZRANGE", "z", "0", "99")
	}
}

// TestZscanLarge scans a skiplist-encoded sorted set to the end while
// members are removed and checks every member that stayed came back with
// its score.
func TestZscanLarge(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	c := nodetest.Dial(t, addr)
	want := map[string]string{}
	args := []string{"ZADD", "z"}
	for i := 0; i < 500; i++ {
		m := fmt.Sprintf("m%d", i)
		want[m] = strconv.Itoa(i * 2)
		args = append(args, want[m], m)
	}
	c.Do(args...)
	got := map[string]string{}
	cursor := "0"
	for i := 0; ; i++ {
		v := c.Do("ZSCAN", "z", cursor, "COUNT", "20")
		e := v.Elems[1].Elems
		for j := 0; j+1 < len(e); j += 2 {
			got[string(e[j].Str)] = string(e[j+1].Str)
		}
		if i == 5 {
			for j := 0; j < 50; j++ {
				m := fmt.Sprintf("m%d", j*7)
				c.Do("ZREM", "z", m)
				delete(want, m)
			}
		}
		cursor = string(v.Elems[0].Str)
		if cursor == "0" {
			break
		}
	}
	for m, s := range want {
		if got[m] != s {
			t.Fatalf("ZSCAN: %s = %q, want %q", m, got[m], s)
		}
	}
}

// TestZsetNegativeZero checks where Redis keeps -0: a listpack stores it as
// 0, a skiplist keeps it, and ZINCRBY replies the computed value.
func TestZsetNegativeZero(t *testing.T) {
	p := nodetest.NewPair(t)
	long := strings.Repeat("x", 65)
	p.CheckAll([][]string{
		{"ZADD", "small", "-0", "m"}, {"ZSCORE", "small", "m"}, {"ZINCRBY", "small", "-0", "n"}, {"ZSCORE", "small", "n"},
		{"ZADD", "big", "1", long}, {"ZADD", "big", "-0", "m"}, {"ZSCORE", "big", "m"}, {"ZRANGE", "big", "0", "-1", "WITHSCORES"},
		{"ZUNIONSTORE", "u", "1", "big", "WEIGHTS", "-1"}, {"ZRANGE", "u", "0", "-1", "WITHSCORES"},
		{"ZUNION", "1", "small", "WEIGHTS", "-1", "WITHSCORES"}, {"ZRANGESTORE", "r", "big", "0", "0"}, {"ZSCORE", "r", "m"},
		{"ZADD", "big", "0.0", "m"}, {"ZSCORE", "big", "m"},
	})
}

// TestZsetFloatSyntax compares how scores and score bounds are parsed.
func TestZsetFloatSyntax(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Check("ZADD", "z", "1", "a", "2", "b")
	for i, f := range []string{"1e", "1e+", ".", "-", "+", "0x", "0x1", "0X1P-2", "infinity", "INF", "-Infinity", "1.", "1_000",
		"  ", "", "(", "((", "nan", "(inf", "1e-400", "1e308", "1e309", "-1e309", "4e-320", "+1", "0001.5", "1e0x", "\t2", "2\t", "0b1", "1,5", "inF", "(-inf"} {
		m := fmt.Sprintf("m%d", i)
		p.CheckAll([][]string{
			{"ZADD", "z", f, m}, {"ZSCORE", "z", m}, {"ZCOUNT", "z", f, "+inf"}, {"ZCOUNT", "z", "-inf", f},
			{"ZINCRBY", "z", f, "a"}, {"ZUNION", "1", "z", "WEIGHTS", f},
		})
	}
}
