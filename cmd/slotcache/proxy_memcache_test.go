package main

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/slotcache/slotcache/node/nodetest"
)

// TestProxyMemcacheCluster: memcached clients through `slotcache proxy
// --join --memcache-port` over three cluster-mode masters: items land on
// the node owning their slot (the nodes answer -MOVED otherwise) and a
// GetMulti over every group comes back whole (the nodes refuse keys of two
// slots in one command, so the proxy splits gets per slot).
func TestProxyMemcacheCluster(t *testing.T) {
	procs := startMasters(t, 3)
	seed := procs[0]
	ctlCreate(t, seed, 3, 0)
	waitAgree(t, procs, 3, nil)
	mport := nodetest.FreePort(t)
	startProxyProcess(t, "--join", seed.gossip, "--cluster-name", t.Name(),
		"--gossip-port", strconv.Itoa(nodetest.FreePort(t)), "--memcache-port", strconv.Itoa(mport))
	mc := memcache.New("127.0.0.1:" + strconv.Itoa(mport))
	mc.Timeout = 5 * time.Second
	defer mc.Close()
	// the proxy learns the map by gossip
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := mc.Set(&memcache.Item{Key: "probe", Value: []byte("1")})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("proxy never served memcached: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var keys []string
	for i := range 200 {
		k := fmt.Sprintf("item:%d", i)
		keys = append(keys, k)
		if err := mc.Set(&memcache.Item{Key: k, Value: []byte(strconv.Itoa(i * 3)), Flags: uint32(i)}); err != nil {
			t.Fatalf("set %s: %v", k, err)
		}
	}
	got, err := mc.GetMulti(append(keys, "missing"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(keys) {
		t.Fatalf("GetMulti: %d items, want %d", len(got), len(keys))
	}
	for i, k := range keys {
		if it := got[k]; it == nil || string(it.Value) != strconv.Itoa(i*3) || it.Flags != uint32(i) {
			t.Fatalf("GetMulti %s: %+v", k, it)
		}
	}
	for _, p := range procs {
		v, err := respDo(p.addr, "DBSIZE")
		if err != nil || v.Int == 0 {
			t.Fatalf("node %s: DBSIZE %d %v", p.addr, v.Int, err)
		}
	}
	if err := mc.FlushAll(); err != nil {
		t.Fatal(err)
	}
	if got, err := mc.GetMulti(keys); err != nil || len(got) != 0 {
		t.Fatalf("GetMulti after flush_all: %d items, %v", len(got), err)
	}
}
