package memcache

import (
	"bytes"
	"errors"
	"io"
)

// Input limits. memcached closes a connection that sends 2048 bytes without
// a newline unless the line is a get/gets (multi-gets may be long); we bound
// those too.
const (
	// MaxKeyLen is memcached's KEY_MAX_LENGTH.
	MaxKeyLen = 250
	// DefaultItemSizeMax is memcached's default item_size_max (-I 1m).
	DefaultItemSizeMax = 1 << 20
	// DefaultMaxGetLine bounds a get/gets line (memcached grows its buffer
	// without bound for them).
	DefaultMaxGetLine = 1 << 20
	// lineLimit is how much input memcached accepts without a newline.
	lineLimit = 2048
	// maxTokens is memcached's MAX_TOKENS (the last one is the terminator).
	maxTokens = 24
	// itemOverhead is what memcached adds to an item's key and value to
	// size it: the item header (48), the key's NUL (1), the CAS (8) and the
	// value's CRLF (2).
	itemOverhead = 48 + 1 + 8 + 2

	initialBufSize  = 16 << 10
	maxRetainedBuf  = 64 << 10
	readChunk       = 16 << 10
	metaMaxTokens   = 20 // MFLAG_MAX_OPT_LENGTH
	metaMaxOpaque   = 32 // MFLAG_MAX_OPAQUE_LENGTH
	defaultKeysCap  = 8
	maxRetainedKeys = 1024
)

// ErrLineTooLong is returned when a command line exceeds the limits;
// memcached closes such connections without a reply.
var ErrLineTooLong = errors.New("memcache: command line too long")

// Limits bounds what a Reader accepts. Zero fields take the defaults.
type Limits struct {
	// ItemSizeMax is the largest item (key, value and memcached's per-item
	// overhead) a store command may carry; larger ones are refused with
	// "SERVER_ERROR object too large for cache" and their data swallowed.
	ItemSizeMax int
	// MaxGetLine bounds get/gets/gat/gats lines.
	MaxGetLine int
}

func (l Limits) itemSizeMax() int {
	if l.ItemSizeMax <= 0 {
		return DefaultItemSizeMax
	}
	return l.ItemSizeMax
}

func (l Limits) maxGetLine() int {
	if l.MaxGetLine <= 0 {
		return DefaultMaxGetLine
	}
	return l.MaxGetLine
}

// Reader reads memcached text and meta requests from a stream. The slices in
// the Request it fills point into its buffer and stay valid until the next
// call to Read or Next.
type Reader struct {
	rd      io.Reader
	buf     []byte
	r, w    int   // unread input is buf[r:w]
	need    int   // bytes the pending request needs from buf[r:], 0 if unknown
	swallow int64 // data bytes of a refused store still to discard
	Limits  Limits
	err     error
}

// NewReader returns a Reader on rd.
func NewReader(rd io.Reader, lim Limits) *Reader {
	return &Reader{rd: rd, buf: make([]byte, initialBufSize), Limits: lim}
}

// Buffered returns the number of input bytes not yet consumed.
func (r *Reader) Buffered() int { return r.w - r.r }

// Read fills req with the next request, reading from the stream as needed.
// An error ends the connection: io errors, or ErrLineTooLong, after which
// memcached closes the connection without a reply.
func (r *Reader) Read(req *Request) error {
	for {
		ok, err := r.Next(req)
		if err != nil || ok {
			return err
		}
		if err := r.fill(); err != nil {
			return err
		}
	}
}

// Next parses a request already complete in the buffer, without I/O. ok is
// false when more input is needed.
func (r *Reader) Next(req *Request) (ok bool, err error) {
	if r.err != nil {
		return false, r.err
	}
	if r.swallow > 0 {
		n := min(r.swallow, int64(r.w-r.r))
		r.r += int(n)
		r.swallow -= n
		if r.swallow > 0 {
			return false, nil
		}
	}
	if r.r == r.w || (r.need > 0 && r.need > r.w-r.r) {
		return false, nil
	}
	b := r.buf[r.r:r.w]
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 {
		if len(b) > lineLimit && !r.longLineAllowed(b) {
			r.err = ErrLineTooLong
			return false, r.err
		}
		return false, nil
	}
	line := b[:nl]
	if len(line) > 1 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	if i := bytes.IndexByte(line, 0); i >= 0 {
		line = line[:i] // memcached's tokenizer stops at a NUL
	}
	consumed := nl + 1
	parseLine(req, line, r.Limits)
	if req.dataLen < 0 {
		r.need = 0
		r.r += consumed
		return true, nil
	}
	if req.TooLarge || req.Cmd == CmdError {
		// Refused before reading the data: discard it unseen.
		r.need = 0
		r.r += consumed
		r.swallow = int64(req.dataLen)
		return true, nil
	}
	total := consumed + req.dataLen
	if total > len(b) {
		r.need = total
		return false, nil
	}
	r.need = 0
	r.r += total
	data := b[consumed:total]
	if data[len(data)-2] != '\r' || data[len(data)-1] != '\n' {
		req.badChunk()
		return true, nil
	}
	req.Value = data[:len(data)-2]
	return true, nil
}

// longLineAllowed reports whether an unterminated line may keep growing:
// memcached allows it for get and gets (after at most 100 spaces).
func (r *Reader) longLineAllowed(b []byte) bool {
	if len(b) > r.Limits.maxGetLine() {
		return false
	}
	i := 0
	for i < len(b) && b[i] == ' ' {
		i++
	}
	if i > 100 {
		return false
	}
	return bytes.HasPrefix(b[i:], []byte("get ")) || bytes.HasPrefix(b[i:], []byte("gets "))
}

// FillFrom reads once with read into the buffer, compacting or growing it
// as needed, for a caller that owns the connection itself (an event loop
// with a non-blocking socket). It returns what read returned; Next then
// parses what arrived.
func (r *Reader) FillFrom(read func(p []byte) (int, error)) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	r.makeRoom()
	n, err := read(r.buf[r.w:])
	if n > 0 {
		r.w += n
	}
	return max(n, 0), err
}

// fill reads more input, compacting or growing the buffer as needed.
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

// makeRoom makes room at the end of the buffer for the next read.
func (r *Reader) makeRoom() {
	if r.r == r.w {
		r.r, r.w = 0, 0
		if len(r.buf) > maxRetainedBuf {
			r.buf = make([]byte, initialBufSize)
		}
	}
	want := max(r.need, r.w-r.r+readChunk)
	if r.swallow > 0 {
		want = readChunk
	}
	if r.r+want > len(r.buf) {
		if want > len(r.buf) {
			nb := make([]byte, max(want, 2*len(r.buf)))
			r.w = copy(nb, r.buf[r.r:r.w])
			r.buf = nb
		} else {
			r.w = copy(r.buf, r.buf[r.r:r.w])
		}
		r.r = 0
	}
	if r.w == len(r.buf) {
		// The buffer is full of one line still without a newline.
		nb := make([]byte, 2*len(r.buf))
		copy(nb, r.buf[:r.w])
		r.buf = nb
	}
}
