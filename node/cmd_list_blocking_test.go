package node_test

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
)

func TestDiffBlockingListImmediate(t *testing.T) {
	for _, proto := range []string{"2", "3"} {
		t.Run("RESP"+proto, func(t *testing.T) {
			p := nodetest.NewPair(t)
			p.Node.Do("HELLO", proto)
			p.Redis.Do("HELLO", proto)
			p.CheckAll([][]string{
				{"RPUSH", "l1", "a", "b", "c"},
				{"BLPOP", "empty", "l1", "0"},
				{"BRPOP", "l1", "0"},
				{"BLPOP", "l1", "1.5"},
				{"EXISTS", "l1"},
				{"SET", "str", "x"},
				{"BLPOP", "str", "l1", "0"},
				{"BLPOP", "l1", "x"},
				{"BLPOP", "l1", "-1"},
				{"BLPOP", "l1"},
				{"BLPOP", "l1", "0.01"},
				{"RPUSH", "src", "1", "2"},
				{"BRPOPLPUSH", "src", "dst", "0"},
				{"BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"},
				{"LRANGE", "dst", "0", "-1"},
				{"BLMOVE", "src", "dst", "UP", "RIGHT", "0"},
				{"BLMOVE", "dst", "str", "LEFT", "RIGHT", "0"},
				{"BRPOPLPUSH", "nosrc", "dst", "0.01"},
				{"RPUSH", "m", "1", "2", "3"},
				{"BLMPOP", "0", "2", "none", "m", "LEFT", "COUNT", "2"},
				{"BLMPOP", "0", "1", "m", "RIGHT"},
				{"BLMPOP", "0.01", "1", "m", "RIGHT"},
				{"BLMPOP", "0", "0", "m", "RIGHT"},
				{"BLMPOP", "0", "1", "m", "MIDDLE"},
				{"BLMPOP", "x", "1", "m", "LEFT"},
				{"MULTI"},
				{"BLPOP", "nothing", "0"},
				{"BRPOPLPUSH", "nothing", "d", "0"},
				{"BLMPOP", "0", "1", "nothing", "LEFT"},
				{"EXEC"},
			})
		})
	}
}

// TestBlockingListWake drives both servers identically: a client blocks,
// another pushes, and the blocked one must get the same reply.
func TestBlockingListWake(t *testing.T) {
	p := nodetest.NewPair(t)
	cases := []struct {
		block []string
		push  []string
	}{
		{[]string{"BLPOP", "q1", "q2", "0"}, []string{"RPUSH", "q2", "x"}},
		{[]string{"BRPOP", "q3", "5"}, []string{"LPUSH", "q3", "a", "b"}},
		{[]string{"BLMOVE", "s", "d", "RIGHT", "LEFT", "0"}, []string{"RPUSH", "s", "v1", "v2"}},
		{[]string{"BLMPOP", "0", "2", "m1", "m2", "LEFT", "COUNT", "5"}, []string{"RPUSH", "m2", "1", "2"}},
	}
	for _, tc := range cases {
		checkWake(t, p, tc.block, tc.push)
	}
	// Compare the final state of every key touched above.
	for _, k := range []string{"q1", "q2", "q3", "s", "d", "m1", "m2"} {
		p.Check("LRANGE", k, "0", "-1")
	}
}

// TestBlockingListTimeout: BLPOP with a timeout returns nil after it.
func TestBlockingListTimeout(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	c := nodetest.Dial(t, addr)
	start := time.Now()
	if v := c.Do("BLPOP", "none", "0.2"); !v.Null {
		t.Fatalf("BLPOP timeout = %s", v)
	}
	if d := time.Since(start); d < 190*time.Millisecond {
		t.Fatalf("returned after %v", d)
	}
}

// TestBlockingQueueProducersConsumers is the seed's message queue: several
// producers LPUSH, several consumers BRPOP; every message arrives exactly once.
func TestBlockingQueueProducersConsumers(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	const producers, consumers, perProducer = 4, 4, 250
	total := producers * perProducer
	var mu sync.Mutex
	var got []string
	var wg sync.WaitGroup
	for i := 0; i < consumers; i++ {
		c := nodetest.Dial(t, addr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				v, err := c.DoErr("BRPOP", "queue", "1")
				if err != nil || v.Null {
					return
				}
				mu.Lock()
				got = append(got, string(v.Elems[1].Str))
				done := len(got) == total
				mu.Unlock()
				if done {
					return
				}
			}
		}()
	}
	for i := 0; i < producers; i++ {
		c := nodetest.Dial(t, addr)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < perProducer; j++ {
				c.Do("LPUSH", "queue", fmt.Sprintf("p%d-%d", i, j))
			}
		}(i)
	}
	wg.Wait()
	sort.Strings(got)
	if len(got) != total {
		t.Fatalf("consumed %d messages, want %d", len(got), total)
	}
	for i := 1; i < len(got); i++ {
		if got[i] == got[i-1] {
			t.Fatalf("message %s consumed twice", got[i])
		}
	}
}

// checkWake blocks a fresh client of each server with block, runs push from
// another client, and compares the replies the blocked clients get.
func checkWake(t *testing.T, p *nodetest.Pair, block, push []string) {
	t.Helper()
	var replies []resp.Value
	for _, addr := range []string{p.NodeAddr, p.RedisAddr} {
		blocked, pusher := nodetest.Dial(t, addr), nodetest.Dial(t, addr)
		if err := blocked.Send(block...); err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Millisecond)
		pusher.Do(push...)
		v, err := blocked.Read()
		if err != nil {
			t.Fatalf("%s %v: %v", addr, block, err)
		}
		replies = append(replies, v)
	}
	if !nodetest.Equal(replies[0], replies[1]) {
		t.Errorf("%v woken by %v:\n  slotcache: %s\n  redis:     %s", block, push, replies[0], replies[1])
	}
}

// TestBlockingChainedWake: a BLMOVE served by a push moves the element onto
// a key another client is blocked on, which wakes that client too, as in
// Redis.
func TestBlockingChainedWake(t *testing.T) {
	p := nodetest.NewPair(t)
	var replies [][]resp.Value
	for _, addr := range []string{p.NodeAddr, p.RedisAddr} {
		last, mover, pusher := nodetest.Dial(t, addr), nodetest.Dial(t, addr), nodetest.Dial(t, addr)
		last.Send("BLPOP", "dst", "0")
		time.Sleep(30 * time.Millisecond)
		mover.Send("BLMOVE", "src", "dst", "LEFT", "RIGHT", "0")
		time.Sleep(30 * time.Millisecond)
		pusher.Do("RPUSH", "src", "x")
		mv, err := mover.Read()
		if err != nil {
			t.Fatal(err)
		}
		lv, err := last.Read()
		if err != nil {
			t.Fatalf("%s: client blocked on the BLMOVE destination: %v", addr, err)
		}
		replies = append(replies, []resp.Value{mv, lv})
	}
	for i := range replies[0] {
		if !nodetest.Equal(replies[0][i], replies[1][i]) {
			t.Errorf("reply %d: slotcache %s, redis %s", i, replies[0][i], replies[1][i])
		}
	}
	p.Check("LRANGE", "dst", "0", "-1")
}

// TestInfoBlockedClients compares INFO's blocked_clients and
// clients_in_timeout_table with redis-server while two clients are blocked
// (one without a timeout, one with) and after they are served.
func TestInfoBlockedClients(t *testing.T) {
	for _, addr := range []string{nodetest.StartRedis(t), nodeAddr(t)} {
		a, b := nodetest.Dial(t, addr), nodetest.Dial(t, addr)
		a.Send("BLPOP", "ib:q", "0")
		b.Send("BLPOP", "ib:q", "100")
		info := nodetest.Dial(t, addr)
		field := func(name string) string {
			for _, l := range strings.Split(string(info.Do("INFO", "clients").Str), "\r\n") {
				if v, ok := strings.CutPrefix(l, name+":"); ok {
					return v
				}
			}
			return ""
		}
		for deadline := time.Now().Add(10 * time.Second); field("blocked_clients") != "2"; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: blocked_clients %s, want 2", addr, field("blocked_clients"))
			}
		}
		if got := field("clients_in_timeout_table"); got != "1" {
			t.Errorf("%s: clients_in_timeout_table %s, want 1", addr, got)
		}
		info.Do("RPUSH", "ib:q", "x", "y")
		a.Read()
		b.Read()
		if got := field("blocked_clients"); got != "0" {
			t.Errorf("%s: blocked_clients %s after the pushes, want 0", addr, got)
		}
	}
}

// nodeAddr starts an in-process node and returns its address.
func nodeAddr(t *testing.T) string {
	addr, _ := nodetest.StartNode(t, nil)
	return addr
}

// TestBlockingTimeoutLimits: timeouts beyond what a 64-bit count of
// milliseconds holds are refused as negative, as Redis 7.0's conversion
// makes them; huge but representable ones block.
func TestBlockingTimeoutLimits(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"BLPOP", "k", "9223372036854775807"},
		{"BLPOP", "k", "1e300"},
		{"BLPOP", "k", "inf"},
		{"BLPOP", "k", "-inf"},
		{"BLPOP", "k", "nan"},
		{"BLPOP", "k", "-0.5"},
		{"BZPOPMIN", "k", "1e300"},
		{"RPUSH", "k", "v"},
		{"BLPOP", "k", "1e15"}, // an element is there: served at once
		{"RPUSH", "k", "v"},
		{"BLPOP", "k", "18446744073710"},
	})
	// a huge timeout blocks until a push
	addr, _ := nodetest.StartNode(t, nil)
	c, pusher := nodetest.Dial(t, addr), nodetest.Dial(t, addr)
	if err := c.Send("BLPOP", "q", "1e15"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(pusher.Do("CLIENT", "LIST").String(), "cmd=blpop") {
		if time.Now().After(deadline) {
			t.Fatal("BLPOP with a timeout of 1e15 s did not block")
		}
		time.Sleep(5 * time.Millisecond)
	}
	pusher.Do("RPUSH", "q", "x")
	if v, err := c.Read(); err != nil || len(v.Elems) != 2 || string(v.Elems[1].Str) != "x" {
		t.Fatalf("BLPOP q 1e15 after a push: %s, %v", v, err)
	}
}
