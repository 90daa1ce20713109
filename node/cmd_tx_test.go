package node_test

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/slotcache/slotcache/node/nodetest"
)

func TestDiffTransactions(t *testing.T) {
	tests := []struct {
		name string
		cmds [][]string
	}{
		{"empty", [][]string{{"MULTI"}, {"EXEC"}}},
		{"queued", [][]string{{"MULTI"}, {"SET", "a", "1"}, {"GET", "a"}, {"PING"}, {"EXEC"}}},
		{"nested", [][]string{{"MULTI"}, {"MULTI"}, {"SET", "a", "2"}, {"EXEC"}, {"GET", "a"}}},
		{"exec without multi", [][]string{{"EXEC"}}},
		{"discard without multi", [][]string{{"DISCARD"}}},
		{"discard", [][]string{{"MULTI"}, {"SET", "a", "3"}, {"DISCARD"}, {"GET", "a"}}},
		{"queue error aborts", [][]string{{"MULTI"}, {"SET", "a", "4"}, {"NOSUCH"}, {"EXEC"}, {"GET", "a"}}},
		{"arity error aborts", [][]string{{"MULTI"}, {"SET", "a"}, {"SET", "a", "5"}, {"EXEC"}, {"GET", "a"}}},
		{"runtime error keeps others", [][]string{{"DEL", "a"}, {"MULTI"}, {"SET", "a", "x"}, {"SELECT", "99"}, {"SET", "b", "y"}, {"EXEC"}, {"GET", "b"}}},
		{"watch inside multi", [][]string{{"MULTI"}, {"WATCH", "a"}, {"EXEC"}}},
		{"watch unchanged", [][]string{{"WATCH", "a"}, {"MULTI"}, {"GET", "a"}, {"EXEC"}}},
		{"watch own write", [][]string{{"WATCH", "a"}, {"SET", "a", "z"}, {"MULTI"}, {"GET", "a"}, {"EXEC"}}},
		{"unwatch", [][]string{{"WATCH", "a"}, {"SET", "a", "z"}, {"UNWATCH"}, {"MULTI"}, {"GET", "a"}, {"EXEC"}}},
		{"flush of missing watched key", [][]string{{"DEL", "nokey"}, {"WATCH", "nokey"}, {"FLUSHDB"}, {"MULTI"}, {"PING"}, {"EXEC"}}},
		{"flush of watched key", [][]string{{"SET", "a", "1"}, {"WATCH", "a"}, {"FLUSHDB"}, {"MULTI"}, {"PING"}, {"EXEC"}}},
		{"multi wrong arity", [][]string{{"MULTI", "x"}}},
		{"exec wrong arity in multi", [][]string{{"MULTI"}, {"EXEC", "x"}, {"EXEC"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := nodetest.NewPair(t)
			p.CheckAll(tc.cmds)
		})
	}
}

// TestWatchInvalidatedByOtherClient runs the optimistic-locking pattern:
// a write by another client between WATCH and EXEC aborts the transaction.
func TestWatchInvalidatedByOtherClient(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	a, b := nodetest.Dial(t, addr), nodetest.Dial(t, addr)
	a.Do("SET", "k", "1")
	a.Do("WATCH", "k")
	b.Do("SET", "k", "2")
	a.Do("MULTI")
	a.Do("SET", "k", "3")
	if v := a.Do("EXEC"); !v.Null {
		t.Fatalf("EXEC after concurrent write = %s, want nil", v)
	}
	if v := a.Do("GET", "k"); string(v.Str) != "2" {
		t.Fatalf("GET k = %s, want 2", v)
	}
}

// TestWatchExpiry: a watched key that expires before EXEC aborts it.
func TestWatchExpiry(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	a := nodetest.Dial(t, addr)
	a.Do("SET", "k", "1")
	if v := a.Do("PEXPIRE", "k", "30"); v.IsError() {
		t.Skip("PEXPIRE not available")
	}
	a.Do("WATCH", "k")
	time.Sleep(60 * time.Millisecond)
	a.Do("MULTI")
	a.Do("PING")
	if v := a.Do("EXEC"); !v.Null {
		t.Fatalf("EXEC after watched key expired = %s, want nil", v)
	}
}

// TestWatchRace: concurrent WATCH/GET/MULTI/SET/EXEC increments never lose
// an update: the final counter equals the number of successful EXECs.
func TestWatchRace(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	nodetest.Dial(t, addr).Do("SET", "counter", "0")
	const workers, perWorker = 8, 50
	var mu sync.Mutex
	committed := 0
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		c := nodetest.Dial(t, addr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for done := 0; done < perWorker; {
				c.Do("WATCH", "counter")
				v := c.Do("GET", "counter")
				n := 0
				for _, ch := range v.Str {
					n = n*10 + int(ch-'0')
				}
				c.Do("MULTI")
				c.Do("SET", "counter", strconv.Itoa(n+1))
				if r := c.Do("EXEC"); !r.Null {
					done++
					mu.Lock()
					committed++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	v := nodetest.Dial(t, addr).Do("GET", "counter")
	if string(v.Str) != strconv.Itoa(committed) || committed != workers*perWorker {
		t.Fatalf("counter = %s, committed = %d, want %d", v, committed, workers*perWorker)
	}
}

// TestWatchSourceOfStoreCommand: a command that writes a destination from
// sources it only reads leaves the sources' WATCHes valid, as in Redis.
func TestWatchSourceOfStoreCommand(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"SADD", "s1", "a"}, {"SADD", "s2", "b"}, {"ZADD", "z1", "1", "a"}, {"SET", "str", "v"},
	})
	for _, store := range [][]string{
		{"SUNIONSTORE", "dst", "s1", "s2"}, {"SINTERSTORE", "dst", "s1", "s2"}, {"SDIFFSTORE", "dst", "s1", "s2"},
		{"ZUNIONSTORE", "zdst", "1", "z1"}, {"ZINTERSTORE", "zdst", "1", "z1"}, {"ZDIFFSTORE", "zdst", "1", "z1"},
		{"ZRANGESTORE", "zdst", "z1", "0", "-1"}, {"COPY", "str", "cp", "REPLACE"},
	} {
		src := store[2]
		if store[0] == "ZUNIONSTORE" || store[0] == "ZINTERSTORE" || store[0] == "ZDIFFSTORE" {
			src = store[3]
		}
		if store[0] == "COPY" {
			src = store[1]
		}
		// the source watched: EXEC runs; the destination watched: EXEC aborts
		for _, watched := range []string{src, store[1]} {
			if store[0] == "COPY" {
				watched = map[string]string{src: src, store[1]: store[2]}[watched]
			}
			p.CheckAll([][]string{{"WATCH", watched}, store, {"MULTI"}, {"PING"}, {"EXEC"}})
		}
	}
}

// TestWatchKeyNotPopped: a pop from the first non-empty of several keys
// touches only the key it popped, as in Redis: a WATCH on another of its
// keys stays valid.
func TestWatchKeyNotPopped(t *testing.T) {
	p := nodetest.NewPair(t)
	for _, pop := range [][]string{
		{"LMPOP", "2", "l1", "l2", "LEFT"},
		{"BLMPOP", "0", "2", "l1", "l2", "RIGHT"},
		{"BLPOP", "l1", "l2", "0"},
		{"BRPOP", "l1", "l2", "0"},
		{"ZMPOP", "2", "z1", "z2", "MIN"},
		{"BZMPOP", "0", "2", "z1", "z2", "MAX"},
		{"BZPOPMIN", "z1", "z2", "0"},
		{"BZPOPMAX", "z1", "z2", "0"},
	} {
		p.CheckAll([][]string{
			{"DEL", "l1", "l2", "z1", "z2"},
			{"RPUSH", "l1", "a", "b"}, {"RPUSH", "l2", "c"}, {"ZADD", "z1", "1", "a", "2", "b"}, {"ZADD", "z2", "1", "c"},
			{"WATCH", "l2", "z2"}, pop, {"MULTI"}, {"PING"}, {"EXEC"},
			{"WATCH", "l1", "z1"}, pop, {"MULTI"}, {"PING"}, {"EXEC"},
		})
	}
}
