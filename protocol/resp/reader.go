package resp

import (
	"bytes"
	"errors"
	"io"
	"strconv"
)

// Default input limits, the same as Redis's defaults.
const (
	DefaultMaxBulkLen      = 512 << 20 // proto-max-bulk-len
	DefaultMaxQueryBuf     = 1 << 30   // client-query-buffer-limit
	MaxMultibulkLen        = 1<<31 - 1 // INT_MAX, as Redis 7.0 checks it
	MaxInlineLen           = 64 << 10  // PROTO_INLINE_MAX_SIZE
	UnauthMaxMultibulkLen  = 10        // before AUTH, like Redis
	UnauthMaxBulkLen       = 16384     // before AUTH, like Redis
	initialBufSize         = 16 << 10
	bigArgThreshold        = 32 << 10 // PROTO_MBULK_BIG_ARG
	maxRetainedBufSize     = 64 << 10
	defaultArgsCapacity    = 16
	maxRetainedArgsCap     = 1024
	maxLengthLineForHeader = 64
)

// ProtocolError is a fault in the client's input. Its text is the message Redis
// sends before it closes the connection, without the leading "ERR ".
type ProtocolError struct{ Msg string }

func (e *ProtocolError) Error() string { return "Protocol error: " + e.Msg }

// Sentinel protocol errors with Redis's texts.
var (
	ErrInvalidMultibulk      = &ProtocolError{"invalid multibulk length"}
	ErrInvalidBulk           = &ProtocolError{"invalid bulk length"}
	ErrUnbalancedQuotes      = &ProtocolError{"unbalanced quotes in request"}
	ErrTooBigInline          = &ProtocolError{"too big inline request"}
	ErrTooBigMultibulkHeader = &ProtocolError{"too big mbulk count string"}
	ErrTooBigBulkHeader      = &ProtocolError{"too big bulk count string"}
	ErrUnauthMultibulk       = &ProtocolError{"unauthenticated multibulk length"}
	ErrUnauthBulk            = &ProtocolError{"unauthenticated bulk length"}
)

// ErrQueryBufferLimit reports that a client's pending input exceeded the
// client-query-buffer-limit; the connection is closed without a reply.
var ErrQueryBufferLimit = errors.New("resp: client query buffer limit reached")

// Limits bounds what a Reader accepts. Zero fields take the Redis defaults.
type Limits struct {
	MaxBulkLen  int64 // proto-max-bulk-len
	MaxQueryBuf int   // client-query-buffer-limit
}

func (l Limits) bulk() int64 {
	if l.MaxBulkLen <= 0 {
		return DefaultMaxBulkLen
	}
	return l.MaxBulkLen
}

func (l Limits) query() int {
	if l.MaxQueryBuf <= 0 {
		return DefaultMaxQueryBuf
	}
	return l.MaxQueryBuf
}

// Reader reads client commands (multibulk or inline) from a stream. The
// argument slices it returns point into its buffer and stay valid until the
// next call to ReadCommand or Next.
type Reader struct {
	rd     io.Reader
	buf    []byte
	r, w   int // unread data is buf[r:w]
	need   int // bytes the pending frame needs from buf[r:], 0 if unknown
	args   [][]byte
	Limits Limits
	// Unauthenticated applies Redis's stricter pre-AUTH limits.
	Unauthenticated bool
	// Inline tells whether the last command came in the inline form.
	Inline bool
	err    error
}

// NewReader returns a Reader on rd with the given limits.
func NewReader(rd io.Reader, lim Limits) *Reader {
	return &Reader{rd: rd, buf: make([]byte, initialBufSize), args: make([][]byte, 0, defaultArgsCapacity), Limits: lim}
}

// Buffered returns the number of bytes read from the stream and not yet
// consumed by a command.
func (r *Reader) Buffered() int { return r.w - r.r }

// ReadCommand returns the next command, reading from the stream as needed.
// An empty inline line is skipped. On a *ProtocolError the connection should
// be answered with "-ERR " + err.Error() and closed.
func (r *Reader) ReadCommand() ([][]byte, error) {
	for {
		args, ok, err := r.Next()
		if err != nil || ok {
			return args, err
		}
		if err := r.fill(); err != nil {
			return nil, err
		}
	}
}

// Next parses a command that is already complete in the buffer, without any
// I/O. ok is false when more input is needed.
func (r *Reader) Next() (args [][]byte, ok bool, err error) {
	if r.err != nil {
		return nil, false, r.err
	}
	for {
		if r.need > r.w-r.r {
			return nil, false, nil
		}
		if r.r == r.w {
			return nil, false, nil
		}
		var n int
		if r.buf[r.r] == '*' {
			r.Inline = false
			args, n, err = r.parseMultibulk(r.buf[r.r:r.w])
		} else {
			r.Inline = true
			args, n, err = r.parseInline(r.buf[r.r:r.w])
		}
		if err != nil {
			r.err = err
			return nil, false, err
		}
		if n == 0 { // incomplete
			return nil, false, nil
		}
		r.r += n
		r.need = 0
		if len(args) == 0 { // empty inline line or "*0": skip like Redis
			continue
		}
		return args, true, nil
	}
}

// FillFrom reads once with read into the buffer, compacting or growing it
// as ReadCommand does, for a caller that reads from a non-blocking source
// and then parses with Next. The limits apply as in ReadCommand: past the
// query buffer limit it returns ErrQueryBufferLimit, which Next then keeps
// returning. An error of read (EAGAIN, EOF) is returned, not kept: the
// caller decides what it means.
func (r *Reader) FillFrom(read func(p []byte) (int, error)) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if err := r.makeRoom(); err != nil {
		return 0, err
	}
	n, err := read(r.buf[r.w:])
	if n > 0 {
		r.w += n
	}
	return max(n, 0), err
}

// fill reads more data from the stream, compacting or growing the buffer.
func (r *Reader) fill() error {
	n, err := r.FillFrom(r.rd.Read)
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	r.err = err
	return err
}

// makeRoom compacts or grows the buffer so that it has free space after
// the unread data, within the query buffer limit.
func (r *Reader) makeRoom() error {
	if r.r > 0 && r.r == r.w {
		r.r, r.w = 0, 0
		if len(r.buf) > maxRetainedBufSize {
			r.buf = make([]byte, initialBufSize)
		}
	}
	if r.w == len(r.buf) {
		pending := r.w - r.r
		want := pending * 2
		if r.need > want {
			want = r.need
		}
		if want < initialBufSize {
			want = initialBufSize
		}
		if pending >= r.Limits.query() {
			r.err = ErrQueryBufferLimit
			return r.err
		}
		// need is only a lower bound for what the frame still needs; the
		// limit is enforced on what is actually buffered, as Redis does.
		if lim := r.Limits.query() + maxLengthLineForHeader; want > lim {
			want = lim
		}
		if want <= len(r.buf) && r.r > 0 {
			copy(r.buf, r.buf[r.r:r.w])
		} else {
			nb := make([]byte, want)
			copy(nb, r.buf[r.r:r.w])
			r.buf = nb
		}
		r.r, r.w = 0, pending
	}
	return nil
}

// parseMultibulk parses one "*N\r\n$L\r\n...\r\n" frame from b. It returns
// n == 0 when b holds only part of the frame.
func (r *Reader) parseMultibulk(b []byte) (args [][]byte, n int, err error) {
	line, pos := readHeader(b, 0)
	if pos < 0 {
		if len(b) > MaxInlineLen {
			return nil, 0, ErrTooBigMultibulkHeader
		}
		return nil, 0, nil
	}
	count, ok := parseLen(line[1:])
	if !ok || count > MaxMultibulkLen {
		return nil, 0, ErrInvalidMultibulk
	}
	if r.Unauthenticated && count > UnauthMaxMultibulkLen {
		return nil, 0, ErrUnauthMultibulk
	}
	args = r.args[:0]
	maxBulk := r.Limits.bulk()
	for i := int64(0); i < count; i++ {
		if pos >= len(b) {
			return nil, 0, nil
		}
		line, next := readHeader(b, pos)
		if next < 0 {
			if len(b)-pos > MaxInlineLen {
				return nil, 0, ErrTooBigBulkHeader
			}
			return nil, 0, nil
		}
		if b[pos] != '$' {
			return nil, 0, &ProtocolError{"expected '$', got '" + string(b[pos]) + "'"}
		}
		size, ok := parseLen(line[1:])
		if !ok || size < 0 || size > maxBulk {
			return nil, 0, ErrInvalidBulk
		}
		if r.Unauthenticated && size > UnauthMaxBulkLen {
			return nil, 0, ErrUnauthBulk
		}
		end := next + int(size)
		if end+2 > len(b) {
			// Remember how much the frame needs so a big bulk is read in
			// one go instead of being re-parsed at every read. Only the
			// declared bulk counts (Redis preallocates it too): a hint from
			// the argument count would let a few bytes claim a huge buffer.
			r.need = end + 2
			return nil, 0, nil
		}
		args = append(args, b[next:end:end])
		pos = end + 2
	}
	if cap(args) > maxRetainedArgsCap {
		r.args = make([][]byte, 0, defaultArgsCapacity)
	} else {
		r.args = args[:0]
	}
	return args, pos, nil
}

// readLine returns the line starting at b[from] without its CRLF and the
// position after the CRLF, or pos < 0 when no complete line is buffered.
func readLine(b []byte, from int) (line []byte, pos int) {
	i := bytes.IndexByte(b[from:], '\n')
	if i < 0 {
		return nil, -1
	}
	end := from + i
	if end > from && b[end-1] == '\r' {
		return b[from : end-1], end + 1
	}
	return b[from:end], end + 1
}

// readHeader returns the request header line starting at b[from] and the
// position after it. Like Redis, it ends the line at the first '\r' and skips
// the byte after it without checking it is '\n'; a NUL byte before the '\r'
// hides it (Redis searches with strchr), so the line stays incomplete.
func readHeader(b []byte, from int) (line []byte, pos int) {
	i := bytes.IndexByte(b[from:], '\r')
	if i < 0 {
		return nil, -1
	}
	end := from + i
	if end+2 > len(b) || bytes.IndexByte(b[from:end], 0) >= 0 {
		return nil, -1
	}
	return b[from:end], end + 2
}

// parseLen parses a decimal length as Redis's string2ll does for headers:
// no sign other than '-', no leading zero, no "-0".
func parseLen(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := false
	if b[0] == '-' {
		neg = true
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	if b[0] == '0' {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (1<<63-1-int64(c-'0'))/10 {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// parseInline parses one inline (telnet style) command line.
func (r *Reader) parseInline(b []byte) (args [][]byte, n int, err error) {
	i := bytes.IndexByte(b, '\n')
	if i >= 0 && bytes.IndexByte(b[:i], 0) >= 0 {
		i = -1 // Redis finds the newline with strchr, which stops at NUL
	}
	if i < 0 {
		if len(b) > MaxInlineLen {
			return nil, 0, ErrTooBigInline
		}
		return nil, 0, nil
	}
	n = i + 1
	line := b[:i]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	args, ok := SplitArgs(line, r.args[:0])
	if !ok {
		return nil, 0, ErrUnbalancedQuotes
	}
	r.args = args[:0]
	return args, n, nil
}

// SplitArgs splits an inline command line the way Redis's sdssplitargs does:
// spaces separate arguments, "double quotes" accept \n \r \t \b \a \\ \" and
// \xHH escapes, 'single quotes' accept \'. The arguments are appended to dst
// and may point into line, which is modified in place. ok is false on
// unbalanced quotes.
func SplitArgs(line []byte, dst [][]byte) (args [][]byte, ok bool) {
	args = dst
	p := 0
	for {
		for p < len(line) && isSpace(line[p]) {
			p++
		}
		if p >= len(line) {
			return args, true
		}
		start := p
		out := p // write position for unescaped bytes
		inq, insq := false, false
		for {
			if inq {
				if p >= len(line) {
					return nil, false
				}
				c := line[p]
				switch {
				case c == '\\' && p+3 < len(line) && line[p+1] == 'x' && isHex(line[p+2]) && isHex(line[p+3]):
					line[out] = unhex(line[p+2])<<4 | unhex(line[p+3])
					p += 3
				case c == '\\' && p+1 < len(line):
					p++
					switch line[p] {
					case 'n':
						c = '\n'
					case 'r':
						c = '\r'
					case 't':
						c = '\t'
					case 'b':
						c = '\b'
					case 'a':
						c = '\a'
					default:
						c = line[p]
					}
					line[out] = c
				case c == '"':
					// closing quote must be followed by a space or nothing
					if p+1 < len(line) && !isSpace(line[p+1]) {
						return nil, false
					}
					inq = false
					p++
					goto done
				default:
					line[out] = c
				}
				out++
				p++
				continue
			}
			if insq {
				if p >= len(line) {
					return nil, false
				}
				c := line[p]
				switch {
				case c == '\\' && p+1 < len(line) && line[p+1] == '\'':
					p++
					line[out] = '\''
				case c == '\'':
					if p+1 < len(line) && !isSpace(line[p+1]) {
						return nil, false
					}
					insq = false
					p++
					goto done
				default:
					line[out] = c
				}
				out++
				p++
				continue
			}
			if p >= len(line) || isSpace(line[p]) {
				goto done
			}
			switch line[p] {
			case '"':
				inq = true
			case '\'':
				insq = true
			default:
				line[out] = line[p]
				out++
			}
			p++
		}
	done:
		args = append(args, line[start:out:out])
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f'
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// FormatInt is strconv.AppendInt for callers that build replies by hand.
func FormatInt(dst []byte, n int64) []byte { return strconv.AppendInt(dst, n, 10) }
