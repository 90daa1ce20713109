package proxy

import (
	"sync/atomic"

	"github.com/slotcache/slotcache/router"
)

// connState is what a client connection carries beyond its batch: an open
// transaction, a connection pinned by WATCH, subscriptions, and the command
// held for a dedicated connection.
type connState struct {
	// held, when set, ends the batch; it runs once the batch's replies are
	// written and appends its own reply to s.out.
	held func()
	// pre holds client bytes read while a command was blocked; the reader
	// takes them before reading the socket again.
	pre      []byte
	watchBuf []byte // read buffer of that watch, reused

	multi   bool   // inside MULTI
	txErr   bool   // a command was refused while queued: EXEC aborts
	txCmds  []byte // the queued commands, encoded back to back
	txN     int    // how many
	txSlot  int    // slot of the transaction's keys
	txKeyed bool   // txSlot is set

	watch     *dconn // pinned by WATCH until EXEC, DISCARD or UNWATCH
	watchSlot int

	ps *pubsub      // subscriptions; nil when never subscribed
	aw *asyncWriter // set once subscribed: every write goes through it

	view stateView // for CLIENT LIST on other goroutines
}

// stateView is what CLIENT LIST shows of a connection's state.
type stateView struct {
	sub, psub, ssub atomic.Int32
	multi           atomic.Int32 // queued commands + 1; 0: not in MULTI
	blocked         atomic.Bool
	watching        atomic.Bool
}

// flags are CLIENT LIST's flags: b blocked, P subscriber, x in MULTI,
// N none.
func (v *stateView) flags() string {
	f := ""
	if v.blocked.Load() {
		f += "b"
	}
	if v.sub.Load()+v.psub.Load()+v.ssub.Load() > 0 {
		f += "P"
	}
	if v.multi.Load() > 0 {
		f += "x"
	}
	if f == "" {
		f = "N"
	}
	return f
}

// publish updates the view from the state; the session calls it after each
// change.
func (st *connState) publish() {
	v := &st.view
	if st.ps != nil {
		v.sub.Store(int32(len(st.ps.channels)))
		v.psub.Store(int32(len(st.ps.patterns)))
		v.ssub.Store(int32(len(st.ps.shard)))
	} else {
		v.sub.Store(0)
		v.psub.Store(0)
		v.ssub.Store(0)
	}
	if st.multi {
		v.multi.Store(int32(st.txN) + 1)
	} else {
		v.multi.Store(0)
	}
	v.watching.Store(st.watch != nil)
}

// busy reports whether the connection carries state beyond its batch: a
// held command, a transaction, a WATCH or a subscriber's writer.
func (st *connState) busy() bool {
	return st.held != nil || st.multi || st.watch != nil || st.ps != nil || st.aw != nil
}

// subscribed reports whether the client has a subscription: it is then
// exempt from the idle timeout, as in Redis.
func (st *connState) subscribed() bool { return st.ps != nil && st.ps.count() > 0 }

// readPre moves bytes read while blocked into b.
func (st *connState) readPre(b []byte) int {
	if len(st.pre) == 0 {
		return 0
	}
	n := copy(b, st.pre)
	st.pre = st.pre[n:]
	if len(st.pre) == 0 {
		st.pre = nil
	}
	return n
}

// hold makes c the batch's last command: fn runs after the batch.
func (s *session) hold(c *call, fn func()) {
	c.op = opHeld
	s.st.held = fn
}

// runHeld runs the held command and writes its reply; false ends the
// session.
func (s *session) runHeld() bool {
	fn := s.st.held
	s.st.held = nil
	s.out.Buf = s.out.Buf[:0]
	fn()
	s.st.publish()
	if len(s.out.Buf) > 0 {
		if err := s.write(s.out.Buf); err != nil {
			return false
		}
	}
	return !s.quit
}

// write sends b to the client: directly, or through the subscriber's
// output queue once the client has subscribed.
func (s *session) write(b []byte) error {
	if s.st.aw != nil {
		return s.st.aw.push(b)
	}
	n, err := s.conn.Write(b)
	s.p.stats.netOutput.Add(int64(n))
	return err
}

// closeState releases what the connection holds when it ends.
func (s *session) closeState() {
	s.dropWatch()
	if s.st.ps != nil {
		s.st.ps.close()
	}
	if s.st.aw != nil {
		s.st.aw.stop()
	}
}

// resetState is RESET: no transaction, no WATCH, no subscription.
func (s *session) resetState() {
	s.clearTx()
	s.dropWatch()
	if s.st.ps != nil {
		s.st.ps.close()
		s.st.ps = nil
	}
}

// hookState handles the commands that need connection state. It reports
// whether it answered c. The view CLIENT LIST shows is updated after each
// command but an ordinary one, which changes no connection state (held
// commands update it once they ran: runHeld).
func (s *session) hookState(c *call, name []byte, args [][]byte) (answered bool) {
	switch {
	case s.st.subscribed() && s.proto < 3 && !s.subscriberAllowed(c, name, args):
		answered = true
	case s.st.multi:
		answered = s.handleInMulti(c, name, args)
	default:
		switch string(name) {
		case "multi", "exec", "discard", "watch", "unwatch":
			s.handleTx(c, name, args)
			answered = true
		case "reset":
			s.resetState()
		case "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe":
			s.subscribeCommand(c, name, args)
			answered = true
		case "publish", "spublish":
			s.publish(c, name, args)
			answered = true
		case "pubsub":
			s.pubsubCommand(c, args)
			answered = true
		case "blpop", "brpop", "brpoplpush", "blmove", "blmpop", "bzpopmin", "bzpopmax", "bzmpop":
			answered = s.blocking(c, name, args)
		case "sort", "sort_ro": // no connection state: nothing to publish
			return s.sortPatterns(c, args)
		case "xread", "xreadgroup":
			if streamBlockArg(args) > 0 { // without BLOCK they never block
				answered = s.blocking(c, name, args)
			}
		default:
			return false
		}
	}
	s.st.publish()
	return answered
}

// checkCommand returns the command table entry of args, or the error Redis
// replies before running it (unknown command, wrong arity).
func checkCommand(args [][]byte) (*router.Command, string) {
	cmd := router.Lookup(args)
	if cmd == nil {
		return nil, errUnknownCommand(args)
	}
	if !cmd.ArityOK(len(args)) {
		return cmd, errArity(cmd.Name)
	}
	return cmd, ""
}
