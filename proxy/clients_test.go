package proxy

import (
	"context"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/slotcache/slotcache/node/nodetest"
)

// TestGoRedis drives the proxy with go-redis in RESP3 (its default, HELLO 3)
// and in RESP2.
func TestGoRedis(t *testing.T) {
	for _, proto := range []int{3, 2} {
		t.Run("resp"+strconv.Itoa(proto), func(t *testing.T) { goRedis(t, proto) })
	}
}

func goRedis(t *testing.T, proto int) {
	paddr, _ := startCluster(t, 3)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: paddr, Protocol: proto})
	defer rdb.Close()
	if err := rdb.HSet(ctx, "h", "f", "v").Err(); err != nil {
		t.Fatal(err)
	}
	if m, err := rdb.HGetAll(ctx, "h").Result(); err != nil || m["f"] != "v" || len(m) != 1 {
		t.Fatalf("HGETALL: %v %v", m, err)
	}
	if err := rdb.Del(ctx, "h").Err(); err != nil {
		t.Fatal(err)
	}
	if list, err := rdb.ClientList(ctx).Result(); err != nil || !strings.Contains(list, "resp="+strconv.Itoa(proto)) {
		t.Fatalf("CLIENT LIST: %q %v", list, err)
	}
	if err := rdb.Set(ctx, "user:1", "ann", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := rdb.Get(ctx, "user:1").Result(); err != nil || v != "ann" {
		t.Fatalf("GET: %q %v", v, err)
	}
	if _, err := rdb.Get(ctx, "missing").Result(); err != redis.Nil {
		t.Fatalf("GET missing: %v, want redis.Nil", err)
	}
	if err := rdb.MSet(ctx, "a", 1, "b", 2, "c", 3, "d", 4).Err(); err != nil {
		t.Fatal(err)
	}
	vs, err := rdb.MGet(ctx, "d", "c", "x", "b", "a").Result()
	if err != nil || !slices.Equal(vs, []any{"4", "3", nil, "2", "1"}) {
		t.Fatalf("MGET: %v %v", vs, err)
	}
	// a pipeline spread over every group keeps its order
	pipe := rdb.Pipeline()
	var cmds []*redis.IntCmd
	for i := range 100 {
		cmds = append(cmds, pipe.Incr(ctx, "n"+strconv.Itoa(i%7)))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	for i, c := range cmds {
		if want := int64(i/7 + 1); c.Val() != want {
			t.Fatalf("pipelined INCR %d: %d, want %d", i, c.Val(), want)
		}
	}
	if n, err := rdb.Del(ctx, "a", "b", "c", "d", "nope").Result(); err != nil || n != 4 {
		t.Fatalf("DEL: %d %v", n, err)
	}
	if err := rdb.Rename(ctx, "a", "b").Err(); err == nil || !strings.HasPrefix(err.Error(), "CROSSSLOT") {
		t.Fatalf("RENAME across slots: %v", err)
	}
	var all []string
	iter := rdb.Scan(ctx, 0, "n*", 3).Iterator()
	for iter.Next(ctx) {
		all = append(all, iter.Val())
	}
	slices.Sort(all)
	if iter.Err() != nil || !slices.Equal(all, []string{"n0", "n1", "n2", "n3", "n4", "n5", "n6"}) {
		t.Fatalf("SCAN n*: %v %v", all, iter.Err())
	}
	if n, err := rdb.DBSize(ctx).Result(); err != nil || n != 8 {
		t.Fatalf("DBSIZE: %d %v", n, err)
	}
	if err := rdb.Do(ctx, "MONITOR").Err(); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Fatalf("MONITOR: %v", err)
	}
}

func TestRedisCli(t *testing.T) {
	cli := nodetest.RequirePeer(t, "redis-cli")
	paddr, _ := startCluster(t, 3)
	host, port, _ := strings.Cut(paddr, ":")
	run := func(args ...string) string {
		out, err := exec.Command(cli, append([]string{"-h", host, "-p", port}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %v: %v: %s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if out := run("MSET", "k1", "a", "k2", "b", "k3", "c"); out != "OK" {
		t.Fatalf("MSET: %q", out)
	}
	if out := run("MGET", "k3", "k1", "nope", "k2"); out != "c\na\n\nb" {
		t.Fatalf("MGET: %q", out)
	}
	scan := strings.Fields(run("--scan", "--pattern", "k*"))
	slices.Sort(scan)
	if !slices.Equal(scan, []string{"k1", "k2", "k3"}) {
		t.Fatalf("--scan: %q", scan)
	}
	if out := run("DBSIZE"); out != "3" {
		t.Fatalf("DBSIZE: %q", out)
	}
	if out := run("INFO", "keyspace"); !strings.Contains(out, "db0:keys=3,") {
		t.Fatalf("INFO keyspace: %q", out)
	}
	// interactive mode reads commands from stdin
	cmd := exec.Command(cli, "-h", host, "-p", port)
	cmd.Stdin = strings.NewReader("SET x 1\nINCR x\nGET x\n")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Fields(string(out))[2] != "2" {
		t.Fatalf("redis-cli stdin: %q %v", out, err)
	}
}

// TestLocalCommands compares the commands the proxy answers itself with
// redis-server's replies.
func TestLocalCommands(t *testing.T) {
	raddr := nodetest.StartRedis(t)
	paddr, _ := startCluster(t, 3)
	px, rd := nodetest.Dial(t, paddr), nodetest.Dial(t, raddr)
	for _, c := range [][]string{
		{"PING"}, {"PING", "hi"}, {"PING", "a", "b"}, {"ECHO", "x"}, {"ECHO"},
		{"SELECT", "0"}, {"SELECT", "abc"}, {"SELECT"},
		{"CLIENT", "GETNAME"}, {"CLIENT", "SETNAME", "bob"}, {"CLIENT", "GETNAME"},
		{"CLIENT", "SETNAME", "a b"}, {"CLIENT", "SETNAME", ""}, {"CLIENT", "GETNAME"},
		{"CLIENT", "NOPE"}, {"CLIENT"},
		{"AUTH", "pw"}, {"AUTH"}, {"HELLO", "4"}, {"HELLO", "x"},
		{"TIME", "x"}, {"NOSUCH", "a", "b"}, {"GET"}, {"SLOWLOG", "NOPE"}, {"SLOWLOG", "LEN", "x"}, {"KEYS"}, {"DBSIZE", "x"},
		{"SCAN", "abc"}, {"FLUSHALL"}, {"DBSIZE"}, {"RANDOMKEY"}, {"SET", "a", "1"}, {"RANDOMKEY"},
		{"EXISTS", "a", "a", "b"}, {"CONFIG", "GET", "maxmemory-policy"},
	} {
		pv, rv := px.Do(c...), rd.Do(c...)
		if !nodetest.Equal(pv, rv) {
			t.Errorf("%s:\n  proxy: %s\n  redis: %s", nodetest.Quote(c), pv, rv)
		}
	}
	// the same in RESP3, where nulls, maps and verbatim strings differ
	for _, c := range []*nodetest.Conn{px, rd} {
		if v := c.Do("HELLO", "3"); v.Type != '%' {
			t.Fatalf("HELLO 3: %s", v)
		}
	}
	for _, c := range [][]string{
		{"PING"}, {"CLIENT", "GETNAME"}, {"FLUSHALL"}, {"RANDOMKEY"}, {"MGET", "a", "b", "c"},
		{"SET", "a", "1"}, {"HSET", "h", "f", "v"}, {"HGETALL", "h"}, {"RANDOMKEY"}, {"GET", "nope"},
		{"HELLO", "2", "SETNAME", "a b"}, {"RESET"}, {"GET", "nope"},
	} {
		pv, rv := px.Do(c...), rd.Do(c...)
		if c[0] == "RANDOMKEY" && pv.Type == '$' { // which key varies; its type must not
			pv.Str, rv.Str = nil, nil
		}
		if !nodetest.Equal(pv, rv) {
			t.Errorf("RESP3 %s:\n  proxy: %s\n  redis: %s", nodetest.Quote(c), pv, rv)
		}
	}
	px.Do("HELLO", "3")
	if v := px.Do("INFO", "keyspace"); v.Type != '=' || !strings.Contains(string(v.Str), "db0:keys=2,") {
		t.Errorf("INFO in RESP3: %c %s, want a verbatim string", v.Type, v)
	}
}
