package resp

import (
	"io"
	"math"
	"strings"
	"testing"
)

func TestReadReply(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // Value.String()
		typ  byte
	}{
		{"simple", "+OK\r\n", "OK", '+'},
		{"error", "-ERR bad\r\n", "(error) ERR bad", '-'},
		{"integer", ":-42\r\n", "(integer) -42", ':'},
		{"bulk", "$5\r\nhe\r\no\r\n", `"he\r\no"`, '$'},
		{"empty bulk", "$0\r\n\r\n", `""`, '$'},
		{"null bulk", "$-1\r\n", "(nil)", '$'},
		{"null array", "*-1\r\n", "(nil)", '*'},
		{"empty array", "*0\r\n", "(empty array)", '*'},
		{"array", "*2\r\n:1\r\n$1\r\na\r\n", "1) (integer) 1\n2) \"a\"", '*'},
		{"nested", "*2\r\n*1\r\n+x\r\n:2\r\n", "1) 1) x\n2) (integer) 2", '*'},
		{"resp3 null", "_\r\n", "(nil)", '_'},
		{"double", ",3.5\r\n", "(double) 3.5", ','},
		{"double inf", ",-inf\r\n", "(double) -inf", ','},
		{"true", "#t\r\n", "(true)", '#'},
		{"false", "#f\r\n", "(false)", '#'},
		{"big number", "(12345678901234567890\r\n", `"12345678901234567890"`, '('},
		{"blob error", "!9\r\nERR x\r\nyz\r\n", "(error) ERR x yz", '-'},
		{"verbatim", "=9\r\ntxt:hello\r\n", `"hello"`, '='},
		{"map", "%1\r\n+k\r\n:1\r\n", "1) k\n2) (integer) 1", '%'},
		{"set", "~2\r\n+a\r\n+b\r\n", "1) a\n2) b", '~'},
		{"push", ">2\r\n+message\r\n+x\r\n", "1) message\n2) x", '>'},
		{"attribute", "|1\r\n+ttl\r\n:3\r\n+real\r\n", "real", '+'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			if tt.name == "blob error" {
				in = "!9\r\nERR x\r\nyz\r\n"
			}
			rd := NewReader(&oneByteReader{[]byte(in + "+next\r\n")}, Limits{})
			v, err := rd.ReadReply()
			if err != nil {
				t.Fatal(err)
			}
			got := v.String()
			if tt.name == "blob error" {
				got = strings.ReplaceAll(got, "\r\n", " ")
			}
			if got != tt.want || v.Type != tt.typ {
				t.Errorf("got %c %q, want %c %q", v.Type, got, tt.typ, tt.want)
			}
			if n, err := rd.ReadReply(); err != nil || string(n.Str) != "next" {
				t.Errorf("following reply: %v %v", n, err)
			}
			if _, err := rd.ReadReply(); err != io.EOF {
				t.Errorf("at end: %v", err)
			}
		})
	}
}

func TestReadReplyErrors(t *testing.T) {
	for _, in := range []string{
		"?\r\n", "$-2\r\n", "*-2\r\n", "$abc\r\n", "*x\r\n", "$100\r\n", "*1\r\n?\r\n",
		strings.Repeat("*1\r\n", 70) + ":1\r\n",
	} {
		rd := NewReader(strings.NewReader(in), Limits{MaxBulkLen: 50})
		if _, err := rd.ReadReply(); err != ErrInvalidReply {
			t.Errorf("%q: %v, want ErrInvalidReply", in, err)
		}
	}
}

func TestScanReplyPartial(t *testing.T) {
	replies := []string{
		"+OK\r\n", "-ERR x\r\n", ":1\r\n", "$3\r\nabc\r\n", "$-1\r\n", "*-1\r\n", "_\r\n",
		"*3\r\n$1\r\na\r\n*1\r\n:2\r\n_\r\n", "%2\r\n+a\r\n:1\r\n+b\r\n~1\r\n#t\r\n",
		"=8\r\ntxt:abcd\r\n", "!3\r\nERR\r\n", "|1\r\n+a\r\n+b\r\n$2\r\nhi\r\n", ">1\r\n,1.5\r\n",
		"(1\r\n",
	}
	for _, r := range replies {
		for i := 0; i < len(r); i++ {
			if n, err := ScanReply([]byte(r[:i]), 1<<20); n != 0 || err != nil {
				t.Errorf("%q prefix %d: %d, %v", r, i, n, err)
			}
		}
		if n, err := ScanReply([]byte(r+"+more\r\n"), 1<<20); n != len(r) || err != nil {
			t.Errorf("%q: %d, %v; want %d", r, n, err, len(r))
		}
	}
}

func TestScanReplyDoesNotAllocate(t *testing.T) {
	b := []byte("*3\r\n$1\r\na\r\n*1\r\n:2\r\n%1\r\n+k\r\n$3\r\nval\r\n")
	allocs := testing.AllocsPerRun(100, func() { ScanReply(b, 1<<20) })
	if allocs != 0 {
		t.Errorf("ScanReply allocates %.1f times", allocs)
	}
}

func TestAppendCommandRoundTrip(t *testing.T) {
	in := AppendCommand(nil, "SET", "k", "a\r\nb", "")
	args, err := NewReader(strings.NewReader(string(in)), Limits{}).ReadCommand()
	if err != nil || len(args) != 4 || string(args[2]) != "a\r\nb" || len(args[3]) != 0 {
		t.Fatalf("%q %v", args, err)
	}
}

func TestWriter(t *testing.T) {
	tests := []struct {
		name         string
		write        func(w *Writer)
		resp2, resp3 string
	}{
		{"ok", func(w *Writer) { w.OK() }, "+OK\r\n", "+OK\r\n"},
		{"simple", func(w *Writer) { w.Simple("PONG") }, "+PONG\r\n", "+PONG\r\n"},
		{"error", func(w *Writer) { w.Error("ERR a\r\nb") }, "-ERR a  b\r\n", "-ERR a  b\r\n"},
		{"int", func(w *Writer) { w.Int(math.MinInt64) }, ":-9223372036854775808\r\n", ":-9223372036854775808\r\n"},
		{"bulk", func(w *Writer) { w.Bulk([]byte("a\r\n")) }, "$3\r\na\r\n\r\n", "$3\r\na\r\n\r\n"},
		{"empty bulk", func(w *Writer) { w.Bulk(nil) }, "$0\r\n\r\n", "$0\r\n\r\n"},
		{"bulk string", func(w *Writer) { w.BulkString("hey") }, "$3\r\nhey\r\n", "$3\r\nhey\r\n"},
		{"bulk int", func(w *Writer) { w.BulkInt(-12) }, "$3\r\n-12\r\n", "$3\r\n-12\r\n"},
		{"null", func(w *Writer) { w.Null() }, "$-1\r\n", "_\r\n"},
		{"null array", func(w *Writer) { w.NullArray() }, "*-1\r\n", "_\r\n"},
		{"array", func(w *Writer) { w.Array(2); w.Int(1); w.Null() }, "*2\r\n:1\r\n$-1\r\n", "*2\r\n:1\r\n_\r\n"},
		{"map", func(w *Writer) { w.Map(1); w.BulkString("k"); w.Int(1) }, "*2\r\n$1\r\nk\r\n:1\r\n", "%1\r\n$1\r\nk\r\n:1\r\n"},
		{"set", func(w *Writer) { w.Set(1); w.BulkString("m") }, "*1\r\n$1\r\nm\r\n", "~1\r\n$1\r\nm\r\n"},
		{"push", func(w *Writer) { w.Push(1); w.BulkString("m") }, "*1\r\n$1\r\nm\r\n", ">1\r\n$1\r\nm\r\n"},
		{"double", func(w *Writer) { w.Double(1.5) }, "$3\r\n1.5\r\n", ",1.5\r\n"},
		{"double inf", func(w *Writer) { w.Double(math.Inf(-1)) }, "$4\r\n-inf\r\n", ",-inf\r\n"},
		{"double tenth", func(w *Writer) { w.Double(0.1) }, "$19\r\n0.10000000000000001\r\n", ",0.10000000000000001\r\n"},
		{"true", func(w *Writer) { w.Bool(true) }, ":1\r\n", "#t\r\n"},
		{"false", func(w *Writer) { w.Bool(false) }, ":0\r\n", "#f\r\n"},
		{"verbatim", func(w *Writer) { w.Verbatim("txt", "hi") }, "$2\r\nhi\r\n", "=6\r\ntxt:hi\r\n"},
		{"raw", func(w *Writer) { w.Raw([]byte(":7\r\n")) }, ":7\r\n", ":7\r\n"},
	}
	for _, tt := range tests {
		for proto, want := range map[int]string{2: tt.resp2, 3: tt.resp3} {
			w := Writer{Proto: proto}
			tt.write(&w)
			if string(w.Buf) != want {
				t.Errorf("%s RESP%d: %q, want %q", tt.name, proto, w.Buf, want)
			}
			// Everything the writer emits must scan as whole replies.
			b := w.Buf
			for len(b) > 0 {
				n, err := ScanReply(b, 1<<20)
				if err != nil || n == 0 {
					t.Errorf("%s RESP%d: output does not scan: %d %v", tt.name, proto, n, err)
					break
				}
				b = b[n:]
			}
		}
	}
}

func TestFormatFloat(t *testing.T) {
	tests := []struct {
		f          float64
		want, long string
	}{
		{0, "0", "0"},
		{1.5, "1.5", "1.5"},
		{3.0e100, "2.9999999999999999e+100", ""},
		{math.NaN(), "nan", ""},
		{math.Inf(1), "inf", "inf"},
		{10.5, "10.5", "10.5"},
		{5.0e3, "5000", "5000"},
	}
	for _, tt := range tests {
		if got := string(FormatFloat(nil, tt.f)); got != tt.want {
			t.Errorf("FormatFloat(%v) = %q, want %q", tt.f, got, tt.want)
		}
		if tt.long != "" {
			if got := string(FormatLongDouble(nil, tt.f)); got != tt.long {
				t.Errorf("FormatLongDouble(%v) = %q, want %q", tt.f, got, tt.long)
			}
		}
	}
}
