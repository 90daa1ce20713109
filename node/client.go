package node

import (
	"bytes"
	"errors"
	"net"
	"runtime/debug"
	"strings"
	"time"

	"github.com/slotcache/slotcache/protocol/resp"
)

const (
	// maxBatch bounds the commands one client runs per lock acquisition.
	maxBatch = 128
	// flushThreshold flushes the reply buffer early during long pipelines.
	flushThreshold = 64 << 10
	// maxRetainedOut is the reply buffer capacity kept between commands.
	maxRetainedOut = 64 << 10
)

// client is one connection. Its goroutine owns the reader and the reply
// buffer; the fields below mu-guarded are read by CLIENT LIST and friends
// under the server lock.
type client struct {
	srv  *Server
	conn net.Conn
	rd   *resp.Reader
	w    resp.Writer

	// guarded by srv.mu
	id         int64
	name       string
	addr       string
	laddr      string
	created    time.Time
	lastActive time.Time
	db         *db
	authed     bool
	lastCmd    string
	closing    bool // QUIT, CLIENT KILL or a fatal error: close after flushing
	noEvict    bool
	multi      *multiState // non-nil inside MULTI (transactions)
	dirtyCAS   bool        // a WATCHed key was modified
	watching   []watchedKey
	ps         *subscriber // pub/sub state, nil until the first subscription
	blk        *blockState // set while a blocking command waits
	inExec     bool        // running the commands of EXEC
	readonly   bool        // READONLY: a cluster replica serves its reads
	asking     bool        // ASKING: the next command may use an importing slot
	keyIdx     []int       // scratch for key positions (cluster mode)

	// stash holds input read while the client was blocked; owned by the
	// client goroutine (and its blocked-time reader, see waitBlocked).
	stash []byte

	// CLIENT REPLY: replyOff drops every reply, replySkip the current
	// command's, replySkipNext is set by CLIENT REPLY SKIP for the next one.
	replyOff, replySkip, replySkipNext bool

	// now is the command's clock in unix ms, fixed for the command.
	now int64

	// pending is a command the event loop read but left for the client's
	// own goroutine to run (a script: see runsScript).
	pending [][]byte

	// loop is set while the event loop serves the client (written by the
	// loop thread with srv.mu held); nil on a goroutine of its own.
	loop *loopConn
}

// multiState holds the commands queued between MULTI and EXEC.
type multiState struct {
	cmds  [][][]byte
	abort bool // a queuing error happened: EXEC replies EXECABORT
}

// watchedKey is one WATCHed key.
type watchedKey struct {
	db      *db
	key     string
	expired bool // already logically expired when watched
}

func (s *Server) newClient(conn net.Conn) *client {
	s.nextID++
	now := time.Now()
	c := &client{
		srv:        s,
		conn:       conn,
		id:         s.nextID,
		addr:       conn.RemoteAddr().String(),
		laddr:      conn.LocalAddr().String(),
		created:    now,
		lastActive: now,
		db:         s.dbs[0],
		authed:     s.cfg.RequirePass == "",
		w:          resp.Writer{Proto: 2},
	}
	c.rd = resp.NewReader(&timeoutReader{c: c}, resp.Limits{
		MaxBulkLen:  s.cfg.ProtoMaxBulkLen,
		MaxQueryBuf: int(s.cfg.ClientQueryBufferLimit),
	})
	c.rd.Unauthenticated = !c.authed
	return c
}

// timeoutReader applies the idle client timeout to each blocking read.
type timeoutReader struct{ c *client }

func (t *timeoutReader) Read(p []byte) (int, error) {
	s := t.c.srv
	if len(t.c.stash) > 0 {
		n := copy(p, t.c.stash)
		t.c.stash = t.c.stash[n:]
		if len(t.c.stash) == 0 {
			t.c.stash = nil
		}
		return n, nil
	}
	if timeout := s.idleTimeout.Load(); timeout > 0 {
		t.c.conn.SetReadDeadline(time.Now().Add(time.Duration(timeout)))
	}
	n, err := t.c.conn.Read(p)
	s.countIn(n)
	return n, err
}

// serve runs the connection until it closes: read a command (blocking,
// without the lock), then run it and every further command already
// buffered under one lock acquisition, and flush once no complete command
// is left in the input.
func (c *client) serve() {
	s := c.srv
	defer c.close()
	for {
		args, err := c.rd.ReadCommand()
		if err != nil {
			var pe *resp.ProtocolError
			if errors.As(err, &pe) {
				s.mu.Lock()
				s.stats.protocolErrors++
				s.mu.Unlock()
				c.w.Error("ERR " + pe.Error())
			}
			c.flush()
			return
		}
		s.mu.Lock()
		if c.closing { // killed (CLIENT KILL) while reading
			s.mu.Unlock()
			return
		}
		c.exec(args)
		blocked := false
		for {
			drained := c.runBuffered()
			if c.blk != nil {
				blocked = true
				break
			}
			if drained || c.closing {
				break
			}
			// Batch limit: let other clients run before going on with this
			// pipeline, and send a large reply buffer meanwhile.
			s.mu.Unlock()
			if len(c.w.Buf) >= flushThreshold && !c.flush() {
				return
			}
			s.mu.Lock()
		}
		if blocked {
			if !c.blockWait() {
				return
			}
			continue
		}
		closing := c.closing
		s.mu.Unlock()
		// No complete command is left: the next read may block, so the
		// replies go out now.
		if !c.flush() || closing {
			return
		}
	}
}

// resume serves, on a goroutine, a client the event loop handed over with
// its input still buffered: it parks on the blocking command that caused
// the handover, or sends the replies produced so far, then goes on as serve.
func (c *client) resume() {
	s := c.srv
	s.mu.Lock()
	if args := c.pending; args != nil {
		c.pending = nil
		if !c.closing {
			c.exec(args)
		}
	}
	if c.blk != nil {
		if !c.blockWait() {
			c.close()
			return
		}
	} else {
		s.mu.Unlock()
		if !c.flush() {
			c.close()
			return
		}
	}
	c.serve()
}

// runBuffered runs the complete commands already buffered, up to a batch
// limit, with the lock held. It reports whether the input holds no further
// complete command (so the replies should be flushed now).
func (c *client) runBuffered() (drained bool) {
	for n := 1; n < maxBatch && !c.closing && c.blk == nil && len(c.w.Buf) < flushThreshold; n++ {
		args, ok, err := c.rd.Next()
		if !ok || err != nil {
			return true // a protocol error is reported by the next ReadCommand
		}
		c.exec(args)
	}
	return false
}

// blockWait is entered with the lock held by a client that a blocking
// command parked. It sends the replies produced so far, waits until the
// client is served, times out or goes away, then sends the blocked
// command's reply. It reports whether the connection is still usable.
func (c *client) blockWait() bool {
	s := c.srv
	// A waking push appends the reply to a fresh buffer under the lock.
	out := c.w.Buf
	c.w.Buf = nil
	s.mu.Unlock()
	if len(out) > 0 {
		n, err := c.conn.Write(out)
		s.countOut(n)
		if err != nil {
			return false
		}
	}
	if !c.waitBlocked() {
		return false
	}
	return c.flush()
}

// flush writes the pending replies; it reports false when the write failed.
// A subscriber's replies are queued behind the messages already published
// to it, for its writer goroutine.
func (c *client) flush() bool {
	if len(c.w.Buf) == 0 {
		return true
	}
	if ps := c.ps; ps != nil {
		c.srv.mu.Lock()
		c.deliver(c.w.Buf)
		c.srv.mu.Unlock()
		c.w.Buf = c.w.Buf[:0]
		return !ps.dropped
	}
	n, err := c.conn.Write(c.w.Buf)
	c.srv.countOut(n)
	if cap(c.w.Buf) > maxRetainedOut {
		c.w.Buf = nil
	} else {
		c.w.Buf = c.w.Buf[:0]
	}
	return err == nil
}

// close unregisters the client and closes its connection.
func (c *client) close() {
	s := c.srv
	s.mu.Lock()
	c.unblock()
	c.unwatchAll()
	ps := c.ps
	c.unsubscribeAll()
	delete(s.clients, c.id)
	s.mu.Unlock()
	if ps != nil {
		<-ps.exited // the writer has sent what was queued
	}
	c.conn.Close()
}

// exec runs one command with the server lock held, applying CLIENT REPLY
// OFF|SKIP by dropping the command's reply.
func (c *client) exec(args [][]byte) {
	mark := len(c.w.Buf)
	defer c.recoverCommand(args, mark)
	c.execOne(args)
	if c.asking && c.multi == nil && !bytes.EqualFold(args[0], []byte("asking")) {
		c.asking = false // ASKING lasts one command (or one transaction)
	}
	if c.replyOff || c.replySkip || c.replySkipNext {
		c.w.Buf = c.w.Buf[:mark]
		c.replySkip, c.replySkipNext = c.replySkipNext, false
	}
}

// recoverCommand turns a panic in a command into an error reply and a
// closed connection, so that a bug in one command can neither crash the
// server nor leave its lock held.
func (c *client) recoverCommand(args [][]byte, mark int) {
	r := recover()
	if r == nil {
		return
	}
	c.srv.log.Error("command panicked; connection closed", "cmd", string(args[0]), "panic", r, "stack", string(debug.Stack()))
	c.w.Buf = c.w.Buf[:mark]
	c.w.Error("ERR internal error while executing '" + string(args[0]) + "'")
	c.multi = nil
	c.closing = true
}

func (c *client) execOne(args [][]byte) {
	s := c.srv
	now := time.Now()
	c.lastActive = now
	c.now = now.UnixMilli()
	s.cmdClock = c.now
	cmd := s.commands.lookup(args[0])
	if cmd == nil {
		if isHTTPAttack(args[0]) {
			s.log.Warn("possible security attack detected: HTTP-looking command, connection closed", "addr", c.addr)
			c.closing = true
			c.w.Buf = c.w.Buf[:0] // as Redis, drop the replies not yet sent
			return
		}
		c.reject(nil, errUnknownCommand(args))
		return
	}
	if !cmd.arityOK(len(args)) {
		c.reject(cmd, errWrongArity(cmd.name))
		return
	}
	if cmd.subs != nil && len(args) > 1 {
		sub := cmd.lookupSub(args[1])
		if sub == nil {
			c.reject(cmd, errUnknownSubcommand(args[1], cmd.name))
			return
		}
		if !sub.arityOK(len(args)) {
			c.reject(sub, errWrongArity(sub.name))
			return
		}
		cmd = sub
	}
	if !c.authed {
		if s.cfg.RequirePass == "" {
			// The password was removed with CONFIG SET: commands need no
			// AUTH any more, though HELLO still sees an unauthenticated
			// client, as in Redis.
			c.rd.Unauthenticated = false
		} else if cmd.flags&flagNoAuth == 0 {
			c.reject(cmd, msgNoAuth)
			return
		}
	}
	if cl := s.cluster.Load(); cl != nil && !c.clusterRedirect(cl, cmd, args) {
		return
	}
	if s.cfg.MaxMemory > 0 && cmd.flags&flagDenyOOM != 0 && !s.memoryOK() {
		c.reject(cmd, msgOOM)
		return
	}
	if s.scriptBusy() && refusedWhileBusy(cmd, args) {
		c.reject(cmd, msgBusy)
		return
	}
	if c.w.Proto < 3 && c.subscribed() && !allowedWhileSubscribed(cmd) {
		c.reject(cmd, "ERR Can't execute '"+cmd.name+"': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
		return
	}
	if c.multi != nil && !isMultiControl(cmd) {
		c.queueMulti(cmd, args)
		return
	}
	c.call(cmd, args, now)
	if len(s.ready) > 0 {
		s.serveBlocked()
	}
}

// call runs cmd and records its statistics and slow log entry.
func (c *client) call(cmd *command, args [][]byte, start time.Time) {
	s := c.srv
	target := cmd
	if cmd.subs != nil && len(args) > 1 {
		target = cmd.lookupSub(args[1]) // checked by exec
	}
	errsBefore := s.stats.errorReplies
	outBefore := len(c.w.Buf)
	dirtyBefore := s.dirty
	db := c.db
	target.fn(c, args)
	if s.dirty != dirtyBefore && !target.signals && (len(db.watched) > 0 || len(db.blocking) > 0) {
		// The command changed the keyspace: invalidate WATCHes of its keys
		// and wake clients blocked on them.
		first, last, step := target.keyRange(len(args))
		for i := first; first > 0 && i <= last; i += step {
			db.signalModified(args[i])
		}
	}
	if bytes.HasPrefix(c.w.Buf[outBefore:], []byte{'-'}) {
		s.stats.errorReplies++
		s.countError(c.w.Buf[outBefore+1:])
	}
	dur := time.Since(start)
	us := dur.Microseconds()
	target.calls++
	target.usec += us
	if s.stats.errorReplies != errsBefore {
		target.failed++
	}
	s.stats.commandsProcessed++
	c.lastCmd = target.name
	if target.flags&flagSkipSlowlog == 0 {
		s.slowlog.add(&s.cfg, c, args, start, us)
	}
}

// reject replies with an error for a command refused before it ran.
func (c *client) reject(cmd *command, msg string) {
	s := c.srv
	s.stats.errorReplies++
	s.countError([]byte(msg))
	if cmd != nil {
		cmd.rejected++
	}
	if c.multi != nil {
		if cmd != nil && cmd.name == "exec" {
			// Redis discards the transaction at once when EXEC itself is refused.
			c.multi = nil
			c.unwatchAll()
			c.w.Error("EXECABORT Transaction discarded because of: " + strings.TrimPrefix(msg, "ERR "))
			return
		}
		c.multi.abort = true
	}
	c.w.Error(msg)
}

// isHTTPAttack reports the commands Redis treats as a cross-protocol attack.
func isHTTPAttack(name []byte) bool {
	return bytes.EqualFold(name, []byte("post")) || bytes.EqualFold(name, []byte("host:"))
}

// allowedWhileSubscribed reports the commands a RESP2 subscriber may send.
func allowedWhileSubscribed(cmd *command) bool {
	switch cmd.name {
	case "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe", "ping", "quit", "reset":
		return true
	}
	return false
}

// isMultiControl reports the commands that run immediately inside MULTI.
func isMultiControl(cmd *command) bool {
	switch cmd.name {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return true
	}
	return false
}

// queueMulti queues a command inside MULTI (copying its arguments).
func (c *client) queueMulti(cmd *command, args [][]byte) {
	cp := make([][]byte, len(args))
	for i, a := range args {
		cp[i] = append([]byte(nil), a...)
	}
	c.multi.cmds = append(c.multi.cmds, cp)
	c.w.Simple("QUEUED")
}

// unwatchAll drops every WATCH of the client.
func (c *client) unwatchAll() {
	for _, wk := range c.watching {
		list := wk.db.watched[wk.key]
		for i, x := range list {
			if x == c {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(wk.db.watched, wk.key)
		} else {
			wk.db.watched[wk.key] = list
		}
	}
	c.watching = nil
	c.dirtyCAS = false
}
