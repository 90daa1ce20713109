package proxy

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slotcache/slotcache/protocol/resp"
)

// maxCmdStats bounds the distinct command names INFO commandstats records
// (only names of the command table reach it).
const maxCmdStats = 512

// stats are the proxy's counters for INFO.
type stats struct {
	connections    atomic.Int64
	rejected       atomic.Int64
	commands       atomic.Int64
	errorReplies   atomic.Int64
	protocolErrors atomic.Int64
	redirects      atomic.Int64
	netInput       atomic.Int64
	netOutput      atomic.Int64

	cmds namedCounters[cmdStat]
	errs namedCounters[atomic.Int64] // by error prefix
}

// namedCounters maps names to counters, read without a lock: the map is
// replaced (copy on write) when a name is added.
type namedCounters[T any] struct {
	m  atomic.Pointer[map[string]*T]
	mu sync.Mutex
}

// get returns name's counters, adding new ones made by mk while fewer
// than max names are known; nil once the map is full.
func (n *namedCounters[T]) get(name string, max int, mk func(name string) *T) *T {
	if m := n.m.Load(); m != nil {
		if c := (*m)[name]; c != nil {
			return c
		}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	m := map[string]*T{}
	if old := n.m.Load(); old != nil {
		if c := (*old)[name]; c != nil {
			return c
		}
		if len(*old) >= max {
			return nil
		}
		m = maps.Clone(*old)
	}
	c := mk(name)
	m[name] = c
	n.m.Store(&m)
	return c
}

// each calls f for every name, in name order.
func (n *namedCounters[T]) each(f func(name string, c *T)) {
	if m := n.m.Load(); m != nil {
		for _, name := range slices.Sorted(maps.Keys(*m)) {
			f(name, (*m)[name])
		}
	}
}

// maxErrorStats bounds the distinct error prefixes INFO errorstats
// records, as Redis's 128; later new prefixes are not counted there.
const maxErrorStats = 128

// countError counts an error reply under its prefix, the first word of
// msg ("ERR", "WRONGTYPE", ...).
func (st *stats) countError(msg []byte) {
	prefix := msg
	if i := bytes.IndexAny(msg, " \r"); i >= 0 {
		prefix = msg[:i]
	}
	if m := st.errs.m.Load(); m != nil { // without converting prefix
		if c := (*m)[string(prefix)]; c != nil {
			c.Add(1)
			return
		}
	}
	if c := st.errs.get(string(prefix), maxErrorStats, func(string) *atomic.Int64 { return new(atomic.Int64) }); c != nil {
		c.Add(1)
	}
}

// errorFields is INFO errorstats: a count per error prefix.
func (st *stats) errorFields() []infoField {
	var out []infoField
	st.errs.each(func(prefix string, c *atomic.Int64) {
		out = append(out, infoField{"errorstat_" + prefix, "count=" + strconv.FormatInt(c.Load(), 10)})
	})
	return out
}

// commandFields is INFO commandstats: the calls, time and failures of each
// command run.
func (st *stats) commandFields() []infoField {
	var out []infoField
	st.cmds.each(func(name string, c *cmdStat) {
		calls, rejected := c.calls.Load(), c.rejected.Load()
		if calls == 0 && rejected == 0 {
			return
		}
		usec := c.usec.Load()
		out = append(out, infoField{"cmdstat_" + name, fmt.Sprintf("calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d",
			calls, usec, float64(usec)/float64(max(calls, 1)), rejected, c.failed.Load())})
	})
	return out
}

// cmdStat counts one command for INFO commandstats.
type cmdStat struct {
	name     string
	calls    atomic.Int64
	usec     atomic.Int64
	failed   atomic.Int64
	rejected atomic.Int64
}

// lookup returns the counters of the command name (router.Command.Name).
func (st *stats) lookup(name string) *cmdStat {
	return st.cmds.get(name, maxCmdStats, func(name string) *cmdStat { return &cmdStat{name: name} })
}

// Slowlog limits, as Redis's.
const (
	slowlogMaxArgs   = 32
	slowlogMaxArgLen = 128
)

// slowlog keeps the commands whose replies took longer than the threshold,
// newest first.
type slowlog struct {
	mu      sync.Mutex
	max     int
	nextID  int64
	entries []slowEntry
}

type slowEntry struct {
	id   int64
	time int64 // unix seconds
	usec int64
	args []string
	addr string
	name string
}

// maybeAdd records a command when usec reaches the threshold (negative:
// disabled).
func (l *slowlog) maybeAdd(threshold, usec int64, args [][]byte, addr string, name *string) {
	if threshold < 0 || usec < threshold {
		return
	}
	e := slowEntry{time: time.Now().Unix(), usec: usec, addr: addr}
	if name != nil {
		e.name = *name
	}
	n := min(len(args), slowlogMaxArgs)
	for i := range n {
		a := args[i]
		switch {
		case i == slowlogMaxArgs-1 && len(args) > slowlogMaxArgs:
			e.args = append(e.args, fmt.Sprintf("... (%d more arguments)", len(args)-slowlogMaxArgs+1))
		case len(a) > slowlogMaxArgLen:
			e.args = append(e.args, fmt.Sprintf("%s... (%d more bytes)", a[:slowlogMaxArgLen], len(a)-slowlogMaxArgLen))
		default:
			e.args = append(e.args, string(a))
		}
	}
	l.mu.Lock()
	e.id = l.nextID
	l.nextID++
	l.entries = append(l.entries, slowEntry{})
	copy(l.entries[1:], l.entries)
	l.entries[0] = e
	if len(l.entries) > l.max {
		l.entries = l.entries[:l.max]
	}
	l.mu.Unlock()
}

// command answers SLOWLOG GET [count] | LEN | RESET | HELP.
func (l *slowlog) command(w *resp.Writer, args [][]byte) {
	if len(args) < 2 {
		w.Error(errArity("slowlog"))
		return
	}
	sub := strings.ToLower(string(args[1]))
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case sub == "len" && len(args) == 2:
		w.Int(int64(len(l.entries)))
	case sub == "reset" && len(args) == 2:
		l.entries = nil
		w.OK()
	case sub == "get" && len(args) <= 3:
		count := 10
		if len(args) == 3 {
			n, err := strconv.ParseInt(string(args[2]), 10, 64)
			if err != nil || n < -1 {
				w.Error("ERR count should be greater than or equal to -1")
				return
			}
			if n == -1 {
				n = int64(len(l.entries))
			}
			count = int(min(n, int64(len(l.entries))))
		}
		count = min(count, len(l.entries))
		w.Array(count)
		for _, e := range l.entries[:count] {
			w.Array(6)
			w.Int(e.id)
			w.Int(e.time)
			w.Int(e.usec)
			w.Array(len(e.args))
			for _, a := range e.args {
				w.BulkString(a)
			}
			w.BulkString(e.addr)
			w.BulkString(e.name)
		}
	case sub == "help" && len(args) == 2:
		writeHelp(w,
			"SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
			"GET [<count>]",
			"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
			"    Entries are made of:",
			"    id, timestamp, time in microseconds, arguments array, client IP and port,",
			"    client name",
			"LEN",
			"    Return the length of the slowlog.",
			"RESET",
			"    Reset the slowlog.")
	case sub == "len" || sub == "reset" || sub == "get" || sub == "help":
		w.Error(errArity("slowlog|" + sub))
	default:
		w.Error(resp.UnknownSubcommandError(args[1], "slowlog"))
	}
}
