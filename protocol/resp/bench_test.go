package resp

import (
	"strconv"
	"testing"
)

// loopReader serves the same bytes forever.
type loopReader struct {
	b   []byte
	off int
}

func (r *loopReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.b[r.off:])
		n += c
		r.off = (r.off + c) % len(r.b)
	}
	return n, nil
}

func benchRead(b *testing.B, frame []byte, perFrame int) {
	rd := NewReader(&loopReader{b: frame}, Limits{})
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for range perFrame {
			if _, err := rd.ReadCommand(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkReadCommandSet(b *testing.B) {
	benchRead(b, AppendCommand(nil, "SET", "key:000000123456", "01234567890123456789012345678901"), 1)
}

func BenchmarkReadCommandPipeline16(b *testing.B) {
	var frame []byte
	for i := range 16 {
		frame = AppendCommand(frame, "GET", "key:"+strconv.Itoa(100000+i))
	}
	benchRead(b, frame, 16)
}

func BenchmarkReadCommandInline(b *testing.B) {
	benchRead(b, []byte("SET key:000000123456 \"a value\"\r\n"), 1)
}

func BenchmarkWriterBulk(b *testing.B) {
	w := Writer{Proto: 2}
	val := []byte("01234567890123456789012345678901")
	b.ReportAllocs()
	for range b.N {
		w.Buf = w.Buf[:0]
		w.Bulk(val)
	}
}

func BenchmarkWriterInt(b *testing.B) {
	w := Writer{Proto: 2}
	b.ReportAllocs()
	for i := range b.N {
		w.Buf = w.Buf[:0]
		w.Int(int64(i))
	}
}

func BenchmarkWriterArray(b *testing.B) {
	w := Writer{Proto: 3}
	val := []byte("member")
	b.ReportAllocs()
	for range b.N {
		w.Buf = w.Buf[:0]
		w.Array(10)
		for range 10 {
			w.Bulk(val)
		}
	}
}

func BenchmarkScanReply(b *testing.B) {
	var w Writer
	w.Array(10)
	for i := range 10 {
		w.BulkString("value-" + strconv.Itoa(i))
	}
	w.Int(7)
	buf := w.Buf
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for range b.N {
		if n, err := ScanReply(buf, DefaultMaxBulkLen); n == 0 || err != nil {
			b.Fatal(n, err)
		}
	}
}

func BenchmarkReadReply(b *testing.B) {
	var w Writer
	w.Array(4)
	for i := range 4 {
		w.BulkString("value-" + strconv.Itoa(i))
	}
	rd := NewReader(&loopReader{b: w.Buf}, Limits{})
	b.ReportAllocs()
	for range b.N {
		if _, err := rd.ReadReply(); err != nil {
			b.Fatal(err)
		}
	}
}
