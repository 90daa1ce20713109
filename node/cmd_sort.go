package node

import (
	"bytes"
	"math"
	"slices"
	"strings"

	"github.com/slotcache/slotcache/slots"
)

// Reply texts of SORT, as Redis sends them.
const (
	msgSortScore      = "ERR One or more scores can't be converted into double"
	msgSortByCluster  = "ERR BY option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots."
	msgSortGetCluster = "ERR GET option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots."
)

// sortCommands: SORT and SORT_RO, in the generic (keys) group.
func sortCommands() []*command {
	const acl = "@write @set @sortedset @list @slow @dangerous"
	return selfSignalling([]*command{
		// SORT's STORE destination is a movable key, found by the cluster's
		// key finder; COMMAND reports the sorted key only, as Redis does.
		{name: "sort", arity: -2, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, step: 1, acl: acl, group: "generic", summary: "Sort the elements in a list, set or sorted set", since: "1.0.0", fn: cmdSort},
		{name: "sort_ro", arity: -2, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, acl: "@read @set @sortedset @list @slow @dangerous", group: "generic", summary: "Sort the elements in a list, set or sorted set. Read-only variant of SORT.", since: "7.0.0", fn: cmdSortRO},
	})
}

func cmdSort(c *client, args [][]byte)   { c.sort(args, false) }
func cmdSortRO(c *client, args [][]byte) { c.sort(args, true) }

// sortOptions are the parsed arguments of SORT.
type sortOptions struct {
	desc, alpha bool
	// dontsort: BY a pattern without '*' (it stays set when a later BY
	// has a real pattern, as in Redis).
	dontsort     bool
	start, count int64
	by           []byte // nil: sort by the elements themselves
	gets         [][]byte
	store        []byte
}

// sortItem is one element being sorted with its weight.
type sortItem struct {
	elem  string
	score float64
	cmp   []byte // ALPHA with BY: the weight; nil when the key is missing
	has   bool   // cmp was found
}

// parseSortOptions parses SORT's options as Redis does, replying the
// error and returning ok=false on a bad one.
func (c *client) parseSortOptions(args [][]byte, readonly bool) (o sortOptions, ok bool) {
	o.count = -1
	cluster := c.srv.cfg.ClusterEnabled
	keySlot := slots.KeySlot(args[1])
	for j := 2; j < len(args); j++ {
		a, left := args[j], len(args)-j-1
		switch {
		case isOpt(a, "ASC"):
			o.desc = false
		case isOpt(a, "DESC"):
			o.desc = true
		case isOpt(a, "ALPHA"):
			o.alpha = true
		case isOpt(a, "LIMIT") && left >= 2:
			var ok1, ok2 bool
			o.start, ok1 = parseInt(args[j+1])
			if ok1 {
				o.count, ok2 = parseInt(args[j+2])
			}
			if !ok1 || !ok2 {
				c.w.Error(msgNotInteger)
				return o, false
			}
			j += 2
		case !readonly && isOpt(a, "STORE") && left >= 1:
			o.store = args[j+1]
			j++
		case isOpt(a, "BY") && left >= 1:
			o.by = args[j+1]
			if bytes.IndexByte(o.by, '*') < 0 {
				o.dontsort = true
			} else if cluster && slots.PatternSlot(o.by) != keySlot {
				c.w.Error(msgSortByCluster)
				return o, false
			}
			j++
		case isOpt(a, "GET") && left >= 1:
			g := args[j+1]
			if cluster && string(g) != "#" && slots.PatternSlot(g) != keySlot {
				c.w.Error(msgSortGetCluster)
				return o, false
			}
			o.gets = append(o.gets, g)
			j++
		default:
			c.w.Error(msgSyntax)
			return o, false
		}
	}
	return o, true
}

// lookupByPattern is Redis's lookupKeyByPattern: "#" is the element
// itself; otherwise the first '*' is replaced by the element and the key
// read as a string, or, with "->field" after the '*', as a hash field. A
// pattern without '*', a missing key or a key of another type gives nil.
func (c *client) lookupByPattern(pattern []byte, elem string) ([]byte, bool) {
	if string(pattern) == "#" {
		return []byte(elem), true
	}
	star := bytes.IndexByte(pattern, '*')
	if star < 0 {
		return nil, false
	}
	var field []byte
	keyPat := pattern
	if f := bytes.Index(pattern[star+1:], []byte("->")); f >= 0 && star+1+f+2 < len(pattern) {
		field = pattern[star+1+f+2:]
		keyPat = pattern[:star+1+f]
	}
	key := make([]byte, 0, len(keyPat)-1+len(elem))
	key = append(key, keyPat[:star]...)
	key = append(key, elem...)
	key = append(key, keyPat[star+1:]...)
	o := c.db.lookup(key, c.now)
	c.countLookup(o != nil)
	switch {
	case o == nil:
		return nil, false
	case field != nil:
		if o.typ != typeHash {
			return nil, false
		}
		return o.val.(*hash).getBytes(field)
	case o.typ != typeString:
		return nil, false
	}
	return o.str, true
}

// sortScore parses a weight as Redis does with strtod: leading spaces,
// hexadecimal and inf are accepted; trailing garbage, NaN, overflow and
// underflow are not. An empty string is 0.
func sortScore(b []byte) (float64, bool) {
	f, ok := strtod(b)
	if !ok {
		return 0, false
	}
	if math.IsInf(f, 0) && !bytes.Contains(bytes.ToLower(b), []byte("inf")) {
		return 0, false // ERANGE: overflow
	}
	if f == 0 {
		body := bytes.TrimLeft(b, " \t\n\v\f\r")
		body = bytes.TrimLeft(body, "+-")
		hex := len(body) > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')
		if len(body) > 0 && nonZeroMantissa(body, hex) {
			return 0, false // ERANGE: underflow
		}
	} else if math.Abs(f) < 0x1p-1022 {
		return 0, false // ERANGE: subnormal result
	}
	return f, true
}

// sortElements returns the elements of the value to sort: all of them,
// or, when nothing is sorted on a list or sorted set, only the window
// start..end of their order (reversed with DESC). windowed reports the
// latter.
func sortElements(v *object, o *sortOptions, start, end int64) (elems []string, windowed bool) {
	if v == nil {
		return nil, false
	}
	switch v.typ {
	case typeList:
		l := v.val.(*list)
		if !o.dontsort {
			out := make([]string, l.length())
			for i := range out {
				out[i] = string(l.at(i))
			}
			return out, false
		}
		var out []string
		n := int64(l.length())
		for i := start; i <= end; i++ {
			if o.desc {
				out = append(out, string(l.at(int(n-1-i))))
			} else {
				out = append(out, string(l.at(int(i))))
			}
		}
		return out, true
	case typeSet:
		return v.val.(*set).list(), false
	case typeZSet:
		z := v.val.(*zset)
		if !o.dontsort {
			out := make([]string, 0, z.length())
			z.each(func(e zent) { out = append(out, e.member) })
			return out, false
		}
		var out []string
		n := int64(z.length())
		if end < start {
			return nil, true
		}
		if o.desc {
			for cur := z.rankCursor(int(n - 1 - start)); cur.valid() && int64(len(out)) < end-start+1; cur.prev() {
				out = append(out, cur.get().member)
			}
		} else {
			for cur := z.rankCursor(int(start)); cur.valid() && int64(len(out)) < end-start+1; cur.next() {
				out = append(out, cur.get().member)
			}
		}
		return out, true
	}
	return nil, false
}

// sortLength is the number of elements of a list, set or sorted set.
func sortLength(v *object) int64 {
	if v == nil {
		return 0
	}
	return int64(v.val.(collection).length())
}

// sort is Redis's sortCommandGeneric.
func (c *client) sort(args [][]byte, readonly bool) {
	o, ok := c.parseSortOptions(args, readonly)
	if !ok {
		return
	}
	v := c.db.lookup(args[1], c.now)
	c.countLookup(v != nil)
	if v != nil && v.typ != typeList && v.typ != typeSet && v.typ != typeZSet {
		c.w.Error(msgWrongType)
		return
	}
	// Redis 7.0 converts a listpack sorted set to a skiplist for SORT.
	if v != nil && v.typ == typeZSet {
		if z := v.val.(*zset); z.small() {
			z.convert()
		}
	}
	// A set has no order of its own: results stored or returned to a
	// script are sorted ALPHA, so that they replicate alike.
	if o.dontsort && v != nil && v.typ == typeSet && (o.store != nil || c.isScriptClient()) {
		o.dontsort, o.alpha, o.by = false, true, nil
	}
	n := sortLength(v)
	// Start and count are clamped to the length before they are added,
	// so that the end cannot overflow (Redis 7.0.x).
	start := min(max(o.start, 0), n)
	end := n - 1
	if count := min(max(o.count, -1), n); count >= 0 {
		end = start + count - 1
	}
	if start >= n {
		start, end = n-1, n-2
	}
	end = min(end, n-1)

	elems, windowed := sortElements(v, &o, start, end)
	if windowed {
		end -= start
		start = 0
	}
	if !o.dontsort {
		items := make([]sortItem, len(elems))
		scoreErr := false
		for i, e := range elems {
			items[i].elem = e
			w := []byte(e)
			if o.by != nil {
				var found bool
				if w, found = c.lookupByPattern(o.by, e); !found {
					continue
				}
			}
			if o.alpha {
				if o.by != nil {
					// The weight as stored: nothing changes it while
					// the command runs.
					items[i].cmp, items[i].has = w, true
				}
				continue
			}
			s, ok := sortScore(w)
			if !ok {
				scoreErr = true
			}
			items[i].score = s
		}
		if scoreErr {
			c.w.Error(msgSortScore)
			return
		}
		slices.SortStableFunc(items, sortCompare(&o))
		for i := range items {
			elems[i] = items[i].elem
		}
	}
	if end < start {
		start, end = 0, -1
	}
	window := elems[start : end+1]
	if o.store == nil {
		c.sortReply(window, o.gets)
		return
	}
	c.sortStore(window, o.gets, o.store)
}

// isScriptClient reports whether c is the client redis.call runs
// commands as.
func (c *client) isScriptClient() bool {
	return c.srv.scripts != nil && c.srv.scripts.sc == c
}

// sortCompare orders sort items as Redis's sortCompare: numeric by score
// (ties by element), ALPHA by element, or ALPHA BY by weight with missing
// weights first.
func sortCompare(o *sortOptions) func(a, b sortItem) int {
	return func(a, b sortItem) int {
		var r int
		switch {
		case !o.alpha:
			switch {
			case a.score > b.score:
				r = 1
			case a.score < b.score:
				r = -1
			default:
				r = strings.Compare(a.elem, b.elem)
			}
		case o.by != nil:
			switch {
			case !a.has || !b.has:
				r = boolCmp(a.has, b.has)
			default:
				r = bytes.Compare(a.cmp, b.cmp)
			}
		default:
			r = strings.Compare(a.elem, b.elem)
		}
		if o.desc {
			return -r
		}
		return r
	}
}

// boolCmp orders false before true.
func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// sortReply sends the sorted elements, or for each one the GET patterns'
// values (nil when missing).
func (c *client) sortReply(elems []string, gets [][]byte) {
	if len(gets) == 0 {
		c.w.Array(len(elems))
		for _, e := range elems {
			c.w.BulkString(e)
		}
		return
	}
	c.w.Array(len(elems) * len(gets))
	for _, e := range elems {
		for _, g := range gets {
			if v, ok := c.lookupByPattern(g, e); ok {
				c.w.Bulk(v)
			} else {
				c.w.Null()
			}
		}
	}
}

// sortStore stores the result as a list at dst (missing GET values are
// empty strings) and replies its length; an empty result deletes dst.
func (c *client) sortStore(elems []string, gets [][]byte, dst []byte) {
	l := newList()
	size := 0
	for _, e := range elems {
		if len(gets) == 0 {
			l.pushRight([]byte(e))
			size += len(e)
			continue
		}
		for _, g := range gets {
			v, _ := c.lookupByPattern(g, e)
			l.pushRight(append([]byte{}, v...))
			size += len(v)
		}
	}
	c.srv.chargeMemory(size) // GET values copied for every element add up
	n := int64(l.length())
	if n > 0 {
		c.db.set(dst, newListObject(l), false)
		c.srv.dirty += n
	} else if c.db.remove(dst, c.now) {
		c.srv.dirty++
	}
	c.w.Int(n)
}
