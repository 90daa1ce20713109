package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/slotcache/slotcache/node/nodetest"
)

// binPath is the slotcache binary built once for the end-to-end tests.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "slotcache-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "slotcache")
	build := exec.Command("go", "build", "-o", binPath, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building slotcache:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// startNodeProcess runs `slotcache node` on a free port and returns its address.
func startNodeProcess(t *testing.T, extra ...string) string {
	t.Helper()
	port := nodetest.FreePort(t)
	return startBinProcess(t, port, append([]string{"node", "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--dir", t.TempDir()}, extra...)...)
}

// startBinProcess runs the slotcache binary with args, serving RESP on port,
// and returns its address once it answers PING. The process is killed at
// cleanup and its stderr logged if the test failed.
func startBinProcess(t *testing.T, port int, args ...string) string {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("%s stderr:\n%s", args[0], stderr.String())
		}
	})
	addr := "127.0.0.1:" + strconv.Itoa(port)
	nodetest.WaitReady(t, addr)
	return addr
}

func TestGoRedisClient(t *testing.T) {
	addr := startNodeProcess(t)
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto})
			defer rdb.Close()
			if err := rdb.Set(ctx, "key1", "value1", 0).Err(); err != nil {
				t.Fatal(err)
			}
			if v, err := rdb.Get(ctx, "key1").Result(); err != nil || v != "value1" {
				t.Fatalf("GET = %q, %v", v, err)
			}
			if _, err := rdb.Get(ctx, "missing").Result(); err != redis.Nil {
				t.Fatalf("GET missing: err = %v, want redis.Nil", err)
			}
			pipe := rdb.Pipeline()
			for i := 0; i < 100; i++ {
				pipe.Set(ctx, fmt.Sprintf("p%d", i), i, 0)
			}
			get := pipe.Get(ctx, "p42")
			if _, err := pipe.Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if get.Val() != "42" {
				t.Fatalf("pipelined GET = %q", get.Val())
			}
			if n, err := rdb.Del(ctx, "p1", "p2", "nope").Result(); err != nil || n != 2 {
				t.Fatalf("DEL = %d, %v", n, err)
			}
			tx := rdb.TxPipeline()
			tx.Set(ctx, "t", "1", 0)
			tx.Get(ctx, "t")
			if cmds, err := tx.Exec(ctx); err != nil || cmds[1].(*redis.StringCmd).Val() != "1" {
				t.Fatalf("MULTI/EXEC: %v %v", cmds, err)
			}
		})
	}
	t.Run("pubsub", func(t *testing.T) {
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		defer rdb.Close()
		sub := rdb.PSubscribe(ctx, "chann*")
		defer sub.Close()
		if _, err := sub.Receive(ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := rdb.Publish(ctx, "channel1", "hello").Result(); err != nil || n != 1 {
			t.Fatalf("PUBLISH = %d, %v", n, err)
		}
		msg, err := sub.ReceiveMessage(ctx)
		if err != nil || msg.Payload != "hello" || msg.Pattern != "chann*" {
			t.Fatalf("message = %+v, %v", msg, err)
		}
	})
}

func TestRedisCLI(t *testing.T) {
	cli := nodetest.RequirePeer(t, "redis-cli")
	addr := startNodeProcess(t)
	port := strings.TrimPrefix(addr, "127.0.0.1:")
	run := func(args ...string) string {
		out, err := exec.Command(cli, append([]string{"-p", port}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"ping"}, "PONG"},
		{[]string{"set", "key1", "value1"}, "OK"},
		{[]string{"get", "key1"}, "value1"},
		{[]string{"get", "nokey"}, ""},
		{[]string{"nosuch"}, "ERR unknown command 'nosuch', with args beginning with:"},
	} {
		if got := run(tc.args...); got != tc.want {
			t.Errorf("redis-cli %v = %q, want %q", tc.args, got, tc.want)
		}
	}
	// Commands piped on standard input, as scripts do.
	cmd := exec.Command(cli, "-p", port)
	cmd.Stdin = strings.NewReader("set a 1\nget a\nping\n")
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "OK\n1\nPONG\n" {
		t.Fatalf("piped redis-cli = %q, %v", out, err)
	}
}

func TestRedisBenchmarkRuns(t *testing.T) {
	bench := nodetest.RequirePeer(t, "redis-benchmark")
	addr := startNodeProcess(t)
	port := strings.TrimPrefix(addr, "127.0.0.1:")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bench, "-p", port, "-n", "2000", "-c", "10", "-P", "4",
		"-t", "ping,set,get,incr,mset", "--csv").CombinedOutput()
	if err != nil {
		t.Fatalf("redis-benchmark: %v\n%s", err, out)
	}
	text := string(out)
	for _, test := range []string{"PING_INLINE", "SET", "GET", "INCR", "MSET"} {
		if !strings.Contains(text, `"`+test) {
			t.Errorf("redis-benchmark output lacks %s:\n%s", test, text)
		}
	}
	if strings.Contains(strings.ToLower(text), "error") {
		t.Errorf("redis-benchmark reported errors:\n%s", text)
	}
}
