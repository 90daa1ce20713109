package proxy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slotcache/slotcache/internal/redisinfo"
	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/router"
	"github.com/slotcache/slotcache/slots"
)

// parseInfo splits an INFO reply into its section names, in order, and its
// fields by section.
func parseInfo(text string) (order []string, fields map[string]map[string]string) {
	fields = map[string]map[string]string{}
	var cur map[string]string
	for line := range strings.SplitSeq(text, "\r\n") {
		if name, ok := strings.CutPrefix(line, "# "); ok {
			order = append(order, name)
			cur = map[string]string{}
			fields[name] = cur
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok && cur != nil {
			cur[k] = v
		}
	}
	return order, fields
}

func infoInt(t *testing.T, fields map[string]map[string]string, section, name string) int64 {
	t.Helper()
	v, ok := fields[section][name]
	if !ok {
		t.Fatalf("INFO %s has no %s: %v", section, name, fields[section])
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatalf("INFO %s %s = %q, not an integer", section, name, v)
	}
	return n
}

// TestInfoSectionsAsRedis: INFO through the proxy has Redis's sections in
// Redis's order (with the proxy's own after Server); the sections about
// the proxy itself have every field a redis-server reports, and those
// about the data every field the nodes report, so monitoring tools and
// redis-cli --stat find what they read.
func TestInfoSectionsAsRedis(t *testing.T) {
	nodes := startNodes(t, 3)
	paddr, _ := startProxy(t, StaticMap{staticMap(t, nodes)}, nil)
	c := nodetest.Dial(t, paddr)
	rc := nodetest.Dial(t, nodetest.StartRedis(t))
	nc := nodetest.Dial(t, nodes[0])

	for _, args := range [][]string{{"INFO"}, {"INFO", "all"}, {"INFO", "everything"}, {"INFO", "memory", "CPU"}} {
		order, fields := parseInfo(string(c.Do(args...).Str))
		rorder, rfields := parseInfo(string(rc.Do(args...).Str))
		rorder = slices.DeleteFunc(rorder, func(s string) bool { return s == "Latencystats" })
		want := slices.Clone(rorder)
		if i := slices.Index(want, "Server"); i >= 0 {
			want = slices.Insert(want, i+1, "Proxy")
		}
		if !slices.Equal(order, want) {
			t.Errorf("%v: sections %v, want %v", args, order, want)
		}
		for _, sec := range []string{"Server", "Clients", "Replication", "CPU", "Cluster"} {
			for name := range rfields[sec] {
				if _, ok := fields[sec][name]; !ok && !redisOnlyField[name] {
					t.Errorf("%v: section %s lacks %s", args, sec, name)
				}
			}
		}
		_, nfields := parseInfo(string(nc.Do(args...).Str))
		for _, sec := range []string{"Memory", "Persistence", "Stats"} {
			for name := range nfields[sec] {
				if _, ok := fields[sec][name]; !ok {
					t.Errorf("%v: section %s lacks the nodes' %s", args, sec, name)
				}
			}
		}
	}
}

// redisOnlyField lists fields of redis-server's INFO that describe its own
// build or internals and that the proxy does not report.
var redisOnlyField = map[string]bool{
	"redis_build_id": true, "atomicvar_api": true, "gcc_version": true, "hz": true,
	"configured_hz": true, "lru_clock": true, "monotonic_clock": true,
	"used_cpu_sys_main_thread": true, "used_cpu_user_main_thread": true,
}

// TestInfoMergesGroups: the data's figures are the groups' summed, the
// traffic's are the proxy's own, and errors are counted per prefix.
func TestInfoMergesGroups(t *testing.T) {
	nodes := startNodes(t, 3)
	paddr, _ := startProxy(t, StaticMap{staticMap(t, nodes)}, nil)
	c := nodetest.Dial(t, paddr)
	for i := range 30 {
		k := "k" + strconv.Itoa(i)
		c.Do("SET", k, "v")
		c.Do("GET", k)
		c.Do("GET", "missing"+strconv.Itoa(i))
	}
	c.Do("NOSUCH")
	c.Do("LPUSH", "k0", "x")
	_, fields := parseInfo(string(c.Do("INFO", "everything").Str))

	var hits, misses, keys int64
	for _, n := range nodes {
		_, nf := parseInfo(string(nodetest.Dial(t, n).Do("INFO", "stats", "keyspace").Str))
		hits += infoInt(t, nf, "Stats", "keyspace_hits")
		misses += infoInt(t, nf, "Stats", "keyspace_misses")
		_, k, _, _ := parseKeyspaceLine("db0", nf["Keyspace"]["db0"])
		keys += k
	}
	if got := infoInt(t, fields, "Stats", "keyspace_hits"); got != hits || hits < 30 {
		t.Errorf("keyspace_hits = %d, the groups' sum is %d (want at least 30)", got, hits)
	}
	if got := infoInt(t, fields, "Stats", "keyspace_misses"); got != misses || misses < 30 {
		t.Errorf("keyspace_misses = %d, the groups' sum is %d", got, misses)
	}
	if want := fmt.Sprintf("keys=%d,", keys); keys != 30 || !strings.HasPrefix(fields["Keyspace"]["db0"], want) {
		t.Errorf("db0 = %q, the groups hold %d keys (want 30)", fields["Keyspace"]["db0"], keys)
	}
	// the proxy's own: 91 commands ran before INFO (as Redis, the unknown
	// one is not counted), on one connection
	if got := infoInt(t, fields, "Stats", "total_commands_processed"); got != 91 {
		t.Errorf("total_commands_processed = %d, want 91", got)
	}
	if got := infoInt(t, fields, "Stats", "total_connections_received"); got != 1 {
		t.Errorf("total_connections_received = %d, want 1", got)
	}
	if got := fields["Errorstats"]; got["errorstat_ERR"] != "count=1" || got["errorstat_WRONGTYPE"] != "count=1" {
		t.Errorf("Errorstats = %v, want ERR and WRONGTYPE counted once each", got)
	}
	if got := infoInt(t, fields, "Stats", "total_error_replies"); got != 2 {
		t.Errorf("total_error_replies = %d, want 2", got)
	}
	used := infoInt(t, fields, "Memory", "used_memory")
	if used <= 0 || fields["Memory"]["used_memory_human"] != redisinfo.BytesHuman(used) {
		t.Errorf("used_memory %d, used_memory_human %q", used, fields["Memory"]["used_memory_human"])
	}
	if fields["Replication"]["role"] != "master" || fields["Cluster"]["cluster_enabled"] != "0" {
		t.Errorf("role %q, cluster_enabled %q: the proxy is one standalone master to its clients",
			fields["Replication"]["role"], fields["Cluster"]["cluster_enabled"])
	}
	if got := fields["Clients"]["connected_clients"]; got != "1" {
		t.Errorf("connected_clients = %q, want 1", got)
	}

	// instantaneous_ops_per_sec follows the traffic
	deadline := time.Now().Add(10 * time.Second)
	for {
		for range 200 {
			c.Do("PING")
		}
		_, f := parseInfo(string(c.Do("INFO", "stats").Str))
		if infoInt(t, f, "Stats", "instantaneous_ops_per_sec") > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("instantaneous_ops_per_sec still 0 under load: %v", f["Stats"])
		}
	}
}

// TestMergeInfoValues: how the groups' values of one field combine.
func TestMergeInfoValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		vals []string
		want string
	}{
		{"used_memory", []string{"100", "200", "300"}, "600"},
		{"maxmemory", []string{"100", "200"}, "300"},
		{"maxmemory", []string{"100", "0"}, "0"}, // one group without a limit: none
		{"loading", []string{"0", "1", "0"}, "1"},
		{"rdb_last_save_time", []string{"300", "100", "200"}, "100"},
		{"rdb_last_bgsave_status", []string{"ok", "err", "ok"}, "err"},
		{"maxmemory_policy", []string{"allkeys-lru", "noeviction"}, "allkeys-lru"},
		{"total_system_memory", []string{"1000", "1000"}, "1000"},
		{"instantaneous_input_kbps", []string{"1.25", "2.50"}, "3.75"},
		{"mem_allocator", []string{"go1.26", "go1.26"}, "go1.26"},
		{"used_memory", []string{"7"}, "7"},
	} {
		if got := mergeValues(tc.name, tc.vals); got != tc.want {
			t.Errorf("mergeValues(%s, %v) = %q, want %q", tc.name, tc.vals, got, tc.want)
		}
	}

	reply := func(s string) *router.Request {
		return &router.Request{Reply: []byte(fmt.Sprintf("$%d\r\n%s\r\n", len(s), s))}
	}
	gi, err := parseGroupInfo([]*router.Request{
		reply("# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\nused_memory_rss:4194304\r\nused_memory_peak:2097152\r\nused_memory_peak_perc:50.00%\r\nmem_fragmentation_ratio:4.00\r\n"),
		reply("# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\nused_memory_rss:2097152\r\nused_memory_peak:1048576\r\nused_memory_peak_perc:100.00%\r\nmem_fragmentation_ratio:2.00\r\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	got := gi.merged("Memory")
	want := []infoField{
		{"used_memory", "2097152"}, {"used_memory_human", "2.00M"}, {"used_memory_rss", "6291456"},
		{"used_memory_peak", "3145728"}, {"used_memory_peak_perc", "66.67%"}, {"mem_fragmentation_ratio", "3.00"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("merged Memory:\n got %v\nwant %v", got, want)
	}
	if _, err := parseGroupInfo([]*router.Request{{Reply: []byte("*1\r\n:1\r\n")}}); err == nil {
		t.Error("an array from a group parsed as INFO")
	}
}

// TestInfoWithGroupDown: INFO still answers while a group is down, with
// the others' figures and groups_up saying how many answer.
func TestInfoWithGroupDown(t *testing.T) {
	nodes := startNodes(t, 2)
	down, srv := nodetest.StartNode(t, nil)
	m := staticMap(t, append(nodes, down))
	paddr, _ := startProxy(t, StaticMap{m}, nil)
	c := nodetest.Dial(t, paddr)
	for _, g := range []slots.GroupID{1, 2, 3} {
		c.Do("SET", keyIn(m, g, "k"), "v")
	}
	srv.Close()
	waitFor(t, "the dead group noticed", func() bool {
		return strings.HasPrefix(string(c.Do("GET", keyIn(m, 3, "k")).Str), "ERR backend unavailable")
	})
	v := c.Do("INFO")
	if v.Type == '-' {
		t.Fatalf("INFO with a group down: %s", v)
	}
	_, fields := parseInfo(string(v.Str))
	if got := fields["Keyspace"]["db0"]; !strings.HasPrefix(got, "keys=2,") {
		t.Errorf("db0 = %q, want the two live groups' 2 keys", got)
	}
	waitFor(t, "groups_up:2", func() bool { // the pool's own connections notice too
		_, f := parseInfo(string(c.Do("INFO", "proxy").Str))
		return f["Proxy"]["groups_up"] == "2"
	})
	if infoInt(t, fields, "Memory", "used_memory") <= 0 {
		t.Errorf("no memory figures from the live groups: %v", fields["Memory"])
	}
}
