package router

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/slotcache/slotcache/protocol/resp"
)

// TestReplyBufferChunks feeds replies of every size, small and far above
// the buffer and the rescan threshold, in random read sizes, and checks
// that each comes out whole and in order.
func TestReplyBufferChunks(t *testing.T) {
	var want [][]byte
	var stream []byte
	for _, n := range []int{0, 1, 100, 16 << 10, 70 << 10, 300 << 10, 3, 2 << 20, 5} {
		r := resp.AppendBulk(nil, []byte(strings.Repeat("x", n)))
		want = append(want, r)
		stream = append(stream, r...)
	}
	want = append(want, []byte("+OK\r\n"), []byte("*2\r\n:1\r\n$1\r\na\r\n"))
	stream = append(stream, "+OK\r\n*2\r\n:1\r\n$1\r\na\r\n"...)
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 0))
		b := ReplyBuffer{MaxBulkLen: 512 << 20}
		in := stream
		var got [][]byte
		for len(got) < len(want) {
			room := b.Room()
			n := min(len(in), len(room), 1+rng.IntN(100<<10))
			copy(room, in[:n])
			in = in[n:]
			b.Filled(n)
			for {
				r, err := b.Next()
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				if r == nil {
					break
				}
				got = append(got, bytes.Clone(r))
			}
			if n == 0 && len(got) < len(want) {
				t.Fatalf("seed %d: stream consumed, %d of %d replies", seed, len(got), len(want))
			}
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("seed %d: reply %d is %d bytes, want %d", seed, i, len(got[i]), len(want[i]))
			}
		}
	}
}

// TestReplyBufferBadReply reports a malformed reply.
func TestReplyBufferBadReply(t *testing.T) {
	var b ReplyBuffer
	n := copy(b.Room(), "?what\r\n")
	b.Filled(n)
	if _, err := b.Next(); err == nil {
		t.Fatal("malformed reply accepted")
	}
}
