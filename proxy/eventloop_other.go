//go:build !linux

package proxy

import (
	"net"

	"github.com/slotcache/slotcache/router"
)

// eventLoop is Linux only: elsewhere every client has its own goroutine.
type eventLoop struct{}

type loopClient struct{}

func (p *Proxy) loopFor(net.Conn, uint64) *eventLoop { return nil }

func (l *eventLoop) add(loopSession) bool { return false }
func (l *eventLoop) stop()                {}

func (lc *loopClient) send(*router.Pool, *router.Request) {}
