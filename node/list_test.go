package node

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/slotcache/slotcache/protocol/resp"
)

// testClient returns a client without a connection on a fresh server, for
// calling handlers directly.
func testListClient(tb testing.TB) *client {
	tb.Helper()
	s, err := New(DefaultConfig(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	return &client{srv: s, db: s.dbs[0], w: resp.Writer{Proto: 2}, authed: true}
}

// run calls the handler of a command and returns its raw reply.
func (c *client) run(args ...string) string {
	a := make([][]byte, len(args))
	for i, s := range args {
		a[i] = []byte(s)
	}
	c.w.Buf = c.w.Buf[:0]
	cmd := c.srv.commands.lookup(a[0])
	if !cmd.arityOK(len(a)) {
		return "arity"
	}
	cmd.fn(c, a)
	return string(c.w.Buf)
}

func listContents(l *list) []string {
	out := make([]string, l.length())
	for i := range out {
		out[i] = string(l.at(i))
	}
	return out
}

// TestListModel compares the ring buffer with a plain slice under random
// operations that wrap, grow and shrink the ring.
func TestListModel(t *testing.T) {
	const seed = 42
	r := rand.New(rand.NewPCG(seed, 0))
	l := newList()
	var model []string
	for step := 0; step < 200000; step++ {
		v := strconv.Itoa(r.IntN(10))
		switch op := r.IntN(10); {
		case op < 2:
			l.pushLeft([]byte(v))
			model = append([]string{v}, model...)
		case op < 4:
			l.pushRight([]byte(v))
			model = append(model, v)
		case op < 5:
			got := l.popLeft()
			if len(model) == 0 {
				if got != nil {
					t.Fatalf("seed %d step %d: popLeft on empty gave %q", seed, step, got)
				}
				continue
			}
			if string(got) != model[0] {
				t.Fatalf("seed %d step %d: popLeft %q want %q", seed, step, got, model[0])
			}
			model = model[1:]
		case op < 6:
			got := l.popRight()
			if len(model) == 0 {
				continue
			}
			if string(got) != model[len(model)-1] {
				t.Fatalf("seed %d step %d: popRight %q want %q", seed, step, got, model[len(model)-1])
			}
			model = model[:len(model)-1]
		case op < 7:
			i := r.IntN(len(model) + 1)
			l.insert(i, []byte(v))
			model = slices.Insert(model, i, v)
		case op < 8 && r.IntN(20) == 0:
			count := int64(r.IntN(5) - 2)
			n := l.remove(count, []byte(v))
			model, _ = modelRemove(model, count, v, n)
		case op < 9 && r.IntN(50) == 0 && len(model) > 0:
			s := r.IntN(len(model))
			e := s + r.IntN(len(model)-s)
			l.trim(s, e)
			model = append([]string(nil), model[s:e+1]...)
		default:
			if len(model) > 0 {
				i := r.IntN(len(model))
				l.set(i, []byte(v))
				model[i] = v
			}
		}
		if l.length() != len(model) {
			t.Fatalf("seed %d step %d: length %d want %d", seed, step, l.length(), len(model))
		}
		if step%997 == 0 && !slices.Equal(listContents(l), model) {
			t.Fatalf("seed %d step %d: contents differ", seed, step)
		}
	}
}

// modelRemove applies LREM semantics to a slice; it checks the count.
func modelRemove(model []string, count int64, v string, got int64) ([]string, bool) {
	var out []string
	var removed int64
	if count >= 0 {
		for _, e := range model {
			if e == v && (count == 0 || removed < count) {
				removed++
				continue
			}
			out = append(out, e)
		}
	} else {
		for i := len(model) - 1; i >= 0; i-- {
			if model[i] == v && removed < -count {
				removed++
				continue
			}
			out = append([]string{model[i]}, out...)
		}
	}
	if removed != got {
		panic("remove count mismatch: " + strconv.FormatInt(removed, 10) + " vs " + strconv.FormatInt(got, 10))
	}
	return out, true
}

func TestListShrinkAndClone(t *testing.T) {
	l := newList()
	for i := 0; i < 10000; i++ {
		l.pushRight([]byte(strconv.Itoa(i)))
	}
	big := len(l.buf)
	for i := 0; i < 9990; i++ {
		l.popLeft()
	}
	if len(l.buf) >= big || len(l.buf) > 64 {
		t.Fatalf("ring not shrunk: cap %d (was %d)", len(l.buf), big)
	}
	c := l.clone().(*list)
	c.set(0, []byte("changed"))
	if string(l.at(0)) != "9990" || c.length() != 10 {
		t.Fatalf("clone shares data: %q, len %d", l.at(0), c.length())
	}
	if l.encoding() != "quicklist" || l.memUsage() <= 0 {
		t.Fatal("encoding or memUsage")
	}
}

func TestListEmptiedKeyRemoved(t *testing.T) {
	tests := []struct {
		name string
		cmds [][]string
	}{
		{"lpop", [][]string{{"rpush", "k", "a"}, {"lpop", "k"}}},
		{"rpop count", [][]string{{"rpush", "k", "a", "b"}, {"rpop", "k", "5"}}},
		{"lrem", [][]string{{"rpush", "k", "a", "a"}, {"lrem", "k", "0", "a"}}},
		{"ltrim", [][]string{{"rpush", "k", "a"}, {"ltrim", "k", "5", "6"}}},
		{"lmove", [][]string{{"rpush", "k", "a"}, {"lmove", "k", "d", "left", "left"}}},
		{"lmpop", [][]string{{"rpush", "k", "a"}, {"lmpop", "1", "k", "left"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := testListClient(t)
			for _, cmd := range tc.cmds {
				c.run(cmd...)
			}
			if c.db.lookup([]byte("k"), c.now) != nil || c.db.nkeys > 1 {
				t.Fatalf("emptied list still in the keyspace (%d keys)", c.db.nkeys)
			}
		})
	}
}

func TestListReplies(t *testing.T) {
	c := testListClient(t)
	tests := []struct {
		cmd  []string
		want string
	}{
		{[]string{"rpush", "k", "a", "b", "c"}, ":3\r\n"},
		{[]string{"lpop", "k", "0"}, "*0\r\n"},
		{[]string{"lpop", "nokey", "2"}, "*-1\r\n"},
		{[]string{"lpop", "nokey"}, "$-1\r\n"},
		{[]string{"lpos", "k", "c"}, ":2\r\n"},
		{[]string{"lpos", "k", "a", "rank", "-9223372036854775808"}, ":0\r\n"},
		{[]string{"lindex", "k", "-1"}, "$1\r\nc\r\n"},
	}
	for _, tc := range tests {
		if got := c.run(tc.cmd...); got != tc.want {
			t.Errorf("%v: got %q want %q", tc.cmd, got, tc.want)
		}
	}
}

func BenchmarkLPush(b *testing.B) {
	c := testListClient(b)
	args := [][]byte{[]byte("lpush"), []byte("bench"), []byte("element")}
	b.ReportAllocs()
	for b.Loop() {
		c.w.Buf = c.w.Buf[:0]
		cmdLPush(c, args)
	}
}

func BenchmarkLPushLPop(b *testing.B) {
	c := testListClient(b)
	push := [][]byte{[]byte("lpush"), []byte("bench"), []byte("element")}
	pop := [][]byte{[]byte("lpop"), []byte("bench")}
	for i := 0; i < 1000; i++ {
		cmdLPush(c, push)
	}
	b.ReportAllocs()
	for b.Loop() {
		c.w.Buf = c.w.Buf[:0]
		cmdLPush(c, push)
		cmdLPop(c, pop)
	}
	if !bytes.HasSuffix(c.w.Buf, []byte("element\r\n")) {
		b.Fatalf("unexpected reply %q", c.w.Buf)
	}
}

func TestReadCommandsCountHits(t *testing.T) {
	c := testListClient(t)
	c.run("rpush", "l", "a")
	c.run("hset", "h", "f", "v")
	for _, cmd := range [][]string{{"llen", "l"}, {"lrange", "nol", "0", "1"}, {"hget", "h", "f"}, {"hlen", "noh"}, {"hgetall", "l"}} {
		c.run(cmd...)
	}
	if c.srv.stats.keyspaceHits != 3 || c.srv.stats.keyspaceMisses != 2 {
		t.Fatalf("hits %d misses %d, want 3 and 2", c.srv.stats.keyspaceHits, c.srv.stats.keyspaceMisses)
	}
}
