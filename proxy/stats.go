package proxy

import (
	"bytes"
	"fmt"
	"maps"
	"net"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slotcache/slotcache/protocol/resp"
	"github.com/slotcache/slotcache/router"
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

	// cmds is replaced (copy on write) when a new name is added, so that
	// lookups take no lock.
	cmds atomic.Pointer[map[string]*cmdStat]
	mu   sync.Mutex
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
	if m := st.cmds.Load(); m != nil {
		if c := (*m)[name]; c != nil {
			return c
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	var m map[string]*cmdStat
	if old := st.cmds.Load(); old != nil {
		if c := (*old)[name]; c != nil {
			return c
		}
		if len(*old) >= maxCmdStats {
			return nil
		}
		m = maps.Clone(*old)
	} else {
		m = map[string]*cmdStat{}
	}
	c := &cmdStat{name: name}
	m[c.name] = c
	st.cmds.Store(&m)
	return c
}

// INFO sections the proxy knows.
const (
	secProxy = 1 << iota
	secKeyspace
	secCommandstats
	secServer
)

// infoSections maps INFO's arguments to sections; unknown names select
// nothing, as in Redis.
func infoSections(args [][]byte) int {
	if len(args) == 0 {
		return secServer | secProxy | secKeyspace
	}
	sec := 0
	for _, a := range args {
		switch strings.ToLower(string(a)) {
		case "default":
			sec |= secServer | secProxy | secKeyspace
		case "all", "everything":
			sec |= secServer | secProxy | secKeyspace | secCommandstats
		case "server":
			sec |= secServer
		case "proxy":
			sec |= secProxy
		case "keyspace":
			sec |= secKeyspace
		case "commandstats":
			sec |= secCommandstats
		}
	}
	return sec
}

// mergeInfo builds INFO from the proxy's own sections and the nodes'
// keyspace sections, summed per database.
func (s *session) mergeInfo(reqs []*router.Request, sections int32) error {
	p := s.p
	var b strings.Builder
	if sections&secServer != 0 {
		// what clients probe for the server's version and mode
		up := int64(time.Since(p.start) / time.Second)
		fmt.Fprintf(&b, "# Server\r\nredis_version:%s\r\nredis_mode:standalone\r\nos:%s\r\narch_bits:%d\r\n"+
			"process_id:%d\r\ntcp_port:%s\r\nuptime_in_seconds:%d\r\nuptime_in_days:%d\r\n",
			Version, runtime.GOOS+" "+runtime.GOARCH, strconv.IntSize, os.Getpid(), portOf(s.laddr), up, up/86400)
	}
	if sections&secProxy != 0 {
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		up := 0
		for _, g := range s.t.groups[1:] {
			if g.pool != nil && g.pool.Up() {
				up++
			}
		}
		p.mu.Lock()
		clients := len(p.clients)
		p.mu.Unlock()
		var epoch uint64
		if s.t.m != nil {
			epoch = s.t.m.CurrentEpoch()
		}
		fmt.Fprintf(&b, "# Proxy\r\nproxy_version:%s\r\nuptime_in_seconds:%d\r\nconnected_clients:%d\r\n"+
			"total_connections_received:%d\r\nrejected_connections:%d\r\ntotal_commands_processed:%d\r\n"+
			"total_error_replies:%d\r\ntotal_protocol_errors:%d\r\ntotal_redirects:%d\r\n"+
			"total_net_input_bytes:%d\r\ntotal_net_output_bytes:%d\r\nslot_map_epoch:%d\r\ngroups:%d\r\ngroups_up:%d\r\n",
			Version, int64(time.Since(p.start)/time.Second), clients,
			p.stats.connections.Load(), p.stats.rejected.Load(), p.stats.commands.Load(),
			p.stats.errorReplies.Load(), p.stats.protocolErrors.Load(), p.stats.redirects.Load(),
			p.stats.netInput.Load(), p.stats.netOutput.Load(), epoch, len(s.t.groups)-1, up)
	}
	if sections&secCommandstats != 0 {
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString("# Commandstats\r\n")
		if m := p.stats.cmds.Load(); m != nil {
			for _, name := range slices.Sorted(maps.Keys(*m)) {
				c := (*m)[name]
				calls, rejected := c.calls.Load(), c.rejected.Load()
				if calls == 0 && rejected == 0 {
					continue
				}
				usec := c.usec.Load()
				fmt.Fprintf(&b, "cmdstat_%s:calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d\r\n",
					name, calls, usec, float64(usec)/float64(max(calls, 1)), rejected, c.failed.Load())
			}
		}
	}
	if sections&secKeyspace != 0 {
		type dbStat struct{ keys, expires int64 }
		dbs := map[int]*dbStat{}
		for _, r := range reqs {
			typ, n, pos, ok := header(r.Reply)
			if !ok || (typ != '$' && typ != '=') || n < 0 || pos+int(n) > len(r.Reply) {
				return errBadReply
			}
			text := r.Reply[pos : pos+int(n)]
			if typ == '=' { // RESP3 verbatim: "txt:" first
				text = text[min(4, len(text)):]
			}
			for line := range bytes.SplitSeq(text, []byte("\r\n")) {
				db, keys, expires, ok := parseKeyspaceLine(line)
				if !ok {
					continue
				}
				d := dbs[db]
				if d == nil {
					d = &dbStat{}
					dbs[db] = d
				}
				d.keys += keys
				d.expires += expires
			}
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString("# Keyspace\r\n")
		for _, db := range slices.Sorted(maps.Keys(dbs)) {
			fmt.Fprintf(&b, "db%d:keys=%d,expires=%d,avg_ttl=0\r\n", db, dbs[db].keys, dbs[db].expires)
		}
	}
	s.out.Verbatim("txt", b.String())
	return nil
}

func portOf(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "0"
	}
	return port
}

// parseKeyspaceLine parses "db0:keys=1,expires=0,avg_ttl=0".
func parseKeyspaceLine(line []byte) (db int, keys, expires int64, ok bool) {
	name, rest, found := bytes.Cut(line, []byte(":"))
	if !found || !bytes.HasPrefix(name, []byte("db")) {
		return 0, 0, 0, false
	}
	db, err := strconv.Atoi(string(name[2:]))
	if err != nil {
		return 0, 0, 0, false
	}
	for kv := range bytes.SplitSeq(rest, []byte(",")) {
		k, v, _ := bytes.Cut(kv, []byte("="))
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			continue
		}
		switch string(k) {
		case "keys":
			keys = n
		case "expires":
			expires = n
		}
	}
	return db, keys, expires, true
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
