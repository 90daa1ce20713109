package node

import (
	"testing"
	"time"

	"github.com/slotcache/slotcache/protocol/resp"
)

// FuzzEval runs arbitrary script bodies, with arbitrary shebangs, JSON for
// cjson.decode and arguments: whatever the input, EVAL writes exactly one
// well-formed reply and the node stays usable. Scripts that loop are
// stopped the way SCRIPT KILL stops them.
func FuzzEval(f *testing.F) {
	for _, body := range []string{
		"return 1",
		"return {1, 'a', {ok='x'}, {err='y'}, false, true, 2.5}",
		"return redis.call('set', KEYS[1], ARGV[1])",
		"return redis.pcall('lpush', KEYS[1], 'x')",
		"return cjson.decode(ARGV[1])",
		"return cjson.encode(cjson.decode(ARGV[1]))",
		"#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])",
		"redis.setresp(3) return redis.call('hgetall', KEYS[1])",
		"local t = {} t[1] = t return t",
		"while true do end",
		"return (",
		"return bit.tohex(ARGV[1])",
		"error({err=ARGV[1]})",
	} {
		f.Add(body, "k", `{"a":[1,2.5,"x",null,true]}`)
	}
	s, err := New(DefaultConfig(), nil)
	if err != nil {
		f.Fatal(err)
	}
	s.cfg.BusyReplyThreshold = 20 * time.Millisecond
	s.cfg.ProtoMaxBulkLen = 1 << 20 // string.rep's bound: keep the workers small
	stop := make(chan struct{})
	f.Cleanup(func() { close(stop) })
	go func() { // the SCRIPT KILL of a looping script, written or not
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			s.mu.Lock()
			if e := s.scripts; e != nil && e.busy && e.run != nil {
				e.run.killed = true
			}
			s.mu.Unlock()
		}
	}()
	f.Fuzz(func(t *testing.T, body, key, arg string) {
		c := &client{srv: s, db: s.dbs[0], w: resp.Writer{Proto: 2}}
		args := [][]byte{[]byte("EVAL"), []byte(body), []byte("1"), []byte(key), []byte(arg)}
		s.mu.Lock()
		cmdEval(c, args)
		s.mu.Unlock()
		n, err := resp.ScanReply(c.w.Buf, 1<<40)
		if err != nil || n != len(c.w.Buf) {
			t.Fatalf("EVAL %q: reply %q is not one well-formed reply (%d of %d bytes, %v)", body, c.w.Buf, n, len(c.w.Buf), err)
		}
		if s.scripts.run != nil || s.scripts.busy {
			t.Fatalf("EVAL %q: the engine still shows a running script", body)
		}
	})
}
