package proxy

import (
	"bytes"
	"strings"
	"testing"

	"github.com/slotcache/slotcache/protocol/memcache"
	"github.com/slotcache/slotcache/protocol/resp"
	"github.com/slotcache/slotcache/router"
)

// FuzzMemcacheReplyFast: whenever the proxy translates a backend reply
// straight from its bytes (a get or a store), the result is what decoding
// the reply and memcache.AppendReply give.
func FuzzMemcacheReplyFast(f *testing.F) {
	f.Add("gets a b c\r\n", []byte("*3\r\n*3\r\n$2\r\nhi\r\n:5\r\n:12\r\n*-1\r\n*3\r\n$0\r\n\r\n:0\r\n:1\r\n"))
	f.Add("get a\r\n", []byte("*1\r\n*3\r\n$1\r\nx\r\n:007\r\n:1\r\n"))
	f.Add("get a\r\n", []byte("*1\r\n*3\r\n$1\r\nx\r\n:1\r\n:-1\r\n"))
	f.Add("set a 0 0 1\r\nx\r\n", []byte("*2\r\n+STORED\r\n:3\r\n"))
	f.Add("cas a 0 0 1 5 noreply\r\nx\r\n", []byte("*2\r\n+EXISTS\r\n:3\r\n"))
	f.Add("gat 0 a a\r\n", []byte("*2\r\n*3\r\n$3\r\nabc\r\n:99999999999999999999\r\n:1\r\n*-1\r\n"))
	f.Fuzz(func(t *testing.T, line string, reply []byte) {
		var req memcache.Request
		if memcache.NewReader(strings.NewReader(line), memcache.Limits{}).Read(&req) != nil {
			return
		}
		s := &mcSession{p: &Proxy{}}
		s.rr = resp.NewReader(&s.src, resp.Limits{})
		if !s.appendFast(&req, []*router.Request{{Reply: reply}}) {
			if len(s.out) != 0 {
				t.Fatalf("refused but appended %q", s.out)
			}
			return
		}
		fast := bytes.Clone(s.out)
		v, err := resp.NewReader(bytes.NewReader(reply), resp.Limits{}).ReadReply()
		if err != nil {
			t.Fatalf("fast path took %q, the decoder refuses it: %v", reply, err)
		}
		if n, _ := resp.ScanReply(reply, resp.DefaultMaxBulkLen); n != len(reply) && req.Cmd.IsGet() {
			t.Fatalf("fast path took %q with %d bytes past the reply", reply, len(reply)-n)
		}
		if slow := memcache.AppendReply(nil, &req, v); !bytes.Equal(fast, slow) {
			t.Fatalf("%q on %q:\n fast %q\n slow %q", line, reply, fast, slow)
		}
	})
}
