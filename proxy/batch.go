package proxy

import (
	"bytes"
	"slices"
	"sync"

	"github.com/slotcache/slotcache/router"
)

// batch holds the backend requests of one batch of a RESP or memcached
// session: they are queued on the pools, the pools touched are flushed once,
// and the replies are awaited together.
type batch struct {
	reqs []*router.Request
	nreq int
	wg   sync.WaitGroup
	// touched lists the pools requests were queued on since the last flush
	touched []*router.Pool
	// lc is set while an event loop serves the session: requests go to the
	// loop's own backend connections, written at the end of its round, and
	// the loop completes the batch instead of wg.
	lc *loopClient
}

// reset starts a new batch; requests grown by a large batch are not kept.
func (b *batch) reset() {
	b.nreq = 0
	if len(b.reqs) > maxRetainedReqs {
		clear(b.reqs[maxRetainedReqs:])
		b.reqs = b.reqs[:maxRetainedReqs]
	}
}

// newReq returns the next free request of the batch, its command empty.
func (b *batch) newReq() *router.Request {
	if b.nreq == len(b.reqs) {
		b.reqs = append(b.reqs, &router.Request{})
	}
	r := b.reqs[b.nreq]
	b.nreq++
	r.Cmd = r.Cmd[:0]
	r.Err = nil
	r.Skip = 0
	r.WG = &b.wg
	// a session keeps up to MaxPipeline requests: only small buffers stay
	if cap(r.Reply) > maxRetainedReqBuf {
		r.Reply = nil
	}
	if cap(r.Cmd) > maxRetainedReqBuf {
		r.Cmd = nil
	}
	return r
}

// enqueue queues r on pl for the session id, to be written by flush; with
// no pool (the slot is not served) r fails at once with errNotServed.
func (b *batch) enqueue(pl *router.Pool, id uint64, r *router.Request) {
	if pl == nil {
		r.Err = errNotServed
		return
	}
	if b.lc != nil {
		b.lc.send(pl, r)
		return
	}
	b.wg.Add(1)
	pl.Queue(id, r)
	if !slices.Contains(b.touched, pl) {
		b.touched = append(b.touched, pl)
	}
}

// flush writes the requests queued on every pool touched.
func (b *batch) flush(id uint64) {
	for i, pl := range b.touched {
		pl.Flush(id)
		b.touched[i] = nil
	}
	b.touched = b.touched[:0]
}

// askingCmd is ASKING, sent with a command redirected by -ASK.
const askingCmd = "*1\r\n$6\r\nASKING\r\n"

// redirects retries, once, the requests a node answered with -MOVED or -ASK
// (see resend) and waits for their replies.
func (b *batch) redirects(p *Proxy, id uint64, proto int) {
	if b.resend(p, id, proto) {
		b.wg.Wait()
	}
}

// resend sends again the requests a node answered with -MOVED or -ASK: the
// map source is asked for a newer map, and the command goes to the address
// the node named, on a pool of protocol proto. It reports whether any
// request was sent. A second redirection is passed to the client.
func (b *batch) resend(p *Proxy, id uint64, proto int) bool {
	var retry []int
	for i := range b.nreq {
		r := b.reqs[i]
		if r.Err == nil && len(r.Reply) > 4 && r.Reply[0] == '-' &&
			(bytes.HasPrefix(r.Reply, []byte("-MOVED ")) || bytes.HasPrefix(r.Reply, []byte("-ASK "))) {
			retry = append(retry, i)
		}
	}
	if len(retry) == 0 {
		return false
	}
	p.stats.redirects.Add(int64(len(retry)))
	sent := false
	p.refresh()
	for _, i := range retry {
		r := b.reqs[i]
		ask, addr, ok := parseRedirect(r.Reply)
		if !ok {
			continue
		}
		pl := p.pool(addr, proto)
		if pl == nil {
			continue
		}
		r.Skip = 0
		if ask { // ASKING and the command back to back, one request
			r.Cmd = append([]byte(askingCmd), r.Cmd...)
			r.Skip = 1
		}
		sent = true
		if b.lc != nil {
			b.lc.send(pl, r)
			continue
		}
		b.wg.Add(1)
		pl.Send(id, r)
	}
	return sent
}
