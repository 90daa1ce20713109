package node

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slotcache/slotcache/protocol/resp"
)

// FuzzStreamID feeds arbitrary bytes to the stream ID parser: it must never
// panic, must answer exactly one reply on error, and an accepted ID printed
// back in its canonical form must parse to the same ID.
func FuzzStreamID(f *testing.F) {
	for _, s := range []string{"0-0", "1-1", "5", "5-*", "-", "+", "(1-1", "18446744073709551615-18446744073709551615",
		"18446744073709551616", " 12-+3", "00010-001", "1--1", "1-", "-1", "x", "", "1-2-3", "\x00", "1-\x002"} {
		f.Add([]byte(s), true)
	}
	c := &client{w: resp.Writer{Proto: 2}}
	f.Fuzz(func(t *testing.T, b []byte, star bool) {
		for _, strict := range []bool{false, true} {
			c.w.Buf = c.w.Buf[:0]
			id, seqGiven, ok := c.parseStreamID(b, strict, 7, star)
			if !ok {
				if !bytes.HasPrefix(c.w.Buf, []byte("-ERR Invalid stream ID")) || bytes.Count(c.w.Buf, []byte("\r\n")) != 1 {
					t.Fatalf("%q: reply %q", b, c.w.Buf)
				}
				continue
			}
			if len(c.w.Buf) != 0 {
				t.Fatalf("%q: accepted but replied %q", b, c.w.Buf)
			}
			if !seqGiven && !star {
				t.Fatalf("%q: seq not given without star", b)
			}
			back, _, ok := c.parseStreamID([]byte(id.String()), true, 0, false)
			if !ok || back != id {
				t.Fatalf("%q: %s does not parse back (%s)", b, id, back)
			}
		}
		// Interval form: an exclusive bound never panics either.
		c.w.Buf = c.w.Buf[:0]
		c.parseIntervalID(b, 0)
		q, ok := parseStrictIDQuiet(b)
		c.w.Buf = c.w.Buf[:0]
		id, _, ok2 := c.parseStreamID(b, true, 0, false)
		if ok != ok2 || (ok && q != id) {
			t.Fatalf("%q: quiet parse %v %s, parse %v %s", b, ok, q, ok2, id)
		}
	})
}

// TestStreamBlocksAgainstModel checks the block structure (append, find,
// forward and reverse walks, deletion, exact trimming) against a plain
// sorted slice with a fixed seed.
func TestStreamBlocksAgainstModel(t *testing.T) {
	const seed = 7301
	r := rand.New(rand.NewPCG(seed, 0))
	s := &stream{}
	var model []streamID // live IDs, ascending
	next := streamID{1, 0}
	args := [][]byte{[]byte("f"), []byte("v")}
	randID := func() streamID {
		if len(model) > 0 && r.IntN(2) == 0 {
			return model[r.IntN(len(model))]
		}
		return streamID{uint64(r.IntN(int(next.ms) + 2)), uint64(r.IntN(3))}
	}
	for step := 0; step < 20000; step++ {
		switch n := r.IntN(10); {
		case n < 5:
			next = streamID{next.ms + uint64(r.IntN(2)), next.seq + 1}
			s.appendEntry(next, args, streamNodeMaxEntries, streamNodeMaxBytes)
			model = append(model, next)
		case n < 7:
			id := randID()
			i, found := slices.BinarySearchFunc(model, id, func(a, b streamID) int { return a.cmp(b) })
			if got := s.deleteEntry(id); got != found {
				t.Fatalf("seed %d step %d: delete %s = %v, model %v", seed, step, id, got, found)
			}
			if found {
				model = slices.Delete(model, i, i+1)
			}
		case n < 8:
			keep := int64(r.IntN(len(model) + 1))
			got := s.trim(&trimArgs{strategy: trimMaxLen, maxLen: keep})
			if want := max(int64(len(model))-keep, 0); got != want {
				t.Fatalf("seed %d step %d: trim to %d removed %d, want %d", seed, step, keep, got, want)
			}
			model = model[len(model)-int(min(keep, int64(len(model)))):]
		default:
			a, b := randID(), randID()
			if a.cmp(b) > 0 {
				a, b = b, a
			}
			rev := r.IntN(2) == 0
			var got, want []streamID
			s.walk(a, b, rev, func(e *streamEntry) bool { got = append(got, e.id); return true })
			for _, id := range model {
				if id.cmp(a) >= 0 && id.cmp(b) <= 0 {
					want = append(want, id)
				}
			}
			if rev {
				slices.Reverse(want)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("seed %d step %d: walk [%s, %s] rev=%v = %v, want %v", seed, step, a, b, rev, got, want)
			}
		}
		if s.nent != int64(len(model)) {
			t.Fatalf("seed %d step %d: length %d, model %d", seed, step, s.nent, len(model))
		}
		for _, b := range s.blocks {
			if b.live == 0 && len(b.ents) == 0 || len(b.ents) > streamNodeMaxEntries {
				t.Fatalf("seed %d step %d: bad block %d entries, %d live", seed, step, len(b.ents), b.live)
			}
		}
	}
}

// benchStream returns a client and a stream key holding n entries.
func benchStream(b *testing.B, n int) *client {
	c := newTestClient(b)
	for i := 1; i <= n; i++ {
		runString(c, "xadd", "s", strconv.Itoa(i)+"-1", "field", "value-"+strconv.Itoa(i))
	}
	return c
}

// BenchmarkStreamXAdd appends entries with generated IDs through the
// command handler (no network).
func BenchmarkStreamXAdd(b *testing.B) {
	c := newTestClient(b)
	args := [][]byte{[]byte("xadd"), []byte("s"), []byte("*"), []byte("field"), []byte("value-0123456789")}
	cmd := c.srv.commands.lookup(args[0])
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c.w.Buf = c.w.Buf[:0]
		cmd.fn(c, args)
	}
	if !strings.HasPrefix(string(c.w.Buf), "$") {
		b.Fatalf("reply %q", c.w.Buf)
	}
}

// BenchmarkStreamXRange reads 10 entries from random places of a stream of
// 100,000 entries through the command handler (no network).
func BenchmarkStreamXRange(b *testing.B) {
	c := benchStream(b, 100000)
	cmd := c.srv.commands.lookup([]byte("xrange"))
	starts := make([][]byte, 1024)
	r := rand.New(rand.NewPCG(1, 0))
	for i := range starts {
		starts[i] = []byte(strconv.Itoa(1 + r.IntN(99990)))
	}
	args := [][]byte{[]byte("xrange"), []byte("s"), nil, []byte("+"), []byte("COUNT"), []byte("10")}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		c.w.Buf = c.w.Buf[:0]
		args[2] = starts[i%len(starts)]
		cmd.fn(c, args)
	}
	if !strings.HasPrefix(string(c.w.Buf), "*10\r\n") {
		b.Fatalf("reply %q", c.w.Buf)
	}
}

// FuzzStreamCommands runs arbitrary commands on the stream commands,
// from an empty keyspace each time: one command per line, the first byte
// picking the command and spaces separating its arguments. No panic, and
// exactly one well-formed reply per command unless it blocked.
func FuzzStreamCommands(f *testing.F) {
	for _, s := range []string{
		"\x00s 1-1 f v\n\x00s MAXLEN ~ 1 LIMIT 5 * f v\n\x00s NOMKSTREAM MINID = 0 5-* a b",
		"\x00s 1-1 f v\n\x01s - + COUNT 2\n\x02s + (1\n\x03s 1-1 x\n\x04s MAXLEN 0\n\x05s 9-9 ENTRIESADDED 3 MAXDELETEDID 1",
		"\x00s 1 a b\n\x00t 2 c d\n\x06COUNT 1 STREAMS s t 0 $\n\x06BLOCK 10 STREAMS s $",
		"\x0cCREATE s g $ MKSTREAM ENTRIESREAD 2\n\x00s 5 f v\n\x07GROUP g c NOACK COUNT 1 STREAMS s >\n\x07GROUP g c STREAMS s >\n\x08s g 5-0",
		"\x0cCREATE s g 0 MKSTREAM\n\x00s 1 f v\n\x07GROUP g c STREAMS s >\n\x09s g IDLE 5 - + 10 c\n\x0as g d 0 1-0 FORCE JUSTID RETRYCOUNT 3 LASTID 5\n\x03s 1\n\x0bs g c 0 0 COUNT 3 JUSTID",
		"\x0cCREATE s g 0 MKSTREAM\n\x00s 1 f v\n\x00s 2 f v\n\x00s 3 f v\n\x07GROUP g a COUNT 1 STREAMS s >\n\x07GROUP g b COUNT 1 STREAMS s >\n\x07GROUP g a STREAMS s >\n\x08s g 3 9 1 1 2 7 8 9 0 4 5\n\x0cSETID s g 0\n\x07GROUP g b STREAMS s >\n\x0cDELCONSUMER s g a",
		"\x0cCREATE s g 0 MKSTREAM\n\x0cSETID s g 0 ENTRIESREAD 1\n\x0cCREATECONSUMER s g c\n\x0cDELCONSUMER s g c\n\x0dSTREAM s FULL COUNT 1\n\x0dGROUPS s\n\x0dCONSUMERS s g\n\x0cDESTROY s g\n\x0es",
	} {
		f.Add([]byte(s))
	}
	c := newTestClient(f)
	f.Fuzz(func(t *testing.T, in []byte) { runStreamCommands(t, c, in) })
}

// fuzzStreamNames are the commands FuzzStreamCommands picks from.
var fuzzStreamNames = []string{"xadd", "xrange", "xrevrange", "xdel", "xtrim", "xsetid", "xread", "xreadgroup",
	"xack", "xpending", "xclaim", "xautoclaim", "xgroup", "xinfo", "xlen"}

// runStreamCommands is the body of FuzzStreamCommands.
func runStreamCommands(t *testing.T, c *client, in []byte) {
	if len(in) > 2048 {
		return
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			panic(fmt.Sprintf("stuck on %q", in))
		}
	}()
	c.srv.mu.Lock()
	defer c.srv.mu.Unlock()
	c.db.flush()
	for _, line := range bytes.Split(in, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		args := [][]byte{[]byte(fuzzStreamNames[int(line[0])%len(fuzzStreamNames)])}
		args = append(args, bytes.Split(line[1:], []byte(" "))...)
		cmd := c.srv.commands.lookup(args[0])
		if cmd.subs != nil && len(args) > 1 {
			if sub := cmd.lookupSub(args[1]); sub != nil {
				cmd = sub
			}
		}
		if !cmd.arityOK(len(args)) {
			continue
		}
		c.w.Buf = c.w.Buf[:0]
		cmd.fn(c, args)
		if c.blk != nil {
			c.unblock()
			if len(c.w.Buf) != 0 {
				t.Fatalf("%q blocked after replying %q", args, c.w.Buf)
			}
			continue
		}
		n, err := resp.ScanReply(c.w.Buf, 1<<30)
		if err != nil || n != len(c.w.Buf) {
			t.Fatalf("%q: reply %q (%d of %d bytes, %v)", args, c.w.Buf, n, len(c.w.Buf), err)
		}
		for _, key := range []string{"s", "t"} {
			if o := c.db.lookup([]byte(key), c.now); o != nil && o.typ == typeStream {
				if msg := checkStreamPELs(o.val.(*stream)); msg != "" {
					t.Fatalf("%q: %s: %s", args, key, msg)
				}
			}
		}
	}
}

// checkStreamPELs checks that each group's pending list is sorted and is
// exactly the union of its consumers' lists.
func checkStreamPELs(s *stream) string {
	for name, g := range s.groups {
		total := 0
		for cname, cons := range g.consumers {
			for i, n := range cons.pel {
				if n.consumer != cons || g.pel.find(n.id) != n || (i > 0 && cons.pel[i-1].id.cmp(n.id) >= 0) {
					return fmt.Sprintf("group %s consumer %s: bad entry %s", name, cname, n.id)
				}
			}
			total += len(cons.pel)
		}
		for i, n := range g.pel {
			if n.consumer == nil || n.consumer.pel.find(n.id) != n || (i > 0 && g.pel[i-1].id.cmp(n.id) >= 0) {
				return fmt.Sprintf("group %s: bad entry %s", name, n.id)
			}
		}
		if total != len(g.pel) {
			return fmt.Sprintf("group %s: %d pending, consumers hold %d", name, len(g.pel), total)
		}
	}
	return ""
}

// BenchmarkStreamGroupReadAck delivers one entry to a consumer group and
// acknowledges it, with 10,000 entries left pending: XREADGROUP COUNT 1
// plus XACK of the oldest pending entry, through the command handlers.
func BenchmarkStreamGroupReadAck(b *testing.B) {
	c := newTestClient(b)
	create := c.srv.commands.lookup([]byte("xgroup")).lookupSub([]byte("create"))
	create.fn(c, [][]byte{[]byte("xgroup"), []byte("create"), []byte("s"), []byte("g"), []byte("$"), []byte("mkstream")})
	do := func(args ...string) {
		runString(c, args...)
		if c.w.Buf[0] == '-' {
			b.Fatalf("%v: %q", args, c.w.Buf)
		}
	}
	for i := 1; i <= 10000+b.N; i++ {
		do("xadd", "s", strconv.Itoa(i)+"-1", "f", "v")
	}
	for range 10000 {
		do("xreadgroup", "group", "g", "c", "count", "1", "streams", "s", ">")
	}
	read := [][]byte{[]byte("xreadgroup"), []byte("group"), []byte("g"), []byte("c"), []byte("count"), []byte("1"), []byte("streams"), []byte("s"), []byte(">")}
	ack := [][]byte{[]byte("xack"), []byte("s"), []byte("g"), nil}
	readCmd, ackCmd := c.srv.commands.lookup(read[0]), c.srv.commands.lookup(ack[0])
	ids := make([][]byte, b.N)
	for i := range ids {
		ids[i] = []byte(strconv.Itoa(i+1) + "-1")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		c.w.Buf = c.w.Buf[:0]
		readCmd.fn(c, read)
		ack[3] = ids[i]
		ackCmd.fn(c, ack)
	}
	b.StopTimer()
	if !strings.HasSuffix(string(c.w.Buf), ":1\r\n") {
		b.Fatalf("last XACK: %q", c.w.Buf)
	}
}

// BenchmarkStreamDelConsumer deletes a consumer holding every other of
// 20,000 pending entries of its group (XGROUP DELCONSUMER through the
// command handler; the group is rebuilt, untimed, for each iteration).
func BenchmarkStreamDelConsumer(b *testing.B) {
	c := newTestClient(b)
	del := [][]byte{[]byte("xgroup"), []byte("delconsumer"), []byte("s"), []byte("g"), []byte("a")}
	delCmd := c.srv.commands.lookup(del[0]).lookupSub(del[1])
	for i := 1; i <= 20000; i++ {
		runString(c, "xadd", "s", strconv.Itoa(i)+"-1", "f", "v")
	}
	xgroup := func(args ...string) {
		bs := [][]byte{[]byte("xgroup")}
		for _, a := range args {
			bs = append(bs, []byte(a))
		}
		c.srv.commands.lookup(bs[0]).lookupSub(bs[1]).fn(c, bs)
	}
	b.ReportAllocs()
	for range b.N {
		b.StopTimer()
		xgroup("destroy", "s", "g")
		xgroup("create", "s", "g", "0")
		for range 10000 {
			runString(c, "xreadgroup", "group", "g", "a", "count", "1", "streams", "s", ">")
			runString(c, "xreadgroup", "group", "g", "b", "count", "1", "streams", "s", ">")
		}
		c.w.Buf = c.w.Buf[:0]
		b.StartTimer()
		delCmd.fn(c, del)
	}
	b.StopTimer()
	if string(c.w.Buf) != ":10000\r\n" {
		b.Fatalf("XGROUP DELCONSUMER: %q", c.w.Buf)
	}
}
