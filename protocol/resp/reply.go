package resp

import (
	"bytes"
	"math"
	"strconv"
	"strings"
)

// Value is one decoded RESP2/RESP3 reply.
type Value struct {
	// Type is the RESP type byte: '+', '-', ':', '$', '*', '_', ',', '#',
	// '%', '~', '>', '=', '('.
	Type  byte
	Str   []byte  // simple string, error, bulk, verbatim, double or big number text
	Int   int64   // integer; 1/0 for booleans
	Elems []Value // array, set, push; maps hold key, value, key, value...
	Null  bool    // null bulk, null array or RESP3 null
}

// IsError reports whether v is an error reply.
func (v Value) IsError() bool { return v.Type == '-' || v.Type == '!' }

// String renders v the way redis-cli does in its non-TTY (--no-raw) form,
// nested arrays indented; it is meant for tests and diagnostics.
func (v Value) String() string {
	var sb strings.Builder
	v.format(&sb, "")
	return sb.String()
}

func (v Value) format(sb *strings.Builder, indent string) {
	switch {
	case v.Null:
		sb.WriteString("(nil)")
	case v.Type == '+':
		sb.Write(v.Str)
	case v.Type == '-' || v.Type == '!':
		sb.WriteString("(error) ")
		sb.Write(v.Str)
	case v.Type == ':':
		sb.WriteString("(integer) ")
		sb.WriteString(strconv.FormatInt(v.Int, 10))
	case v.Type == '#':
		if v.Int != 0 {
			sb.WriteString("(true)")
		} else {
			sb.WriteString("(false)")
		}
	case v.Type == ',':
		sb.WriteString("(double) ")
		sb.Write(v.Str)
	case v.Type == '*' || v.Type == '~' || v.Type == '>' || v.Type == '%':
		if len(v.Elems) == 0 {
			sb.WriteString("(empty array)")
			return
		}
		for i, e := range v.Elems {
			if i > 0 {
				sb.WriteString("\n")
				sb.WriteString(indent)
			}
			p := strconv.Itoa(i+1) + ") "
			sb.WriteString(p)
			e.format(sb, indent+strings.Repeat(" ", len(p)))
		}
	default:
		sb.WriteString(strconv.Quote(string(v.Str)))
	}
}

// ReadReply reads one complete reply (RESP2 or RESP3), blocking as needed.
// The returned Value owns its memory. Nesting is limited to 64 levels.
func (r *Reader) ReadReply() (Value, error) {
	for {
		v, n, err := parseReply(r.buf[r.r:r.w], 0, r.Limits.bulk())
		if err != nil {
			r.err = err
			return Value{}, err
		}
		if n > 0 {
			r.r += n
			return v, nil
		}
		if err := r.fill(); err != nil {
			return Value{}, err
		}
	}
}

// ErrInvalidReply is returned for a malformed reply from a server.
var ErrInvalidReply = &ProtocolError{"invalid reply"}

// ScanReply returns the length of the complete reply at the start of b, or 0
// when b holds only part of it. It does not allocate; the proxy uses it to
// forward replies without decoding them.
func ScanReply(b []byte, maxBulk int64) (int, error) {
	return scanReply(b, 0, maxBulk)
}

func scanReply(b []byte, depth int, maxBulk int64) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	if depth > 64 {
		return 0, ErrInvalidReply
	}
	line, pos := readLine(b, 0)
	if pos < 0 {
		return 0, nil
	}
	switch b[0] {
	case '+', '-', ':', '_', ',', '#', '(':
		return pos, nil
	case '$', '=', '!':
		n, ok := parseLen(line[1:])
		if !ok || n < -1 || n > maxBulk {
			return 0, ErrInvalidReply
		}
		if n < 0 {
			return pos, nil
		}
		end := pos + int(n) + 2
		if end > len(b) {
			return 0, nil
		}
		return end, nil
	case '*', '~', '>', '%', '|':
		n, ok := parseLen(line[1:])
		if !ok || n < -1 || n > MaxMultibulkLen*8 {
			return 0, ErrInvalidReply
		}
		if b[0] == '%' || b[0] == '|' {
			n *= 2
		}
		for i := int64(0); i < n; i++ {
			m, err := scanReply(b[pos:], depth+1, maxBulk)
			if err != nil || m == 0 {
				return 0, err
			}
			pos += m
		}
		if b[0] == '|' { // an attribute precedes the real reply
			m, err := scanReply(b[pos:], depth+1, maxBulk)
			if err != nil || m == 0 {
				return 0, err
			}
			pos += m
		}
		return pos, nil
	}
	return 0, ErrInvalidReply
}

func parseReply(b []byte, depth int, maxBulk int64) (Value, int, error) {
	n, err := scanReply(b, depth, maxBulk)
	if err != nil || n == 0 {
		return Value{}, 0, err
	}
	v, _ := decodeReply(b[:n])
	return v, n, nil
}

// decodeReply decodes a reply that scanReply found complete.
func decodeReply(b []byte) (Value, int) {
	line, pos := readLine(b, 0)
	v := Value{Type: b[0]}
	body := line[1:]
	switch b[0] {
	case '+', '-', ',', '(':
		v.Str = bytes.Clone(body)
	case ':':
		v.Int, _ = strconv.ParseInt(string(body), 10, 64)
	case '#':
		if len(body) > 0 && body[0] == 't' {
			v.Int = 1
		}
	case '_':
		v.Null = true
	case '$', '=', '!':
		n, _ := parseLen(body)
		if n < 0 {
			v.Null = true
			return v, pos
		}
		v.Str = bytes.Clone(b[pos : pos+int(n)])
		if b[0] == '=' && len(v.Str) >= 4 {
			v.Str = v.Str[4:]
		}
		if b[0] == '!' {
			v.Type = '-'
		}
		return v, pos + int(n) + 2
	case '*', '~', '>', '%', '|':
		n, _ := parseLen(body)
		if n < 0 {
			v.Null = true
			return v, pos
		}
		if b[0] == '%' || b[0] == '|' {
			n *= 2
		}
		v.Elems = make([]Value, 0, n)
		for i := int64(0); i < n; i++ {
			e, m := decodeReply(b[pos:])
			v.Elems = append(v.Elems, e)
			pos += m
		}
		if b[0] == '|' { // attribute: skip it, the real reply follows
			next, m := decodeReply(b[pos:])
			return next, pos + m
		}
	}
	return v, pos
}

// AppendCommand encodes args as a multibulk command.
func AppendCommand(b []byte, args ...string) []byte {
	b = AppendArrayLen(b, len(args))
	for _, a := range args {
		b = AppendBulkString(b, a)
	}
	return b
}

// ParseReply decodes the complete reply at the start of b and returns it
// with its length; n is 0 when b holds only part of a reply.
func ParseReply(b []byte) (v Value, n int, err error) {
	return parseReply(b, 0, math.MaxInt64)
}
