package node

import (
	"time"
)

// subscriberWriteTimeout bounds one write to a subscriber's socket.
const subscriberWriteTimeout = 60 * time.Second

// pubsub holds the subscriptions of the server, guarded by the server lock.
type pubsub struct {
	channels map[string]map[*client]struct{}
	patterns map[string]map[*client]struct{}
	shard    map[string]map[*client]struct{}
}

// subscriber is the per-client pub/sub state. Once a client subscribes, its
// output goes through out (guarded by the server lock) and a writer
// goroutine, so that published messages and the client's own replies reach
// the socket in the order they were produced.
type subscriber struct {
	channels map[string]struct{}
	patterns map[string]struct{}
	shard    map[string]struct{}
	out      []byte
	wake     chan struct{}
	done     chan struct{} // closed when the client ends
	exited   chan struct{} // closed by the writer after its last write
	softOver time.Time     // when out first exceeded the soft limit
	dropped  bool
}

func (s *subscriber) count() int { return len(s.channels) + len(s.patterns) }

// sub returns the client's subscriber state, creating it and starting the
// writer goroutine on first use.
func (c *client) sub() *subscriber {
	if c.ps != nil {
		return c.ps
	}
	c.ps = &subscriber{
		channels: map[string]struct{}{},
		patterns: map[string]struct{}{},
		shard:    map[string]struct{}{},
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
		exited:   make(chan struct{}),
	}
	c.srv.wg.Add(1)
	go c.pubsubWriter(c.ps)
	return c.ps
}

// subscribed reports whether the client is in subscriber mode (RESP2).
func (c *client) subscribed() bool {
	return c.ps != nil && (c.ps.count() > 0 || len(c.ps.shard) > 0)
}

// deliver queues a frame for the subscriber and wakes its writer. It runs
// with the server lock held and never blocks.
func (c *client) deliver(frame []byte) {
	ps := c.ps
	if ps == nil || ps.dropped {
		return
	}
	ps.out = append(ps.out, frame...)
	// client-output-buffer-limit pubsub: past the hard limit, or above the
	// soft limit for longer than its period, the subscriber is disconnected
	// instead of growing without bound.
	n := int64(len(ps.out))
	lim := c.srv.cfg.OutputBufferLimits[classPubsub]
	switch {
	case lim.Hard > 0 && n > lim.Hard:
		c.dropSubscriber("hard")
		return
	case lim.Soft > 0 && n > lim.Soft:
		if ps.softOver.IsZero() {
			ps.softOver = time.Now()
		} else if time.Since(ps.softOver) > time.Duration(lim.SoftSeconds)*time.Second {
			c.dropSubscriber("soft")
			return
		}
	default:
		ps.softOver = time.Time{}
	}
	select {
	case ps.wake <- struct{}{}:
	default:
	}
}

// dropSubscriber disconnects a subscriber that cannot keep up.
func (c *client) dropSubscriber(which string) {
	c.ps.dropped = true
	c.ps.out = nil
	c.srv.log.Warn("client closed for overcoming of output buffer limits", "addr", c.addr, "class", "pubsub", "limit", which)
	c.conn.Close()
}

// pubsubWriter writes the subscriber's queued output until the client ends.
// When the client ends it writes what is still queued, then exits.
func (c *client) pubsubWriter(ps *subscriber) {
	defer c.srv.wg.Done()
	defer close(ps.exited)
	var buf []byte
	for {
		final := false
		select {
		case <-ps.wake:
		case <-ps.done:
			final = true
		}
		c.srv.mu.Lock()
		buf, ps.out = ps.out, buf[:0]
		c.srv.mu.Unlock()
		if len(buf) > 0 {
			c.conn.SetWriteDeadline(time.Now().Add(subscriberWriteTimeout))
			n, err := c.conn.Write(buf)
			c.srv.countOut(n)
			if err != nil {
				c.conn.Close()
				return
			}
		}
		if final {
			return
		}
		if cap(buf) > maxRetainedOut {
			buf = nil
		}
	}
}

// dropSubscriptions removes every subscription of the client (RESET, and
// a closing client).
func (c *client) dropSubscriptions() {
	ps := c.ps
	if ps == nil {
		return
	}
	p := &c.srv.pubsub
	for _, s := range []struct {
		mine   map[string]struct{}
		global map[string]map[*client]struct{}
	}{{ps.channels, p.channels}, {ps.patterns, p.patterns}, {ps.shard, p.shard}} {
		for name := range s.mine {
			delete(s.mine, name)
			removeSub(s.global, name, c)
		}
	}
}

// unsubscribeAll removes every subscription of a closing client and stops
// its writer once the queued output is sent.
func (c *client) unsubscribeAll() {
	if c.ps == nil {
		return
	}
	c.dropSubscriptions()
	close(c.ps.done)
	c.ps = nil
}

func addSub(m *map[string]map[*client]struct{}, name string, c *client) {
	if *m == nil {
		*m = map[string]map[*client]struct{}{}
	}
	set := (*m)[name]
	if set == nil {
		set = map[*client]struct{}{}
		(*m)[name] = set
	}
	set[c] = struct{}{}
}

func removeSub(m map[string]map[*client]struct{}, name string, c *client) {
	set := m[name]
	delete(set, c)
	if len(set) == 0 {
		delete(m, name)
	}
}
