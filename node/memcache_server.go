package node

import (
	"context"
	"net"

	"github.com/slotcache/slotcache/protocol/memcache"
	"github.com/slotcache/slotcache/protocol/resp"
)

// msgMCMaxConns is what memcached sends a client over its connection limit
// before closing it.
const msgMCMaxConns = "ERROR Too many open connections\r\n"

// ServeMemcache accepts memcached clients on ln until ctx is cancelled or
// Close is called. Their requests run through the same command table as
// RESP clients (as the internal MC* commands), so they share the keyspace,
// the lock, maxclients, maxmemory, requirepass and the statistics.
func (s *Server) ServeMemcache(ctx context.Context, ln net.Listener) error {
	return s.serve(ctx, ln, s.acceptMemcache)
}

func (s *Server) acceptMemcache(conn net.Conn) {
	var lim memcache.Limits
	c := s.admit(conn, msgMCMaxConns, "SERVER_ERROR "+msgProtectedMode[:min(len(msgProtectedMode), 200)]+"\r\n", func(*client) {
		s.mc.conns++
		s.mc.connsTot++
		s.wg.Add(1)
		lim = memcache.Limits{ItemSizeMax: int(s.cfg.MemcacheItemSizeMax)}
	})
	if c == nil {
		return
	}
	m := &mcConn{c: c, rd: memcache.NewReader(&timeoutReader{c: c}, lim)}
	m.rr = resp.NewReader(&m.src, resp.Limits{MaxBulkLen: 1 << 31})
	go func() {
		defer s.wg.Done()
		m.serve()
	}()
}

// mcConn is one memcached connection. Its client carries the dispatch
// state (database, authentication, CLIENT LIST entry); the requests are
// read by a memcache.Reader and their replies written from out.
type mcConn struct {
	c    *client
	rd   *memcache.Reader
	req  memcache.Request
	args [][]byte
	nums memcache.ArgBuffer
	src  replySource
	rr   *resp.Reader // decodes the command's RESP reply
	out  []byte
	// held lists the keys of the items that mg replies in out carry. In
	// memcached such a reply holds a reference to its item until written,
	// and incr/decr then build a new item instead of rewriting in place.
	held    [][]byte
	heldBuf []byte // backing store of held, reused across batches
}

// replySource hands one command's RESP reply to the decoding reader.
type replySource struct{ b []byte }

func (r *replySource) Read(p []byte) (int, error) {
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// serve reads a request (blocking, without the lock), runs it and every
// further request already buffered under one lock acquisition, then writes
// the replies at once: pipelined requests are answered in order, one write
// per batch.
func (m *mcConn) serve() {
	s := m.c.srv
	defer func() {
		s.mu.Lock()
		s.mc.conns--
		s.mu.Unlock()
		m.c.close()
	}()
	for {
		if err := m.rd.Read(&m.req); err != nil {
			m.flush()
			return
		}
		s.mu.Lock()
		if m.c.closing {
			s.mu.Unlock()
			return
		}
		quit := m.run()
		for n := 1; !quit && n < maxBatch && len(m.out) < flushThreshold; n++ {
			ok, err := m.rd.Next(&m.req)
			if !ok || err != nil {
				break // an error comes back from the next Read
			}
			quit = m.run()
		}
		quit = quit || m.c.closing
		s.mu.Unlock()
		if !m.flush() || quit {
			return
		}
	}
}

// run executes the current request with the lock held and appends its
// reply; it reports whether the connection must close (quit).
func (m *mcConn) run() (quit bool) {
	req := &m.req
	if req.Closes() {
		return true
	}
	if req.Cmd >= memcache.CmdMetaGet {
		m.c.srv.mc.st.metaCmds++
	}
	m.args = req.Args(m.args, &m.nums)
	if m.args == nil {
		m.out = memcache.AppendLocal(m.out, req)
		return false
	}
	if req.Cmd.IsGet() && len(req.Keys) > mcGetChunk {
		return m.runLongGet(req)
	}
	if m.holds(req) {
		m.args = append(m.args, wNewItem)
	}
	v, err := m.call(m.args)
	if err != nil {
		m.out = append(m.out, "SERVER_ERROR internal error\r\n"...)
		return true
	}
	m.out = memcache.AppendReply(m.out, req, v)
	m.hold(req, v)
	return false
}

var wNewItem = []byte("NEWITEM")

// call runs an internal command and reads back the RESP reply it left in
// the client's buffer; the value is valid until the next call. A large
// reply buffer is not kept.
func (m *mcConn) call(args [][]byte) (resp.Value, error) {
	c := m.c
	c.w.Buf = c.w.Buf[:0]
	c.exec(args)
	m.src.b = c.w.Buf
	v, err := m.rr.ReadReply()
	if cap(c.w.Buf) > maxRetainedOut {
		c.w.Buf = nil
	} else {
		c.w.Buf = c.w.Buf[:0]
	}
	return v, err
}

// mcGetChunk is how many keys of a long get run as one internal command;
// the replies of each part are sent before the next runs, so the memory a
// get takes is bounded by the part, not by the number of keys.
const mcGetChunk = 16

// runLongGet runs a get with many keys in parts, with the lock held on
// entry and exit; between parts it lets the lock go while large replies
// are written. memcached's multi-get is not atomic either.
func (m *mcConn) runLongGet(req *memcache.Request) (quit bool) {
	c, s := m.c, m.c.srv
	for i := 0; i < len(req.Keys); i += mcGetChunk {
		keys := req.Keys[i:min(i+mcGetChunk, len(req.Keys))]
		m.args = req.GetArgs(m.args, keys, &m.nums)
		v, err := m.call(m.args)
		if err != nil {
			m.out = append(m.out, "SERVER_ERROR internal error\r\n"...)
			return true
		}
		if v.IsError() { // e.g. NOAUTH: the error line ends the reply
			m.out = memcache.AppendReply(m.out, req, v)
			return false
		}
		m.out = memcache.AppendValues(m.out, req, keys, v)
		if len(m.out) >= flushThreshold {
			s.mu.Unlock()
			ok := m.flush()
			s.mu.Lock()
			if !ok || c.closing {
				return true
			}
		}
	}
	m.out = append(m.out, "END\r\n"...)
	return false
}

// hold records the keys whose items the reply to req keeps referenced: in
// memcached an mg reply does.
func (m *mcConn) hold(req *memcache.Request, v resp.Value) {
	if req.Cmd != memcache.CmdMetaGet || v.Null || v.IsError() {
		return
	}
	if cap(m.heldBuf)-len(m.heldBuf) < len(req.Keys[0]) {
		// A new backing array: the keys already held keep the old one.
		m.heldBuf = make([]byte, 0, max(4096, 2*cap(m.heldBuf)))
	}
	start := len(m.heldBuf)
	m.heldBuf = append(m.heldBuf, req.Keys[0]...)
	m.held = append(m.held, m.heldBuf[start:])
}

// holds reports whether req is an incr/decr of an item a pending reply
// carries.
func (m *mcConn) holds(req *memcache.Request) bool {
	switch req.Cmd {
	case memcache.CmdIncr, memcache.CmdDecr, memcache.CmdMetaArithmetic:
		for _, k := range m.held {
			if string(k) == string(req.Keys[0]) {
				return true
			}
		}
	}
	return false
}

// flush writes the pending replies; it reports false when the write failed.
func (m *mcConn) flush() bool {
	if len(m.out) == 0 {
		return true
	}
	m.held, m.heldBuf = m.held[:0], m.heldBuf[:0]
	n, err := m.c.conn.Write(m.out)
	m.c.srv.countOut(n)
	if cap(m.out) > maxRetainedOut {
		m.out = nil
	} else {
		m.out = m.out[:0]
	}
	return err == nil
}
