package proxy

import (
	"net"
	"time"
)

// loopSession is what an event loop needs of a client session: the RESP
// session and the memcached session are served by the same loop.
type loopSession interface {
	// batchOf is the session's batch of backend requests.
	batchOf() *batch
	// netConn is the client's connection.
	netConn() net.Conn
	// fillFrom reads the client once with read.
	fillFrom(read func([]byte) (int, error)) (int, error)
	// dispatch sends the complete commands buffered as one batch; false
	// when none is complete or the next one needs a goroutine.
	dispatch() bool
	// leaving reports whether the session must leave the loop, once its
	// output is written.
	leaving() bool
	// finishBatch builds the replies of an answered batch; d is how long
	// it waited for its backends.
	finishBatch(d int64)
	// output is the reply bytes of the last batch.
	output() []byte
	// quitting reports whether the connection ends after its output.
	quitting() bool
	// proto is the protocol of the session's backend pools.
	protocol() int
	// id identifies the session among the proxy's clients.
	clientID() uint64
	// leave continues the session off the loop (a goroutine of its own),
	// or ends it when it has nothing more to say.
	leave()
	// end closes the connection and forgets the session.
	end()
	// counted adds to the input and output byte counters.
	counted(in, out int)
}

// RESP sessions.

func (s *session) batchOf() *batch   { return &s.batch }
func (s *session) netConn() net.Conn { return s.conn }

func (s *session) fillFrom(read func([]byte) (int, error)) (int, error) {
	return s.rd.FillFrom(read)
}

func (s *session) dispatch() bool {
	args, ok, err := s.rd.Next()
	if err != nil { // the goroutine reports it
		s.loopErr = true
		return false
	}
	if ok {
		s.dispatchBatch(args)
	}
	return ok
}

// leaving: bad input, which the goroutine reports, or connection state (a
// transaction, WATCH, a subscription, a held blocking command), which only
// a goroutine serves.
func (s *session) leaving() bool { return s.loopErr || s.st.busy() }

func (s *session) finishBatch(d int64) {
	s.finish(d)
	s.lastActive.Store(time.Now().UnixNano())
}

func (s *session) output() []byte   { return s.out.Buf }
func (s *session) quitting() bool   { return s.quit }
func (s *session) protocol() int    { return s.proto }
func (s *session) clientID() uint64 { return s.id }

func (s *session) leave() {
	s.loopErr = false
	s.out.Buf = s.out.Buf[:0] // written before the session leaves
	s.p.goServe(s)
}

func (s *session) end() {
	s.closeState()
	s.p.endSession(s)
}

func (s *session) counted(in, out int) {
	s.p.stats.netInput.Add(int64(in))
	s.p.stats.netOutput.Add(int64(out))
}

// memcached sessions.

func (s *mcSession) batchOf() *batch   { return &s.batch }
func (s *mcSession) netConn() net.Conn { return s.conn }

func (s *mcSession) fillFrom(read func([]byte) (int, error)) (int, error) {
	return s.rd.FillFrom(read)
}

func (s *mcSession) dispatch() bool {
	s.begin()
	req := s.next()
	ok, err := s.rd.Next(req)
	if err != nil {
		s.loopErr = true // memcached closes without a reply
		return false
	}
	if !ok {
		return false
	}
	s.handle(req)
	s.more()
	return true
}

// more dispatches the further complete requests of the batch.
func (s *mcSession) more() {
	for !s.quit && len(s.calls) < mcMaxBatch {
		req := s.next()
		ok, err := s.rd.Next(req)
		if !ok || err != nil {
			break // an error comes back from the next read
		}
		s.handle(req)
	}
}

func (s *mcSession) leaving() bool { return s.loopErr }

func (s *mcSession) finishBatch(int64) {
	for i := range s.calls {
		s.reply(i)
	}
}

func (s *mcSession) output() []byte   { return s.out }
func (s *mcSession) quitting() bool   { return s.quit }
func (s *mcSession) protocol() int    { return 2 }
func (s *mcSession) clientID() uint64 { return s.id }
func (s *mcSession) leave()           { s.end() }
func (s *mcSession) end()             { s.p.endMemcache(s) }

func (s *mcSession) counted(in, out int) {
	s.p.mc.netIn.Add(int64(in))
	s.p.mc.netOut.Add(int64(out))
}
