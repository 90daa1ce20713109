package proxy

import (
	"time"

	"github.com/slotcache/slotcache/protocol/resp"
	"github.com/slotcache/slotcache/router"
	"github.com/slotcache/slotcache/slots"
)

// Transaction replies, Redis's texts.
const (
	msgExecAbort     = "EXECABORT Transaction discarded because of previous errors."
	msgNestedMulti   = "ERR MULTI calls can not be nested"
	msgExecNoMulti   = "ERR EXEC without MULTI"
	msgDiscardNoMult = "ERR DISCARD without MULTI"
	msgWatchInMulti  = "ERR WATCH inside MULTI is not allowed"
	msgNoMulti       = "ERR Command not allowed inside a transaction"
)

var (
	multiCmd = resp.AppendCommand(nil, "MULTI")
	execCmd  = resp.AppendCommand(nil, "EXEC")
)

// localReply makes c a local reply built by fn.
func (s *session) localReply(c *call, fn func(w *resp.Writer)) {
	c.op = opLocal
	c.l0 = int32(len(s.local.Buf))
	fn(&s.local)
	c.l1 = int32(len(s.local.Buf))
}

// handleTx answers MULTI, EXEC, DISCARD, WATCH and UNWATCH outside MULTI.
func (s *session) handleTx(c *call, name []byte, args [][]byte) {
	if _, msg := checkCommand(args); msg != "" {
		if string(name) == "exec" {
			s.execRefused(c, msg)
		} else {
			s.errorReply(c, msg)
		}
		return
	}
	switch string(name) {
	case "multi":
		s.st.multi = true
		s.localReply(c, (*resp.Writer).OK)
	case "exec":
		s.errorReply(c, msgExecNoMulti)
	case "discard":
		s.errorReply(c, msgDiscardNoMult)
	case "watch":
		s.watchKeys(c, args)
	case "unwatch":
		if s.st.watch == nil {
			s.localReply(c, (*resp.Writer).OK)
			return
		}
		s.hold(c, func() {
			d := s.st.watch
			s.st.watch = nil
			reply, err := d.do(resp.AppendCommand(nil, "UNWATCH"), 1, time.Now().Add(s.p.readTimeout()), s.p.writeTimeout())
			if err != nil {
				d.nc.Close()
				s.out.OK() // the connection, and its WATCH, are gone
				return
			}
			s.out.Raw(reply)
			s.p.release(d)
		})
	}
}

// handleInMulti answers a command sent inside MULTI: the transaction
// controls run, anything else is checked and queued.
func (s *session) handleInMulti(c *call, name []byte, args [][]byte) bool {
	switch string(name) {
	case "quit":
		return false
	case "reset":
		s.resetState()
		return false
	case "exec":
		if _, msg := checkCommand(args); msg != "" {
			s.execRefused(c, msg)
			return true
		}
		s.exec(c)
	case "discard":
		if _, msg := checkCommand(args); msg != "" {
			s.txReject(c, msg)
			return true
		}
		s.clearTx()
		s.dropWatch()
		s.localReply(c, (*resp.Writer).OK)
	case "multi", "watch":
		if _, msg := checkCommand(args); msg != "" {
			s.txReject(c, msg)
			return true
		}
		if string(name) == "multi" {
			s.errorReply(c, msgNestedMulti)
		} else {
			s.errorReply(c, msgWatchInMulti)
		}
	default:
		s.queue(c, name, args)
	}
	return true
}

// execRefused answers an EXEC refused before it ran: Redis then discards
// the transaction and every WATCH, inside MULTI or not.
func (s *session) execRefused(c *call, msg string) {
	s.clearTx()
	s.dropWatch()
	s.errorReply(c, "EXECABORT Transaction discarded because of: "+msg[len("ERR "):])
}

// txReject replies an error to a command of the transaction and marks the
// transaction failed.
func (s *session) txReject(c *call, msg string) {
	s.st.txErr = true
	s.errorReply(c, msg)
}

// queue checks a command of the transaction and queues it.
func (s *session) queue(c *call, name []byte, args [][]byte) {
	cmd, msg := checkCommand(args)
	if msg != "" {
		s.txReject(c, msg)
		return
	}
	switch info := commands[string(name)]; {
	case info.kind == kRefused:
		s.txReject(c, "ERR '"+string(name)+"' is not supported through the slotcache proxy")
		return
	case info.kind == kFanout || info.kind == kScan || info.kind == kScript ||
		(info.kind == kLocal && string(name) != "ping" && string(name) != "echo") ||
		cmd.Has(router.FlagPubsub) && string(name) != "publish" && string(name) != "spublish":
		s.txReject(c, "ERR '"+string(name)+"' is not supported inside MULTI through the slotcache proxy")
		return
	}
	var slot int
	keyed := false
	if string(name) == "publish" || string(name) == "spublish" {
		slot, keyed = int(slots.KeySlot(args[1])), true
	} else {
		s.keys = router.KeyIndexes(args, s.keys[:0])
		if len(s.keys) > 0 {
			sl, cross := router.SlotOf(args, s.keys)
			if cross {
				s.txReject(c, msgCrossSlot)
				return
			}
			slot, keyed = int(sl), true
		}
	}
	if keyed {
		if (s.st.txKeyed && slot != s.st.txSlot) || (s.st.watch != nil && slot != s.st.watchSlot) {
			s.txReject(c, msgCrossSlot)
			return
		}
		s.st.txSlot, s.st.txKeyed = slot, true
	}
	if cmd.Has(router.FlagNoMulti) {
		s.txReject(c, msgNoMulti)
		return
	}
	s.st.txCmds = appendCommand(s.st.txCmds, args)
	s.st.txN++
	s.localReply(c, func(w *resp.Writer) { w.Simple("QUEUED") })
}

// clearTx ends the transaction.
func (s *session) clearTx() {
	s.st.multi, s.st.txErr, s.st.txKeyed = false, false, false
	s.st.txN = 0
	if cap(s.st.txCmds) > maxRetainedBuf {
		s.st.txCmds = nil
	}
	s.st.txCmds = s.st.txCmds[:0]
}

// dropWatch closes the connection pinned by WATCH, which forgets its WATCH.
func (s *session) dropWatch() {
	if s.st.watch != nil {
		s.st.watch.nc.Close()
		s.st.watch = nil
	}
}

// exec sends MULTI, the queued commands and EXEC back to back to the group
// of the transaction's slot (the pinned connection after WATCH) and answers
// EXEC's reply.
func (s *session) exec(c *call) {
	if s.st.txErr {
		s.clearTx()
		s.dropWatch()
		s.errorReply(c, msgExecAbort)
		return
	}
	n := s.st.txN
	cmd := make([]byte, 0, len(multiCmd)+len(s.st.txCmds)+len(execCmd))
	cmd = append(append(append(cmd, multiCmd...), s.st.txCmds...), execCmd...)
	slot, keyed := s.st.txSlot, s.st.txKeyed
	s.clearTx()
	if d := s.st.watch; d != nil {
		s.st.watch = nil
		s.hold(c, func() {
			reply, err := d.do(cmd, n+2, time.Now().Add(s.p.readTimeout()), s.p.writeTimeout())
			if err != nil {
				d.nc.Close()
				s.out.Error("ERR " + err.Error())
				return
			}
			s.out.Raw(reply)
			s.p.release(d) // EXEC unwatched every key
		})
		return
	}
	var g uint16
	if keyed {
		if g = s.t.slot[slot]; g == 0 {
			s.errorReply(c, msgNotServed)
			return
		}
	} else {
		var ok bool
		if g, ok = s.defaultGroup(c); !ok {
			return
		}
	}
	r := s.newReq()
	r.Cmd = append(r.Cmd, cmd...)
	r.Skip = n + 1
	s.send(c, g, r)
}

// watchKeys runs WATCH on a connection pinned to the group of the keys'
// slot; every WATCH until EXEC, DISCARD or UNWATCH must name keys of that
// slot.
func (s *session) watchKeys(c *call, args [][]byte) {
	s.keys = s.keys[:0]
	for i := 1; i < len(args); i++ {
		s.keys = append(s.keys, i)
	}
	sl, cross := router.SlotOf(args, s.keys)
	slot := int(sl)
	if cross || (s.st.watch != nil && slot != s.st.watchSlot) {
		s.errorReply(c, msgCrossSlot)
		return
	}
	g := s.t.slot[slot]
	if g == 0 || s.t.groups[g].addr == "" {
		s.errorReply(c, msgNotServed)
		return
	}
	addr := s.t.groups[g].addr
	cmd := appendCommand(nil, args)
	s.hold(c, func() {
		d := s.st.watch
		for try := 0; ; try++ {
			if d == nil {
				var err error
				if d, err = s.p.dedicated(addr, s.proto); err != nil {
					s.out.Error("ERR " + err.Error())
					return
				}
			}
			reply, err := d.do(cmd, 1, time.Now().Add(s.p.readTimeout()), s.p.writeTimeout())
			if err != nil {
				d.nc.Close()
				s.st.watch = nil
				s.out.Error("ERR " + err.Error())
				return
			}
			// a first WATCH redirected (the map is stale): once, pin the
			// named node instead
			if ask, to, ok := parseRedirect(reply); ok && !ask && s.st.watch == nil && try == 0 {
				s.p.stats.redirects.Add(1)
				s.p.refresh()
				s.p.release(d)
				d, addr = nil, to
				continue
			}
			s.st.watch, s.st.watchSlot = d, slot
			s.out.Raw(reply)
			return
		}
	})
}
