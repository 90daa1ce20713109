package node_test

import (
	"crypto/sha1"
	"encoding/hex"
	"testing"

	"github.com/slotcache/slotcache/protocol/resp"
)

// BenchmarkEvalSHA runs a small script (a GET through redis.call) by its
// SHA1, as go-redis's Script.Run does; the first command loads it.
func BenchmarkEvalSHA(b *testing.B) {
	const body = "return redis.call('get', KEYS[1])"
	sum := sha1.Sum([]byte(body))
	sha := hex.EncodeToString(sum[:])
	mk := func(buf []byte, i int) []byte {
		if i == 0 {
			return resp.AppendCommand(buf, "EVAL", body, "1", key(i))
		}
		return resp.AppendCommand(buf, "EVALSHA", sha, "1", key(i))
	}
	b.Run("P1", func(b *testing.B) { benchPipelined(b, 1, mk) })
	b.Run("P16", func(b *testing.B) { benchPipelined(b, 16, mk) })
}
