package node_test

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
)

// infoField returns one field of INFO.
func infoField(t *testing.T, c *nodetest.Conn, section, field string) string {
	t.Helper()
	v := c.Do("INFO", section)
	for _, line := range strings.Split(string(v.Str), "\r\n") {
		if strings.HasPrefix(line, field+":") {
			return strings.TrimPrefix(line, field+":")
		}
	}
	t.Fatalf("INFO %s has no %s", section, field)
	return ""
}

// fillUntil writes 1 KB values in batches, giving the node's memory
// sampling time to catch up, until stop says so or batches*100 KB were
// written.
func fillUntil(t *testing.T, c *nodetest.Conn, ttl bool, batches int, stop func(resp.Value) bool) (written int) {
	t.Helper()
	val := strings.Repeat("v", 1024)
	for batch := 0; batch < batches; batch++ {
		for i := 0; i < 100; i++ {
			args := []string{"SET", fmt.Sprintf("k:%d", written+i), val}
			if ttl {
				args = append(args, "EX", strconv.Itoa(1000+written+i))
			}
			c.Send(args...)
		}
		for i := 0; i < 100; i++ {
			v, err := c.Read()
			if err != nil {
				t.Fatal(err)
			}
			if stop(v) {
				for j := i + 1; j < 100; j++ { // drain the batch
					if _, err := c.Read(); err != nil {
						t.Fatal(err)
					}
				}
				return written + i
			}
		}
		written += 100
		time.Sleep(5 * time.Millisecond)
	}
	return written
}

func TestMaxmemoryNoEviction(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	c := nodetest.Dial(t, addr)
	runtime.GC()
	used, _ := strconv.Atoi(infoField(t, c, "memory", "used_memory"))
	c.Do("CONFIG", "SET", "maxmemory", strconv.Itoa(used+8<<20))
	waitWritable(t, c)
	var oom resp.Value
	fillUntil(t, c, false, 1000, func(v resp.Value) bool {
		if v.IsError() {
			oom = v
			return true
		}
		return false
	})
	if string(oom.Str) != "OOM command not allowed when used memory > 'maxmemory'." {
		t.Fatalf("writes past maxmemory: %s, want the OOM error", oom)
	}
	if v := c.Do("GET", "k:1"); v.IsError() || v.Null {
		t.Fatalf("GET under OOM = %s", v)
	}
	if v := c.Do("DEL", "k:1"); v.Int != 1 {
		t.Fatalf("DEL under OOM = %s", v)
	}
	c.Do("MULTI")
	c.Do("SET", "x", "y")
	if v := c.Do("EXEC"); !strings.HasPrefix(string(v.Str), "EXECABORT") {
		t.Fatalf("EXEC after an OOM-refused SET = %s", v)
	}
}

// waitWritable polls until the node accepts a write: its memory sample may
// still hold the heap of an earlier test's node until the next collection.
func waitWritable(t *testing.T, c *nodetest.Conn) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if v := c.Do("SET", "probe", "x"); !v.IsError() {
			return
		}
	}
	t.Fatal("node refuses writes right after a garbage collection")
}

func TestMaxmemoryEviction(t *testing.T) {
	for _, policy := range []string{"allkeys-lru", "allkeys-random", "volatile-ttl"} {
		t.Run(policy, func(t *testing.T) {
			addr, _ := nodetest.StartNode(t, nil)
			c := nodetest.Dial(t, addr)
			runtime.GC() // the heap is shared with earlier subtests' nodes
			used, _ := strconv.Atoi(infoField(t, c, "memory", "used_memory"))
			c.Do("CONFIG", "SET", "maxmemory", strconv.Itoa(used+32<<20), "maxmemory-policy", policy)
			waitWritable(t, c)
			c2 := nodetest.Dial(t, addr)
			written := fillUntil(t, c, strings.HasPrefix(policy, "volatile"), 500, func(v resp.Value) bool {
				if v.IsError() {
					t.Fatalf("write refused under %s: %s (dbsize %d, evicted %s, used %s)", policy, v, c2.Do("DBSIZE").Int, infoField(t, c2, "stats", "evicted_keys"), infoField(t, c2, "memory", "used_memory"))
				}
				return false
			})
			keys := c.Do("DBSIZE").Int
			evicted, _ := strconv.Atoi(infoField(t, c, "stats", "evicted_keys"))
			if evicted == 0 || keys >= int64(written) {
				t.Fatalf("%s: wrote %d keys, %d remain, %d evicted", policy, written, keys, evicted)
			}
		})
	}
}
