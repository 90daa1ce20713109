package node

import (
	"bytes"
	"math"
)

// ---- XCLAIM / XAUTOCLAIM ----

// claim moves a pending entry to cons, as XCLAIM and XAUTOCLAIM do.
func claim(g *streamGroup, n *streamNACK, cons *streamConsumer, deliveryTime, retryCount int64, justID bool) {
	if n.consumer != cons && n.consumer != nil {
		n.consumer.pel.remove(n.id)
	}
	n.deliveryTime = deliveryTime
	if retryCount >= 0 {
		n.deliveryCount = retryCount
	} else if !justID {
		n.deliveryCount++
	}
	if n.consumer != cons {
		cons.pel.insert(n)
		n.consumer = cons
	}
}

func cmdXClaim(c *client, args [][]byte) {
	s, g := c.lookupGroup(args[1], args[2], "")
	if g == nil {
		return
	}
	minIdle, ok := parseInt(args[4])
	if !ok {
		c.w.Error("ERR Invalid min-idle-time argument for XCLAIM")
		return
	}
	minIdle = max(minIdle, 0)
	var ids []streamID
	j := 5
	for ; j < len(args); j++ {
		id, ok := parseStrictIDQuiet(args[j])
		if !ok {
			break
		}
		ids = append(ids, id)
	}
	now := c.now
	retryCount, deliveryTime := int64(-1), int64(-1)
	force, justID := false, false
	var lastID streamID
	for ; j < len(args); j++ {
		more := len(args) - 1 - j
		opt := args[j]
		switch {
		case bytes.EqualFold(opt, []byte("force")):
			force = true
		case bytes.EqualFold(opt, []byte("justid")):
			justID = true
		case more > 0 && bytes.EqualFold(opt, []byte("idle")):
			j++
			n, ok := parseInt(args[j])
			if !ok {
				c.w.Error("ERR Invalid IDLE option argument for XCLAIM")
				return
			}
			deliveryTime = now - n
		case more > 0 && bytes.EqualFold(opt, []byte("time")):
			j++
			n, ok := parseInt(args[j])
			if !ok {
				c.w.Error("ERR Invalid TIME option argument for XCLAIM")
				return
			}
			deliveryTime = n
		case more > 0 && bytes.EqualFold(opt, []byte("retrycount")):
			j++
			n, ok := parseInt(args[j])
			if !ok {
				c.w.Error("ERR Invalid RETRYCOUNT option argument for XCLAIM")
				return
			}
			retryCount = n
		case more > 0 && bytes.EqualFold(opt, []byte("lastid")):
			j++
			if lastID, _, ok = c.parseStreamID(args[j], true, 0, false); !ok {
				return
			}
		default:
			c.w.Error("ERR Unrecognized XCLAIM option '" + string(opt) + "'")
			return
		}
	}
	if lastID.cmp(g.lastID) > 0 {
		g.lastID = lastID
	}
	if deliveryTime == -1 || deliveryTime < 0 || deliveryTime > now {
		deliveryTime = now
	}
	var cons *streamConsumer
	var out []*streamNACK
	for _, id := range ids {
		n := g.pel.find(id)
		if s.find(id) == nil {
			if n != nil {
				g.removeNACK(n)
			}
			continue
		}
		if force && n == nil {
			n = &streamNACK{id: id, deliveryTime: now, deliveryCount: 1}
			g.pel.insert(n)
		}
		if n == nil {
			continue
		}
		if n.consumer != nil && minIdle != 0 && now-n.deliveryTime < minIdle {
			continue
		}
		if cons == nil {
			cons = g.consumerFor(args[3], now, true)
		}
		claim(g, n, cons, deliveryTime, retryCount, justID)
		out = append(out, n)
	}
	c.w.Array(len(out))
	for _, n := range out {
		if justID {
			c.writeStreamID(n.id)
		} else {
			c.writeEntry(s.find(n.id))
		}
	}
}

// parseStrictIDQuiet parses a strict ID without replying.
func parseStrictIDQuiet(b []byte) (streamID, bool) {
	id, _, ok := scanStreamID(b, true, 0, false)
	return id, ok
}

func cmdXAutoClaim(c *client, args [][]byte) {
	minIdle, ok := parseInt(args[4])
	if !ok {
		c.w.Error("ERR Invalid min-idle-time argument for XAUTOCLAIM")
		return
	}
	minIdle = max(minIdle, 0)
	start, ok := c.parseIntervalStart(args[5])
	if !ok {
		return
	}
	count, justID := int64(100), false
	for j := 6; j < len(args); j++ {
		more := len(args) - 1 - j
		switch {
		case more > 0 && bytes.EqualFold(args[j], []byte("count")):
			n, ok := parseInt(args[j+1])
			if !ok || n < 1 || n > math.MaxInt64/16 {
				c.w.Error("ERR COUNT must be > 0")
				return
			}
			count = n
			j++
		case bytes.EqualFold(args[j], []byte("justid")):
			justID = true
		default:
			c.w.Error(msgSyntax)
			return
		}
	}
	s, g := c.lookupGroup(args[1], args[2], "")
	if g == nil {
		return
	}
	now := c.now
	attempts := count * 10
	var cons *streamConsumer
	var claimed []*streamNACK
	var deleted []streamID
	i := g.pel.search(start)
	for ; attempts > 0 && count > 0 && i < len(g.pel); attempts-- {
		n := g.pel[i]
		if s.find(n.id) == nil {
			g.removeNACK(n)
			deleted = append(deleted, n.id)
			count--
			continue // i now points at the next entry
		}
		i++
		if minIdle != 0 && now-n.deliveryTime < minIdle {
			continue
		}
		if cons == nil {
			cons = g.consumerFor(args[3], now, true)
		}
		claim(g, n, cons, now, -1, justID)
		claimed = append(claimed, n)
		count--
	}
	c.w.Array(3)
	if i < len(g.pel) {
		c.writeStreamID(g.pel[i].id)
	} else {
		c.writeStreamID(streamID{})
	}
	c.w.Array(len(claimed))
	for _, n := range claimed {
		if justID {
			c.writeStreamID(n.id)
		} else {
			c.writeEntry(s.find(n.id))
		}
	}
	c.w.Array(len(deleted))
	for _, id := range deleted {
		c.writeStreamID(id)
	}
}
