package proxy

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/slots"
)

// nodeID returns a valid node id for the i-th test node.
func nodeID(i int) slots.NodeID { return slots.NodeID(fmt.Sprintf("%040x", i+1)) }

// staticMap builds a map of one master per address, slots split evenly.
func staticMap(t testing.TB, addrs []string) *slots.Map {
	t.Helper()
	b := slots.NewBuilder(nil)
	var gs []slots.GroupID
	for i, a := range addrs {
		g := slots.GroupID(i + 1)
		b.SetNode(slots.Node{ID: nodeID(i), Addr: a, Group: g, Role: slots.RoleMaster})
		b.SetGroup(g, nodeID(i))
		gs = append(gs, g)
	}
	for _, r := range slots.Evenly(gs) {
		b.Assign(r.Start, r.End, r.Group)
	}
	m, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// startProxy serves a proxy over src on a free port until the test ends.
func startProxy(t testing.TB, src MapSource, mutate func(*Config)) (string, *Proxy) {
	t.Helper()
	cfg := DefaultConfig()
	if mutate != nil {
		mutate(&cfg)
	}
	p, err := New(cfg, src, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String(), p
}

// startNodes starts n in-process nodes.
func startNodes(t testing.TB, n int) []string {
	t.Helper()
	addrs := make([]string, n)
	for i := range addrs {
		addrs[i], _ = nodetest.StartNode(t, nil)
	}
	return addrs
}

// startCluster starts n nodes and a proxy over them.
func startCluster(t testing.TB, n int) (proxyAddr string, nodes []string) {
	t.Helper()
	nodes = startNodes(t, n)
	addr, _ := startProxy(t, StaticMap{staticMap(t, nodes)}, nil)
	return addr, nodes
}
