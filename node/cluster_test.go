package node_test

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slotcache/slotcache/node"
	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
	"github.com/slotcache/slotcache/router"
	"github.com/slotcache/slotcache/slots"
)

// startClusterNode starts an in-process node in cluster mode with fast
// gossip timings; dir "" means a new temporary directory.
func startClusterNode(t *testing.T, dir string, cc node.ClusterConfig) (string, *node.Server) {
	t.Helper()
	port := nodetest.FreePort(t)
	addr, srv := nodetest.StartNode(t, func(c *node.Config) {
		c.Port = port
		c.ClusterEnabled = true
		c.ClusterNodeTimeout = 2 * time.Second // no false deaths on a loaded machine
		if dir != "" {
			c.Dir = dir
		}
	})
	cc.GossipBind = "127.0.0.1"
	cc.KeyIndexes = router.KeyIndexes
	cc.GossipPort = nodetest.FreePort(t)
	if cc.ClusterName == "" {
		cc.ClusterName = t.Name()
	}
	if err := srv.StartCluster(cc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.LeaveCluster(time.Second) })
	return addr, srv
}

// assign gives the slot ranges to groups through srv's member and waits
// until every node in addrs reports want as cluster_state.
func assign(t *testing.T, srv *node.Server, ranges []slots.Range, addrs []string, want string) {
	t.Helper()
	m := srv.ClusterMember()
	for start := time.Now(); ; time.Sleep(5 * time.Millisecond) { // the groups' records must have arrived
		known := true
		for _, r := range ranges {
			if _, ok := m.Map().Group(r.Group); !ok {
				known = false
			}
		}
		if known {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal("the groups to assign never reached the member")
		}
	}
	b := slots.NewBuilder(m.Map())
	for _, r := range ranges {
		b.Assign(r.Start, r.End, r.Group)
	}
	next, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	m.Update(next)
	for _, a := range addrs {
		waitClusterState(t, a, want, next.CurrentEpoch())
	}
}

// waitClusterState polls CLUSTER INFO at addr until cluster_state is want
// and the current epoch at least epoch.
func waitClusterState(t *testing.T, addr, want string, epoch uint64) {
	t.Helper()
	c := nodetest.Dial(t, addr)
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		info := string(c.Do("CLUSTER", "INFO").Str)
		if strings.Contains(info, "cluster_state:"+want+"\r\n") && clusterInfoInt(info, "cluster_current_epoch") >= int64(epoch) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: cluster state not %s:\n%s", addr, want, info)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func clusterInfoInt(info, name string) int64 {
	for _, l := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(l, name+":"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return -1
}

func TestDiffClusterDisabled(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Normalize(func(args []string, v resp.Value) resp.Value {
		if strings.EqualFold(args[0], "command") {
			out := v
			out.Elems = slices.Clone(v.Elems)
			for i := range out.Elems {
				out.Elems[i] = stripTips(out.Elems[i])
			}
			return out
		}
		return v
	})
	p.CheckAll([][]string{
		{"CLUSTER", "INFO"}, {"CLUSTER", "HELP"}, {"CLUSTER", "NODES"}, {"CLUSTER", "SLOTS"},
		{"CLUSTER", "SHARDS"}, {"CLUSTER", "MYID"}, {"CLUSTER", "KEYSLOT", "a"},
		{"CLUSTER", "KEYSLOT"}, {"CLUSTER", "COUNTKEYSINSLOT", "x"}, {"CLUSTER", "GETKEYSINSLOT", "1", "2"},
		{"CLUSTER", "FOO"}, {"CLUSTER"}, {"CLUSTER", "MYID", "x"},
		{"CLUSTER", "REPLICAS", "x"}, {"CLUSTER", "SLAVES", "x"}, {"CLUSTER", "COUNT-FAILURE-REPORTS", "x"}, {"CLUSTER", "REPLICAS"},
		{"READONLY"}, {"READWRITE"}, {"ASKING"}, {"READONLY", "x"},
		{"SELECT", "1"}, {"MSET", "a", "1", "b", "2"},
		{"COMMAND", "INFO", "readonly", "readwrite", "asking"},
		{"COMMAND", "INFO", "cluster|info", "cluster|nodes", "cluster|slots", "cluster|shards", "cluster|myid",
			"cluster|keyslot", "cluster|countkeysinslot", "cluster|getkeysinslot", "cluster|help",
			"cluster|replicas", "cluster|slaves", "cluster|count-failure-reports"},
	})
	if v := p.Node.Do("INFO", "cluster"); !strings.Contains(string(v.Str), "cluster_enabled:0") {
		t.Errorf("INFO cluster: %q", v.Str)
	}
}

// clusterPair is a one-node slotcache cluster and a one-node Redis Cluster,
// each serving every slot.
type clusterPairT struct {
	t           *testing.T
	Node, Redis *nodetest.Conn
	norm        func(args []string, v resp.Value) resp.Value
}

func (p *clusterPairT) CheckAll(cmds [][]string) {
	p.t.Helper()
	for _, args := range cmds {
		nv, rv := p.Node.Do(args...), p.Redis.Do(args...)
		if p.norm != nil {
			nv, rv = p.norm(args, nv), p.norm(args, rv)
		}
		if !nodetest.Equal(nv, rv) {
			p.t.Errorf("%s:\n  slotcache: %s\n  redis:     %s", nodetest.Quote(args), nv, rv)
		}
	}
}

func clusterPair(t *testing.T) *clusterPairT {
	t.Helper()
	raddr := nodetest.StartRedis(t, "--cluster-enabled", "yes")
	r := nodetest.Dial(t, raddr)
	if v := r.Do("CLUSTER", "ADDSLOTSRANGE", "0", "16383"); string(v.Str) != "OK" {
		t.Fatalf("ADDSLOTSRANGE: %v", v)
	}
	naddr, srv := startClusterNode(t, "", node.ClusterConfig{Group: 1})
	assign(t, srv, []slots.Range{{Start: 0, End: 16383, Group: 1}}, []string{naddr}, "ok")
	waitClusterState(t, raddr, "ok", 0)
	return &clusterPairT{t: t, Node: nodetest.Dial(t, naddr), Redis: r}
}

func TestDiffClusterSingleNode(t *testing.T) {
	p := clusterPair(t)
	p.norm = func(args []string, v resp.Value) resp.Value {
		if len(args) > 1 && strings.EqualFold(args[1], "getkeysinslot") {
			out := v
			out.Elems = slices.Clone(v.Elems)
			slices.SortFunc(out.Elems, func(a, b resp.Value) int { return strings.Compare(string(a.Str), string(b.Str)) })
			return out
		}
		return v
	}
	p.CheckAll([][]string{
		{"SET", "a", "1"}, {"GET", "a"}, {"MSET", "a", "1", "b", "2"}, {"MSET", "{t}a", "1", "{t}b", "2"},
		{"MGET", "{t}a", "{t}b"}, {"DEL", "a", "b"}, {"DEL", "{t}a", "x{t}"},
		{"EXISTS", "a", "{a}"}, {"RENAME", "{t}a", "{t}c"}, {"RENAME", "{t}c", "a"},
		{"ZUNIONSTORE", "{t}d", "2", "{t}a", "{t}b"}, {"ZUNIONSTORE", "d", "2", "{t}a", "{t}b"},
		{"SELECT", "0"}, {"SELECT", "1"}, {"SELECT", "x"}, {"SELECT", "99999999"},
		{"MULTI"}, {"SET", "a", "1"}, {"SET", "foo", "2"}, {"GET", "a"}, {"EXEC"},
		{"MULTI"}, {"SET", "a", "1"}, {"SET", "{a}x", "2"}, {"EXEC"},
		{"MULTI"}, {"PING"}, {"EXEC"},
		{"MULTI"}, {"GET", "x"}, {"MSET", "a", "1", "b", "2"}, {"EXEC"},
		{"WATCH", "a", "b"}, {"WATCH", "a", "{a}b"}, {"UNWATCH"},
		{"CLUSTER", "KEYSLOT", "foo"}, {"CLUSTER", "KEYSLOT", "{user1}.a"}, {"CLUSTER", "KEYSLOT", ""},
		{"SET", "{s}1", "x"}, {"SET", "{s}2", "x"}, {"SET", "{s}3", "x"},
		{"CLUSTER", "COUNTKEYSINSLOT", strconv.Itoa(slots.KeySlot([]byte("s")))},
		{"CLUSTER", "COUNTKEYSINSLOT", "0"}, {"CLUSTER", "COUNTKEYSINSLOT", "-1"},
		{"CLUSTER", "COUNTKEYSINSLOT", "16384"}, {"CLUSTER", "COUNTKEYSINSLOT", "x"},
		{"CLUSTER", "GETKEYSINSLOT", strconv.Itoa(slots.KeySlot([]byte("s"))), "10"},
		{"CLUSTER", "GETKEYSINSLOT", strconv.Itoa(slots.KeySlot([]byte("s"))), "0"},
		{"CLUSTER", "GETKEYSINSLOT", "1", "-1"}, {"CLUSTER", "GETKEYSINSLOT", "16384", "1"},
		{"CLUSTER", "GETKEYSINSLOT", "x", "1"}, {"CLUSTER", "GETKEYSINSLOT", "1"},
		{"CLUSTER", "MYID", "x"}, {"CLUSTER", "FOO"},
		{"CLUSTER", "REPLICAS", "abc"}, {"CLUSTER", "COUNT-FAILURE-REPORTS", "abc"}, {"CLUSTER", "REPLICAS"},
		{"READONLY"}, {"GET", "a"}, {"READWRITE"}, {"ASKING"}, {"READONLY", "x"},
		{"SPUBLISH", "ch", "m"}, {"PUBLISH", "ch", "m"},
	})
	// Replies that hold ids, ports and epochs: compare their shape.
	for _, sub := range []string{"SLOTS", "SHARDS"} {
		nv, rv := p.Node.Do("CLUSTER", sub), p.Redis.Do("CLUSTER", sub)
		if shape(nv) != shape(rv) {
			t.Errorf("CLUSTER %s shape:\n  slotcache: %s\n  redis:     %s", sub, shape(nv), shape(rv))
		}
	}
	info := func(c *nodetest.Conn) string {
		var keys []string
		for _, l := range strings.Split(string(c.Do("CLUSTER", "INFO").Str), "\r\n") {
			k, v, _ := strings.Cut(l, ":")
			if strings.HasPrefix(k, "cluster_stats_") || strings.HasSuffix(k, "_epoch") {
				v = "n"
			}
			keys = append(keys, k+":"+v)
		}
		return strings.Join(keys, "\n")
	}
	if n, r := info(p.Node), info(p.Redis); n != r {
		t.Errorf("CLUSTER INFO:\n--- slotcache\n%s\n--- redis\n%s", n, r)
	}
	nodesLine := regexp.MustCompile(`^[0-9a-f]{40} (127\.0\.0\.1)?:\d+@\d+ myself,master - 0 0 \d+ connected 0-16383\n$`)
	for _, c := range []*nodetest.Conn{p.Node, p.Redis} {
		if v := c.Do("CLUSTER", "NODES"); !nodesLine.MatchString(string(v.Str)) {
			t.Errorf("%s CLUSTER NODES: %q", c.Addr, v.Str)
		}
		if v := c.Do("CLUSTER", "MYID"); len(v.Str) != 40 {
			t.Errorf("%s CLUSTER MYID: %q", c.Addr, v.Str)
		}
	}
	for _, c := range []*nodetest.Conn{p.Node, p.Redis} {
		id := string(c.Do("CLUSTER", "MYID").Str)
		if v := c.Do("CLUSTER", "REPLICAS", id); v.Type != '*' || len(v.Elems) != 0 {
			t.Errorf("%s CLUSTER REPLICAS of a master without replicas: %v", c.Addr, v)
		}
		if v := c.Do("CLUSTER", "COUNT-FAILURE-REPORTS", id); v.Type != ':' || v.Int != 0 {
			t.Errorf("%s CLUSTER COUNT-FAILURE-REPORTS: %v", c.Addr, v)
		}
	}
	if v := p.Node.Do("INFO"); !strings.Contains(string(v.Str), "redis_mode:cluster\r\n") || !strings.Contains(string(v.Str), "cluster_enabled:1\r\n") {
		t.Errorf("INFO does not report cluster mode")
	}
}

// shape renders a reply with integers and strings elided, keeping types,
// lengths and map keys (bulk strings that are field names).
func shape(v resp.Value) string {
	var b strings.Builder
	var walk func(v resp.Value)
	walk = func(v resp.Value) {
		b.WriteByte(v.Type)
		switch v.Type {
		case '*', '%', '~':
			fmt.Fprintf(&b, "%d[", len(v.Elems))
			for _, e := range v.Elems {
				walk(e)
			}
			b.WriteByte(']')
		case '$', '+':
			s := string(v.Str)
			if !regexp.MustCompile(`^[a-z-]+$`).MatchString(s) {
				s = "_"
			}
			b.WriteString(s + " ")
		}
	}
	walk(v)
	return b.String()
}

// TestClusterRedirects runs two groups (one with a replica) in process and
// checks MOVED, READONLY, CLUSTERDOWN and the topology replies.
func TestClusterRedirects(t *testing.T) {
	a1, s1 := startClusterNode(t, "", node.ClusterConfig{Group: 1})
	seed := s1.ClusterMember().Addr()
	a2, _ := startClusterNode(t, "", node.ClusterConfig{Group: 2, Join: []string{seed}})
	r1, rs := startClusterNode(t, "", node.ClusterConfig{Group: 1, Role: slots.RoleReplica, Join: []string{seed}})
	all := []string{a1, a2, r1}
	fooSlot := slots.KeySlot([]byte("foo")) // 12182
	// Slots 0-9999 only: the cluster is down, unassigned slots are not served.
	assign(t, s1, []slots.Range{{Start: 0, End: 9999, Group: 1}}, all, "fail")
	c1 := nodetest.Dial(t, a1)
	expectErr(t, c1, "CLUSTERDOWN Hash slot not served", "GET", "foo")
	expectErr(t, c1, "CLUSTERDOWN The cluster is down", "GET", "b")
	assign(t, s1, []slots.Range{{Start: 10000, End: 16383, Group: 2}}, all, "ok")
	expectErr(t, c1, fmt.Sprintf("MOVED %d %s", fooSlot, a2), "GET", "foo")
	expectErr(t, c1, fmt.Sprintf("MOVED %d %s", fooSlot, a2), "SET", "foo", "1")
	expectErr(t, c1, msgCrossSlot, "MGET", "b", "foo")
	if v := c1.Do("SET", "b", "1"); string(v.Str) != "OK" {
		t.Fatalf("SET b on its master: %v", v)
	}
	c1.Do("MULTI")
	c1.Do("SET", "b", "2")
	expectErr(t, c1, fmt.Sprintf("MOVED %d %s", fooSlot, a2), "SET", "foo", "1")
	expectErr(t, c1, "EXECABORT Transaction discarded because of previous errors.", "EXEC")

	// The replica sends its master's clients back unless READONLY.
	bSlot := slots.KeySlot([]byte("b"))
	cr := nodetest.Dial(t, r1)
	expectErr(t, cr, fmt.Sprintf("MOVED %d %s", bSlot, a1), "GET", "b")
	if v := cr.Do("READONLY"); string(v.Str) != "OK" {
		t.Fatal(v)
	}
	if v := cr.Do("GET", "b"); !v.Null {
		t.Errorf("READONLY GET on the (unreplicated) replica: %v", v)
	}
	expectErr(t, cr, fmt.Sprintf("MOVED %d %s", bSlot, a1), "SET", "b", "1")
	expectErr(t, cr, fmt.Sprintf("MOVED %d %s", fooSlot, a2), "GET", "foo")
	cr.Do("READWRITE")
	expectErr(t, cr, fmt.Sprintf("MOVED %d %s", bSlot, a1), "GET", "b")
	cr.Do("READONLY")
	cr.Do("RESET")
	expectErr(t, cr, fmt.Sprintf("MOVED %d %s", bSlot, a1), "GET", "b")

	// Topology replies, from the replica.
	ids := map[string]string{}
	for _, a := range all {
		ids[a] = string(nodetest.Dial(t, a).Do("CLUSTER", "MYID").Str)
	}
	if rs.ClusterID() != slots.NodeID(ids[r1]) {
		t.Errorf("ClusterID %s, MYID %s", rs.ClusterID(), ids[r1])
	}
	sl := cr.Do("CLUSTER", "SLOTS")
	if len(sl.Elems) != 2 || sl.Elems[0].Elems[0].Int != 0 || sl.Elems[0].Elems[1].Int != 9999 ||
		len(sl.Elems[0].Elems) != 4 || string(sl.Elems[0].Elems[3].Elems[2].Str) != ids[r1] ||
		sl.Elems[1].Elems[0].Int != 10000 || len(sl.Elems[1].Elems) != 3 {
		t.Errorf("CLUSTER SLOTS = %v", sl)
	}
	nodes := string(cr.Do("CLUSTER", "NODES").Str)
	for _, want := range []string{
		ids[r1] + " " + r1 + "@", " myself,slave " + ids[a1] + " ",
		ids[a1] + " " + a1 + "@", " master - 0 ", " connected 0-9999\n", " connected 10000-16383\n",
	} {
		if !strings.Contains(nodes, want) {
			t.Errorf("CLUSTER NODES lacks %q:\n%s", want, nodes)
		}
	}
	if v := cr.Do("CLUSTER", "REPLICAS", ids[a1]); len(v.Elems) != 1 || !strings.HasPrefix(string(v.Elems[0].Str), ids[r1]+" "+r1+"@") ||
		!strings.Contains(string(v.Elems[0].Str), " myself,slave "+ids[a1]+" ") || strings.HasSuffix(string(v.Elems[0].Str), "\n") {
		t.Errorf("CLUSTER REPLICAS of the master: %v", v)
	}
	expectErr(t, cr, "ERR The specified node is not a master", "CLUSTER", "REPLICAS", ids[r1])
	sh := cr.Do("CLUSTER", "SHARDS")
	if len(sh.Elems) != 2 || len(sh.Elems[0].Elems[3].Elems) != 2 {
		t.Errorf("CLUSTER SHARDS = %v", sh)
	}
	info := string(cr.Do("CLUSTER", "INFO").Str)
	for _, want := range []string{"cluster_state:ok", "cluster_slots_assigned:16384", "cluster_known_nodes:3", "cluster_size:2"} {
		if !strings.Contains(info, want+"\r\n") {
			t.Errorf("CLUSTER INFO lacks %s:\n%s", want, info)
		}
	}
}

const msgCrossSlot = "CROSSSLOT Keys in request don't hash to the same slot"

func expectErr(t *testing.T, c *nodetest.Conn, want string, args ...string) {
	t.Helper()
	if v := c.Do(args...); v.Type != '-' || string(v.Str) != want {
		t.Errorf("%v: got %c %q, want -%s", args, v.Type, v.Str, want)
	}
}

func TestClusterNodeIDPersists(t *testing.T) {
	dir := t.TempDir()
	_, s1 := startClusterNode(t, dir, node.ClusterConfig{})
	id := s1.ClusterID()
	if len(id) != 40 {
		t.Fatalf("node id %q", id)
	}
	// A second node on the same directory is refused.
	cfg := node.DefaultConfig()
	cfg.Dir, cfg.ClusterEnabled, cfg.Port = dir, true, nodetest.FreePort(t)
	s2, err := node.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = s2.StartCluster(node.ClusterConfig{GossipBind: "127.0.0.1", GossipPort: nodetest.FreePort(t), KeyIndexes: router.KeyIndexes})
	if err == nil || !strings.Contains(err.Error(), "already used") {
		t.Fatalf("second node on one cluster-config-file: %v", err)
	}
	if err := s1.LeaveCluster(time.Second); err != nil {
		t.Fatal(err)
	}
	_, s3 := startClusterNode(t, dir, node.ClusterConfig{})
	if s3.ClusterID() != id {
		t.Errorf("restarted node id %s, was %s", s3.ClusterID(), id)
	}
	// CLUSTER commands on a node with cluster-enabled but no StartCluster
	// stay standalone.
	if s2.ClusterID() != "" {
		t.Error("ClusterID on a node that did not start cluster mode")
	}
}

func TestClusterConfigValidate(t *testing.T) {
	kf := router.KeyIndexes
	bad := []node.ClusterConfig{
		{GossipPort: 70000, KeyIndexes: kf},
		{Role: slots.RoleProxy, Group: 1, KeyIndexes: kf},
		{Role: slots.RoleMaster, KeyIndexes: kf},
		{GossipKey: []byte("short"), KeyIndexes: kf},
		{GossipAdvertise: "nohostport", KeyIndexes: kf},
		{},
	}
	for i, cc := range bad {
		if err := cc.Validate(); err == nil {
			t.Errorf("case %d: %+v accepted", i, cc)
		}
	}
	srv, _ := node.New(node.DefaultConfig(), nil)
	if err := srv.StartCluster(node.ClusterConfig{KeyIndexes: router.KeyIndexes}); err == nil {
		t.Error("StartCluster without cluster-enabled")
	}
}

// twoGroups starts a two-master Redis Cluster (r1 slots 0-9999, r2 the
// rest) and a two-group slotcache cluster (n1, n2) with the same split.
func twoGroups(t *testing.T) (r1, r2 string, c1, c2 *nodetest.Conn, n1, n2 string, s1 *node.Server) {
	r1, r2 = nodetest.StartRedis(t, "--cluster-enabled", "yes"), nodetest.StartRedis(t, "--cluster-enabled", "yes")
	c1, c2 = nodetest.Dial(t, r1), nodetest.Dial(t, r2)
	c1.Do("CLUSTER", "ADDSLOTSRANGE", "0", "9999")
	c2.Do("CLUSTER", "ADDSLOTSRANGE", "10000", "16383")
	host, port, _ := strings.Cut(r2, ":")
	if v := c1.Do("CLUSTER", "MEET", host, port); string(v.Str) != "OK" {
		t.Fatalf("CLUSTER MEET: %v", v)
	}
	n1, s1 = startClusterNode(t, "", node.ClusterConfig{Group: 1})
	n2, _ = startClusterNode(t, "", node.ClusterConfig{Group: 2, Join: []string{s1.ClusterMember().Addr()}})
	assign(t, s1, []slots.Range{{Start: 0, End: 9999, Group: 1}, {Start: 10000, End: 16383, Group: 2}}, []string{n1, n2}, "ok")
	waitClusterState(t, r1, "ok", 0)
	waitClusterState(t, r2, "ok", 0)
	return
}

// TestDiffClusterRedirects sends the same commands to a two-group slotcache
// cluster and a two-master Redis Cluster with the same slot split, and
// compares the replies with the owner's address replaced by a name.
func TestDiffClusterRedirects(t *testing.T) {
	_, r2, c1, _, n1, n2, _ := twoGroups(t)
	p := &clusterPairT{t: t, Node: nodetest.Dial(t, n1), Redis: c1}
	p.norm = func(args []string, v resp.Value) resp.Value {
		if v.Type == '-' {
			s := strings.NewReplacer(n2, "<owner>", r2, "<owner>").Replace(string(v.Str))
			v.Str = []byte(s)
		}
		return v
	}
	p.CheckAll([][]string{
		{"GET", "foo"}, {"SET", "foo", "1"}, {"GET", "b"}, {"SET", "b", "1"}, {"MGET", "b", "foo"},
		{"MGET", "foo", "b"}, {"DEL", "{foo}a", "{foo}b"}, {"EXISTS", "b", "{b}c"},
		{"MULTI"}, {"SET", "b", "2"}, {"SET", "foo", "1"}, {"GET", "b"}, {"EXEC"},
		{"MULTI"}, {"GET", "foo"}, {"EXEC"},
		{"MULTI"}, {"SET", "b", "3"}, {"SET", "{b}x", "4"}, {"EXEC"},
		{"MULTI"}, {"SET", "b", "5"}, {"SET", "c", "6"}, {"EXEC"},
		{"WATCH", "foo"}, {"WATCH", "b"}, {"MULTI"}, {"SET", "b", "7"}, {"EXEC"},
		{"SSUBSCRIBE", "foo"}, {"SPUBLISH", "foo", "m"}, {"PUBLISH", "foo", "m"},
		{"READONLY"}, {"GET", "foo"}, {"READWRITE"},
		{"GETDEL", "foo"}, {"LPUSH", "foo", "x"}, {"RENAME", "b", "foo"}, {"ZUNIONSTORE", "foo", "1", "b"},
		{"OBJECT", "ENCODING", "foo"}, {"TYPE", "foo"}, {"TYPE", "b"},
	})
}

// TestDiffClusterReplica compares a replica's answers (with and without
// READONLY) with a Redis Cluster replica of the same master.
func TestDiffClusterReplica(t *testing.T) {
	r1, r2, r3 := nodetest.StartRedis(t, "--cluster-enabled", "yes"), nodetest.StartRedis(t, "--cluster-enabled", "yes"), nodetest.StartRedis(t, "--cluster-enabled", "yes")
	c1, c3 := nodetest.Dial(t, r1), nodetest.Dial(t, r3)
	c1.Do("CLUSTER", "ADDSLOTSRANGE", "0", "9999")
	nodetest.Dial(t, r2).Do("CLUSTER", "ADDSLOTSRANGE", "10000", "16383")
	for _, a := range []string{r2, r3} {
		host, port, _ := strings.Cut(a, ":")
		c1.Do("CLUSTER", "MEET", host, port)
	}
	id1 := string(c1.Do("CLUSTER", "MYID").Str)
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		if v := c3.Do("CLUSTER", "REPLICATE", id1); string(v.Str) == "OK" {
			break
		} else if time.Since(start) > 10*time.Second {
			t.Fatalf("CLUSTER REPLICATE: %v", v)
		}
	}
	for _, a := range []string{r1, r2, r3} {
		waitClusterState(t, a, "ok", 0)
	}
	for start := time.Now(); !strings.Contains(string(c3.Do("INFO", "replication").Str), "master_link_status:up"); time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatal("Redis replica never synchronised")
		}
	}

	n1, s1 := startClusterNode(t, "", node.ClusterConfig{Group: 1})
	join := []string{s1.ClusterMember().Addr()}
	n2, _ := startClusterNode(t, "", node.ClusterConfig{Group: 2, Join: join})
	n3, _ := startClusterNode(t, "", node.ClusterConfig{Group: 1, Role: slots.RoleReplica, Join: join})
	assign(t, s1, []slots.Range{{Start: 0, End: 9999, Group: 1}, {Start: 10000, End: 16383, Group: 2}}, []string{n1, n2, n3}, "ok")

	p := &clusterPairT{t: t, Node: nodetest.Dial(t, n3), Redis: c3}
	names := strings.NewReplacer(n1, "<master>", r1, "<master>", n2, "<other>", r2, "<other>")
	p.norm = func(args []string, v resp.Value) resp.Value {
		if v.Type == '-' {
			v.Str = []byte(names.Replace(string(v.Str)))
		}
		return v
	}
	p.CheckAll([][]string{
		{"GET", "b"}, {"SET", "b", "1"}, {"GET", "foo"},
		{"READONLY"}, {"GET", "b"}, {"EXISTS", "b", "{b}x"}, {"TYPE", "b"}, {"SET", "b", "1"}, {"DEL", "b"},
		{"GET", "foo"}, {"MGET", "b", "foo"},
		{"MULTI"}, {"GET", "b"}, {"EXEC"},
		{"MULTI"}, {"GET", "b"}, {"SET", "b", "1"}, {"EXEC"},
		{"READWRITE"}, {"GET", "b"},
		{"READONLY"}, {"RESET"}, {"GET", "b"},
	})
}

// TestDiffClusterMigration moves slot 3300 ("b") from the first group to
// the second in both clusters (CLUSTER SETSLOT MIGRATING/IMPORTING in
// Redis, the map's migration mark in slotcache) and compares ASK, TRYAGAIN
// and ASKING on the source and the target.
func TestDiffClusterMigration(t *testing.T) {
	r1, r2, c1, c2, n1, n2, s1 := twoGroups(t)
	const slot = "3300"
	c1.Do("SET", "{b}1", "v")
	nodetest.Dial(t, n1).Do("SET", "{b}1", "v")
	id1, id2 := string(c1.Do("CLUSTER", "MYID").Str), string(c2.Do("CLUSTER", "MYID").Str)
	if v := c2.Do("CLUSTER", "SETSLOT", slot, "IMPORTING", id1); string(v.Str) != "OK" {
		t.Fatal(v)
	}
	if v := c1.Do("CLUSTER", "SETSLOT", slot, "MIGRATING", id2); string(v.Str) != "OK" {
		t.Fatal(v)
	}
	m := s1.ClusterMember()
	next, err := slots.NewBuilder(m.Map()).Migrate(3300, 3300, 2).Build()
	if err != nil {
		t.Fatal(err)
	}
	m.Update(next)
	waitClusterState(t, n1, "ok", next.CurrentEpoch())
	waitClusterState(t, n2, "ok", next.CurrentEpoch())

	names := strings.NewReplacer(n1, "<source>", r1, "<source>", n2, "<target>", r2, "<target>")
	norm := func(args []string, v resp.Value) resp.Value {
		if v.Type == '-' {
			v.Str = []byte(names.Replace(string(v.Str)))
		}
		return v
	}
	src := &clusterPairT{t: t, Node: nodetest.Dial(t, n1), Redis: c1, norm: norm}
	src.CheckAll([][]string{
		{"GET", "{b}1"}, {"GET", "{b}2"}, {"MGET", "{b}1", "{b}2"}, {"SET", "{b}2", "x"}, {"EXISTS", "{b}1"},
		{"MULTI"}, {"GET", "{b}1"}, {"EXEC"},
		{"MULTI"}, {"GET", "{b}1"}, {"GET", "{b}2"}, {"EXEC"},
		{"MULTI"}, {"GET", "{b}1"}, {"SET", "{b}3", "y"}, {"EXEC"},
		{"GET", "foo"}, {"GET", "a"},
	})
	dst := &clusterPairT{t: t, Node: nodetest.Dial(t, n2), Redis: c2, norm: norm}
	dst.CheckAll([][]string{
		{"GET", "{b}1"}, {"ASKING"}, {"GET", "{b}1"}, {"GET", "{b}1"},
		{"ASKING"}, {"MGET", "{b}1", "{b}2"}, {"ASKING"}, {"SET", "{b}5", "z"}, {"GET", "{b}5"},
		{"ASKING"}, {"GET", "{b}5"}, {"ASKING"}, {"MGET", "{b}5", "{b}6"},
		{"ASKING"}, {"MULTI"}, {"SET", "{b}6", "w"}, {"GET", "{b}6"}, {"EXEC"}, {"GET", "{b}6"},
		{"ASKING"}, {"PING"}, {"GET", "{b}5"},
		{"ASKING"}, {"NOSUCHCOMMAND"}, {"GET", "{b}5"},
	})
	for _, c := range []*nodetest.Conn{src.Node, dst.Node} {
		nodes := string(c.Do("CLUSTER", "NODES").Str)
		if !strings.Contains(nodes, "[3300->-") && !strings.Contains(nodes, "[3300-<-") {
			t.Errorf("CLUSTER NODES lacks the migration mark:\n%s", nodes)
		}
	}
}
