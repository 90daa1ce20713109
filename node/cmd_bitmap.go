package node

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// Reply texts of the bitmap commands, as Redis 7.0 sends them.
const (
	msgBitOffset        = "ERR bit offset is not an integer or out of range"
	msgBitValue         = "ERR bit is not an integer or out of range"
	msgBitposBit        = "ERR The bit argument must be 1 or 0."
	msgBitopNot         = "ERR BITOP NOT must be called with a single source key."
	msgBitfieldType     = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
	msgBitfieldOverflow = "ERR Invalid OVERFLOW type specified"
	msgBitfieldRO       = "ERR BITFIELD_RO only supports the GET subcommand"
)

// bitmapCommands: the bit operations on strings.
func bitmapCommands() []*command {
	const (
		group = "bitmap"
		wd    = flagWrite | flagDenyOOM
	)
	return selfSignalling([]*command{
		{name: "setbit", arity: 4, flags: wd, firstKey: 1, lastKey: 1, step: 1, acl: "@write @bitmap @slow", group: group, summary: "Sets or clears the bit at offset in the string value stored at key", since: "2.2.0", fn: cmdSetBit},
		{name: "getbit", arity: 3, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: "@read @bitmap @fast", group: group, summary: "Returns the bit value at offset in the string value stored at key", since: "2.2.0", fn: cmdGetBit},
		{name: "bitcount", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, acl: "@read @bitmap @slow", group: group, summary: "Count set bits in a string", since: "2.6.0", fn: cmdBitCount},
		{name: "bitpos", arity: -3, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, acl: "@read @bitmap @slow", group: group, summary: "Find first bit set or clear in a string", since: "2.8.7", fn: cmdBitPos},
		{name: "bitop", arity: -4, flags: wd, firstKey: 2, lastKey: -1, step: 1, acl: "@write @bitmap @slow", group: group, summary: "Perform bitwise operations between strings", since: "2.6.0", fn: cmdBitOp},
		{name: "bitfield", arity: -2, flags: wd, firstKey: 1, lastKey: 1, step: 1, acl: "@write @bitmap @slow", group: group, summary: "Perform arbitrary bitfield integer operations on strings", since: "3.2.0", fn: cmdBitField},
		{name: "bitfield_ro", arity: -2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: "@read @bitmap @fast", group: group, summary: "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD", since: "6.0.0", fn: cmdBitFieldRO},
	})
}

// chargeMemory adds n bytes a command allocated to the estimate of used
// memory, until the next sample measures them: the next command of a
// pipeline is checked against maxmemory with them counted, as Redis counts
// every allocation at once.
func (s *Server) chargeMemory(n int) { s.usedMemory += int64(n) }

// selfSignalling marks commands that touch for WATCH, themselves, only the
// keys they write (Redis's signalModifiedKey on the destination), rather
// than every key argument once anything changed.
func selfSignalling(cmds []*command) []*command {
	for _, c := range cmds {
		c.signals = true
	}
	return cmds
}

// parseBitOffset parses a bit offset argument (Redis's
// getBitOffsetFromArgument). With hash and a width, "#N" means N*width.
// The offset's byte must fall below proto-max-bulk-len.
func (c *client) parseBitOffset(arg []byte, hash bool, width int) (uint64, bool) {
	useHash := hash && width > 0 && len(arg) > 0 && arg[0] == '#'
	if useHash {
		arg = arg[1:]
	}
	off, ok := parseInt(arg)
	if useHash {
		off *= int64(width) // wraps as in Redis
	}
	if !ok || off < 0 || off>>3 >= c.srv.cfg.ProtoMaxBulkLen {
		c.w.Error(msgBitOffset)
		return 0, false
	}
	return uint64(off), true
}

// stringForBitWrite returns the string at key grown with zero bytes so
// that bit maxbit exists, creating it when absent (Redis's
// lookupStringForBitCommand), and whether it was created or grown. It
// returns nil after a WRONGTYPE reply.
func (c *client) stringForBitWrite(key []byte, maxbit uint64) (o *object, grown bool) {
	need := int(maxbit>>3) + 1
	o, ok := c.getString(key)
	if !ok {
		return nil, false
	}
	if o == nil {
		o = &object{typ: typeString, enc: encRaw, str: make([]byte, need)}
		c.db.set(key, o, false)
		c.srv.chargeMemory(need)
		return o, true
	}
	if need > len(o.str) {
		grown = true
		c.srv.chargeMemory(need - len(o.str))
		if need <= cap(o.str) {
			old := len(o.str)
			o.str = o.str[:need]
			clear(o.str[old:])
		} else {
			o.str = append(o.str, make([]byte, need-len(o.str))...)
		}
	}
	o.enc = encRaw
	return o, grown
}

func cmdSetBit(c *client, args [][]byte) {
	off, ok := c.parseBitOffset(args[2], false, 0)
	if !ok {
		return
	}
	on, ok := parseInt(args[3])
	if !ok || on&^1 != 0 {
		c.w.Error(msgBitValue)
		return
	}
	o, grown := c.stringForBitWrite(args[1], off)
	if o == nil {
		return
	}
	byteIdx, mask := off>>3, byte(1)<<(7-off&7)
	old := o.str[byteIdx]&mask != 0
	// Only a change counts as a write (WATCH, dirty), as in Redis.
	if grown || old != (on == 1) {
		if on == 1 {
			o.str[byteIdx] |= mask
		} else {
			o.str[byteIdx] &^= mask
		}
		c.db.signalModified(args[1])
		c.srv.dirty++
	}
	if old {
		c.w.Int(1)
	} else {
		c.w.Int(0)
	}
}

func cmdGetBit(c *client, args [][]byte) {
	off, ok := c.parseBitOffset(args[2], false, 0)
	if !ok {
		return
	}
	o, ok := c.readString(args[1])
	if !ok {
		return
	}
	if o == nil || off>>3 >= uint64(len(o.str)) {
		c.w.Int(0)
		return
	}
	c.w.Int(int64(o.str[off>>3]>>(7-off&7)) & 1)
}

// bitRange resolves the start/end arguments of BITCOUNT and BITPOS over a
// string of n bytes, in bytes or bits, as Redis does: negative indexes
// count from the end, both are clamped to the string. In BIT mode it
// returns byte indexes plus the masks of the bits outside the range in
// the first and last bytes. An empty range has start > end.
func bitRange(start, end, n int64, isBit bool) (s, e int64, firstMask, lastMask byte) {
	total := n
	if isBit {
		total <<= 3
	}
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start, end = max(start, 0), max(end, 0)
	if end >= total {
		end = total - 1
	}
	if isBit && start <= end {
		firstMask = ^byte(0xff >> (start & 7))
		lastMask = byte(1<<(7-end&7)) - 1
		start >>= 3
		end >>= 3
	}
	return start, end, firstMask, lastMask
}

// parseBitUnit parses the BYTE|BIT argument; it replies a syntax error
// and returns ok=false for anything else.
func (c *client) parseBitUnit(a []byte) (isBit, ok bool) {
	switch {
	case isOpt(a, "BIT"):
		return true, true
	case isOpt(a, "BYTE"):
		return false, true
	}
	c.w.Error(msgSyntax)
	return false, false
}

// popcount counts the set bits of p.
func popcount(p []byte) int64 {
	var n int
	for len(p) >= 8 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(p))
		p = p[8:]
	}
	for _, b := range p {
		n += bits.OnesCount8(b)
	}
	return int64(n)
}

// cmdBitCount is Redis 7.0's bitcountCommand: the key is looked up before
// the range is parsed, so a missing key answers 0 whatever the arguments.
func cmdBitCount(c *client, args [][]byte) {
	o, ok := c.readString(args[1])
	if !ok {
		return
	}
	if o == nil {
		c.w.Int(0)
		return
	}
	p := o.str
	var start, end int64
	var firstMask, lastMask byte
	switch len(args) {
	case 2:
		start, end = 0, int64(len(p))-1
	case 4, 5:
		s, ok1 := parseInt(args[2])
		if !ok1 {
			c.w.Error(msgNotInteger)
			return
		}
		e, ok2 := parseInt(args[3])
		if !ok2 {
			c.w.Error(msgNotInteger)
			return
		}
		if s < 0 && e < 0 && s > e { // before BYTE|BIT is checked
			c.w.Int(0)
			return
		}
		isBit := false
		if len(args) == 5 {
			if isBit, ok = c.parseBitUnit(args[4]); !ok {
				return
			}
		}
		start, end, firstMask, lastMask = bitRange(s, e, int64(len(p)), isBit)
	default:
		c.w.Error(msgSyntax)
		return
	}
	if start > end {
		c.w.Int(0)
		return
	}
	n := popcount(p[start : end+1])
	n -= int64(bits.OnesCount8(p[start]&firstMask) + bits.OnesCount8(p[end]&lastMask))
	c.w.Int(n)
}

// bitposBytes is Redis's redisBitpos: the position of the first bit equal
// to bit in p. Looking for 0 in all-ones bytes gives len(p)*8 (the string
// is taken as zero padded); looking for 1 in all-zero bytes gives -1.
func bitposBytes(p []byte, bit int64) int64 {
	skip := byte(0)
	if bit == 0 {
		skip = 0xff
	}
	for i, b := range p {
		if b != skip {
			if bit == 0 {
				b = ^b
			}
			return int64(i)*8 + int64(bits.LeadingZeros8(b))
		}
	}
	if bit == 1 {
		return -1
	}
	return int64(len(p)) * 8
}

// cmdBitPos is Redis 7.0's bitposCommand, including its order of checks.
func cmdBitPos(c *client, args [][]byte) {
	bit, ok := c.parseIntArg(args[2])
	if !ok {
		return
	}
	if bit != 0 && bit != 1 {
		c.w.Error(msgBitposBit)
		return
	}
	o, ok := c.readString(args[1])
	if !ok {
		return
	}
	if o == nil {
		c.w.Int(-bit)
		return
	}
	p := o.str
	n := int64(len(p))
	var start, end int64
	var firstMask, lastMask byte
	endGiven := false
	switch len(args) {
	case 3:
		start, end = 0, n-1
	case 4, 5, 6:
		s, ok := c.parseIntArg(args[3])
		if !ok {
			return
		}
		isBit := false
		if len(args) == 6 {
			if isBit, ok = c.parseBitUnit(args[5]); !ok {
				return
			}
		}
		var e int64
		if len(args) >= 5 {
			if e, ok = parseInt(args[4]); !ok {
				c.w.Error(msgNotInteger)
				return
			}
			endGiven = true
		} else {
			e = n - 1
		}
		start, end, firstMask, lastMask = bitRange(s, e, n, isBit)
	default:
		c.w.Error(msgSyntax)
		return
	}
	if start > end {
		c.w.Int(-1)
		return
	}
	c.w.Int(bitposRange(p, bit, start, end, firstMask, lastMask, endGiven))
}

// bitposRange searches bytes start..end of p, masking the bits outside a
// BIT range in the first and last bytes, exactly as Redis does.
func bitposRange(p []byte, bit, start, end int64, firstMask, lastMask byte, endGiven bool) int64 {
	nbytes := end - start + 1
	var pos int64
	masked := func(b, mask byte) byte {
		if bit == 1 {
			return b &^ mask
		}
		return b | mask
	}
	done := false
	if firstMask != 0 {
		b := masked(p[start], firstMask)
		if lastMask != 0 && nbytes == 1 {
			b = masked(b, lastMask)
		}
		pos = bitposBytes([]byte{b}, bit)
		if nbytes == 1 || (pos != -1 && pos != 8) {
			done = true
		} else {
			start++
			nbytes--
		}
	}
	if !done {
		cur := nbytes
		if lastMask != 0 {
			cur--
		}
		if cur > 0 {
			pos = bitposBytes(p[start:start+cur], bit)
			if nbytes == cur || (pos != -1 && pos != cur<<3) {
				done = true
			} else {
				start += cur
				nbytes -= cur
			}
		}
		if !done {
			pos = bitposBytes([]byte{masked(p[end], lastMask)}, bit)
		}
	}
	if endGiven && bit == 0 && pos == nbytes<<3 {
		return -1
	}
	if pos != -1 {
		pos += start << 3
	}
	return pos
}

// Operations of BITOP.
const (
	bitopAnd = iota
	bitopOr
	bitopXor
	bitopNot
)

func cmdBitOp(c *client, args [][]byte) {
	var op int
	switch a := args[1]; {
	case isOpt(a, "AND"):
		op = bitopAnd
	case isOpt(a, "OR"):
		op = bitopOr
	case isOpt(a, "XOR"):
		op = bitopXor
	case isOpt(a, "NOT"):
		op = bitopNot
	default:
		c.w.Error(msgSyntax)
		return
	}
	if op == bitopNot && len(args) != 4 {
		c.w.Error(msgBitopNot)
		return
	}
	dst := args[2]
	srcs := make([][]byte, 0, len(args)-3)
	maxLen := 0
	for _, k := range args[3:] {
		o := c.db.lookup(k, c.now)
		c.countLookup(o != nil)
		if o == nil {
			srcs = append(srcs, nil)
			continue
		}
		if o.typ != typeString {
			c.w.Error(msgWrongType)
			return
		}
		srcs = append(srcs, o.str)
		maxLen = max(maxLen, len(o.str))
	}
	if maxLen == 0 {
		if c.db.remove(dst, c.now) {
			c.srv.dirty++
		}
		c.w.Int(0)
		return
	}
	res := make([]byte, maxLen)
	c.srv.chargeMemory(maxLen)
	copy(res, srcs[0])
	switch op {
	case bitopNot:
		for i := range res {
			res[i] = ^res[i]
		}
	case bitopAnd:
		for _, s := range srcs[1:] {
			for i := range res {
				if i < len(s) {
					res[i] &= s[i]
				} else {
					res[i] = 0
				}
			}
		}
	case bitopOr:
		for _, s := range srcs[1:] {
			for i, b := range s {
				res[i] |= b
			}
		}
	case bitopXor:
		for _, s := range srcs[1:] {
			for i, b := range s {
				res[i] ^= b
			}
		}
	}
	c.db.set(dst, &object{typ: typeString, enc: encRaw, str: res}, false)
	c.srv.dirty++
	c.w.Int(int64(maxLen))
}

// Overflow behaviours of BITFIELD.
const (
	bfWrap = iota
	bfSat
	bfFail
)

// Opcodes of BITFIELD.
const (
	bfGet = iota
	bfSet
	bfIncrBy
)

// bitfieldOp is one parsed BITFIELD operation.
type bitfieldOp struct {
	offset   uint64
	value    int64 // SET value or INCRBY increment
	op       int
	overflow int
	width    uint
	signed   bool
}

// parseBitfieldType parses i1..i64 and u1..u63.
func (c *client) parseBitfieldType(a []byte) (width uint, signed, ok bool) {
	if len(a) == 0 || (a[0] != 'i' && a[0] != 'u') {
		c.w.Error(msgBitfieldType)
		return 0, false, false
	}
	signed = a[0] == 'i'
	n, ok := parseInt(a[1:])
	if !ok || n < 1 || (signed && n > 64) || (!signed && n > 63) {
		c.w.Error(msgBitfieldType)
		return 0, false, false
	}
	return uint(n), signed, true
}

func cmdBitField(c *client, args [][]byte)   { c.bitfield(args, false) }
func cmdBitFieldRO(c *client, args [][]byte) { c.bitfield(args, true) }

// bitfield is Redis's bitfieldGeneric: every operation is parsed before
// the key is touched; then the string is grown to the farthest bit
// written and the operations run in order.
func (c *client) bitfield(args [][]byte, readonlyCmd bool) {
	var ops []bitfieldOp
	overflow := bfWrap
	readonly := true
	var highest uint64
	for j := 2; j < len(args); j++ {
		rem := len(args) - j - 1
		sub := args[j]
		var op int
		switch {
		case isOpt(sub, "GET") && rem >= 2:
			op = bfGet
		case isOpt(sub, "SET") && rem >= 3:
			op = bfSet
		case isOpt(sub, "INCRBY") && rem >= 3:
			op = bfIncrBy
		case isOpt(sub, "OVERFLOW") && rem >= 1:
			j++
			switch a := args[j]; {
			case isOpt(a, "WRAP"):
				overflow = bfWrap
			case isOpt(a, "SAT"):
				overflow = bfSat
			case isOpt(a, "FAIL"):
				overflow = bfFail
			default:
				c.w.Error(msgBitfieldOverflow)
				return
			}
			continue
		default:
			c.w.Error(msgSyntax)
			return
		}
		width, signed, ok := c.parseBitfieldType(args[j+1])
		if !ok {
			return
		}
		off, ok := c.parseBitOffset(args[j+2], true, int(width))
		if !ok {
			return
		}
		var v int64
		if op != bfGet {
			readonly = false
			highest = max(highest, off+uint64(width)-1)
			if v, ok = parseInt(args[j+3]); !ok {
				c.w.Error(msgNotInteger)
				return
			}
			j += 3
		} else {
			j += 2
		}
		ops = append(ops, bitfieldOp{offset: off, value: v, op: op, overflow: overflow, width: width, signed: signed})
	}
	var o *object
	var grown bool
	if readonly {
		var ok bool
		if o, ok = c.readString(args[1]); !ok {
			return
		}
	} else {
		if readonlyCmd {
			c.w.Error(msgBitfieldRO)
			return
		}
		if o, grown = c.stringForBitWrite(args[1], highest); o == nil {
			return
		}
	}
	c.w.Array(len(ops))
	changes := 0
	for i := range ops {
		op := &ops[i]
		if op.op == bfGet {
			var src []byte
			if o != nil {
				src = o.str
			}
			var buf [9]byte
			first := op.offset >> 3
			if first < uint64(len(src)) {
				copy(buf[:], src[first:])
			}
			u := getBitfield(buf[:], op.offset&7, op.width)
			if op.signed {
				c.w.Int(signExtend(u, op.width))
			} else {
				c.w.Int(int64(u))
			}
			continue
		}
		if written, changed := c.bitfieldWrite(o.str, op); written && (changed || grown) {
			changes++
		}
	}
	if changes > 0 {
		c.db.signalModified(args[1])
		c.srv.dirty += int64(changes)
	}
}

// bitfieldWrite runs a SET or INCRBY on p, replying the old (SET) or new
// (INCRBY) value, or nil when OVERFLOW FAIL stops it. It reports whether
// it wrote and whether the bits changed.
func (c *client) bitfieldWrite(p []byte, op *bitfieldOp) (written, changed bool) {
	old := getBitfield(p, op.offset, op.width)
	var next uint64
	var ovf bool
	var reply int64
	if op.signed {
		oldv := signExtend(old, op.width)
		var nv int64
		if op.op == bfIncrBy {
			var wrapped int64
			ovf, wrapped = signedOverflow(oldv, op.value, op.width, op.overflow)
			nv = oldv + op.value
			if ovf {
				nv = wrapped
			}
			reply = nv
		} else {
			var wrapped int64
			nv = op.value
			if ovf, wrapped = signedOverflow(nv, 0, op.width, op.overflow); ovf {
				nv = wrapped
			}
			reply = oldv
		}
		next = uint64(nv)
	} else {
		var wrapped uint64
		if op.op == bfIncrBy {
			next = old + uint64(op.value)
			if ovf, wrapped = unsignedOverflow(old, op.value, op.width, op.overflow); ovf {
				next = wrapped
			}
			reply = int64(next)
		} else {
			next = uint64(op.value)
			if ovf, wrapped = unsignedOverflow(next, 0, op.width, op.overflow); ovf {
				next = wrapped
			}
			reply = int64(old)
		}
	}
	if ovf && op.overflow == bfFail {
		c.w.Null()
		return false, false
	}
	c.w.Int(reply)
	setBitfield(p, op.offset, op.width, next)
	return true, next&widthMask(op.width) != old
}

// widthMask has the low width bits set.
func widthMask(width uint) uint64 {
	if width == 64 {
		return math.MaxUint64
	}
	return 1<<width - 1
}

// getBitfield reads width bits at bit offset off of p, most significant
// bit first.
func getBitfield(p []byte, off uint64, width uint) uint64 {
	var v uint64
	for range width {
		v = v<<1 | uint64(p[off>>3]>>(7-off&7)&1)
		off++
	}
	return v
}

// setBitfield writes the low width bits of v at bit offset off of p.
func setBitfield(p []byte, off uint64, width uint, v uint64) {
	for j := range width {
		mask := byte(1) << (7 - off&7)
		if v&(1<<(width-1-j)) != 0 {
			p[off>>3] |= mask
		} else {
			p[off>>3] &^= mask
		}
		off++
	}
}

// signExtend reads the low width bits of u as a two's complement integer.
func signExtend(u uint64, width uint) int64 {
	if width < 64 && u&(1<<(width-1)) != 0 {
		u |= math.MaxUint64 << width
	}
	return int64(u)
}

// unsignedOverflow is Redis's checkUnsignedBitfieldOverflow: whether
// value+incr leaves the range of a width-bit unsigned integer and, when it
// does, the value to store instead (wrapped or saturated).
func unsignedOverflow(value uint64, incr int64, width uint, mode int) (bool, uint64) {
	maxv := uint64(1)<<width - 1
	maxIncr := int64(maxv - value)
	minIncr := -int64(value)
	var limit uint64
	switch {
	case value > maxv || (incr > 0 && incr > maxIncr):
		limit = maxv
	case incr < 0 && incr < minIncr:
		limit = 0
	default:
		return false, 0
	}
	if mode == bfWrap {
		limit = (value + uint64(incr)) &^ (math.MaxUint64 << width)
	}
	return true, limit
}

// signedOverflow is Redis's checkSignedBitfieldOverflow.
func signedOverflow(value, incr int64, width uint, mode int) (bool, int64) {
	maxv := int64(math.MaxInt64)
	if width < 64 {
		maxv = int64(1)<<(width-1) - 1
	}
	minv := -maxv - 1
	maxIncr := int64(uint64(maxv) - uint64(value))
	minIncr := minv - value
	var limit int64
	switch {
	case value > maxv || (width != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr):
		limit = maxv
	case value < minv || (width != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr):
		limit = minv
	default:
		return false, 0
	}
	if mode == bfWrap {
		u := uint64(value) + uint64(incr)
		if width < 64 {
			mask := uint64(math.MaxUint64) << width
			if u&(1<<(width-1)) != 0 {
				u |= mask
			} else {
				u &^= mask
			}
		}
		limit = int64(u)
	}
	return true, limit
}
