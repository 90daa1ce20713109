package node

import (
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/slotcache/slotcache/internal/redisinfo"
)

// infoSections lists the INFO sections in the order Redis prints them, and
// whether each belongs to the default set.
var infoSections = []struct {
	name string
	dflt bool
}{
	{"server", true}, {"clients", true}, {"memory", true}, {"persistence", true},
	{"stats", true}, {"replication", true}, {"cpu", true}, {"modules", true},
	{"commandstats", false}, {"errorstats", true}, {"cluster", true}, {"keyspace", true},
}

// infoBuilder accumulates INFO text with Redis's CRLF line endings.
type infoBuilder struct {
	sb       strings.Builder
	sections int
}

func (b *infoBuilder) header(title string) {
	if b.sections > 0 {
		b.sb.WriteString("\r\n")
	}
	b.sections++
	b.sb.WriteString("# ")
	b.sb.WriteString(title)
	b.sb.WriteString("\r\n")
}

func (b *infoBuilder) field(name, value string) {
	b.sb.WriteString(name)
	b.sb.WriteByte(':')
	b.sb.WriteString(value)
	b.sb.WriteString("\r\n")
}

func (b *infoBuilder) int(name string, v int64) { b.field(name, strconv.FormatInt(v, 10)) }

// selectInfoSections resolves INFO arguments into the set of sections to
// print, as Redis 7 does: no argument or "default" gives the default set,
// "all" every section but modules, "everything" all of them; unknown names
// are ignored.
func selectInfoSections(args [][]byte) map[string]bool {
	want := map[string]bool{}
	if len(args) == 0 {
		args = [][]byte{[]byte("default")}
	}
	for _, a := range args {
		name := strings.ToLower(string(a))
		switch name {
		case "default":
			for _, s := range infoSections {
				if s.dflt {
					want[s.name] = true
				}
			}
		case "all", "everything":
			for _, s := range infoSections {
				if s.name != "modules" || name == "everything" {
					want[s.name] = true
				}
			}
		default:
			want[name] = true
		}
	}
	return want
}

// infoString renders the INFO reply for the given section selection. It
// runs with the server lock held.
func (s *Server) infoString(want map[string]bool) string {
	var b infoBuilder
	now := time.Now()
	for _, sec := range infoSections {
		if !want[sec.name] {
			continue
		}
		switch sec.name {
		case "server":
			b.header("Server")
			s.infoServer(&b, now)
		case "clients":
			b.header("Clients")
			b.int("connected_clients", int64(len(s.clients)))
			b.int("cluster_connections", 0)
			b.int("maxclients", int64(s.cfg.MaxClients))
			b.int("client_recent_max_input_buffer", 0)
			b.int("client_recent_max_output_buffer", 0)
			b.int("blocked_clients", int64(s.blockedClients))
			b.int("tracking_clients", 0)
			b.int("clients_in_timeout_table", s.clientsWithTimeout())
		case "memory":
			b.header("Memory")
			s.infoMemory(&b)
		case "persistence":
			b.header("Persistence")
			b.int("loading", 0)
			b.int("async_loading", 0)
			b.int("rdb_changes_since_last_save", s.dirty)
			b.int("rdb_bgsave_in_progress", 0)
			b.int("rdb_last_save_time", s.start.Unix())
			b.field("rdb_last_bgsave_status", "ok")
			b.int("rdb_last_bgsave_time_sec", -1)
			b.int("rdb_current_bgsave_time_sec", -1)
			b.int("rdb_saves", 0)
			b.int("aof_enabled", 0)
			b.int("aof_rewrite_in_progress", 0)
			b.int("aof_rewrite_scheduled", 0)
			b.field("aof_last_bgrewrite_status", "ok")
			b.field("aof_last_write_status", "ok")
		case "stats":
			b.header("Stats")
			st := &s.stats
			b.int("total_connections_received", st.connectionsReceived)
			b.int("total_commands_processed", st.commandsProcessed)
			b.int("instantaneous_ops_per_sec", int64(s.rates.ops.Rate()))
			b.int("total_net_input_bytes", s.netInput.Load())
			b.int("total_net_output_bytes", s.netOutput.Load())
			b.int("total_net_repl_input_bytes", 0)
			b.int("total_net_repl_output_bytes", 0)
			b.field("instantaneous_input_kbps", strconv.FormatFloat(s.rates.in.Rate()/1024, 'f', 2, 64))
			b.field("instantaneous_output_kbps", strconv.FormatFloat(s.rates.out.Rate()/1024, 'f', 2, 64))
			b.field("instantaneous_input_repl_kbps", "0.00")
			b.field("instantaneous_output_repl_kbps", "0.00")
			b.int("rejected_connections", st.rejectedConns)
			// no replication, forks, defragmentation or client tracking
			// yet: their counters are Redis's at rest
			b.int("sync_full", 0)
			b.int("sync_partial_ok", 0)
			b.int("sync_partial_err", 0)
			b.int("expired_keys", st.expiredKeys)
			b.field("expired_stale_perc", "0.00")
			b.int("expired_time_cap_reached_count", 0)
			b.int("expire_cycle_cpu_milliseconds", 0)
			b.int("evicted_keys", st.evictedKeys)
			b.int("evicted_clients", 0)
			b.int("total_eviction_exceeded_time", 0)
			b.int("current_eviction_exceeded_time", 0)
			b.int("keyspace_hits", st.keyspaceHits)
			b.int("keyspace_misses", st.keyspaceMisses)
			b.int("pubsub_channels", int64(len(s.pubsub.channels)))
			b.int("pubsub_patterns", int64(len(s.pubsub.patterns)))
			b.int("pubsubshard_channels", int64(len(s.pubsub.shard)))
			b.int("latest_fork_usec", 0)
			b.int("total_forks", 0)
			b.int("migrate_cached_sockets", 0)
			b.int("slave_expires_tracked_keys", 0)
			for _, name := range []string{"active_defrag_hits", "active_defrag_misses", "active_defrag_key_hits",
				"active_defrag_key_misses", "total_active_defrag_time", "current_active_defrag_time",
				"tracking_total_keys", "tracking_total_items", "tracking_total_prefixes", "unexpected_error_replies"} {
				b.int(name, 0)
			}
			b.int("total_error_replies", st.errorReplies)
			b.int("dump_payload_sanitizations", 0)
			b.int("total_reads_processed", s.reads.Load())
			b.int("total_writes_processed", s.writes.Load())
			b.int("io_threaded_reads_processed", 0)
			b.int("io_threaded_writes_processed", 0)
			b.int("reply_buffer_shrinks", 0)
			b.int("reply_buffer_expands", 0)
		case "replication":
			b.header("Replication")
			b.field("role", "master")
			b.int("connected_slaves", 0)
			b.field("master_failover_state", "no-failover")
			b.field("master_replid", s.runID)
			b.field("master_replid2", strings.Repeat("0", 40))
			b.int("master_repl_offset", 0)
			b.int("second_repl_offset", -1)
			b.int("repl_backlog_active", 0)
			b.int("repl_backlog_size", 1048576)
			b.int("repl_backlog_first_byte_offset", 0)
			b.int("repl_backlog_histlen", 0)
		case "cpu":
			b.header("CPU")
			var ru syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
			b.field("used_cpu_sys", cpuSeconds(ru.Stime))
			b.field("used_cpu_user", cpuSeconds(ru.Utime))
			b.field("used_cpu_sys_children", "0.000000")
			b.field("used_cpu_user_children", "0.000000")
		case "modules":
			b.header("Modules")
		case "commandstats":
			b.header("Commandstats")
			s.infoCommandstats(&b)
		case "errorstats":
			b.header("Errorstats")
			names := make([]string, 0, len(s.errorStats))
			for n := range s.errorStats {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				b.field("errorstat_"+n, "count="+strconv.FormatInt(*s.errorStats[n], 10))
			}
		case "cluster":
			b.header("Cluster")
			b.int("cluster_enabled", s.clusterEnabled())
		case "keyspace":
			b.header("Keyspace")
			for _, d := range s.dbs {
				if d.nkeys == 0 {
					continue
				}
				b.field("db"+strconv.Itoa(d.id), "keys="+strconv.Itoa(d.nkeys)+",expires="+strconv.Itoa(d.nexpire)+",avg_ttl="+strconv.FormatInt(d.avgTTL, 10))
			}
		}
	}
	return b.sb.String()
}

func (s *Server) infoServer(b *infoBuilder, now time.Time) {
	b.field("redis_version", RedisVersion)
	b.field("redis_git_sha1", "00000000")
	b.int("redis_git_dirty", 0)
	b.field("redis_mode", s.redisMode())
	b.field("os", redisinfo.OS())
	b.int("arch_bits", strconv.IntSize)
	b.field("multiplexing_api", "epoll")
	b.int("process_id", int64(os.Getpid()))
	b.field("process_supervised", "no")
	b.field("run_id", s.runID)
	b.int("tcp_port", int64(s.cfg.Port))
	b.int("server_time_usec", now.UnixMicro())
	up := int64(now.Sub(s.start) / time.Second)
	b.int("uptime_in_seconds", up)
	b.int("uptime_in_days", up/86400)
	b.int("hz", int64(s.cfg.Hz))
	b.int("configured_hz", int64(s.cfg.Hz))
	b.int("lru_clock", now.Unix()&(1<<24-1))
	exe, _ := os.Executable()
	b.field("executable", exe)
	b.field("config_file", s.cfg.ConfigFile)
	b.int("io_threads_active", 0)
}

func (s *Server) infoMemory(b *infoBuilder) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	used := int64(ms.HeapAlloc)
	if used > s.memPeak {
		s.memPeak = used
	}
	rss := rssBytes()
	b.int("used_memory", used)
	b.field("used_memory_human", redisinfo.BytesHuman(used))
	b.int("used_memory_rss", rss)
	b.field("used_memory_rss_human", redisinfo.BytesHuman(rss))
	b.int("used_memory_peak", s.memPeak)
	b.field("used_memory_peak_human", redisinfo.BytesHuman(s.memPeak))
	b.field("used_memory_peak_perc", strconv.FormatFloat(float64(used)*100/float64(max(s.memPeak, 1)), 'f', 2, 64)+"%")
	b.int("total_system_memory", 0)
	b.int("used_memory_scripts_eval", s.usedMemoryScripts())
	b.int("number_of_cached_scripts", s.cachedScripts())
	b.int("maxmemory", s.cfg.MaxMemory)
	b.field("maxmemory_human", redisinfo.BytesHuman(s.cfg.MaxMemory))
	b.field("maxmemory_policy", s.cfg.MaxMemoryPolicy)
	ratio := 0.0
	if used > 0 {
		ratio = float64(rss) / float64(used)
	}
	b.field("mem_fragmentation_ratio", strconv.FormatFloat(ratio, 'f', 2, 64))
	b.int("mem_fragmentation_bytes", rss-used)
	b.field("mem_allocator", runtime.Version())
	b.int("lazyfree_pending_objects", 0)
}

// infoCommandstats prints one cmdstat_ line per command (and subcommand)
// that has been called or rejected, sorted by name.
func (s *Server) infoCommandstats(b *infoBuilder) {
	var cmds []*command
	for _, c := range s.commands {
		cmds = append(cmds, c)
		for _, sc := range c.subs {
			cmds = append(cmds, sc)
		}
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	for _, c := range cmds {
		if c.calls == 0 && c.rejected == 0 && c.failed == 0 {
			continue
		}
		perCall := 0.0
		if c.calls > 0 {
			perCall = float64(c.usec) / float64(c.calls)
		}
		b.field("cmdstat_"+c.name, "calls="+strconv.FormatInt(c.calls, 10)+
			",usec="+strconv.FormatInt(c.usec, 10)+
			",usec_per_call="+strconv.FormatFloat(perCall, 'f', 2, 64)+
			",rejected_calls="+strconv.FormatInt(c.rejected, 10)+
			",failed_calls="+strconv.FormatInt(c.failed, 10))
	}
}

// rates are the meters behind instantaneous_ops_per_sec and the
// instantaneous kbps figures.
type rates struct{ ops, in, out redisinfo.RateMeter }

// sampleRates is called by the cron with the server lock held.
func (s *Server) sampleRates(now time.Time) {
	s.rates.ops.Sample(now, s.stats.commandsProcessed)
	s.rates.in.Sample(now, s.netInput.Load())
	s.rates.out.Sample(now, s.netOutput.Load())
}

// countIn counts n bytes read from a client by one read call.
func (s *Server) countIn(n int) {
	if n > 0 {
		s.netInput.Add(int64(n))
		s.reads.Add(1)
	}
}

// countOut counts n bytes written to a client by one write call.
func (s *Server) countOut(n int) {
	if n > 0 {
		s.netOutput.Add(int64(n))
		s.writes.Add(1)
	}
}

// maxErrorStats bounds the distinct error prefixes INFO errorstats keeps
// (Redis's ERROR_STATS_NUMBER).
const maxErrorStats = 128

// countError counts an error reply (without its '-') by its first word.
func (s *Server) countError(reply []byte) {
	i := 0
	for i < len(reply) && reply[i] != ' ' && reply[i] != '\r' {
		i++
	}
	prefix := reply[:i]
	if n := s.errorStats[string(prefix)]; n != nil {
		*n++
		return
	}
	if len(s.errorStats) >= maxErrorStats {
		return
	}
	if s.errorStats == nil {
		s.errorStats = map[string]*int64{}
	}
	one := int64(1)
	s.errorStats[string(prefix)] = &one
}

// resetStats clears the counters CONFIG RESETSTAT clears.
func (s *Server) resetStats() {
	s.stats = stats{}
	s.rates = rates{}
	s.errorStats = nil
	s.netInput.Store(0)
	s.netOutput.Store(0)
	for _, c := range s.commands {
		c.calls, c.usec, c.rejected, c.failed = 0, 0, 0, 0
		for _, sc := range c.subs {
			sc.calls, sc.usec, sc.rejected, sc.failed = 0, 0, 0, 0
		}
	}
}

func cpuSeconds(tv syscall.Timeval) string {
	return strconv.FormatFloat(float64(tv.Sec)+float64(tv.Usec)/1e6, 'f', 6, 64)
}

// rssBytes reads the resident set size from /proc/self/statm (0 if unknown).
func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}

// clientsWithTimeout counts the blocked clients whose command has a
// timeout (Redis's clients_in_timeout_table).
func (s *Server) clientsWithTimeout() int64 {
	var n int64
	for _, c := range s.clients {
		if c.blk != nil && !c.blk.deadline.IsZero() {
			n++
		}
	}
	return n
}
