//go:build linux

package node

import (
	"errors"
	"sync"
	"syscall"
	"time"

	"github.com/slotcache/slotcache/internal/rawnet"
)

// eventLoop serves plain RESP clients from one epoll loop, as Redis does,
// on one goroutine that parks in the runtime's poller (rawnet.Poller) while
// no client is ready. Each round it reads every ready client with
// non-blocking system calls, runs the complete commands of all of them
// under one acquisition of the server lock, then writes the replies. This
// avoids the scheduler's park/wake cycle of a goroutine per client. A client
// whose state needs a goroutine (a blocking command, a subscription, a
// protocol or input limit error) is handed over to client.resume for good.
//
// A loop client's connection is a rawnet.Conn, a socket outside the
// runtime's poller. While the loop owns a client only the loop
// goroutine reads, writes or closes its descriptor, so a descriptor number
// is never reused under it.
type eventLoop struct {
	srv    *Server
	poll   *rawnet.Poller // the clients' descriptors; woken for control requests
	events []syscall.EpollEvent

	mu      sync.Mutex // guards adds, kills and stopped
	adds    []*client
	kills   []*client
	stopped bool

	// owned by the loop thread
	conns     map[int]*loopConn
	ready     []*loopConn // clients to run this round
	carry     []*loopConn // clients left with buffered commands (batch limit)
	lastSweep time.Time
}

// loopConn is the loop's state for one client.
type loopConn struct {
	c       *client
	fd      int
	off     int  // bytes of c.w.Buf already written
	more    bool // complete commands may be left in the input (batch limit)
	queued  bool // in ready for this round
	writing bool // waiting for EPOLLOUT: output pending, not reading
	// decided under the lock by runReady
	handoff, closing bool
	dead             bool // left the loop but could not be handed over
	lastIO           time.Time
}

const (
	loopEvents   = 256
	loopReadSize = 16 << 10
	// loopTick bounds each wait, and is how often the idle timeout is
	// checked: a client idle past it is closed within a quarter second.
	loopTick = 250 * time.Millisecond
)

func newEventLoop(s *Server) (*eventLoop, error) {
	poll, err := rawnet.NewPoller()
	if err != nil {
		return nil, err
	}
	return &eventLoop{
		srv: s, poll: poll,
		events: make([]syscall.EpollEvent, loopEvents),
		conns:  map[int]*loopConn{},
	}, nil
}

// add hands a new client to the loop; false when the loop has stopped.
func (l *eventLoop) add(c *client) bool {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return false
	}
	l.adds = append(l.adds, c)
	l.mu.Unlock()
	l.poll.Wake()
	return true
}

// kill asks the loop to close a client it owns; the caller holds the
// server lock and has set c.closing.
func (l *eventLoop) kill(c *client) {
	l.mu.Lock()
	l.kills = append(l.kills, c)
	l.mu.Unlock()
	l.poll.Wake()
}

// stop makes the loop close its clients and exit.
func (l *eventLoop) stop() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
	l.poll.Wake()
}

func (l *eventLoop) run() {
	s := l.srv
	defer s.wg.Done()
	defer l.shutdown()
	for {
		timeout := loopTick
		if len(l.carry) > 0 {
			timeout = 0
		}
		n, err := l.poll.Wait(l.events, timeout)
		if err != nil {
			s.log.Error("event loop: epoll_wait failed", "err", err)
			return
		}
		now := time.Now()
		l.ready = l.ready[:0]
		for _, lc := range l.carry {
			l.queue(lc)
		}
		l.carry = l.carry[:0]
		for i := 0; i < n; i++ {
			ev := &l.events[i]
			fd := int(ev.Fd)
			if l.poll.IsWake(fd) {
				if !l.control() {
					return
				}
				continue
			}
			lc := l.conns[fd]
			if lc == nil {
				continue // closed or handed over earlier in this round
			}
			if lc.writing {
				if ev.Events&(syscall.EPOLLOUT|syscall.EPOLLERR|syscall.EPOLLHUP) != 0 {
					l.flush(lc, now)
				}
				continue
			}
			if !lc.more && ev.Events&(syscall.EPOLLIN|syscall.EPOLLERR|syscall.EPOLLHUP) != 0 {
				l.read(lc, now)
			}
		}
		if len(l.ready) > 0 {
			l.runReady()
			for _, lc := range l.ready {
				lc.queued = false
				l.finish(lc, now)
			}
		}
		if now.Sub(l.lastSweep) >= loopTick {
			l.lastSweep = now
			l.sweepIdle(now)
		}
	}
}

func (l *eventLoop) queue(lc *loopConn) {
	if !lc.queued {
		lc.queued = true
		l.ready = append(l.ready, lc)
	}
}

// control takes the pending requests: new clients, kills, stop. It reports
// false when the loop must stop.
func (l *eventLoop) control() bool {
	l.mu.Lock()
	adds, kills, stopped := l.adds, l.kills, l.stopped
	l.adds, l.kills = nil, nil
	l.mu.Unlock()
	for _, c := range adds {
		l.register(c)
	}
	for _, c := range kills {
		if lc := c.loop; lc != nil { // nil: handed over or closed
			l.closeConn(lc)
		}
	}
	return !stopped
}

// register adds a new client to the epoll set; on failure the client goes
// to a goroutine.
func (l *eventLoop) register(c *client) {
	s := l.srv
	s.mu.Lock() // Close and CLIENT KILL close connections under the lock
	fd := rawnet.FD(c.conn)
	lc := &loopConn{c: c, fd: fd, lastIO: time.Now()}
	if c.closing || fd < 0 { // killed or closed before the loop saw it
		s.mu.Unlock()
		c.close()
		return
	}
	if err := l.poll.Add(fd, syscall.EPOLLIN); err != nil {
		s.log.Warn("event loop: cannot watch client, serving it on a goroutine", "addr", c.addr, "err", err)
		err = c.goConn()
		s.mu.Unlock()
		if err != nil {
			c.close()
			return
		}
		s.goServe(c)
		return
	}
	c.loop = lc
	l.conns[fd] = lc
	s.mu.Unlock()
}

// read reads once from a ready client; the client is queued to run when it
// sent data or its input hit a limit.
func (l *eventLoop) read(lc *loopConn, now time.Time) {
	fd := lc.fd
	n, err := lc.c.rd.FillFrom(func(p []byte) (int, error) {
		return rawnet.Read(fd, p)
	})
	if n > 0 {
		l.srv.countIn(n)
		lc.lastIO = now
		l.queue(lc)
		return
	}
	var errno syscall.Errno
	switch {
	case err == syscall.EAGAIN:
	case err == nil || errors.As(err, &errno):
		l.closeConn(lc) // EOF or a socket error: nothing left to answer
	default:
		l.queue(lc) // an input limit the reader keeps: run reports it
	}
}

// runReady runs, under one lock acquisition, the buffered commands of every
// ready client, up to the batch limit each, and decides which clients leave
// the loop.
func (l *eventLoop) runReady() {
	s := l.srv
	s.mu.Lock()
	for _, lc := range l.ready {
		c := lc.c
		if l.conns[lc.fd] != lc {
			continue // closed earlier in the round
		}
		if c.closing {
			lc.closing = true
			continue
		}
		lc.more = false
		rdErr := false
		for n := 0; ; n++ {
			if c.closing || c.blk != nil || c.ps != nil {
				break
			}
			if n == maxBatch || len(c.w.Buf) >= flushThreshold {
				lc.more = true
				break
			}
			args, ok, err := c.rd.Next()
			if err != nil {
				rdErr = true
				break
			}
			if !ok {
				break
			}
			if c.runsScript(args) {
				// A script may run long: it runs on the client's own
				// goroutine, so the loop can answer the others -BUSY.
				c.pending = args
				break
			}
			c.exec(args)
		}
		lc.closing = c.closing
		lc.handoff = !lc.closing && (rdErr || c.blk != nil || c.ps != nil || c.pending != nil)
		if lc.handoff {
			lc.more = false
			if c.ps != nil && len(c.w.Buf) > 0 {
				// Queue the replies behind the messages the subscriber
				// may get once the lock is released.
				c.deliver(c.w.Buf)
				c.w.Buf = c.w.Buf[:0]
			}
			l.detach(lc)
			if err := c.goConn(); err != nil {
				s.log.Warn("event loop: cannot hand the client over; closed", "addr", c.addr, "err", err)
				lc.handoff, lc.dead = false, true
			}
		}
	}
	s.mu.Unlock()
}

// detach removes a client from the loop, with the server lock held.
func (l *eventLoop) detach(lc *loopConn) {
	l.poll.Del(lc.fd)
	delete(l.conns, lc.fd)
	lc.c.loop = nil
}

// finish sends what a run produced and hands over or closes the client.
func (l *eventLoop) finish(lc *loopConn, now time.Time) {
	c := lc.c
	if lc.handoff {
		s := l.srv
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			c.resume()
		}()
		return
	}
	if lc.dead {
		c.close()
		return
	}
	if l.conns[lc.fd] != lc {
		return // closed earlier in the round
	}
	if len(c.w.Buf) > 0 && !l.flush(lc, now) {
		return
	}
	if lc.writing {
		return
	}
	if lc.closing {
		l.closeConn(lc)
		return
	}
	if lc.more {
		l.carry = append(l.carry, lc)
	}
}

// flush writes pending output without blocking. A partial write waits for
// EPOLLOUT and stops reading the client until the output is drained. It
// reports false when the client was closed.
func (l *eventLoop) flush(lc *loopConn, now time.Time) bool {
	c := lc.c
	for lc.off < len(c.w.Buf) {
		n, err := rawnet.Write(lc.fd, c.w.Buf[lc.off:])
		if n > 0 {
			lc.off += n
			l.srv.countOut(n)
			lc.lastIO = now
		}
		switch {
		case err == nil:
			continue
		case err == syscall.EAGAIN:
			if !lc.writing {
				lc.writing = true
				l.poll.Mod(lc.fd, syscall.EPOLLOUT)
			}
			return true
		default:
			l.closeConn(lc)
			return false
		}
	}
	lc.off = 0
	if cap(c.w.Buf) > maxRetainedOut {
		c.w.Buf = nil
	} else {
		c.w.Buf = c.w.Buf[:0]
	}
	if lc.writing {
		lc.writing = false
		l.poll.Mod(lc.fd, syscall.EPOLLIN)
		// Commands read before the partial write may be waiting.
		if lc.closing {
			l.closeConn(lc)
			return false
		}
		l.carry = append(l.carry, lc)
		lc.more = true
	}
	return true
}

// closeConn closes a client the loop owns: out of the epoll set first, so
// the descriptor is closed only once the loop no longer knows it.
func (l *eventLoop) closeConn(lc *loopConn) {
	s := l.srv
	s.mu.Lock()
	l.detach(lc)
	s.mu.Unlock()
	lc.c.close()
}

// sweepIdle closes the clients idle for longer than the timeout.
func (l *eventLoop) sweepIdle(now time.Time) {
	timeout := time.Duration(l.srv.idleTimeout.Load())
	if timeout <= 0 {
		return
	}
	for _, lc := range l.conns {
		if now.Sub(lc.lastIO) > timeout {
			l.closeConn(lc)
		}
	}
}

// shutdown closes every client of the loop and the loop's descriptors.
func (l *eventLoop) shutdown() {
	l.mu.Lock()
	l.stopped = true
	adds := l.adds
	l.adds = nil
	l.mu.Unlock()
	for _, c := range adds {
		c.close()
	}
	for _, lc := range l.conns {
		l.closeConn(lc)
	}
	l.poll.Close()
}

// goConn gives a client leaving the loop a net.Conn of the runtime; the
// caller holds the server lock and the loop no longer watches the
// descriptor.
func (c *client) goConn() error {
	nc, err := rawnet.GoConn(c.conn)
	if err != nil {
		return err
	}
	c.conn = nc
	return nil
}
