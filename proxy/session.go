package proxy

import (
	"errors"
	"net"
	"sync/atomic"
	"time"

	"github.com/slotcache/slotcache/protocol/resp"
	"github.com/slotcache/slotcache/router"
)

const (
	// maxRetainedBuf is the reply buffer capacity a session keeps between
	// batches.
	maxRetainedBuf = 1 << 20
	// maxRetainedReqBuf is the command and reply capacity a backend request
	// keeps between batches.
	maxRetainedReqBuf = 16 << 10
	// maxRetainedReqs bounds the backend requests kept between batches.
	maxRetainedReqs = 2048
	// maxRetainedArgs bounds the argument scratch kept between batches.
	maxRetainedArgs = 8192
	// maxBatchReply stops a batch early once local replies grow that large.
	maxBatchReply = 1 << 20
)

// op says how a command's reply is built once its requests completed.
type op uint8

const (
	opLocal     op = iota // s.local[l0:l1]
	opForward             // the reply of the single request
	opSum                 // sum of integer replies (DEL, EXISTS, DBSIZE...)
	opAllOK               // +OK when every request replied +OK (MSET, FLUSHALL)
	opMGet                // array elements in key order; aux: request per key
	opConcat              // concatenation of array replies (KEYS)
	opRandomKey           // one non-nil reply, chosen at random
	opScan                // cursor rewritten; aux[0]: group index
	opInfo                // proxy sections plus summed keyspace; aux[0]: sections
	opHeld                // run after the batch on a dedicated connection (state.go)
	opUnion               // union of array replies, duplicates dropped (PUBSUB CHANNELS)
	opNumsub              // channel/count pairs, counts summed (PUBSUB NUMSUB)
	opMax                 // the largest integer reply (PUBSUB NUMPAT)
	opFirst               // the first reply, every one being alike (SCRIPT LOAD)
	opAnd                 // 0/1 arrays merged by AND (SCRIPT EXISTS)
	opAnyOK               // +OK if any request replied it (SCRIPT KILL)
)

// call is one client command of the current batch.
type call struct {
	op     op
	r0, nr int32 // requests s.reqs[r0 : r0+nr]
	l0, l1 int32 // local reply s.local[l0:l1]
	a0, a1 int32 // auxiliary data s.aux[a0:a1]
	v0, v1 int32 // arguments s.argv[v0:v1] (slowlog)
	stat   *cmdStat
	// rejected: refused before running (arity), counted as Redis's
	// rejected_calls
	rejected bool
}

// session is one client connection. Its goroutine reads a batch of commands
// (every complete command already buffered, up to MaxPipeline), sends each
// to its backend at once, waits for all replies and writes them in order
// with one system call.
type session struct {
	p    *Proxy
	conn net.Conn // replaced, under p.mu, when an event loop hands it over
	// looped: an event loop owns the connection (p.mu)
	looped bool
	// loopErr: an event loop met bad input, which the goroutine reports
	loopErr bool
	rd      *resp.Reader
	id      uint64

	// read by CLIENT LIST on other goroutines
	addr, laddr string
	created     time.Time
	name        atomic.Pointer[string]
	lastActive  atomic.Int64 // unix ns
	lastCmd     atomic.Pointer[string]
	user        atomic.Pointer[authUser] // nil: not authenticated
	protoSeen   atomic.Int32             // proto, for CLIENT LIST

	t     *table // routing table of the current batch
	calls []call
	batch
	local   resp.Writer // local replies of the batch
	out     resp.Writer // the batch's replies, in order
	aux     []int32
	argv    [][]byte
	keys    []int
	lname   []byte
	kb      []int32  // bucket per key while splitting
	buckets []bucket // parts of the command being split
	offs    []int32  // read offset per request while merging
	quit    bool
	rr      uint32 // round robin among replicas
	// proto is the client's protocol (HELLO); switched ends the batch so
	// that commands after the switch go out on the other protocol's
	// connections only once those before it were answered.
	proto    int
	switched bool
	p3       map[uint16]*router.Pool // RESP3 pools of s.p3t's groups
	p3t      *table
	// r3 maps the replica pools of s.p3t to their RESP3 twins
	r3 map[*router.Pool]*router.Pool
	// st is the connection state of transactions, WATCH, blocking
	// commands and subscriptions (state.go)
	st connState
}

func newSession(p *Proxy, nc net.Conn, id uint64) *session {
	s := &session{
		p:       p,
		conn:    nc,
		id:      id,
		addr:    nc.RemoteAddr().String(),
		laddr:   nc.LocalAddr().String(),
		created: time.Now(),
		local:   resp.Writer{Proto: 2},
		out:     resp.Writer{Proto: 2},
		proto:   2,
	}
	s.lastActive.Store(s.created.UnixNano())
	s.protoSeen.Store(2)
	s.rd = resp.NewReader(&idleReader{s: s}, resp.Limits{MaxBulkLen: p.cfg.MaxBulkLen, MaxQueryBuf: p.cfg.MaxQueryBuf})
	s.initAuth()
	return s
}

// idleReader applies the idle timeout to each blocking read.
type idleReader struct{ s *session }

func (r *idleReader) Read(b []byte) (int, error) {
	if n := r.s.st.readPre(b); n > 0 {
		return n, nil
	}
	if d := r.s.p.cfg.IdleTimeout; d > 0 && !r.s.st.subscribed() {
		r.s.conn.SetReadDeadline(time.Now().Add(d))
	}
	n, err := r.s.readClient(b)
	r.s.p.stats.netInput.Add(int64(n))
	return n, err
}

// serve runs the session on its goroutine until the connection ends. A
// session an event loop handed over first runs the command the loop held.
func (s *session) serve() {
	defer s.conn.Close()
	defer s.closeState()
	if s.st.held != nil && !s.runHeld() {
		return
	}
	for {
		args, err := s.rd.ReadCommand()
		if err != nil {
			var pe *resp.ProtocolError
			if errors.As(err, &pe) {
				s.p.stats.protocolErrors.Add(1)
				s.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
				s.write(resp.AppendError(nil, "ERR "+pe.Error()))
			}
			return
		}
		s.dispatchBatch(args)
		s.flush(s.id)
		start := nanotime()
		s.wg.Wait()
		s.redirects(s.p, s.id, s.proto)
		s.finishBatch(nanotime() - start)
		if err := s.write(s.out.Buf); err != nil || s.quit {
			return
		}
		if s.st.held != nil && !s.runHeld() {
			return
		}
	}
}

// dispatchBatch starts a batch with args and dispatches the further commands
// already buffered: up to MaxPipeline, until a held command, QUIT or a
// protocol switch.
func (s *session) dispatchBatch(args [][]byte) {
	s.begin()
	s.handle(args)
	for !s.quit && !s.switched && s.st.held == nil && len(s.calls) < s.p.cfg.MaxPipeline && len(s.local.Buf) < maxBatchReply {
		args, ok, err := s.rd.Next()
		if !ok || err != nil {
			break // a protocol error is met again by the next read
		}
		s.handle(args)
	}
}

// begin starts a batch.
func (s *session) begin() {
	s.t = s.p.routes()
	s.switched = false
	s.calls = s.calls[:0]
	s.reset()
	s.local.Buf = s.local.Buf[:0]
	s.aux = s.aux[:0]
	clear(s.argv)
	s.argv = s.argv[:0]
	// scratch grown by a command with very many arguments is not kept
	if cap(s.argv) > maxRetainedArgs {
		s.argv, s.aux, s.kb, s.keys, s.buckets = nil, nil, nil, nil, nil
	}
	if cap(s.out.Buf) > maxRetainedBuf {
		s.out.Buf = nil
	}
	if cap(s.local.Buf) > maxRetainedBuf {
		s.local.Buf = nil
	}
	s.out.Buf = s.out.Buf[:0]
}

// newCall appends a call for the command args and returns it.
func (s *session) newCall(args [][]byte, o op, st *cmdStat) *call {
	v0 := len(s.argv)
	s.argv = append(s.argv, args...)
	s.calls = append(s.calls, call{op: o, r0: int32(s.nreq), v0: int32(v0), v1: int32(len(s.argv)), stat: st})
	return &s.calls[len(s.calls)-1]
}

// send queues r to group g of the batch's table, on its RESP3 pool for a
// RESP3 client; c counts it.
func (s *session) send(c *call, g uint16, r *router.Request) {
	pl := s.t.groups[g].pool
	if pl != nil && s.proto == 3 {
		pl = s.pool3(g)
	}
	s.sendPool(c, pl, r)
}

// sendPool queues r to pl (nil: the slot is not served); c counts it.
func (s *session) sendPool(c *call, pl *router.Pool, r *router.Request) {
	c.nr++
	s.enqueue(pl, s.id, r)
}

// pool3 returns the RESP3 pool of group g.
func (s *session) pool3(g uint16) *router.Pool {
	s.resetPools3()
	pl := s.p3[g]
	if pl == nil {
		pl = s.p.pool(s.t.groups[g].addr, 3)
		s.p3[g] = pl
	}
	return pl
}

// replica3 returns the RESP3 twin of replica pool pl of the batch's table.
func (s *session) replica3(pl *router.Pool) *router.Pool {
	s.resetPools3()
	p3 := s.r3[pl]
	if p3 == nil {
		p3 = s.p.replicaPool(pl.Addr(), 3)
		s.r3[pl] = p3
	}
	return p3
}

// resetPools3 empties the RESP3 pool caches when the batch's table changed.
func (s *session) resetPools3() {
	if s.p3t != s.t || s.p3 == nil {
		s.p3 = map[uint16]*router.Pool{}
		s.r3 = map[*router.Pool]*router.Pool{}
		s.p3t = s.t
	}
}

// setProto switches the session's protocol (2 or 3).
func (s *session) setProto(v int) {
	if v != s.proto {
		s.switched = true
	}
	s.proto, s.local.Proto, s.out.Proto = v, v, v
	s.protoSeen.Store(int32(v))
}

// forward sends args unchanged to group g as the whole reply of c.
func (s *session) forward(c *call, g uint16, args [][]byte) {
	r := s.newReq()
	r.Cmd = appendCommand(r.Cmd, args)
	s.send(c, g, r)
}

// errorReply makes c a local error reply.
func (s *session) errorReply(c *call, msg string) {
	c.op = opLocal
	c.l0 = int32(len(s.local.Buf))
	s.local.Error(msg)
	c.l1 = int32(len(s.local.Buf))
}

// appendCommand encodes args as a multibulk frame.
func appendCommand(b []byte, args [][]byte) []byte {
	b = resp.AppendArrayLen(b, len(args))
	for _, a := range args {
		b = resp.AppendBulk(b, a)
	}
	return b
}

// finish builds the batch's replies in order into s.out and records the
// statistics; d is how long the batch waited for its backends.
func (s *session) finish(d int64) {
	p := s.p
	usec := max(d/1000, 0)
	ran := 0 // commands not rejected before running, which Redis counts
	for i := range s.calls {
		c := &s.calls[i]
		if !c.rejected {
			ran++
		}
		start := len(s.out.Buf)
		s.reply(c)
		isErr := len(s.out.Buf) > start && s.out.Buf[start] == '-'
		switch {
		case c.stat != nil && c.rejected:
			c.stat.rejected.Add(1)
		case c.stat != nil:
			c.stat.calls.Add(1)
			c.stat.usec.Add(usec)
			if isErr {
				c.stat.failed.Add(1)
			}
			s.lastCmd.Store(&c.stat.name)
		}
		if isErr {
			p.stats.errorReplies.Add(1)
			p.stats.countError(s.out.Buf[start+1:])
		}
		p.slowlog.maybeAdd(p.cfg.SlowlogSlowerThan, usec, s.argv[c.v0:c.v1], s.addr, s.name.Load())
	}
	p.stats.commands.Add(int64(ran))
}

// reply appends the reply of c to s.out.
func (s *session) reply(c *call) {
	reqs := s.reqs[c.r0 : c.r0+c.nr]
	switch c.op {
	case opLocal:
		s.out.Raw(s.local.Buf[c.l0:c.l1])
		return
	case opForward:
		s.appendReply(reqs[0])
		return
	case opConfigGet:
		s.configGetReply(reqs[0])
		return
	case opHeld:
		return // answered by runHeld once the batch is written
	case opInfo:
		// a group that is down leaves its share out (groups_up says so):
		// INFO is what tells an operator what is wrong
		if err := s.mergeInfo(reqs, s.aux[c.a0]); err != nil {
			s.out.Error(err.Error())
		}
		return
	case opAnyOK:
		s.replyAnyOK(reqs)
		return
	}
	// merged replies: the first failure is the answer
	for _, r := range reqs {
		if r.Err != nil || (len(r.Reply) > 0 && r.Reply[0] == '-') {
			s.appendReply(r)
			return
		}
	}
	aux := s.aux[c.a0:c.a1]
	var err error
	switch c.op {
	case opSum:
		err = s.mergeSum(reqs)
	case opAllOK:
		s.out.OK()
	case opMGet:
		err = s.mergeMGet(reqs, aux)
	case opConcat:
		err = s.mergeConcat(reqs)
	case opRandomKey:
		err = s.mergeRandomKey(reqs)
	case opScan:
		err = s.mergeScan(reqs[0], aux[0])
	case opFirst:
		s.out.Raw(reqs[0].Reply)
	case opAnd:
		err = s.mergeAnd(reqs)
	default:
		err = s.mergeState(c.op, reqs)
	}
	if err != nil {
		s.out.Error(err.Error())
	}
}

// appendReply appends a request's reply, or its failure as an error reply.
func (s *session) appendReply(r *router.Request) {
	if r.Err != nil {
		s.out.Error("ERR " + r.Err.Error())
		return
	}
	s.out.Raw(r.Reply)
}

var clock = time.Now()

// nanotime is a monotonic clock in ns.
func nanotime() int64 { return int64(time.Since(clock)) }
