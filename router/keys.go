package router

import (
	"strconv"
	"strings"

	"github.com/slotcache/slotcache/slots"
)

// keySpec gives the key positions of a command whose keys sit at fixed
// places, as Redis's legacy (first, last, step) triple: last < 0 counts from
// the end (-1 is the last argument).
type keySpec struct {
	first, last, step int
}

// keysFunc finds the keys of a command in its arguments: a keySpec's
// appendKeys, or a finder of movableKeys. It appends positions to dst.
type keysFunc func(args [][]byte, dst []int) []int

// movableKeys gives the key finders of the commands whose key positions
// depend on their arguments (Redis's "movablekeys" commands).
var movableKeys = map[string]keysFunc{
	"zunionstore": storeNumkeys, "zinterstore": storeNumkeys, "zdiffstore": storeNumkeys,
	"zunion": numkeysAt(1), "zinter": numkeysAt(1), "zdiff": numkeysAt(1),
	"zintercard": numkeysAt(1), "sintercard": numkeysAt(1),
	"lmpop": numkeysAt(1), "zmpop": numkeysAt(1),
	"blmpop": numkeysAt(2), "bzmpop": numkeysAt(2),
	"eval": numkeysAt(2), "evalsha": numkeysAt(2), "eval_ro": numkeysAt(2),
	"evalsha_ro": numkeysAt(2), "fcall": numkeysAt(2), "fcall_ro": numkeysAt(2),
	"sort": sortKeys, "sort_ro": sortKeys,
	"migrate":           migrateKeys,
	"georadius":         geoStoreKeys(6),
	"georadiusbymember": geoStoreKeys(5),
	"xread":             streamsKeys, "xreadgroup": streamsKeys,
}

// maxNameLen bounds the command names looked up: longer ones are unknown.
const maxNameLen = 32

// lower writes the lower-case form of b into buf and returns it, or nil when
// b is too long to be a command name.
func lower(buf *[2*maxNameLen + 1]byte, n int, b []byte) []byte {
	if len(b) > maxNameLen {
		return nil
	}
	out := buf[n : n+len(b)]
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return buf[:n+len(b)]
}

// KeyIndexes appends to dst the positions in args of the key arguments of the
// command args[0] (any letter case) and returns the extended slice. Unknown
// commands, commands without keys and commands too short to hold their keys
// give none; so does a movable-key command whose key count is malformed (the
// server will reject it). It allocates nothing.
func KeyIndexes(args [][]byte, dst []int) []int {
	var buf [2*maxNameLen + 1]byte
	e, name := lookup(&buf, args)
	if e == nil {
		if f := memcacheKeys[string(name)]; f != nil {
			return f(args, dst)
		}
		return dst
	}
	if e.keys == nil {
		return dst
	}
	return e.keys(args, dst)
}

func (s keySpec) appendKeys(args [][]byte, dst []int) []int {
	last := s.last
	if last < 0 {
		last += len(args)
	}
	if last >= len(args) {
		return dst
	}
	for i := s.first; i <= last; i += s.step {
		dst = append(dst, i)
	}
	return dst
}

// SlotOf returns the hash slot shared by the keys at positions idx of args.
// It returns -1, true when there are no keys, and the first key's slot with
// cross == true when the keys do not all hash to one slot.
func SlotOf(args [][]byte, idx []int) (slot int, cross bool) {
	slot = -1
	for _, i := range idx {
		s := slots.KeySlot(args[i])
		if slot < 0 {
			slot = s
		} else if s != slot {
			return slot, true
		}
	}
	return slot, false
}

// count parses a key count argument: a non-negative decimal that fits the
// remaining arguments.
func count(b []byte, room int) (int, bool) {
	n, err := strconv.Atoi(string(b))
	if err != nil || n < 0 || n > room {
		return 0, false
	}
	return n, true
}

// numkeysAt returns the finder of commands whose key count is the argument
// at position p and whose keys follow it (ZUNION, LMPOP, EVAL, ...).
func numkeysAt(p int) keysFunc {
	return func(args [][]byte, dst []int) []int {
		if len(args) <= p {
			return dst
		}
		n, ok := count(args[p], len(args)-p-1)
		if !ok {
			return dst
		}
		for i := p + 1; i <= p+n; i++ {
			dst = append(dst, i)
		}
		return dst
	}
}

// storeNumkeys: ZUNIONSTORE dest numkeys key [key ...]: dest, then the keys.
func storeNumkeys(args [][]byte, dst []int) []int {
	if len(args) < 3 {
		return dst
	}
	n, ok := count(args[2], len(args)-3)
	if !ok || n == 0 {
		return dst
	}
	dst = append(dst, 1)
	return numkeysAt(2)(args, dst)
}

// sortKeys: SORT key [BY p] [LIMIT o c] [GET p ...] [ASC|DESC] [ALPHA]
// [STORE dest]: the key and, for SORT, the STORE destination.
func sortKeys(args [][]byte, dst []int) []int {
	if len(args) < 2 {
		return dst
	}
	dst = append(dst, 1)
	store := -1
	for i := 2; i < len(args); i++ {
		switch {
		case strings.EqualFold(string(args[i]), "limit"):
			i += 2
		case strings.EqualFold(string(args[i]), "get"), strings.EqualFold(string(args[i]), "by"):
			i++
		case strings.EqualFold(string(args[i]), "store") && i+1 < len(args):
			// the last STORE wins, as in Redis
			store = i + 1
			i++
		}
	}
	if store > 0 && strings.EqualFold(string(args[0]), "sort") {
		dst = append(dst, store)
	}
	return dst
}

// migrateKeys: MIGRATE host port key|"" db timeout [COPY] [REPLACE]
// [AUTH pw] [AUTH2 user pw] [KEYS key ...].
func migrateKeys(args [][]byte, dst []int) []int {
	if len(args) < 6 {
		return dst
	}
	if len(args[3]) > 0 {
		return append(dst, 3)
	}
	for i := 6; i < len(args); i++ {
		switch {
		case strings.EqualFold(string(args[i]), "auth"):
			i++
		case strings.EqualFold(string(args[i]), "auth2"):
			i += 2
		case strings.EqualFold(string(args[i]), "keys"):
			for j := i + 1; j < len(args); j++ {
				dst = append(dst, j)
			}
			return dst
		}
	}
	return dst
}

// geoStoreKeys: GEORADIUS key ... [STORE k] [STOREDIST k]; options start at
// position from.
func geoStoreKeys(from int) keysFunc {
	return func(args [][]byte, dst []int) []int {
		if len(args) < 2 {
			return dst
		}
		dst = append(dst, 1)
		store := -1
		for i := from; i+1 < len(args); i++ {
			if strings.EqualFold(string(args[i]), "store") || strings.EqualFold(string(args[i]), "storedist") {
				store = i + 1
				i++
			}
		}
		if store > 0 {
			dst = append(dst, store)
		}
		return dst
	}
}

// streamsKeys: XREAD/XREADGROUP ... STREAMS key [key ...] id [id ...].
func streamsKeys(args [][]byte, dst []int) []int {
	for i := 1; i < len(args); i++ {
		if strings.EqualFold(string(args[i]), "streams") {
			// as Redis: half of what follows STREAMS, rounded down
			for j := i + 1; j <= i+(len(args)-i-1)/2; j++ {
				dst = append(dst, j)
			}
			return dst
		}
	}
	return dst
}

// fixedKeyTable is Redis 7.0's (first, last, step) for every command with keys
// at fixed positions; keys_test.go checks it against a real server.
var fixedKeyTable = []struct {
	name              string
	first, last, step int
}{
	{"append", 1, 1, 1},
	{"bitcount", 1, 1, 1},
	{"bitfield", 1, 1, 1},
	{"bitfield_ro", 1, 1, 1},
	{"bitop", 2, -1, 1},
	{"bitpos", 1, 1, 1},
	{"blmove", 1, 2, 1},
	{"blpop", 1, -2, 1},
	{"brpop", 1, -2, 1},
	{"brpoplpush", 1, 2, 1},
	{"bzpopmax", 1, -2, 1},
	{"bzpopmin", 1, -2, 1},
	{"copy", 1, 2, 1},
	{"decr", 1, 1, 1},
	{"decrby", 1, 1, 1},
	{"del", 1, -1, 1},
	{"dump", 1, 1, 1},
	{"exists", 1, -1, 1},
	{"expire", 1, 1, 1},
	{"expireat", 1, 1, 1},
	{"expiretime", 1, 1, 1},
	{"geoadd", 1, 1, 1},
	{"geodist", 1, 1, 1},
	{"geohash", 1, 1, 1},
	{"geopos", 1, 1, 1},
	{"georadius_ro", 1, 1, 1},
	{"georadiusbymember_ro", 1, 1, 1},
	{"geosearch", 1, 1, 1},
	{"geosearchstore", 1, 2, 1},
	{"get", 1, 1, 1},
	{"getbit", 1, 1, 1},
	{"getdel", 1, 1, 1},
	{"getex", 1, 1, 1},
	{"getrange", 1, 1, 1},
	{"getset", 1, 1, 1},
	{"hdel", 1, 1, 1},
	{"hexists", 1, 1, 1},
	{"hget", 1, 1, 1},
	{"hgetall", 1, 1, 1},
	{"hincrby", 1, 1, 1},
	{"hincrbyfloat", 1, 1, 1},
	{"hkeys", 1, 1, 1},
	{"hlen", 1, 1, 1},
	{"hmget", 1, 1, 1},
	{"hmset", 1, 1, 1},
	{"hrandfield", 1, 1, 1},
	{"hscan", 1, 1, 1},
	{"hset", 1, 1, 1},
	{"hsetnx", 1, 1, 1},
	{"hstrlen", 1, 1, 1},
	{"hvals", 1, 1, 1},
	{"incr", 1, 1, 1},
	{"incrby", 1, 1, 1},
	{"incrbyfloat", 1, 1, 1},
	{"lcs", 1, 2, 1},
	{"lindex", 1, 1, 1},
	{"linsert", 1, 1, 1},
	{"llen", 1, 1, 1},
	{"lmove", 1, 2, 1},
	{"lpop", 1, 1, 1},
	{"lpos", 1, 1, 1},
	{"lpush", 1, 1, 1},
	{"lpushx", 1, 1, 1},
	{"lrange", 1, 1, 1},
	{"lrem", 1, 1, 1},
	{"lset", 1, 1, 1},
	{"ltrim", 1, 1, 1},
	{"memory|usage", 2, 2, 1},
	{"mget", 1, -1, 1},
	{"move", 1, 1, 1},
	{"mset", 1, -1, 2},
	{"msetnx", 1, -1, 2},
	{"object|encoding", 2, 2, 1},
	{"object|freq", 2, 2, 1},
	{"object|idletime", 2, 2, 1},
	{"object|refcount", 2, 2, 1},
	{"persist", 1, 1, 1},
	{"pexpire", 1, 1, 1},
	{"pexpireat", 1, 1, 1},
	{"pexpiretime", 1, 1, 1},
	{"pfadd", 1, 1, 1},
	{"pfcount", 1, -1, 1},
	{"pfdebug", 2, 2, 1},
	{"pfmerge", 1, -1, 1},
	{"psetex", 1, 1, 1},
	{"pttl", 1, 1, 1},
	{"rename", 1, 2, 1},
	{"renamenx", 1, 2, 1},
	{"restore", 1, 1, 1},
	{"restore-asking", 1, 1, 1},
	{"rpop", 1, 1, 1},
	{"rpoplpush", 1, 2, 1},
	{"rpush", 1, 1, 1},
	{"rpushx", 1, 1, 1},
	{"sadd", 1, 1, 1},
	{"scard", 1, 1, 1},
	{"sdiff", 1, -1, 1},
	{"sdiffstore", 1, -1, 1},
	{"set", 1, 1, 1},
	{"setbit", 1, 1, 1},
	{"setex", 1, 1, 1},
	{"setnx", 1, 1, 1},
	{"setrange", 1, 1, 1},
	{"sinter", 1, -1, 1},
	{"sinterstore", 1, -1, 1},
	{"sismember", 1, 1, 1},
	{"smembers", 1, 1, 1},
	{"smismember", 1, 1, 1},
	{"smove", 1, 2, 1},
	{"spop", 1, 1, 1},
	{"spublish", 1, 1, 1},
	{"srandmember", 1, 1, 1},
	{"srem", 1, 1, 1},
	{"sscan", 1, 1, 1},
	{"ssubscribe", 1, -1, 1},
	{"strlen", 1, 1, 1},
	{"substr", 1, 1, 1},
	{"sunion", 1, -1, 1},
	{"sunionstore", 1, -1, 1},
	{"sunsubscribe", 1, -1, 1},
	{"touch", 1, -1, 1},
	{"ttl", 1, 1, 1},
	{"type", 1, 1, 1},
	{"unlink", 1, -1, 1},
	{"watch", 1, -1, 1},
	{"xack", 1, 1, 1},
	{"xadd", 1, 1, 1},
	{"xautoclaim", 1, 1, 1},
	{"xclaim", 1, 1, 1},
	{"xdel", 1, 1, 1},
	{"xgroup|create", 2, 2, 1},
	{"xgroup|createconsumer", 2, 2, 1},
	{"xgroup|delconsumer", 2, 2, 1},
	{"xgroup|destroy", 2, 2, 1},
	{"xgroup|setid", 2, 2, 1},
	{"xinfo|consumers", 2, 2, 1},
	{"xinfo|groups", 2, 2, 1},
	{"xinfo|stream", 2, 2, 1},
	{"xlen", 1, 1, 1},
	{"xpending", 1, 1, 1},
	{"xrange", 1, 1, 1},
	{"xrevrange", 1, 1, 1},
	{"xsetid", 1, 1, 1},
	{"xtrim", 1, 1, 1},
	{"zadd", 1, 1, 1},
	{"zcard", 1, 1, 1},
	{"zcount", 1, 1, 1},
	{"zincrby", 1, 1, 1},
	{"zlexcount", 1, 1, 1},
	{"zmscore", 1, 1, 1},
	{"zpopmax", 1, 1, 1},
	{"zpopmin", 1, 1, 1},
	{"zrandmember", 1, 1, 1},
	{"zrange", 1, 1, 1},
	{"zrangebylex", 1, 1, 1},
	{"zrangebyscore", 1, 1, 1},
	{"zrangestore", 1, 2, 1},
	{"zrank", 1, 1, 1},
	{"zrem", 1, 1, 1},
	{"zremrangebylex", 1, 1, 1},
	{"zremrangebyrank", 1, 1, 1},
	{"zremrangebyscore", 1, 1, 1},
	{"zrevrange", 1, 1, 1},
	{"zrevrangebylex", 1, 1, 1},
	{"zrevrangebyscore", 1, 1, 1},
	{"zrevrank", 1, 1, 1},
	{"zscan", 1, 1, 1},
	{"zscore", 1, 1, 1},
}
