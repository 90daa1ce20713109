package node

import (
	"bytes"
	"math"
	"slices"
	"time"

	"github.com/slotcache/slotcache/protocol/resp"
)

// ---- XREAD ----

// xreadArgs is a parsed XREAD or XREADGROUP.
type xreadArgs struct {
	timeout  int64 // ms; -1 without BLOCK
	count    int64
	keys     [][]byte
	ids      []streamID
	group    []byte
	consumer []byte
	noack    bool
}

// isNewID marks the ">" ID of XREADGROUP.
func isNewID(id streamID) bool { return id == maxStreamID }

// parseXRead parses XREAD/XREADGROUP options up to STREAMS and the IDs
// after the keys, as Redis's xreadCommand; it replies on error.
func (c *client) parseXRead(args [][]byte, group bool) (a xreadArgs, ok bool) {
	a.timeout = -1
	name := "xread"
	if group {
		name = "xreadgroup"
	}
	streamsArg := 0
	for i := 1; i < len(args); i++ {
		more := len(args) - i - 1
		o := args[i]
		switch {
		case more > 0 && bytes.EqualFold(o, []byte("block")):
			if c.fromScript() {
				// Refused before the timeout is read, whether or not
				// there is data to serve.
				c.w.Error("ERR " + string(args[0]) + " command is not allowed with BLOCK option from scripts")
				return a, false
			}
			i++
			n, ok := parseInt(args[i])
			if !ok {
				c.w.Error(msgStreamTimeoutInt)
				return a, false
			}
			if n < 0 {
				c.w.Error(msgTimeoutNegative)
				return a, false
			}
			// Redis 7.0 takes any larger timeout too: past the end of
			// time it waits for ever.
			a.timeout = n
		case more > 0 && bytes.EqualFold(o, []byte("count")):
			i++
			n, ok := c.parseIntArg(args[i])
			if !ok {
				return a, false
			}
			a.count = max(n, 0)
		case more > 0 && bytes.EqualFold(o, []byte("streams")):
			streamsArg = i + 1
			if (len(args)-streamsArg)%2 != 0 {
				symbol := "$"
				if group {
					symbol = ">"
				}
				c.w.Error("ERR Unbalanced " + upper(name) + " list of streams: for each stream key an ID or '" + symbol + "' must be specified.")
				return a, false
			}
			i = len(args)
		case more >= 2 && bytes.EqualFold(o, []byte("group")):
			if !group {
				c.w.Error("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.")
				return a, false
			}
			a.group, a.consumer = args[i+1], args[i+2]
			i += 2
		case bytes.EqualFold(o, []byte("noack")):
			if !group {
				c.w.Error("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.")
				return a, false
			}
			a.noack = true
		default:
			c.w.Error(msgSyntax)
			return a, false
		}
	}
	if streamsArg == 0 {
		c.w.Error(msgSyntax)
		return a, false
	}
	if group && a.group == nil {
		c.w.Error("ERR Missing GROUP option for XREADGROUP")
		return a, false
	}
	n := (len(args) - streamsArg) / 2
	a.keys = args[streamsArg : streamsArg+n]
	a.ids = make([]streamID, n)
	for i, arg := range args[streamsArg+n:] {
		key := a.keys[i]
		o := c.db.lookup(key, c.now)
		c.countLookup(o != nil)
		if o != nil && o.typ != typeStream {
			c.w.Error(msgWrongType)
			return a, false
		}
		var s *stream
		if o != nil {
			s = o.val.(*stream)
		}
		if group && (s == nil || s.groups[string(a.group)] == nil) {
			c.w.Error("NOGROUP No such key '" + string(key) + "' or consumer group '" + string(a.group) + "' in XREADGROUP with GROUP option")
			return a, false
		}
		switch {
		case len(arg) == 1 && arg[0] == '$':
			if group {
				c.w.Error("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.")
				return a, false
			}
			if s != nil {
				a.ids[i] = s.lastID
			}
		case len(arg) == 1 && arg[0] == '>':
			if !group {
				c.w.Error("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.")
				return a, false
			}
			a.ids[i] = maxStreamID
		default:
			if a.ids[i], _, ok = c.parseStreamID(arg, true, 0, false); !ok {
				return a, false
			}
		}
	}
	return a, true
}

// fromScript reports whether c is the client scripts run commands as.
func (c *client) fromScript() bool {
	return c.srv.scripts != nil && c.srv.scripts.sc == c
}

func cmdXRead(c *client, args [][]byte) { xreadGeneric(c, args, false) }

// xreadGeneric implements XREAD and XREADGROUP.
func xreadGeneric(c *client, args [][]byte, group bool) {
	a, ok := c.parseXRead(args, group)
	if !ok {
		return
	}
	// Serve the streams that have something, one after the other as Redis
	// does (a stream named twice sees what the first read consumed), and
	// put the reply's length in front once it is known.
	mark, served := len(c.w.Buf), 0
	for i, key := range a.keys {
		// Looked up again, and counted again, as Redis does.
		o := c.db.lookup(key, c.now)
		c.countLookup(o != nil)
		if o == nil {
			continue
		}
		s := o.val.(*stream)
		gt, history := a.ids[i], false
		var g *streamGroup
		serve := false
		if group {
			g = s.groups[string(a.group)]
			switch {
			case !isNewID(gt):
				serve, history = true, true
			case s.nent > 0 && s.lastValidID().cmp(g.lastID) > 0:
				serve, gt = true, g.lastID
			}
		} else if s.nent > 0 && s.lastValidID().cmp(gt) > 0 {
			serve = true
		}
		if !serve {
			continue
		}
		served++
		if c.w.Proto < 3 {
			c.w.Array(2)
		}
		c.w.Bulk(key)
		start, _ := gt.incr()
		switch {
		case !group:
			c.writeRange(s, start, maxStreamID, false, a.count)
		case history:
			c.writePELRange(s, g.consumerFor(a.consumer, c.now, true), start, a.count)
		default:
			c.readGroup(s, g, g.consumerFor(a.consumer, c.now, true), start, a.count, a.noack)
		}
	}
	if served > 0 {
		hdr := resp.Writer{Proto: c.w.Proto}
		if c.w.Proto >= 3 {
			hdr.Map(served)
		} else {
			hdr.Array(served)
		}
		c.w.Buf = slices.Insert(c.w.Buf, mark, hdr.Buf...)
		return
	}
	if a.timeout < 0 || c.inExec {
		c.w.NullArray()
		return
	}
	keys := copyArgs(a.keys)
	ids := a.ids
	groupName := append([]byte(nil), a.group...)
	consumer := append([]byte(nil), a.consumer...)
	count, noack := a.count, a.noack
	var timeout time.Duration // 0: for ever
	if a.timeout <= math.MaxInt64/int64(time.Millisecond) {
		timeout = time.Duration(a.timeout) * time.Millisecond
	}
	c.block(keys, timeout, func(c *client) bool {
		for i, key := range keys {
			// Serve from the stream that was written, as Redis does.
			if rk := c.blk.readyKey; rk != "" && rk != string(key) {
				continue
			}
			o := c.db.lookup(key, c.now)
			if o == nil || o.typ != typeStream {
				if group && c.blk.readyKey == string(key) {
					// The key was deleted or overwritten: its groups are
					// gone with it.
					c.w.Error("UNBLOCKED the stream key no longer exists")
					return true
				}
				continue
			}
			s := o.val.(*stream)
			gt := ids[i]
			var g *streamGroup
			if group {
				if g = s.groups[string(groupName)]; g == nil {
					c.w.Error("NOGROUP the consumer group this client was blocked on no longer exists")
					return true
				}
				gt = g.lastID
			}
			if s.lastID.cmp(gt) <= 0 {
				continue
			}
			start, _ := gt.incr()
			if c.w.Proto >= 3 {
				c.w.Map(1)
			} else {
				c.w.Array(1)
				c.w.Array(2)
			}
			c.w.Bulk(key)
			if group {
				cons := g.consumerFor(consumer, c.now, true)
				c.readGroup(s, g, cons, start, count, noack)
			} else {
				c.writeRange(s, start, maxStreamID, false, count)
			}
			return true
		}
		return false
	})
}

func cmdXReadGroup(c *client, args [][]byte) { xreadGeneric(c, args, true) }

// readGroup delivers the entries after start (up to count, 0: all) to a
// consumer of g, as Redis's streamReplyWithRange with a group: it moves
// the group's last ID and read counter and, unless noack, records each
// entry as pending.
func (c *client) readGroup(s *stream, g *streamGroup, cons *streamConsumer, start streamID, count int64, noack bool) {
	n := s.countRange(start, maxStreamID, false, count)
	c.w.Array(int(n))
	var i int64
	s.walk(start, maxStreamID, false, func(e *streamEntry) bool {
		if e.id.cmp(g.lastID) > 0 {
			if g.entriesRead != entriesReadInvalid && !s.hasTombstones(e.id, nil) {
				g.entriesRead++
			} else if s.entriesAdded != 0 {
				g.entriesRead = s.estimateDistance(e.id)
			}
			g.lastID = e.id
		}
		c.writeEntry(e)
		if !noack {
			if old := g.pel.find(e.id); old != nil {
				// Delivered again: moved to cons unless already its own
				// (taking it out and back in would copy the list twice).
				if old.consumer != cons {
					old.consumer.pel.remove(e.id)
					cons.pel.insert(old)
					old.consumer = cons
				}
				old.deliveryTime, old.deliveryCount = c.now, 1
			} else {
				nack := &streamNACK{id: e.id, consumer: cons, deliveryTime: c.now, deliveryCount: 1}
				g.pel.insert(nack)
				cons.pel.insert(nack)
			}
		}
		i++
		return i < n
	})
}

// writePELRange replies with a consumer's pending entries from start (up
// to count, 0: all); a pending entry deleted from the stream is [id, nil].
// Each delivered entry counts one more delivery.
func (c *client) writePELRange(s *stream, cons *streamConsumer, start streamID, count int64) {
	p := cons.pel[cons.pel.search(start):]
	if count > 0 && int64(len(p)) > count {
		p = p[:count]
	}
	c.w.Array(len(p))
	for _, n := range p {
		e := s.find(n.id)
		if e == nil {
			c.w.Array(2)
			c.writeStreamID(n.id)
			c.w.NullArray()
			continue
		}
		c.writeEntry(e)
		n.deliveryTime = c.now
		n.deliveryCount++
	}
}
