package proxy

import (
	"net"
	"sync"
	"time"

	"github.com/slotcache/slotcache/protocol/resp"
	"github.com/slotcache/slotcache/router"
)

// maxIdleDedicated is how many idle dedicated connections are kept per node.
const maxIdleDedicated = 4

// dconn is a dedicated backend connection: it serves one client at a time
// (a blocked command, a WATCHed transaction, a subscriber), never the
// multiplexed traffic of the pools, so nobody waits behind it.
type dconn struct {
	addr  string
	proto int // 2, or 3 after HELLO 3
	nc    net.Conn
	buf   []byte // read buffer: buf[r:w] not yet consumed
	r, w  int
	max   int64 // proto-max-bulk-len of replies
}

// dedicatedCache keeps idle dedicated connections per node address.
type dedicatedCache struct {
	mu   sync.Mutex
	idle map[string][]*dconn
	shut bool
}

// dedicated returns an idle dedicated connection to addr speaking proto (2
// or 3), or dials one.
func (p *Proxy) dedicated(addr string, proto int) (*dconn, error) {
	c := &p.ded
	key := protoKey(addr, proto)
	c.mu.Lock()
	if c.shut {
		c.mu.Unlock()
		return nil, &router.UnavailableError{Addr: addr, Reason: "proxy closing"}
	}
	for l := c.idle[key]; len(l) > 0; l = c.idle[key] {
		d := l[len(l)-1]
		c.idle[key] = l[:len(l)-1]
		c.mu.Unlock()
		if alive(d.nc) {
			return d, nil
		}
		d.nc.Close() // closed by the node while idle
		c.mu.Lock()
	}
	c.mu.Unlock()
	nc, err := net.DialTimeout("tcp", addr, p.cfg.Backend.DialTimeout)
	if err != nil {
		return nil, router.Unavailable(addr, err)
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
		tc.SetKeepAlive(true)
	}
	d := &dconn{addr: addr, proto: 2, nc: nc, buf: make([]byte, 4096), max: p.cfg.MaxBulkLen}
	// the same preamble as the pools' connections: the backend credentials,
	// then HELLO 3 for a RESP3 client (a dedicated connection goes to a
	// master: no READONLY)
	cfg := p.cfg.Backend
	cfg.ReadOnly, cfg.Hello = false, nil
	if proto == 3 {
		cfg.Hello = hello3
	}
	if hs := router.NewHandshake(cfg); hs.Replies > 0 {
		if err := d.handshake(hs, time.Now().Add(p.readTimeout()), p.writeTimeout()); err != nil {
			nc.Close()
			return nil, err
		}
		d.proto = proto
	}
	return d, nil
}

// handshake sends hs and checks each of its replies.
func (d *dconn) handshake(hs router.Handshake, deadline time.Time, wt time.Duration) error {
	if err := d.send(hs.Cmd, wt); err != nil {
		return router.Unavailable(d.addr, err)
	}
	for i := range hs.Replies {
		reply, err := d.next(deadline)
		if err != nil {
			return router.Unavailable(d.addr, err)
		}
		if err := hs.Check(i, reply); err != nil {
			return router.Unavailable(d.addr, err)
		}
	}
	return nil
}

// release puts d back into the idle cache, or closes it when the cache is
// full. Only a connection in a clean state (no pending reply, no WATCH, no
// subscription) may be released.
func (p *Proxy) release(d *dconn) {
	c := &p.ded
	key := protoKey(d.addr, d.proto)
	c.mu.Lock()
	if !c.shut && d.r == d.w && len(c.idle[key]) < maxIdleDedicated {
		if c.idle == nil {
			c.idle = map[string][]*dconn{}
		}
		d.nc.SetDeadline(time.Time{})
		c.idle[key] = append(c.idle[key], d)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	d.nc.Close()
}

// closeDedicated closes the idle dedicated connections; later releases close
// theirs.
func (p *Proxy) closeDedicated() {
	c := &p.ded
	c.mu.Lock()
	c.shut = true
	idle := c.idle
	c.idle = nil
	c.mu.Unlock()
	for _, l := range idle {
		for _, d := range l {
			d.nc.Close()
		}
	}
}

// readTimeout is the backend read timeout of the proxy's configuration
// (its default filled in by New).
func (p *Proxy) readTimeout() time.Duration { return p.cfg.Backend.ReadTimeout }

// writeTimeout is the backend write timeout of the proxy's configuration.
func (p *Proxy) writeTimeout() time.Duration { return p.cfg.Backend.WriteTimeout }

// send writes cmd (one or more encoded commands).
func (d *dconn) send(cmd []byte, timeout time.Duration) error {
	d.nc.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := d.nc.Write(cmd); err != nil {
		return router.Unavailable(d.addr, err)
	}
	return nil
}

// next reads one complete reply; it stays valid until the next call. A zero
// deadline waits for ever.
func (d *dconn) next(deadline time.Time) ([]byte, error) {
	for {
		if d.w > d.r {
			n, err := resp.ScanReply(d.buf[d.r:d.w], d.max)
			if err != nil {
				return nil, &router.UnavailableError{Addr: d.addr, Reason: "bad reply: " + err.Error()}
			}
			if n > 0 {
				b := d.buf[d.r : d.r+n]
				d.r += n
				return b, nil
			}
		}
		if d.r > 0 {
			copy(d.buf, d.buf[d.r:d.w])
			d.w -= d.r
			d.r = 0
		}
		if d.w == len(d.buf) {
			nb := make([]byte, 2*len(d.buf))
			copy(nb, d.buf[:d.w])
			d.buf = nb
		}
		d.nc.SetReadDeadline(deadline)
		n, err := d.nc.Read(d.buf[d.w:])
		d.w += n
		if err != nil && n == 0 {
			return nil, router.Unavailable(d.addr, err)
		}
	}
}

// do sends cmd, which holds n commands, and returns the reply of the last.
func (d *dconn) do(cmd []byte, n int, deadline time.Time, wt time.Duration) ([]byte, error) {
	if err := d.send(cmd, wt); err != nil {
		return nil, err
	}
	var b []byte
	for range n {
		var err error
		if b, err = d.next(deadline); err != nil {
			return nil, err
		}
	}
	return b, nil
}
