package proxy

import (
	"bytes"
	"context"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slotcache/slotcache/internal/rawnet"
	"github.com/slotcache/slotcache/protocol/memcache"
	"github.com/slotcache/slotcache/protocol/resp"
	"github.com/slotcache/slotcache/router"
	"github.com/slotcache/slotcache/slots"
)

const (
	// msgMCMaxConns is what memcached sends a client over its connection
	// limit before closing it.
	msgMCMaxConns = "ERROR Too many open connections\r\n"
	// msgMCUnavailable answers a request whose group cannot be reached
	// (node down, connection lost, reply overdue) or whose slot no group
	// serves.
	msgMCUnavailable = "SERVER_ERROR backend unavailable"
	// mcMaxBatch bounds the requests of one client dispatched before their
	// replies are written.
	mcMaxBatch = 1024
)

var errMCUnavailable = resp.Value{Type: '-', Str: []byte(msgMCUnavailable)}

// mcState is the memcached listener's share of the proxy: its
// connections and the counters "stats" reports as the proxy's own.
type mcState struct {
	mu       sync.Mutex
	conns    map[uint64]*mcSession
	port     atomic.Int64
	total    atomic.Int64
	rejected atomic.Int64
	cmdGet   atomic.Int64
	getHits  atomic.Int64
	getMiss  atomic.Int64
	cmdSet   atomic.Int64
	cmdTouch atomic.Int64
	cmdFlush atomic.Int64
	cmdMeta  atomic.Int64
	netIn    atomic.Int64
	netOut   atomic.Int64
}

// ServeMemcache accepts memcached clients on ln until ctx is cancelled or
// Close is called. Each request is translated to the internal command of
// the node owning its key (protocol/memcache), sent over the same backend
// pools as RESP commands, and the node's reply translated back.
func (p *Proxy) ServeMemcache(ctx context.Context, ln net.Listener) error {
	if a, ok := ln.Addr().(*net.TCPAddr); ok {
		p.mc.port.Store(int64(a.Port))
	}
	if p.cfg.EventLoops > 0 {
		ln = rawnet.Listener(ln)
	}
	return p.serveListener(ctx, ln, p.acceptMemcache, p.closeMemcache)
}

// mcConns returns the number of memcached connections; p.mu is held.
func (p *Proxy) mcConns() int {
	p.mc.mu.Lock()
	defer p.mc.mu.Unlock()
	return len(p.mc.conns)
}

// closeMemcache closes the memcached connections.
func (p *Proxy) closeMemcache() {
	p.mc.mu.Lock()
	for _, s := range p.mc.conns {
		if !s.looped { // an event loop closes its own
			s.conn.Close()
		}
	}
	p.mc.mu.Unlock()
}

func (p *Proxy) acceptMemcache(nc net.Conn) {
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	rawnet.SetSockopts(nc, 0)
	p.mc.total.Add(1)
	p.mu.Lock()
	p.mc.mu.Lock()
	if p.closed || len(p.clients)+len(p.mc.conns) >= p.cfg.MaxClients {
		p.mc.mu.Unlock()
		p.mu.Unlock()
		p.mc.rejected.Add(1)
		nc.SetWriteDeadline(time.Now().Add(time.Second))
		nc.Write([]byte(msgMCMaxConns))
		nc.Close()
		return
	}
	p.nextID++
	s := &mcSession{p: p, conn: nc, id: p.nextID}
	s.rd = memcache.NewReader(&mcReader{s: s}, memcache.Limits{ItemSizeMax: p.cfg.MemcacheItemSizeMax})
	s.rr = resp.NewReader(&s.src, resp.Limits{MaxBulkLen: p.cfg.MaxBulkLen})
	if p.mc.conns == nil {
		p.mc.conns = map[uint64]*mcSession{}
	}
	p.mc.conns[s.id] = s
	p.wg.Add(1)
	l := p.loopFor(nc, s.id)
	s.looped = l != nil
	p.mc.mu.Unlock()
	p.mu.Unlock()
	if l != nil && l.add(s) {
		return
	}
	p.mc.mu.Lock()
	nc, err := rawnet.GoConn(s.conn)
	if err == nil {
		s.conn = nc
	}
	s.looped = false
	p.mc.mu.Unlock()
	if err != nil {
		p.endMemcache(s)
		return
	}
	go func() {
		s.serve()
		p.endMemcache(s)
	}()
}

// endMemcache forgets a memcached session that ended.
func (p *Proxy) endMemcache(s *mcSession) {
	s.conn.Close()
	p.mc.mu.Lock()
	delete(p.mc.conns, s.id)
	p.mc.mu.Unlock()
	p.wg.Done()
}

// mcOp says how a request's reply is built.
type mcOp uint8

const (
	mcLocal  mcOp = iota // AppendLocal: no node involved
	mcSingle             // the reply of the one request
	mcSplit              // a get split per group, merged in key order
	mcAll                // flush_all: the first failure, else the reply
	mcStats              // stats: proxy figures plus the groups' sums
)

// mcCall is one client request of the current batch.
type mcCall struct {
	op     mcOp
	r0, nr int32 // backend requests s.reqs[r0 : r0+nr]
	a0     int32 // split gets: s.aux[a0 : a0+len(keys)], the part of each key
}

// mcSession is one memcached client connection. Like the RESP session, it
// reads every complete request already buffered (up to mcMaxBatch), sends
// each to its group at once, waits for the replies and writes them in order
// with one system call.
type mcSession struct {
	p    *Proxy
	conn net.Conn // replaced, under p.mc.mu, if it leaves an event loop
	// looped: an event loop owns the connection (p.mc.mu)
	looped  bool
	loopErr bool // the loop met bad input: the session ends
	id      uint64
	rd      *memcache.Reader

	t     *table
	mreqs []*memcache.Request // the batch's requests; slices valid until the next Read
	calls []mcCall
	batch
	args   [][]byte
	nums   memcache.ArgBuffer
	aux    []int32
	kg     []uint16
	parts  [][][]byte       // keys per part while splitting
	order  []uint16         // the part keys (group or slot), in order of first use
	partOf map[uint16]int32 // part index per part key while splitting
	offs   []int            // read offset per part while merging
	held   [][]byte         // keys of mg requests earlier in the batch
	out    []byte
	src    replyBytes
	rr     *resp.Reader
	quit   bool
}

// mcReader applies the idle timeout and counts input.
type mcReader struct{ s *mcSession }

func (r *mcReader) Read(b []byte) (int, error) {
	p := r.s.p
	if d := p.cfg.IdleTimeout; d > 0 {
		r.s.conn.SetReadDeadline(time.Now().Add(d))
	}
	n, err := r.s.conn.Read(b)
	p.mc.netIn.Add(int64(n))
	return n, err
}

// replyBytes hands one raw backend reply to the decoding reader.
type replyBytes struct{ b []byte }

func (r *replyBytes) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, errBadReply
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func (s *mcSession) serve() {
	defer s.conn.Close()
	for {
		s.begin()
		req := s.next()
		if err := s.rd.Read(req); err != nil {
			// ErrLineTooLong: memcached closes without a reply.
			return
		}
		s.handle(req)
		s.more()
		s.flush(s.id)
		s.wg.Wait()
		s.redirects(s.p, s.id, 2)
		s.finishBatch(0)
		if len(s.out) > 0 {
			n, err := s.conn.Write(s.out)
			s.p.mc.netOut.Add(int64(n))
			if err != nil {
				return
			}
		}
		if s.quit {
			return
		}
	}
}

// begin starts a batch.
func (s *mcSession) begin() {
	s.t = s.p.routes()
	s.calls = s.calls[:0]
	s.reset()
	s.aux = s.aux[:0]
	s.held = s.held[:0]
	s.mreqs = s.mreqs[:0]
	if cap(s.out) > maxRetainedBuf {
		s.out = nil
	}
	s.out = s.out[:0]
}

// next returns the request slot for the batch's next request.
func (s *mcSession) next() *memcache.Request {
	n := len(s.mreqs)
	if n < cap(s.mreqs) && s.mreqs[:n+1][n] != nil {
		s.mreqs = s.mreqs[:n+1]
	} else {
		s.mreqs = append(s.mreqs, &memcache.Request{})
	}
	return s.mreqs[n]
}

// send queues the command args to group g for call c.
func (s *mcSession) send(c *mcCall, g uint16, args [][]byte) {
	r := s.newReq()
	r.Cmd = appendCommand(r.Cmd, args)
	c.nr++
	s.enqueue(s.t.groups[g].pool, s.id, r)
}

// group returns the group index serving key.
func (s *mcSession) group(key []byte) uint16 {
	return s.t.slot[slots.KeySlot(key)]
}

// handle dispatches one request.
func (s *mcSession) handle(req *memcache.Request) {
	st := &s.p.mc
	s.calls = append(s.calls, mcCall{r0: int32(s.nreq)})
	c := &s.calls[len(s.calls)-1]
	if req.Closes() {
		s.quit = true
		return
	}
	switch {
	case req.Cmd.IsGet():
		st.cmdGet.Add(int64(len(req.Keys)))
		if req.Cmd == memcache.CmdGat || req.Cmd == memcache.CmdGats {
			st.cmdTouch.Add(int64(len(req.Keys)))
		}
	case req.Cmd.IsStore() || req.Cmd == memcache.CmdMetaSet:
		st.cmdSet.Add(1)
	case req.Cmd == memcache.CmdTouch:
		st.cmdTouch.Add(1)
	case req.Cmd == memcache.CmdFlushAll:
		st.cmdFlush.Add(1)
	}
	if req.Cmd >= memcache.CmdMetaGet {
		st.cmdMeta.Add(1)
	}
	s.args = req.Args(s.args, &s.nums)
	if s.args == nil {
		return // mcLocal
	}
	switch req.Cmd {
	case memcache.CmdGet, memcache.CmdGets, memcache.CmdGat, memcache.CmdGats:
		s.splitGet(c, req)
		return
	case memcache.CmdFlushAll:
		c.op = mcAll
		for g := 1; g < len(s.t.groups); g++ {
			s.send(c, uint16(g), s.args)
		}
		if c.nr == 0 {
			s.send(c, 0, s.args)
		}
		return
	case memcache.CmdStats:
		c.op = mcStats
		for g := 1; g < len(s.t.groups); g++ {
			s.send(c, uint16(g), s.args)
		}
		return
	case memcache.CmdMetaGet:
		s.held = append(s.held, req.Keys[0])
	case memcache.CmdIncr, memcache.CmdDecr, memcache.CmdMetaArithmetic:
		// An item an earlier mg reply of the batch still references is
		// not rewritten in place (see the node's memcached listener).
		for _, k := range s.held {
			if bytes.Equal(k, req.Keys[0]) {
				s.args = append(s.args, wNewItem)
				break
			}
		}
	}
	c.op = mcSingle
	s.send(c, s.group(req.Keys[0]), s.args)
}

var wNewItem = []byte("NEWITEM")

// splitGet sends a get-family request as one command per group owning
// some of its keys, or, with SplitPerSlot (cluster-mode nodes refuse keys
// of several slots in one command), one per slot.
func (s *mcSession) splitGet(c *mcCall, req *memcache.Request) {
	perSlot := s.p.cfg.SplitPerSlot
	s.kg = s.kg[:0] // the part key of each key: its slot or its group
	for _, k := range req.Keys {
		sl := uint16(slots.KeySlot(k))
		if !perSlot {
			sl = s.t.slot[sl]
		}
		s.kg = append(s.kg, sl)
	}
	same := true
	for _, b := range s.kg[1:] {
		same = same && b == s.kg[0]
	}
	groupOf := func(b uint16) uint16 {
		if perSlot {
			return s.t.slot[b]
		}
		return b
	}
	if same {
		c.op = mcSingle
		s.send(c, groupOf(s.kg[0]), s.args)
		return
	}
	c.op = mcSplit
	c.a0 = int32(len(s.aux))
	if s.partOf == nil {
		s.partOf = map[uint16]int32{}
	}
	clear(s.partOf)
	s.order = s.order[:0]
	for i, b := range s.kg {
		part, ok := s.partOf[b]
		if !ok {
			part = int32(len(s.order))
			s.partOf[b] = part
			s.order = append(s.order, b)
			if len(s.parts) <= int(part) {
				s.parts = append(s.parts, nil)
			}
		}
		s.parts[part] = append(s.parts[part], req.Keys[i])
		s.aux = append(s.aux, part)
	}
	for i, b := range s.order {
		s.args = req.GetArgs(s.args, s.parts[i], &s.nums)
		s.send(c, groupOf(b), s.args)
		clear(s.parts[i])
		s.parts[i] = s.parts[i][:0]
	}
}

// decode parses a backend request's reply; a failed request becomes
// msgMCUnavailable.
func (s *mcSession) decode(r *router.Request) resp.Value {
	if r.Err != nil {
		return errMCUnavailable
	}
	s.src.b = r.Reply
	v, err := s.rr.ReadReply()
	if err != nil {
		s.rr = resp.NewReader(&s.src, resp.Limits{MaxBulkLen: s.p.cfg.MaxBulkLen})
		return resp.Value{Type: '-', Str: []byte("SERVER_ERROR invalid reply from backend")}
	}
	return v
}

// reply appends the reply of call i to s.out.
func (s *mcSession) reply(i int) {
	c := &s.calls[i]
	req := s.mreqs[i]
	reqs := s.reqs[c.r0 : c.r0+c.nr]
	switch c.op {
	case mcLocal:
		s.out = memcache.AppendLocal(s.out, req)
	case mcSingle:
		if s.appendFast(req, reqs) {
			return
		}
		v := s.decode(reqs[0])
		s.countGet(req, v)
		s.out = memcache.AppendReply(s.out, req, v)
	case mcAll:
		var v resp.Value
		for j, r := range reqs {
			v = s.decode(r)
			if v.IsError() || j == len(reqs)-1 {
				break
			}
		}
		s.out = memcache.AppendReply(s.out, req, v)
	case mcSplit:
		if s.appendGetFast(req, reqs, s.aux[c.a0:int(c.a0)+len(req.Keys)]) {
			return
		}
		merged := resp.Value{Type: '*', Elems: make([]resp.Value, len(req.Keys))}
		vs := make([]resp.Value, len(reqs))
		next := make([]int, len(reqs))
		for j, r := range reqs {
			vs[j] = s.decode(r)
			if vs[j].IsError() {
				s.out = memcache.AppendReply(s.out, req, vs[j])
				return
			}
		}
		for k := range req.Keys {
			part := s.aux[int(c.a0)+k]
			e := vs[part].Elems
			if next[part] >= len(e) {
				s.out = memcache.AppendReply(s.out, req, resp.Value{Type: '-', Str: []byte("SERVER_ERROR invalid reply from backend")})
				return
			}
			merged.Elems[k] = e[next[part]]
			next[part]++
		}
		s.countGet(req, merged)
		s.out = memcache.AppendReply(s.out, req, merged)
	case mcStats:
		s.stats(req, reqs)
	}
}

// countGet counts the hits and misses of a get-family reply.
func (s *mcSession) countGet(req *memcache.Request, v resp.Value) {
	if !req.Cmd.IsGet() || v.Type != '*' {
		return
	}
	for _, e := range v.Elems {
		if e.Null {
			s.p.mc.getMiss.Add(1)
		} else {
			s.p.mc.getHits.Add(1)
		}
	}
}

// appendFast translates the commonest replies of a request sent whole
// (reqs, its one backend request: a get, a text store) straight from the
// backend's bytes, without decoding them; it reports false, having
// appended nothing, for anything else.
func (s *mcSession) appendFast(req *memcache.Request, reqs []*router.Request) bool {
	b := reqs[0].Reply
	switch {
	case reqs[0].Err != nil:
		return false
	case req.Cmd.IsGet():
		return s.appendGetFast(req, reqs, nil)
	case req.TooLarge:
		return false
	case req.Cmd >= memcache.CmdSet && req.Cmd <= memcache.CmdCas:
		// [+status, :cas]
		if len(b) < 6 || string(b[:5]) != "*2\r\n+" {
			return false
		}
		end := bytes.Index(b[5:], []byte("\r\n"))
		if end < 0 || bytes.ContainsAny(b[5:5+end], "\r\n") {
			return false
		}
		pos := 5 + end + 2
		if _, ok := intAt(b, &pos); !ok || pos != len(b) {
			return false
		}
		if !req.Noreply {
			s.out = append(s.out, b[5:5+end]...)
			s.out = append(s.out, '\r', '\n')
		}
		return true
	}
	return false
}

// appendGetFast writes the VALUE lines of a get-family request, then END,
// from the replies of its backend requests reqs: arrays of one element per
// key, nil or [value, flags, cas]. Key k's element is the next one of
// reqs[parts[k]] (a split get), or of reqs[0] when parts is nil (a get sent
// whole). Every reply must be used up. It reports false, having appended
// nothing, for anything else.
func (s *mcSession) appendGetFast(req *memcache.Request, reqs []*router.Request, parts []int32) bool {
	if cap(s.offs) < len(reqs) {
		s.offs = make([]int, len(reqs))
	}
	offs := s.offs[:len(reqs)]
	for j, r := range reqs {
		if r.Err != nil {
			return false
		}
		typ, n, pos, ok := header(r.Reply)
		if !ok || typ != '*' || (parts == nil && int(n) != len(req.Keys)) {
			return false
		}
		offs[j] = pos
	}
	start := len(s.out)
	withCas := req.Cmd == memcache.CmdGets || req.Cmd == memcache.CmdGats
	hits := 0
	for k, key := range req.Keys {
		part := int32(0)
		if parts != nil {
			part = parts[k]
		}
		hit, ok := s.appendValue(key, reqs[part].Reply, &offs[part], withCas)
		if !ok {
			s.out = s.out[:start]
			return false
		}
		if hit {
			hits++
		}
	}
	for j, r := range reqs {
		if offs[j] != len(r.Reply) {
			s.out = s.out[:start]
			return false
		}
	}
	s.out = append(s.out, "END\r\n"...)
	s.p.mc.getHits.Add(int64(hits))
	s.p.mc.getMiss.Add(int64(len(req.Keys) - hits))
	return true
}

// appendValue writes the VALUE line of the get element at b[*pos] (nil or
// [value, flags, cas]) for key and moves *pos past it.
func (s *mcSession) appendValue(key, b []byte, pos *int, withCas bool) (hit, ok bool) {
	typ, n, p, ok := header(b[*pos:])
	if !ok || typ != '*' {
		return false, false
	}
	*pos += p
	if n < 0 {
		return false, true
	}
	if n != 3 {
		return false, false
	}
	typ, vlen, p, ok := header(b[*pos:])
	if !ok || typ != '$' || vlen < 0 || *pos+p+int(vlen)+2 > len(b) {
		return false, false
	}
	value := b[*pos+p : *pos+p+int(vlen)]
	*pos += p + int(vlen) + 2
	flags, ok := intAt(b, pos)
	if !ok {
		return false, false
	}
	cas, ok := intAt(b, pos)
	if !ok {
		return false, false
	}
	s.out = append(s.out, "VALUE "...)
	s.out = append(s.out, key...)
	s.out = append(s.out, ' ')
	s.out = append(s.out, flags...)
	s.out = append(s.out, ' ')
	s.out = strconv.AppendInt(s.out, vlen, 10)
	if withCas {
		s.out = append(s.out, ' ')
		s.out = append(s.out, cas...)
	}
	s.out = append(s.out, '\r', '\n')
	s.out = append(s.out, value...)
	s.out = append(s.out, '\r', '\n')
	return true, true
}

// intAt reads the non-negative integer reply at b[*pos] (":123\r\n"),
// returns its digits and moves *pos past it.
func intAt(b []byte, pos *int) ([]byte, bool) {
	p := *pos
	if p >= len(b) || b[p] != ':' {
		return nil, false
	}
	i := p + 1
	var n uint64
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		n = n*10 + uint64(b[i]-'0')
		if n > 1<<62 || (i > p+1 && b[p+1] == '0') { // keep to canonical int64 figures
			return nil, false
		}
		i++
	}
	if i == p+1 || i+1 >= len(b) || b[i] != '\r' || b[i+1] != '\n' {
		return nil, false
	}
	*pos = i + 2
	return b[p+1 : i], true
}
