package resp

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// chunkReader returns its input in pieces whose sizes come from sizes.
type chunkReader struct {
	b     []byte
	sizes []byte
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := len(r.b)
	if len(r.sizes) > 0 {
		n = int(r.sizes[0]) + 1
		r.sizes = r.sizes[1:]
	}
	n = min(n, len(r.b), len(p))
	copy(p, r.b[:n])
	r.b = r.b[n:]
	return n, nil
}

// FuzzReadCommand feeds arbitrary bytes through a Reader with small limits.
// It must never panic, must return only well-formed arguments, and its buffer
// must stay bounded by the query buffer limit whatever the input claims.
func FuzzReadCommand(f *testing.F) {
	f.Add([]byte("*1\r\n$4\r\nPING\r\n"), []byte{3}, false)
	f.Fuzz(func(t *testing.T, in, sizes []byte, unauth bool) {
		const queryLimit = 64 << 10
		lim := Limits{MaxBulkLen: 4096, MaxQueryBuf: queryLimit}
		rd := NewReader(&chunkReader{b: in, sizes: sizes}, lim)
		rd.Unauthenticated = unauth
		// Growth doubles the pending bytes or jumps to what the frame needs,
		// capped at the query limit plus a header line.
		bound := min(2*len(in), queryLimit+maxLengthLineForHeader)
		bound = max(bound, initialBufSize)
		total := 0
		for range len(in) + 1 {
			args, err := rd.ReadCommand()
			if cap(rd.buf) > bound {
				t.Fatalf("buffer cap %d for %d input bytes (bound %d)", cap(rd.buf), len(in), bound)
			}
			if err != nil {
				var pe *ProtocolError
				if !errors.As(err, &pe) && err != io.EOF && err != ErrQueryBufferLimit {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if len(args) == 0 {
				t.Fatal("empty command returned")
			}
			for _, a := range args {
				if !rd.Inline && int64(len(a)) > lim.MaxBulkLen {
					t.Fatalf("argument of %d bytes over the bulk limit", len(a))
				}
				total += len(a)
			}
			if total > len(in) {
				t.Fatalf("read %d argument bytes from %d input bytes", total, len(in))
			}
		}
		t.Fatal("more commands than input bytes")
	})
}

// FuzzSplitArgs checks SplitArgs never panics, never produces bytes that were
// not in the line, and accepts again what it produced once requoted.
func FuzzSplitArgs(f *testing.F) {
	f.Add([]byte(`SET "a b" 'c\'d' "\x41\n"`))
	f.Fuzz(func(t *testing.T, line []byte) {
		orig := bytes.Clone(line)
		args, ok := SplitArgs(line, nil)
		if !ok {
			return
		}
		n := 0
		for _, a := range args {
			n += len(a)
		}
		if n > len(orig) {
			t.Fatalf("%d argument bytes from a %d byte line", n, len(orig))
		}
		// Requote every argument with \xHH escapes and split again.
		var q []byte
		for _, a := range args {
			q = append(q, ' ', '"')
			for _, c := range a {
				q = append(q, '\\', 'x', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
			}
			q = append(q, '"')
		}
		again, ok := SplitArgs(q, nil)
		if !ok || len(again) != len(args) {
			t.Fatalf("requoted %q: %q ok=%v, want %q", q, again, ok, args)
		}
		for i := range args {
			if !bytes.Equal(again[i], args[i]) {
				t.Fatalf("requoted arg %d: %q, want %q", i, again[i], args[i])
			}
		}
	})
}

// FuzzReadReply checks ScanReply and ReadReply agree, never panic and that
// a complete reply keeps its length whatever follows it.
func FuzzReadReply(f *testing.F) {
	f.Add([]byte("*2\r\n$1\r\na\r\n:1\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		const maxBulk = 1 << 16
		n, err := ScanReply(in, maxBulk)
		if n < 0 || n > len(in) {
			t.Fatalf("ScanReply = %d for %d bytes", n, len(in))
		}
		if err == nil && n > 0 {
			if m, err := ScanReply(in[:n], maxBulk); m != n || err != nil {
				t.Fatalf("ScanReply of the reply alone = %d, %v; want %d", m, err, n)
			}
			for i := range n {
				if m, err := ScanReply(in[:i], maxBulk); m != 0 || err != nil {
					t.Fatalf("prefix %d of a %d byte reply: %d, %v", i, n, m, err)
				}
			}
		}
		rd := NewReader(bytes.NewReader(in), Limits{MaxBulkLen: maxBulk, MaxQueryBuf: 1 << 20})
		v, rerr := rd.ReadReply()
		switch {
		case err != nil && rerr != err:
			t.Fatalf("ScanReply error %v, ReadReply error %v", err, rerr)
		case err == nil && n > 0 && rerr != nil:
			t.Fatalf("ScanReply found %d bytes, ReadReply failed: %v", n, rerr)
		case err == nil && n > 0:
			_ = v.String()
		}
	})
}
