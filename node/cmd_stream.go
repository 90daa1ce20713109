package node

import (
	"bytes"
	"math"
)

// Reply texts of the stream commands.
const (
	msgInvalidStreamID  = "ERR Invalid stream ID specified as stream command argument"
	msgXAddIDTooSmall   = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
	msgXAddIDZero       = "ERR The ID specified in XADD must be greater than 0-0"
	msgStreamExhausted  = "ERR The stream has exhausted the last possible ID, unable to add more items"
	msgMaxLenNegative   = "ERR The MAXLEN argument must be >= 0."
	msgXLimitNegative   = "ERR The LIMIT argument must be >= 0."
	msgTrimBoth         = "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"
	msgLimitNoStrategy  = "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"
	msgXTrimNoStrategy  = "ERR syntax error, XTRIM must be called with a trimming strategy"
	msgLimitNoApprox    = "ERR syntax error, LIMIT cannot be used without the special ~ option"
	msgInvalidStart     = "ERR invalid start ID for the interval"
	msgInvalidEnd       = "ERR invalid end ID for the interval"
	msgStreamTimeoutInt = "ERR timeout is not an integer or out of range"
	streamACLWriteFast  = "@write @stream @fast"
	streamACLWriteSlow  = "@write @stream @slow"
	streamACLReadSlow   = "@read @stream @slow"
	streamCmdGroup      = "stream"
	streamSinceOriginal = "5.0.0"
)

// streamCommands: the stream type (consumer group commands are in
// cmd_stream_group.go).
func streamCommands() []*command {
	return append([]*command{
		{name: "xadd", arity: -5, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: streamACLWriteFast, group: streamCmdGroup, summary: "Appends a new entry to a stream", since: streamSinceOriginal, fn: cmdXAdd},
		{name: "xlen", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: "@read @stream @fast", group: streamCmdGroup, summary: "Return the number of entries in a stream", since: streamSinceOriginal, fn: cmdXLen},
		{name: "xrange", arity: -4, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, acl: streamACLReadSlow, group: streamCmdGroup, summary: "Return a range of elements in a stream, with IDs matching the specified IDs interval", since: streamSinceOriginal, fn: cmdXRange},
		{name: "xrevrange", arity: -4, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, acl: streamACLReadSlow, group: streamCmdGroup, summary: "Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE", since: streamSinceOriginal, fn: cmdXRevRange},
		{name: "xdel", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: streamACLWriteFast, group: streamCmdGroup, summary: "Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.", since: streamSinceOriginal, fn: cmdXDel},
		{name: "xtrim", arity: -4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, acl: streamACLWriteSlow, group: streamCmdGroup, summary: "Trims the stream to (approximately if '~' is passed) a certain size", since: streamSinceOriginal, fn: cmdXTrim},
		{name: "xsetid", arity: -3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: streamACLWriteFast, group: streamCmdGroup, summary: "An internal command for replicating stream values", since: streamSinceOriginal, fn: cmdXSetID},
		// XREAD and XREADGROUP have movable keys (after STREAMS): COMMAND
		// reports 0 0 0; the cluster code finds them with router.KeyIndexes.
		{name: "xread", arity: -4, flags: flagReadonly | flagBlocking, acl: "@read @stream @slow @blocking", group: streamCmdGroup, summary: "Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.", since: streamSinceOriginal, fn: cmdXRead},
		{name: "xinfo", arity: -2, acl: "@slow", group: streamCmdGroup, summary: "A container for stream introspection commands", since: streamSinceOriginal, fn: cmdXInfo,
			subs: map[string]*command{
				"stream":    {name: "stream", arity: -3, flags: flagReadonly, firstKey: 2, lastKey: 2, step: 1, acl: streamACLReadSlow, group: streamCmdGroup, summary: "Get information about a stream", since: streamSinceOriginal, fn: cmdXInfoStream},
				"groups":    {name: "groups", arity: 3, flags: flagReadonly, firstKey: 2, lastKey: 2, step: 1, acl: streamACLReadSlow, group: streamCmdGroup, summary: "List the consumer groups of a stream", since: streamSinceOriginal, fn: cmdXInfoGroups},
				"consumers": {name: "consumers", arity: 4, flags: flagReadonly, firstKey: 2, lastKey: 2, step: 1, acl: streamACLReadSlow, group: streamCmdGroup, summary: "List the consumers in a consumer group", since: streamSinceOriginal, fn: cmdXInfoConsumers},
				"help":      {name: "help", arity: 2, flags: flagLoading | flagStale, acl: "@stream @slow", group: streamCmdGroup, summary: "Show helpful text about the different subcommands", since: streamSinceOriginal, fn: cmdXInfoHelp},
			}},
	}, streamGroupCommands()...)
}

// ---- IDs ----

// parseStreamUint parses an ID part as Redis's string2ull: a strict
// integer, or failing that what strtoull accepts (leading blanks, a sign,
// leading zeros), never a negative integer.
func parseStreamUint(b []byte) (uint64, bool) {
	if n, ok := parseInt(b); ok {
		return uint64(n), n >= 0
	}
	i := 0
	for i < len(b) && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	if i == len(b) {
		return 0, false
	}
	var n uint64
	for ; i < len(b); i++ {
		d := b[i] - '0'
		if d > 9 {
			return 0, false
		}
		if n > (math.MaxUint64-uint64(d))/10 {
			return 0, false
		}
		n = n*10 + uint64(d)
	}
	if neg {
		n = -n
	}
	return n, true
}

// parseStreamID parses ms-seq, ms (seq missingSeq), and unless strict "-"
// and "+". With star set "ms-*" is accepted and seqGiven reports whether
// the sequence was given. It replies on error.
func (c *client) parseStreamID(b []byte, strict bool, missingSeq uint64, star bool) (id streamID, seqGiven, ok bool) {
	if id, seqGiven, ok = scanStreamID(b, strict, missingSeq, star); !ok {
		c.w.Error(msgInvalidStreamID)
	}
	return id, seqGiven, ok
}

// scanStreamID is parseStreamID without the reply.
func scanStreamID(b []byte, strict bool, missingSeq uint64, star bool) (id streamID, seqGiven, ok bool) {
	if len(b) > 127 {
		return id, false, false
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i] // Redis parses a copy as a C string: it ends at a NUL
	}
	if len(b) == 1 && (b[0] == '-' || b[0] == '+') {
		if strict {
			return id, false, false
		}
		if b[0] == '-' {
			return streamID{}, true, true
		}
		return maxStreamID, true, true
	}
	msPart, seqPart, dash := bytes.Cut(b, []byte{'-'})
	if id.ms, ok = parseStreamUint(msPart); !ok {
		return id, false, false
	}
	id.seq, seqGiven = missingSeq, true
	if dash {
		if star && len(seqPart) == 1 && seqPart[0] == '*' {
			id.seq, seqGiven = 0, false
		} else if id.seq, ok = parseStreamUint(seqPart); !ok {
			return id, false, false
		}
	}
	return id, seqGiven, true
}

// parseIntervalID parses an XRANGE/XPENDING bound, which may be exclusive
// with a "(" prefix; it replies on error.
func (c *client) parseIntervalID(b []byte, missingSeq uint64) (id streamID, exclusive, ok bool) {
	if len(b) > 1 && b[0] == '(' {
		id, _, ok = c.parseStreamID(b[1:], true, missingSeq, false)
		return id, true, ok
	}
	id, _, ok = c.parseStreamID(b, false, missingSeq, false)
	return id, false, ok
}

// parseIntervalStart parses the start of an interval, the ID after the
// given one when exclusive; it replies on error.
func (c *client) parseIntervalStart(b []byte) (streamID, bool) {
	id, ex, ok := c.parseIntervalID(b, 0)
	if ok && ex {
		if id, ok = id.incr(); !ok {
			c.w.Error(msgInvalidStart)
		}
	}
	return id, ok
}

// parseIntervalEnd parses the end of an interval, the ID before the given
// one when exclusive; it replies on error.
func (c *client) parseIntervalEnd(b []byte) (streamID, bool) {
	id, ex, ok := c.parseIntervalID(b, math.MaxUint64)
	if ok && ex {
		if id, ok = id.decr(); !ok {
			c.w.Error(msgInvalidEnd)
		}
	}
	return id, ok
}

// writeStreamID writes an ID as a bulk string.
func (c *client) writeStreamID(id streamID) {
	var buf [48]byte
	c.w.Bulk(id.appendTo(buf[:0]))
}

// writeEntry writes [id, [field, value, ...]].
func (c *client) writeEntry(e *streamEntry) {
	c.w.Array(2)
	c.writeStreamID(e.id)
	c.w.Array(2 * e.npairs())
	e.pairs(func(f, v []byte) {
		c.w.Bulk(f)
		c.w.Bulk(v)
	})
}

// writeRange writes the live entries of [start, end] (at most count, 0
// meaning all) as an array and returns how many it wrote.
func (c *client) writeRange(s *stream, start, end streamID, rev bool, count int64) int64 {
	n := s.countRange(start, end, rev, count)
	c.w.Array(int(n))
	i := int64(0)
	s.walk(start, end, rev, func(e *streamEntry) bool {
		c.writeEntry(e)
		i++
		return i < n
	})
	return n
}

// countRange counts the live entries of [start, end], up to count (0: all).
func (s *stream) countRange(start, end streamID, rev bool, count int64) int64 {
	var n int64
	s.walk(start, end, rev, func(*streamEntry) bool {
		n++
		return count == 0 || n < count
	})
	return n
}

// getStream looks key up as a stream (see getTyped).
func (c *client) getStream(key []byte) (*stream, bool) {
	o, ok := c.getTyped(key, typeStream)
	if !ok || o == nil {
		return nil, ok
	}
	return o.val.(*stream), true
}

// getStreamRead is getStream counting keyspace hits and misses.
func (c *client) getStreamRead(key []byte) (*stream, bool) {
	s, ok := c.getStream(key)
	c.countLookup(s != nil || !ok)
	return s, ok
}

// ---- XADD / XTRIM ----

// xaddArgs is a parsed XADD or XTRIM.
type xaddArgs struct {
	trimArgs
	id         streamID
	idGiven    bool
	seqGiven   bool
	noMkStream bool
	idPos      int
}

// parseAddOrTrim parses the options of XADD (xadd set) or XTRIM from
// args[2:], as Redis's streamParseAddOrTrimArgsOrReply; it replies on
// error.
func (c *client) parseAddOrTrim(args [][]byte, xadd bool) (a xaddArgs, ok bool) {
	limitGiven := false
	i := 2
	for ; i < len(args); i++ {
		more := len(args) - 1 - i
		opt := args[i]
		switch {
		case xadd && len(opt) == 1 && opt[0] == '*':
			a.idPos = i
			goto done
		case more > 0 && (bytes.EqualFold(opt, []byte("maxlen")) || bytes.EqualFold(opt, []byte("minid"))):
			if a.strategy != trimNone {
				c.w.Error(msgTrimBoth)
				return a, false
			}
			a.approx = false
			next := args[i+1]
			if more >= 2 && len(next) == 1 && (next[0] == '~' || next[0] == '=') {
				a.approx = next[0] == '~'
				i++
			}
			if bytes.EqualFold(opt, []byte("maxlen")) {
				n, ok := c.parseIntArg(args[i+1])
				if !ok {
					return a, false
				}
				if n < 0 {
					c.w.Error(msgMaxLenNegative)
					return a, false
				}
				a.maxLen, a.strategy = n, trimMaxLen
			} else {
				id, _, ok := c.parseStreamID(args[i+1], true, 0, false)
				if !ok {
					return a, false
				}
				a.minID, a.strategy = id, trimMinID
			}
			i++
		case more > 0 && bytes.EqualFold(opt, []byte("limit")):
			n, ok := c.parseIntArg(args[i+1])
			if !ok {
				return a, false
			}
			if n < 0 {
				c.w.Error(msgXLimitNegative)
				return a, false
			}
			a.limit, limitGiven = n, true
			i++
		case xadd && bytes.EqualFold(opt, []byte("nomkstream")):
			a.noMkStream = true
		case xadd:
			id, seqGiven, ok := c.parseStreamID(opt, true, 0, true)
			if !ok {
				return a, false
			}
			a.id, a.seqGiven, a.idGiven, a.idPos = id, seqGiven, true, i
			goto done
		default:
			c.w.Error(msgSyntax)
			return a, false
		}
	}
	a.idPos = i
done:
	if a.limit != 0 && a.strategy == trimNone {
		c.w.Error(msgLimitNoStrategy)
		return a, false
	}
	if !xadd && a.strategy == trimNone {
		c.w.Error(msgXTrimNoStrategy)
		return a, false
	}
	if limitGiven && !a.approx {
		// Given at all, even 0, as Redis checks.
		c.w.Error(msgLimitNoApprox)
		return a, false
	}
	switch {
	case !a.approx:
		a.limit = 0
	case !limitGiven:
		// 100 nodes' worth of entries, as Redis: 10000 without a node
		// entry bound, at most 1000000.
		switch n := int64(c.srv.cfg.StreamNodeMaxEntries); {
		case n <= 0:
			a.limit = 10000
		case n > 10000:
			a.limit = 1000000
		default:
			a.limit = n * 100
		}
	}
	return a, true
}

func cmdXAdd(c *client, args [][]byte) {
	a, ok := c.parseAddOrTrim(args, true)
	if !ok {
		return
	}
	fieldPos := a.idPos + 1
	if n := len(args) - fieldPos; n < 2 || n%2 == 1 {
		c.w.Error(errWrongArity("xadd"))
		return
	}
	if a.idGiven && a.seqGiven && a.id.isZero() {
		c.w.Error(msgXAddIDZero)
		return
	}
	s, ok := c.getStream(args[1])
	if !ok {
		return
	}
	if s == nil {
		if a.noMkStream {
			c.w.Null()
			return
		}
		o := newStreamObject()
		c.db.set(args[1], o, false)
		s = o.val.(*stream)
	}
	if s.lastID == maxStreamID {
		c.w.Error(msgStreamExhausted)
		return
	}
	var id streamID
	switch {
	case !a.idGiven:
		if ms := uint64(c.now); ms > s.lastID.ms {
			id = streamID{ms, 0}
		} else {
			id, _ = s.lastID.incr()
		}
	case a.seqGiven:
		id = a.id
	case a.id.ms == s.lastID.ms:
		if s.lastID.seq == math.MaxUint64 {
			c.w.Error(msgXAddIDTooSmall)
			return
		}
		id = streamID{s.lastID.ms, s.lastID.seq + 1}
	default:
		id = a.id
	}
	if id.cmp(s.lastID) <= 0 {
		c.w.Error(msgXAddIDTooSmall)
		return
	}
	if streamPairsLen(args[fieldPos:]) > streamListpackMaxSize {
		c.w.Error("ERR Elements are too large to be stored")
		return
	}
	s.appendEntry(id, args[fieldPos:], c.srv.cfg.StreamNodeMaxEntries, c.srv.cfg.StreamNodeMaxBytes)
	c.writeStreamID(id)
	c.srv.dirty++
	s.trim(&a.trimArgs)
}

func cmdXTrim(c *client, args [][]byte) {
	a, ok := c.parseAddOrTrim(args, false)
	if !ok {
		return
	}
	s, ok := c.getStream(args[1])
	if !ok {
		return
	}
	if s == nil {
		c.w.Int(0)
		return
	}
	n := s.trim(&a.trimArgs)
	c.srv.dirty += n
	c.w.Int(n)
}

// ---- XLEN / XRANGE / XDEL / XSETID ----

func cmdXLen(c *client, args [][]byte) {
	s, ok := c.getStreamRead(args[1])
	if !ok {
		return
	}
	if s == nil {
		c.w.Int(0)
		return
	}
	c.w.Int(s.nent)
}

func cmdXRange(c *client, args [][]byte)    { xrangeGeneric(c, args, false) }
func cmdXRevRange(c *client, args [][]byte) { xrangeGeneric(c, args, true) }

func xrangeGeneric(c *client, args [][]byte, rev bool) {
	startArg, endArg := args[2], args[3]
	if rev {
		startArg, endArg = endArg, startArg
	}
	start, ok := c.parseIntervalStart(startArg)
	if !ok {
		return
	}
	end, ok := c.parseIntervalEnd(endArg)
	if !ok {
		return
	}
	count := int64(-1)
	for j := 4; j < len(args); j++ {
		if bytes.EqualFold(args[j], []byte("count")) && j+1 < len(args) {
			n, ok := c.parseIntArg(args[j+1])
			if !ok {
				return
			}
			count = max(n, 0)
			j++
			continue
		}
		c.w.Error(msgSyntax)
		return
	}
	s, ok := c.getStreamRead(args[1])
	if !ok {
		return
	}
	if s == nil {
		c.w.Array(0)
		return
	}
	if count == 0 {
		c.w.NullArray()
		return
	}
	c.writeRange(s, start, end, rev, max(count, 0))
}

func cmdXDel(c *client, args [][]byte) {
	s, ok := c.getStream(args[1])
	if !ok {
		return
	}
	if s == nil {
		c.w.Int(0)
		return
	}
	ids := make([]streamID, len(args)-2)
	for j := range ids {
		if ids[j], _, ok = c.parseStreamID(args[j+2], true, 0, false); !ok {
			return
		}
	}
	var deleted int64
	firstEntry := false
	for _, id := range ids {
		if s.deleteEntry(id) {
			if id == s.firstID {
				firstEntry = true
			}
			if id.cmp(s.maxDeleted) > 0 {
				s.maxDeleted = id
			}
			deleted++
		}
	}
	if deleted > 0 && (s.nent == 0 || firstEntry) {
		s.updateFirstID()
	}
	c.srv.dirty += deleted
	c.w.Int(deleted)
}

func cmdXSetID(c *client, args [][]byte) {
	id, _, ok := c.parseStreamID(args[2], true, 0, false)
	if !ok {
		return
	}
	entriesAdded := int64(-1)
	var maxDel streamID
	for i := 3; i < len(args); i += 2 {
		more := len(args) - 1 - i
		switch {
		case more > 0 && bytes.EqualFold(args[i], []byte("entriesadded")):
			n, ok := c.parseIntArg(args[i+1])
			if !ok {
				return
			}
			if n < 0 {
				c.w.Error("ERR entries_added must be positive")
				return
			}
			entriesAdded = n
		case more > 0 && bytes.EqualFold(args[i], []byte("maxdeletedid")):
			if maxDel, _, ok = c.parseStreamID(args[i+1], true, 0, false); !ok {
				return
			}
			if id.cmp(maxDel) < 0 {
				c.w.Error("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
				return
			}
		default:
			c.w.Error(msgSyntax)
			return
		}
	}
	s, ok := c.getStream(args[1])
	if !ok {
		return
	}
	if s == nil {
		c.w.Error(msgNoSuchKey)
		return
	}
	if s.nent > 0 {
		if id.cmp(s.lastValidID()) < 0 {
			c.w.Error("ERR The ID specified in XSETID is smaller than the target stream top item")
			return
		}
		if entriesAdded != -1 && s.nent > entriesAdded {
			c.w.Error("ERR The entries_added specified in XSETID is smaller than the target stream length")
			return
		}
	}
	// Redis 7.0 does not compare id with the current max-deleted-entry-id
	// (later versions refuse a smaller one).
	s.lastID = id
	if entriesAdded != -1 {
		s.entriesAdded = entriesAdded
	}
	if !maxDel.isZero() {
		s.maxDeleted = maxDel
	}
	// Like the group commands, XSETID does not count as a modification
	// (Redis 7.0 leaves WATCHes of the key valid).
	c.w.OK()
}

// ---- XINFO ----

func cmdXInfo(c *client, args [][]byte) {
	c.w.Error(errSubcommandSyntax(args[1], "xinfo"))
}

func cmdXInfoHelp(c *client, args [][]byte) {
	writeHelp(c,
		"XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"CONSUMERS <key> <groupname>",
		"    Show consumers of <groupname>.",
		"GROUPS <key>",
		"    Show the stream consumer groups.",
		"STREAM <key> [FULL [COUNT <count>]",
		"    Show information about the stream.",
		"HELP",
		"    Prints this help.")
}

// xinfoStream looks up the key of an XINFO subcommand: "no such key" when
// it is missing.
func (c *client) xinfoStream(key []byte) *stream {
	s, ok := c.getStreamRead(key)
	if ok && s == nil {
		c.w.Error(msgNoSuchKey)
	}
	return s
}

func cmdXInfoStream(c *client, args [][]byte) {
	s := c.xinfoStream(args[2])
	if s == nil {
		return
	}
	opts := args[3:]
	full, count := len(opts) > 0, int64(10)
	if full {
		if (len(opts) != 1 && len(opts) != 3) || !bytes.EqualFold(opts[0], []byte("full")) ||
			(len(opts) == 3 && !bytes.EqualFold(opts[1], []byte("count"))) {
			c.w.Error(errSubcommandSyntax(args[1], "xinfo"))
			return
		}
		if len(opts) == 3 {
			n, ok := c.parseIntArg(opts[2])
			if !ok {
				return
			}
			if count = n; count < 0 {
				count = 10
			}
		}
	}
	if full {
		c.w.Map(9)
	} else {
		c.w.Map(10)
	}
	c.w.BulkString("length")
	c.w.Int(s.nent)
	c.w.BulkString("radix-tree-keys")
	c.w.Int(int64(len(s.blocks)))
	c.w.BulkString("radix-tree-nodes")
	c.w.Int(int64(s.radixNodes()))
	c.w.BulkString("last-generated-id")
	c.writeStreamID(s.lastID)
	c.w.BulkString("max-deleted-entry-id")
	c.writeStreamID(s.maxDeleted)
	c.w.BulkString("entries-added")
	c.w.Int(s.entriesAdded)
	c.w.BulkString("recorded-first-entry-id")
	c.writeStreamID(s.firstID)
	if !full {
		c.w.BulkString("groups")
		c.w.Int(int64(len(s.groups)))
		for _, name := range []string{"first-entry", "last-entry"} {
			c.w.BulkString(name)
			var e *streamEntry
			s.walk(streamID{}, maxStreamID, name == "last-entry", func(x *streamEntry) bool {
				e = x
				return false
			})
			if e == nil {
				c.w.Null()
			} else {
				c.writeEntry(e)
			}
		}
		return
	}
	c.w.BulkString("entries")
	c.writeRange(s, streamID{}, maxStreamID, false, count)
	c.w.BulkString("groups")
	c.writeGroupsFull(s, count)
}
