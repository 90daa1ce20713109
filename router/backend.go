package router

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slotcache/slotcache/protocol/resp"
)

// Request is one command sent to a backend. The caller owns it: it fills Cmd
// with an encoded command, sets Done (or uses a shared WaitGroup), sends it
// with Pool.Send and, once Done, reads Reply or Err. Requests are reused, so
// Reply keeps its capacity from one command to the next.
type Request struct {
	// Cmd is the encoded command (a RESP multibulk frame).
	Cmd []byte
	// Reply is the backend's raw reply, one complete RESP value.
	Reply []byte
	// Err is set instead of Reply when the backend could not answer.
	Err error
	// WG, when not nil, is marked Done once the request completes.
	WG *sync.WaitGroup
	// Skip is how many replies to drop before the one kept: Cmd may hold
	// several commands that must reach the node back to back (ASKING then
	// the command), and only the last reply matters.
	Skip int

	sent int64 // monotonic ns the request was written at
	skip int   // replies still to drop
}

// ErrUnavailable is wrapped by every error that reports a backend that cannot
// take requests (refused, closed, timed out, down).
var ErrUnavailable = errors.New("router: backend unavailable")

// UnavailableError is the failure of one backend; its text is the reply the
// proxy sends to clients, after "ERR ".
type UnavailableError struct {
	Addr   string
	Reason string
}

func (e *UnavailableError) Error() string {
	return "backend unavailable: " + e.Addr + " (" + e.Reason + ")"
}

// Unwrap makes errors.Is(err, ErrUnavailable) true.
func (e *UnavailableError) Unwrap() error { return ErrUnavailable }

// PoolConfig sets the behaviour of the connections to one backend.
type PoolConfig struct {
	// Conns is the number of connections per backend (default 2). Each is
	// pipelined and multiplexed; a client is pinned to one of them so that
	// its commands reach the backend in the order it sent them.
	Conns int
	// DialTimeout bounds a connection attempt (default 1 s).
	DialTimeout time.Duration
	// ReadTimeout is how long the oldest pending request may wait for its
	// reply before the connection is declared dead (default 5 s).
	ReadTimeout time.Duration
	// WriteTimeout bounds one write to the backend (default 5 s).
	WriteTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait between two reconnection
	// attempts (defaults 50 ms and 2 s); it doubles after each failure.
	MinBackoff, MaxBackoff time.Duration
	// MaxBulkLen bounds a bulk string in a reply (default 512 MB).
	MaxBulkLen int64
	// Logger records a backend going down and coming back, once per
	// transition (default: discarded).
	Logger *slog.Logger
	// Username and Password authenticate every connection (AUTH, sent
	// ahead of the first request without waiting for its reply); no AUTH
	// when Password is empty. A refused AUTH fails the connection, and the
	// requests on it, with an error wrapping ErrBackendAuth.
	Username, Password string
	// ReadOnly sends READONLY on every connection, so that a replica in
	// cluster mode serves reads instead of redirecting them to its master.
	ReadOnly bool
}

func (c PoolConfig) withDefaults() PoolConfig {
	if c.Conns <= 0 {
		c.Conns = 2
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = time.Second
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = 5 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 5 * time.Second
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 50 * time.Millisecond
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = max(2*time.Second, c.MinBackoff)
	}
	if c.MaxBulkLen <= 0 {
		c.MaxBulkLen = resp.DefaultMaxBulkLen
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Pool is the set of connections to one backend address.
type Pool struct {
	addr  string
	conns []*conn
}

// NewPool starts the connections to addr; they connect in the background and
// reconnect until Close.
func NewPool(addr string, cfg PoolConfig) *Pool {
	cfg = cfg.withDefaults()
	p := &Pool{addr: addr}
	for range cfg.Conns {
		c := newConn(addr, cfg)
		p.conns = append(p.conns, c)
		go c.run()
		go c.writeLoop()
	}
	return p
}

// Addr returns the backend's address.
func (p *Pool) Addr() string { return p.addr }

// Send queues r on the connection that client id is pinned to and writes
// it, with whatever else is queued there, unless a write is already in
// progress (that writer then takes it). When the backend is down, r
// completes at once with an *UnavailableError.
func (p *Pool) Send(id uint64, r *Request) {
	c := p.conns[id%uint64(len(p.conns))]
	c.queue(r, false)
	c.kick()
}

// Queue queues r like Send but does not write it: a client dispatching a
// pipeline queues each command, then calls Flush once per pool, so that the
// whole pipeline leaves in one write.
func (p *Pool) Queue(id uint64, r *Request) {
	p.conns[id%uint64(len(p.conns))].queue(r, false)
}

// Flush writes what is queued on client id's connection, unless a write is
// in progress there.
func (p *Pool) Flush(id uint64) {
	p.conns[id%uint64(len(p.conns))].kick()
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
		c.mu.Lock()
		if c.writing || c.nc == nil || len(c.pending) == 0 {
			c.mu.Unlock()
			continue
		}
		c.writing = true
		c.mu.Unlock()
		c.flush()
	}
}

// Up reports whether at least one connection is established.
func (p *Pool) Up() bool {
	for _, c := range p.conns {
		if c.up.Load() {
			return true
		}
	}
	return false
}

// Ready reports whether the connection client id is pinned to takes
// requests: connected, or still in its first connection attempt. It is
// false from a failure until the next successful connect.
func (p *Pool) Ready(id uint64) bool {
	return !p.conns[id%uint64(len(p.conns))].broken.Load()
}

// Close closes the connections; pending requests fail.
func (p *Pool) Close() {
	for _, c := range p.conns {
		c.close()
	}
	for _, c := range p.conns {
		<-c.done
	}
}

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
	writing bool       // a flush is in progress: it will take pending too
	down    error      // non-nil while not connected: senders fail at once
	closed  bool
	nc      net.Conn
	ngen    uint64 // gen of nc
	wbuf    []byte // owned by the writer

	qmu      sync.Mutex
	inflight []*Request // written, waiting for a reply, oldest first
	head     int
	qdead    bool   // the connection failed: nothing more may enter inflight
	gen      uint64 // connection number, raised on each connect

	wake chan struct{} // cap 1: work for writeLoop
	quit chan struct{}
	done chan struct{}
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

// queue appends r to pending. With claim, it reports whether the caller
// became the writer and must call flush.
func (c *conn) queue(r *Request, claim bool) bool {
	c.mu.Lock()
	if c.down != nil {
		err := c.down
		c.mu.Unlock()
		complete(r, nil, err)
		return false
	}
	c.pending = append(c.pending, r)
	if !claim || c.writing || c.nc == nil { // the writer, or run once connected, sends it
		c.mu.Unlock()
		return false
	}
	c.writing = true
	c.mu.Unlock()
	return true
}

// flush writes batches of pending requests until none is left. The caller
// has set writing; flush clears it.
func (c *conn) flush() {
	for {
		c.mu.Lock()
		nc, gen := c.nc, c.ngen
		if len(c.pending) == 0 || nc == nil {
			c.writing = false
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
		if c.qdead || c.gen != gen { // failed since nc was taken: nobody will read replies
			c.qmu.Unlock()
			c.mu.Lock()
			err := c.down
			c.mu.Unlock()
			for _, r := range batch {
				complete(r, nil, err)
			}
			clear(batch)
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
			c.writing = false
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
				// ahead of any request; its replies are checked by readLoop
				nc.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout))
				if _, err = nc.Write(c.hs.Cmd); err != nil {
					nc.Close()
					c.fail(err)
					if !c.wait(err) {
						return
					}
					continue
				}
			}
			c.qmu.Lock()
			c.qdead = false
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

// connected resets the backoff and logs the end of a failure, once the
// handshake (if any) went through: a refused AUTH keeps backing off.
func (c *conn) connected() {
	c.backoff = c.cfg.MinBackoff
	if c.failing {
		c.cfg.Logger.Info("backend connected", "addr", c.addr)
		c.failing = false
	}
}

// wait logs a new failure and waits the backoff, which it doubles; false
// once the connection is closed.
func (c *conn) wait(err error) bool {
	if !c.failing && !c.isClosed() {
		c.cfg.Logger.Warn("backend unavailable", "addr", c.addr, "reason", reason(err))
		c.failing = true
	}
	select {
	case <-c.quit:
		return false
	case <-time.After(c.backoff):
	}
	c.backoff = min(2*c.backoff, c.cfg.MaxBackoff)
	return true
}

// fail marks the connection down with err and fails every request pending
// or in flight.
func (c *conn) fail(err error) {
	ue := &UnavailableError{Addr: c.addr, Reason: reason(err)}
	c.broken.Store(true)
	c.mu.Lock()
	if c.closed {
		ue.Reason = "proxy closing"
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
	c.inflight, c.head, c.qdead = nil, 0, true
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
	buf := make([]byte, 16<<10)
	r, w := 0, 0
	// A large incomplete reply is rescanned only once the buffer has doubled
	// past scanFrom or a read drained the socket, not after every read.
	scanFrom, short := 0, true
	hs := 0 // handshake replies read
	for {
		for w > r && (w >= scanFrom || short) {
			n, err := resp.ScanReply(buf[r:w], c.cfg.MaxBulkLen)
			if err != nil {
				return fmt.Errorf("bad reply: %w", err)
			}
			if n == 0 {
				if pending := w - r; pending > 64<<10 {
					scanFrom = r + 2*pending
				}
				break
			}
			scanFrom = 0
			if hs < c.hs.Replies {
				if err := c.hs.Check(hs, buf[r:r+n]); err != nil {
					return err
				}
				hs++
				r += n
				if hs == c.hs.Replies {
					c.connected()
				}
				continue
			}
			req, last := c.take()
			if req == nil {
				return errors.New("unexpected reply")
			}
			if last {
				complete(req, buf[r:r+n], nil)
			}
			r += n
		}
		if r == w {
			r, w = 0, 0
			if len(buf) > 1<<20 {
				buf = make([]byte, 16<<10)
			}
		}
		if w == len(buf) {
			if r > 0 {
				copy(buf, buf[r:w])
				w -= r
				scanFrom -= r
				r = 0
			} else {
				nb := make([]byte, 2*len(buf))
				copy(nb, buf[:w])
				buf = nb
			}
		}
		nc.SetReadDeadline(time.Now().Add(c.cfg.ReadTimeout))
		n, err := nc.Read(buf[w:])
		short = w+n < len(buf)
		w += n
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
