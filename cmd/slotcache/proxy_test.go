package main

import (
	"context"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/slots"
)

// startProxyProcess runs `slotcache proxy` with args on a free port and
// returns its address once it answers PING.
func startProxyProcess(t *testing.T, args ...string) string {
	t.Helper()
	port := nodetest.FreePort(t)
	return startBinProcess(t, port, append([]string{"proxy", "--port", strconv.Itoa(port), "--memcache-port", "0", "--loglevel", "warn"}, args...)...)
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
	procs := startMasters(t, 3)
	seed := procs[0]
	ctlCreate(t, seed, 3, 0)
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

// TestProxyClusterNodeKilled: a proxy joined to three cluster-mode masters
// (cluster-require-full-coverage no) while one master is killed with
// SIGKILL: its slots fail at once with the documented backend error, the
// other groups go on serving, also after the cluster has declared the node
// dead, and its slots are served again when it is restarted on its
// directory.
func TestProxyClusterNodeKilled(t *testing.T) {
	procs := startMasters(t, 3, "--cluster-require-full-coverage", "no")
	seed := procs[0]
	ctlCreate(t, seed, 3, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addr := startProxyProcess(t, "--join", seed.gossip, "--cluster-name", t.Name(),
		"--gossip-port", strconv.Itoa(nodetest.FreePort(t)))
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	// one key per group, chosen by slot: group i serves the i-th third
	keyOf := map[int]string{}
	for i := 0; len(keyOf) < 3; i++ {
		k := "k" + strconv.Itoa(i)
		g := slots.KeySlot([]byte(k)) * 3 / slots.NumSlots
		if _, ok := keyOf[g]; !ok {
			keyOf[g] = k
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for g := range 3 {
		for rdb.Set(ctx, keyOf[g], "v", 0).Err() != nil {
			if time.Now().After(deadline) {
				t.Fatalf("proxy never served group %d", g)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	victim := procs[1] // group 2: the middle third of the slots
	if err := victim.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	victim.cmd.Wait()
	check := func(when string) {
		t.Helper()
		t0 := time.Now()
		err := rdb.Get(ctx, keyOf[1]).Err()
		if err == nil || !strings.Contains(err.Error(), "backend unavailable") || time.Since(t0) > 2*time.Second {
			t.Errorf("%s: GET on the dead group: %v after %v", when, err, time.Since(t0))
		}
		for _, g := range []int{0, 2} {
			if v, err := rdb.Get(ctx, keyOf[g]).Result(); err != nil || v != "v" {
				t.Errorf("%s: GET on live group %d: %q %v", when, g+1, v, err)
			}
		}
	}
	check("right after the kill")
	// past the node timeout the others flag it failed; they still serve
	others := []*clusterProc{procs[0], procs[2]}
	waitAgree(t, others, 3, func(dg string) bool { return strings.Contains(flagsOf(dg, victim.id), "fail") })
	if info, err := clusterInfo(procs[0].addr); err != nil || info["cluster_state"] != "ok" {
		t.Errorf("cluster_state with a master down and full coverage not required: %v %v", info["cluster_state"], err)
	}
	check("after the node is declared dead")
	victim.run(t) // same arguments, same directory: same id, same slots
	deadline = time.Now().Add(15 * time.Second)
	for rdb.Set(ctx, keyOf[1], "back", 0).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatal("the restarted node's group is not served again")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if v, err := rdb.Get(ctx, keyOf[1]).Result(); err != nil || v != "back" {
		t.Fatalf("after restart: %q %v", v, err)
	}
}

// TestProxyBadGossipAdvertise: a --gossip-advertise whose port is not a
// port is refused with an error naming the flag, before joining.
func TestProxyBadGossipAdvertise(t *testing.T) {
	for _, adv := range []string{"10.0.0.1:x", "10.0.0.1:70000", "10.0.0.1:-1", "nohostport"} {
		t.Run(adv, func(t *testing.T) {
			err := runProxy(t.Context(), []string{"--port", "0", "--memcache-port", "0", "--loglevel", "error",
				"--join", "127.0.0.1:1", "--gossip-advertise", adv}, io.Discard)
			if !errors.Is(err, slots.ErrMemberAddr) || !strings.Contains(err.Error(), "--gossip-advertise") {
				t.Fatalf("runProxy --gossip-advertise %s: %v, want %v naming the flag", adv, err, slots.ErrMemberAddr)
			}
		})
	}
}
