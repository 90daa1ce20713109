package node_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
)

// resp3 switches both connections of p to RESP3.
func resp3(t *testing.T, p *nodetest.Pair) {
	t.Helper()
	for _, c := range []*nodetest.Conn{p.Node, p.Redis} {
		if v := c.Do("HELLO", "3"); v.IsError() {
			t.Fatalf("HELLO 3: %s", v)
		}
	}
}

func TestDiffListPushPop(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"LPUSH", "l", "a", "b", "c"},
		{"RPUSH", "l", "x", "y"},
		{"LRANGE", "l", "0", "-1"},
		{"LPUSHX", "l", "p"},
		{"RPUSHX", "l", "q", "r"},
		{"LPUSHX", "nol", "p"},
		{"RPUSHX", "nol", "p"},
		{"LRANGE", "l", "0", "-1"},
		{"LPOP", "l"},
		{"RPOP", "l"},
		{"LPOP", "l", "2"},
		{"RPOP", "l", "2"},
		{"LPOP", "l", "0"},
		{"LPOP", "l", "-1"},
		{"LPOP", "l", "abc"},
		{"LPOP", "l", "1", "2"},
		{"RPOP", "l", "1", "2"},
		{"LPOP", "l", "100"},
		{"LLEN", "l"},
		{"LPOP", "l"},
		{"LPOP", "l", "0"},
		{"LPOP", "l", "3"},
		{"RPOP", "l"},
		{"RPOP", "l", "3"},
		{"RPOP", "l", "-3"},
		{"LPUSH"},
		{"LPUSH", "l"},
		{"RPUSH", "l"},
		{"LPUSHX", "l"},
		{"LPOP"},
		{"RPOP"},
		{"SET", "s", "v"},
		{"LPUSH", "s", "a"},
		{"RPUSH", "s", "a"},
		{"LPUSHX", "s", "a"},
		{"RPUSHX", "s", "a"},
		{"LPOP", "s"},
		{"RPOP", "s", "2"},
		{"LPOP", "s", "0"},
		{"LLEN", "s"},
		{"LLEN", "nol"},
		{"LLEN"},
		{"RPUSH", "l", "1", "2", "3"},
		{"LLEN", "l"},
		{"RPOP", "l", "3"},
		{"GET", "l"},
	})
	resp3(t, p)
	p.CheckAll([][]string{
		{"LPOP", "nol"},
		{"LPOP", "nol", "2"},
		{"RPOP", "nol", "0"},
		{"RPUSH", "l", "a"},
		{"LPOP", "l", "0"},
		{"LPOP", "l", "5"},
		{"LMPOP", "1", "nol", "LEFT"},
		{"LPOS", "nol", "a"},
		{"LINDEX", "nol", "0"},
		{"RPOPLPUSH", "nol", "x"},
	})
}

func TestDiffListIndexing(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Check("RPUSH", "l", "a", "b", "c", "d", "e", "f")
	for _, r := range [][2]string{{"0", "-1"}, {"1", "2"}, {"-3", "-1"}, {"-100", "100"}, {"5", "2"}, {"6", "10"}, {"-1", "-2"}, {"0", "0"}, {"x", "1"}, {"1", "x"}, {"9223372036854775807", "-9223372036854775808"}, {"-9223372036854775808", "9223372036854775807"}} {
		p.Check("LRANGE", "l", r[0], r[1])
		p.Check("LRANGE", "nol", r[0], r[1])
	}
	for _, i := range []string{"0", "5", "6", "-1", "-6", "-7", "x", "9223372036854775807", "-9223372036854775808", "01"} {
		p.Check("LINDEX", "l", i)
		p.Check("LINDEX", "nol", i)
		p.Check("LSET", "l", i, "Z"+i)
		p.Check("LSET", "nol", i, "v")
	}
	p.CheckAll([][]string{
		{"LRANGE", "l", "0", "-1"},
		{"LRANGE", "l", "0"},
		{"LINDEX", "l"},
		{"LSET", "l", "0"},
		{"SET", "s", "v"},
		{"LRANGE", "s", "0", "-1"},
		{"LINDEX", "s", "0"},
		{"LSET", "s", "0", "x"},
		{"LRANGE", "s", "x", "-1"},
		{"LINDEX", "s", "x"},
		{"LSET", "s", "x", "v"},
	})
}

func TestDiffListRemTrimInsert(t *testing.T) {
	p := nodetest.NewPair(t)
	reset := []string{"RPUSH", "l", "a", "b", "a", "c", "a", "b", "a"}
	for _, n := range []string{"0", "1", "2", "-1", "-2", "-100", "100", "x", "9223372036854775807", "-9223372036854775808"} {
		p.Check("DEL", "l")
		p.Check(reset...)
		p.Check("LREM", "l", n, "a")
		p.Check("LRANGE", "l", "0", "-1")
		p.Check("LREM", "l", n, "b")
		p.Check("LRANGE", "l", "0", "-1")
		p.Check("LREM", "l", n, "zz")
		p.Check("LREM", "nol", n, "a")
	}
	p.CheckAll([][]string{
		{"DEL", "l"},
		{"RPUSH", "l", "a", "a"},
		{"LREM", "l", "0", "a"},
		{"LLEN", "l"},
		{"LREM", "l", "0"},
	})
	for _, r := range [][2]string{{"0", "-1"}, {"1", "-2"}, {"-3", "-1"}, {"2", "1"}, {"100", "200"}, {"-100", "1"}, {"0", "0"}, {"x", "1"}, {"1", "x"}} {
		p.Check("DEL", "l")
		p.Check(reset...)
		p.Check("LTRIM", "l", r[0], r[1])
		p.Check("LRANGE", "l", "0", "-1")
		p.Check("LLEN", "l")
		p.Check("LTRIM", "nol", r[0], r[1])
	}
	p.Check("DEL", "l")
	p.Check(reset...)
	for _, c := range [][]string{
		{"LINSERT", "l", "BEFORE", "a", "x"},
		{"LINSERT", "l", "after", "a", "y"},
		{"LINSERT", "l", "AFTER", "b", "z"},
		{"LINSERT", "l", "before", "nothere", "z"},
		{"LINSERT", "l", "middle", "a", "z"},
		{"LINSERT", "nol", "before", "a", "z"},
		{"LINSERT", "nol", "middle", "a", "z"},
		{"LINSERT", "l", "before", "a"},
		{"LINSERT", "l", "AFTER", "a", "b", "c"},
	} {
		p.Check(c...)
		p.Check("LRANGE", "l", "0", "-1")
	}
	// Insert near both ends of a longer list (both shifting directions).
	p.Check("DEL", "l")
	for i := 0; i < 40; i++ {
		p.Check("RPUSH", "l", strconv.Itoa(i))
	}
	for _, pivot := range []string{"0", "1", "5", "20", "35", "39"} {
		p.Check("LINSERT", "l", "BEFORE", pivot, "b"+pivot)
		p.Check("LINSERT", "l", "AFTER", pivot, "a"+pivot)
	}
	p.Check("LRANGE", "l", "0", "-1")
	p.CheckAll([][]string{
		{"SET", "s", "v"},
		{"LREM", "s", "0", "a"},
		{"LTRIM", "s", "0", "1"},
		{"LINSERT", "s", "before", "a", "b"},
		{"LINSERT", "s", "middle", "a", "b"},
		{"LTRIM", "s", "x", "1"},
		{"LREM", "s", "x", "a"},
	})
}

func TestDiffListLPos(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Check("RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c", "a")
	opts := [][]string{
		{},
		{"RANK", "1"}, {"RANK", "2"}, {"RANK", "3"}, {"RANK", "4"}, {"RANK", "-1"}, {"RANK", "-2"}, {"RANK", "-5"},
		{"RANK", "0"}, {"RANK", "x"}, {"RANK", "-9223372036854775808"}, {"RANK", "9223372036854775807"},
		{"COUNT", "0"}, {"COUNT", "1"}, {"COUNT", "2"}, {"COUNT", "10"}, {"COUNT", "-1"}, {"COUNT", "x"},
		{"MAXLEN", "0"}, {"MAXLEN", "1"}, {"MAXLEN", "3"}, {"MAXLEN", "7"}, {"MAXLEN", "-1"}, {"MAXLEN", "x"},
		{"RANK", "-1", "COUNT", "0"}, {"RANK", "2", "COUNT", "2", "MAXLEN", "8"}, {"RANK", "-2", "COUNT", "0", "MAXLEN", "3"},
		{"COUNT", "0", "MAXLEN", "7"}, {"RANK", "1", "RANK", "2"},
		{"RANK", "-9223372036854775808", "COUNT", "1"}, {"RANK", "-9223372036854775808", "COUNT", "0", "MAXLEN", "3"},
		{"RANK", "-9223372036854775807", "COUNT", "2"}, {"RANK", "9223372036854775807", "COUNT", "0"},
		{"RANK"}, {"COUNT"}, {"MAXLEN"}, {"FOO", "1"}, {"rank", "1", "count"},
	}
	for _, o := range opts {
		for _, e := range []string{"a", "c", "3", "zz"} {
			p.Check(append([]string{"LPOS", "l", e}, o...)...)
		}
		p.Check(append([]string{"LPOS", "nol", "a"}, o...)...)
	}
	p.CheckAll([][]string{
		{"LPOS", "l"},
		{"SET", "s", "v"},
		{"LPOS", "s", "a"},
		{"LPOS", "s", "a", "COUNT", "0"},
		{"LPOS", "s", "a", "COUNT", "-1"},
	})
}

func TestDiffListMove(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"RPUSH", "src", "a", "b", "c"},
		{"RPOPLPUSH", "src", "dst"},
		{"RPOPLPUSH", "src", "src"},
		{"LRANGE", "src", "0", "-1"},
		{"LMOVE", "src", "dst", "LEFT", "RIGHT"},
		{"LMOVE", "src", "dst", "right", "left"},
		{"LMOVE", "src", "dst", "left", "left"},
		{"LMOVE", "dst", "dst", "left", "right"},
		{"LMOVE", "dst", "dst", "right", "right"},
		{"LRANGE", "dst", "0", "-1"},
		{"LLEN", "src"},
		{"LMOVE", "src", "dst", "LEFT", "RIGHT"},
		{"RPOPLPUSH", "src", "dst"},
		{"LMOVE", "src", "dst", "UP", "RIGHT"},
		{"LMOVE", "src", "dst", "LEFT", "DOWN"},
		{"LMOVE", "dst", "x", "UP", "RIGHT"},
		{"RPUSH", "one", "x"},
		{"RPOPLPUSH", "one", "one"},
		{"LRANGE", "one", "0", "-1"},
		{"LMOVE", "one", "one", "left", "left"},
		{"SET", "s", "v"},
		{"RPOPLPUSH", "s", "dst"},
		{"RPOPLPUSH", "dst", "s"},
		{"LMOVE", "dst", "s", "left", "left"},
		{"LMOVE", "s", "dst", "left", "left"},
		{"LRANGE", "dst", "0", "-1"},
		{"RPOPLPUSH", "nol", "s"},
		{"RPOPLPUSH", "src"},
		{"LMOVE", "src", "dst", "LEFT"},
	})
}

func TestDiffListLMPop(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"RPUSH", "l1", "a", "b", "c", "d"},
		{"RPUSH", "l2", "x", "y"},
		{"LMPOP", "1", "l1", "LEFT"},
		{"LMPOP", "1", "l1", "RIGHT"},
		{"LMPOP", "2", "nol", "l2", "LEFT", "COUNT", "5"},
		{"LLEN", "l2"},
		{"LMPOP", "2", "nol", "l2", "LEFT"},
		{"LMPOP", "3", "nol", "l2", "l1", "right", "count", "1"},
		{"LMPOP", "2", "nol", "l2", "LEFT"},
		{"LMPOP", "0", "l1", "LEFT"},
		{"LMPOP", "-1", "l1", "LEFT"},
		{"LMPOP", "x", "l1", "LEFT"},
		{"LMPOP", "2", "l1", "LEFT"},
		{"LMPOP", "3", "l1", "LEFT"},
		{"LMPOP", "9223372036854775807", "l1", "LEFT"},
		{"LMPOP", "1", "l1", "UP"},
		{"LMPOP", "1", "l1", "LEFT", "COUNT"},
		{"LMPOP", "1", "l1", "LEFT", "COUNT", "0"},
		{"LMPOP", "1", "l1", "LEFT", "COUNT", "-1"},
		{"LMPOP", "1", "l1", "LEFT", "COUNT", "x"},
		{"LMPOP", "1", "l1", "LEFT", "COUNT", "1", "COUNT", "1"},
		{"LMPOP", "1", "l1", "LEFT", "FOO"},
		{"LMPOP", "1", "l1"},
		{"LMPOP", "1"},
		{"SET", "s", "v"},
		{"LMPOP", "2", "s", "l1", "LEFT"},
		{"LMPOP", "2", "l1", "s", "LEFT"},
		{"LMPOP", "2", "nol", "s", "LEFT"},
		{"LMPOP", "1", "l1", "LEFT", "COUNT", "9223372036854775807"},
		{"LMPOP", "1", "l1", "LEFT"},
	})
	resp3(t, p)
	p.CheckAll([][]string{
		{"RPUSH", "l3", "a", "b"},
		{"LMPOP", "1", "l3", "LEFT", "COUNT", "3"},
		{"LMPOP", "1", "l3", "LEFT"},
	})
}

// TestDiffListRandom runs random list commands against both servers and
// compares every reply.
func TestDiffListRandom(t *testing.T) {
	for _, tc := range []struct {
		name  string
		seed  uint64
		ops   int
		extra int // extra weight of the bulk push, growing the lists
		span  int // index range
	}{
		{"small", 20261125, 4000, 0, 12},
		{"long", 99, 3000, 6, 200},
	} {
		t.Run(tc.name, func(t *testing.T) { listRandom(t, tc.seed, tc.ops, tc.extra, tc.span) })
	}
}

func listRandom(t *testing.T, seed uint64, ops, extra, span int) {
	p := nodetest.NewPair(t)
	r := rand.New(rand.NewPCG(seed, 0))
	keys := []string{"la", "lb", "lc"}
	values := 8
	if extra > 0 {
		values = 40
	}
	elem := func() string { return strconv.Itoa(r.IntN(values)) }
	idx := func() string { return strconv.Itoa(r.IntN(2*span) - span) }
	for i := 0; i < ops; i++ {
		if i == ops/2 {
			resp3(t, p) // the second half runs in RESP3
		}
		k := keys[r.IntN(len(keys))]
		var cmd []string
		switch r.IntN(17 + extra) {
		case 0:
			cmd = []string{"LPUSH", k, elem(), elem()}
		case 1:
			cmd = []string{"RPUSH", k, elem()}
		case 2:
			cmd = []string{"LPOP", k}
		case 3:
			cmd = []string{"RPOP", k, strconv.Itoa(r.IntN(4))}
		case 4:
			cmd = []string{"LRANGE", k, idx(), idx()}
		case 5:
			cmd = []string{"LINDEX", k, idx()}
		case 6:
			cmd = []string{"LSET", k, idx(), elem()}
		case 7:
			cmd = []string{"LREM", k, strconv.Itoa(r.IntN(5) - 2), elem()}
		case 8:
			cmd = []string{"LTRIM", k, idx(), idx()}
			if extra > 0 {
				cmd = []string{"LTRIM", k, strconv.Itoa(r.IntN(3)), strconv.Itoa(-1 - r.IntN(3))}
			}
		case 9:
			cmd = []string{"LINSERT", k, []string{"BEFORE", "AFTER"}[r.IntN(2)], elem(), elem()}
		case 10:
			cmd = []string{"LPOS", k, elem(), "RANK", []string{"1", "2", "-1", "-2"}[r.IntN(4)], "COUNT", strconv.Itoa(r.IntN(3))}
		case 11:
			cmd = []string{"LMOVE", k, keys[r.IntN(len(keys))], []string{"LEFT", "RIGHT"}[r.IntN(2)], []string{"LEFT", "RIGHT"}[r.IntN(2)]}
		case 12:
			cmd = []string{"RPOPLPUSH", k, keys[r.IntN(len(keys))]}
		case 13:
			cmd = []string{"LMPOP", "2", k, keys[r.IntN(len(keys))], "RIGHT", "COUNT", strconv.Itoa(1 + r.IntN(3))}
		case 14:
			cmd = []string{"LLEN", k}
		case 15:
			cmd = []string{"LPUSHX", k, elem()}
		default:
			cmd = []string{"RPUSH", k, elem(), elem(), elem()}
		}
		nv := p.Node.Do(cmd...)
		rv := p.Redis.Do(cmd...)
		if !nodetest.Equal(nv, rv) {
			t.Fatalf("seed %d step %d %s:\n  slotcache: %s\n  redis:     %s", seed, i, nodetest.Quote(cmd), nv, rv)
		}
	}
	for _, k := range keys {
		p.Check("LRANGE", k, "0", "-1")
		t.Logf("seed %d: %s ends with %d elements", seed, k, p.Node.Do("LLEN", k).Int)
	}
}

// TestListProducerConsumer pushes from several producers and pops from
// several consumers: every element arrives exactly once.
func TestListProducerConsumer(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	const producers, consumers, perProducer = 4, 4, 500
	var wg sync.WaitGroup
	for pi := 0; pi < producers; pi++ {
		c := nodetest.Dial(t, addr)
		wg.Add(1)
		go func(pi int) {
			defer wg.Done()
			for i := 0; i < perProducer; i++ {
				if v, err := c.DoErr("LPUSH", "queue", fmt.Sprintf("%d-%d", pi, i)); err != nil || v.IsError() {
					t.Errorf("LPUSH: %v %v", v, err)
					return
				}
			}
		}(pi)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	done := make(chan struct{})
	var cwg sync.WaitGroup
	for ci := 0; ci < consumers; ci++ {
		c := nodetest.Dial(t, addr)
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			for {
				v, err := c.DoErr("RPOP", "queue")
				if err != nil {
					t.Errorf("RPOP: %v", err)
					return
				}
				if v.Null {
					select {
					case <-done:
						return
					default:
						continue
					}
				}
				mu.Lock()
				seen[string(v.Str)]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(done)
	cwg.Wait()
	// Drain what the consumers had not reached when they stopped.
	c := nodetest.Dial(t, addr)
	for {
		v := c.Do("RPOP", "queue")
		if v.Null {
			break
		}
		seen[string(v.Str)]++
	}
	if len(seen) != producers*perProducer {
		t.Fatalf("got %d distinct elements, want %d", len(seen), producers*perProducer)
	}
	for k, n := range seen {
		if n != 1 {
			t.Fatalf("element %s popped %d times", k, n)
		}
	}
}
