package proxy

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/slots"
)

// replicaMap builds a one-group map: master at addrs[0], replicas at the
// other addresses.
func replicaMap(t *testing.T, addrs []string) *slots.Map { return replicaMapTB(t, addrs) }

func replicaMapTB(t testing.TB, addrs []string) *slots.Map {
	t.Helper()
	b := slots.NewBuilder(nil)
	var reps []slots.NodeID
	for i, a := range addrs {
		role := slots.RoleReplica
		if i == 0 {
			role = slots.RoleMaster
		} else {
			reps = append(reps, nodeID(i))
		}
		b.SetNode(slots.Node{ID: nodeID(i), Addr: a, Group: 1, Role: role})
	}
	b.SetGroup(1, nodeID(0), reps...)
	b.Assign(0, slots.NumSlots-1, 1)
	m, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// seedNodes writes k = "node<i>" straight to each node, so that a read
// through the proxy tells which node answered it.
func seedNodes(t *testing.T, addrs []string) {
	t.Helper()
	for i, a := range addrs {
		if v := nodetest.Dial(t, a).Do("SET", "k", "node"+strconv.Itoa(i)); v.String() != "OK" {
			t.Fatalf("SET on %s: %s", a, v)
		}
	}
}

func TestReadPolicyRouting(t *testing.T) {
	nodes := startNodes(t, 3) // master, two replicas
	seedNodes(t, nodes)
	m := replicaMap(t, nodes)
	for _, tc := range []struct {
		policy ReadPolicy
		want   map[string]bool // which nodes' values GET may see
	}{
		{ReadMaster, map[string]bool{`"node0"`: true}},
		{ReadPreferReplica, map[string]bool{`"node1"`: true, `"node2"`: true}},
		{ReadReplicaOnly, map[string]bool{`"node1"`: true, `"node2"`: true}},
	} {
		t.Run(tc.policy.String(), func(t *testing.T) {
			addr, _ := startProxy(t, StaticMap{m}, func(c *Config) { c.ReadPolicy = tc.policy })
			c := nodetest.Dial(t, addr)
			seen := map[string]int{}
			for range 10 {
				v := c.Do("GET", "k")
				if !tc.want[v.String()] {
					t.Fatalf("GET k: %s, want one of %v", v, tc.want)
				}
				seen[v.String()]++
			}
			if len(seen) != len(tc.want) {
				t.Fatalf("GETs answered by %v, want round robin over %v", seen, tc.want)
			}
			// one-slot reads of several keys too; writes go to the master
			want := strings.Split(c.Do("MGET", "k", "{k}x").String(), "\n")[0]
			if !tc.want[strings.TrimPrefix(want, "1) ")] {
				t.Fatalf("MGET k {k}x: %s, want one of %v", want, tc.want)
			}
			if v := c.Do("SET", "w", tc.policy.String()); v.String() != "OK" {
				t.Fatalf("SET: %s", v)
			}
			if v := nodetest.Dial(t, nodes[0]).Do("GET", "w"); v.String() != strconv.Quote(tc.policy.String()) {
				t.Fatalf("GET w on the master: %s", v)
			}
			for _, r := range nodes[1:] {
				if v := nodetest.Dial(t, r).Do("EXISTS", "w"); v.String() != "(integer) 0" {
					t.Fatalf("EXISTS w on replica %s: %s", r, v)
				}
			}
		})
	}
}

// TestReadPolicyReadonlySent checks that replica connections send READONLY
// (needed by cluster-mode replicas) and master connections do not.
func TestReadPolicyReadonlySent(t *testing.T) {
	nodes := startNodes(t, 2)
	m := replicaMap(t, nodes)
	addr, _ := startProxy(t, StaticMap{m}, func(c *Config) { c.ReadPolicy = ReadPreferReplica })
	c := nodetest.Dial(t, addr)
	c.Do("GET", "k")
	c.Do("SET", "k", "v")
	for i, a := range nodes {
		stats := nodetest.Dial(t, a).Do("INFO", "commandstats").String()
		if got := strings.Contains(stats, "cmdstat_readonly:"); got != (i == 1) {
			t.Fatalf("node %d (%s) saw READONLY: %v\n%s", i, a, got, stats)
		}
	}
}

// TestReadPolicyNoReplica: prefer-replica falls back to the master when no
// replica is up, replica-only fails fast with its documented error.
func TestReadPolicyNoReplica(t *testing.T) {
	master := startNodes(t, 1)[0]
	seedNodes(t, []string{master})
	dead := "127.0.0.1:" + strconv.Itoa(nodetest.FreePort(t)) // nothing listens
	m := replicaMap(t, []string{master, dead})
	for _, tc := range []struct {
		policy ReadPolicy
		want   string
	}{
		{ReadPreferReplica, `"node0"`},
		{ReadReplicaOnly, "(error) " + msgNoReplica},
	} {
		t.Run(tc.policy.String(), func(t *testing.T) {
			addr, _ := startProxy(t, StaticMap{m}, func(c *Config) {
				c.ReadPolicy = tc.policy
				c.Backend.MinBackoff = time.Second // keep the replica down between attempts
			})
			c := nodetest.Dial(t, addr)
			// the very first read may wait for the first connection attempt
			// and report it refused; from then on the replica is down
			v := c.Do("GET", "k")
			if v.String() != tc.want && !strings.Contains(v.String(), "backend unavailable: "+dead) {
				t.Fatalf("first GET: %s", v)
			}
			deadline := time.Now().Add(10 * time.Second)
			for v.String() != tc.want && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
				v = c.Do("GET", "k")
			}
			for i := range 5 {
				if i > 0 {
					v = c.Do("GET", "k")
				}
				if v.String() != tc.want {
					t.Fatalf("GET %d: %s, want %s", i, v, tc.want)
				}
			}
			// writes are not concerned
			if v := c.Do("SET", "k2", "v"); v.String() != "OK" {
				t.Fatalf("SET: %s", v)
			}
		})
	}
}

func TestParseReadPolicy(t *testing.T) {
	for _, p := range []ReadPolicy{ReadMaster, ReadPreferReplica, ReadReplicaOnly} {
		got, err := ParseReadPolicy(p.String())
		if err != nil || got != p {
			t.Fatalf("ParseReadPolicy(%q) = %v, %v", p.String(), got, err)
		}
	}
	if _, err := ParseReadPolicy("slave"); err == nil {
		t.Fatal("ParseReadPolicy(slave): no error")
	}
}

// TestReadPolicyResp3: a RESP3 client's reads go to the replicas too, over
// replica connections that said HELLO 3 as well as READONLY, so their
// replies come back in RESP3.
func TestReadPolicyResp3(t *testing.T) {
	nodes := startNodes(t, 2) // master, replica
	for i, a := range nodes {
		if v := nodetest.Dial(t, a).Do("HSET", "h", "node", strconv.Itoa(i)); v.IsError() {
			t.Fatal(v)
		}
	}
	addr, _ := startProxy(t, StaticMap{replicaMap(t, nodes)}, func(c *Config) { c.ReadPolicy = ReadReplicaOnly })
	c := nodetest.Dial(t, addr)
	if v := c.Do("HELLO", "3"); v.Type != '%' {
		t.Fatalf("HELLO 3: %s", v)
	}
	v := c.Do("HGETALL", "h")
	if v.Type != '%' || len(v.Elems) != 2 || string(v.Elems[1].Str) != "1" {
		t.Fatalf("HGETALL h in RESP3: %c %s, want the replica's map", v.Type, v)
	}
	stats := nodetest.Dial(t, nodes[1]).Do("INFO", "commandstats").String()
	if !strings.Contains(stats, "cmdstat_hello:") || !strings.Contains(stats, "cmdstat_readonly:") {
		t.Fatalf("the replica saw no HELLO or no READONLY:\n%s", stats)
	}
}
