package node_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
)

// readBoth reads one reply from each side of the pair and compares them.
func readBoth(t *testing.T, p *nodetest.Pair, what string) {
	t.Helper()
	nv, err := p.Node.Read()
	if err != nil {
		t.Fatalf("%s: node: %v", what, err)
	}
	rv, err := p.Redis.Read()
	if err != nil {
		t.Fatalf("%s: redis: %v", what, err)
	}
	if !nodetest.Equal(nv, rv) {
		t.Errorf("%s:\n  slotcache: %s\n  redis:     %s", what, nv, rv)
	}
}

// TestDiffPubsubReplies compares subscription confirmations, subscriber-mode
// restrictions and PUBSUB introspection with a real redis-server.
func TestDiffPubsubReplies(t *testing.T) {
	for _, proto := range []string{"2", "3"} {
		t.Run("RESP"+proto, func(t *testing.T) {
			p := nodetest.NewPair(t)
			p.Node.Do("HELLO", proto)
			p.Redis.Do("HELLO", proto)
			multi := []struct {
				args    []string
				replies int
			}{
				{[]string{"SUBSCRIBE", "a", "b", "a"}, 3},
				{[]string{"PSUBSCRIBE", "n*", "x?"}, 2},
				{[]string{"SSUBSCRIBE", "s1"}, 1},
				{[]string{"PING"}, 1},
				{[]string{"PING", "hi"}, 1},
				{[]string{"GET", "x"}, 1},
				{[]string{"UNSUBSCRIBE", "b", "zz"}, 2},
				{[]string{"PUNSUBSCRIBE"}, 2},
				{[]string{"SUNSUBSCRIBE"}, 1},
				{[]string{"UNSUBSCRIBE"}, 1},
				{[]string{"UNSUBSCRIBE"}, 1},
				{[]string{"PUNSUBSCRIBE"}, 1},
				{[]string{"PING"}, 1},
			}
			for _, m := range multi {
				if err := p.Node.Send(m.args...); err != nil {
					t.Fatal(err)
				}
				if err := p.Redis.Send(m.args...); err != nil {
					t.Fatal(err)
				}
				for i := 0; i < m.replies; i++ {
					readBoth(t, p, nodetest.Quote(m.args))
				}
			}
		})
	}
	p := nodetest.NewPair(t)
	for _, c := range [][]string{
		{"PUBLISH", "nobody", "x"},
		{"SPUBLISH", "nobody", "x"},
		{"PUBSUB", "NUMPAT"},
		{"PUBSUB", "NUMSUB", "a", "b"},
		{"PUBSUB", "CHANNELS"},
		{"PUBSUB", "CHANNELS", "a*"},
		{"PUBSUB", "SHARDCHANNELS"},
		{"PUBSUB", "SHARDNUMSUB", "s"},
		{"PUBSUB", "NOSUCH"},
		{"PUBSUB", "NUMPAT", "x"},
		{"PUBSUB", "CHANNELS", "a", "b"},
		{"PUBSUB"},
		{"PUBLISH", "a"},
		{"SUBSCRIBE"},
		{"PUBSUB", "HELP"},
	} {
		p.Check(c...)
	}
}

// TestPubsubFanout: 100 channel subscribers and 100 pattern subscribers each
// receive every message exactly once, in publish order.
func TestPubsubFanout(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	const subs, msgs = 100, 200
	type sub struct {
		c       *nodetest.Conn
		pattern bool
	}
	var all []sub
	for i := 0; i < subs; i++ {
		c := nodetest.Dial(t, addr)
		c.Do("SUBSCRIBE", "news.tech")
		all = append(all, sub{c, false})
		pc := nodetest.Dial(t, addr)
		pc.Do("PSUBSCRIBE", "news.*")
		all = append(all, sub{pc, true})
	}
	pub := nodetest.Dial(t, addr)
	go func() {
		for i := 0; i < msgs; i++ {
			pub.Send("PUBLISH", "news.tech", fmt.Sprintf("m%d", i))
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, len(all))
	for _, s := range all {
		wg.Add(1)
		go func(s sub) {
			defer wg.Done()
			for i := 0; i < msgs; i++ {
				v, err := s.c.Read()
				if err != nil {
					errs <- err
					return
				}
				want := fmt.Sprintf("m%d", i)
				if got := string(v.Elems[len(v.Elems)-1].Str); got != want {
					errs <- fmt.Errorf("pattern=%v: message %d = %q, want %q", s.pattern, i, got, want)
					return
				}
			}
		}(s)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i := 0; i < msgs; i++ {
		v, err := pub.Read()
		if err != nil || v.Int != 2*subs {
			t.Fatalf("PUBLISH %d = %v %v, want %d receivers", i, v, err, 2*subs)
		}
	}
}

// TestPubsubSlowSubscriberDropped: a subscriber that never reads is
// disconnected at the output-buffer hard limit; publishing goes on.
func TestPubsubSlowSubscriberDropped(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 24 MB")
	}
	addr, srv := nodetest.StartNode(t, nil)
	slow := nodetest.Dial(t, addr)
	slow.Do("SUBSCRIBE", "firehose")
	pub := nodetest.Dial(t, addr)
	if v := pub.Do("CONFIG", "SET", "client-output-buffer-limit", "pubsub 8mb 2mb 60"); v.IsError() {
		t.Fatal(v)
	}
	payload := strings.Repeat("x", 1<<20)
	var last resp.Value
	for i := 0; i < 24; i++ {
		last = pub.Do("PUBLISH", "firehose", payload)
	}
	if last.Int != 0 {
		t.Fatalf("PUBLISH after the limit reached %d receivers, want 0", last.Int)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if v := pub.Do("PUBSUB", "NUMSUB", "firehose"); v.Elems[1].Int == 0 {
			_ = srv
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("slow subscriber still subscribed")
}

// TestPubsubQuitFlushesMessages: messages queued before QUIT are delivered.
func TestPubsubQuitFlushesMessages(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	s := nodetest.Dial(t, addr)
	s.Do("SUBSCRIBE", "c")
	nodetest.Dial(t, addr).Do("PUBLISH", "c", "hello")
	s.Send("QUIT")
	v, err := s.Read()
	if err != nil || string(v.Elems[2].Str) != "hello" {
		t.Fatalf("message = %s %v", v, err)
	}
	if v, err := s.Read(); err != nil || string(v.Str) != "OK" {
		t.Fatalf("QUIT reply = %s %v", v, err)
	}
}

func TestDiffOutputBufferLimitConfig(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"CONFIG", "GET", "client-output-buffer-limit"},
		{"CONFIG", "SET", "client-output-buffer-limit", "pubsub 64mb 16mb 30"},
		{"CONFIG", "GET", "client-output-buffer-limit"},
		{"CONFIG", "SET", "client-output-buffer-limit", "pubsub 64mb"},
		{"CONFIG", "SET", "client-output-buffer-limit", "foo 1 2 3"},
		{"CONFIG", "SET", "client-output-buffer-limit", "normal 1k 0 x"},
		{"CONFIG", "SET", "client-output-buffer-limit", "replica 1mb 1mb 1 normal 0 0 0"},
		{"CONFIG", "GET", "client-output-buffer-limit"},
	})
}
