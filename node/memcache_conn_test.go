package node_test

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
	"github.com/slotcache/slotcache/node"
)

// TestMemcacheConcurrentIncr: increments from several clients are atomic.
func TestMemcacheConcurrentIncr(t *testing.T) {
	addr, _, _ := startMCNode(t, nil)
	mc := memcache.New(addr)
	mc.MaxIdleConns = 8
	mc.Timeout = 5 * time.Second
	t.Cleanup(func() { mc.Close() })
	if err := mc.Set(&memcache.Item{Key: "ctr", Value: []byte("0")}); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 200
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if _, err := mc.Increment("ctr", 1); err != nil {
					errs <- err
					return
				}
				k := "k" + strconv.Itoa(i%10)
				if err := mc.Set(&memcache.Item{Key: k, Value: []byte(k)}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	it, err := mc.Get("ctr")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(it.Value)); got != strconv.Itoa(workers*each) {
		t.Fatalf("counter %s, want %d", got, workers*each)
	}
}

// TestMemcacheSlowClient: a client that sends requests and never reads the
// replies does not hold up the others.
func TestMemcacheSlowClient(t *testing.T) {
	addr, _, _ := startMCNode(t, nil)
	fast := dialMC(t, addr)
	if got := fast.do("set big 0 0 500000\r\n" + strings.Repeat("b", 500000) + "\r\n"); got != "STORED\r\n" {
		t.Fatalf("set: %q", got)
	}
	slow := dialMC(t, addr)
	slow.conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
	// About 100 MB of replies that are never read.
	for i := 0; i < 20; i++ {
		if _, err := slow.conn.Write([]byte(strings.Repeat("get big\r\n", 10))); err != nil {
			break
		}
	}
	done := make(chan string, 1)
	go func() { done <- fast.do("get nope\r\nversion\r\n") }()
	select {
	case got := <-done:
		if got != "END\r\nVERSION 1.6.18\r\n" {
			t.Fatalf("other client: %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a client that does not read blocked another client")
	}
}

// TestMemcacheRequirePass: with a password set, memcached requests are
// refused (the protocol has no AUTH command).
func TestMemcacheRequirePass(t *testing.T) {
	addr, _, _ := startMCNode(t, func(c *node.Config) { c.RequirePass = "secret" })
	c := dialMC(t, addr)
	if got := c.do("get a\r\nset a 0 0 1 noreply\r\nx\r\nversion\r\n"); got != "SERVER_ERROR NOAUTH Authentication required.\r\nVERSION 1.6.18\r\n" {
		t.Fatalf("got %q", got)
	}
}
