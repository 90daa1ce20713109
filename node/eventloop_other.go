//go:build !linux

package node

import (
	"errors"
)

// eventLoop is Linux only: elsewhere every client has its own goroutine.
type eventLoop struct{}

type loopConn struct{}

func newEventLoop(s *Server) (*eventLoop, error) {
	return nil, errors.New("no event loop on this system")
}

func (l *eventLoop) run()             {}
func (l *eventLoop) add(*client) bool { return false }
func (l *eventLoop) kill(*client)     {}
func (l *eventLoop) stop()            {}
