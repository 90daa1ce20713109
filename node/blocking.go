package node

import (
	"errors"
	"math"
	"net"
	"time"
)

const (
	msgTimeoutNotFloat = "ERR timeout is not a float or out of range"
	msgTimeoutNegative = "ERR timeout is negative"
)

// blockState describes a client parked by a blocking command (BLPOP & co.).
type blockState struct {
	db       *db
	keys     []string
	deadline time.Time // zero: wait forever
	// retry runs, with the server lock held, when one of the keys may have
	// become ready. It writes the client's reply and returns true when it
	// served the client; false leaves the client blocked.
	retry func(c *client) bool
	woken chan struct{}
	// readyKey is the key whose write led to this retry ("" outside
	// serveBlocked), for commands that serve from that key only.
	readyKey string
}

// readyKey is a key that received data while clients were blocked on it.
type readyKey struct {
	db  *db
	key string
}

// parseTimeout parses a blocking command's timeout as Redis 7.0 does:
// seconds as a float, truncated toward zero to whole milliseconds (so
// 0.0001 means 0, wait forever). Milliseconds beyond a 64-bit integer
// (inf included) become negative in Redis's conversion, so they are
// refused as negative; a timeout too far away for a time.Duration waits
// forever, as it does in Redis. It returns the error text on failure.
func parseTimeout(b []byte) (time.Duration, string) {
	f, ok := parseFloat(b)
	if !ok || math.IsNaN(f) {
		return 0, msgTimeoutNotFloat
	}
	ms := math.Trunc(f * 1000)
	if ms < 0 || ms >= 1<<63 {
		return 0, msgTimeoutNegative
	}
	if ms > float64(math.MaxInt64/int64(time.Millisecond)) {
		return 0, ""
	}
	return time.Duration(ms) * time.Millisecond, ""
}

// block parks the client on keys; a timeout is answered with a null array,
// as Redis answers every blocking list and sorted-set command. Inside
// MULTI/EXEC a blocking command must not block: callers check c.inExec and
// reply at once instead.
func (c *client) block(keys [][]byte, timeout time.Duration, retry func(c *client) bool) {
	b := &blockState{db: c.db, retry: retry, woken: make(chan struct{}, 1)}
	if timeout > 0 {
		b.deadline = time.Now().Add(timeout)
	}
	if c.db.blocking == nil {
		c.db.blocking = map[string][]*client{}
	}
	for _, k := range keys {
		key := string(k)
		dup := false
		for _, x := range b.keys {
			dup = dup || x == key
		}
		if dup {
			continue
		}
		b.keys = append(b.keys, key)
		c.db.blocking[key] = append(c.db.blocking[key], c)
	}
	c.blk = b
	c.srv.blockedClients++
}

// serveOrBlock runs a blocking pop: serve pops from the first non-empty key
// of keys and reports whether it replied (with check set it replies
// WRONGTYPE for a key of another type; a blocked client's retry skips such
// keys). When nothing can be popped the client blocks on keys, or inside
// MULTI/EXEC gets a null array at once, as it does on timeout.
func (c *client) serveOrBlock(keys [][]byte, timeout time.Duration, serve func(c *client, keys [][]byte, check bool) bool) {
	if serve(c, keys, true) {
		return
	}
	if c.inExec {
		c.w.NullArray()
		return
	}
	keys = copyArgs(keys)
	c.block(keys, timeout, func(c *client) bool { return serve(c, keys, false) })
}

// unblock removes the client from the wait queues of its keys.
func (c *client) unblock() {
	b := c.blk
	if b == nil {
		return
	}
	for _, key := range b.keys {
		q := b.db.blocking[key]
		for i, x := range q {
			if x == c {
				q = append(q[:i:i], q[i+1:]...)
				break
			}
		}
		if len(q) == 0 {
			delete(b.db.blocking, key)
		} else {
			b.db.blocking[key] = q
		}
	}
	c.blk = nil
	c.srv.blockedClients--
}

// serveBlocked serves the clients blocked on ready keys, first come first
// served, for as long as their retry finds data. It runs with the lock held
// after each top-level command, so a push inside MULTI/EXEC wakes clients
// once the transaction is done.
func (s *Server) serveBlocked() {
	// s.ready may grow while it is served (a BLMOVE pushing onto a key
	// others wait on), so walk it by index.
	for i := 0; i < len(s.ready); i++ {
		rk := s.ready[i]
		for {
			q := rk.db.blocking[rk.key]
			if len(q) == 0 {
				break
			}
			bc := q[0]
			bc.now = time.Now().UnixMilli()
			dirty := s.dirty
			bc.blk.readyKey = rk.key
			if !bc.blk.retry(bc) {
				break
			}
			b := bc.blk
			bc.unblock()
			if s.dirty != dirty {
				rk.db.signalModified([]byte(rk.key)) // WATCHes of the popped key
			}
			b.woken <- struct{}{}
		}
	}
	s.ready = s.ready[:0]
}

// waitBlocked waits, without the lock, until the client is served, times
// out or disconnects. Meanwhile a reader goroutine watches the socket so a
// disconnect is noticed (and nothing is popped for a gone client); bytes it
// reads (pipelined commands) are kept for later. It reports whether the
// connection is still usable.
func (c *client) waitBlocked() bool {
	s := c.srv
	s.mu.Lock()
	b := c.blk
	s.mu.Unlock()
	if b == nil {
		return true
	}
	gone := make(chan struct{})
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		buf := make([]byte, 4096)
		for {
			n, err := c.conn.Read(buf)
			c.stash = append(c.stash, buf[:n]...)
			if err != nil {
				var ne net.Error
				if !errors.As(err, &ne) || !ne.Timeout() {
					close(gone)
				}
				return
			}
		}
	}()
	var timer <-chan time.Time
	if !b.deadline.IsZero() {
		t := time.NewTimer(time.Until(b.deadline))
		defer t.Stop()
		timer = t.C
	}
	alive := true
	select {
	case <-b.woken:
	case <-timer:
		s.mu.Lock()
		if c.blk == b {
			c.unblock()
			c.w.NullArray()
		}
		s.mu.Unlock()
	case <-gone:
		alive = false
	case <-s.closing:
		alive = false
	}
	if !alive {
		s.mu.Lock()
		if c.blk == b {
			c.unblock()
		}
		s.mu.Unlock()
	}
	c.conn.SetReadDeadline(time.Now()) // stop the watching reader
	<-readerDone
	c.conn.SetReadDeadline(time.Time{})
	select {
	case <-gone:
		alive = false
	default:
	}
	return alive
}
