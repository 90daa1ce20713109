//go:build linux

package node

import (
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"
)

// rawListener accepts with accept4 on the listening socket, so that a new
// client's descriptor is not registered with the Go runtime's poller: the
// runtime would otherwise wake up for every packet the loop reads.
type rawListener struct {
	*net.TCPListener
	f  *os.File // a duplicate of the listening socket, for accept4
	rc syscall.RawConn
}

func (s *Server) loopListener(ln net.Listener) net.Listener {
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
	return &rawListener{TCPListener: tl, f: f, rc: rc}
}

func (rl *rawListener) Close() error {
	rl.f.Close()
	return rl.TCPListener.Close()
}

func (rl *rawListener) Accept() (net.Conn, error) {
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
	c := &rawConn{fd: nfd, raddr: sockaddrToTCP(sa)}
	if lsa, err := syscall.Getsockname(nfd); err == nil {
		c.laddr = sockaddrToTCP(lsa)
	}
	return c, nil
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

// rawConn is a client connection the event loop owns: a non-blocking socket
// outside the Go runtime's poller. Only the loop thread reads and writes it
// (and the accept path, for a refusal); deadlines do not apply. A client
// handed over to a goroutine gets a net.Conn of the runtime (goConn).
type rawConn struct {
	fd           int
	laddr, raddr *net.TCPAddr
	closed       atomic.Bool
}

func (c *rawConn) Read(p []byte) (int, error) {
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
func (c *rawConn) Write(p []byte) (int, error) {
	n, err := syscall.Write(c.fd, p)
	if n < 0 {
		n = 0
	}
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	return n, err
}

func (c *rawConn) Close() error {
	if c.closed.Swap(true) {
		return net.ErrClosed
	}
	return syscall.Close(c.fd)
}

func (c *rawConn) LocalAddr() net.Addr                { return c.laddr }
func (c *rawConn) RemoteAddr() net.Addr               { return c.raddr }
func (c *rawConn) SetDeadline(t time.Time) error      { return nil }
func (c *rawConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *rawConn) SetWriteDeadline(t time.Time) error { return nil }

// SyscallConn gives the descriptor to connFD (CLIENT LIST).
func (c *rawConn) SyscallConn() (syscall.RawConn, error) {
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

// setRawSockopts applies TCP_NODELAY and tcp-keepalive to a raw connection.
func setRawSockopts(conn net.Conn, keepAlive time.Duration) {
	c, ok := conn.(*rawConn)
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

// goConn replaces a raw connection by a net.Conn of the runtime, for a
// client leaving the loop; the caller holds the server lock and the loop no
// longer watches the descriptor.
func goConn(c *client) error {
	rc, ok := c.conn.(*rawConn)
	if !ok {
		return nil
	}
	f := os.NewFile(uintptr(rc.fd), "client")
	nc, err := net.FileConn(f) // a duplicate descriptor
	rc.closed.Store(true)
	f.Close()
	if err != nil {
		return err
	}
	c.conn = nc
	return nil
}
