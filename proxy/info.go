package proxy

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"net"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/slotcache/slotcache/internal/redisinfo"
	"github.com/slotcache/slotcache/router"
)

// INFO sections, in the order Redis prints them, the proxy's own section
// after Server. Memory, Persistence, Stats and Keyspace describe the data,
// which lives on the groups: they are the groups' sections merged (Stats
// with the proxy's own connection, command and traffic counters). The
// others describe the proxy itself.
const (
	secServer = 1 << iota
	secProxy
	secClients
	secMemory
	secPersistence
	secStats
	secReplication
	secCPU
	secModules
	secCommandstats
	secErrorstats
	secCluster
	secKeyspace

	secFromGroups = secMemory | secPersistence | secStats | secKeyspace
	secDefault    = secServer | secProxy | secClients | secMemory | secPersistence | secStats |
		secReplication | secCPU | secModules | secErrorstats | secCluster | secKeyspace
	secAll = secDefault | secCommandstats
)

var infoSectionNames = []struct {
	bit  int
	name string // as printed; lower case in INFO's arguments
}{
	{secServer, "Server"}, {secProxy, "Proxy"}, {secClients, "Clients"}, {secMemory, "Memory"},
	{secPersistence, "Persistence"}, {secStats, "Stats"}, {secReplication, "Replication"},
	{secCPU, "CPU"}, {secModules, "Modules"}, {secCommandstats, "Commandstats"},
	{secErrorstats, "Errorstats"}, {secCluster, "Cluster"}, {secKeyspace, "Keyspace"},
}

// infoSections maps INFO's arguments to sections; unknown names select
// nothing, as in Redis.
func infoSections(args [][]byte) int {
	if len(args) == 0 {
		return secDefault
	}
	sec := 0
	for _, a := range args {
		name := strings.ToLower(string(a))
		switch name {
		case "default":
			sec |= secDefault
		case "all", "everything":
			sec |= secAll
		}
		for _, s := range infoSectionNames {
			if strings.ToLower(s.name) == name {
				sec |= s.bit
			}
		}
	}
	return sec
}

// groupInfoArgs is the INFO command asking the groups for the sections of
// sections they provide.
func groupInfoArgs(sections int) [][]byte {
	args := [][]byte{[]byte("INFO")}
	for _, s := range infoSectionNames {
		if sections&s.bit&secFromGroups != 0 {
			args = append(args, []byte(strings.ToLower(s.name)))
		}
	}
	return args
}

// infoField is one "name:value" line of a section.
type infoField struct{ name, value string }

// groupInfo is the groups' INFO replies split into sections: for each
// section, its fields in the first reply's order, each with the values of
// every group that has it.
type groupInfo map[string]*groupSection

type groupSection struct {
	names  []string
	values map[string][]string
}

// parseGroupInfo splits the groups' INFO replies; the groups that failed
// to answer are left out.
func parseGroupInfo(reqs []*router.Request) (groupInfo, error) {
	gi := groupInfo{}
	for _, r := range reqs {
		if r.Err != nil || len(r.Reply) > 0 && r.Reply[0] == '-' {
			continue
		}
		typ, n, pos, ok := header(r.Reply)
		if !ok || (typ != '$' && typ != '=') || n < 0 || pos+int(n) > len(r.Reply) {
			return nil, errBadReply
		}
		text := r.Reply[pos : pos+int(n)]
		if typ == '=' { // RESP3 verbatim: "txt:" first
			text = text[min(4, len(text)):]
		}
		var sec *groupSection
		for line := range bytes.SplitSeq(text, []byte("\r\n")) {
			if name, ok := bytes.CutPrefix(line, []byte("# ")); ok {
				sec = gi[string(name)]
				if sec == nil {
					sec = &groupSection{values: map[string][]string{}}
					gi[string(name)] = sec
				}
				continue
			}
			k, v, ok := bytes.Cut(line, []byte(":"))
			if !ok || sec == nil {
				continue
			}
			name := string(k)
			if _, seen := sec.values[name]; !seen {
				sec.names = append(sec.names, name)
			}
			sec.values[name] = append(sec.values[name], string(v))
		}
	}
	return gi, nil
}

// merged returns the section's fields merged over the groups.
func (gi groupInfo) merged(section string) []infoField {
	sec := gi[section]
	if sec == nil {
		return nil
	}
	out := make([]infoField, 0, len(sec.names))
	for _, name := range sec.names {
		out = append(out, infoField{name, mergeValues(name, sec.values[name])})
	}
	// what is derived from merged fields, computed again from them
	get := func(name string) (float64, bool) {
		for _, f := range out {
			if f.name == name {
				v, err := strconv.ParseFloat(f.value, 64)
				return v, err == nil
			}
		}
		return 0, false
	}
	for i, f := range out {
		switch {
		case strings.HasSuffix(f.name, "_human"):
			if v, ok := get(strings.TrimSuffix(f.name, "_human")); ok {
				out[i].value = redisinfo.BytesHuman(int64(v))
			}
		case f.name == "used_memory_peak_perc":
			used, ok1 := get("used_memory")
			peak, ok2 := get("used_memory_peak")
			if ok1 && ok2 && peak > 0 {
				out[i].value = fmt.Sprintf("%.2f%%", used*100/peak)
			}
		case f.name == "mem_fragmentation_ratio":
			used, ok1 := get("used_memory")
			rss, ok2 := get("used_memory_rss")
			if ok1 && ok2 && used > 0 {
				out[i].value = fmt.Sprintf("%.2f", rss/used)
			}
		}
	}
	return out
}

// How the groups' values of a field merge, when not by sum.
var (
	// flags and durations of the longest operation in progress
	infoMax = map[string]bool{
		"loading": true, "async_loading": true, "rdb_bgsave_in_progress": true,
		"aof_enabled": true, "aof_rewrite_in_progress": true, "aof_rewrite_scheduled": true,
		"rdb_last_bgsave_time_sec": true, "rdb_current_bgsave_time_sec": true,
		"aof_last_rewrite_time_sec": true, "aof_current_rewrite_time_sec": true,
		"expired_stale_perc": true, "latest_fork_usec": true,
		// SCRIPT LOAD reaches every group: each holds the same scripts
		"number_of_cached_scripts": true,
	}
	// the oldest time
	infoMin = map[string]bool{"rdb_last_save_time": true}
	// the same for every group, or meaningful only once
	infoFirst = map[string]bool{"total_system_memory": true, "maxmemory_policy": true, "mem_allocator": true}
)

// mergeValues merges one field's values over the groups: statuses are "ok"
// unless a group's is not; a limit is 0 (none) if any group has none;
// numbers add up, except for the flags, times and constants above; other
// text is the first group's.
func mergeValues(name string, vals []string) string {
	switch {
	case len(vals) == 1 || infoFirst[name]:
		return vals[0]
	case strings.HasSuffix(name, "_status"):
		for _, v := range vals {
			if v != "ok" {
				return v
			}
		}
		return "ok"
	}
	ints := make([]int64, 0, len(vals))
	for _, v := range vals {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return mergeFloats(vals)
		}
		ints = append(ints, n)
	}
	switch {
	case infoMax[name]:
		return strconv.FormatInt(slices.Max(ints), 10)
	case infoMin[name]:
		return strconv.FormatInt(slices.Min(ints), 10)
	case name == "maxmemory" && slices.Contains(ints, 0):
		return "0"
	}
	var sum int64
	for _, n := range ints {
		sum += n
	}
	return strconv.FormatInt(sum, 10)
}

// mergeFloats adds up decimal values ("0.25"), printed with the first
// one's number of decimals; other text is the first group's.
func mergeFloats(vals []string) string {
	var sum float64
	for _, v := range vals {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return vals[0]
		}
		sum += f
	}
	decimals := 0
	if i := strings.IndexByte(vals[0], '.'); i >= 0 {
		decimals = len(vals[0]) - i - 1
	}
	return strconv.FormatFloat(sum, 'f', decimals, 64)
}

// mergeInfo builds INFO's reply from the proxy's own sections and the
// groups' replies (reqs, one per group, asked for groupInfoArgs).
func (s *session) mergeInfo(reqs []*router.Request, sections int32) error {
	var gi groupInfo
	if sections&secFromGroups != 0 {
		var err error
		if gi, err = parseGroupInfo(reqs); err != nil {
			return err
		}
	}
	var b strings.Builder
	for _, sec := range infoSectionNames {
		if int(sections)&sec.bit == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString("# " + sec.name + "\r\n")
		for _, f := range s.infoSection(sec.bit, gi) {
			b.WriteString(f.name + ":" + f.value + "\r\n")
		}
	}
	s.out.Verbatim("txt", b.String())
	return nil
}

// infoSection returns the fields of one section.
func (s *session) infoSection(bit int, gi groupInfo) []infoField {
	p := s.p
	f := func(name string, v any) infoField { return infoField{name, fmt.Sprint(v)} }
	switch bit {
	case secServer:
		now := time.Now()
		up := int64(now.Sub(p.start) / time.Second)
		exe, _ := os.Executable()
		return []infoField{
			f("redis_version", Version), f("redis_git_sha1", "00000000"), f("redis_git_dirty", 0),
			f("redis_mode", "standalone"), f("os", redisinfo.OS()),
			f("arch_bits", strconv.IntSize), f("multiplexing_api", multiplexingAPI()),
			f("process_id", os.Getpid()), f("process_supervised", "no"), f("run_id", p.runID()),
			f("tcp_port", portOf(s.laddr)), f("server_time_usec", now.UnixMicro()),
			f("uptime_in_seconds", up), f("uptime_in_days", up/86400),
			f("executable", exe), f("config_file", ""), f("io_threads_active", 0),
		}
	case secProxy:
		up := 0
		for _, g := range s.t.groups[1:] {
			if g.pool != nil && g.pool.Up() {
				up++
			}
		}
		var epoch uint64
		if s.t.m != nil {
			epoch = s.t.m.CurrentEpoch()
		}
		st := &p.stats
		return []infoField{
			f("proxy_version", Version), f("uptime_in_seconds", int64(time.Since(p.start)/time.Second)),
			f("connected_clients", p.clientCount()), f("total_connections_received", st.connections.Load()),
			f("rejected_connections", st.rejected.Load()), f("total_commands_processed", st.commands.Load()),
			f("total_error_replies", st.errorReplies.Load()), f("total_protocol_errors", st.protocolErrors.Load()),
			f("total_redirects", st.redirects.Load()), f("total_net_input_bytes", st.netInput.Load()),
			f("total_net_output_bytes", st.netOutput.Load()), f("slot_map_epoch", epoch),
			f("groups", len(s.t.groups)-1), f("groups_up", up),
		}
	case secClients:
		blocked := p.blockedClients()
		return []infoField{
			f("connected_clients", p.clientCount()), f("cluster_connections", 0),
			f("maxclients", p.cfg.MaxClients), f("client_recent_max_input_buffer", 0),
			f("client_recent_max_output_buffer", 0), f("blocked_clients", blocked),
			f("tracking_clients", 0), f("clients_in_timeout_table", blocked),
		}
	case secMemory:
		return gi.merged("Memory")
	case secPersistence:
		return gi.merged("Persistence")
	case secStats:
		// the groups' key and pub/sub counters; the connections, commands
		// and traffic are the proxy's
		st := &p.stats
		ops, in, out := p.rates.get()
		own := map[string]string{
			"total_connections_received": strconv.FormatInt(st.connections.Load(), 10),
			"total_commands_processed":   strconv.FormatInt(st.commands.Load(), 10),
			"instantaneous_ops_per_sec":  strconv.FormatInt(int64(ops), 10),
			"total_net_input_bytes":      strconv.FormatInt(st.netInput.Load(), 10),
			"total_net_output_bytes":     strconv.FormatInt(st.netOutput.Load(), 10),
			"instantaneous_input_kbps":   strconv.FormatFloat(in/1024, 'f', 2, 64),
			"instantaneous_output_kbps":  strconv.FormatFloat(out/1024, 'f', 2, 64),
			"rejected_connections":       strconv.FormatInt(st.rejected.Load(), 10),
			"total_error_replies":        strconv.FormatInt(st.errorReplies.Load(), 10),
		}
		fields := gi.merged("Stats")
		for i := range fields {
			if v, ok := own[fields[i].name]; ok {
				fields[i].value = v
				delete(own, fields[i].name)
			}
		}
		for _, name := range slices.Sorted(maps.Keys(own)) { // groups that report less
			fields = append(fields, infoField{name, own[name]})
		}
		return fields
	case secReplication:
		// replicas belong to the groups; the proxy is one master to its clients
		return []infoField{
			f("role", "master"), f("connected_slaves", 0), f("master_failover_state", "no-failover"),
			f("master_replid", p.runID()), f("master_replid2", strings.Repeat("0", 40)),
			f("master_repl_offset", 0), f("second_repl_offset", -1), f("repl_backlog_active", 0),
			f("repl_backlog_size", 0), f("repl_backlog_first_byte_offset", 0), f("repl_backlog_histlen", 0),
		}
	case secCPU:
		var self, children syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &self)
		syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
		sec := func(tv syscall.Timeval) string {
			return fmt.Sprintf("%.6f", float64(tv.Sec)+float64(tv.Usec)/1e6)
		}
		return []infoField{
			{"used_cpu_sys", sec(self.Stime)}, {"used_cpu_user", sec(self.Utime)},
			{"used_cpu_sys_children", sec(children.Stime)}, {"used_cpu_user_children", sec(children.Utime)},
		}
	case secCommandstats:
		return p.stats.commandFields()
	case secErrorstats:
		return p.stats.errorFields()
	case secCluster:
		// the proxy hides the cluster: clients see one server
		return []infoField{f("cluster_enabled", 0)}
	case secKeyspace:
		return keyspaceFields(gi)
	}
	return nil // Modules: none
}

// keyspaceFields sums the groups' "dbN:keys=..,expires=..,avg_ttl=.."
// lines per database.
func keyspaceFields(gi groupInfo) []infoField {
	sec := gi["Keyspace"]
	if sec == nil {
		return nil
	}
	type dbStat struct{ keys, expires int64 }
	dbs := map[int]*dbStat{}
	for _, name := range sec.names {
		for _, v := range sec.values[name] {
			db, keys, expires, ok := parseKeyspaceLine(name, v)
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
	var out []infoField
	for _, db := range slices.Sorted(maps.Keys(dbs)) {
		out = append(out, infoField{"db" + strconv.Itoa(db),
			fmt.Sprintf("keys=%d,expires=%d,avg_ttl=0", dbs[db].keys, dbs[db].expires)})
	}
	return out
}

// parseKeyspaceLine parses a Keyspace field: "db0", "keys=1,expires=0,avg_ttl=0".
func parseKeyspaceLine(name, value string) (db int, keys, expires int64, ok bool) {
	num, found := strings.CutPrefix(name, "db")
	if !found {
		return 0, 0, 0, false
	}
	db, err := strconv.Atoi(num)
	if err != nil {
		return 0, 0, 0, false
	}
	for kv := range strings.SplitSeq(value, ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "keys":
			keys = n
		case "expires":
			expires = n
		}
	}
	return db, keys, expires, true
}

func portOf(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "0"
	}
	return port
}

func multiplexingAPI() string {
	if runtime.GOOS == "linux" {
		return "epoll"
	}
	return "goroutines"
}

// runID is the proxy's random 40-hex-digit identity, as Redis's run_id.
func (p *Proxy) runID() string {
	p.runIDOnce.Do(func() {
		var b [20]byte
		rand.Read(b[:])
		p.runIDHex = hex.EncodeToString(b[:])
	})
	return p.runIDHex
}

// clientCount is the number of RESP and memcached clients connected.
func (p *Proxy) clientCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.clients) + p.mcConns()
}

// blockedClients counts the clients waiting in a blocking command.
func (p *Proxy) blockedClients() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, s := range p.clients {
		if s.st.view.blocked.Load() {
			n++
		}
	}
	return n
}

// rateInterval is how often the instantaneous rates are sampled, as
// Redis samples them.
const rateInterval = 100 * time.Millisecond

// rates keeps INFO's instantaneous_* figures: commands and bytes per
// second over the last 1.6 s.
type rates struct {
	ops, in, out atomic.Uint64 // float64 bits, per second
}

func (r *rates) get() (ops, in, out float64) {
	return math.Float64frombits(r.ops.Load()), math.Float64frombits(r.in.Load()), math.Float64frombits(r.out.Load())
}

// sampleRates updates p.rates every rateInterval until the proxy closes.
func (p *Proxy) sampleRates() {
	defer p.wg.Done()
	t := time.NewTicker(rateInterval)
	defer t.Stop()
	var ops, in, out redisinfo.RateMeter
	for {
		select {
		case <-p.closing:
			return
		case now := <-t.C:
			ops.Sample(now, p.stats.commands.Load())
			in.Sample(now, p.stats.netInput.Load())
			out.Sample(now, p.stats.netOutput.Load())
			p.rates.ops.Store(math.Float64bits(ops.Rate()))
			p.rates.in.Store(math.Float64bits(in.Rate()))
			p.rates.out.Store(math.Float64bits(out.Rate()))
		}
	}
}
