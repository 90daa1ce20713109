package node

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

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
