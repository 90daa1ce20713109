//go:build linux

// Package rawnet holds the sockets of the event loops: connections outside
// the Go runtime's poller, which a loop thread reads and writes with
// non-blocking system calls, and the epoll set it waits on.
package rawnet

import (
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// Supported reports whether this system has the event loop's sockets.
const Supported = true

// listener accepts with accept4 on the listening socket, so that a new
// connection's descriptor is not registered with the runtime's poller: the
// runtime would otherwise wake up for every packet the loop reads.
type listener struct {
	*net.TCPListener
	f  *os.File // a duplicate of the listening socket, for accept4
	rc syscall.RawConn
}

// Listener returns a listener whose Accept gives *Conn values; ln itself
// when it is no TCP listener or the duplicate cannot be made.
func Listener(ln net.Listener) net.Listener {
	tl, ok := ln.(*net.TCPListener)
	if !ok {
		return ln
	}
	// A listener's own RawConn cannot wait for readability: accept on a
	// non-blocking duplicate that the runtime's poller watches.
	lrc, err := tl.SyscallConn()
	if err != nil {
		return ln
	}
	dup := -1
	var derr error
	lrc.Control(func(fd uintptr) {
		dup, derr = syscall.Dup(int(fd))
	})
	if derr != nil {
		return ln
	}
	syscall.CloseOnExec(dup)
	if err := syscall.SetNonblock(dup, true); err != nil {
		syscall.Close(dup)
		return ln
	}
	f := os.NewFile(uintptr(dup), "listener")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return ln
	}
	return &listener{TCPListener: tl, f: f, rc: rc}
}

func (rl *listener) Close() error {
	rl.f.Close()
	return rl.TCPListener.Close()
}

func (rl *listener) Accept() (net.Conn, error) {
	var nfd int
	var sa syscall.Sockaddr
	var aerr error
	err := rl.rc.Read(func(fd uintptr) bool {
		nfd, sa, aerr = syscall.Accept4(int(fd), syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
		return aerr != syscall.EAGAIN
	})
	if err == nil {
		err = aerr
	}
	if err != nil {
		if err == syscall.ECONNABORTED || err == syscall.EMFILE || err == syscall.ENFILE || err == syscall.EINTR {
			return nil, &net.OpError{Op: "accept", Net: "tcp", Err: tempErr{err}}
		}
		return nil, err
	}
	return newConn(nfd, sa), nil
}

func newConn(fd int, remote syscall.Sockaddr) *Conn {
	c := &Conn{fd: fd, raddr: sockaddrToTCP(remote)}
	if lsa, err := syscall.Getsockname(fd); err == nil {
		c.laddr = sockaddrToTCP(lsa)
	}
	return c
}

// tempErr marks an accept error to retry after a pause.
type tempErr struct{ error }

func (tempErr) Timeout() bool   { return true }
func (tempErr) Temporary() bool { return true }

func sockaddrToTCP(sa syscall.Sockaddr) *net.TCPAddr {
	switch sa := sa.(type) {
	case *syscall.SockaddrInet4:
		return &net.TCPAddr{IP: append(net.IP(nil), sa.Addr[:]...), Port: sa.Port}
	case *syscall.SockaddrInet6:
		return &net.TCPAddr{IP: append(net.IP(nil), sa.Addr[:]...), Port: sa.Port}
	}
	return &net.TCPAddr{}
}

// Conn is a connection an event loop owns: a non-blocking socket outside
// the runtime's poller. Only the loop thread reads and writes it (and the
// accept path, for a refusal); deadlines do not apply. A connection leaving
// the loop becomes a net.Conn of the runtime with GoConn.
type Conn struct {
	fd           int
	laddr, raddr *net.TCPAddr
	closed       atomic.Bool
}

// FD is the connection's descriptor.
func (c *Conn) FD() int { return c.fd }

func (c *Conn) Read(p []byte) (int, error) {
	n, err := syscall.Read(c.fd, p)
	if n < 0 {
		n = 0
	}
	if err == nil && n == 0 {
		err = io.EOF
	}
	return n, err
}

// Write writes what the socket takes without waiting: it serves the short
// refusals of the accept path.
func (c *Conn) Write(p []byte) (int, error) {
	n, err := syscall.Write(c.fd, p)
	if n < 0 {
		n = 0
	}
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	return n, err
}

func (c *Conn) Close() error {
	if c.closed.Swap(true) {
		return net.ErrClosed
	}
	return syscall.Close(c.fd)
}

func (c *Conn) LocalAddr() net.Addr                { return c.laddr }
func (c *Conn) RemoteAddr() net.Addr               { return c.raddr }
func (c *Conn) SetDeadline(t time.Time) error      { return nil }
func (c *Conn) SetReadDeadline(t time.Time) error  { return nil }
func (c *Conn) SetWriteDeadline(t time.Time) error { return nil }

// SyscallConn gives the descriptor to FD (CLIENT LIST).
func (c *Conn) SyscallConn() (syscall.RawConn, error) {
	if c.closed.Load() {
		return nil, net.ErrClosed
	}
	return rawFD(c.fd), nil
}

type rawFD int

func (fd rawFD) Control(f func(fd uintptr)) error { f(uintptr(fd)); return nil }
func (fd rawFD) Read(f func(fd uintptr) bool) error {
	return errors.New("raw read not supported")
}
func (fd rawFD) Write(f func(fd uintptr) bool) error {
	return errors.New("raw write not supported")
}

// SetSockopts applies TCP_NODELAY and, when keepAlive > 0, TCP keepalive
// probes to a raw connection; other connections are left alone.
func SetSockopts(conn net.Conn, keepAlive time.Duration) {
	c, ok := conn.(*Conn)
	if !ok {
		return
	}
	syscall.SetsockoptInt(c.fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
	if keepAlive <= 0 {
		return
	}
	secs := max(int(keepAlive/time.Second), 1)
	syscall.SetsockoptInt(c.fd, syscall.SOL_SOCKET, syscall.SO_KEEPALIVE, 1)
	syscall.SetsockoptInt(c.fd, syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE, secs)
	syscall.SetsockoptInt(c.fd, syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL, max(secs/3, 1))
	syscall.SetsockoptInt(c.fd, syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT, 3)
}

// GoConn returns a net.Conn of the runtime for conn, a raw connection
// leaving its loop (the loop no longer watches the descriptor); conn is
// closed. Other connections are returned unchanged.
func GoConn(conn net.Conn) (net.Conn, error) {
	rc, ok := conn.(*Conn)
	if !ok {
		return conn, nil
	}
	f := os.NewFile(uintptr(rc.fd), "conn")
	nc, err := net.FileConn(f) // a duplicate descriptor
	rc.closed.Store(true)
	f.Close()
	return nc, err
}

// FromNetConn moves a connected TCP socket out of the runtime's poller: the
// result owns a duplicate of its descriptor (non-blocking, as the runtime
// keeps it), and nc is closed.
func FromNetConn(nc net.Conn) (*Conn, error) {
	defer nc.Close()
	fd := FD(nc)
	if _, ok := nc.(*net.TCPConn); !ok || fd < 0 {
		return nil, errors.New("rawnet: not a TCP connection")
	}
	dup, err := syscall.Dup(fd)
	if err != nil {
		return nil, err
	}
	syscall.CloseOnExec(dup)
	sa, _ := syscall.Getpeername(dup)
	return newConn(dup, sa), nil
}

// Poller is an epoll set with a wake-up pipe in it. The set itself is
// registered with the runtime's poller: a loop waiting for events parks its
// goroutine, as any Go code waiting on a socket does, instead of blocking
// an OS thread in epoll_wait. A thread blocked in a system call while
// holding a P makes the runtime's monitor thread poll every 20 µs to take
// the P back, which costs more CPU than the loop saves.
type Poller struct {
	fd           int
	wakeR, wakeW int
	f            *os.File // fd, in the runtime's poller
	rc           syscall.RawConn
	deadline     time.Time // of f's reads

	// ready is the condition rc.Read waits on, built once: a closure
	// made in Wait would capture its results and cost two allocations
	// per wait. It polls into events and leaves the outcome in n, err.
	ready  func(uintptr) bool
	events []syscall.EpollEvent
	n      int
	err    error
}

// NewPoller creates the epoll set and its wake-up pipe.
func NewPoller() (*Poller, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	if err := syscall.SetNonblock(epfd, true); err != nil {
		syscall.Close(epfd)
		return nil, err
	}
	f := os.NewFile(uintptr(epfd), "epoll")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
		f.Close()
		return nil, err
	}
	pl := &Poller{fd: epfd, wakeR: p[0], wakeW: p[1], f: f, rc: rc}
	pl.ready = func(uintptr) bool {
		pl.n, pl.err = pl.poll(pl.events)
		return pl.n != 0 || pl.err != nil
	}
	if err := pl.Add(p[0], syscall.EPOLLIN); err != nil {
		pl.Close()
		return nil, err
	}
	return pl, nil
}

// Add watches fd for events.
func (p *Poller) Add(fd int, events uint32) error {
	ev := syscall.EpollEvent{Events: events, Fd: int32(fd)}
	return syscall.EpollCtl(p.fd, syscall.EPOLL_CTL_ADD, fd, &ev)
}

// Mod changes the events fd is watched for.
func (p *Poller) Mod(fd int, events uint32) error {
	ev := syscall.EpollEvent{Events: events, Fd: int32(fd)}
	return syscall.EpollCtl(p.fd, syscall.EPOLL_CTL_MOD, fd, &ev)
}

// Del stops watching fd.
func (p *Poller) Del(fd int) error {
	return syscall.EpollCtl(p.fd, syscall.EPOLL_CTL_DEL, fd, nil)
}

// Wait returns the events ready. With none ready it parks the goroutine
// until some are, or for up to d (d <= 0: it returns at once). It may
// return earlier, with no events. One goroutine waits at a time (the
// loop's); Add, Mod, Del and Wake may be called from any.
func (p *Poller) Wait(events []syscall.EpollEvent, d time.Duration) (int, error) {
	n, err := p.poll(events)
	if n != 0 || err != nil || d <= 0 {
		return n, err
	}
	now := time.Now()
	if p.deadline.Before(now) || p.deadline.After(now.Add(d)) {
		p.deadline = now.Add(d)
		if err := p.f.SetReadDeadline(p.deadline); err != nil {
			// not in the runtime's poller: block the thread instead
			n, err := syscall.EpollWait(p.fd, events, int(d/time.Millisecond))
			if err == syscall.EINTR {
				return 0, nil
			}
			return n, err
		}
	}
	p.events, p.n, p.err = events, 0, nil
	rerr := p.rc.Read(p.ready)
	n, err = p.n, p.err
	p.events, p.err = nil, nil
	if rerr != nil && !errors.Is(rerr, os.ErrDeadlineExceeded) {
		return 0, rerr
	}
	return n, err
}

// poll takes the ready events without waiting.
func (p *Poller) poll(events []syscall.EpollEvent) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	for {
		n, _, e := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(p.fd),
			uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 0, 0, 0)
		switch e {
		case 0:
			return int(n), nil
		case syscall.EINTR:
			continue
		}
		return 0, e
	}
}

// Read reads a non-blocking socket without entering the scheduler's system
// call path, which only matters for calls that may block.
func Read(fd int, b []byte) (int, error) { return rawIO(syscall.SYS_READ, fd, b) }

// Write writes to a non-blocking socket like Read reads.
func Write(fd int, b []byte) (int, error) { return rawIO(syscall.SYS_WRITE, fd, b) }

func rawIO(trap uintptr, fd int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	for {
		n, _, e := syscall.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
		switch e {
		case 0:
			return int(n), nil
		case syscall.EINTR:
			continue
		}
		return 0, e
	}
}

// Wake interrupts a Wait from another goroutine.
func (p *Poller) Wake() {
	syscall.Write(p.wakeW, []byte{0}) // EAGAIN: a wake-up is already pending
}

// IsWake reports whether fd is the wake-up pipe; it then empties it.
func (p *Poller) IsWake(fd int) bool {
	if fd != p.wakeR {
		return false
	}
	var buf [64]byte
	for {
		if n, _ := syscall.Read(p.wakeR, buf[:]); n <= 0 {
			return true
		}
	}
}

// Close closes the epoll set and the pipe.
func (p *Poller) Close() {
	p.f.Close()
	syscall.Close(p.wakeR)
	syscall.Close(p.wakeW)
}
