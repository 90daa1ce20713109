package main

import (
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/slots"
)

func ctlNode(i int, host string) slots.Node {
	return slots.Node{ID: slots.NodeID(fmt.Sprintf("%040x", i)), Addr: fmt.Sprintf("%s:%d", host, 7000+i)}
}

// placed returns, per group, the master's and replicas' hosts.
func placedHosts(t *testing.T, m *slots.Map) map[slots.GroupID][]string {
	t.Helper()
	out := map[slots.GroupID][]string{}
	for _, g := range m.Groups() {
		gr, _ := m.Group(g)
		for _, id := range append([]slots.NodeID{gr.Master}, gr.Replicas...) {
			n, _ := m.Node(id)
			if n.Group != g {
				t.Errorf("node %s in group %d's record says group %d", id, g, n.Group)
			}
			out[g] = append(out[g], strings.Split(n.Addr, ":")[0])
		}
	}
	return out
}

func TestPlanCreate(t *testing.T) {
	base := func(nodes []slots.Node) *slots.Map {
		b := slots.NewBuilder(nil)
		for _, n := range nodes {
			b.SetNode(n)
		}
		m, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	// createOn plans `ctl create` with one replica per master on m and
	// applies the plan.
	createOn := func(t *testing.T, m *slots.Map, ns []slots.Node) (*plan, *slots.Map) {
		t.Helper()
		p, err := planCreate(m, ns, 1)
		if err != nil {
			t.Fatal(err)
		}
		next, err := p.apply(m)
		if err != nil {
			t.Fatal(err)
		}
		return p, next
	}
	t.Run("six nodes one replica, one host", func(t *testing.T) {
		var ns []slots.Node
		for i := 1; i <= 6; i++ {
			ns = append(ns, ctlNode(i, "127.0.0.1"))
		}
		p, next := createOn(t, base(ns), ns)
		want := []slots.Range{{Start: 0, End: 5460, Group: 1}, {Start: 5461, End: 10922, Group: 2}, {Start: 10923, End: 16383, Group: 3}}
		if fmt.Sprint(next.Ranges()) != fmt.Sprint(want) {
			t.Errorf("ranges %v", next.Ranges())
		}
		for g, hosts := range placedHosts(t, next) {
			if len(hosts) != 2 {
				t.Errorf("group %d has %d members", g, len(hosts))
			}
		}
		if len(p.unplaced) != 0 {
			t.Errorf("unplaced %v", p.unplaced)
		}
	})
	t.Run("replicas on other hosts", func(t *testing.T) {
		var ns []slots.Node
		for i := 1; i <= 6; i++ {
			ns = append(ns, ctlNode(i, fmt.Sprintf("10.0.0.%d", (i-1)/2+1))) // two nodes per host
		}
		_, next := createOn(t, base(ns), ns)
		masters := map[string]bool{}
		for g, hosts := range placedHosts(t, next) {
			if masters[hosts[0]] {
				t.Errorf("two masters on %s", hosts[0])
			}
			masters[hosts[0]] = true
			if hosts[0] == hosts[1] {
				t.Errorf("group %d: replica on its master's host %s", g, hosts[0])
			}
		}
	})
	t.Run("extra nodes become extra replicas", func(t *testing.T) {
		var ns []slots.Node
		for i := 1; i <= 7; i++ {
			ns = append(ns, ctlNode(i, "127.0.0.1"))
		}
		p, next := createOn(t, base(ns), ns)
		if n := len(next.Groups()); n != 3 || len(p.unplaced) != 0 {
			t.Errorf("%d groups, unplaced %v", n, p.unplaced)
		}
	})
	t.Run("groups given at start are kept", func(t *testing.T) {
		b := slots.NewBuilder(nil)
		var ns []slots.Node
		for i := 1; i <= 2; i++ {
			n := ctlNode(i, "127.0.0.1")
			n.Group, n.Role = slots.GroupID(i+4), slots.RoleMaster
			b.SetNode(n).SetGroup(n.Group, n.ID)
			ns = append(ns, n)
		}
		bare := ctlNode(3, "127.0.0.1")
		b.SetNode(bare)
		ns = append(ns, bare)
		m, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		_, next := createOn(t, m, ns)
		if fmt.Sprint(next.Groups()) != "[5 6]" || !next.Covered() || next.Lookup(0) != 5 || next.Lookup(16383) != 6 {
			t.Errorf("groups %v, ranges %v", next.Groups(), next.Ranges())
		}
		if g, _ := next.Group(5); len(g.Replicas) != 1 || g.Replicas[0] != bare.ID {
			t.Errorf("group 5: %+v", g)
		}
	})
	t.Run("refused", func(t *testing.T) {
		ns := []slots.Node{ctlNode(1, "h")}
		if _, err := planCreate(base(ns), ns, 1); err == nil {
			t.Error("one node, one replica: accepted")
		}
		b := slots.NewBuilder(nil)
		n := ctlNode(1, "h")
		n.Group, n.Role = 1, slots.RoleMaster
		m, _ := b.SetNode(n).SetGroup(1, n.ID).Assign(0, 0, 1).Build()
		if _, err := planCreate(m, []slots.Node{n}, 0); err == nil || !strings.Contains(err.Error(), "already assigned") {
			t.Errorf("existing cluster: %v", err)
		}
	})
}

// TestCtlCreateCommand runs `slotcache ctl create` against six bare nodes,
// then `ctl check` and `ctl info`.
func TestCtlCreateCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 6 node processes")
	}
	seed := startClusterProc(t)
	for i := 0; i < 5; i++ {
		startClusterProc(t, "--join", seed.gossip)
	}
	ctl := func(args ...string) (string, error) {
		args = append([]string{"ctl"}, append(args, "--join", seed.gossip, "--cluster-name", t.Name(), "--timeout", "15s")...)
		out, err := exec.Command(binPath, args...).CombinedOutput()
		return string(out), err
	}
	out, err := ctl("create", "--replicas", "1", "--nodes", "6")
	if err != nil {
		t.Fatalf("ctl create: %v\n%s", err, out)
	}
	for _, want := range []string{">>> Performing hash slots allocation on 6 nodes...", "Master[2] -> Slots 10923 - 16383",
		"   slots:[5461-10922] (5462 slots) master", "   1 additional replica(s)", "[OK] All 16384 slots covered."} {
		if !strings.Contains(out, want) {
			t.Errorf("ctl create output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "Adding replica ") != 3 {
		t.Errorf("ctl create placed %d replicas:\n%s", strings.Count(out, "Adding replica "), out)
	}
	if out, err := ctl("check"); err != nil || !strings.Contains(out, "[OK] All nodes agree about slots configuration.") {
		t.Errorf("ctl check: %v\n%s", err, out)
	}
	if out, err := ctl("info"); err != nil || strings.Count(out, " slots | 1 slaves.") != 3 {
		t.Errorf("ctl info: %v\n%s", err, out)
	}
	if out, err := ctl("create", "--nodes", "6"); err == nil || !strings.Contains(out, "already assigned") {
		t.Errorf("second ctl create: %v\n%s", err, out)
	}
}

// TestGossipPortDefault starts a node without --gossip-port: its gossip
// listener is on the RESP port + 10000.
func TestGossipPortDefault(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a node process")
	}
	var port int
	for i := 0; ; i++ {
		port = nodetest.FreePort(t)
		if port+10000 <= 65535 && portFree(port+10000) {
			break
		}
		if i == 100 {
			t.Skip("no free port pair")
		}
	}
	p := &clusterProc{addr: "127.0.0.1:" + strconv.Itoa(port), args: []string{"node", "--bind", "127.0.0.1",
		"--port", strconv.Itoa(port), "--dir", t.TempDir(), "--cluster-enabled", "--cluster-name", t.Name(), "--loglevel", "warn"}}
	p.run(t)
	m, err := joinAsCtl(ctlOptions{Join: []string{"127.0.0.1:" + strconv.Itoa(port+10000)}, ClusterName: t.Name()})
	if err != nil {
		t.Fatalf("joining the node's default gossip port: %v", err)
	}
	defer leave(m)
	for _, in := range m.Members() {
		if in.Name == p.id {
			if in.Meta.Addr != p.addr || in.Gossip != "127.0.0.1:"+strconv.Itoa(port+10000) {
				t.Errorf("member %+v", in)
			}
			return
		}
	}
	t.Errorf("node %s not among the members %+v", p.id, m.Members())
}

func portFree(port int) bool {
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return false
	}
	ln.Close()
	u, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return false
	}
	u.Close()
	return true
}
