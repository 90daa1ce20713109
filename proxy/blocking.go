package proxy

import (
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/slotcache/slotcache/router"
)

// blocking runs a blocking command (BLPOP, BZPOPMIN, ...) on a dedicated
// connection to the master of its keys' slot, once the commands before it
// in the client's pipeline are answered. It reports false for a command
// without keys, which takes the ordinary path (the node replies its error).
func (s *session) blocking(c *call, name []byte, args [][]byte) bool {
	s.keys = router.KeyIndexes(args, s.keys[:0])
	if len(s.keys) == 0 {
		return false
	}
	slot, cross := router.SlotOf(args, s.keys)
	if cross {
		s.errorReply(c, msgCrossSlot)
		return true
	}
	g := s.t.slot[slot]
	if g == 0 || s.t.groups[g].addr == "" {
		s.errorReply(c, msgNotServed)
		return true
	}
	addr := s.t.groups[g].addr
	wait := blockTimeout(string(name), args)
	cmd := appendCommand(nil, args)
	s.hold(c, func() {
		mark := len(s.out.Buf)
		s.runBlocking(addr, cmd, wait, 0)
		// the slot moved (the node unblocked the client with a redirect):
		// once, refresh the map and block at the named node
		if ask, to, ok := parseRedirect(s.out.Buf[mark:]); ok && !s.quit {
			s.p.stats.redirects.Add(1)
			s.p.refresh()
			s.out.Buf = s.out.Buf[:mark]
			skip := 0
			if ask {
				cmd = append([]byte(askingCmd), cmd...)
				skip = 1
			}
			s.runBlocking(to, cmd, wait, skip)
		}
	})
	return true
}

// blockTimeout returns the timeout argument of a blocking command; 0 means
// for ever, and so does a timeout the node will refuse at once.
func blockTimeout(name string, args [][]byte) time.Duration {
	i := len(args) - 1
	switch name {
	case "blmpop", "bzmpop":
		i = 1
	case "xread", "xreadgroup": // BLOCK milliseconds
		i = streamBlockArg(args)
		if i < 0 {
			return 0
		}
		ms, err := strconv.ParseInt(string(args[i]), 10, 64)
		if err != nil || ms <= 0 || ms > 1e12 {
			return 0
		}
		return time.Duration(ms) * time.Millisecond
	}
	if i < 1 {
		return 0
	}
	f, err := strconv.ParseFloat(string(args[i]), 64)
	if err != nil || f <= 0 || f > 1e9 {
		return 0
	}
	return time.Duration(f * float64(time.Second))
}

// streamBlockArg returns the index of the argument of XREAD's or
// XREADGROUP's BLOCK option, or -1 without one. Options end at STREAMS;
// GROUP takes two arguments, COUNT and BLOCK one, NOACK none.
func streamBlockArg(args [][]byte) int {
	for i := 1; i < len(args); i++ {
		switch strings.ToUpper(string(args[i])) {
		case "STREAMS":
			return -1
		case "GROUP":
			i += 2
		case "COUNT":
			i++
		case "BLOCK":
			if i+1 < len(args) {
				return i + 1
			}
			return -1
		}
	}
	return -1
}

// runBlocking sends cmd on a dedicated connection and waits for its reply,
// up to the command's own timeout plus the backend read timeout. Meanwhile it
// reads the client's socket: when the client goes away, the dedicated
// connection is closed, so the node drops the waiter, and the session ends.
// Bytes the client sends meanwhile are kept for the reader. cmd may start
// with skip commands whose replies are dropped (ASKING).
func (s *session) runBlocking(addr string, cmd []byte, wait time.Duration, skip int) {
	d, err := s.p.dedicated(addr, s.proto)
	if err != nil {
		s.out.Error("ERR " + err.Error())
		return
	}
	if err := d.send(cmd, s.p.writeTimeout()); err != nil {
		d.nc.Close()
		s.out.Error("ERR " + err.Error())
		return
	}
	var deadline time.Time
	if wait > 0 {
		deadline = time.Now().Add(wait + s.p.readTimeout())
	}
	var gone, stopping atomic.Bool
	stopped := make(chan struct{})
	s.conn.SetReadDeadline(time.Time{})
	if s.st.watchBuf == nil {
		s.st.watchBuf = make([]byte, 4096)
	}
	buf := s.st.watchBuf
	go func() {
		defer close(stopped)
		for {
			n, err := s.conn.Read(buf)
			if n > 0 {
				s.st.pre = append(s.st.pre, buf[:n]...)
				if len(s.st.pre) > s.p.cfg.MaxQueryBuf {
					err = errQueryBuf
				}
			}
			if err != nil {
				if !stopping.Load() {
					gone.Store(true)
					d.nc.Close()
				}
				return
			}
		}
	}()
	s.st.view.blocked.Store(true)
	defer s.st.view.blocked.Store(false)
	var reply []byte
	for range skip + 1 {
		if reply, err = d.next(deadline); err != nil {
			break
		}
	}
	stopping.Store(true)
	s.conn.SetReadDeadline(time.Unix(1, 0))
	<-stopped
	s.conn.SetReadDeadline(time.Time{})
	switch {
	case gone.Load():
		d.nc.Close()
		s.quit = true
	case err != nil:
		d.nc.Close()
		s.out.Error("ERR " + err.Error())
	default:
		s.out.Raw(reply)
		s.p.release(d)
	}
}

var errQueryBuf = replyError("ERR client query buffer limit reached")
