package node

import (
	"net"
	"testing"
	"time"

	"github.com/slotcache/slotcache/router"
	"github.com/slotcache/slotcache/slots"
)

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// oneGroupCluster starts cluster mode on a server that is not serving, with
// every slot assigned to its group.
func oneGroupCluster(t testing.TB) (*Server, *cluster) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Dir, cfg.ClusterEnabled, cfg.Port = t.TempDir(), true, freePort(t)
	s, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = s.StartCluster(ClusterConfig{GossipBind: "127.0.0.1", GossipPort: freePort(t), Group: 1, KeyIndexes: router.KeyIndexes})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.LeaveCluster(time.Second) })
	cl := s.cluster.Load()
	next, err := slots.NewBuilder(cl.member.Map()).Assign(0, slots.NumSlots-1, 1).Build()
	if err != nil {
		t.Fatal(err)
	}
	cl.member.Update(next)
	for deadline := time.Now().Add(10 * time.Second); ; {
		if v := cl.view.Load(); v.full {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("cluster state not ok")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return s, cl
}

func TestMemberConfigDerived(t *testing.T) {
	cl := &cluster{id: slots.NodeID("0123456789012345678901234567890123456789")}
	cfg := DefaultConfig()
	cfg.Port = 7001
	mc := cl.memberConfig(cfg, nil)
	if mc.BindPort != 17001 || mc.BindAddr != "" {
		t.Errorf("gossip listener %q:%d, want the RESP port + 10000 on all interfaces", mc.BindAddr, mc.BindPort)
	}
	if err := mc.Validate(); err != nil {
		t.Fatal(err)
	}
	if d := mc.DeadTimeout(8); d < 10*time.Second || d > 20*time.Second {
		t.Errorf("dead timeout %v for cluster-node-timeout 15s", d)
	}
	cfg.ClusterNodeTimeout = time.Second
	cfg.Bind = []string{"127.0.0.1"}
	cl.cfg.GossipAdvertise = "10.0.0.1:9000"
	mc = cl.memberConfig(cfg, nil)
	_ = mc.Validate()
	if mc.BindAddr != "127.0.0.1" || mc.AdvertiseAddr != "10.0.0.1" || mc.AdvertisePort != 9000 {
		t.Errorf("bind/advertise %+v", mc)
	}
	if d := mc.DeadTimeout(8); d < 500*time.Millisecond || d > 2*time.Second {
		t.Errorf("dead timeout %v for cluster-node-timeout 1s", d)
	}
}

// BenchmarkClusterRedirect is the ownership check every keyed command pays
// in cluster mode, for a key the node serves.
func BenchmarkClusterRedirect(b *testing.B) {
	s, cl := oneGroupCluster(b)
	c := &client{srv: s}
	get := s.commands.lookup([]byte("get"))
	mset := s.commands.lookup([]byte("mset"))
	for _, bc := range []struct {
		name string
		cmd  *command
		args [][]byte
	}{
		{"GET", get, [][]byte{[]byte("GET"), []byte("{user1000}.following")}},
		{"MSET3", mset, [][]byte{[]byte("MSET"), []byte("{u}a"), []byte("1"), []byte("{u}b"), []byte("2"), []byte("{u}c"), []byte("3")}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !c.clusterRedirect(cl, bc.cmd, bc.args) {
					b.Fatal("redirected")
				}
			}
		})
	}
}

func TestParseMyID(t *testing.T) {
	id := "aa453cf5c1b10e86bed5d98f7f9a778bc1cc5539"
	cases := []struct {
		name, in, want string
		err            bool
	}{
		{"empty", "", "", false},
		{"blank", " \n\n", "", false},
		{"redis nodes.conf", "1a2a66eb55ecebb0d3a31e87b9288ddbaebdda04 127.0.0.1:18003@28003 slave " + id + " 0 1 2 connected\n" +
			id + " 127.0.0.1:18001@28001 myself,master - 0 0 2 connected 0-5460\nvars currentEpoch 2 lastVoteEpoch 0\n", id, false},
		{"bare myself line", id + " :0@0 myself,master - 0 0 0 connected\n", id, false},
		{"no myself", "vars currentEpoch 2 lastVoteEpoch 0\n", "", true},
		{"bad id", "xyz :0@0 myself,master - 0 0 0 connected\n", "", true},
		{"upper-case id", "AA453CF5C1B10E86BED5D98F7F9A778BC1CC5539 :0@0 myself,master - 0 0 0 connected\n", "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseMyID([]byte(c.in))
			if string(got) != c.want || (err != nil) != c.err {
				t.Errorf("parseMyID = %q, %v; want %q (error %v)", got, err, c.want, c.err)
			}
		})
	}
}

// FuzzParseMyID checks that the configuration file parser never panics and
// returns only valid ids.
func FuzzParseMyID(f *testing.F) {
	f.Add([]byte("aa453cf5c1b10e86bed5d98f7f9a778bc1cc5539 127.0.0.1:18001@28001 myself,master - 0 0 2 connected 0-5460\nvars currentEpoch 2 lastVoteEpoch 0\n"))
	f.Add([]byte("vars currentEpoch 2\n"))
	f.Add([]byte("a b myself"))
	f.Fuzz(func(t *testing.T, b []byte) {
		id, err := parseMyID(b)
		if err == nil && id != "" && !validID(string(id)) {
			t.Fatalf("invalid id %q accepted", id)
		}
	})
}
