//go:build !linux

package proxy

import "github.com/slotcache/slotcache/router"

// eventLoop is Linux only: elsewhere every client has its own goroutine.
type eventLoop struct{}

type loopClient struct{}

func (p *Proxy) loopFor(*session) *eventLoop { return nil }

func (l *eventLoop) add(*session) bool { return false }
func (l *eventLoop) stop()             {}

func (lc *loopClient) send(*router.Pool, *router.Request) {}
