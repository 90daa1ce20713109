package node_test

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
)

// maskStreamTimes zeroes the clock-dependent numbers of consumer group
// replies (idle times, delivery and seen times), keeping their types.
func maskStreamTimes(args []string, v resp.Value) resp.Value {
	if len(args) == 0 {
		return v
	}
	switch strings.ToUpper(args[0]) {
	case "XPENDING":
		if len(args) > 3 {
			for i := range v.Elems {
				if e := v.Elems[i].Elems; len(e) == 4 {
					e[2].Int = 0
				}
			}
		}
	case "XINFO":
		maskTimesIn(&v)
	}
	return v
}

func maskTimesIn(v *resp.Value) {
	e := v.Elems
	if v.Type == '%' || v.Type == '*' {
		for i := 0; i+1 < len(e); i++ {
			if k := string(e[i].Str); e[i].Type == '$' && (k == "idle" || k == "seen-time") && e[i+1].Type == ':' {
				e[i+1].Int = 0
			}
		}
	}
	switch {
	case len(e) == 4 && e[0].Type == '$' && e[1].Type == '$' && e[2].Type == ':' && e[3].Type == ':':
		e[2].Int = 0 // group PEL entry of XINFO STREAM FULL
	case len(e) == 3 && e[0].Type == '$' && e[1].Type == ':' && e[2].Type == ':':
		e[1].Int = 0 // consumer PEL entry
	}
	for i := range e {
		maskTimesIn(&e[i])
	}
}

// TestDiffStreamGroups compares the consumer group commands, their errors
// and the group bookkeeping (entries-read, lag) with redis-server.
func TestDiffStreamGroups(t *testing.T) {
	for _, proto := range []string{"2", "3"} {
		t.Run("RESP"+proto, func(t *testing.T) {
			p := nodetest.NewPair(t)
			p.Node.Do("HELLO", proto)
			p.Redis.Do("HELLO", proto)
			p.Normalize(maskStreamTimes)
			p.CheckAll(groupScript)
		})
	}
}

var groupScript = [][]string{
	{"XGROUP", "CREATE", "s", "g", "$"},
	{"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"},
	{"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"},
	{"XGROUP", "CREATE", "s", "g2", "x"},
	{"XGROUP", "CREATE", "s", "g2", "0", "FOO"},
	{"XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "-2"},
	{"XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "x"},
	{"XGROUP", "CREATE", "s", "g2", "0", "MKSTREAM", "MKSTREAM", "MKSTREAM", "MKSTREAM"},
	{"XGROUP", "CREATE", "s"},
	{"XINFO", "GROUPS", "s"},
	{"XINFO", "STREAM", "s"},
	{"XADD", "s", "1-1", "f", "1"},
	{"XADD", "s", "2-1", "f", "2"},
	{"XADD", "s", "3-1", "f", "3"},
	{"XADD", "s", "4-1", "f", "4"},
	{"XGROUP", "CREATE", "s", "old", "0"},
	{"XGROUP", "CREATE", "s", "mid", "2-1", "ENTRIESREAD", "2"},
	{"XINFO", "GROUPS", "s"},
	{"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"},
	{"XREADGROUP", "GROUP", "old", "alice", "COUNT", "2", "STREAMS", "s", ">"},
	{"XREADGROUP", "GROUP", "old", "bob", "COUNT", "1", "STREAMS", "s", ">"},
	{"XREADGROUP", "GROUP", "old", "carol", "NOACK", "COUNT", "1", "STREAMS", "s", ">"},
	{"XREADGROUP", "GROUP", "old", "alice", "STREAMS", "s", "0"},
	{"XREADGROUP", "GROUP", "mid", "zed", "COUNT", "1", "STREAMS", "s", "s", ">", ">"},
	{"XREADGROUP", "GROUP", "mid", "zed", "STREAMS", "s", "s", "0", "0"},
	{"XREAD", "STREAMS", "s", "s", "2-1", "0"},
	{"XREADGROUP", "GROUP", "old", "alice", "COUNT", "1", "STREAMS", "s", "1-1"},
	{"XREADGROUP", "GROUP", "old", "nobody", "STREAMS", "s", "0"},
	{"XREADGROUP", "GROUP", "old", "alice", "STREAMS", "s", "$"},
	{"XREADGROUP", "GROUP", "nog", "alice", "STREAMS", "s", ">"},
	{"XREADGROUP", "GROUP", "old", "alice", "STREAMS", "nokey", ">"},
	{"XREADGROUP", "STREAMS", "s", ">"},
	{"XREADGROUP", "GROUP", "old", "alice", "STREAMS", "s"},
	{"XREADGROUP", "GROUP", "old", "alice", "BLOCK", "10", "STREAMS", "s", ">"},
	{"XINFO", "GROUPS", "s"},
	{"XINFO", "CONSUMERS", "s", "old"},
	{"XINFO", "CONSUMERS", "s", "nog"},
	{"XINFO", "CONSUMERS", "nokey", "old"},
	{"XPENDING", "s", "old"},
	{"XPENDING", "s", "g"},
	{"XPENDING", "s", "nog"},
	{"XPENDING", "s", "old", "-", "+", "10"},
	{"XPENDING", "s", "old", "-", "+", "10", "bob"},
	{"XPENDING", "s", "old", "-", "+", "10", "nobody"},
	{"XPENDING", "s", "old", "(1-1", "+", "1"},
	{"XPENDING", "s", "old", "IDLE", "100000", "-", "+", "10"},
	{"XPENDING", "s", "old", "IDLE", "0", "-", "+", "10"},
	{"XPENDING", "s", "old", "IDLE", "x", "-", "+", "10"},
	{"XPENDING", "s", "old", "IDLE", "10", "-", "+"},
	{"XPENDING", "s", "old", "-", "+"},
	{"XPENDING", "s", "old", "-", "+", "x"},
	{"XPENDING", "s", "old", "x", "+", "1"},
	{"XPENDING", "s", "old", "-", "+", "-1"},
	{"XACK", "s", "old", "1-1", "9-9"},
	{"XACK", "s", "old", "1-1"},
	{"XACK", "s", "old", "x"},
	{"XACK", "s", "nog", "x"},
	{"XACK", "nokey", "g", "1-1"},
	{"XPENDING", "s", "old"},
	{"XCLAIM", "s", "old", "bob", "0", "2-1"},
	{"XCLAIM", "s", "old", "bob", "100000", "3-1"},
	{"XCLAIM", "s", "old", "dave", "0", "3-1", "JUSTID"},
	{"XCLAIM", "s", "old", "dave", "0", "4-1"},
	{"XCLAIM", "s", "old", "dave", "0", "4-1", "FORCE", "RETRYCOUNT", "7"},
	{"XCLAIM", "s", "old", "dave", "0", "3-1", "IDLE", "500000"},
	{"XCLAIM", "s", "old", "dave", "0", "2-1", "TIME", "1", "LASTID", "9-9"},
	{"XCLAIM", "s", "old", "dave", "0", "2-1", "FOO"},
	{"XCLAIM", "s", "old", "dave", "x", "2-1"},
	{"XCLAIM", "s", "old", "dave", "0", "2-1", "IDLE", "x"},
	{"XCLAIM", "s", "old", "dave", "0", "2-1", "RETRYCOUNT", "x"},
	{"XCLAIM", "s", "old", "dave", "0", "2-1", "LASTID", "x"},
	{"XCLAIM", "s", "nog", "dave", "0", "2-1"},
	{"XPENDING", "s", "old", "IDLE", "100000", "-", "+", "10"},
	{"XPENDING", "s", "old", "-", "+", "10"},
	{"XINFO", "GROUPS", "s"},
	{"XDEL", "s", "3-1"},
	{"XINFO", "GROUPS", "s"},
	{"XREADGROUP", "GROUP", "old", "dave", "STREAMS", "s", "0"},
	{"XAUTOCLAIM", "s", "old", "erin", "0", "0", "COUNT", "1"},
	{"XAUTOCLAIM", "s", "old", "erin", "0", "0", "COUNT", "2", "JUSTID"},
	{"XAUTOCLAIM", "s", "old", "erin", "0", "(2-1"},
	{"XAUTOCLAIM", "s", "old", "erin", "100000", "0"},
	{"XAUTOCLAIM", "s", "old", "erin", "0", "0", "COUNT", "0"},
	{"XAUTOCLAIM", "s", "old", "erin", "x", "0"},
	{"XAUTOCLAIM", "s", "old", "erin", "0", "x"},
	{"XAUTOCLAIM", "s", "old", "erin", "0", "0", "FOO"},
	{"XAUTOCLAIM", "s", "nog", "erin", "0", "0"},
	{"XPENDING", "s", "old"},
	{"XINFO", "STREAM", "s", "FULL"},
	{"XGROUP", "SETID", "s", "old", "0"},
	{"XGROUP", "SETID", "s", "old", "$", "ENTRIESREAD", "4"},
	{"XGROUP", "SETID", "s", "old", "1", "ENTRIESREAD", "-3"},
	{"XGROUP", "SETID", "s", "old", "1", "FOO", "1"},
	{"XGROUP", "SETID", "s", "nog", "1"},
	{"XGROUP", "SETID", "nokey", "nog", "1"},
	{"XINFO", "GROUPS", "s"},
	{"XGROUP", "SETID", "s", "old", "0"},
	{"XREADGROUP", "GROUP", "old", "frank", "STREAMS", "s", ">"},
	{"XPENDING", "s", "old", "-", "+", "10"},
	{"XGROUP", "CREATECONSUMER", "s", "old", "gina"},
	{"XGROUP", "CREATECONSUMER", "s", "old", "gina"},
	{"XGROUP", "CREATECONSUMER", "s", "nog", "gina"},
	{"XGROUP", "DELCONSUMER", "s", "old", "frank"},
	{"XGROUP", "DELCONSUMER", "s", "old", "nobody"},
	{"XINFO", "CONSUMERS", "s", "old"},
	{"XPENDING", "s", "old"},
	{"XGROUP", "DESTROY", "s", "old"},
	{"XGROUP", "DESTROY", "s", "old"},
	{"XGROUP", "DESTROY", "nokey", "old"},
	{"XGROUP", "FOO", "s", "g"},
	{"XGROUP", "HELP"},
	{"XINFO", "GROUPS", "s"},
	{"XTRIM", "s", "MAXLEN", "0"},
	{"XINFO", "GROUPS", "s"},
	{"XADD", "s", "10-1", "f", "v"},
	{"XINFO", "GROUPS", "s"},
	{"COPY", "s", "s2"},
	{"XINFO", "GROUPS", "s2"},
	{"XINFO", "STREAM", "s2", "FULL"},
	{"SET", "str", "x"},
	{"XGROUP", "CREATE", "str", "g", "$"},
	{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "str", ">"},
	{"XACK", "str", "g", "1-1"},
	{"XPENDING", "str", "g"},
	{"XCLAIM", "str", "g", "c", "0", "1-1"},
	{"XAUTOCLAIM", "str", "g", "c", "0", "0"},
	{"XINFO", "GROUPS", "str"},
	{"XINFO", "CONSUMERS", "str", "g"},
}

// TestDiffStreamGroupsRandom runs random consumer group commands over one
// stream (and a string key, for WRONGTYPE) against both servers, with
// explicit IDs and clock fields masked. Idle thresholds are either 0 or far
// beyond the test's run time, so the replies do not depend on timing.
func TestDiffStreamGroupsRandom(t *testing.T) {
	p := nodetest.NewPair(t)
	const seed = 7201
	r := rand.New(rand.NewPCG(seed, 0))
	p.Check("SET", "str", "x")
	key := func() string {
		if r.IntN(25) == 0 {
			return "str"
		}
		return "s"
	}
	group := func() string { return "g" + strconv.Itoa(r.IntN(3)) }
	consumer := func() string { return "c" + strconv.Itoa(r.IntN(4)) }
	step := 0
	id := func() string {
		ms := r.IntN(step/3 + 2)
		if r.IntN(3) == 0 {
			return strconv.Itoa(ms)
		}
		return strconv.Itoa(ms) + "-" + strconv.Itoa(r.IntN(2))
	}
	idle := func() string { return []string{"0", "0", "100000"}[r.IntN(3)] }
	ids := func(n int) []string {
		out := make([]string, 1+r.IntN(n))
		for i := range out {
			out[i] = id()
		}
		return out
	}
	seen := map[string]int{}
	for step = 0; step < 3000; step++ {
		if step == 1500 {
			resp3(t, p)
		}
		var cmd []string
		switch n := r.IntN(30); {
		case n < 6:
			cmd = []string{"XADD", "s", strconv.Itoa(step/3+1) + "-" + strconv.Itoa(step%3), "f", strconv.Itoa(step)}
		case n < 7:
			cmd = append([]string{"XDEL", "s"}, ids(2)...)
		case n < 10:
			cmd = []string{"XREADGROUP", "GROUP", group(), consumer()}
			if r.IntN(4) == 0 {
				cmd = append(cmd, "NOACK")
			}
			if r.IntN(2) == 0 {
				cmd = append(cmd, "COUNT", strconv.Itoa(r.IntN(4)))
			}
			last := ">"
			if r.IntN(3) == 0 {
				last = id()
			}
			cmd = append(cmd, "STREAMS", key(), last)
		case n < 13:
			cmd = append([]string{"XACK", key(), group()}, ids(3)...)
		case n < 15:
			cmd = []string{"XPENDING", key(), group()}
			if r.IntN(2) == 0 {
				if r.IntN(2) == 0 {
					cmd = append(cmd, "IDLE", idle())
				}
				cmd = append(cmd, "-", "+", strconv.Itoa(r.IntN(6)))
				if r.IntN(2) == 0 {
					cmd = append(cmd, consumer())
				}
			}
		case n < 18:
			g := group()
			cmd = append([]string{"XCLAIM", key(), g, consumer(), idle()}, ids(2)...)
			// Mostly claim IDs that are pending (a read-only look at the
			// node's PEL, which changes nothing).
			for _, e := range p.Node.Do("XPENDING", "s", g, "-", "+", "3").Elems {
				if len(e.Elems) == 4 && r.IntN(2) == 0 {
					cmd = append(cmd, string(e.Elems[0].Str))
				}
			}
			for _, opt := range []string{"JUSTID", "FORCE"} {
				if r.IntN(4) == 0 {
					cmd = append(cmd, opt)
				}
			}
			if r.IntN(4) == 0 {
				cmd = append(cmd, "RETRYCOUNT", strconv.Itoa(r.IntN(5)))
			}
			if r.IntN(4) == 0 {
				cmd = append(cmd, "IDLE", "500000")
			}
			if r.IntN(8) == 0 {
				cmd = append(cmd, "LASTID", id())
			}
		case n < 20:
			cmd = []string{"XAUTOCLAIM", key(), group(), consumer(), idle(), id(), "COUNT", strconv.Itoa(1 + r.IntN(4))}
			if r.IntN(3) == 0 {
				cmd = append(cmd, "JUSTID")
			}
		case n < 21:
			cmd = []string{"XGROUP", "SETID", key(), group(), id()}
			if r.IntN(3) == 0 {
				cmd[4] = "$"
			}
			if r.IntN(3) == 0 {
				cmd = append(cmd, "ENTRIESREAD", strconv.Itoa(r.IntN(step+1)))
			}
		case n < 22:
			switch r.IntN(4) {
			case 0:
				cmd = []string{"XGROUP", "DESTROY", key(), group()}
			case 1:
				cmd = []string{"XGROUP", "DELCONSUMER", key(), group(), consumer()}
			case 2:
				cmd = []string{"XGROUP", "CREATECONSUMER", key(), group(), consumer()}
			default:
				cmd = []string{"XTRIM", "s", "MAXLEN", strconv.Itoa(20 + r.IntN(80))}
				if r.IntN(2) == 0 {
					// Move the last ID (and the counters the lag is
					// computed from) as replication does.
					cmd = []string{"XSETID", "s", strconv.Itoa(step/3+1) + "-" + strconv.Itoa(r.IntN(3)), "ENTRIESADDED", strconv.Itoa(step + r.IntN(50))}
					if r.IntN(2) == 0 {
						cmd = append(cmd, "MAXDELETEDID", id())
					}
				}
			}
		case n < 24:
			cmd = []string{"XGROUP", "CREATE", key(), group(), id(), "MKSTREAM"}
			if r.IntN(3) == 0 {
				cmd[4] = "$"
			}
		case n < 26:
			cmd = []string{"XINFO", "GROUPS", key()}
		case n < 27:
			cmd = []string{"XINFO", "CONSUMERS", key(), group()}
		case n < 28:
			cmd = []string{"XINFO", "STREAM", key(), "FULL", "COUNT", strconv.Itoa(r.IntN(4))}
		default:
			cmd = []string{"XRANGE", "s", "-", "+", "COUNT", "3"}
		}
		nv, rv := p.Node.Do(cmd...), p.Redis.Do(cmd...)
		nv, rv = maskStreamTimes(cmd, nv), maskStreamTimes(cmd, rv)
		if !nodetest.Equal(nv, rv) {
			t.Fatalf("seed %d step %d %s:\n  slotcache: %s\n  redis:     %s", seed, step, nodetest.Quote(cmd), nv, rv)
		}
		if !nv.IsError() && len(nv.Elems) > 0 {
			seen[cmd[0]]++
		}
	}
	// Every command must have produced non-empty replies many times.
	for _, name := range []string{"XREADGROUP", "XPENDING", "XCLAIM", "XAUTOCLAIM", "XINFO"} {
		if seen[name] < 30 {
			t.Fatalf("seed %d: weak run, only %d non-empty %s replies (%v)", seed, seen[name], name, seen)
		}
	}
	t.Logf("seed %d: non-empty replies %v", seed, seen)
}

// TestDiffStreamWatch: which stream commands invalidate a WATCH on their
// key, compared with redis-server (each run by a second client between
// WATCH and EXEC).
func TestDiffStreamWatch(t *testing.T) {
	p := nodetest.NewPair(t)
	setup := [][]string{
		{"FLUSHALL"},
		{"XADD", "s", "1-1", "f", "v"}, {"XADD", "s", "2-1", "f", "v"},
		{"XGROUP", "CREATE", "s", "g", "0"},
		{"XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"},
	}
	writes := [][]string{
		{"XADD", "s", "3-1", "f", "v"},
		{"XADD", "s", "1-1", "f", "v"},
		{"XDEL", "s", "1-1"},
		{"XDEL", "s", "9-9"},
		{"XTRIM", "s", "MAXLEN", "1"},
		{"XTRIM", "s", "MAXLEN", "5"},
		{"XSETID", "s", "5-5"},
		{"XGROUP", "CREATE", "s", "g2", "0"},
		{"XGROUP", "SETID", "s", "g", "0"},
		{"XGROUP", "DESTROY", "s", "g"},
		{"XGROUP", "CREATECONSUMER", "s", "g", "d"},
		{"XGROUP", "DELCONSUMER", "s", "g", "c"},
		{"XACK", "s", "g", "1-1"},
		{"XCLAIM", "s", "g", "d", "0", "1-1"},
		{"XAUTOCLAIM", "s", "g", "d", "0", "0"},
		{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"},
		{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0"},
		{"XREAD", "STREAMS", "s", "0"},
	}
	for _, w := range writes {
		var got []resp.Value
		for _, addr := range []string{p.NodeAddr, p.RedisAddr} {
			a, b := nodetest.Dial(t, addr), nodetest.Dial(t, addr)
			for _, c := range setup {
				a.Do(c...)
			}
			a.Do("WATCH", "s")
			b.Do(w...)
			a.Do("MULTI")
			a.Do("PING")
			got = append(got, a.Do("EXEC"))
		}
		if !nodetest.Equal(got[0], got[1]) {
			t.Errorf("WATCH s, then %v: EXEC slotcache %s, redis %s", w, got[0], got[1])
		}
	}
}

// TestDiffStreamDelConsumerInterleaved: deleting a consumer whose pending
// entries alternate with another's leaves the other's, in order.
func TestDiffStreamDelConsumerInterleaved(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Normalize(maskStreamTimes)
	p.CheckAll([][]string{
		{"EVAL", "for i = 1, 300 do redis.call('XADD', KEYS[1], i .. '-1', 'f', i) end " +
			"redis.call('XGROUP', 'CREATE', KEYS[1], 'g', '0') " +
			"for i = 1, 100 do for _, c in ipairs({'a', 'b', 'a', 'c'}) do " +
			"redis.call('XREADGROUP', 'GROUP', 'g', c, 'COUNT', '1', 'STREAMS', KEYS[1], '>') end end", "1", "s"},
		{"XGROUP", "DELCONSUMER", "s", "g", "a"},
		{"XPENDING", "s", "g"},
		{"XPENDING", "s", "g", "-", "+", "1000"},
		{"XGROUP", "DELCONSUMER", "s", "g", "c"},
		{"XPENDING", "s", "g", "-", "+", "1000"},
		{"XACK", "s", "g", "2-1", "4-1", "6-1"},
		{"XGROUP", "DELCONSUMER", "s", "g", "b"},
		{"XPENDING", "s", "g"},
		{"XINFO", "GROUPS", "s"},
	})
}

// TestDiffStreamRedeliver: entries already pending delivered again after
// XGROUP SETID, to their own consumer and to another, keep one pending
// entry each with a delivery count of 1.
func TestDiffStreamRedeliver(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Normalize(maskStreamTimes)
	p.CheckAll([][]string{
		{"EVAL", "for i = 1, 50 do redis.call('XADD', KEYS[1], i .. '-1', 'f', i) end", "1", "s"},
		{"XGROUP", "CREATE", "s", "g", "0"},
		{"XREADGROUP", "GROUP", "g", "a", "COUNT", "20", "STREAMS", "s", ">"},
		{"XREADGROUP", "GROUP", "g", "b", "COUNT", "20", "STREAMS", "s", ">"},
		{"XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", "0"},
		{"XGROUP", "SETID", "s", "g", "10-1"},
		{"XREADGROUP", "GROUP", "g", "a", "COUNT", "25", "STREAMS", "s", ">"},
		{"XPENDING", "s", "g"},
		{"XPENDING", "s", "g", "-", "+", "100"},
		{"XPENDING", "s", "g", "-", "+", "100", "a"},
		{"XPENDING", "s", "g", "-", "+", "100", "b"},
		{"XGROUP", "SETID", "s", "g", "0"},
		{"XREADGROUP", "GROUP", "g", "b", "NOACK", "COUNT", "5", "STREAMS", "s", ">"},
		{"XREADGROUP", "GROUP", "g", "b", "COUNT", "30", "STREAMS", "s", ">"},
		{"XPENDING", "s", "g", "-", "+", "100", "a"},
		{"XPENDING", "s", "g", "-", "+", "100", "b"},
		{"XINFO", "STREAM", "s", "FULL", "COUNT", "0"},
	})
}

// TestDiffStreamAckMany: XACK of many IDs, unsorted, repeated, some not
// pending, from the lists of two interleaved consumers.
func TestDiffStreamAckMany(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Normalize(maskStreamTimes)
	ack := []string{"XACK", "s", "g"}
	for _, i := range []int{40, 3, 7, 3, 99, 15, 16, 1, 2, 38, 39, 40, 200, 21, 23, 25, 27, 29, 30, 31} {
		ack = append(ack, strconv.Itoa(i)+"-1")
	}
	p.CheckAll([][]string{
		{"EVAL", "for i = 1, 60 do redis.call('XADD', KEYS[1], i .. '-1', 'f', i) end " +
			"redis.call('XGROUP', 'CREATE', KEYS[1], 'g', '0') " +
			"for i = 1, 20 do for _, c in ipairs({'a', 'b'}) do " +
			"redis.call('XREADGROUP', 'GROUP', 'g', c, 'COUNT', '1', 'STREAMS', KEYS[1], '>') end end", "1", "s"},
		ack,
		ack,
		{"XACK", "s", "g", "5-1", "6-1", "8-1", "9-1", "10-1", "11-1", "12-1", "13-1", "14-1", "4-1"},
		{"XPENDING", "s", "g"},
		{"XPENDING", "s", "g", "-", "+", "100"},
		{"XPENDING", "s", "g", "-", "+", "100", "a"},
		{"XPENDING", "s", "g", "-", "+", "100", "b"},
		{"XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", "0"},
		{"XINFO", "CONSUMERS", "s", "g"},
	})
}
