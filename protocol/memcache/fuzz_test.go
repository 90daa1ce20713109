package memcache

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/slotcache/slotcache/protocol/resp"
)

// replyShapes are node replies of every shape, well-formed or not, that
// AppendReply must survive.
var replyShapes = []resp.Value{
	{Type: '*', Null: true},
	{Type: '-', Str: []byte("ERR boom")},
	{Type: '-', Str: []byte("CLIENT_ERROR bad")},
	{Type: '+', Str: []byte("HD")},
	{Type: '+', Str: []byte("NF")},
	{Type: '$', Str: []byte("exp=-1")},
	{Type: '*'},
	{Type: '*', Elems: []resp.Value{{Type: '+', Str: []byte("STORED")}, {Type: ':', Int: 7}}},
	{Type: '*', Elems: []resp.Value{{Type: '+', Str: []byte("HD")}, {Type: '$', Str: []byte("12")}, {Type: ':', Int: 3}, {Type: ':', Int: -1}, {Type: ':', Int: 1}}},
	{Type: '*', Elems: []resp.Value{{Type: '$', Str: []byte("v")}, {Type: ':', Int: 1}, {Type: ':', Int: 2}, {Type: ':', Int: 3}, {Type: ':', Int: 4},
		{Type: ':', Int: 5}, {Type: ':', Int: 1}, {Type: ':', Int: 1}, {Type: ':', Int: 1}, {Type: ':', Int: 1}, {Type: ':', Int: 1}}},
	{Type: '*', Elems: []resp.Value{{Type: '*', Null: true}, {Type: '*', Elems: []resp.Value{{Type: '$', Str: []byte("v")}, {Type: ':', Int: 1}, {Type: ':', Int: 9}}}}},
}

// FuzzReader feeds arbitrary input to the text and meta parser, then
// translates every request and formats replies of every shape: no panic,
// and the buffer stays within the limits.
func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"get a b c\r\n", "gets a\n", "gat 10 a b\r\n", "set a 0 0 1\r\nx\r\n", "set a 0 0 -1\r\n",
		"set a 0 0 99999999999999999999\r\nxx\r\n", "set a 1 2 3 noreply\r\nabc\r\n", "cas a 0 0 1 5\r\nx\r\n",
		"append a 0 0 2\nxy\n", "incr a 18446744073709551615\r\n", "delete a 0 noreply\r\n", "flush_all 10 noreply\r\n",
		"stats settings\r\n", "verbosity 1\r\n", "quit\r\n", "mg a v f c s t k h l O123 q b\r\n", "ms YWJj 2 b T5 F3 MA I C9 c k\r\nhi\r\n",
		"md a I T30 q k O1\r\n", "ma a N0 J10 D5 MD v c t\r\n", "mn\r\nme a\r\n", "get " + string(bytes.Repeat([]byte("k"), 251)) + "\r\n",
		"set a 0 0 5000\r\n" + string(bytes.Repeat([]byte("x"), 5002)), string(bytes.Repeat([]byte("y"), 3000)),
		"get \x00\x01\xff\r\n", "set a 0 0 1\r\nxy\r\n", "\r\n\n \r\n",
	} {
		f.Add([]byte(s))
	}
	lim := Limits{ItemSizeMax: 4096, MaxGetLine: 8192}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Streaming: the requests are the same when the input arrives in
		// pieces of 1 to 7 bytes, except that, as in memcached, a line
		// longer than 2048 bytes is refused when it comes in pieces.
		whole, errWhole := describeAll(NewReader(bytes.NewReader(data), lim))
		pieces, errPieces := describeAll(NewReader(&choppy{b: data}, lim))
		switch {
		case errors.Is(errPieces, ErrLineTooLong) && strings.HasPrefix(whole, pieces):
		case whole != pieces || (errWhole == nil) != (errPieces == nil):
			t.Fatalf("whole: %q %v\npieces: %q %v", whole, errWhole, pieces, errPieces)
		}
		r := NewReader(bytes.NewReader(data), lim)
		var req Request
		var nums ArgBuffer
		var args [][]byte
		var out []byte
		for i := 0; i < 1000; i++ {
			if err := r.Read(&req); err != nil {
				break
			}
			if len(r.buf) > 4*(lim.ItemSizeMax+lim.MaxGetLine+readChunk) {
				t.Fatalf("buffer grew to %d bytes", len(r.buf))
			}
			args = req.Args(args, &nums)
			if args == nil {
				out = AppendLocal(out[:0], &req)
				continue
			}
			for _, v := range replyShapes {
				out = AppendReply(out[:0], &req, v)
			}
		}
	})
}

// choppy hands out its bytes in pieces of 1 to 7 bytes.
type choppy struct {
	b []byte
	n int
}

func (c *choppy) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	c.n++
	n := min(len(p), len(c.b), 1+c.n%7)
	copy(p, c.b[:n])
	c.b = c.b[n:]
	return n, nil
}

// describeAll parses every request (at most 1000) and describes them.
func describeAll(r *Reader) (string, error) {
	var sb strings.Builder
	var req Request
	for i := 0; i < 1000; i++ {
		if err := r.Read(&req); err != nil {
			if err == io.EOF {
				err = nil
			}
			return sb.String(), err
		}
		sb.WriteString(describe(&req))
		sb.WriteString(string(req.Value))
		sb.WriteByte('|')
	}
	return sb.String(), nil
}
