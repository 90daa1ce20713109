package resp

import (
	"math"
	"strconv"
)

// The Append functions encode one RESP element at the end of b and return
// the extended slice, in the manner of strconv.AppendInt.

// AppendSimple appends a simple string: +s\r\n.
func AppendSimple(b []byte, s string) []byte {
	b = append(b, '+')
	b = append(b, s...)
	return append(b, '\r', '\n')
}

// AppendError appends an error reply; msg carries its own prefix ("ERR ...",
// "WRONGTYPE ..."). CR and LF inside msg are replaced by spaces, as Redis does.
func AppendError(b []byte, msg string) []byte {
	b = append(b, '-')
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	return append(b, '\r', '\n')
}

// AppendInt appends an integer reply: :n\r\n.
func AppendInt(b []byte, n int64) []byte {
	b = append(b, ':')
	b = strconv.AppendInt(b, n, 10)
	return append(b, '\r', '\n')
}

// AppendBulk appends a bulk string.
func AppendBulk(b []byte, p []byte) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(p)), 10)
	b = append(b, '\r', '\n')
	b = append(b, p...)
	return append(b, '\r', '\n')
}

// AppendBulkString appends a bulk string given as a Go string.
func AppendBulkString(b []byte, s string) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, '\r', '\n')
	b = append(b, s...)
	return append(b, '\r', '\n')
}

// AppendBulkInt appends n formatted as a bulk string.
func AppendBulkInt(b []byte, n int64) []byte {
	var tmp [20]byte
	return AppendBulk(b, strconv.AppendInt(tmp[:0], n, 10))
}

// AppendArrayLen appends an array header: *n\r\n (n < 0 gives the null array).
func AppendArrayLen(b []byte, n int) []byte { return appendHeader(b, '*', n) }

// AppendNullBulk appends the RESP2 null bulk string: $-1\r\n.
func AppendNullBulk(b []byte) []byte { return append(b, "$-1\r\n"...) }

// AppendNullArray appends the RESP2 null array: *-1\r\n.
func AppendNullArray(b []byte) []byte { return append(b, "*-1\r\n"...) }

// AppendNull appends the RESP3 null: _\r\n.
func AppendNull(b []byte) []byte { return append(b, "_\r\n"...) }

func appendHeader(b []byte, c byte, n int) []byte {
	b = append(b, c)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}

// FormatFloat formats f the way Redis prints doubles in replies (%.17g with
// inf/-inf/nan spelled as Redis does).
func FormatFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}

// FormatLongDouble formats f as Redis formats INCRBYFLOAT/HINCRBYFLOAT
// results: fixed notation with up to 17 significant digits and no trailing
// zeroes.
func FormatLongDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	// Shortest representation that round-trips, printed without exponent.
	return strconv.AppendFloat(dst, f, 'f', -1, 64)
}

// Writer builds replies for one connection in RESP2 or RESP3 (Proto 2 or 3).
// It only appends to Buf; the owner writes Buf to the network.
type Writer struct {
	Buf   []byte
	Proto int
}

// Simple appends a simple string.
func (w *Writer) Simple(s string) { w.Buf = AppendSimple(w.Buf, s) }

// OK appends +OK.
func (w *Writer) OK() { w.Buf = append(w.Buf, "+OK\r\n"...) }

// Error appends an error reply; msg includes its prefix ("ERR ...").
func (w *Writer) Error(msg string) { w.Buf = AppendError(w.Buf, msg) }

// Int appends an integer.
func (w *Writer) Int(n int64) { w.Buf = AppendInt(w.Buf, n) }

// Bulk appends a bulk string.
func (w *Writer) Bulk(p []byte) { w.Buf = AppendBulk(w.Buf, p) }

// BulkString appends a bulk string given as a Go string.
func (w *Writer) BulkString(s string) { w.Buf = AppendBulkString(w.Buf, s) }

// BulkInt appends n as a bulk string.
func (w *Writer) BulkInt(n int64) { w.Buf = AppendBulkInt(w.Buf, n) }

// Null appends a null bulk string ($-1 in RESP2, _ in RESP3).
func (w *Writer) Null() {
	if w.Proto >= 3 {
		w.Buf = AppendNull(w.Buf)
		return
	}
	w.Buf = AppendNullBulk(w.Buf)
}

// NullArray appends a null array (*-1 in RESP2, _ in RESP3).
func (w *Writer) NullArray() {
	if w.Proto >= 3 {
		w.Buf = AppendNull(w.Buf)
		return
	}
	w.Buf = AppendNullArray(w.Buf)
}

// Array appends an array header for n elements.
func (w *Writer) Array(n int) { w.Buf = AppendArrayLen(w.Buf, n) }

// Map appends a map header for n pairs (%n in RESP3, *2n in RESP2).
func (w *Writer) Map(n int) {
	if w.Proto >= 3 {
		w.Buf = appendHeader(w.Buf, '%', n)
		return
	}
	w.Buf = appendHeader(w.Buf, '*', 2*n)
}

// Set appends a set header (~n in RESP3, *n in RESP2).
func (w *Writer) Set(n int) {
	if w.Proto >= 3 {
		w.Buf = appendHeader(w.Buf, '~', n)
		return
	}
	w.Buf = appendHeader(w.Buf, '*', n)
}

// Push appends a push header (>n in RESP3, *n in RESP2).
func (w *Writer) Push(n int) {
	if w.Proto >= 3 {
		w.Buf = appendHeader(w.Buf, '>', n)
		return
	}
	w.Buf = appendHeader(w.Buf, '*', n)
}

// Double appends a double (,f in RESP3, a bulk string in RESP2).
func (w *Writer) Double(f float64) {
	var tmp [32]byte
	if w.Proto >= 3 {
		w.Buf = append(w.Buf, ',')
		w.Buf = FormatFloat(w.Buf, f)
		w.Buf = append(w.Buf, '\r', '\n')
		return
	}
	w.Buf = AppendBulk(w.Buf, FormatFloat(tmp[:0], f))
}

// Bool appends a boolean (#t/#f in RESP3, :1/:0 in RESP2).
func (w *Writer) Bool(v bool) {
	switch {
	case w.Proto >= 3 && v:
		w.Buf = append(w.Buf, "#t\r\n"...)
	case w.Proto >= 3:
		w.Buf = append(w.Buf, "#f\r\n"...)
	case v:
		w.Buf = append(w.Buf, ":1\r\n"...)
	default:
		w.Buf = append(w.Buf, ":0\r\n"...)
	}
}

// Verbatim appends a verbatim string (=len\r\ntxt:... in RESP3, bulk in RESP2).
func (w *Writer) Verbatim(format, s string) {
	if w.Proto >= 3 {
		w.Buf = appendHeader(w.Buf, '=', len(s)+4)
		w.Buf = append(w.Buf, format...)
		w.Buf = append(w.Buf, ':')
		w.Buf = append(w.Buf, s...)
		w.Buf = append(w.Buf, '\r', '\n')
		return
	}
	w.Buf = AppendBulkString(w.Buf, s)
}

// Raw appends bytes that are already RESP-encoded.
func (w *Writer) Raw(p []byte) { w.Buf = append(w.Buf, p...) }
