package node_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
)

// TestDiffStreamXRead compares XREAD without blocking (or with data ready),
// its errors and XREAD BLOCK inside MULTI, in RESP2 and RESP3.
func TestDiffStreamXRead(t *testing.T) {
	for _, proto := range []string{"2", "3"} {
		t.Run("RESP"+proto, func(t *testing.T) {
			p := nodetest.NewPair(t)
			p.Node.Do("HELLO", proto)
			p.Redis.Do("HELLO", proto)
			p.CheckAll([][]string{
				{"XADD", "a", "1-1", "f", "1"},
				{"XADD", "a", "2-1", "f", "2", "g", "3"},
				{"XADD", "b", "3-1", "f", "3"},
				{"XREAD", "STREAMS", "a", "0"},
				{"XREAD", "COUNT", "1", "STREAMS", "a", "b", "0", "0"},
				{"XREAD", "COUNT", "0", "STREAMS", "a", "b", "1-1", "0-0"},
				{"XREAD", "COUNT", "-5", "STREAMS", "a", "b", "1", "3"},
				{"XREAD", "STREAMS", "a", "b", "$", "$"},
				{"XREAD", "STREAMS", "nokey", "a", "0", "1-1"},
				{"XREAD", "STREAMS", "nokey", "0"},
				{"XREAD", "BLOCK", "100", "STREAMS", "a", "0"},
				{"XREAD", "STREAMS", "a", "b", "0"},
				{"XREAD", "STREAMS", "a"},
				{"XREAD", "COUNT", "x", "STREAMS", "a", "0"},
				{"XREAD", "BLOCK", "x", "STREAMS", "a", "0"},
				{"XREAD", "BLOCK", "-1", "STREAMS", "a", "0"},
				{"XREAD", "BLOCK", "1.5", "STREAMS", "a", "0"},
				{"XREAD", "BLOCK", "9223372036854775807", "STREAMS", "a", "0"},
				{"XREAD", "FOO", "STREAMS", "a", "0"},
				{"XREAD", "COUNT", "1", "a", "0"},
				{"XREAD", "GROUP", "g", "c", "STREAMS", "a", "0"},
				{"XREAD", "NOACK", "STREAMS", "a", "0"},
				{"XREAD", "STREAMS", "a", ">"},
				{"XREAD", "STREAMS", "a", "x"},
				{"XREAD", "STREAMS", "a", "-"},
				{"XREAD", "STREAMS", "a", "+"},
				{"SET", "str", "x"},
				{"XREAD", "STREAMS", "a", "str", "0", "0"},
				{"XREAD", "STREAMS", "str", "a", "x", "0"},
				{"XDEL", "a", "2-1"},
				{"XREAD", "STREAMS", "a", "1-1"},
				{"MULTI"},
				{"XREAD", "BLOCK", "0", "STREAMS", "a", "$"},
				{"XREAD", "BLOCK", "0", "STREAMS", "a", "0"},
				{"EXEC"},
			})
		})
	}
}

// waitBlockedClients polls INFO clients until n clients are blocked.
// TestDiffStreamXReadBlockFromScript: BLOCK is refused inside a script
// (before its value is parsed), with or without data to serve, while the
// same reads without BLOCK run.
func TestDiffStreamXReadBlockFromScript(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"XADD", "a", "1-1", "f", "1"},
		{"XGROUP", "CREATE", "a", "g", "0"},
		{"EVAL", "return redis.call('XREAD', 'BLOCK', '0', 'STREAMS', 'a', '0')", "0"},
		{"EVAL", "return redis.call('XREAD', 'BLOCK', '10', 'STREAMS', 'a', '$')", "0"},
		{"EVAL", "return redis.call('XREAD', 'BLOCK', 'x', 'STREAMS', 'a', '0')", "0"},
		{"EVAL", "return redis.pcall('XREAD', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 'a', '0')", "0"},
		{"EVAL", "return redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 'a', '>')", "0"},
		{"EVAL", "return redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 'nokey', '>')", "0"},
		{"EVAL", "return redis.call('xread', 'block', '0', 'streams', 'a', '0')", "0"},
		{"EVAL", "return redis.call('XREAD', 'STREAMS', 'a', '0')", "0"},
		{"EVAL", "return redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'a', '>')", "0"},
		{"XPENDING", "a", "g"},
	})
}

func waitBlockedClients(t *testing.T, c *nodetest.Conn, n int) {
	t.Helper()
	want := fmt.Sprintf("blocked_clients:%d\r\n", n)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if strings.Contains(string(c.Do("INFO", "clients").Str), want) {
			return
		}
	}
	t.Fatalf("%s: not %d blocked clients within 10 s", c.Addr, n)
}

// runBlocked runs the same scenario on both servers: each command of block
// is sent by its own client, which must block; then writes are done by
// another client. It returns, per server, the blocked clients' replies.
func runBlocked(t *testing.T, p *nodetest.Pair, proto string, setup [][]string, block [][]string, writes [][]string) [2][]resp.Value {
	t.Helper()
	var out [2][]resp.Value
	for i, addr := range []string{p.NodeAddr, p.RedisAddr} {
		ctl := nodetest.Dial(t, addr)
		for _, c := range setup {
			ctl.Do(c...)
		}
		var blocked []*nodetest.Conn
		for j, b := range block {
			c := nodetest.Dial(t, addr)
			c.Do("HELLO", proto)
			if err := c.Send(b...); err != nil {
				t.Fatal(err)
			}
			waitBlockedClients(t, ctl, j+1)
			blocked = append(blocked, c)
		}
		for _, w := range writes {
			ctl.Do(w...)
		}
		for _, c := range blocked {
			v, err := c.Read()
			if err != nil {
				t.Fatalf("%s: %v", addr, err)
			}
			out[i] = append(out[i], v)
		}
		ctl.Do("FLUSHALL")
	}
	return out
}

// TestDiffStreamXReadBlock: XREAD BLOCK clients woken by XADD from another
// client, on both servers, get the same replies.
func TestDiffStreamXReadBlock(t *testing.T) {
	p := nodetest.NewPair(t)
	cases := []struct {
		name          string
		setup, writes [][]string
		block         [][]string
	}{
		{"dollar on a missing key", nil,
			[][]string{{"XADD", "s", "5-1", "f", "v"}},
			[][]string{{"XREAD", "BLOCK", "0", "STREAMS", "s", "$"}}},
		{"dollar after existing entries", [][]string{{"XADD", "s", "1-1", "f", "old"}},
			[][]string{{"XADD", "s", "5-1", "f", "v"}, {"XADD", "s", "6-1", "f", "w"}},
			[][]string{{"XREAD", "BLOCK", "0", "COUNT", "5", "STREAMS", "s", "$"}}},
		{"two keys, two clients", [][]string{{"XADD", "t", "9-1", "f", "v"}},
			[][]string{{"XADD", "u", "2-1", "a", "b"}},
			[][]string{{"XREAD", "BLOCK", "10000", "STREAMS", "t", "u", "$", "0"}, {"XREAD", "BLOCK", "0", "STREAMS", "u", "1"}}},
		{"not woken by an older id", [][]string{{"XADD", "s", "7-1", "f", "v"}},
			[][]string{{"XADD", "s", "8-1", "f", "v"}},
			[][]string{{"XREAD", "BLOCK", "0", "STREAMS", "s", "7-5"}}},
		{"served from the stream written first", [][]string{{"XADD", "a", "1-1", "f", "v"}, {"XADD", "b", "1-1", "f", "v"}},
			[][]string{{"MULTI"}, {"XADD", "b", "2-1", "x", "1"}, {"XADD", "a", "2-1", "y", "2"}, {"EXEC"}},
			[][]string{{"XREAD", "BLOCK", "0", "STREAMS", "a", "b", "$", "$"}}},
		// Timeouts past what a time.Duration holds, or past the end of
		// time once added to now: Redis 7.0 accepts them and waits.
		{"huge timeouts", nil,
			[][]string{{"XADD", "s", "1-1", "a", "1"}},
			[][]string{{"XREAD", "BLOCK", "18446744073710", "STREAMS", "s", "$"}, {"XREAD", "BLOCK", "9223372036854775807", "STREAMS", "s", "$"}}},
		{"woken through MULTI", nil,
			[][]string{{"MULTI"}, {"XADD", "s", "1-1", "a", "1"}, {"XADD", "s", "2-1", "b", "2"}, {"EXEC"}},
			[][]string{{"XREAD", "BLOCK", "0", "STREAMS", "s", "0"}}},
	}
	for _, proto := range []string{"2", "3"} {
		for _, tc := range cases {
			got := runBlocked(t, p, proto, tc.setup, tc.block, tc.writes)
			for i := range got[0] {
				if !nodetest.Equal(got[0][i], got[1][i]) {
					t.Errorf("RESP%s %s, client %d:\n  slotcache: %s\n  redis:     %s", proto, tc.name, i, got[0][i], got[1][i])
				}
				if got[0][i].IsError() || got[0][i].Null || len(got[0][i].Elems) == 0 {
					t.Errorf("RESP%s %s, client %d: reply %s", proto, tc.name, i, got[0][i])
				}
			}
		}
	}
}

// TestStreamXReadBlockTimeout: XREAD BLOCK answers a null array when its
// timeout passes, and the client stays usable.
func TestStreamXReadBlockTimeout(t *testing.T) {
	p := nodetest.NewPair(t)
	for _, proto := range []string{"2", "3"} {
		var got []resp.Value
		for _, c := range []*nodetest.Conn{p.Node, p.Redis} {
			c.Do("HELLO", proto)
			got = append(got, c.Do("XREAD", "BLOCK", "20", "STREAMS", "none", "$"), c.Do("PING"))
		}
		if !got[0].Null || !nodetest.Equal(got[0], got[2]) || !nodetest.Equal(got[1], got[3]) {
			t.Errorf("RESP%s: slotcache %s %s, redis %s %s", proto, got[0], got[1], got[2], got[3])
		}
	}
}

// TestDiffStreamXReadGroupBlock: XREADGROUP BLOCK clients are woken by
// XADD (and record the entries as pending) or, when their group is
// destroyed, answered -NOGROUP, as in Redis.
func TestDiffStreamXReadGroupBlock(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Normalize(maskStreamTimes)
	setup := [][]string{{"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}, {"XGROUP", "CREATE", "s", "h", "$"}}
	cases := []struct {
		name   string
		writes [][]string
		block  [][]string
	}{
		{"woken by XADD",
			[][]string{{"XADD", "s", "5-1", "f", "v"}, {"XADD", "s", "6-1", "f", "w"}},
			[][]string{{"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"}, {"XREADGROUP", "GROUP", "g", "bob", "BLOCK", "0", "COUNT", "1", "STREAMS", "s", ">"}}},
		{"NOACK",
			[][]string{{"XADD", "s", "5-1", "f", "v"}},
			[][]string{{"XREADGROUP", "GROUP", "h", "carol", "NOACK", "BLOCK", "0", "STREAMS", "s", ">"}}},
		{"group destroyed",
			[][]string{{"XGROUP", "DESTROY", "s", "g"}},
			[][]string{{"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"}}},
		// The key deleted or overwritten: answered -UNBLOCKED at once, not
		// left waiting for a stream of that name to come back.
		{"key deleted",
			[][]string{{"DEL", "s"}},
			[][]string{{"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"}, {"XREADGROUP", "GROUP", "h", "bob", "BLOCK", "0", "STREAMS", "s", ">"}}},
		{"key overwritten",
			[][]string{{"SET", "s", "x"}},
			[][]string{{"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"}}},
		// Expired with no other command to follow: active expiry wakes it.
		{"key expired",
			[][]string{{"PEXPIRE", "s", "20"}},
			[][]string{{"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"}}},
	}
	for _, tc := range cases {
		for _, proto := range []string{"2", "3"} {
			got := runBlocked(t, p, proto, setup, tc.block, tc.writes)
			for i := range got[0] {
				if !nodetest.Equal(got[0][i], got[1][i]) {
					t.Errorf("RESP%s %s, client %d:\n  slotcache: %s\n  redis:     %s", proto, tc.name, i, got[0][i], got[1][i])
				}
				if wantErr := strings.HasPrefix(tc.name, "group destroyed") || strings.HasPrefix(tc.name, "key "); got[0][i].IsError() != wantErr || got[0][i].Null {
					t.Errorf("RESP%s %s, client %d: reply %s", proto, tc.name, i, got[0][i])
				}
			}
		}
		if tc.name == "key expired" {
			// Nothing left to compare, and a key expiring within
			// milliseconds would make the replies a race.
			p.Check("FLUSHALL")
			continue
		}
		// The state the wake-ups left, compared before the next case.
		for _, c := range setup {
			p.Check(c...)
		}
		for _, w := range tc.writes {
			p.Check(w...)
		}
		for _, b := range tc.block {
			nb := append([]string(nil), b...)
			for i, a := range nb {
				if a == "BLOCK" {
					nb = append(nb[:i], nb[i+2:]...)
					break
				}
			}
			p.Check(nb...)
		}
		p.Check("XPENDING", "s", "g", "-", "+", "10")
		p.Check("XINFO", "GROUPS", "s")
		p.Check("FLUSHALL")
	}
}

// TestDiffClusterStreams: in cluster mode the keys of XREAD and XREADGROUP
// are found after STREAMS, so keys of two slots are refused with
// CROSSSLOT, as Redis Cluster does.
func TestDiffClusterStreams(t *testing.T) {
	p := clusterPair(t)
	p.CheckAll([][]string{
		{"XADD", "{t}a", "1-1", "f", "v"},
		{"XADD", "{t}b", "2-1", "f", "v"},
		{"XREAD", "STREAMS", "{t}a", "{t}b", "0", "0"},
		{"XREAD", "COUNT", "1", "STREAMS", "{t}a", "other", "0", "0"},
		{"XREAD", "BLOCK", "10", "STREAMS", "a", "b", "$", "$"},
		{"XGROUP", "CREATE", "{t}a", "g", "0"},
		{"XGROUP", "CREATE", "{t}b", "g", "0"},
		{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "{t}a", "{t}b", ">", ">"},
		{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "{t}a", "b", ">", ">"},
		{"XPENDING", "{t}a", "g"},
		{"XINFO", "STREAM", "{t}b"},
		{"XINFO", "GROUPS", "{t}b"},
		{"MULTI"}, {"XADD", "{t}a", "3-1", "f", "v"}, {"XREAD", "STREAMS", "{t}a", "2"}, {"EXEC"},
		{"MULTI"}, {"XADD", "{t}a", "4-1", "f", "v"}, {"XLEN", "b"}, {"EXEC"},
	})
}

// TestDiffStreamBlockedClientGone: a client blocked in XREADGROUP that
// disconnects gets nothing delivered: the next XADD leaves no pending
// entry, as in Redis.
func TestDiffStreamBlockedClientGone(t *testing.T) {
	p := nodetest.NewPair(t)
	var got []resp.Value
	for _, addr := range []string{p.NodeAddr, p.RedisAddr} {
		ctl, gone := nodetest.Dial(t, addr), nodetest.Dial(t, addr)
		ctl.Do("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
		if err := gone.Send("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"); err != nil {
			t.Fatal(err)
		}
		waitBlockedClients(t, ctl, 1)
		gone.Close()
		waitBlockedClients(t, ctl, 0)
		ctl.Do("XADD", "s", "1-1", "f", "v")
		got = append(got, ctl.Do("XPENDING", "s", "g"), ctl.Do("XINFO", "GROUPS", "s"))
	}
	if !nodetest.Equal(got[0], got[2]) || !nodetest.Equal(got[1], got[3]) || got[0].Elems[0].Int != 0 {
		t.Errorf("after the blocked client left:\n  slotcache: %s %s\n  redis:     %s %s", got[0], got[1], got[2], got[3])
	}
}

// TestDiffStreamReadKeyspaceStats: the stream commands count keyspace
// hits and misses as Redis does (XREAD and XREADGROUP look each key up
// twice, once for its ID and once to serve it; writes count nothing).
func TestDiffStreamReadKeyspaceStats(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Normalize(maskStreamTimes)
	p.CheckAll([][]string{
		{"XADD", "s", "1-1", "f", "v"},
		{"XGROUP", "CREATE", "s", "g", "0"},
		{"SET", "str", "x"},
	})
	stats := func(c *nodetest.Conn) [2]int {
		f := infoFields(t, c, "stats")
		var out [2]int
		for i, k := range []string{"keyspace_hits", "keyspace_misses"} {
			n, err := strconv.Atoi(f[k])
			if err != nil {
				t.Fatalf("INFO %s = %q", k, f[k])
			}
			out[i] = n
		}
		return out
	}
	for _, cmd := range [][]string{
		{"XREAD", "STREAMS", "s", "nokey", "0", "0"},
		{"XREAD", "STREAMS", "s", "$"},
		{"XREAD", "STREAMS", "str", "0"},
		{"XREAD", "STREAMS", "s", "x"},
		{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"},
		{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0"},
		{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "nokey", ">"},
		{"XREAD", "BLOCK", "1", "STREAMS", "nokey", "$"},
		{"XRANGE", "s", "-", "+"}, {"XRANGE", "nokey", "-", "+"}, {"XLEN", "nokey"},
		{"XINFO", "STREAM", "s"}, {"XPENDING", "s", "g"},
		{"XINFO", "GROUPS", "nokey"}, {"XINFO", "CONSUMERS", "s", "g"}, {"XPENDING", "nokey", "g"},
		{"XACK", "s", "g", "1-1"}, {"XACK", "nokey", "g", "1-1"},
		{"XCLAIM", "s", "g", "c", "0", "1-1"}, {"XCLAIM", "nokey", "g", "c", "0", "1-1"},
		{"XAUTOCLAIM", "s", "g", "c", "0", "0"}, {"XAUTOCLAIM", "nokey", "g", "c", "0", "0"},
		{"XADD", "s", "2-1", "f", "v"}, {"XADD", "new", "NOMKSTREAM", "*", "f", "v"},
		{"XDEL", "s", "2-1"}, {"XDEL", "nokey", "2-1"}, {"XTRIM", "s", "MAXLEN", "5"}, {"XTRIM", "nokey", "MAXLEN", "5"},
		{"XSETID", "s", "5-1"}, {"XSETID", "nokey", "5-1"},
		{"XGROUP", "CREATECONSUMER", "s", "g", "d"}, {"XGROUP", "CREATE", "nokey", "g", "0"},
		{"XGROUP", "SETID", "s", "g", "0"}, {"XGROUP", "DESTROY", "s", "g"},
	} {
		n0, r0 := stats(p.Node), stats(p.Redis)
		p.Check(cmd...)
		n1, r1 := stats(p.Node), stats(p.Redis)
		for i, name := range []string{"keyspace_hits", "keyspace_misses"} {
			if n1[i]-n0[i] != r1[i]-r0[i] {
				t.Errorf("%q: %s grew by %d, in redis by %d", cmd, name, n1[i]-n0[i], r1[i]-r0[i])
			}
		}
	}
}
