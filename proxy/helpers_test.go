package proxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
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

// noEventLoop runs the tests with a goroutine per client instead of the
// event loops (make test runs the package both ways).
var noEventLoop = os.Getenv("SLOTCACHE_TEST_NO_EVENT_LOOP") != ""

// startProxy serves a proxy over src on a free port until the test ends.
func startProxy(t testing.TB, src MapSource, mutate func(*Config)) (string, *Proxy) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.NoEventLoop = noEventLoop
	if mutate != nil {
		mutate(&cfg)
	}
	p, err := New(cfg, src, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return serveLocal(t, p.Serve), p
}

// serveLocal runs serve on a free loopback port until the test ends and
// returns the address.
func serveLocal(t testing.TB, serve func(context.Context, net.Listener) error) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
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

// scriptedNode is a backend that reads pipelined commands and writes the
// replies answer appends for them, with one write per read; it allocates
// nothing itself.
func scriptedNode(t testing.TB, answer func(out []byte, args [][]byte) []byte) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { nc.Close() })
			go func() {
				rd := resp.NewReader(nc, resp.Limits{})
				var out []byte
				for {
					args, err := rd.ReadCommand()
					if err != nil {
						return
					}
					for {
						out = answer(out, args)
						var ok bool
						if args, ok, _ = rd.Next(); !ok {
							break
						}
					}
					if _, err := nc.Write(out); err != nil {
						return
					}
					out = out[:0]
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// splitParts checks the requests of batch b, a command over keys split on
// table tab: one part per slot with perSlot, else one per group, no part
// mixing slots (perSlot) or groups. It returns each part's arguments.
func splitParts(t *testing.T, perSlot bool, keys []string, tab *table, b *batch) [][][]byte {
	t.Helper()
	groups, slotsSeen := map[uint16]bool{}, map[int]bool{}
	for _, k := range keys {
		groups[tab.slot[slots.KeySlot([]byte(k))]] = true
		slotsSeen[slots.KeySlot([]byte(k))] = true
	}
	want := len(groups)
	if perSlot {
		want = len(slotsSeen)
	}
	if b.nreq != want {
		t.Fatalf("perSlot=%v: %d parts, want %d", perSlot, b.nreq, want)
	}
	parts := make([][][]byte, b.nreq)
	for i := range b.nreq {
		part, err := resp.NewReader(bytes.NewReader(b.reqs[i].Cmd), resp.Limits{}).ReadCommand()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range part[2:] {
			if perSlot && slots.KeySlot(k) != slots.KeySlot(part[1]) {
				t.Fatalf("part %d mixes slots: %q", i, part)
			}
			if !perSlot && tab.slot[slots.KeySlot(k)] != tab.slot[slots.KeySlot(part[1])] {
				t.Fatalf("part %d mixes groups: %q", i, part)
			}
		}
		parts[i] = part
	}
	return parts
}
