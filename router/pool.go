package router

import (
	"errors"
	"log/slog"
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

	err error // the failure, when it was an error (a refused AUTH, say)
}

// Unavailable returns the failure of the backend at addr caused by err.
func Unavailable(addr string, err error) *UnavailableError {
	return &UnavailableError{Addr: addr, Reason: reason(err), err: err}
}

func (e *UnavailableError) Error() string {
	return "backend unavailable: " + e.Addr + " (" + e.Reason + ")"
}

// Unwrap makes errors.Is(err, ErrUnavailable) true, and errors.Is(err,
// ErrBackendAuth) when the node refused AUTH.
func (e *UnavailableError) Unwrap() []error {
	if e.err == nil {
		return []error{ErrUnavailable}
	}
	return []error{ErrUnavailable, e.err}
}

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
	// Hello, when set, is an encoded command sent on each new connection
	// after AUTH and before any request (HELLO 3 for RESP3 connections); an
	// error reply fails the connection.
	Hello []byte
}

// WithDefaults returns c with every unset field at its default: 2
// connections, 1 s to dial, 5 s to read or write, backoff 50 ms to 2 s.
func (c PoolConfig) WithDefaults() PoolConfig {
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
	addr   string
	cfg    PoolConfig
	conns  []*conn
	closed atomic.Bool

	upMu sync.Mutex
	upCh chan struct{} // see BackUp; nil until asked for
}

// NewPool starts the connections to addr; they connect in the background and
// reconnect until Close.
func NewPool(addr string, cfg PoolConfig) *Pool {
	cfg = cfg.WithDefaults()
	p := &Pool{addr: addr, cfg: cfg}
	for range cfg.Conns {
		p.conns = append(p.conns, newConn(addr, cfg))
	}
	for _, c := range p.conns {
		c.onUp, c.backUp = p.MarkUp, p.BackUp
		go c.run()
		go c.writeLoop()
	}
	return p
}

// BackUp returns a channel closed the next time a connection to the
// backend gets through its handshake: one of the pool's, or one that code
// using the pool's configuration opened (an event loop's) and reported with
// MarkUp. Connections waiting out their reconnection backoff wait on it
// too: once the node answers one of them, the others need not wait.
func (p *Pool) BackUp() <-chan struct{} {
	p.upMu.Lock()
	defer p.upMu.Unlock()
	if p.upCh == nil {
		p.upCh = make(chan struct{})
	}
	return p.upCh
}

// MarkUp reports that a connection to the backend got through its
// handshake, ending the backoff of everything waiting on BackUp.
func (p *Pool) MarkUp() {
	p.upMu.Lock()
	if p.upCh != nil {
		close(p.upCh)
		p.upCh = nil
	}
	p.upMu.Unlock()
}

// Addr returns the backend's address.
func (p *Pool) Addr() string { return p.addr }

// Config returns the pool's configuration, defaults filled in: code that
// opens its own connections to the backend (an event loop's) uses the same
// credentials, handshake and timeouts.
func (p *Pool) Config() PoolConfig { return p.cfg }

// Closed reports whether Close was called.
func (p *Pool) Closed() bool { return p.closed.Load() }

// Send queues r on the connection that client id is pinned to and wakes
// its writer, which sends r with whatever else is queued there. When the
// backend is down, r completes at once with an *UnavailableError.
func (p *Pool) Send(id uint64, r *Request) {
	c := p.conns[id%uint64(len(p.conns))]
	c.queue(r)
	c.kick()
}

// Queue queues r like Send but does not write it: a client dispatching a
// pipeline queues each command, then calls Flush once per pool, so that the
// whole pipeline leaves in one write.
func (p *Pool) Queue(id uint64, r *Request) {
	p.conns[id%uint64(len(p.conns))].queue(r)
}

// Flush wakes the writer of client id's connection, which sends everything
// queued there in one write.
func (p *Pool) Flush(id uint64) {
	p.conns[id%uint64(len(p.conns))].kick()
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
	p.closed.Store(true)
	for _, c := range p.conns {
		c.close()
	}
	for _, c := range p.conns {
		<-c.done
	}
}
