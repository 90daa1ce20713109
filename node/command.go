package node

import (
	"strings"
)

// cmdFlag describes a command the way Redis's command table does.
type cmdFlag uint32

const (
	flagWrite cmdFlag = 1 << iota
	flagReadonly
	flagDenyOOM
	flagAdmin
	flagPubsub
	flagNoscript
	flagBlocking
	flagLoading
	flagStale
	flagSkipMonitor
	flagSkipSlowlog
	flagFast
	flagNoAuth
	flagMayReplicate
	flagNoMulti
	flagAllowBusy
)

var flagNames = []struct {
	f    cmdFlag
	name string
}{
	{flagWrite, "write"}, {flagReadonly, "readonly"}, {flagDenyOOM, "denyoom"},
	{flagAdmin, "admin"}, {flagPubsub, "pubsub"}, {flagNoscript, "noscript"},
	{flagBlocking, "blocking"}, {flagLoading, "loading"}, {flagStale, "stale"},
	{flagSkipMonitor, "skip_monitor"}, {flagSkipSlowlog, "skip_slowlog"},
	{flagFast, "fast"}, {flagNoAuth, "no_auth"}, {flagMayReplicate, "may_replicate"},
	{flagNoMulti, "no_multi"}, {flagAllowBusy, "allow_busy"},
}

// handler executes one command. It runs with the server lock held and writes
// exactly one reply to c.w.
type handler func(c *client, args [][]byte)

// command is one entry of the command table.
type command struct {
	name     string // lower case; "config|get" for subcommands
	arity    int    // Redis arity: >0 exact, <0 at least -arity
	flags    cmdFlag
	firstKey int // key positions, as COMMAND INFO reports them
	lastKey  int
	step     int
	acl      string // ACL categories, space separated, e.g. "@write @string @slow"
	group    string // COMMAND DOCS group: "string", "generic", "server", ...
	summary  string // COMMAND DOCS summary
	since    string
	fn       handler
	subs     map[string]*command // subcommands by lower-case name
	signals  bool                // touches (WATCH) only the keys it writes, itself: not every key argument

	// commandstats, guarded by the server lock
	calls, usec, rejected, failed int64
}

// commandTable maps lower-case command names to commands.
type commandTable map[string]*command

// families lists the command groups; each file of commands contributes one.
var families = []func() []*command{
	stringCommands,
	bitmapCommands,
	keyCommands,
	sortCommands,
	serverCommands,
	connectionCommands,
	listCommands,
	blockingListCommands,
	hashCommands,
	setCommands,
	zsetCommands,
	blockingZsetCommands,
	streamCommands,
	pubsubCommands,
	txCommands,
	memcacheCommands,
	clusterCommands,
	hllCommands,
	geoCommands,
	scriptCommands,
}

// oneKeyWriters write one of their keys: a destination computed from
// sources they only read, or the first non-empty key they pop from. The
// write (db.set, db.remove, or the pop itself) signals that key, as Redis
// signals only it: the generic hook, which touches every key argument,
// must not touch the others, whose WATCHes stay valid.
var oneKeyWriters = []string{
	"sunionstore", "sinterstore", "sdiffstore",
	"zunionstore", "zinterstore", "zdiffstore", "zrangestore", "copy",
	"lmpop", "blmpop", "blpop", "brpop", "zmpop", "bzmpop", "bzpopmin", "bzpopmax",
}

func newCommandTable() commandTable {
	t := commandTable{}
	for _, fam := range families {
		for _, c := range fam() {
			if _, dup := t[c.name]; dup {
				panic("node: duplicate command " + c.name)
			}
			for _, sc := range c.subs {
				if !strings.Contains(sc.name, "|") {
					sc.name = c.name + "|" + sc.name
				}
			}
			t[c.name] = c
		}
	}
	for _, name := range oneKeyWriters {
		t[name].signals = true
	}
	return t
}

// lookup finds a command by name, case-insensitively, without allocating
// for names up to 32 bytes.
func (t commandTable) lookup(name []byte) *command {
	var buf [32]byte
	if len(name) > len(buf) {
		return t[strings.ToLower(string(name))]
	}
	for i, c := range name {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return t[string(buf[:len(name)])]
}

// lookupSub finds a subcommand of c.
func (c *command) lookupSub(name []byte) *command {
	if c.subs == nil {
		return nil
	}
	return c.subs[strings.ToLower(string(name))]
}

// arityOK reports whether n arguments (including the name) fit the arity.
func (c *command) arityOK(n int) bool {
	if c.arity > 0 {
		return n == c.arity
	}
	return n >= -c.arity
}

// keyRange returns the positions of the key arguments in a command of n
// arguments, as COMMAND reports them: args[first], args[first+step], ...
// up to args[last]. first is 0 when the command has no declared keys.
func (c *command) keyRange(n int) (first, last, step int) {
	if c.firstKey <= 0 || c.firstKey >= n {
		return 0, -1, 1
	}
	last = c.lastKey
	if last < 0 {
		last = n + last
	}
	return c.firstKey, min(last, n-1), max(c.step, 1)
}
