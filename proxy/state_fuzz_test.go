package proxy

import (
	"testing"

	"github.com/slotcache/slotcache/protocol/resp"
)

// FuzzSplitArray checks that splitting a backend reply into its elements
// never panics and that the elements, re-joined, are valid replies.
func FuzzSplitArray(f *testing.F) {
	f.Add([]byte("*2\r\n$2\r\nc1\r\n$2\r\nc2\r\n"))
	f.Add([]byte("*4\r\n$1\r\na\r\n:3\r\n$1\r\nb\r\n:0\r\n"))
	f.Add([]byte("*0\r\n"))
	f.Add([]byte("*-1\r\n"))
	f.Add([]byte("*3\r\n$1\r\na\r\n"))
	f.Add([]byte(":5\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		elems, ok := splitArray(b)
		if !ok {
			return
		}
		for _, e := range elems {
			if n, err := resp.ScanReply(e, resp.DefaultMaxBulkLen); err != nil || n != len(e) {
				t.Fatalf("element %q of %q: %d %v", e, b, n, err)
			}
		}
	})
}
