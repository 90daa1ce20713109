package router

import (
	"fmt"

	"github.com/slotcache/slotcache/protocol/resp"
)

const (
	replyBufSize = 16 << 10
	// maxRetainedReplyBuf is the read buffer kept once drained.
	maxRetainedReplyBuf = 1 << 20
)

// ReplyBuffer cuts a backend connection's stream into whole replies: the
// reader reads into Room, reports it with Filled, then takes the replies
// with Next. A large incomplete reply is scanned again only once the
// buffer has doubled past where the last scan stopped, or a read came back
// short (the socket was drained), not after every read.
type ReplyBuffer struct {
	// MaxBulkLen bounds a bulk string in a reply.
	MaxBulkLen int64

	buf      []byte
	r, w     int // unread replies are buf[r:w]
	scanFrom int
	short    bool
}

// Room returns the free end of the buffer, compacted or grown when full.
// The replies Next returned before are invalid afterwards.
func (b *ReplyBuffer) Room() []byte {
	if b.r == b.w {
		b.r, b.w = 0, 0
		if len(b.buf) > maxRetainedReplyBuf {
			b.buf = nil
		}
	}
	switch {
	case b.buf == nil:
		b.buf = make([]byte, replyBufSize)
	case b.w < len(b.buf):
	case b.r > 0:
		copy(b.buf, b.buf[b.r:b.w])
		b.w -= b.r
		b.scanFrom -= b.r
		b.r = 0
	default:
		nb := make([]byte, 2*len(b.buf))
		copy(nb, b.buf[:b.w])
		b.buf = nb
	}
	return b.buf[b.w:]
}

// Filled records n bytes read into the slice Room returned.
func (b *ReplyBuffer) Filled(n int) {
	b.short = b.w+n < len(b.buf)
	b.w += n
}

// Next returns the next complete reply, nil when none is complete yet. The
// reply stays valid until the next Room.
func (b *ReplyBuffer) Next() ([]byte, error) {
	if b.w == b.r || (b.w < b.scanFrom && !b.short) {
		return nil, nil
	}
	n, err := resp.ScanReply(b.buf[b.r:b.w], b.MaxBulkLen)
	if err != nil {
		return nil, fmt.Errorf("bad reply: %w", err)
	}
	if n == 0 {
		if pending := b.w - b.r; pending > 64<<10 {
			b.scanFrom = b.r + 2*pending
		}
		b.short = false // scanned: wait for more input
		return nil, nil
	}
	b.scanFrom = 0
	reply := b.buf[b.r : b.r+n]
	b.r += n
	return reply, nil
}

// Reset drops what is buffered.
func (b *ReplyBuffer) Reset() {
	b.r, b.w, b.scanFrom, b.short = 0, 0, 0, false
}
