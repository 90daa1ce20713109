//go:build !linux

package rawnet

import (
	"net"
	"time"
)

// Supported reports whether this system has the event loop's sockets.
const Supported = false

// Listener returns ln.
func Listener(ln net.Listener) net.Listener { return ln }

// SetSockopts does nothing here.
func SetSockopts(conn net.Conn, keepAlive time.Duration) {}

// GoConn returns conn.
func GoConn(conn net.Conn) (net.Conn, error) { return conn, nil }
