package memcache

import (
	"bytes"
	"testing"

	"github.com/slotcache/slotcache/protocol/resp"
)

// repeatReader serves the same bytes forever.
type repeatReader struct {
	b   []byte
	off int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.b[r.off:])
		n += c
		r.off = (r.off + c) % len(r.b)
	}
	return n, nil
}

func benchRead(b *testing.B, frame string) {
	r := NewReader(&repeatReader{b: []byte(frame)}, Limits{})
	var req Request
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if err := r.Read(&req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadGet(b *testing.B)      { benchRead(b, "get user:1000\r\n") }
func BenchmarkReadMultiGet(b *testing.B) { benchRead(b, "gets k1 k2 k3 k4 k5 k6 k7 k8 k9 k10\r\n") }
func BenchmarkReadSet(b *testing.B) {
	benchRead(b, "set user:1000 0 3600 100\r\n"+string(bytes.Repeat([]byte("v"), 100))+"\r\n")
}
func BenchmarkReadMetaGet(b *testing.B) { benchRead(b, "mg user:1000 v f c t k O12345\r\n") }

// benchTranslate is the per-request translation work for the request in
// line: RESP arguments out, the memcached reply to v back.
func benchTranslate(b *testing.B, line string, v resp.Value) {
	r := NewReader(bytes.NewReader([]byte(line)), Limits{})
	var req Request
	if err := r.Read(&req); err != nil {
		b.Fatal(err)
	}
	var nums ArgBuffer
	var args [][]byte
	var out []byte
	b.ReportAllocs()
	for b.Loop() {
		args = req.Args(args, &nums)
		out = AppendReply(out[:0], &req, v)
	}
	_ = args
}

func BenchmarkTranslateGet(b *testing.B) {
	benchTranslate(b, "gets user:1000\r\n", resp.Value{Type: '*', Elems: []resp.Value{{Type: '*', Elems: []resp.Value{
		{Type: '$', Str: bytes.Repeat([]byte("v"), 100)}, {Type: ':', Int: 5}, {Type: ':', Int: 123456}}}}})
}

func BenchmarkTranslateMetaSet(b *testing.B) {
	benchTranslate(b, "ms user:1000 5 T60 F3 c k O1\r\nhello\r\n",
		resp.Value{Type: '*', Elems: []resp.Value{{Type: '+', Str: []byte("STORED")}, {Type: ':', Int: 99}}})
}
