package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/slotcache/slotcache/node/nodetest"
)

// portsFree reports whether every port can be listened on (TCP and UDP) on
// loopback right now.
func portsFree(ports ...int) bool {
	for _, p := range ports {
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			return false
		}
		ln.Close()
		pc, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			return false
		}
		pc.Close()
	}
	return true
}

// upPorts picks a proxy port and a first node port for n nodes, below the
// kernel's ephemeral range (so no outgoing connection holds a gossip port),
// with the gossip ports (+10000) free as well.
func upPorts(t *testing.T, n int) (proxy, first int) {
	t.Helper()
	for range 200 {
		first = 12000 + rand.Intn(8000)
		proxy = first + n
		var ports []int
		for p := first; p <= proxy; p++ {
			ports = append(ports, p, p+10000)
		}
		if portsFree(ports...) {
			return proxy, first
		}
	}
	t.Fatal("no free port range")
	return 0, 0
}

// TestUp starts a whole local cluster with `slotcache up`, uses it through
// the proxy with go-redis and redis-cli, and stops it with SIGINT: every
// process must be gone afterwards.
func TestUp(t *testing.T) {
	cli := nodetest.RequirePeer(t, "redis-cli")
	const groups, replicas = 3, 1
	proxyPort, first := upPorts(t, groups*(1+replicas))
	cmd := exec.Command(binPath, "up", "--dir", t.TempDir(), "--port", strconv.Itoa(proxyPort),
		"--node-port", strconv.Itoa(first), "--memcache-port", "0",
		"--groups", strconv.Itoa(groups), "--replicas", strconv.Itoa(replicas))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	var log strings.Builder
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "Ctrl-C stops the cluster") {
				close(ready)
			}
		}
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		if t.Failed() {
			t.Logf("up stderr:\n%s", stderr.String())
		}
	})
	select {
	case <-ready:
	case err := <-exited:
		t.Fatalf("up exited early (%v):\n%s\n%s", err, log.String(), stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("up not ready after 60 s:\n%s", log.String())
	}
	if !strings.Contains(log.String(), "Master[2] -> Slots 10923 - 16383") {
		t.Errorf("create summary missing:\n%s", log.String())
	}

	proxy := "127.0.0.1:" + strconv.Itoa(proxyPort)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: proxy})
	defer rdb.Close()
	const keys = 300
	for i := range keys {
		if err := rdb.Set(ctx, fmt.Sprintf("key:%d", i), i, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := rdb.DBSize(ctx).Result(); err != nil || n != keys {
		t.Fatalf("DBSIZE = %d, %v; want %d", n, err, keys)
	}
	vals, err := rdb.MGet(ctx, "key:1", "key:2", "key:299", "nosuch").Result()
	if err != nil || vals[0] != "1" || vals[1] != "2" || vals[2] != "299" || vals[3] != nil {
		t.Fatalf("MGET = %v, %v", vals, err)
	}
	// every group holds some of the keys
	for g := range groups {
		c := nodetest.Dial(t, "127.0.0.1:"+strconv.Itoa(first+g))
		if n := c.Do("DBSIZE").Int; n == 0 || n == keys {
			t.Errorf("node %d holds %d of %d keys", first+g, n, keys)
		}
	}
	if got, err := exec.Command(cli, "-p", strconv.Itoa(proxyPort), "get", "key:7").CombinedOutput(); err != nil || string(got) != "7\n" {
		t.Errorf("redis-cli get: %q, %v", got, err)
	}
	if got, err := exec.Command(cli, "-c", "-p", strconv.Itoa(first), "get", "key:8").CombinedOutput(); err != nil || string(got) != "8\n" {
		t.Errorf("redis-cli -c get on a node: %q, %v", got, err)
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("up exit: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("up did not stop within 30 s of SIGINT")
	}
	for p := first; p <= proxyPort; p++ {
		if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(p), time.Second); err == nil {
			c.Close()
			t.Errorf("port %d still served after up stopped", p)
		}
	}
}
