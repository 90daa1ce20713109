package proxy

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
)

// randomCommand returns a command over a small key space, so that keys
// collide, spread over every group, and some share a hash tag.
func randomCommand(r *rand.Rand) []string {
	key := func() string {
		if r.IntN(3) == 0 {
			return fmt.Sprintf("{t%d}k%d", r.IntN(5), r.IntN(8))
		}
		return "k" + strconv.Itoa(r.IntN(60))
	}
	tagged := func(n int) []string { // keys sharing one slot
		tag := r.IntN(5)
		ks := make([]string, n)
		for i := range ks {
			ks[i] = fmt.Sprintf("{t%d}k%d", tag, r.IntN(8))
		}
		return ks
	}
	keys := func(n int) []string {
		ks := make([]string, n)
		for i := range ks {
			ks[i] = key()
		}
		return ks
	}
	setKey := func(tag int) string { return fmt.Sprintf("{s%d}m%d", tag, r.IntN(3)) }
	val := func() string { return strconv.Itoa(r.IntN(1000)) }
	switch r.IntN(30) {
	case 0:
		return []string{"SET", key(), val()}
	case 1:
		return []string{"GET", key()}
	case 2:
		args := []string{"MGET"}
		return append(args, keys(1+r.IntN(8))...)
	case 3:
		args := []string{"MSET"}
		for range 1 + r.IntN(6) {
			args = append(args, key(), val())
		}
		return args
	case 4:
		return append([]string{"DEL"}, keys(1+r.IntN(6))...)
	case 5:
		return append([]string{"EXISTS"}, keys(1+r.IntN(6))...)
	case 6:
		return append([]string{"TOUCH"}, keys(1+r.IntN(4))...)
	case 7:
		return append([]string{"UNLINK"}, keys(1+r.IntN(4))...)
	case 8:
		return []string{"INCR", key()}
	case 9:
		return []string{"APPEND", key(), val()}
	case 10:
		return []string{"LPUSH", key(), val(), val()}
	case 11:
		return []string{"LRANGE", key(), "0", "-1"}
	case 12:
		if r.IntN(2) == 0 {
			return []string{"SADD", setKey(r.IntN(2)), strconv.Itoa(r.IntN(5))}
		}
		return []string{"SADD", key(), val()}
	case 13:
		return []string{"SCARD", key()}
	case 14:
		return []string{"HSET", key(), "f" + val(), val()}
	case 15:
		return []string{"HGETALL", key()}
	case 16:
		return []string{"ZADD", key(), val(), "m" + val()}
	case 17:
		return []string{"ZRANGE", key(), "0", "-1", "WITHSCORES"}
	case 18:
		return []string{"TYPE", key()}
	case 19:
		return []string{"DBSIZE"}
	case 20:
		ks := tagged(2)
		return []string{"RENAME", ks[0], ks[1]}
	case 21:
		ks := tagged(2)
		return []string{"MSETNX", ks[0], val(), ks[1], val()}
	case 22:
		return append([]string{"SUNIONSTORE"}, tagged(3)...)
	case 23:
		return []string{"STRLEN", key()}
	case 24:
		return []string{"EXPIRE", key(), "1000"}
	case 25:
		return []string{"PERSIST", key()}
	case 26:
		return []string{"ECHO", val()}
	case 27:
		return [][]string{{"PING"}, {"GET"}, {"NOSUCHCMD", key()}, {"SET", key()}, {"MGET"}, {"MSET", key()}, {"DEL"}}[r.IntN(7)]
	case 28:
		return []string{"GETSET", key(), val()}
	default:
		// set-only keys: the node checks the destination's type before the
		// source's existence, which Redis does not
		return []string{"SMOVE", setKey(r.IntN(2)), setKey(r.IntN(2)), strconv.Itoa(r.IntN(5))}
	}
}

// sortedKeys turns a KEYS reply into a sorted list.
func sortedKeys(v resp.Value) []string {
	var ks []string
	for _, e := range v.Elems {
		ks = append(ks, string(e.Str))
	}
	slices.Sort(ks)
	return ks
}

// sameSlot reports whether the SMOVE case drew keys of one slot; the other
// draws are CROSSSLOT through the proxy and must not be sent to redis.
func crossSlotExpected(cmd []string) bool {
	return cmd[0] == "SMOVE" && cmd[1][:4] != cmd[2][:4]
}

// TestDifferentialAgainstRedis sends the same random commands to a proxy over
// three nodes and to one redis-server and compares every reply.
// Seeds 1-3 split multi-key commands per group, 4 per slot; 5 runs in RESP3
// (HELLO 3 on both connections).
func TestDifferentialAgainstRedis(t *testing.T) {
	raddr := nodetest.StartRedis(t)
	nodes := startNodes(t, 3)
	m := staticMap(t, nodes)
	perGroup, _ := startProxy(t, StaticMap{m}, nil)
	perSlot, _ := startProxy(t, StaticMap{m}, func(c *Config) { c.SplitPerSlot = true })
	for _, seed := range []uint64{1, 2, 3, 4, 5} {
		paddr := perGroup
		if seed == 4 {
			paddr = perSlot
		}
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			px, rd := nodetest.Dial(t, paddr), nodetest.Dial(t, raddr)
			if seed == 5 {
				for _, c := range []*nodetest.Conn{px, rd} {
					if v := c.Do("HELLO", "3"); v.Type != '%' {
						t.Fatalf("HELLO 3 on %s: %s", c.Addr, v)
					}
				}
			}
			px.Do("FLUSHALL")
			rd.Do("FLUSHALL")
			r := rand.New(rand.NewPCG(seed, 0))
			n := 3000
			if testing.Short() {
				n = 500
			}
			for i := range n {
				cmd := randomCommand(r)
				pv := px.Do(cmd...)
				if crossSlotExpected(cmd) {
					if string(pv.Str) != msgCrossSlot {
						t.Fatalf("seed %d step %d %s: %s, want CROSSSLOT", seed, i, nodetest.Quote(cmd), pv)
					}
					continue
				}
				rv := rd.Do(cmd...)
				if !nodetest.Equal(pv, rv) {
					t.Fatalf("seed %d step %d %s:\n  proxy: %s\n  redis: %s", seed, i, nodetest.Quote(cmd), pv, rv)
				}
			}
			pk, rk := sortedKeys(px.Do("KEYS", "*")), sortedKeys(rd.Do("KEYS", "*"))
			if !slices.Equal(pk, rk) {
				t.Fatalf("seed %d: KEYS differ:\n  proxy: %v\n  redis: %v", seed, pk, rk)
			}
			// a full SCAN through the proxy visits every key once
			var scanned []string
			for cur, steps := "0", 0; ; steps++ {
				v := px.Do("SCAN", cur, "COUNT", "7")
				if v.Type != '*' || len(v.Elems) != 2 || steps > 10000 {
					t.Fatalf("SCAN %s: %s", cur, v)
				}
				scanned = append(scanned, sortedKeys(v.Elems[1])...)
				cur = string(v.Elems[0].Str)
				if cur == "0" {
					break
				}
			}
			slices.Sort(scanned)
			if !slices.Equal(scanned, rk) {
				t.Fatalf("seed %d: SCAN through the proxy:\n  %v\nKEYS on redis:\n  %v", seed, scanned, rk)
			}
			if pv, rv := px.Do("DBSIZE"), rd.Do("DBSIZE"); pv.Int != rv.Int {
				t.Fatalf("DBSIZE: proxy %d redis %d", pv.Int, rv.Int)
			}
		})
	}
}

// TestPipelineOrder sends 10,000 mixed commands in one pipeline and compares
// the replies, in order, with redis-server's.
func TestPipelineOrder(t *testing.T) {
	raddr := nodetest.StartRedis(t)
	paddr, _ := startCluster(t, 3)
	r := rand.New(rand.NewPCG(42, 0))
	var cmds [][]string
	var frame []byte
	for len(cmds) < 10000 {
		cmd := randomCommand(r)
		if crossSlotExpected(cmd) {
			continue
		}
		cmds = append(cmds, cmd)
		frame = resp.AppendCommand(frame, cmd...)
	}
	replies := func(addr string) []resp.Value {
		c := nodetest.Dial(t, addr)
		errc := make(chan error, 1)
		go func() { errc <- c.WriteRaw(frame) }()
		vs := make([]resp.Value, len(cmds))
		for i := range vs {
			v, err := c.Read()
			if err != nil {
				t.Fatalf("%s: reply %d: %v", addr, i, err)
			}
			vs[i] = v
		}
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
		return vs
	}
	pv, rv := replies(paddr), replies(raddr)
	for i := range cmds {
		if !nodetest.Equal(pv[i], rv[i]) {
			t.Fatalf("reply %d to %s:\n  proxy: %s\n  redis: %s", i, nodetest.Quote(cmds[i]), pv[i], rv[i])
		}
	}
}
