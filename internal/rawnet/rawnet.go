package rawnet

import (
	"net"
	"syscall"
)

// FD returns the descriptor of a TCP, Unix or raw connection, -1 for other
// connections.
func FD(conn net.Conn) int {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return -1
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	rc.Control(func(f uintptr) { fd = int(f) })
	return fd
}
