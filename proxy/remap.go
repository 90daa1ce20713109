package proxy

import (
	"errors"
	"net"
	"time"

	"github.com/slotcache/slotcache/protocol/resp"
	"github.com/slotcache/slotcache/slots"
)

// remapInterval is how often a subscriber's slot map is checked for moved
// channels.
const remapInterval = time.Second

// watchMap starts checking the slot map while the client is subscribed:
// when it changed, the session is woken (its read deadline set to now) and
// moves its subscriptions before reading again.
func (ps *pubsub) watchMap() {
	stop, done := make(chan struct{}), make(chan struct{})
	ps.watching, ps.watched = stop, done
	p, conn := ps.s.p, ps.s.conn
	go func() {
		defer close(done)
		tk := time.NewTicker(remapInterval)
		defer tk.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
			}
			if p.routes() != ps.seen.Load() {
				ps.remap.Store(true)
				conn.SetReadDeadline(time.Now())
			}
		}
	}()
}

// stopWatch stops watchMap and clears a deadline it may have set.
func (ps *pubsub) stopWatch() {
	if ps.watching == nil {
		return
	}
	close(ps.watching)
	<-ps.watched
	ps.watching = nil
	ps.s.conn.SetReadDeadline(time.Time{})
}

// readClient reads the client's socket for the session's reader. While the
// client is subscribed it moves the subscriptions after a map change, and a
// deadline is only the map watcher's wake-up (subscribers have no idle
// timeout).
func (s *session) readClient(b []byte) (int, error) {
	for {
		ps := s.st.ps
		if ps != nil && ps.remap.Swap(false) {
			s.conn.SetReadDeadline(time.Time{})
			s.resubscribe()
		}
		n, err := s.conn.Read(b)
		var ne net.Error
		if n == 0 && err != nil && ps != nil && ps.watching != nil && errors.As(err, &ne) && ne.Timeout() {
			s.conn.SetReadDeadline(time.Time{})
			continue
		}
		return n, err
	}
}

// resubscribe moves each channel and shard channel whose slot now belongs to
// another master there (subscribing on the new node before unsubscribing on
// the old one, so that a message may come twice around the change but none
// published after it is missed), and subscribes the patterns on masters
// that joined. Node confirmations are not passed to the client, whose
// subscriptions did not change. What fails is tried again at the next check.
func (s *session) resubscribe() {
	ps := s.st.ps
	t := s.p.routes()
	ok := true
	for _, kind := range []int{subChannel, subShard} {
		set := ps.chans(kind)
		for _, ch := range ps.order[kind] {
			old := set[ch]
			g := t.slot[slots.KeySlot([]byte(ch))]
			if old == nil || g == 0 || t.groups[g].addr == "" || t.groups[g].addr == old.d.addr {
				continue
			}
			sc, err := ps.subConn(t.groups[g].addr)
			if err == nil {
				err = ps.call(sc, kindNames[kind][0], []string{ch})
			}
			if err != nil {
				ok = false
				continue
			}
			set[ch] = sc
			sc.n++
			old.n--
			if ps.call(old, kindNames[kind][1], []string{ch}) != nil {
				return
			}
		}
	}
	if len(ps.patterns) > 0 {
		pats := make([]string, 0, len(ps.patterns))
		for p := range ps.patterns {
			pats = append(pats, p)
		}
		for g := 1; g < len(t.groups); g++ {
			if t.groups[g].addr == "" {
				continue
			}
			sc, err := ps.subConn(t.groups[g].addr)
			if err == nil && !sc.pats {
				if err = ps.call(sc, "psubscribe", pats); err == nil {
					sc.pats = true
				}
			}
			if err != nil {
				ok = false
			}
		}
	}
	if ok {
		ps.seen.Store(t)
	}
}

// call sends one (un)subscribe command on sc and swallows its
// confirmations, one per channel.
func (ps *pubsub) call(sc *subConn, verb string, chans []string) error {
	cmd := resp.AppendCommand(nil, append([]string{verb}, chans...)...)
	if err := sc.d.send(cmd, ps.s.p.writeTimeout()); err != nil {
		return err
	}
	for range chans {
		if err := ps.await(sc); err != nil {
			return err
		}
		sc.release()
	}
	return nil
}
