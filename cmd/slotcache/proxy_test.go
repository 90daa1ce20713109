package main

import (
	"context"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/slotcache/slotcache/node/nodetest"
)

// startProxyProcess runs `slotcache proxy` with args on a free port and
// returns its address once it answers PING.
func startProxyProcess(t *testing.T, args ...string) string {
	t.Helper()
	port := nodetest.FreePort(t)
	cmd := exec.Command(binPath, append([]string{"proxy", "--port", strconv.Itoa(port), "--memcache-port", "0", "--loglevel", "warn"}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("proxy stderr:\n%s", stderr.String())
		}
	})
	addr := "127.0.0.1:" + strconv.Itoa(port)
	nodetest.WaitReady(t, addr)
	return addr
}

// useProxy drives a proxy with go-redis: keys over every slot range, split
// multi-key commands, whole-cluster commands.
func useProxy(t *testing.T, addr string) {
	t.Helper()
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	var pairs []any
	var keys []string
	for i := range 200 {
		k := "key:" + strconv.Itoa(i)
		keys = append(keys, k)
		pairs = append(pairs, k, i)
	}
	if err := rdb.MSet(ctx, pairs...).Err(); err != nil {
		t.Fatalf("MSET: %v", err)
	}
	vals, err := rdb.MGet(ctx, keys...).Result()
	if err != nil {
		t.Fatalf("MGET: %v", err)
	}
	for i, v := range vals {
		if v != strconv.Itoa(i) {
			t.Fatalf("MGET %s: %v", keys[i], v)
		}
	}
	if n, err := rdb.DBSize(ctx).Result(); err != nil || n != 200 {
		t.Fatalf("DBSIZE: %d %v", n, err)
	}
	got, err := rdb.Keys(ctx, "key:*").Result()
	slices.Sort(got)
	want := slices.Clone(keys)
	slices.Sort(want)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("KEYS: %d keys, %v", len(got), err)
	}
	if n, err := rdb.Del(ctx, keys[:50]...).Result(); err != nil || n != 50 {
		t.Fatalf("DEL: %d %v", n, err)
	}
	if n, err := rdb.Exists(ctx, keys...).Result(); err != nil || n != 150 {
		t.Fatalf("EXISTS: %d %v", n, err)
	}
}

// TestProxyStaticNodes: `slotcache proxy --node ...` over three standalone
// node processes.
func TestProxyStaticNodes(t *testing.T) {
	var nodes []string
	for range 3 {
		nodes = append(nodes, startNodeProcess(t))
	}
	addr := startProxyProcess(t, "--node", strings.Join(nodes, ","))
	useProxy(t, addr)
	// every node got a share of the keys
	for _, n := range nodes {
		if v, err := respDo(n, "DBSIZE"); err != nil || v.Int == 0 {
			t.Fatalf("node %s: DBSIZE %d %v", n, v.Int, err)
		}
	}
}

// TestProxyJoinsCluster: `slotcache proxy --join` over three cluster-mode
// masters created with ctl: the proxy routes by the gossiped map, and each
// key lands on the node that owns its slot (the nodes answer -MOVED
// otherwise).
func TestProxyJoinsCluster(t *testing.T) {
	seed := startClusterProc(t, "--group", "1", "--role", "master")
	procs := []*clusterProc{seed,
		startClusterProc(t, "--join", seed.gossip, "--group", "2", "--role", "master"),
		startClusterProc(t, "--join", seed.gossip, "--group", "3", "--role", "master")}
	waitAgree(t, procs, 3, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out strings.Builder
	opts := createOptions{ctlOptions: ctlOptions{Join: []string{seed.gossip}, ClusterName: t.Name(), Timeout: 15 * time.Second}, Nodes: 3}
	if err := createCluster(ctx, opts, &out); err != nil {
		t.Fatalf("ctl create: %v\n%s", err, out.String())
	}
	waitAgree(t, procs, 3, nil)
	addr := startProxyProcess(t, "--join", seed.gossip, "--cluster-name", t.Name(),
		"--gossip-port", strconv.Itoa(nodetest.FreePort(t)))
	// the proxy learns the map by gossip
	deadline := time.Now().Add(15 * time.Second)
	for {
		v, err := respDo(addr, "SET", "probe", "1")
		if err == nil && string(v.Str) == "OK" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("proxy never served: %v %s", err, v)
		}
		time.Sleep(20 * time.Millisecond)
	}
	respDo(addr, "DEL", "probe")
	useProxy(t, addr)
	total := int64(0)
	for _, p := range procs {
		v, err := respDo(p.addr, "DBSIZE")
		if err != nil || v.Int == 0 {
			t.Fatalf("node %s: DBSIZE %d %v", p.addr, v.Int, err)
		}
		total += v.Int
	}
	if total != 150 {
		t.Fatalf("keys on the nodes: %d, want 150", total)
	}
	info, err := respDo(addr, "INFO", "proxy")
	if err != nil || !strings.Contains(string(info.Str), "groups:3\r\n") || !strings.Contains(string(info.Str), "total_redirects:0\r\n") {
		t.Fatalf("INFO proxy: %v\n%s", err, info.Str)
	}
}
