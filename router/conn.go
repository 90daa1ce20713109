package router

import (
	"errors"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// conn is one pipelined connection. Requests sent during the first
// connection attempt wait for it; later, while the connection is down
// (including during reconnection attempts), they fail at once. Senders
// append to pending under mu and kick the writer goroutine, which first
// yields so that every client ready to run queues its commands too, then
// moves everything pending to the in-flight queue and writes it with one
// system call. The run goroutine reads replies and matches them to the
// in-flight queue in FIFO order. A failure fails everything pending and in
// flight, and run reconnects with backoff.
type conn struct {
	addr   string
	cfg    PoolConfig
	hs     Handshake
	up     atomic.Bool
	broken atomic.Bool // failed and not connected again
	// owned by the run goroutine: logged as unavailable and not yet as
	// connected again; the wait before the next connection attempt
	failing bool
	backoff time.Duration

	mu      sync.Mutex
	pending []*Request
	spare   []*Request // the previous batch, reused
	down    error      // non-nil while not connected: senders fail at once
	closed  bool
	nc      net.Conn
	ngen    uint64 // gen of nc
	wbuf    []byte // owned by the writer

	qmu      sync.Mutex
	inflight []*Request // written, waiting for a reply, oldest first
	head     int
	// gen is raised on each connect and each failure: a batch written on
	// an nc of an older gen must not enter inflight, nobody reads its replies
	gen uint64

	wake   chan struct{}          // cap 1: work for writeLoop
	onUp   func()                 // called on each connect whose handshake went through
	backUp func() <-chan struct{} // closed when a sibling connection got through
	quit   chan struct{}
	done   chan struct{}
}

func newConn(addr string, cfg PoolConfig) *conn {
	return &conn{
		addr: addr,
		cfg:  cfg,
		hs:   NewHandshake(cfg),
		wake: make(chan struct{}, 1),
		quit: make(chan struct{}),
		done: make(chan struct{}),
	}
}

// kick wakes the writer goroutine.
func (c *conn) kick() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// writeLoop writes what is queued each time it is kicked, until quit.
func (c *conn) writeLoop() {
	for {
		select {
		case <-c.wake:
		case <-c.quit:
			return
		}
		// Let the clients that are ready to run queue their commands too,
		// so that one write carries them all.
		runtime.Gosched()
		c.flush()
	}
}

// queue appends r to pending; the writer sends it once kicked (or once the
// first connection is up). While the connection is down r fails at once.
func (c *conn) queue(r *Request) {
	c.mu.Lock()
	if c.down != nil {
		err := c.down
		c.mu.Unlock()
		complete(r, nil, err)
		return
	}
	c.pending = append(c.pending, r)
	c.mu.Unlock()
}

// flush writes batches of pending requests until none is left; only the
// writer goroutine calls it.
func (c *conn) flush() {
	for {
		c.mu.Lock()
		nc, gen := c.nc, c.ngen
		if len(c.pending) == 0 || nc == nil {
			c.mu.Unlock()
			return
		}
		batch := c.pending
		c.pending = c.spare[:0]
		c.mu.Unlock()
		buf := c.wbuf[:0]
		now := nanotime()
		for _, r := range batch {
			buf = append(buf, r.Cmd...)
			r.sent = now
			r.skip = r.Skip
		}
		c.qmu.Lock()
		if c.gen != gen { // failed since nc was taken: nobody will read replies
			c.qmu.Unlock()
			var err error = &UnavailableError{Addr: c.addr, Reason: "connection lost"}
			c.mu.Lock()
			if c.down != nil {
				err = c.down
			}
			c.mu.Unlock()
			for _, r := range batch {
				complete(r, nil, err)
			}
			clear(batch)
			// pending now has the spare array: batch's becomes the spare
			c.mu.Lock()
			c.spare = batch[:0]
			c.mu.Unlock()
			continue
		}
		if c.head > 0 && c.head == len(c.inflight) {
			c.inflight, c.head = c.inflight[:0], 0
		}
		c.inflight = append(c.inflight, batch...)
		c.qmu.Unlock()
		clear(batch)
		nc.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout))
		_, err := nc.Write(buf)
		if cap(buf) > 1<<20 {
			buf = nil
		}
		c.mu.Lock()
		c.wbuf = buf
		c.spare = batch[:0]
		if err != nil {
			// the reader sees the closed connection and fails what is
			// in flight
			nc.Close()
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
	}
}

func complete(r *Request, reply []byte, err error) {
	if err != nil {
		r.Reply = r.Reply[:0]
		r.Err = err
	} else {
		r.Reply = append(r.Reply[:0], reply...)
		r.Err = nil
	}
	if r.WG != nil {
		r.WG.Done()
	}
}

func (c *conn) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.quit)
		if c.nc != nil {
			c.nc.Close()
		}
	}
	c.mu.Unlock()
}

// run dials, serves the connection until it fails, fails what was queued,
// waits the backoff and dials again, until close.
func (c *conn) run() {
	defer close(c.done)
	c.backoff = c.cfg.MinBackoff
	for {
		nc, err := net.DialTimeout("tcp", c.addr, c.cfg.DialTimeout)
		if err == nil {
			if tc, ok := nc.(*net.TCPConn); ok {
				tc.SetNoDelay(true)
				tc.SetKeepAlive(true)
			}
			if len(c.hs.Cmd) > 0 {
				// ahead of any request, before the writer can see nc; its
				// replies are checked by readLoop
				nc.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout))
				if _, err = nc.Write(c.hs.Cmd); err != nil {
					nc.Close()
				}
			}
		}
		if err == nil {
			c.qmu.Lock()
			c.gen++
			gen := c.gen
			c.qmu.Unlock()
			c.mu.Lock()
			if c.closed {
				c.mu.Unlock()
				nc.Close()
				return
			}
			c.nc, c.ngen, c.down = nc, gen, nil
			c.mu.Unlock()
			c.up.Store(true)
			c.broken.Store(false)
			c.kick() // requests queued during the first dial
			if c.hs.Replies == 0 {
				c.connected()
			}
			err = c.readLoop(nc)
			c.up.Store(false)
		}
		c.fail(err)
		if !c.wait(err) {
			return
		}
	}
}

// connected resets the backoff, logs the end of a failure and ends the
// backoff of the pool's other connections, once the handshake (if any)
// went through: a refused AUTH keeps backing off and wakes nobody.
func (c *conn) connected() {
	c.backoff = c.cfg.MinBackoff
	if c.failing {
		c.cfg.Logger.Info("backend connected", "addr", c.addr)
		c.failing = false
	}
	if c.onUp != nil {
		c.onUp()
	}
}

// wait logs a new failure and waits the backoff, which it doubles, or
// until a sibling connection reached the node; false once the connection
// is closed.
func (c *conn) wait(err error) bool {
	if !c.failing && !c.isClosed() {
		c.cfg.Logger.Warn("backend unavailable", "addr", c.addr, "reason", reason(err))
		c.failing = true
	}
	var back <-chan struct{} // nil (never ready) for a connection outside a pool
	if c.backUp != nil {
		back = c.backUp()
	}
	t := time.NewTimer(c.backoff)
	defer t.Stop()
	select {
	case <-c.quit:
		return false
	case <-t.C:
	case <-back: // a sibling connection reached the node: it is back
	}
	c.backoff = min(2*c.backoff, c.cfg.MaxBackoff)
	return true
}

// fail marks the connection down with err and fails every request pending
// or in flight.
func (c *conn) fail(err error) {
	ue := Unavailable(c.addr, err)
	c.broken.Store(true)
	c.mu.Lock()
	if c.closed {
		ue.Reason, ue.err = "proxy closing", nil
	}
	c.down = ue
	if c.nc != nil {
		c.nc.Close()
		c.nc = nil
	}
	pending := c.pending
	c.pending = nil
	c.mu.Unlock()
	c.qmu.Lock()
	inflight := c.inflight[c.head:]
	c.inflight, c.head = nil, 0
	c.gen++
	c.qmu.Unlock()
	for _, r := range inflight {
		complete(r, nil, ue)
	}
	for _, r := range pending {
		complete(r, nil, ue)
	}
}

func (c *conn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// reason turns a network error into a short text for the client.
func reason(err error) string {
	var ne net.Error
	var oe *net.OpError
	switch {
	case err == nil:
		return "closed"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.As(err, &oe) && oe.Err != nil:
		if oe.Op == "dial" {
			return "connect: " + unwrapAll(oe.Err).Error()
		}
		return unwrapAll(oe.Err).Error()
	}
	return err.Error()
}

func unwrapAll(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

// readLoop reads replies and completes the in-flight requests in order.
func (c *conn) readLoop(nc net.Conn) error {
	in := ReplyBuffer{MaxBulkLen: c.cfg.MaxBulkLen}
	hs := 0 // handshake replies read
	for {
		for {
			reply, err := in.Next()
			if err != nil {
				return err
			}
			if reply == nil {
				break
			}
			if hs < c.hs.Replies {
				if err := c.hs.Check(hs, reply); err != nil {
					return err
				}
				if hs++; hs == c.hs.Replies {
					c.connected()
				}
				continue
			}
			req, last := c.take()
			if req == nil {
				return errors.New("unexpected reply")
			}
			if last {
				complete(req, reply, nil)
			}
		}
		nc.SetReadDeadline(time.Now().Add(c.cfg.ReadTimeout))
		n, err := nc.Read(in.Room())
		in.Filled(n)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && !c.overdue() {
				continue
			}
			return err
		}
	}
}

// take returns the oldest request in flight, the one a reply just read
// belongs to. last is false while the request still has replies to drop;
// it then stays in flight.
func (c *conn) take() (r *Request, last bool) {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if c.head == len(c.inflight) {
		return nil, false
	}
	r = c.inflight[c.head]
	if r.skip > 0 {
		r.skip--
		return r, false
	}
	c.inflight[c.head] = nil
	c.head++
	return r, true
}

// overdue reports whether the oldest request in flight has waited longer
// than the read timeout.
func (c *conn) overdue() bool {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if c.head == len(c.inflight) {
		return false
	}
	return nanotime()-c.inflight[c.head].sent >= int64(c.cfg.ReadTimeout)
}

var epoch = time.Now()

// nanotime is a monotonic clock in ns.
func nanotime() int64 { return int64(time.Since(epoch)) }
