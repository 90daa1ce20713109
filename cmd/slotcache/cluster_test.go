package main

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/slots"
)

// clusterProc is one `slotcache node` process in cluster mode.
type clusterProc struct {
	cmd    *exec.Cmd
	args   []string
	addr   string // RESP
	gossip string
	id     string
}

// nodeTimeout is the --cluster-node-timeout of the test clusters (ms):
// members are declared dead about two seconds after they stop answering.
const nodeTimeout = "2000"

// startClusterProc starts a node process with cluster flags and returns
// once it answers PING.
func startClusterProc(t *testing.T, extra ...string) *clusterProc {
	t.Helper()
	port, gport := nodetest.FreePort(t), nodetest.FreePort(t)
	p := &clusterProc{addr: "127.0.0.1:" + strconv.Itoa(port), gossip: "127.0.0.1:" + strconv.Itoa(gport)}
	p.args = append([]string{"node", "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--dir", t.TempDir(),
		"--cluster-enabled", "--gossip-port", strconv.Itoa(gport), "--cluster-name", t.Name(),
		"--cluster-node-timeout", nodeTimeout, "--loglevel", "warn"}, extra...)
	p.run(t)
	return p
}

// startMasters starts masters of groups 1..n, each with extra flags, all
// joining the first, and returns them once they agree on the map.
func startMasters(t *testing.T, n int, extra ...string) []*clusterProc {
	t.Helper()
	seed := startClusterProc(t, append([]string{"--group", "1", "--role", "master"}, extra...)...)
	procs := []*clusterProc{seed}
	for g := 2; g <= n; g++ {
		procs = append(procs, startClusterProc(t, append([]string{"--join", seed.gossip, "--group", strconv.Itoa(g), "--role", "master"}, extra...)...))
	}
	waitAgree(t, procs, n, nil)
	return procs
}

// ctlCreate runs `ctl create` through seed for a cluster of nodes members
// with replicas replicas per master.
func ctlCreate(t *testing.T, seed *clusterProc, nodes, replicas int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out strings.Builder
	opts := createOptions{ctlOptions: ctlOptions{Join: []string{seed.gossip}, ClusterName: t.Name(), Timeout: 15 * time.Second}, Nodes: nodes, Replicas: replicas}
	if err := createCluster(ctx, opts, &out); err != nil {
		t.Fatalf("ctl create: %v\n%s", err, out.String())
	}
}

// run starts (or restarts) the process with its arguments.
func (p *clusterProc) run(t *testing.T) {
	t.Helper()
	cmd := exec.Command(binPath, p.args...)
	stderr := &strings.Builder{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.cmd = cmd
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGCONT)
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("node %s stderr:\n%s", p.addr, stderr.String())
		}
	})
	nodetest.WaitReady(t, p.addr)
	v, err := respDo(p.addr, "CLUSTER", "MYID")
	if err != nil {
		t.Fatal(err)
	}
	p.id = string(v.Str)
}

// nodesDigest is CLUSTER NODES at addr without the fields that differ
// between observers (myself flag, pong time): equal digests mean equal maps
// and equal views of liveness.
func nodesDigest(addr string) (string, error) {
	v, err := respDo(addr, "CLUSTER", "NODES")
	if err != nil {
		return "", err
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(v.Str)), "\n") {
		f := strings.Fields(l)
		if len(f) < 8 {
			return "", fmt.Errorf("short CLUSTER NODES line %q", l)
		}
		f[2] = strings.TrimPrefix(f[2], "myself,")
		f[5] = "-"
		lines = append(lines, strings.Join(f, " "))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n"), nil
}

// waitAgree polls until every process reports the same digest containing
// want lines (node count), and returns the time it took.
func waitAgree(t *testing.T, procs []*clusterProc, want int, cond func(digest string) bool) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		var first string
		agree := true
		for i, p := range procs {
			d, err := nodesDigest(p.addr)
			if err != nil || strings.Count(d, "\n")+1 != want || (cond != nil && !cond(d)) {
				agree = false
				break
			}
			if i == 0 {
				first = d
			} else if d != first {
				agree = false
				break
			}
		}
		if agree {
			return time.Since(start)
		}
		if time.Since(start) > 15*time.Second {
			for _, p := range procs {
				d, err := nodesDigest(p.addr)
				t.Logf("%s: %v\n%s", p.addr, err, d)
			}
			t.Fatalf("%d nodes do not agree after %v", len(procs), time.Since(start))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func flagsOf(digest, id string) string {
	for _, l := range strings.Split(digest, "\n") {
		if f := strings.Fields(l); f[0] == id {
			return f[2]
		}
	}
	return ""
}

// TestClusterEndToEnd starts 3 groups (master + replica) and 2 bare nodes
// from one seed, creates the cluster with ctl, measures gossip convergence,
// drives it with go-redis and redis-cli, and checks failure detection and
// rejoin after SIGSTOP/SIGCONT.
func TestClusterEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 8 node processes")
	}
	seed := startClusterProc(t, "--group", "1", "--role", "master")
	join := []string{"--join", seed.gossip}
	specs := [][]string{
		{"--group", "2", "--role", "master"}, {"--group", "3", "--role", "master"},
		{"--group", "1", "--role", "replica"}, {"--group", "2", "--role", "replica"}, {"--group", "3", "--role", "replica"},
		{}, {},
	}
	start := time.Now()
	procs := make([]*clusterProc, len(specs))
	var wg sync.WaitGroup
	for i, s := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			procs[i] = startClusterProc(t, append(slices.Clone(join), s...)...)
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	all := append([]*clusterProc{seed}, procs...)
	started := time.Since(start)
	d := waitAgree(t, all, 8, nil)
	t.Logf("8 nodes started in %v from one seed; all agree on the map %v later (%v in all)", started, d, started+d)

	// ctl create places the two bare nodes and assigns the slots.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out strings.Builder
	opts := createOptions{ctlOptions: ctlOptions{Join: []string{seed.gossip}, ClusterName: t.Name(), Timeout: 15 * time.Second}, Replicas: 1, Nodes: 8}
	t0 := time.Now()
	if err := createCluster(ctx, opts, &out); err != nil {
		t.Fatalf("ctl create: %v\n%s", err, out.String())
	}
	t.Logf("ctl create took %v:\n%s", time.Since(t0), out.String())
	for _, want := range []string{"Master[0] -> Slots 0 - 5460", "Master[1] -> Slots 5461 - 10922", "Master[2] -> Slots 10923 - 16383", "[OK] All 16384 slots covered."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("ctl create output lacks %q", want)
		}
	}
	waitAgree(t, all, 8, nil)

	// A map change at one member reaches every node.
	measureChange(t, seed.gossip, all)

	checkClients(t, all)

	// SIGSTOP: the others declare the node dead; after SIGCONT it is back
	// without an operator.
	paused := procs[3] // group 1's replica
	if err := paused.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t0 = time.Now()
	others := slices.DeleteFunc(slices.Clone(all), func(p *clusterProc) bool { return p == paused })
	d = waitAgree(t, others, 8, func(dg string) bool { return strings.Contains(flagsOf(dg, paused.id), "fail") })
	t.Logf("SIGSTOPped node seen dead by all 7 others in %v (node timeout %s ms)", d, nodeTimeout)
	time.Sleep(time.Second) // stay away a while after being declared dead
	if err := paused.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	d = waitAgree(t, all, 8, func(dg string) bool { return !strings.Contains(dg, "fail") })
	t.Logf("SIGCONTed node rejoined: all 8 see each other alive %v after SIGCONT (paused %v)", d, time.Since(t0)-d)

	// SIGKILL: seen dead by everyone within the configured timeouts.
	killed := procs[6]
	if err := killed.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	others = slices.DeleteFunc(slices.Clone(all), func(p *clusterProc) bool { return p == killed })
	d = waitAgree(t, others, 8, func(dg string) bool { return strings.Contains(flagsOf(dg, killed.id), "fail") })
	t.Logf("killed node seen dead by all 7 others in %v", d)

	// Restarted on its directory, it comes back with its id and place.
	id := killed.id
	killed.cmd.Wait()
	t0 = time.Now()
	killed.run(t)
	started = time.Since(t0)
	if killed.id != id {
		t.Errorf("restarted node id %s, was %s", killed.id, id)
	}
	d = waitAgree(t, all, 8, func(dg string) bool { return !strings.Contains(dg, "fail") })
	t.Logf("restarted node answered after %v; all 8 see it alive %v later", started, d)

	// Without a live master for its slots the cluster is down.
	master := procs[0] // group 2's master
	master.cmd.Process.Kill()
	live := slices.DeleteFunc(slices.Clone(others), func(p *clusterProc) bool { return p == master })
	for _, p := range live {
		for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
			if info, err := clusterInfo(p.addr); err == nil && info["cluster_state"] == "fail" {
				break
			}
			if time.Since(start) > 10*time.Second {
				t.Fatalf("%s: cluster state not fail after its master died", p.addr)
			}
		}
	}
	if _, err := respDo(seed.addr, "GET", "foo"); err == nil || err.Error() != "CLUSTERDOWN The cluster is down" {
		t.Errorf("GET on a failed cluster: %v", err)
	}
}

// measureChange joins as a member, changes the map and times its arrival
// at every node (CLUSTER INFO current epoch), three times.
func measureChange(t *testing.T, seed string, procs []*clusterProc) {
	t.Helper()
	m, err := joinAsCtl(ctlOptions{Join: []string{seed}, ClusterName: t.Name()})
	if err != nil {
		t.Fatal(err)
	}
	defer leave(m)
	var times []time.Duration
	for round := 0; round < 3; round++ {
		cur := m.Map()
		s := 100 * round
		next, err := slots.NewBuilder(cur).Assign(s, s, cur.Lookup(s)).Build()
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		m.Update(next)
		for _, p := range procs {
			for {
				info, err := clusterInfo(p.addr)
				e, _ := strconv.ParseUint(info["cluster_current_epoch"], 10, 64)
				if err == nil && e >= next.CurrentEpoch() {
					break
				}
				if time.Since(start) > 10*time.Second {
					t.Fatalf("%s: epoch %d, want %d", p.addr, e, next.CurrentEpoch())
				}
				time.Sleep(2 * time.Millisecond)
			}
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	t.Logf("map change reached all %d nodes in %v (median of 3: %v)", len(procs), times, times[1])
}

// checkClients drives the cluster with go-redis's ClusterClient and
// redis-cli -c.
func checkClients(t *testing.T, procs []*clusterProc) {
	t.Helper()
	ctx := context.Background()
	var addrs []string
	for _, p := range procs {
		addrs = append(addrs, p.addr)
	}
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs[:1]})
	defer rdb.Close()
	// One key per slot.
	keys := make([]string, slots.NumSlots)
	for i, found := 0, 0; found < slots.NumSlots; i++ {
		k := "k" + strconv.Itoa(i)
		if s := slots.KeySlot([]byte(k)); keys[s] == "" {
			keys[s] = k
			found++
		}
	}
	pipe := rdb.Pipeline()
	for s, k := range keys {
		pipe.Set(ctx, k, s, 0)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatalf("ClusterClient SET of one key per slot: %v", err)
	}
	pipe = rdb.Pipeline()
	gets := make([]*redis.StringCmd, len(keys))
	for s, k := range keys {
		gets[s] = pipe.Get(ctx, k)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	for s, g := range gets {
		if g.Val() != strconv.Itoa(s) {
			t.Fatalf("slot %d: GET %s = %q", s, keys[s], g.Val())
		}
	}
	// Each master holds exactly the keys of its slots.
	total := int64(0)
	for _, p := range procs {
		v, _ := respDo(p.addr, "DBSIZE")
		total += v.Int
		if v, _ := respDo(p.addr, "CLUSTER", "COUNTKEYSINSLOT", "0"); v.Int != 0 && v.Int != 1 {
			t.Errorf("%s COUNTKEYSINSLOT 0 = %d", p.addr, v.Int)
		}
	}
	if total != slots.NumSlots {
		t.Errorf("DBSIZE over all nodes = %d, want %d (replicas hold nothing)", total, slots.NumSlots)
	}
	sl, err := rdb.ClusterSlots(ctx).Result() //lint:ignore SA1019 CLUSTER SLOTS is what most clients still read
	if err != nil || len(sl) != 3 || sl[0].Start != 0 || sl[2].End != 16383 {
		t.Errorf("go-redis CLUSTER SLOTS: %v, %v", sl, err)
	}
	for _, r := range sl {
		if len(r.Nodes) < 2 {
			t.Errorf("slots %d-%d: %d nodes, want master and replicas", r.Start, r.End, len(r.Nodes))
		}
	}
	sh, err := rdb.ClusterShards(ctx).Result()
	if err != nil || len(sh) != 3 {
		t.Errorf("go-redis CLUSTER SHARDS: %v, %v", sh, err)
	}
	nodes, err := rdb.ClusterNodes(ctx).Result()
	if err != nil || strings.Count(nodes, "\n") != len(procs) {
		t.Errorf("go-redis CLUSTER NODES: %q, %v", nodes, err)
	}
	// go-redis sends SUBSCRIBE and PUBLISH to the channel's slot master
	// (PUBLISH is not forwarded between nodes).
	sub := rdb.Subscribe(ctx, "news")
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := rdb.Publish(ctx, "news", "hello").Result(); err != nil || n != 1 {
		t.Errorf("PUBLISH through ClusterClient = %d, %v", n, err)
	} else if msg, err := sub.ReceiveMessage(ctx); err != nil || msg.Payload != "hello" {
		t.Errorf("message %v, %v", msg, err)
	}
	// A read-only ClusterClient reads from replicas.
	ro := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs[:1], ReadOnly: true, RouteRandomly: true})
	defer ro.Close()
	for _, k := range keys[:50] {
		if err := ro.Get(ctx, k).Err(); err != nil && err != redis.Nil {
			t.Fatalf("read-only ClusterClient GET %s: %v", k, err)
		}
	}

	// redis-cli -c follows MOVED from a node that does not own the key.
	cli := nodetest.RequirePeer(t, "redis-cli")
	fooSlot := slots.KeySlot([]byte("foo"))
	var wrong string
	for _, p := range procs {
		v, _ := respDo(p.addr, "GET", "foo")
		if strings.HasPrefix(string(v.Str), "MOVED "+strconv.Itoa(fooSlot)+" ") {
			wrong = p.addr
			break
		}
	}
	if wrong == "" {
		t.Fatal("no node answers MOVED for foo")
	}
	port := strings.TrimPrefix(wrong, "127.0.0.1:")
	cmd := exec.Command(cli, "-c", "-p", port)
	cmd.Stdin = strings.NewReader("set foo bar\nget foo\n")
	out, err := cmd.CombinedOutput()
	want := fmt.Sprintf("-> Redirected to slot [%d] located at ", fooSlot)
	if err != nil || !strings.HasPrefix(string(out), want) || !strings.HasSuffix(string(out), "\nOK\nbar\n") {
		t.Errorf("redis-cli -c: %q, %v", out, err)
	}
	if out, err := exec.Command(cli, "-p", port, "get", "foo").CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "MOVED ") {
		t.Errorf("redis-cli without -c: %q, %v", out, err)
	}
}
