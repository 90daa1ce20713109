package proxy

import (
	"bytes"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slotcache/slotcache/protocol/resp"
	"github.com/slotcache/slotcache/router"
	"github.com/slotcache/slotcache/slots"
)

// defaultPubsubOutputLimit is the output a subscriber may leave unread
// before it is disconnected: Redis's client-output-buffer-limit pubsub hard
// limit (32 MB).
const defaultPubsubOutputLimit = 32 << 20

var errOutputLimit = errors.New("proxy: subscriber output limit reached")

// asyncWriter is a subscriber's output: the session's replies and the
// messages of its backend subscriptions, in the order they were pushed.
// Past the limit of unwritten bytes the client is disconnected.
type asyncWriter struct {
	conn  net.Conn
	limit int
	st    *stats

	mu   sync.Mutex
	buf  []byte // pushed, not yet written
	err  error
	wake chan struct{}
	quit chan struct{}
	done chan struct{}
}

func newAsyncWriter(conn net.Conn, limit int, st *stats) *asyncWriter {
	w := &asyncWriter{conn: conn, limit: limit, st: st,
		wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go w.loop()
	return w
}

// push queues b for the client.
func (w *asyncWriter) push(b []byte) error {
	w.mu.Lock()
	if w.err != nil {
		err := w.err
		w.mu.Unlock()
		return err
	}
	if len(w.buf)+len(b) > w.limit {
		w.err = errOutputLimit
		w.mu.Unlock()
		w.conn.Close()
		return errOutputLimit
	}
	w.buf = append(w.buf, b...)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return nil
}

func (w *asyncWriter) loop() {
	defer close(w.done)
	var out []byte
	for {
		final := false
		select {
		case <-w.wake:
		case <-w.quit:
			// what was pushed before the end (QUIT's +OK) still goes out,
			// within a bounded time
			final = true
			w.conn.SetWriteDeadline(time.Now().Add(time.Second))
		}
		w.mu.Lock()
		out, w.buf = w.buf, out[:0]
		w.mu.Unlock()
		if len(out) == 0 {
			if final {
				return
			}
			continue
		}
		n, err := w.conn.Write(out)
		w.st.netOutput.Add(int64(n))
		if err != nil || final {
			if err == nil {
				err = net.ErrClosed
			}
			w.mu.Lock()
			w.err = err
			w.mu.Unlock()
			w.conn.Close()
			return
		}
		if cap(out) > maxRetainedBuf {
			out = nil
		}
	}
}

// stop writes what is left and ends the writer.
func (w *asyncWriter) stop() {
	w.conn.SetWriteDeadline(time.Now().Add(time.Second)) // a write in progress too
	close(w.quit)
	<-w.done
}

// subConn is a subscriber connection to one node, owned by one client. Its
// reader forwards messages to the client and hands every other reply (the
// (un)subscribe confirmations) to the session, then waits until the session
// has answered the client, so that a message never overtakes the
// confirmation of its subscription.
type subConn struct {
	d      *dconn
	acks   chan []byte
	resume chan struct{}
	done   chan struct{}
	n      int  // subscriptions held on the node
	pats   bool // holds the client's patterns
}

// pubsub is a client's subscriptions.
type pubsub struct {
	s        *session
	conns    map[string]*subConn // by node address
	channels map[string]*subConn
	shard    map[string]*subConn
	patterns map[string]bool
	order    [3][]string // subscription order per kind, for bare UNSUBSCRIBE
	closing  atomic.Bool
	quit     chan struct{} // closed by close: readers stop waiting

	seen     atomic.Pointer[table] // the routing table subscriptions follow
	remap    atomic.Bool           // the map changed: move subscriptions
	watching chan struct{}         // closed to stop watchMap
	watched  chan struct{}         // closed when watchMap returned
}

func (ps *pubsub) count() int { return len(ps.channels) + len(ps.patterns) + len(ps.shard) }

// close ends every subscriber connection and waits for its reader.
func (ps *pubsub) close() {
	ps.stopWatch()
	ps.closing.Store(true)
	close(ps.quit)
	for _, sc := range ps.conns {
		sc.d.nc.Close()
		<-sc.done
	}
	clear(ps.conns)
	clear(ps.channels)
	clear(ps.shard)
	clear(ps.patterns)
	ps.order = [3][]string{}
	ps.quit = make(chan struct{})
	ps.closing.Store(false)
}

// subConn returns the subscriber connection to addr, opening it.
func (ps *pubsub) subConn(addr string) (*subConn, error) {
	if sc := ps.conns[addr]; sc != nil {
		return sc, nil
	}
	d, err := ps.s.p.dedicated(addr, 2) // RESP2: messages are turned into pushes for RESP3 clients
	if err != nil {
		return nil, err
	}
	sc := &subConn{d: d, acks: make(chan []byte), resume: make(chan struct{}), done: make(chan struct{})}
	ps.conns[addr] = sc
	go ps.read(sc)
	return sc, nil
}

var pingCmd = resp.AppendCommand(nil, "PING")

var msgPrefixes = [][]byte{
	[]byte("*3\r\n$7\r\nmessage\r\n"),
	[]byte("*4\r\n$8\r\npmessage\r\n"),
	[]byte("*3\r\n$8\r\nsmessage\r\n"),
}

// read forwards messages until the connection ends; a connection that
// fails while subscribed disconnects the client, whose library then
// reconnects and subscribes again.
func (ps *pubsub) read(sc *subConn) {
	defer close(sc.done)
	s, quit := ps.s, ps.quit
	for {
		b, err := sc.d.next(time.Time{})
		if err != nil {
			if !ps.closing.Load() {
				s.conn.Close()
			}
			return
		}
		isMsg := false
		for _, p := range msgPrefixes {
			if bytes.HasPrefix(b, p) {
				isMsg = true
				break
			}
		}
		if isMsg {
			if s.protoSeen.Load() == 3 {
				b[0] = '>' // the same frame as a push
			}
			if s.st.aw.push(b) != nil {
				return
			}
			continue
		}
		select {
		case sc.acks <- bytes.Clone(b):
		case <-quit:
			return
		}
		select {
		case <-sc.resume:
		case <-quit:
			return
		}
	}
}

// Kinds of subscription: index into pubsub.order.
const (
	subChannel = iota
	subPattern
	subShard
)

// subscribeCommand handles (P|S)SUBSCRIBE and (P|S)UNSUBSCRIBE.
func (s *session) subscribeCommand(c *call, name []byte, args [][]byte) {
	if _, msg := checkCommand(args); msg != "" {
		s.errorReply(c, msg)
		return
	}
	kind := subChannel
	switch string(name) {
	case "psubscribe", "punsubscribe":
		kind = subPattern
	case "ssubscribe", "sunsubscribe":
		kind = subShard
		for i := 2; i < len(args); i++ {
			ch := args[i]
			if slots.KeySlot(ch) != slots.KeySlot(args[1]) {
				s.errorReply(c, msgCrossSlot)
				return
			}
		}
	}
	sub := !strings.HasPrefix(string(name), "unsub") && string(name[1:]) != "unsubscribe"
	chans := make([]string, len(args)-1)
	for i, a := range args[1:] {
		chans[i] = string(a)
	}
	t := s.t
	s.hold(c, func() {
		if s.st.aw == nil {
			s.st.aw = newAsyncWriter(s.conn, s.p.cfg.PubsubOutputLimit, &s.p.stats)
		}
		if s.st.ps == nil {
			s.st.ps = &pubsub{s: s, conns: map[string]*subConn{}, channels: map[string]*subConn{},
				shard: map[string]*subConn{}, patterns: map[string]bool{}, quit: make(chan struct{})}
		}
		if s.st.ps.watching == nil {
			s.st.ps.watchMap()
		}
		s.st.ps.seen.Store(t)
		var err error
		if sub {
			err = s.st.ps.subscribe(t, kind, chans)
		} else {
			err = s.st.ps.unsubscribe(kind, chans)
		}
		if err != nil {
			s.out.Error("ERR " + err.Error())
		}
	})
}

var kindNames = [3][2]string{
	{"subscribe", "unsubscribe"},
	{"psubscribe", "punsubscribe"},
	{"ssubscribe", "sunsubscribe"},
}

// confirm pushes one (un)subscribe confirmation with the client's count.
func (ps *pubsub) confirm(kind int, unsub bool, ch *string) error {
	n := len(ps.channels) + len(ps.patterns)
	if kind == subShard {
		n = len(ps.shard)
	}
	w := resp.Writer{Proto: ps.s.proto}
	w.Push(3)
	b := resp.AppendBulkString(w.Buf, kindNames[kind][btoi(unsub)])
	if ch == nil {
		b = resp.AppendNullBulk(b)
	} else {
		b = resp.AppendBulkString(b, *ch)
	}
	b = resp.AppendInt(b, int64(n))
	return ps.s.st.aw.push(b)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// target is where one channel's (un)subscription goes.
type target struct {
	ch    string
	conns []*subConn // nil: answered by the proxy alone
}

// barrier sends a PING on every subscriber connection and waits for the
// replies, which come after every message the nodes sent there before: a
// message published before the client's command then reaches the client
// before that command's reply, as on one server.
func (ps *pubsub) barrier() error {
	var all []*subConn
	for _, sc := range ps.conns {
		all = append(all, sc)
	}
	for _, sc := range all {
		if err := sc.d.send(pingCmd, ps.s.p.writeTimeout()); err != nil {
			ps.s.conn.Close()
			return err
		}
	}
	for _, sc := range all {
		if err := ps.await(sc); err != nil {
			return err
		}
		sc.release()
	}
	return nil
}

// run sends the per-connection commands of targets, then, channel by
// channel in the client's order, takes each node's confirmation, updates
// the sets with apply and pushes the client's confirmation.
func (ps *pubsub) run(kind int, unsub bool, ts []target, apply func(t *target)) error {
	cmds := map[*subConn][]string{}
	var order []*subConn
	for _, t := range ts {
		for _, sc := range t.conns {
			if cmds[sc] == nil {
				order = append(order, sc)
			}
			cmds[sc] = append(cmds[sc], t.ch)
		}
	}
	if err := ps.barrier(); err != nil {
		return err
	}
	name := strings.ToUpper(kindNames[kind][btoi(unsub)])
	for _, sc := range order {
		cmd := resp.AppendCommand(nil, append([]string{name}, cmds[sc]...)...)
		if err := sc.d.send(cmd, ps.s.p.writeTimeout()); err != nil {
			ps.s.conn.Close()
			return err
		}
	}
	for i := range ts {
		t := &ts[i]
		for _, sc := range t.conns {
			if err := ps.await(sc); err != nil {
				return err
			}
		}
		apply(t)
		err := ps.confirm(kind, unsub, &t.ch)
		for _, sc := range t.conns {
			sc.release()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// await takes the next confirmation of sc; the reader then waits for
// release. A node that fails or does not confirm disconnects the client,
// whose library reconnects.
func (ps *pubsub) await(sc *subConn) error {
	timer := time.NewTimer(ps.s.p.readTimeout())
	defer timer.Stop()
	select {
	case <-sc.acks:
		return nil
	case <-sc.done:
		ps.s.conn.Close()
		return &router.UnavailableError{Addr: sc.d.addr, Reason: "closed"}
	case <-timer.C:
		ps.s.conn.Close()
		return &router.UnavailableError{Addr: sc.d.addr, Reason: "timeout"}
	}
}

// release lets the reader of sc go on after a confirmation.
func (sc *subConn) release() {
	select {
	case sc.resume <- struct{}{}:
	case <-sc.done:
	}
}

// subscribe subscribes chans of the kind on the nodes that publish them:
// the master of a channel's slot, or every master for a pattern.
func (ps *pubsub) subscribe(t *table, kind int, chans []string) error {
	ts := make([]target, len(chans))
	var all []*subConn
	if kind == subPattern {
		for g := 1; g < len(t.groups); g++ {
			if t.groups[g].addr == "" {
				return errNotServed
			}
			sc, err := ps.subConn(t.groups[g].addr)
			if err != nil {
				return err
			}
			all = append(all, sc)
		}
	}
	seen := map[string]bool{}
	for i, ch := range chans {
		ts[i].ch = ch
		if ps.has(kind, ch) || seen[ch] {
			continue
		}
		seen[ch] = true
		if kind == subPattern {
			ts[i].conns = all
			continue
		}
		g := t.slot[slots.KeySlot([]byte(ch))]
		if g == 0 || t.groups[g].addr == "" {
			return errNotServed
		}
		sc, err := ps.subConn(t.groups[g].addr)
		if err != nil {
			return err
		}
		ts[i].conns = []*subConn{sc}
	}
	return ps.run(kind, false, ts, func(t *target) {
		if t.conns == nil {
			return
		}
		for _, sc := range t.conns {
			sc.n++
		}
		if kind == subPattern {
			ps.patterns[t.ch] = true
			for _, sc := range t.conns {
				sc.pats = true
			}
		} else {
			ps.chans(kind)[t.ch] = t.conns[0]
		}
		ps.order[kind] = append(ps.order[kind], t.ch)
	})
}

func (ps *pubsub) has(kind int, ch string) bool {
	if kind == subPattern {
		return ps.patterns[ch]
	}
	return ps.chans(kind)[ch] != nil
}

// chans is the subscriber connection per channel of the kind subChannel
// or subShard.
func (ps *pubsub) chans(kind int) map[string]*subConn {
	if kind == subShard {
		return ps.shard
	}
	return ps.channels
}

// unsubscribe unsubscribes chans of the kind, or every one of that kind
// when chans is empty.
func (ps *pubsub) unsubscribe(kind int, chans []string) error {
	if len(chans) == 0 {
		chans = slices.Clone(ps.order[kind])
		if len(chans) == 0 {
			return ps.confirm(kind, true, nil)
		}
	}
	ts := make([]target, len(chans))
	seen := map[string]bool{}
	for i, ch := range chans {
		ts[i].ch = ch
		if !ps.has(kind, ch) || seen[ch] {
			continue
		}
		seen[ch] = true
		if kind == subPattern {
			for _, sc := range ps.conns {
				ts[i].conns = append(ts[i].conns, sc)
			}
		} else {
			ts[i].conns = []*subConn{ps.chans(kind)[ch]}
		}
	}
	err := ps.run(kind, true, ts, func(t *target) {
		if t.conns == nil {
			return
		}
		for _, sc := range t.conns {
			sc.n--
		}
		if kind == subPattern {
			delete(ps.patterns, t.ch)
		} else {
			delete(ps.chans(kind), t.ch)
		}
		if i := slices.Index(ps.order[kind], t.ch); i >= 0 {
			ps.order[kind] = slices.Delete(ps.order[kind], i, i+1)
		}
	})
	if err == nil && ps.count() == 0 {
		ps.close() // out of subscriber mode: the node connections go
	}
	return err
}

// subscriberAllowed applies Redis's RESP2 subscriber-mode restrictions; it
// reports false when it answered c.
func (s *session) subscriberAllowed(c *call, name []byte, args [][]byte) bool {
	switch string(name) {
	case "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe", "quit", "reset":
		return true
	case "ping":
		if len(args) > 2 {
			s.errorReply(c, errArity("ping"))
			return false
		}
		// after a barrier, so that messages published before the PING
		// reach the client before its pong, as on one server
		var arg []byte
		hasArg := len(args) == 2
		if hasArg {
			arg = append(arg, args[1]...)
		}
		s.hold(c, func() {
			switch ps := s.st.ps; {
			case ps == nil: // an earlier command of the pipeline left subscriber mode
				if hasArg {
					s.out.Bulk(arg)
				} else {
					s.out.Simple("PONG")
				}
			case ps.barrier() == nil:
				s.out.Array(2)
				s.out.BulkString("pong")
				s.out.Bulk(arg) // none: "" as Redis
			}
		})
		return false
	}
	cmd, msg := checkCommand(args)
	if msg == "" {
		msg = "ERR Can't execute '" + cmd.Name + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
	}
	s.errorReply(c, msg)
	return false
}

// publish sends PUBLISH or SPUBLISH to the master of the channel's slot, the
// node its subscribers are subscribed on.
func (s *session) publish(c *call, name []byte, args [][]byte) {
	if _, msg := checkCommand(args); msg != "" {
		s.errorReply(c, msg)
		return
	}
	g := s.t.slot[slots.KeySlot(args[1])]
	if g == 0 {
		s.errorReply(c, msgNotServed)
		return
	}
	s.forward(c, g, args)
}
