package proxy

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/slots"
)

// TestScriptsGoRedis runs go-redis scripts (EVALSHA, then EVAL on
// NOSCRIPT) through the proxy on keys of every group, and checks that
// SCRIPT LOAD, EXISTS and FLUSH act on every group.
func TestScriptsGoRedis(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) { scriptsGoRedis(t, proto) })
	}
}

func scriptsGoRedis(t *testing.T, proto int) {
	paddr, nodes := startCluster(t, 3)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: paddr, Protocol: proto})
	defer rdb.Close()

	// one key per group, found by slot
	m := staticMap(t, nodes)
	keys := map[slots.GroupID]string{}
	for i := 0; len(keys) < len(nodes); i++ {
		k := fmt.Sprintf("key:%d", i)
		if g := m.Lookup(slots.KeySlot([]byte(k))); keys[g] == "" {
			keys[g] = k
		}
	}
	incr := redis.NewScript("return redis.call('incrby', KEYS[1], ARGV[1])")
	for round := 1; round <= 2; round++ {
		for g, k := range keys {
			n, err := incr.Run(ctx, rdb, []string{k}, 5).Int64()
			if err != nil || n != int64(5*round) {
				t.Fatalf("group %d, key %s, round %d: %d, %v", g, k, round, n, err)
			}
		}
	}

	body := "return {KEYS[1], ARGV[1]}"
	sum := sha1.Sum([]byte(body))
	sha := hex.EncodeToString(sum[:])
	if got, err := rdb.ScriptLoad(ctx, body).Result(); err != nil || got != sha {
		t.Fatalf("SCRIPT LOAD: %q, %v; want %s", got, err, sha)
	}
	for _, addr := range nodes {
		if v := nodetest.Dial(t, addr).Do("SCRIPT", "EXISTS", sha); len(v.Elems) != 1 || v.Elems[0].Int != 1 {
			t.Fatalf("node %s after SCRIPT LOAD through the proxy: %s", addr, v)
		}
	}
	for _, k := range keys {
		v, err := rdb.EvalSha(ctx, sha, []string{k}, "a").StringSlice()
		if err != nil || len(v) != 2 || v[0] != k || v[1] != "a" {
			t.Fatalf("EVALSHA on %s: %v, %v", k, v, err)
		}
	}
	// a script known to one group only does not exist for the proxy
	only := "return 'one group'"
	nodetest.Dial(t, nodes[0]).Do("SCRIPT", "LOAD", only)
	onlySum := sha1.Sum([]byte(only))
	ex, err := rdb.ScriptExists(ctx, sha, hex.EncodeToString(onlySum[:]), strings.Repeat("0", 40)).Result()
	if err != nil || len(ex) != 3 || !ex[0] || ex[1] || ex[2] {
		t.Fatalf("SCRIPT EXISTS: %v, %v; want [true false false]", ex, err)
	}

	if _, err := rdb.Eval(ctx, "return 1", []string{keys[1], keys[2]}).Result(); err == nil || err.Error() != "CROSSSLOT Keys in request don't hash to the same slot" {
		t.Fatalf("EVAL over two groups: %v", err)
	}
	if v, err := rdb.Eval(ctx, "return 'no keys'", nil).Result(); err != nil || v != "no keys" {
		t.Fatalf("keyless EVAL: %v, %v", v, err)
	}
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	for _, addr := range nodes {
		if v := nodetest.Dial(t, addr).Do("SCRIPT", "EXISTS", sha); len(v.Elems) != 1 || v.Elems[0].Int != 0 {
			t.Fatalf("node %s after SCRIPT FLUSH through the proxy: %s", addr, v)
		}
	}
	if err := rdb.EvalSha(ctx, sha, []string{keys[1]}).Err(); err == nil || !strings.HasPrefix(err.Error(), "NOSCRIPT ") {
		t.Fatalf("EVALSHA after SCRIPT FLUSH: %v", err)
	}
	// NOSCRIPT again, then EVAL: go-redis's fallback
	if n, err := incr.Run(ctx, rdb, []string{keys[3]}, 1).Int64(); err != nil || n != 11 {
		t.Fatalf("script after SCRIPT FLUSH: %d, %v", n, err)
	}
	if err := rdb.ScriptKill(ctx).Err(); err == nil || !strings.HasPrefix(err.Error(), "NOTBUSY ") {
		t.Fatalf("SCRIPT KILL with no script: %v", err)
	}
}

// TestDiffScriptCommands compares SCRIPT and EVAL replies through the
// proxy with a single redis-server's.
func TestDiffScriptCommands(t *testing.T) {
	paddr, _ := startCluster(t, 3)
	p := nodetest.Dial(t, paddr)
	r := nodetest.Dial(t, nodetest.StartRedis(t))
	for _, args := range [][]string{
		{"SCRIPT", "LOAD", "return 1"},
		{"SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "ffffffffffffffffffffffffffffffffffffffff"},
		{"SCRIPT", "EXISTS"},
		{"SCRIPT"},
		{"SCRIPT", "LOAD", "return ("},
		{"SCRIPT", "NOSUCH"},
		{"SCRIPT", "HELP"},
		{"SCRIPT", "FLUSH", "BAD"},
		{"SCRIPT", "FLUSH", "ASYNC"},
		{"SCRIPT", "KILL"},
		{"EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"},
		{"EVAL", "return redis.call('set', KEYS[1], ARGV[1])", "1", "k", "v"},
		{"EVAL", "return redis.call('get', KEYS[1])", "1", "k"},
		{"EVAL", "return 1", "-1"},
		{"EVAL", "return 1", "5", "a"},
		{"EVAL", "return {1, 'a', false}", "0"},
		{"EVAL_RO", "return redis.call('get', KEYS[1])", "1", "k"},
		{"EVAL"},
		{"MULTI"},
		{"EVAL", "return redis.call('incr', KEYS[1])", "1", "{t}n"},
		{"SET", "{t}m", "1"},
		{"EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"},
		{"EXEC"},
		{"MULTI"},
		{"EVAL", "return {KEYS[1], KEYS[2]}", "2", "{t}a", "{t}b"},
		{"EXEC"},
	} {
		pv, rv := p.Do(args...), r.Do(args...)
		if len(args) == 3 && args[2] == "return (" {
			// gopher-lua's compile messages are not Lua's: the prefix is
			if !strings.HasPrefix(string(pv.Str), "ERR Error compiling script (new function): user_script:1: ") {
				t.Errorf("%q: %s", args, pv)
			}
			continue
		}
		if !nodetest.Equal(pv, rv) {
			t.Errorf("%s:\n  proxy: %s\n  redis: %s", nodetest.Quote(args), pv, rv)
		}
	}
}

// TestScriptKillThroughProxy: a client of the proxy stuck in a looping
// script is freed by SCRIPT KILL sent by another client of the proxy, and
// other clients meanwhile get the node's -BUSY.
func TestScriptKillThroughProxy(t *testing.T) {
	paddr, nodes := startCluster(t, 2)
	for _, n := range nodes {
		nodetest.Dial(t, n).Do("CONFIG", "SET", "busy-reply-threshold", "50")
	}
	a, b := nodetest.Dial(t, paddr), nodetest.Dial(t, paddr)
	a.Send("EVAL", "while true do end", "0")
	deadline := time.Now().Add(10 * time.Second)
	for {
		v := b.Do("EVAL", "return 1", "0") // keyless: the first group, as the loop
		if strings.HasPrefix(string(v.Str), "BUSY ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no -BUSY within 10 s: last reply %s", v)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if v := b.Do("SCRIPT", "KILL"); string(v.Str) != "OK" {
		t.Fatalf("SCRIPT KILL through the proxy: %s", v)
	}
	if v, err := a.Read(); err != nil || !strings.HasPrefix(string(v.Str), "ERR Script killed by user with SCRIPT KILL...") {
		t.Fatalf("the killed script's reply: %s, %v", v, err)
	}
	if v := b.Do("EVAL", "return 1", "0"); v.Int != 1 {
		t.Fatalf("EVAL after the kill: %s", v)
	}
}

// TestScriptInsideMulti: SCRIPT, which concerns every group, is refused
// inside MULTI (the transaction runs on one node) and aborts it.
func TestScriptInsideMulti(t *testing.T) {
	paddr, _ := startCluster(t, 2)
	c := nodetest.Dial(t, paddr)
	c.Do("MULTI")
	if v := c.Do("SCRIPT", "LOAD", "return 1"); string(v.Str) != "ERR 'script' is not supported inside MULTI through the slotcache proxy" {
		t.Fatalf("SCRIPT LOAD inside MULTI: %s", v)
	}
	if v := c.Do("EXEC"); !strings.HasPrefix(string(v.Str), "EXECABORT ") {
		t.Fatalf("EXEC after a refused SCRIPT: %s", v)
	}
}
