package node

import (
	"bytes"
	"slices"
)

const msgNoGroupPrefix = "NOGROUP No such key '"

func streamGroupCommands() []*command {
	return []*command{
		{name: "xreadgroup", arity: -7, flags: flagWrite | flagBlocking, acl: "@write @stream @slow @blocking", group: streamCmdGroup, summary: "Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block.", since: streamSinceOriginal, fn: cmdXReadGroup},
		{name: "xack", arity: -4, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: streamACLWriteFast, group: streamCmdGroup, summary: "Marks a pending message as correctly processed, effectively removing it from the pending entries list of the consumer group. Return value of the command is the number of messages successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.", since: streamSinceOriginal, fn: cmdXAck},
		{name: "xpending", arity: -3, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, acl: streamACLReadSlow, group: streamCmdGroup, summary: "Return information and entries from a stream consumer group pending entries list, that are messages fetched but never acknowledged.", since: streamSinceOriginal, fn: cmdXPending},
		{name: "xclaim", arity: -6, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: streamACLWriteFast, group: streamCmdGroup, summary: "Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the specified consumer.", since: streamSinceOriginal, fn: cmdXClaim},
		{name: "xautoclaim", arity: -6, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: streamACLWriteFast, group: streamCmdGroup, summary: "Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the specified consumer.", since: "6.2.0", fn: cmdXAutoClaim},
		{name: "xgroup", arity: -2, acl: "@slow", group: streamCmdGroup, summary: "A container for consumer groups commands", since: streamSinceOriginal, fn: cmdXGroup,
			subs: map[string]*command{
				"create":         {name: "create", arity: -5, flags: flagWrite | flagDenyOOM, firstKey: 2, lastKey: 2, step: 1, acl: streamACLWriteSlow, group: streamCmdGroup, summary: "Create a consumer group.", since: streamSinceOriginal, fn: cmdXGroupCreate},
				"setid":          {name: "setid", arity: -5, flags: flagWrite, firstKey: 2, lastKey: 2, step: 1, acl: streamACLWriteSlow, group: streamCmdGroup, summary: "Set a consumer group to an arbitrary last delivered ID value.", since: streamSinceOriginal, fn: cmdXGroupSetID},
				"destroy":        {name: "destroy", arity: 4, flags: flagWrite, firstKey: 2, lastKey: 2, step: 1, acl: streamACLWriteSlow, group: streamCmdGroup, summary: "Destroy a consumer group.", since: streamSinceOriginal, fn: cmdXGroupDestroy},
				"createconsumer": {name: "createconsumer", arity: 5, flags: flagWrite | flagDenyOOM, firstKey: 2, lastKey: 2, step: 1, acl: streamACLWriteSlow, group: streamCmdGroup, summary: "Create a consumer in a consumer group.", since: "6.2.0", fn: cmdXGroupCreateConsumer},
				"delconsumer":    {name: "delconsumer", arity: 5, flags: flagWrite, firstKey: 2, lastKey: 2, step: 1, acl: streamACLWriteSlow, group: streamCmdGroup, summary: "Delete a consumer from a consumer group.", since: streamSinceOriginal, fn: cmdXGroupDelConsumer},
				"help":           {name: "help", arity: 2, flags: flagLoading | flagStale, acl: "@stream @slow", group: streamCmdGroup, summary: "Show helpful text about the different subcommands", since: streamSinceOriginal, fn: cmdXGroupHelp},
			}},
	}
}

// signalStreamReady marks key ready for the clients blocked on it without
// invalidating WATCHes: Redis signals only the writes that change a
// stream's entries (XADD, XDEL, XTRIM) as modifications; consumer group
// commands do not count as such.
func (d *db) signalStreamReady(key []byte) {
	if _, ok := d.blocking[string(key)]; ok {
		*d.ready = append(*d.ready, readyKey{d, string(key)})
	}
}

// ---- XGROUP ----

func cmdXGroup(c *client, args [][]byte) {
	c.w.Error(errSubcommandSyntax(args[1], "xgroup"))
}

func cmdXGroupHelp(c *client, args [][]byte) {
	writeHelp(c,
		"XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"CREATE <key> <groupname> <id|$> [option]",
		"    Create a new consumer group. Options are:",
		"    * MKSTREAM",
		"      Create the empty stream if it does not exist.",
		"    * ENTRIESREAD entries_read",
		"      Set the group's entries_read counter (internal use).",
		"CREATECONSUMER <key> <groupname> <consumer>",
		"    Create a new consumer in the specified group.",
		"DELCONSUMER <key> <groupname> <consumer>",
		"    Remove the specified consumer.",
		"DESTROY <key> <groupname>",
		"    Remove the specified group.",
		"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
		"    Set the current group ID and entries_read counter.",
		"HELP",
		"    Prints this help.")
}

// xgroupLookup does the common part of the XGROUP subcommands, as Redis's
// xgroupCommand: it finds the stream (it must exist unless mkstream) and,
// when needGroup, the group. It replies on error.
func (c *client) xgroupLookup(args [][]byte, mkstream, needGroup bool) (s *stream, g *streamGroup, ok bool) {
	if s, ok = c.getStream(args[2]); !ok {
		return nil, nil, false
	}
	if !mkstream {
		if s == nil {
			c.w.Error("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.")
			return nil, nil, false
		}
		if g = s.groups[string(args[3])]; g == nil && needGroup {
			c.w.Error("NOGROUP No such consumer group '" + string(args[3]) + "' for key name '" + string(args[2]) + "'")
			return nil, nil, false
		}
	}
	return s, g, true
}

// parseEntriesRead parses an ENTRIESREAD value; it replies on error.
func (c *client) parseEntriesRead(b []byte) (int64, bool) {
	n, ok := c.parseIntArg(b)
	if !ok {
		return 0, false
	}
	if n < 0 && n != entriesReadInvalid {
		c.w.Error("ERR value for ENTRIESREAD must be positive or -1")
		return 0, false
	}
	return n, true
}

func cmdXGroupCreate(c *client, args [][]byte) {
	mkstream, entriesRead := false, int64(entriesReadInvalid)
	for i := 5; i < len(args); i++ {
		switch {
		case bytes.EqualFold(args[i], []byte("mkstream")):
			mkstream = true
		case bytes.EqualFold(args[i], []byte("entriesread")) && i+1 < len(args):
			n, ok := c.parseEntriesRead(args[i+1])
			if !ok {
				return
			}
			entriesRead = n
			i++
		default:
			c.w.Error(errSubcommandSyntax(args[1], "xgroup"))
			return
		}
	}
	s, _, ok := c.xgroupLookup(args, mkstream, false)
	if !ok {
		return
	}
	if len(args) > 8 {
		c.w.Error(errSubcommandSyntax(args[1], "xgroup"))
		return
	}
	var id streamID
	if len(args[4]) == 1 && args[4][0] == '$' {
		if s != nil {
			id = s.lastID
		}
	} else if id, _, ok = c.parseStreamID(args[4], true, 0, false); !ok {
		return
	}
	if s == nil {
		o := newStreamObject()
		c.db.set(args[2], o, false)
		s = o.val.(*stream)
		c.srv.dirty++ // a new key: WATCHes of it are invalidated
	}
	if s.groups[string(args[3])] != nil {
		c.w.Error("BUSYGROUP Consumer Group name already exists")
		return
	}
	if s.groups == nil {
		s.groups = map[string]*streamGroup{}
	}
	s.groups[string(args[3])] = &streamGroup{lastID: id, entriesRead: entriesRead, consumers: map[string]*streamConsumer{}}
	c.w.OK()
}

func cmdXGroupSetID(c *client, args [][]byte) {
	_, g, ok := c.xgroupLookup(args, false, true)
	if !ok {
		return
	}
	if len(args) != 5 && len(args) != 7 {
		c.w.Error(errSubcommandSyntax(args[1], "xgroup"))
		return
	}
	s, _ := c.getStream(args[2])
	var id streamID
	if len(args[4]) == 1 && args[4][0] == '$' {
		id = s.lastID
	} else if id, _, ok = c.parseStreamID(args[4], false, 0, false); !ok {
		return
	}
	entriesRead := int64(entriesReadInvalid)
	if len(args) == 7 {
		if !bytes.EqualFold(args[5], []byte("entriesread")) {
			c.w.Error(errSubcommandSyntax(args[1], "xgroup"))
			return
		}
		if entriesRead, ok = c.parseEntriesRead(args[6]); !ok {
			return
		}
	}
	g.lastID, g.entriesRead = id, entriesRead
	c.w.OK()
}

func cmdXGroupDestroy(c *client, args [][]byte) {
	s, g, ok := c.xgroupLookup(args, false, false)
	if !ok {
		return
	}
	if g == nil {
		c.w.Int(0)
		return
	}
	delete(s.groups, string(args[3]))
	// Wake XREADGROUP clients blocked on the key: they get -NOGROUP.
	c.db.signalStreamReady(args[2])
	c.w.Int(1)
}

func cmdXGroupCreateConsumer(c *client, args [][]byte) {
	_, g, ok := c.xgroupLookup(args, false, true)
	if !ok {
		return
	}
	if g.consumers[string(args[4])] != nil {
		c.w.Int(0)
		return
	}
	g.consumerFor(args[4], c.now, false)
	c.w.Int(1)
}

func cmdXGroupDelConsumer(c *client, args [][]byte) {
	_, g, ok := c.xgroupLookup(args, false, true)
	if !ok {
		return
	}
	cons := g.consumers[string(args[4])]
	if cons == nil {
		c.w.Int(0)
		return
	}
	if len(cons.pel) > 0 {
		// One pass over the group's list: removing the entries one by
		// one would copy its tail for each.
		g.pel = slices.DeleteFunc(g.pel, func(n *streamNACK) bool { return n.consumer == cons })
	}
	delete(g.consumers, cons.name)
	c.w.Int(int64(len(cons.pel)))
}

// ---- XACK / XPENDING ----

func cmdXAck(c *client, args [][]byte) {
	s, ok := c.getStreamRead(args[1])
	if !ok {
		return
	}
	var g *streamGroup
	if s != nil {
		g = s.groups[string(args[2])]
	}
	if g == nil {
		c.w.Int(0)
		return
	}
	ids := make([]streamID, len(args)-3)
	for j := range ids {
		if ids[j], _, ok = c.parseStreamID(args[j+3], true, 0, false); !ok {
			return
		}
	}
	c.w.Int(g.ack(ids))
}

// ack removes the pending entries with these IDs (any order, repeats and
// IDs not pending allowed) and returns how many it removed. Many IDs are
// removed in one pass over each list.
func (g *streamGroup) ack(ids []streamID) int64 {
	var acked int64
	if len(ids) <= 8 {
		for _, id := range ids {
			if n := g.pel.find(id); n != nil {
				g.removeNACK(n)
				acked++
			}
		}
		return acked
	}
	slices.SortFunc(ids, streamID.cmp)
	ids = slices.Compact(ids)
	found := ids[:0] // the pending ones, in place
	byCons := map[*streamConsumer][]streamID{}
	for _, id := range ids {
		if n := g.pel.find(id); n != nil {
			found = append(found, id)
			if n.consumer != nil {
				byCons[n.consumer] = append(byCons[n.consumer], id)
			}
		}
	}
	if len(found) == 0 {
		return 0
	}
	for cons, l := range byCons {
		cons.pel.removeSorted(l)
	}
	g.pel.removeSorted(found)
	return int64(len(found))
}

// lookupGroup finds the group of a command that requires it, replying
// WRONGTYPE or NOGROUP (with suffix after the names) otherwise.
func (c *client) lookupGroup(key, group []byte, suffix string) (*stream, *streamGroup) {
	s, ok := c.getStreamRead(key)
	if !ok {
		return nil, nil
	}
	var g *streamGroup
	if s != nil {
		g = s.groups[string(group)]
	}
	if g == nil {
		c.w.Error(msgNoGroupPrefix + string(key) + "' or consumer group '" + string(group) + "'" + suffix)
		return nil, nil
	}
	return s, g
}

func cmdXPending(c *client, args [][]byte) {
	if len(args) != 3 && (len(args) < 6 || len(args) > 9) {
		c.w.Error(msgSyntax)
		return
	}
	var start, end streamID
	var count, minIdle int64
	var consumer []byte
	if len(args) >= 6 {
		si := 3
		if bytes.EqualFold(args[3], []byte("idle")) {
			n, ok := c.parseIntArg(args[4])
			if !ok {
				return
			}
			minIdle = n
			if len(args) < 8 {
				c.w.Error(msgSyntax)
				return
			}
			si += 2
		}
		n, ok := c.parseIntArg(args[si+2])
		if !ok {
			return
		}
		count = max(n, 0)
		if start, ok = c.parseIntervalStart(args[si]); !ok {
			return
		}
		if end, ok = c.parseIntervalEnd(args[si+1]); !ok {
			return
		}
		if si+3 < len(args) {
			consumer = args[si+3]
		}
	}
	_, g := c.lookupGroup(args[1], args[2], "")
	if g == nil {
		return
	}
	if len(args) == 3 {
		c.w.Array(4)
		c.w.Int(int64(len(g.pel)))
		if len(g.pel) == 0 {
			c.w.Null()
			c.w.Null()
			c.w.NullArray()
			return
		}
		c.writeStreamID(g.pel[0].id)
		c.writeStreamID(g.pel[len(g.pel)-1].id)
		conss := g.sortedConsumers()
		n := 0
		for _, cons := range conss {
			if len(cons.pel) > 0 {
				n++
			}
		}
		c.w.Array(n)
		for _, cons := range conss {
			if len(cons.pel) > 0 {
				c.w.Array(2)
				c.w.BulkString(cons.name)
				c.w.BulkInt(int64(len(cons.pel)))
			}
		}
		return
	}
	p := g.pel
	if consumer != nil {
		cons := g.consumers[string(consumer)]
		if cons == nil {
			c.w.Array(0)
			return
		}
		p = cons.pel
	}
	var out []*streamNACK
	for _, n := range p[p.search(start):] {
		if count == 0 || n.id.cmp(end) > 0 {
			break
		}
		if minIdle != 0 && c.now-n.deliveryTime < minIdle {
			continue
		}
		out = append(out, n)
		count--
	}
	c.w.Array(len(out))
	for _, n := range out {
		c.w.Array(4)
		c.writeStreamID(n.id)
		c.w.BulkString(n.consumer.name)
		c.w.Int(max(c.now-n.deliveryTime, 0))
		c.w.Int(n.deliveryCount)
	}
}

// ---- XINFO GROUPS / CONSUMERS / STREAM FULL ----

func (c *client) writeGroupLag(s *stream, g *streamGroup) {
	if lag, ok := s.groupLag(g); ok {
		c.w.Int(lag)
	} else {
		c.w.Null()
	}
}

func (c *client) writeEntriesRead(g *streamGroup) {
	if g.entriesRead == entriesReadInvalid {
		c.w.Null()
	} else {
		c.w.Int(g.entriesRead)
	}
}

func cmdXInfoGroups(c *client, args [][]byte) {
	s := c.xinfoStream(args[2])
	if s == nil {
		return
	}
	names, gs := s.sortedGroups()
	c.w.Array(len(gs))
	for i, g := range gs {
		c.w.Map(6)
		c.w.BulkString("name")
		c.w.BulkString(names[i])
		c.w.BulkString("consumers")
		c.w.Int(int64(len(g.consumers)))
		c.w.BulkString("pending")
		c.w.Int(int64(len(g.pel)))
		c.w.BulkString("last-delivered-id")
		c.writeStreamID(g.lastID)
		c.w.BulkString("entries-read")
		c.writeEntriesRead(g)
		c.w.BulkString("lag")
		c.writeGroupLag(s, g)
	}
}

func cmdXInfoConsumers(c *client, args [][]byte) {
	s := c.xinfoStream(args[2])
	if s == nil {
		return
	}
	g := s.groups[string(args[3])]
	if g == nil {
		c.w.Error("NOGROUP No such consumer group '" + string(args[3]) + "' for key name '" + string(args[2]) + "'")
		return
	}
	conss := g.sortedConsumers()
	c.w.Array(len(conss))
	for _, cons := range conss {
		c.w.Map(3)
		c.w.BulkString("name")
		c.w.BulkString(cons.name)
		c.w.BulkString("pending")
		c.w.Int(int64(len(cons.pel)))
		c.w.BulkString("idle")
		c.w.Int(max(c.now-cons.seenTime, 0))
	}
}

// writeGroupsFull writes the groups part of XINFO STREAM FULL, each PEL
// cut to count entries (0: all).
func (c *client) writeGroupsFull(s *stream, count int64) {
	names, gs := s.sortedGroups()
	cut := func(p pel) pel {
		if count > 0 && int64(len(p)) > count {
			return p[:count]
		}
		return p
	}
	c.w.Array(len(gs))
	for i, g := range gs {
		c.w.Map(7)
		c.w.BulkString("name")
		c.w.BulkString(names[i])
		c.w.BulkString("last-delivered-id")
		c.writeStreamID(g.lastID)
		c.w.BulkString("entries-read")
		c.writeEntriesRead(g)
		c.w.BulkString("lag")
		c.writeGroupLag(s, g)
		c.w.BulkString("pel-count")
		c.w.Int(int64(len(g.pel)))
		c.w.BulkString("pending")
		p := cut(g.pel)
		c.w.Array(len(p))
		for _, n := range p {
			c.w.Array(4)
			c.writeStreamID(n.id)
			c.w.BulkString(n.consumer.name)
			c.w.Int(n.deliveryTime)
			c.w.Int(n.deliveryCount)
		}
		c.w.BulkString("consumers")
		conss := g.sortedConsumers()
		c.w.Array(len(conss))
		for _, cons := range conss {
			c.w.Map(4)
			c.w.BulkString("name")
			c.w.BulkString(cons.name)
			c.w.BulkString("seen-time")
			c.w.Int(cons.seenTime)
			c.w.BulkString("pel-count")
			c.w.Int(int64(len(cons.pel)))
			c.w.BulkString("pending")
			p := cut(cons.pel)
			c.w.Array(len(p))
			for _, n := range p {
				c.w.Array(3)
				c.writeStreamID(n.id)
				c.w.Int(n.deliveryTime)
				c.w.Int(n.deliveryCount)
			}
		}
	}
}
