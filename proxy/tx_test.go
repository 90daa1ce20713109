package proxy

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/slotcache/slotcache/node/nodetest"
)

// randomTxStep returns the next command of a random transaction script over
// the keys of one hash tag, including the mistakes Redis answers with
// errors.
func randomTxStep(r *rand.Rand, tag int) []string {
	key := func() string { return fmt.Sprintf("{tx%d}k%d", tag, r.IntN(4)) }
	val := func() string { return strconv.Itoa(r.IntN(100)) }
	switch r.IntN(24) {
	case 0, 1:
		return []string{"MULTI"}
	case 2, 3:
		return []string{"EXEC"}
	case 4:
		return []string{"DISCARD"}
	case 5:
		return []string{"WATCH", key(), key()}
	case 6:
		return []string{"UNWATCH"}
	case 7:
		return []string{"NOSUCHCMD", key()}
	case 8:
		return []string{"GET"}
	case 9:
		return []string{"EXEC", "extra"}
	case 10:
		return []string{"LPUSH", key(), val()} // a WRONGTYPE inside EXEC, sometimes
	case 11:
		return []string{"INCR", key()}
	case 12:
		return []string{"MGET", key(), key()}
	case 13:
		return []string{"DEL", key(), key()}
	case 14:
		return []string{"PING"}
	case 15:
		return []string{"ECHO", val()}
	case 16:
		return []string{"MULTI", "extra"}
	case 17:
		return []string{"WATCH"}
	case 18:
		return []string{"GETSET", key(), val()}
	case 19:
		return []string{"BLPOP", key(), "0.01"} // does not block inside MULTI
	default:
		return []string{"SET", key(), val()}
	}
}

// TestTxDifferential runs random transaction scripts through the proxy and
// against one redis-server and compares every reply.
func TestTxDifferential(t *testing.T) {
	raddr := nodetest.StartRedis(t)
	paddr, _ := startCluster(t, 3)
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			var trace []string
			px, rd := nodetest.Dial(t, paddr), nodetest.Dial(t, raddr)
			if seed == 3 { // RESP3: EXEC's replies, nulls and errors in their RESP3 forms
				px.Do("HELLO", "3")
				rd.Do("HELLO", "3")
			}
			px.Do("FLUSHALL")
			rd.Do("FLUSHALL")
			r := rand.New(rand.NewPCG(seed, 7))
			tag := 0
			inMulti, watching := false, false
			n := 1500
			if testing.Short() {
				n = 300
			}
			for i := range n {
				cmd := randomTxStep(r, tag)
				pv, rv := px.Do(cmd...), rd.Do(cmd...)
				trace = append(trace, nodetest.Quote(cmd))
				if !nodetest.Equal(pv, rv) {
					t.Fatalf("seed %d step %d %s:\n  proxy: %s\n  redis: %s\nafter %v", seed, i, nodetest.Quote(cmd), pv, rv, trace[max(0, len(trace)-10):])
				}
				switch ok := rv.Type == '+'; {
				case cmd[0] == "MULTI" && ok:
					inMulti = true
				case (cmd[0] == "EXEC" || cmd[0] == "DISCARD") && inMulti,
					cmd[0] == "EXEC" && strings.HasPrefix(string(rv.Str), "EXECABORT"):
					inMulti, watching = false, false
				case cmd[0] == "WATCH" && ok:
					watching = true
				case cmd[0] == "UNWATCH" && !inMulti:
					watching = false
				}
				if !inMulti && !watching {
					tag = r.IntN(6) // the connection holds no slot: a new one may start
				}
			}
		})
	}
}

// TestTxSlotRules checks the Redis Cluster rules of transactions through the
// proxy: one slot per transaction, WATCH pinned to one slot.
func TestTxSlotRules(t *testing.T) {
	paddr, _ := startCluster(t, 3)
	c := nodetest.Dial(t, paddr)
	steps := []struct{ cmd, want string }{
		{"MULTI", "+OK"},
		{"SET a 1", "+QUEUED"},
		{"SET b 1", "-" + msgCrossSlot},
		{"SET {a}x 2", "+QUEUED"},
		{"EXEC", "-" + msgExecAbort},
		{"GET a", "$-1"},
		{"MULTI", "+OK"},
		{"SET a 1", "+QUEUED"},
		{"MGET a {a}x", "+QUEUED"},
		{"KEYS *", "-ERR 'keys' is not supported inside MULTI through the slotcache proxy"},
		{"DISCARD", "+OK"},
		{"MULTI", "+OK"},
		{"PING", "+QUEUED"},
		{"EXEC", `*1 +PONG`},
		{"MULTI", "+OK"},
		{"EXEC", "*0"},
		{"WATCH a {a}y", "+OK"},
		{"WATCH b", "-" + msgCrossSlot},
		{"MULTI", "+OK"},
		{"SET b 1", "-" + msgCrossSlot},
		{"EXEC", "-" + msgExecAbort},
		{"WATCH b", "+OK"}, // EXEC unwatched: a new slot may be watched
		{"UNWATCH", "+OK"},
		{"MULTI", "+OK"},
		{"SAVE", "-ERR 'save' is not supported through the slotcache proxy"},
		{"EXEC", "-" + msgExecAbort},
		{"MULTI", "+OK"},
		{"SUBSCRIBE ch", "-ERR 'subscribe' is not supported inside MULTI through the slotcache proxy"},
		{"DISCARD", "+OK"},
		{"MULTI", "+OK"},
		{"PUBLISH ch m", "+QUEUED"},
		{"EXEC", "*1 :0"},
	}
	for _, st := range steps {
		v := c.Do(splitWords(st.cmd)...)
		got := short(v)
		if v.Type == '*' && !v.Null {
			got = fmt.Sprintf("*%d", len(v.Elems))
			for _, e := range v.Elems {
				got += " " + short(e)
			}
		}
		if got != st.want {
			t.Fatalf("%s: %s, want %s", st.cmd, got, st.want)
		}
	}
}

func splitWords(s string) []string {
	var out []string
	for w := range splitSeq(s) {
		out = append(out, w)
	}
	return out
}

func splitSeq(s string) func(func(string) bool) {
	return func(yield func(string) bool) {
		start := -1
		for i := 0; i <= len(s); i++ {
			if i == len(s) || s[i] == ' ' {
				if start >= 0 && !yield(s[start:i]) {
					return
				}
				start = -1
			} else if start < 0 {
				start = i
			}
		}
	}
}

// TestWatchRace increments one counter from several go-redis clients through
// two proxies with WATCH/MULTI/EXEC: optimistic locking must make every
// increment count exactly once.
func TestWatchRace(t *testing.T) {
	nodes := startNodes(t, 3)
	m := staticMap(t, nodes)
	pa, _ := startProxy(t, StaticMap{m}, nil)
	pb, _ := startProxy(t, StaticMap{m}, nil)
	ctx := context.Background()
	const workers, incs = 4, 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []error
	retries := 0
	for w := range workers {
		addr := pa
		if w%2 == 1 {
			addr = pb
		}
		rdb := redis.NewClient(&redis.Options{Addr: addr, PoolSize: 2})
		t.Cleanup(func() { rdb.Close() })
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range incs {
				for {
					err := rdb.Watch(ctx, func(tx *redis.Tx) error {
						n, err := tx.Get(ctx, "counter").Int()
						if err != nil && !errors.Is(err, redis.Nil) {
							return err
						}
						_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
							p.Set(ctx, "counter", n+1, 0)
							return nil
						})
						return err
					}, "counter")
					if errors.Is(err, redis.TxFailedErr) {
						mu.Lock()
						retries++
						mu.Unlock()
						continue
					}
					if err != nil {
						mu.Lock()
						failures = append(failures, err)
						mu.Unlock()
						return
					}
					break
				}
			}
		}()
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatal(failures[0])
	}
	rdb := redis.NewClient(&redis.Options{Addr: pa})
	defer rdb.Close()
	n, err := rdb.Get(ctx, "counter").Int()
	if err != nil || n != workers*incs {
		t.Fatalf("counter = %d, %v; want %d", n, err, workers*incs)
	}
	t.Logf("%d increments, %d optimistic-lock retries", n, retries)
}

// BenchmarkMultiExec measures a MULTI/SET/INCR/EXEC transaction, pipelined,
// through the proxy and straight to a node.
func BenchmarkMultiExec(b *testing.B) {
	paddr, nodes := startCluster(b, 2)
	for _, target := range []struct{ name, addr string }{{"proxy", paddr}, {"node", nodes[0]}} {
		b.Run(target.name, func(b *testing.B) {
			c := nodetest.Dial(b, target.addr)
			b.ReportAllocs()
			for b.Loop() {
				c.Send("MULTI")
				c.Send("SET", "{b}k", "1")
				c.Send("INCR", "{b}k")
				c.Send("EXEC")
				for range 4 {
					if _, err := c.Read(); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// TestWatchRedirect checks that a WATCH answered with -MOVED (the proxy's
// map is stale) pins the named node, where the transaction then runs.
func TestWatchRedirect(t *testing.T) {
	nodes := startNodes(t, 1)
	stale := movedServer(t, "MOVED", nodes[0])
	paddr, _ := startProxy(t, StaticMap{staticMap(t, []string{stale})}, nil)
	c := nodetest.Dial(t, paddr)
	direct := nodetest.Dial(t, nodes[0])
	for _, st := range []struct{ cmd, want string }{
		{"WATCH w", "+OK"},
		{"MULTI", "+OK"},
		{"INCR w", "+QUEUED"},
		{"EXEC", "*1"}, // ran on the node WATCH was redirected to
	} {
		if got := short(c.Do(splitWords(st.cmd)...)); !strings.HasPrefix(got, st.want) {
			t.Fatalf("%s: %s, want %s", st.cmd, got, st.want)
		}
	}
	if v := direct.Do("GET", "w"); string(v.Str) != "1" {
		t.Fatalf("GET w on the node: %s", v)
	}
}
