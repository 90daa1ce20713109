package memcache

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/slotcache/slotcache/protocol/resp"
)

// readAll parses every request in input and renders each as a string.
func readAll(t *testing.T, rd io.Reader, lim Limits) ([]string, error) {
	t.Helper()
	r := NewReader(rd, lim)
	var req Request
	var out []string
	for {
		if err := r.Read(&req); err != nil {
			if err == io.EOF {
				err = nil
			}
			return out, err
		}
		out = append(out, describe(&req))
	}
}

// describe renders the fields of a request that parsing sets.
func describe(r *Request) string {
	var b strings.Builder
	b.WriteString(r.Cmd.String())
	for _, k := range r.Keys {
		b.WriteString(" k=" + string(k))
	}
	if r.Err != "" {
		b.WriteString(" err=" + r.Err)
	}
	if r.Noreply {
		b.WriteString(" noreply")
	}
	if r.TooLarge {
		b.WriteString(" toolarge")
	}
	if r.Cmd.IsStore() && !r.TooLarge {
		b.WriteString(" v=" + string(r.Value))
	}
	return b.String()
}

func TestParse(t *testing.T) {
	long := strings.Repeat("k", 251)
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"get", "get a b\r\n", []string{"get k=a k=b"}},
		{"bare LF", "get a\nset b 1 2 1\nx\r\n", []string{"get k=a", "set k=b v=x"}},
		{"gat", "gats 10 a\r\n", []string{"gats k=a"}},
		{"get without keys", "get\r\n", []string{"error err=ERROR"}},
		{"long key", "get a " + long + "\r\n", []string{"error err=" + ErrBadFormat}},
		{"set", "set a 0 0 3\r\nabc\r\n", []string{"set k=a v=abc"}},
		{"set noreply", "set a 0 0 1 noreply\r\nx\r\n", []string{"set k=a noreply v=x"}},
		{"bad chunk", "set a 0 0 1\r\nxy\r\nget a\r\n", []string{"error k=a err=" + ErrBadChunk, "error err=ERROR", "get k=a"}},
		{"negative length", "set a 0 0 -1\r\n", []string{"error k=a err=" + ErrBadFormat}},
		{"huge length", "set a 0 0 99999999999999999999\r\n", []string{"error k=a err=" + ErrBadFormat}},
		{"too large swallowed", "set a 0 0 2000000 noreply\r\n" + strings.Repeat("x", 2000002) + "get b\r\n", []string{"set k=a err=" + ErrTooLarge + " noreply toolarge", "get k=b"}},
		{"bad flags", "set a x 0 1\r\nx\r\n", []string{"error k=a err=" + ErrBadFormat, "error err=ERROR"}},
		{"cas", "cas a 0 0 1 5\r\nx\r\n", []string{"cas k=a v=x"}},
		{"incr", "incr a 5 noreply\r\n", []string{"incr k=a noreply"}},
		{"incr bad delta", "incr a -1\r\n", []string{"error k=a err=" + ErrInvalidDelta}},
		{"delete usage", "delete a 5\r\n", []string{"error err=" + ErrDeleteUsage}},
		{"unknown", "bogus\r\n", []string{"error err=ERROR"}},
		{"meta get", "mg a v k O1\r\n", []string{"mg k=a"}},
		{"meta base64", "mg YWJj b v\r\n", []string{"mg k=abc"}},
		{"meta bad base64 is shown despite q", "mg !!! b q\r\n", []string{"error k= err=" + ErrDecodingKey}},
		{"meta duplicate", "mg a v v\r\n", []string{"error err=" + ErrDuplicateFlag}},
		{"meta set", "ms a 2 T5 F3 q\r\nhi\r\n", []string{"ms k=a noreply v=hi"}},
		{"meta set error swallows", "ms a 2 MZ\r\nhi\r\nmn\r\n", []string{"error k=a err=" + ErrMsMode, "mn"}},
		{"meta set bad chunk shown", "ms a 1 q\r\nxyz\r\n", []string{"error k=a err=" + ErrBadChunk, "error err=ERROR"}},
		{"meta delete flags", "md a zz\r\n", []string{"error err=" + ErrInvalidOrDupFlag}},
		{"NUL ends the line", "get a\x00b c\r\n", []string{"get k=a"}},
		{"quit", "quit\r\n", []string{"quit"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(t, strings.NewReader(tc.in), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
			// The same requests come out when the input trickles in.
			slow, err := readAll(t, iotest.OneByteReader(strings.NewReader(tc.in)), Limits{})
			if err != nil || strings.Join(slow, "|") != strings.Join(got, "|") {
				t.Fatalf("byte by byte: %q %v", slow, err)
			}
		})
	}
}

func TestLineLimits(t *testing.T) {
	_, err := readAll(t, strings.NewReader(strings.Repeat("x", 5000)), Limits{})
	if !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("5000 bytes without a newline: %v", err)
	}
	got, err := readAll(t, strings.NewReader("get "+strings.Repeat("k ", 5000)+"\r\n"), Limits{})
	if err != nil || len(got) != 1 {
		t.Fatalf("a long get line: %v %d", err, len(got))
	}
	_, err = readAll(t, strings.NewReader("get "+strings.Repeat("k ", 5000)), Limits{MaxGetLine: 4096})
	if !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("a get line over MaxGetLine: %v", err)
	}
}

// endless yields a store header refused as too large, then its data
// forever, counting the bytes handed out.
type endless struct {
	header []byte
	n      int64
}

func (e *endless) Read(p []byte) (int, error) {
	if len(e.header) > 0 {
		n := copy(p, e.header)
		e.header = e.header[n:]
		return n, nil
	}
	for i := range p {
		p[i] = 'x'
	}
	e.n += int64(len(p))
	return len(p), nil
}

func TestSwallowIsBounded(t *testing.T) {
	src := &endless{header: []byte("set a 0 0 2000000000\r\n")}
	r := NewReader(src, Limits{})
	var req Request
	if err := r.Read(&req); err != nil || !req.TooLarge {
		t.Fatalf("header: %v %s", err, describe(&req))
	}
	for src.n < 64<<20 {
		if ok, err := r.Next(&req); ok || err != nil {
			t.Fatalf("a request inside swallowed data: %v", err)
		}
		if err := r.fill(); err != nil {
			t.Fatal(err)
		}
		if len(r.buf) > maxRetainedBuf {
			t.Fatalf("buffer grew to %d bytes while swallowing", len(r.buf))
		}
	}
}

func TestNumbers(t *testing.T) {
	for _, tc := range []struct {
		in      string
		u32     uint32
		ok32    bool
		i32     int32
		okI32   bool
		u64     uint64
		okU64   bool
		comment string
	}{
		{"0", 0, true, 0, true, 0, true, ""},
		{"+5", 5, true, 5, true, 5, true, "plus sign"},
		{"-0", 0, true, 0, true, 0, true, "minus zero"},
		{"-1", 0, false, -1, true, 0, false, "negatives"},
		{"4294967296", 0, true, 0, true, 4294967296, true, "flags wrap at 2^32"},
		{"2147483648", 2147483648, true, -2147483648, true, 2147483648, true, "exptime truncates"},
		{"18446744073709551615", 4294967295, true, 0, false, 1<<64 - 1, true, "max uint64"},
		{"18446744073709551616", 0, false, 0, false, 0, false, "overflow"},
		{"12a", 0, false, 0, false, 0, false, "trailing junk"},
		{"", 0, false, 0, false, 0, false, "empty"},
	} {
		u32, ok32 := safeStrtoul([]byte(tc.in))
		i32, okI32 := safeStrtol([]byte(tc.in))
		u64, okU64 := safeStrtoull([]byte(tc.in))
		if ok32 != tc.ok32 || (ok32 && u32 != tc.u32) || okI32 != tc.okI32 || (okI32 && i32 != tc.i32) || okU64 != tc.okU64 || (okU64 && u64 != tc.u64) {
			t.Errorf("%q (%s): strtoul %d %v, strtol %d %v, strtoull %d %v", tc.in, tc.comment, u32, ok32, i32, okI32, u64, okU64)
		}
	}
	if v, ok := ParseUint64([]byte(" 12 abc")); !ok || v != 12 {
		t.Errorf("incr value \" 12 abc\": %d %v", v, ok)
	}
}

func TestArgsAndReplies(t *testing.T) {
	parse := func(in string) *Request {
		r := NewReader(bytes.NewReader([]byte(in)), Limits{})
		req := new(Request)
		if err := r.Read(req); err != nil {
			t.Fatal(err)
		}
		return req
	}
	args := func(req *Request) string {
		var parts []string
		for _, a := range req.NewArgs() {
			parts = append(parts, string(a))
		}
		return strings.Join(parts, " ")
	}
	for _, tc := range []struct{ in, args string }{
		{"get a b\r\n", "MCGET a b"},
		{"gat 5 a\r\n", "MCGAT 5 a"},
		{"set a 3 -1 1\r\nx\r\n", "MCSTORE a set 3 -1 0 x"},
		{"cas a 3 0 1 77\r\nx\r\n", "MCSTORE a cas 3 0 77 x"},
		{"ms a 1 C7 I\r\nx\r\n", "MCSTORE a cas 0 0 7 x STALE"},
		{"ms YWJj 1 b MA\r\nx\r\n", "MCSTORE abc append 0 0 0 x BINARYKEY"},
		{"set a 0 0 2000000\r\n", "MCDELETE a TOOLARGE"},
		{"add a 0 0 2000000\r\n", "MCDELETE a TOOLARGE KEEP"},
		{"decr a 3\r\n", "MCINCR a DECR 3"},
		{"ma a N10 J5 MD T3 C2\r\n", "MCINCR a DECR 1 CAS 2 VIVIFY 10 INITIAL 5 TTL 3"},
		{"mg a R5 T1 u v\r\n", "MCMG a RECACHE 5 TTL 1 NOBUMP VALUE"},
		{"md a I T9 C1\r\n", "MCDELETE a CAS 1 STALE TTL 9"},
		{"flush_all 10\r\n", "MCFLUSH 10"},
		{"stats items\r\n", "MCSTATS items"},
		{"version\r\n", ""},
	} {
		if got := args(parse(tc.in)); got != tc.args {
			t.Errorf("%q: args %q, want %q", tc.in, got, tc.args)
		}
	}
}

func TestClone(t *testing.T) {
	in := "ms YWJj 5 b T9 c k O77\r\nhello\r\nget x y\r\n"
	r := NewReader(strings.NewReader(in), Limits{})
	var req Request
	if err := r.Read(&req); err != nil {
		t.Fatal(err)
	}
	cp := req.Clone()
	before := string(AppendReply(nil, cp, resp.Value{Type: '*', Elems: []resp.Value{{Type: '+', Str: []byte("STORED")}, {Type: ':', Int: 4}}}))
	args := strings.Join(strings.Fields(fmt.Sprintf("%q", cp.NewArgs())), " ")
	if err := r.Read(&req); err != nil { // reuses the buffer and the Request
		t.Fatal(err)
	}
	after := string(AppendReply(nil, cp, resp.Value{Type: '*', Elems: []resp.Value{{Type: '+', Str: []byte("STORED")}, {Type: ':', Int: 4}}}))
	if before != after || before != "HD c4 kYWJj b O77\r\n" {
		t.Fatalf("clone changed: %q then %q", before, after)
	}
	if got := strings.Join(strings.Fields(fmt.Sprintf("%q", cp.NewArgs())), " "); got != args || !strings.Contains(got, `"abc" "set" "0" "9" "0" "hello" "BINARYKEY"`) {
		t.Fatalf("clone args: %s (was %s)", got, args)
	}
}
