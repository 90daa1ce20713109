package router

import "strings"

// Flag is a property of a command, as Redis's command table gives it.
type Flag uint16

// The command flags the router uses.
const (
	FlagWrite    Flag = 1 << iota // may modify the keyspace
	FlagReadonly                  // only reads
	FlagDenyOOM                   // may grow memory: refused when full
	FlagAdmin                     // administrative
	FlagPubsub                    // publish/subscribe
	FlagNoscript                  // not allowed in scripts
	FlagBlocking                  // may block the client
	FlagFast                      // O(1) or O(log n)
	FlagNoAuth                    // allowed before authentication
	FlagNoMulti                   // not allowed inside MULTI
	FlagLoading                   // allowed while loading
	FlagStale                     // allowed on a stale replica
)

// Command is one entry of Redis 7.0's command table. Name is lower case,
// "container|sub" for subcommands; Arity is Redis's: n > 0 means exactly n
// arguments (the name included), n < 0 at least -n.
type Command struct {
	Name  string
	Arity int
	Flags Flag
}

// ArityOK reports whether a command of n arguments (its name included) has a
// valid count for c.
func (c *Command) ArityOK(n int) bool {
	if c.Arity >= 0 {
		return n == c.Arity
	}
	return n >= -c.Arity
}

// Has reports whether c has every flag of f.
func (c *Command) Has(f Flag) bool { return c.Flags&f == f }

// entry is a command of the table with what the router derives from it.
type entry struct {
	Command
	container bool     // has subcommands ("config" of "config|get")
	keys      keysFunc // finds its keys; nil: none
}

// commands indexes commandTable by name, each entry with its key finder:
// positions from fixedKeyTable or a finder from movableKeys.
var commands = make(map[string]*entry, len(commandTable))

func init() {
	for _, c := range commandTable {
		commands[c.Name] = &entry{Command: c}
	}
	for _, c := range commandTable {
		if i := strings.IndexByte(c.Name, '|'); i >= 0 {
			commands[c.Name[:i]].container = true
		}
	}
	for _, k := range fixedKeyTable {
		commands[k.name].keys = keySpec{k.first, k.last, k.step}.appendKeys
	}
	for name, f := range movableKeys {
		commands[name].keys = f
	}
}

// Lookup finds the command args[0] (any case), resolving the subcommand of a
// container command (CONFIG GET, OBJECT ENCODING, ...). For a container
// whose subcommand is missing or unknown it returns the container itself.
// It returns nil for unknown commands, and allocates nothing.
func Lookup(args [][]byte) *Command {
	var buf [2*maxNameLen + 1]byte
	if e, _ := lookup(&buf, args); e != nil {
		return &e.Command
	}
	return nil
}

// lookup is Lookup's entry, and the lower-case name of args[0] (nil when
// too long to be a command's), written into buf.
func lookup(buf *[2*maxNameLen + 1]byte, args [][]byte) (e *entry, name []byte) {
	if len(args) == 0 {
		return nil, nil
	}
	name = lower(buf, 0, args[0])
	if name == nil {
		return nil, nil
	}
	e = commands[string(name)]
	if e == nil || !e.container || len(args) < 2 {
		return e, name
	}
	buf[len(name)] = '|'
	if full := lower(buf, len(name)+1, args[1]); full != nil {
		if sub := commands[string(full)]; sub != nil {
			return sub, name
		}
	}
	return e, name
}

// commandTable is Redis 7.0's command table (name, arity, flags);
// commands_test.go checks it against a real server's COMMAND INFO.
var commandTable = []Command{
	{"acl", -2, 0},
	{"acl|cat", -2, FlagLoading | FlagNoscript | FlagStale},
	{"acl|deluser", -3, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"acl|dryrun", -4, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"acl|genpass", -2, FlagLoading | FlagNoscript | FlagStale},
	{"acl|getuser", 3, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"acl|help", 2, FlagLoading | FlagStale},
	{"acl|list", 2, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"acl|load", 2, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"acl|log", -2, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"acl|save", 2, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"acl|setuser", -3, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"acl|users", 2, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"acl|whoami", 2, FlagLoading | FlagNoscript | FlagStale},
	{"append", 3, FlagDenyOOM | FlagFast | FlagWrite},
	{"asking", 1, FlagFast},
	{"auth", -2, FlagFast | FlagLoading | FlagNoAuth | FlagNoscript | FlagStale},
	{"bgrewriteaof", 1, FlagAdmin | FlagNoscript},
	{"bgsave", -1, FlagAdmin | FlagNoscript},
	{"bitcount", -2, FlagReadonly},
	{"bitfield", -2, FlagDenyOOM | FlagWrite},
	{"bitfield_ro", -2, FlagFast | FlagReadonly},
	{"bitop", -4, FlagDenyOOM | FlagWrite},
	{"bitpos", -3, FlagReadonly},
	{"blmove", 6, FlagBlocking | FlagDenyOOM | FlagNoscript | FlagWrite},
	{"blmpop", -5, FlagBlocking | FlagWrite},
	{"blpop", -3, FlagBlocking | FlagNoscript | FlagWrite},
	{"brpop", -3, FlagBlocking | FlagNoscript | FlagWrite},
	{"brpoplpush", 4, FlagBlocking | FlagDenyOOM | FlagNoscript | FlagWrite},
	{"bzmpop", -5, FlagBlocking | FlagWrite},
	{"bzpopmax", -3, FlagBlocking | FlagFast | FlagNoscript | FlagWrite},
	{"bzpopmin", -3, FlagBlocking | FlagFast | FlagNoscript | FlagWrite},
	{"client", -2, 0},
	{"client|caching", 3, FlagLoading | FlagNoscript | FlagStale},
	{"client|getname", 2, FlagLoading | FlagNoscript | FlagStale},
	{"client|getredir", 2, FlagLoading | FlagNoscript | FlagStale},
	{"client|help", 2, FlagLoading | FlagStale},
	{"client|id", 2, FlagLoading | FlagNoscript | FlagStale},
	{"client|info", 2, FlagLoading | FlagNoscript | FlagStale},
	{"client|kill", -3, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"client|list", -2, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"client|no-evict", 3, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"client|pause", -3, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"client|reply", 3, FlagLoading | FlagNoscript | FlagStale},
	{"client|setname", 3, FlagLoading | FlagNoscript | FlagStale},
	{"client|tracking", -3, FlagLoading | FlagNoscript | FlagStale},
	{"client|trackinginfo", 2, FlagLoading | FlagNoscript | FlagStale},
	{"client|unblock", -3, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"client|unpause", 2, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"cluster", -2, 0},
	{"cluster|addslots", -3, FlagAdmin | FlagStale},
	{"cluster|addslotsrange", -4, FlagAdmin | FlagStale},
	{"cluster|bumpepoch", 2, FlagAdmin | FlagStale},
	{"cluster|count-failure-reports", 3, FlagAdmin | FlagStale},
	{"cluster|countkeysinslot", 3, FlagStale},
	{"cluster|delslots", -3, FlagAdmin | FlagStale},
	{"cluster|delslotsrange", -4, FlagAdmin | FlagStale},
	{"cluster|failover", -2, FlagAdmin | FlagStale},
	{"cluster|flushslots", 2, FlagAdmin | FlagStale},
	{"cluster|forget", 3, FlagAdmin | FlagStale},
	{"cluster|getkeysinslot", 4, FlagStale},
	{"cluster|help", 2, FlagLoading | FlagStale},
	{"cluster|info", 2, FlagStale},
	{"cluster|keyslot", 3, FlagStale},
	{"cluster|links", 2, FlagStale},
	{"cluster|meet", -4, FlagAdmin | FlagStale},
	{"cluster|myid", 2, FlagStale},
	{"cluster|nodes", 2, FlagStale},
	{"cluster|replicas", 3, FlagAdmin | FlagStale},
	{"cluster|replicate", 3, FlagAdmin | FlagStale},
	{"cluster|reset", -2, FlagAdmin | FlagNoscript | FlagStale},
	{"cluster|saveconfig", 2, FlagAdmin | FlagStale},
	{"cluster|set-config-epoch", 3, FlagAdmin | FlagStale},
	{"cluster|setslot", -4, FlagAdmin | FlagStale},
	{"cluster|shards", 2, FlagStale},
	{"cluster|slaves", 3, FlagAdmin | FlagStale},
	{"cluster|slots", 2, FlagStale},
	{"command", -1, FlagLoading | FlagStale},
	{"command|count", 2, FlagLoading | FlagStale},
	{"command|docs", -2, FlagLoading | FlagStale},
	{"command|getkeys", -4, FlagLoading | FlagStale},
	{"command|getkeysandflags", -4, FlagLoading | FlagStale},
	{"command|help", 2, FlagLoading | FlagStale},
	{"command|info", -2, FlagLoading | FlagStale},
	{"command|list", -2, FlagLoading | FlagStale},
	{"config", -2, 0},
	{"config|get", -3, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"config|help", 2, FlagLoading | FlagStale},
	{"config|resetstat", 2, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"config|rewrite", 2, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"config|set", -4, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"copy", -3, FlagDenyOOM | FlagWrite},
	{"dbsize", 1, FlagFast | FlagReadonly},
	{"debug", -2, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"decr", 2, FlagDenyOOM | FlagFast | FlagWrite},
	{"decrby", 3, FlagDenyOOM | FlagFast | FlagWrite},
	{"del", -2, FlagWrite},
	{"discard", 1, FlagFast | FlagLoading | FlagNoscript | FlagStale},
	{"dump", 2, FlagReadonly},
	{"echo", 2, FlagFast | FlagLoading | FlagStale},
	{"eval", -3, FlagNoscript | FlagStale},
	{"eval_ro", -3, FlagNoscript | FlagReadonly | FlagStale},
	{"evalsha", -3, FlagNoscript | FlagStale},
	{"evalsha_ro", -3, FlagNoscript | FlagReadonly | FlagStale},
	{"exec", 1, FlagLoading | FlagNoscript | FlagStale},
	{"exists", -2, FlagFast | FlagReadonly},
	{"expire", -3, FlagFast | FlagWrite},
	{"expireat", -3, FlagFast | FlagWrite},
	{"expiretime", 2, FlagFast | FlagReadonly},
	{"failover", -1, FlagAdmin | FlagNoscript | FlagStale},
	{"fcall", -3, FlagNoscript | FlagStale},
	{"fcall_ro", -3, FlagNoscript | FlagReadonly | FlagStale},
	{"flushall", -1, FlagWrite},
	{"flushdb", -1, FlagWrite},
	{"function", -2, 0},
	{"function|delete", 3, FlagNoscript | FlagWrite},
	{"function|dump", 2, FlagNoscript},
	{"function|flush", -2, FlagNoscript | FlagWrite},
	{"function|help", 2, FlagLoading | FlagStale},
	{"function|kill", 2, FlagNoscript},
	{"function|list", -2, FlagNoscript},
	{"function|load", -3, FlagDenyOOM | FlagNoscript | FlagWrite},
	{"function|restore", -3, FlagDenyOOM | FlagNoscript | FlagWrite},
	{"function|stats", 2, FlagNoscript},
	{"geoadd", -5, FlagDenyOOM | FlagWrite},
	{"geodist", -4, FlagReadonly},
	{"geohash", -2, FlagReadonly},
	{"geopos", -2, FlagReadonly},
	{"georadius", -6, FlagDenyOOM | FlagWrite},
	{"georadius_ro", -6, FlagReadonly},
	{"georadiusbymember", -5, FlagDenyOOM | FlagWrite},
	{"georadiusbymember_ro", -5, FlagReadonly},
	{"geosearch", -7, FlagReadonly},
	{"geosearchstore", -8, FlagDenyOOM | FlagWrite},
	{"get", 2, FlagFast | FlagReadonly},
	{"getbit", 3, FlagFast | FlagReadonly},
	{"getdel", 2, FlagFast | FlagWrite},
	{"getex", -2, FlagFast | FlagWrite},
	{"getrange", 4, FlagReadonly},
	{"getset", 3, FlagDenyOOM | FlagFast | FlagWrite},
	{"hdel", -3, FlagFast | FlagWrite},
	{"hello", -1, FlagFast | FlagLoading | FlagNoAuth | FlagNoscript | FlagStale},
	{"hexists", 3, FlagFast | FlagReadonly},
	{"hget", 3, FlagFast | FlagReadonly},
	{"hgetall", 2, FlagReadonly},
	{"hincrby", 4, FlagDenyOOM | FlagFast | FlagWrite},
	{"hincrbyfloat", 4, FlagDenyOOM | FlagFast | FlagWrite},
	{"hkeys", 2, FlagReadonly},
	{"hlen", 2, FlagFast | FlagReadonly},
	{"hmget", -3, FlagFast | FlagReadonly},
	{"hmset", -4, FlagDenyOOM | FlagFast | FlagWrite},
	{"hrandfield", -2, FlagReadonly},
	{"hscan", -3, FlagReadonly},
	{"hset", -4, FlagDenyOOM | FlagFast | FlagWrite},
	{"hsetnx", 4, FlagDenyOOM | FlagFast | FlagWrite},
	{"hstrlen", 3, FlagFast | FlagReadonly},
	{"hvals", 2, FlagReadonly},
	{"incr", 2, FlagDenyOOM | FlagFast | FlagWrite},
	{"incrby", 3, FlagDenyOOM | FlagFast | FlagWrite},
	{"incrbyfloat", 3, FlagDenyOOM | FlagFast | FlagWrite},
	{"info", -1, FlagLoading | FlagStale},
	{"keys", 2, FlagReadonly},
	{"lastsave", 1, FlagFast | FlagLoading | FlagStale},
	{"latency", -2, 0},
	{"latency|doctor", 2, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"latency|graph", 3, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"latency|help", 2, FlagLoading | FlagStale},
	{"latency|histogram", -2, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"latency|history", 3, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"latency|latest", 2, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"latency|reset", -2, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"lcs", -3, FlagReadonly},
	{"lindex", 3, FlagReadonly},
	{"linsert", 5, FlagDenyOOM | FlagWrite},
	{"llen", 2, FlagFast | FlagReadonly},
	{"lmove", 5, FlagDenyOOM | FlagWrite},
	{"lmpop", -4, FlagWrite},
	{"lolwut", -1, FlagFast | FlagReadonly},
	{"lpop", -2, FlagFast | FlagWrite},
	{"lpos", -3, FlagReadonly},
	{"lpush", -3, FlagDenyOOM | FlagFast | FlagWrite},
	{"lpushx", -3, FlagDenyOOM | FlagFast | FlagWrite},
	{"lrange", 4, FlagReadonly},
	{"lrem", 4, FlagWrite},
	{"lset", 4, FlagDenyOOM | FlagWrite},
	{"ltrim", 4, FlagWrite},
	{"memory", -2, 0},
	{"memory|doctor", 2, 0},
	{"memory|help", 2, FlagLoading | FlagStale},
	{"memory|malloc-stats", 2, 0},
	{"memory|purge", 2, 0},
	{"memory|stats", 2, 0},
	{"memory|usage", -3, FlagReadonly},
	{"mget", -2, FlagFast | FlagReadonly},
	{"migrate", -6, FlagWrite},
	{"module", -2, 0},
	{"module|help", 2, FlagLoading | FlagStale},
	{"module|list", 2, FlagAdmin | FlagNoscript},
	{"module|load", -3, FlagAdmin | FlagNoscript},
	{"module|loadex", -3, FlagAdmin | FlagNoscript},
	{"module|unload", 3, FlagAdmin | FlagNoscript},
	{"monitor", 1, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"move", 3, FlagFast | FlagWrite},
	{"mset", -3, FlagDenyOOM | FlagWrite},
	{"msetnx", -3, FlagDenyOOM | FlagWrite},
	{"multi", 1, FlagFast | FlagLoading | FlagNoscript | FlagStale},
	{"object", -2, 0},
	{"object|encoding", 3, FlagReadonly},
	{"object|freq", 3, FlagReadonly},
	{"object|help", 2, FlagLoading | FlagStale},
	{"object|idletime", 3, FlagReadonly},
	{"object|refcount", 3, FlagReadonly},
	{"persist", 2, FlagFast | FlagWrite},
	{"pexpire", -3, FlagFast | FlagWrite},
	{"pexpireat", -3, FlagFast | FlagWrite},
	{"pexpiretime", 2, FlagFast | FlagReadonly},
	{"pfadd", -2, FlagDenyOOM | FlagFast | FlagWrite},
	{"pfcount", -2, FlagReadonly},
	{"pfdebug", 3, FlagAdmin | FlagDenyOOM | FlagWrite},
	{"pfmerge", -2, FlagDenyOOM | FlagWrite},
	{"pfselftest", 1, FlagAdmin},
	{"ping", -1, FlagFast},
	{"psetex", 4, FlagDenyOOM | FlagWrite},
	{"psubscribe", -2, FlagLoading | FlagNoscript | FlagPubsub | FlagStale},
	{"psync", -3, FlagAdmin | FlagNoMulti | FlagNoscript},
	{"pttl", 2, FlagFast | FlagReadonly},
	{"publish", 3, FlagFast | FlagLoading | FlagPubsub | FlagStale},
	{"pubsub", -2, 0},
	{"pubsub|channels", -2, FlagLoading | FlagPubsub | FlagStale},
	{"pubsub|help", 2, FlagLoading | FlagStale},
	{"pubsub|numpat", 2, FlagLoading | FlagPubsub | FlagStale},
	{"pubsub|numsub", -2, FlagLoading | FlagPubsub | FlagStale},
	{"pubsub|shardchannels", -2, FlagLoading | FlagPubsub | FlagStale},
	{"pubsub|shardnumsub", -2, FlagLoading | FlagPubsub | FlagStale},
	{"punsubscribe", -1, FlagLoading | FlagNoscript | FlagPubsub | FlagStale},
	{"quit", -1, FlagFast | FlagLoading | FlagNoAuth | FlagNoscript | FlagStale},
	{"randomkey", 1, FlagReadonly},
	{"readonly", 1, FlagFast | FlagLoading | FlagStale},
	{"readwrite", 1, FlagFast | FlagLoading | FlagStale},
	{"rename", 3, FlagWrite},
	{"renamenx", 3, FlagFast | FlagWrite},
	{"replconf", -1, FlagAdmin | FlagLoading | FlagNoscript | FlagStale},
	{"replicaof", 3, FlagAdmin | FlagNoscript | FlagStale},
	{"reset", 1, FlagFast | FlagLoading | FlagNoAuth | FlagNoscript | FlagStale},
	{"restore", -4, FlagDenyOOM | FlagWrite},
	{"restore-asking", -4, FlagDenyOOM | FlagWrite},
	{"role", 1, FlagFast | FlagLoading | FlagNoscript | FlagStale},
	{"rpop", -2, FlagFast | FlagWrite},
	{"rpoplpush", 3, FlagDenyOOM | FlagWrite},
	{"rpush", -3, FlagDenyOOM | FlagFast | FlagWrite},
	{"rpushx", -3, FlagDenyOOM | FlagFast | FlagWrite},
	{"sadd", -3, FlagDenyOOM | FlagFast | FlagWrite},
	{"save", 1, FlagAdmin | FlagNoMulti | FlagNoscript},
	{"scan", -2, FlagReadonly},
	{"scard", 2, FlagFast | FlagReadonly},
	{"script", -2, 0},
	{"script|debug", 3, FlagNoscript},
	{"script|exists", -3, FlagNoscript},
	{"script|flush", -2, FlagNoscript},
	{"script|help", 2, FlagLoading | FlagStale},
	{"script|kill", 2, FlagNoscript},
	{"script|load", 3, FlagNoscript | FlagStale},
	{"sdiff", -2, FlagReadonly},
	{"sdiffstore", -3, FlagDenyOOM | FlagWrite},
	{"select", 2, FlagFast | FlagLoading | FlagStale},
	{"set", -3, FlagDenyOOM | FlagWrite},
	{"setbit", 4, FlagDenyOOM | FlagWrite},
	{"setex", 4, FlagDenyOOM | FlagWrite},
	{"setnx", 3, FlagDenyOOM | FlagFast | FlagWrite},
	{"setrange", 4, FlagDenyOOM | FlagWrite},
	{"shutdown", -1, FlagAdmin | FlagLoading | FlagNoMulti | FlagNoscript | FlagStale},
	{"sinter", -2, FlagReadonly},
	{"sintercard", -3, FlagReadonly},
	{"sinterstore", -3, FlagDenyOOM | FlagWrite},
	{"sismember", 3, FlagFast | FlagReadonly},
	{"slaveof", 3, FlagAdmin | FlagNoscript | FlagStale},
	{"slowlog", -2, 0},
	{"slowlog|get", -2, FlagAdmin | FlagLoading | FlagStale},
	{"slowlog|help", 2, FlagLoading | FlagStale},
	{"slowlog|len", 2, FlagAdmin | FlagLoading | FlagStale},
	{"slowlog|reset", 2, FlagAdmin | FlagLoading | FlagStale},
	{"smembers", 2, FlagReadonly},
	{"smismember", -3, FlagFast | FlagReadonly},
	{"smove", 4, FlagFast | FlagWrite},
	{"sort", -2, FlagDenyOOM | FlagWrite},
	{"sort_ro", -2, FlagReadonly},
	{"spop", -2, FlagFast | FlagWrite},
	{"spublish", 3, FlagFast | FlagLoading | FlagPubsub | FlagStale},
	{"srandmember", -2, FlagReadonly},
	{"srem", -3, FlagFast | FlagWrite},
	{"sscan", -3, FlagReadonly},
	{"ssubscribe", -2, FlagLoading | FlagNoscript | FlagPubsub | FlagStale},
	{"strlen", 2, FlagFast | FlagReadonly},
	{"subscribe", -2, FlagLoading | FlagNoscript | FlagPubsub | FlagStale},
	{"substr", 4, FlagReadonly},
	{"sunion", -2, FlagReadonly},
	{"sunionstore", -3, FlagDenyOOM | FlagWrite},
	{"sunsubscribe", -1, FlagLoading | FlagNoscript | FlagPubsub | FlagStale},
	{"swapdb", 3, FlagFast | FlagWrite},
	{"sync", 1, FlagAdmin | FlagNoMulti | FlagNoscript},
	{"time", 1, FlagFast | FlagLoading | FlagStale},
	{"touch", -2, FlagFast | FlagReadonly},
	{"ttl", 2, FlagFast | FlagReadonly},
	{"type", 2, FlagFast | FlagReadonly},
	{"unlink", -2, FlagFast | FlagWrite},
	{"unsubscribe", -1, FlagLoading | FlagNoscript | FlagPubsub | FlagStale},
	{"unwatch", 1, FlagFast | FlagLoading | FlagNoscript | FlagStale},
	{"wait", 3, FlagNoscript},
	{"watch", -2, FlagFast | FlagLoading | FlagNoscript | FlagStale},
	{"xack", -4, FlagFast | FlagWrite},
	{"xadd", -5, FlagDenyOOM | FlagFast | FlagWrite},
	{"xautoclaim", -6, FlagFast | FlagWrite},
	{"xclaim", -6, FlagFast | FlagWrite},
	{"xdel", -3, FlagFast | FlagWrite},
	{"xgroup", -2, 0},
	{"xgroup|create", -5, FlagDenyOOM | FlagWrite},
	{"xgroup|createconsumer", 5, FlagDenyOOM | FlagWrite},
	{"xgroup|delconsumer", 5, FlagWrite},
	{"xgroup|destroy", 4, FlagWrite},
	{"xgroup|help", 2, FlagLoading | FlagStale},
	{"xgroup|setid", -5, FlagWrite},
	{"xinfo", -2, 0},
	{"xinfo|consumers", 4, FlagReadonly},
	{"xinfo|groups", 3, FlagReadonly},
	{"xinfo|help", 2, FlagLoading | FlagStale},
	{"xinfo|stream", -3, FlagReadonly},
	{"xlen", 2, FlagFast | FlagReadonly},
	{"xpending", -3, FlagReadonly},
	{"xrange", -4, FlagReadonly},
	{"xread", -4, FlagBlocking | FlagReadonly},
	{"xreadgroup", -7, FlagBlocking | FlagWrite},
	{"xrevrange", -4, FlagReadonly},
	{"xsetid", -3, FlagDenyOOM | FlagFast | FlagWrite},
	{"xtrim", -4, FlagWrite},
	{"zadd", -4, FlagDenyOOM | FlagFast | FlagWrite},
	{"zcard", 2, FlagFast | FlagReadonly},
	{"zcount", 4, FlagFast | FlagReadonly},
	{"zdiff", -3, FlagReadonly},
	{"zdiffstore", -4, FlagDenyOOM | FlagWrite},
	{"zincrby", 4, FlagDenyOOM | FlagFast | FlagWrite},
	{"zinter", -3, FlagReadonly},
	{"zintercard", -3, FlagReadonly},
	{"zinterstore", -4, FlagDenyOOM | FlagWrite},
	{"zlexcount", 4, FlagFast | FlagReadonly},
	{"zmpop", -4, FlagWrite},
	{"zmscore", -3, FlagFast | FlagReadonly},
	{"zpopmax", -2, FlagFast | FlagWrite},
	{"zpopmin", -2, FlagFast | FlagWrite},
	{"zrandmember", -2, FlagReadonly},
	{"zrange", -4, FlagReadonly},
	{"zrangebylex", -4, FlagReadonly},
	{"zrangebyscore", -4, FlagReadonly},
	{"zrangestore", -5, FlagDenyOOM | FlagWrite},
	{"zrank", 3, FlagFast | FlagReadonly},
	{"zrem", -3, FlagFast | FlagWrite},
	{"zremrangebylex", 4, FlagWrite},
	{"zremrangebyrank", 4, FlagWrite},
	{"zremrangebyscore", 4, FlagWrite},
	{"zrevrange", -4, FlagReadonly},
	{"zrevrangebylex", -4, FlagReadonly},
	{"zrevrangebyscore", -4, FlagReadonly},
	{"zrevrank", 3, FlagFast | FlagReadonly},
	{"zscan", -3, FlagReadonly},
	{"zscore", 3, FlagFast | FlagReadonly},
	{"zunion", -3, FlagReadonly},
	{"zunionstore", -4, FlagDenyOOM | FlagWrite},
}
