package node

import "strconv"

// collection is implemented by every value kept in object.val (lists,
// hashes, sets, sorted sets). Generic commands work through it.
type collection interface {
	// encoding is the OBJECT ENCODING name ("listpack", "hashtable", ...).
	encoding() string
	// clone returns a deep copy (COPY).
	clone() collection
	// memUsage estimates the bytes used, for MEMORY USAGE.
	memUsage() int64
	// length is the number of elements; an empty collection is deleted.
	length() int
}

// typeName is the TYPE reply for an object type.
func typeName(t uint8) string {
	switch t {
	case typeString:
		return "string"
	case typeList:
		return "list"
	case typeHash:
		return "hash"
	case typeSet:
		return "set"
	case typeZSet:
		return "zset"
	case typeStream:
		return "stream"
	case typeMemcached:
		return "memcached"
	}
	return "none"
}

// embstrLimit is the longest string Redis stores as "embstr".
const embstrLimit = 44

// encodingName is the OBJECT ENCODING reply for o.
func (o *object) encodingName() string {
	if o.typ != typeString {
		if c, ok := o.val.(collection); ok {
			return c.encoding()
		}
		return "unknown"
	}
	if o.enc == encRaw {
		return "raw"
	}
	if o.enc == encEmbstr && len(o.str) <= embstrLimit {
		return "embstr"
	}
	if len(o.str) <= 20 {
		if n, ok := parseInt(o.str); ok && strconv.FormatInt(n, 10) == string(o.str) {
			return "int"
		}
	}
	if len(o.str) <= embstrLimit {
		return "embstr"
	}
	return "raw"
}

// newString returns a string object holding a copy of v.
func newString(v []byte) *object {
	return &object{typ: typeString, str: append([]byte(nil), v...)}
}

// getTyped looks key up expecting type typ. It replies WRONGTYPE and returns
// ok=false when the key holds another type; o is nil when the key is absent.
func (c *client) getTyped(key []byte, typ uint8) (o *object, ok bool) {
	o = c.db.lookup(key, c.now)
	if o == nil {
		return nil, true
	}
	if o.typ != typ {
		c.w.Error(msgWrongType)
		return nil, false
	}
	return o, true
}
