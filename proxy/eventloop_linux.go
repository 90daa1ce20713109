//go:build linux

package proxy

import (
	"errors"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/slotcache/slotcache/internal/rawnet"
	"github.com/slotcache/slotcache/router"
)

// eventLoop serves RESP and memcached clients from one epoll set, as
// twemproxy does: each round it reads every ready client, dispatches their
// complete commands to the loop's own backend connections, writes
// every backend connection touched once, reads the replies as they arrive
// and writes each client's replies once its whole batch is answered. One
// goroutine does it all: it parks only when no socket is ready.
//
// The loop owns the sockets of its clients (rawnet.Conn) and of its
// backend connections; only the loop's goroutine reads, writes or closes
// them.
// Dialing happens on goroutines, which pass the connected socket to the
// loop. A client whose batch left connection state (MULTI, WATCH, a
// subscription, a command held for a dedicated connection) or that sent
// bad input is handed to a goroutine of its own for good, once the batch's
// replies are written.
type eventLoop struct {
	p      *Proxy
	poll   *rawnet.Poller
	events []syscall.EpollEvent

	mu      sync.Mutex // guards adds, dialed and stopped
	adds    []loopSession
	dialed  []dialResult
	stopped bool

	// owned by the loop thread
	clients  map[int]*loopClient
	backends map[int]*loopBackend // connected, by descriptor
	byPool   map[*router.Pool]*loopBackend
	ready    []*loopClient  // clients to run
	dirty    []*loopBackend // backends with output to write
	lastTick time.Time
}

// loopClient is the loop's state of one client.
type loopClient struct {
	l      *eventLoop
	sess   loopSession
	b      *batch
	fd     int
	queued bool // in l.ready
	// input: the socket may hold unread bytes (edge-triggered: it stays
	// set until a read comes back short)
	input bool
	// hup: the client shut its side down; reads go on until EOF
	hup     bool
	pending int  // requests of the batch not answered yet
	waiting bool // a batch is dispatched
	resent  bool // its redirections were sent again
	start   int64
	off     int  // bytes of the session's output written
	writing bool // output left, waiting for EPOLLOUT
	closed  bool
	lastIO  time.Time
	// readFn is lc.readSocket as a value, made once: a closure made per
	// read would cost an allocation each time.
	readFn func([]byte) (int, error)
	want   int // the room readSocket was last given
}

// readSocket reads the client's socket into p without blocking.
func (lc *loopClient) readSocket(p []byte) (int, error) {
	lc.want = len(p)
	return rawnet.Read(lc.fd, p)
}

// loopReq is a request in a backend connection's queue.
type loopReq struct {
	r    *router.Request
	lc   *loopClient
	skip int   // replies still to drop
	sent int64 // nanotime it was queued
}

// loopBackend is the loop's connection to one pool's backend.
type loopBackend struct {
	l    *eventLoop
	pl   *router.Pool
	cfg  router.PoolConfig
	hs   router.Handshake
	conn *rawnet.Conn // nil while not connected
	fd   int
	// down fails requests at once while the backend cannot be reached
	// (not during the first connection attempt: requests queue then)
	down    error
	failing bool // logged as unavailable
	backoff time.Duration
	hsLeft  int // handshake replies still to check

	out     []byte // encoded commands not written yet
	off     int    // bytes of out written
	dirty   bool   // in l.dirty
	blocked bool   // the socket is full: waiting for EPOLLOUT
	queue   []loopReq
	head    int // queue[head:] wait for replies, oldest first

	in        router.ReplyBuffer
	lastWrite int64
}

type dialResult struct {
	b    *loopBackend
	conn *rawnet.Conn
	err  error
}

// edgeEvents is what the loop watches its sockets for, edge-triggered
// (EPOLLET, negative in package syscall).
const edgeEvents uint32 = syscall.EPOLLIN | syscall.EPOLLOUT | syscall.EPOLLRDHUP | 1<<31

var errUnexpectedReply = errors.New("unexpected reply")

const (
	loopEvents = 256
	loopTick   = 100 * time.Millisecond
	// maxRetainedOut is the backend output buffer kept once written.
	maxRetainedOut = 1 << 20
)

// loopFor returns the event loop that serves client id on nc, starting the
// loops on first use; nil when the client gets a goroutine. The caller
// holds p.mu.
func (p *Proxy) loopFor(nc net.Conn, id uint64) *eventLoop {
	if p.cfg.EventLoops == 0 || p.closed {
		return nil
	}
	if _, ok := nc.(*rawnet.Conn); !ok {
		return nil
	}
	if p.loops == nil {
		for range p.cfg.EventLoops {
			l, err := newEventLoop(p)
			if err != nil {
				p.log.Warn("event loop unavailable, clients are served on goroutines", "err", err)
				for _, l := range p.loops {
					l.stop()
				}
				p.loops = nil
				p.cfg.EventLoops = 0
				return nil
			}
			p.loops = append(p.loops, l)
			p.wg.Add(1)
			go l.run()
		}
	}
	return p.loops[id%uint64(len(p.loops))]
}

func newEventLoop(p *Proxy) (*eventLoop, error) {
	poll, err := rawnet.NewPoller()
	if err != nil {
		return nil, err
	}
	return &eventLoop{
		p:        p,
		poll:     poll,
		events:   make([]syscall.EpollEvent, loopEvents),
		clients:  map[int]*loopClient{},
		backends: map[int]*loopBackend{},
		byPool:   map[*router.Pool]*loopBackend{},
	}, nil
}

// add hands a new client to the loop; false once the loop has stopped.
func (l *eventLoop) add(s loopSession) bool {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return false
	}
	l.adds = append(l.adds, s)
	l.mu.Unlock()
	l.poll.Wake()
	return true
}

// stop makes the loop close its clients and backends and exit.
func (l *eventLoop) stop() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
	l.poll.Wake()
}

func (l *eventLoop) isStopped() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stopped
}

func (l *eventLoop) run() {
	defer l.p.wg.Done()
	defer l.shutdown()
	for {
		n, err := l.poll.Wait(l.events, loopTick)
		if err != nil {
			l.p.log.Error("event loop: epoll_wait failed", "err", err)
			return
		}
		now := time.Now()
		for i := range n {
			ev := &l.events[i]
			fd := int(ev.Fd)
			if l.poll.IsWake(fd) {
				if !l.control() {
					return
				}
				continue
			}
			if lc := l.clients[fd]; lc != nil {
				if ev.Events&(syscall.EPOLLIN|syscall.EPOLLRDHUP|syscall.EPOLLHUP|syscall.EPOLLERR) != 0 {
					lc.input = true
				}
				if ev.Events&(syscall.EPOLLRDHUP|syscall.EPOLLHUP|syscall.EPOLLERR) != 0 {
					lc.hup = true
				}
				if lc.writing && ev.Events&(syscall.EPOLLOUT|syscall.EPOLLHUP|syscall.EPOLLERR) != 0 {
					lc.writing = false
				}
				l.queue(lc)
				continue
			}
			if b := l.backends[fd]; b != nil {
				if ev.Events&(syscall.EPOLLOUT|syscall.EPOLLHUP|syscall.EPOLLERR) != 0 && b.blocked {
					b.blocked = false
					l.markDirty(b)
				}
				if ev.Events&(syscall.EPOLLIN|syscall.EPOLLRDHUP|syscall.EPOLLHUP|syscall.EPOLLERR) != 0 {
					b.read()
				}
			}
		}
		l.drain(now)
		if now.Sub(l.lastTick) >= loopTick {
			l.lastTick = now
			l.tick(now)
			l.drain(now)
		}
	}
}

// drain runs the ready clients and writes the dirty backends until neither
// is left: a failed write answers requests, which makes clients ready.
func (l *eventLoop) drain(now time.Time) {
	for len(l.ready) > 0 || len(l.dirty) > 0 {
		for i := 0; i < len(l.ready); i++ { // running a client may ready others
			lc := l.ready[i]
			lc.queued = false
			l.runClient(lc, now)
		}
		clear(l.ready)
		l.ready = l.ready[:0]
		for i := 0; i < len(l.dirty); i++ {
			b := l.dirty[i]
			b.dirty = false
			b.flush()
		}
		clear(l.dirty)
		l.dirty = l.dirty[:0]
	}
}

func (l *eventLoop) queue(lc *loopClient) {
	if !lc.queued && !lc.closed {
		lc.queued = true
		l.ready = append(l.ready, lc)
	}
}

func (l *eventLoop) markDirty(b *loopBackend) {
	if !b.dirty {
		b.dirty = true
		l.dirty = append(l.dirty, b)
	}
}

// control takes new clients and dialed backend connections; false once
// the loop must stop.
func (l *eventLoop) control() bool {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return false // shutdown ends the clients and connections handed over
	}
	adds, dialed := l.adds, l.dialed
	l.adds, l.dialed = nil, nil
	l.mu.Unlock()
	for _, s := range adds {
		l.register(s)
	}
	for _, d := range dialed {
		d.b.connected(d.conn, d.err)
	}
	return true
}

// register starts serving a new client, whose connection is a
// rawnet.Conn; on failure it goes to a goroutine.
func (l *eventLoop) register(sess loopSession) {
	fd := rawnet.FD(sess.netConn())
	lc := &loopClient{l: l, sess: sess, b: sess.batchOf(), fd: fd, input: true, lastIO: time.Now()}
	if err := l.poll.Add(fd, edgeEvents); err != nil {
		l.p.log.Warn("event loop: cannot watch client, serving it on a goroutine", "err", err)
		sess.leave()
		return
	}
	lc.readFn = lc.readSocket
	lc.b.lc = lc
	l.clients[fd] = lc
	l.queue(lc) // bytes may have arrived before the registration
}

// runClient moves a client forward as far as it can: completes an answered
// batch, writes, reads and dispatches the next batch.
func (l *eventLoop) runClient(lc *loopClient, now time.Time) {
	sess := lc.sess
	for !lc.closed {
		if lc.off < len(sess.output()) && (lc.writing || !l.write(lc, now)) {
			return
		}
		if !lc.waiting && sess.quitting() {
			l.closeClient(lc)
			return
		}
		if lc.waiting {
			if lc.pending > 0 {
				return
			}
			l.complete(lc)
			continue
		}
		if sess.leaving() {
			l.detach(lc)
			sess.leave()
			return
		}
		if !sess.dispatch() {
			if sess.leaving() {
				continue
			}
			if !lc.input || !l.read(lc, now) {
				return
			}
			continue
		}
		lc.waiting, lc.resent, lc.start = true, false, nanotime()
	}
}

// complete ends an answered batch: its redirections are sent again once,
// else its replies are built.
func (l *eventLoop) complete(lc *loopClient) {
	if !lc.resent {
		lc.resent = true
		if lc.b.resend(l.p, lc.sess.clientID(), lc.sess.protocol()) && lc.pending > 0 {
			return
		}
	}
	lc.waiting = false
	lc.sess.finishBatch(nanotime() - lc.start)
	lc.off = 0
}

// read reads the client once; false when nothing was read (the client may
// have been closed or have left the loop).
func (l *eventLoop) read(lc *loopClient, now time.Time) bool {
	n, err := lc.sess.fillFrom(lc.readFn)
	if n > 0 {
		lc.input = n == lc.want || lc.hup
		lc.lastIO = now
		lc.sess.counted(n, 0)
		return true
	}
	if err == syscall.EAGAIN {
		lc.input = false
		return false
	}
	if _, ok := err.(syscall.Errno); ok || err == nil {
		l.closeClient(lc) // EOF or a socket error: nothing left to answer
		return false
	}
	// an input limit, which the session reports off the loop
	l.detach(lc)
	lc.sess.leave()
	return false
}

// write writes the client's pending output without blocking; false when
// some is left (it waits for EPOLLOUT) or the client was closed.
func (l *eventLoop) write(lc *loopClient, now time.Time) bool {
	out := lc.sess.output()
	for lc.off < len(out) {
		n, err := rawnet.Write(lc.fd, out[lc.off:])
		if n > 0 {
			lc.off += n
			lc.lastIO = now
			lc.sess.counted(0, n)
		}
		switch err {
		case nil, syscall.EINTR:
		case syscall.EAGAIN:
			lc.writing = true
			return false
		default:
			l.closeClient(lc)
			return false
		}
	}
	return true
}

// detach removes a client from the loop.
func (l *eventLoop) detach(lc *loopClient) {
	lc.closed = true
	l.poll.Del(lc.fd)
	delete(l.clients, lc.fd)
	lc.b.lc = nil
}

// closeClient ends a client the loop owns.
func (l *eventLoop) closeClient(lc *loopClient) {
	l.detach(lc)
	lc.sess.end()
}

// send queues r for pl's backend; a client of this loop calls it while its
// batch is dispatched.
func (lc *loopClient) send(pl *router.Pool, r *router.Request) {
	l := lc.l
	b := l.byPool[pl]
	if b == nil {
		b = l.newBackend(pl)
	}
	if b.down != nil { // the first connection attempt is waited for, later ones not

		r.Reply, r.Err = r.Reply[:0], b.down
		return
	}
	lc.pending++
	b.queue = append(b.queue, loopReq{r: r, lc: lc, skip: r.Skip, sent: nanotime()})
	b.out = append(b.out, r.Cmd...)
	if b.conn != nil {
		l.markDirty(b)
	}
}

func (l *eventLoop) newBackend(pl *router.Pool) *loopBackend {
	cfg := pl.Config()
	b := &loopBackend{l: l, pl: pl, cfg: cfg, hs: router.NewHandshake(cfg), fd: -1, backoff: cfg.MinBackoff}
	b.in.MaxBulkLen = cfg.MaxBulkLen
	l.byPool[pl] = b
	b.dial(0, nil)
	return b
}

// dial connects on a goroutine after wait, or as soon as back is closed (a
// sibling connection reached the node); the loop takes the result in
// control.
func (b *loopBackend) dial(wait time.Duration, back <-chan struct{}) {
	l := b.l
	addr, timeout := b.pl.Addr(), b.cfg.DialTimeout
	l.p.wg.Add(1)
	go func() {
		defer l.p.wg.Done()
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-back:
				t.Stop()
			case <-l.p.closing:
				t.Stop()
				return
			}
		}
		var rc *rawnet.Conn
		nc, err := (&net.Dialer{Timeout: timeout}).Dial("tcp", addr)
		if err == nil {
			rc, err = rawnet.FromNetConn(nc)
		}
		l.mu.Lock()
		if l.stopped {
			l.mu.Unlock()
			if rc != nil {
				rc.Close()
			}
			return
		}
		l.dialed = append(l.dialed, dialResult{b: b, conn: rc, err: err})
		l.mu.Unlock()
		l.poll.Wake()
	}()
}

// connected takes the result of a dial.
func (b *loopBackend) connected(rc *rawnet.Conn, err error) {
	l := b.l
	if err == nil && b.pl.Closed() {
		rc.Close()
		err = net.ErrClosed
	}
	if err == nil {
		if err = l.poll.Add(rc.FD(), edgeEvents); err != nil {
			rc.Close()
		}
	}
	if err != nil {
		b.fail(err)
		return
	}
	b.conn, b.fd = rc, rc.FD()
	l.backends[b.fd] = b
	b.down = nil
	b.hsLeft = b.hs.Replies
	if b.hsLeft == 0 {
		b.up()
	}
	if len(b.hs.Cmd) > 0 {
		b.out = append(append(b.out[:0:0], b.hs.Cmd...), b.out...)
	}
	b.lastWrite = nanotime()
	l.markDirty(b)
}

// up is the end of a successful handshake.
func (b *loopBackend) up() {
	b.pl.MarkUp() // the pool's connections and other loops' stop backing off
	b.backoff = b.cfg.MinBackoff
	if b.failing {
		b.cfg.Logger.Info("backend connected", "addr", b.pl.Addr())
		b.failing = false
	}
}

// fail closes the connection, fails every request queued on it and dials
// again after the backoff (not once the pool is closed).
func (b *loopBackend) fail(err error) {
	l := b.l
	ue := router.Unavailable(b.pl.Addr(), err)
	if b.conn != nil {
		l.poll.Del(b.fd)
		delete(l.backends, b.fd)
		b.conn.Close()
		b.conn, b.fd = nil, -1
	}
	b.down = ue
	for _, q := range b.queue[b.head:] {
		q.r.Reply, q.r.Err = q.r.Reply[:0], ue
		q.lc.answered()
	}
	clear(b.queue)
	b.queue, b.head = b.queue[:0], 0
	b.out, b.off, b.blocked = b.out[:0], 0, false
	b.in.Reset()
	if b.pl.Closed() || l.isStopped() {
		delete(l.byPool, b.pl)
		return
	}
	if !b.failing {
		b.cfg.Logger.Warn("backend unavailable", "addr", b.pl.Addr(), "reason", ue.Reason)
		b.failing = true
	}
	wait := b.backoff
	b.backoff = min(2*b.backoff, b.cfg.MaxBackoff)
	b.dial(wait, b.pl.BackUp())
}

// answered counts one reply of the client's batch.
func (lc *loopClient) answered() {
	lc.pending--
	if lc.pending == 0 {
		lc.l.queue(lc)
	}
}

// flush writes the backend's pending output without blocking.
func (b *loopBackend) flush() {
	if b.conn == nil || b.blocked {
		return
	}
	for b.off < len(b.out) {
		n, err := rawnet.Write(b.fd, b.out[b.off:])
		if n > 0 {
			b.off += n
			b.lastWrite = nanotime()
		}
		switch err {
		case nil, syscall.EINTR:
		case syscall.EAGAIN:
			b.blocked = true
			return
		default:
			b.fail(err)
			return
		}
	}
	if cap(b.out) > maxRetainedOut {
		b.out = nil
	}
	b.out, b.off = b.out[:0], 0
}

// read reads every reply available and answers the requests in order.
func (b *loopBackend) read() {
	for b.conn != nil {
		room := b.in.Room()
		n, err := rawnet.Read(b.fd, room)
		if n > 0 {
			b.in.Filled(n)
			if err := b.scan(); err != nil {
				b.fail(err)
				return
			}
			if n < len(room) {
				return // drained
			}
			continue
		}
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return
		case nil:
			b.fail(nil) // closed by the node
		default:
			b.fail(err)
		}
		return
	}
}

// scan answers the requests whose replies are complete in the buffer.
func (b *loopBackend) scan() error {
	for {
		reply, err := b.in.Next()
		if err != nil {
			return err
		}
		if reply == nil {
			break
		}
		if b.hsLeft > 0 {
			if err := b.hs.Check(b.hs.Replies-b.hsLeft, reply); err != nil {
				return err
			}
			if b.hsLeft--; b.hsLeft == 0 {
				b.up()
			}
			continue
		}
		if b.head == len(b.queue) {
			return errUnexpectedReply
		}
		q := &b.queue[b.head]
		if q.skip > 0 {
			q.skip--
			continue
		}
		q.r.Reply, q.r.Err = append(q.r.Reply[:0], reply...), nil
		q.lc.answered()
		*q = loopReq{}
		b.head++
	}
	if b.head == len(b.queue) {
		b.queue, b.head = b.queue[:0], 0
	}
	return nil
}

// tick fails backends whose oldest request waited longer than the read
// timeout or whose output is stuck longer than the write timeout, drops
// the connections of closed pools and closes idle clients.
func (l *eventLoop) tick(now time.Time) {
	mono := nanotime()
	for _, b := range l.byPool {
		switch {
		case b.conn == nil:
		case b.head < len(b.queue) && mono-b.queue[b.head].sent > int64(b.cfg.ReadTimeout):
			b.fail(os.ErrDeadlineExceeded)
		case b.blocked && mono-b.lastWrite > int64(b.cfg.WriteTimeout):
			b.fail(os.ErrDeadlineExceeded)
		case b.pl.Closed() && b.head == len(b.queue):
			b.fail(net.ErrClosed)
		}
	}
	if d := l.p.cfg.IdleTimeout; d > 0 {
		for _, lc := range l.clients {
			if !lc.waiting && now.Sub(lc.lastIO) > d {
				l.closeClient(lc)
			}
		}
	}
}

// shutdown closes every client and backend connection of the loop.
func (l *eventLoop) shutdown() {
	l.mu.Lock()
	l.stopped = true
	adds, dialed := l.adds, l.dialed
	l.adds, l.dialed = nil, nil
	l.mu.Unlock()
	for _, s := range adds {
		s.end()
	}
	for _, d := range dialed {
		if d.conn != nil {
			d.conn.Close()
		}
	}
	for _, lc := range l.clients {
		l.closeClient(lc)
	}
	for _, b := range l.byPool {
		b.fail(net.ErrClosed)
	}
	l.poll.Close()
}
