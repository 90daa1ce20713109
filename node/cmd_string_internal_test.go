package node

import (
	"strings"
	"testing"

	"github.com/slotcache/slotcache/protocol/resp"
)

// StringTestSetWrongType stores a non-string value at key in database 0
// (for tests of WRONGTYPE replies before the collection types exist).
func StringTestSetWrongType(s *Server, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dbs[0].set([]byte(key), &object{typ: typeList}, false)
}

// StringTestTTLClass reports -2 (no key), -1 (no expiry) or 1 (an expiry in
// the future) for key in database 0, as PTTL would, without its exact value.
func StringTestTTLClass(s *Server, key string, now int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.dbs[0]
	o := d.lookup([]byte(key), now)
	if o == nil {
		return -2
	}
	if at := d.expireAt([]byte(key), o); at < 0 {
		return -1
	}
	return 1
}

// StringTestEncoding returns the OBJECT ENCODING of key in database 0.
func StringTestEncoding(s *Server, key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.dbs[0].lookup([]byte(key), 0)
	if o == nil {
		return ""
	}
	return o.encodingName()
}

func newTestClient(t testing.TB) *client {
	t.Helper()
	s, err := New(DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{srv: s, db: s.dbs[0], now: 1_700_000_000_000, w: resp.Writer{Proto: 2}}
}

func runString(c *client, args ...string) string {
	bs := make([][]byte, len(args))
	for i, a := range args {
		bs[i] = []byte(a)
	}
	c.w.Buf = c.w.Buf[:0]
	cmd := c.srv.commands.lookup(bs[0])
	if !cmd.arityOK(len(bs)) {
		return "-" + errWrongArity(cmd.name) + "\r\n"
	}
	cmd.fn(c, bs)
	return string(c.w.Buf)
}

func TestStringEncodings(t *testing.T) {
	tests := []struct {
		name string
		cmds [][]string
		want string
	}{
		{"int", [][]string{{"set", "k", "123"}}, "int"},
		{"embstr", [][]string{{"set", "k", "abc"}}, "embstr"},
		{"raw long", [][]string{{"set", "k", strings.Repeat("x", 45)}}, "raw"},
		{"append raw", [][]string{{"set", "k", "1"}, {"append", "k", "2"}}, "raw"},
		{"append empty raw", [][]string{{"set", "k", "1"}, {"append", "k", ""}}, "raw"},
		{"append new key", [][]string{{"append", "k", "12"}}, "int"},
		{"setrange raw", [][]string{{"set", "k", "1"}, {"setrange", "k", "0", "2"}}, "raw"},
		{"setrange new raw", [][]string{{"setrange", "k", "1", "2"}}, "raw"},
		{"incr int", [][]string{{"set", "k", "1"}, {"append", "k", "2"}, {"incr", "k"}}, "int"},
		{"incrby new", [][]string{{"incrby", "k", "5"}}, "int"},
		{"incrbyfloat embstr", [][]string{{"set", "k", "2"}, {"incrbyfloat", "k", "1"}}, "embstr"},
		{"incrbyfloat new embstr", [][]string{{"incrbyfloat", "k", "1"}}, "embstr"},
		{"incrbyfloat long raw", [][]string{{"incrbyfloat", "k", "1e60"}}, "raw"},
		{"incr after incrbyfloat", [][]string{{"incrbyfloat", "k", "1"}, {"incr", "k"}}, "int"},
		{"set after incrbyfloat", [][]string{{"incrbyfloat", "k", "1"}, {"set", "k", "7"}}, "int"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t)
			for _, cmd := range tt.cmds {
				runString(c, cmd...)
			}
			if got := StringTestEncoding(c.srv, "k"); got != tt.want {
				t.Errorf("encoding = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStringExpiry(t *testing.T) {
	c := newTestClient(t)
	now := c.now
	tests := []struct {
		name string
		cmd  []string
		at   int64 // expected expiry, -1 none, -2 key absent
	}{
		{"set ex", []string{"set", "k", "v", "EX", "10"}, now + 10000},
		{"set px", []string{"set", "k", "v", "px", "10"}, now + 10},
		{"set exat", []string{"set", "k", "v", "exat", "1800000000"}, 1800000000000},
		{"set pxat", []string{"set", "k", "v", "PXAT", "1800000000001"}, 1800000000001},
		{"keepttl", []string{"set", "k", "w", "KEEPTTL"}, 1800000000001},
		{"plain set clears", []string{"set", "k", "v"}, -1},
		{"setex", []string{"setex", "k", "5", "v"}, now + 5000},
		{"incr keeps ttl", []string{"incr", "k"}, -3},
		{"psetex", []string{"psetex", "k", "7", "1"}, now + 7},
		{"incr keeps", []string{"incrbyfloat", "k", "1.5"}, now + 7},
		{"getex persist", []string{"getex", "k", "persist"}, -1},
		{"getex ex", []string{"getex", "k", "ex", "3"}, now + 3000},
		{"getset clears", []string{"getset", "k", "1"}, -1},
		{"getex pxat past", []string{"getex", "k", "pxat", "1"}, -2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reply := runString(c, tt.cmd...)
			if strings.HasPrefix(reply, "-") {
				if tt.at != -3 {
					t.Fatalf("reply %q", reply)
				}
				return
			}
			o := c.db.lookup([]byte("k"), c.now)
			got := int64(-2)
			if o != nil {
				got = c.db.expireAt([]byte("k"), o)
			}
			if tt.at != -3 && got != tt.at {
				t.Errorf("expiry = %d, want %d", got, tt.at)
			}
		})
	}
}

func TestParseLongDouble(t *testing.T) {
	tests := []struct {
		in   string
		ok   bool
		want string
	}{
		{"1", true, "1"},
		{"-1.5", true, "-1.5"},
		{"+2", true, "2"},
		{".5", true, "0.5"},
		{"5.", true, "5"},
		{"1e3", true, "1000"},
		{"0x10", true, "16"},
		{"0x1p-1", true, "0.5"},
		{"-0", true, "0"},
		{"1e", false, ""},
		{" 1", false, ""},
		{"1 ", false, ""},
		{"nan", false, ""},
		{"1_0", false, ""},
		{"0b1", false, ""},
		{"1e5000", false, ""},
		{"1e-5000", false, ""},
		{"1e999999999", false, ""},
		{"1e-999999999", false, ""},
		{"0x1p-99999999", false, ""},
		{"0e999999999", true, "0"},
		{"0.000e-999999999", true, "0"},
		{"0x0p-99999999", true, "0"},
		{"", false, ""},
		{"abc", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			f, ok := parseLongDouble([]byte(tt.in))
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if ok {
				if got := string(formatLongDouble(f)); got != tt.want {
					t.Errorf("got %q, want %q", got, tt.want)
				}
			}
		})
	}
}

func BenchmarkStringSet(b *testing.B) {
	c := newTestClient(b)
	args := [][]byte{[]byte("set"), []byte("key:000001"), []byte("value-of-some-length")}
	b.ReportAllocs()
	for b.Loop() {
		c.w.Buf = c.w.Buf[:0]
		cmdSet(c, args)
	}
}

func BenchmarkStringGet(b *testing.B) {
	c := newTestClient(b)
	runString(c, "set", "key:000001", "value-of-some-length")
	args := [][]byte{[]byte("get"), []byte("key:000001")}
	b.ReportAllocs()
	for b.Loop() {
		c.w.Buf = c.w.Buf[:0]
		cmdGet(c, args)
	}
}

// BenchmarkStringDispatch measures a GET through the command table and the
// per-command bookkeeping of client.exec.
func BenchmarkStringDispatch(b *testing.B) {
	c := newTestClient(b)
	runString(c, "set", "key:000001", "value-of-some-length")
	args := [][]byte{[]byte("GET"), []byte("key:000001")}
	b.ReportAllocs()
	for b.Loop() {
		c.w.Buf = c.w.Buf[:0]
		c.exec(args)
	}
}

func TestStringLengthLimit(t *testing.T) {
	const tooLong = "-" + msgStringTooLong + "\r\n"
	tests := []struct {
		name string
		cmd  []string
		want string
	}{
		{"append fits", []string{"append", "k", "12345"}, ":10\r\n"},
		{"append over", []string{"append", "k", "x"}, tooLong},
		{"setrange fits", []string{"setrange", "k", "9", "z"}, ":10\r\n"},
		{"setrange over", []string{"setrange", "k", "10", "z"}, tooLong},
		{"setrange new over", []string{"setrange", "n", "8", "abc"}, tooLong},
		{"setrange new empty", []string{"setrange", "n", "100", ""}, ":0\r\n"},
		{"lcs over", []string{"lcs", "k", "k"}, "-" + msgLCSMemory + "\r\n"},
	}
	c := newTestClient(t)
	c.srv.cfg.ProtoMaxBulkLen = 10
	runString(c, "set", "k", "12345")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := runString(c, tt.cmd...); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if got := runString(c, "get", "n"); got != "$-1\r\n" {
		t.Errorf("SETRANGE with an empty value created the key: %q", got)
	}
}

// TestSetStringInPlace checks that overwriting a string reuses its object
// when the buffer fits, without allocating, and not when it does not.
func TestSetStringInPlace(t *testing.T) {
	d := newDB(0, nil)
	key := []byte("k")
	o := d.setString(key, []byte("0123456789"), false)
	if got := d.setString(key, []byte("abc"), false); got != o || string(got.str) != "abc" {
		t.Fatalf("a shorter value: object %p (was %p), %q", got, o, got.str)
	}
	if n := testing.AllocsPerRun(100, func() { d.setString(key, []byte("0123456789abcdef"), false) }); n != 0 {
		t.Errorf("overwrite in place allocates %v times", n)
	}
	big := strings.Repeat("b", 100)
	if got := d.setString(key, []byte(big), false); got == o || string(got.str) != big {
		t.Fatalf("a value larger than the buffer reused it")
	}
	if got := d.setString(key, []byte("s"), false); string(got.str) != "s" || cap(got.str) > 48 {
		t.Fatalf("a short value kept a %d-byte buffer", cap(got.str))
	}
	if d.nkeys != 1 {
		t.Fatalf("nkeys = %d, want 1", d.nkeys)
	}
}
