package slots

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"
)

func TestMemberMetaRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		meta MemberMeta
	}{
		{"empty", MemberMeta{}},
		{"master", MemberMeta{NodeID: nid(1), Role: RoleMaster, Group: 3, Addr: "10.0.0.1:7001", AdminAddr: "10.0.0.1:17001"}},
		{"proxy", MemberMeta{NodeID: nid(9), Role: RoleProxy, Addr: "[::1]:7379"}},
		{"long", MemberMeta{NodeID: nid(2), Group: 1<<32 - 1, Addr: strings.Repeat("a", 230), AdminAddr: strings.Repeat("b", 230), Leaving: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := c.meta.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if len(b) > 512 {
				t.Errorf("meta is %d bytes, over memberlist's limit", len(b))
			}
			got, err := DecodeMemberMeta(b)
			if err != nil || got != c.meta {
				t.Fatalf("decode = %+v, %v; want %+v", got, err, c.meta)
			}
			// Later versions may append fields.
			if got, err := DecodeMemberMeta(append(b, 7, 7)); err != nil || got != c.meta {
				t.Errorf("with trailing bytes: %+v, %v", got, err)
			}
		})
	}
}

func TestMemberMetaRejects(t *testing.T) {
	good, _ := MemberMeta{NodeID: nid(1), Role: RoleMaster, Group: 2, Addr: "h:1"}.Encode()
	cases := []struct {
		name string
		in   []byte
	}{
		{"nil", nil},
		{"one byte", []byte{1}},
		{"version", append([]byte{2}, good[1:]...)},
		{"role", append([]byte{1, 9}, good[2:]...)},
		{"truncated id", good[:6]},
		{"truncated addr", good[:len(good)-2]},
		{"bad node ref", []byte{1, 1, 2, 5}},
		{"huge string", []byte{1, 1, 2, 0, 0xff, 0xff, 0xff, 0x0f}},
		{"group overflow", []byte{1, 1, 0xff, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if m, err := DecodeMemberMeta(c.in); err == nil {
				t.Errorf("accepted %q as %+v", c.in, m)
			}
		})
	}
	for _, m := range []MemberMeta{{NodeID: "xyz"}, {Role: 9}, {Addr: strings.Repeat("a", 256)},
		{Addr: strings.Repeat("a", 255), AdminAddr: strings.Repeat("b", 255)}} {
		if _, err := m.Encode(); err == nil {
			t.Errorf("Encode(%+v) accepted", m)
		}
	}
}

// FuzzMemberMeta checks that DecodeMemberMeta never panics and that what it
// accepts encodes and decodes back to the same value.
func FuzzMemberMeta(f *testing.F) {
	for _, m := range metaSeeds() {
		b, _ := m.Encode()
		f.Add(b)
	}
	f.Add([]byte{1, 0})
	f.Add([]byte{1, 1, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeMemberMeta(b)
		if err != nil {
			return
		}
		e, err := m.Encode()
		if err != nil {
			t.Fatalf("decoded meta does not encode: %v", err)
		}
		m2, err := DecodeMemberMeta(e)
		if err != nil || m2 != m {
			t.Fatalf("round trip: %+v, %v; want %+v", m2, err, m)
		}
	})
}

func metaSeeds() []MemberMeta {
	return []MemberMeta{
		{},
		{NodeID: nid(1), Role: RoleMaster, Group: 1, Addr: "127.0.0.1:7001", AdminAddr: "127.0.0.1:17001"},
		{NodeID: nid(2), Role: RoleReplica, Group: 1, Addr: "127.0.0.1:7002"},
		{NodeID: nid(3), Role: RoleProxy, Addr: "127.0.0.1:7379", AdminAddr: "127.0.0.1:7380"},
	}
}

// TestWriteMetaFuzzCorpus regenerates testdata/fuzz/FuzzMemberMeta when
// SLOTS_WRITE_CORPUS=1; otherwise it is skipped.
func TestWriteMetaFuzzCorpus(t *testing.T) {
	if os.Getenv("SLOTS_WRITE_CORPUS") != "1" {
		t.Skip("set SLOTS_WRITE_CORPUS=1 to regenerate testdata/fuzz")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzMemberMeta")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, m := range metaSeeds() {
		b, _ := m.Encode()
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMemberConfigValidate(t *testing.T) {
	good := MemberConfig{NodeID: nid(1), BindAddr: "127.0.0.1"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	if good.ProbeInterval != time.Second || good.SuspicionMult != 4 || good.Meta.NodeID != nid(1) {
		t.Errorf("defaults not filled in: %+v", good)
	}
	if d := good.DeadTimeout(8); d < 4*time.Second || d > 10*time.Second {
		t.Errorf("DeadTimeout(8) = %v", d)
	}
	bad := []MemberConfig{
		{NodeID: "abc"},
		{NodeID: nid(1), Role: 9},
		{NodeID: nid(1), BindPort: 70000},
		{NodeID: nid(1), SecretKey: []byte("short")},
		{NodeID: nid(1), Meta: MemberMeta{Addr: strings.Repeat("x", 300)}},
	}
	for i, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("case %d: accepted %+v", i, c)
		}
	}
}

// fastMember returns a member config on a loopback port with fast timings.
func fastMember(id int, port int, join ...string) MemberConfig {
	return MemberConfig{
		NodeID: nid(id), Role: RoleMaster, BindAddr: "127.0.0.1", BindPort: port,
		ClusterName: "test", Join: join,
		Meta:          MemberMeta{Group: GroupID(id), Addr: fmt.Sprintf("127.0.0.1:%d", 7000+id)},
		ProbeInterval: 100 * time.Millisecond, GossipInterval: 20 * time.Millisecond,
		PushPullInterval: 300 * time.Millisecond, RejoinInterval: 100 * time.Millisecond,
		TCPTimeout: time.Second,
	}
}

func startTestMember(t *testing.T, cfg MemberConfig) *Member {
	t.Helper()
	m, err := StartMember(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return m
}

func waitFor(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("%s: not after %v", what, time.Since(start))
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

func TestMemberJoinMapAndMeta(t *testing.T) {
	if testing.Short() {
		t.Skip("starts memberlist members")
	}
	base := threeGroups(t)
	seedCfg := fastMember(1, 0)
	seedCfg.Initial = base
	seed := startTestMember(t, seedCfg)
	var ms []*Member
	for i := 2; i <= 4; i++ {
		c := fastMember(i, 0, seed.Addr())
		c.MustJoin = true
		ms = append(ms, startTestMember(t, c))
	}
	ms = append(ms, seed)
	d := waitFor(t, "all members see 4", func() bool {
		for _, m := range ms {
			if m.NumMembers() != 4 || !m.Map().Equal(base) {
				return false
			}
		}
		return true
	})
	t.Logf("4 members agree on membership and map after %v", d)
	infos := ms[0].Members()
	if len(infos) != 4 {
		t.Fatalf("Members() = %d entries", len(infos))
	}
	for _, in := range infos {
		if string(in.Meta.NodeID) != in.Name || in.Meta.Role != RoleMaster || in.Meta.Addr == "" {
			t.Errorf("member info %+v", in)
		}
	}
	next, err := NewBuilder(base).Assign(0, 99, 2).Build()
	if err != nil {
		t.Fatal(err)
	}
	if !ms[1].Update(next) {
		t.Fatal("Update reported no change")
	}
	waitFor(t, "change spread", func() bool {
		for _, m := range ms {
			if !m.Map().Equal(next) {
				return false
			}
		}
		return true
	})
	if err := ms[2].SetMeta(MemberMeta{Role: RoleReplica, Group: 7, Addr: "h:1"}, time.Second); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "meta update spread", func() bool {
		for _, in := range ms[0].Members() {
			if in.Name == string(nid(4)) {
				return in.Meta.Role == RoleReplica && in.Meta.Group == 7
			}
		}
		return false
	})
	// A member that leaves is not retried by the rejoin loop.
	if err := ms[0].Leave(time.Second); err != nil {
		t.Fatal(err)
	}
	_ = ms[0].Shutdown()
	waitFor(t, "departure seen", func() bool { return seed.NumMembers() == 3 })
	if got := seed.rejoinTargets(time.Now()); len(got) != 0 {
		t.Errorf("rejoin targets after a leave: %v", got)
	}
}

func TestMemberIgnoresOtherCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts memberlist members")
	}
	a := startTestMember(t, fastMember(1, 0))
	c := fastMember(2, 0, a.Addr())
	c.ClusterName = "other"
	c.MustJoin = true
	if m, err := StartMember(c); err == nil {
		_ = m.Shutdown()
		t.Fatal("joined a member of another cluster name")
	}
	time.Sleep(300 * time.Millisecond) // several probe rounds: nothing may leak in
	if n := a.NumMembers(); n != 1 {
		t.Errorf("seed sees %d members", n)
	}
}

// TestMemberRejoinsLateSeed starts a member whose seed is not up yet: the
// rejoin loop joins it once it starts, and the seed's map wins by epoch.
func TestMemberRejoinsLateSeed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts memberlist members")
	}
	port := freePort(t)
	seedAddr := fmt.Sprintf("127.0.0.1:%d", port)
	early := startTestMember(t, fastMember(2, 0, seedAddr))
	if early.NumMembers() != 1 {
		t.Fatal("joined a seed that is not running")
	}
	seedCfg := fastMember(1, port)
	seedCfg.Initial = threeGroups(t)
	seed := startTestMember(t, seedCfg)
	d := waitFor(t, "late seed joined", func() bool {
		return early.NumMembers() == 2 && seed.NumMembers() == 2 && early.Map().Equal(seedCfg.Initial)
	})
	t.Logf("member joined its late seed after %v", d)
}

func TestRejoinTargets(t *testing.T) {
	cfg := fastMember(1, 0, "seed:1")
	_ = cfg.Validate()
	now := time.Now()
	m := &Member{cfg: cfg, known: map[string]knownMember{
		string(nid(1)): {addr: "self:1"},
		string(nid(2)): {addr: "b:1", dead: now.Add(-time.Second)},
		string(nid(3)): {addr: "c:1", dead: now.Add(-2 * time.Hour)},
	}}
	got := m.rejoinTargets(now)
	if strings.Join(got, ",") != "b:1,seed:1" {
		t.Errorf("alone: targets %v, want b:1 and the seed", got)
	}
	if _, ok := m.known[string(nid(3))]; ok {
		t.Error("member dead for two hours not forgotten")
	}
	m.known[string(nid(4))] = knownMember{addr: "d:1"}
	if got := m.rejoinTargets(now); strings.Join(got, ",") != "b:1" {
		t.Errorf("with a live peer: targets %v, want b:1 only", got)
	}
	delete(m.known, string(nid(2)))
	if got := m.rejoinTargets(now); len(got) != 0 {
		t.Errorf("nobody lost: targets %v", got)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// partTransport is a memberlist transport that can be cut off from every
// other member, both ways, to simulate a network partition.
type partTransport struct {
	*memberlist.NetTransport
	blocked atomic.Bool
	packets chan *memberlist.Packet
	streams chan net.Conn
}

func newPartTransport(t *testing.T) *partTransport {
	t.Helper()
	nt, err := memberlist.NewNetTransport(&memberlist.NetTransportConfig{
		BindAddrs: []string{"127.0.0.1"}, Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	p := &partTransport{NetTransport: nt, packets: make(chan *memberlist.Packet), streams: make(chan net.Conn)}
	go func() {
		for pk := range nt.PacketCh() {
			if !p.blocked.Load() {
				p.packets <- pk
			}
		}
	}()
	go func() {
		for c := range nt.StreamCh() {
			if p.blocked.Load() {
				c.Close()
				continue
			}
			p.streams <- c
		}
	}()
	return p
}

func (p *partTransport) PacketCh() <-chan *memberlist.Packet { return p.packets }
func (p *partTransport) StreamCh() <-chan net.Conn           { return p.streams }

func (p *partTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	if p.blocked.Load() {
		return time.Now(), nil
	}
	return p.NetTransport.WriteTo(b, addr)
}

func (p *partTransport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	if p.blocked.Load() {
		return nil, errors.New("partitioned")
	}
	return p.NetTransport.DialTimeout(addr, timeout)
}

func (p *partTransport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	return p.WriteTo(b, a.Addr)
}

func (p *partTransport) DialAddressTimeout(a memberlist.Address, timeout time.Duration) (net.Conn, error) {
	return p.DialTimeout(a.Addr, timeout)
}

// TestMemberRejoinsAfterPartition cuts one member off until both sides have
// declared each other dead and stopped gossiping to the dead, then heals
// the network: the rejoin loop brings the member back, and a map change
// made on the far side during the partition reaches it.
func TestMemberRejoinsAfterPartition(t *testing.T) {
	if testing.Short() {
		t.Skip("starts memberlist members")
	}
	seed := startTestMember(t, fastMember(1, 0))
	var ms []*Member
	var cut *partTransport
	for i := 2; i <= 4; i++ {
		c := fastMember(i, 0, seed.Addr())
		if i == 4 {
			cut = newPartTransport(t)
			c.BindPort = cut.GetAutoBindPort()
			c.transport = cut
		}
		ms = append(ms, startTestMember(t, c))
	}
	all := append([]*Member{seed}, ms...)
	lone := ms[2]
	waitFor(t, "4 members", func() bool {
		for _, m := range all {
			if m.NumMembers() != 4 {
				return false
			}
		}
		return true
	})
	cut.blocked.Store(true)
	d := waitFor(t, "both sides declare the other dead", func() bool {
		return lone.NumMembers() == 1 && seed.NumMembers() == 3 && ms[0].NumMembers() == 3 && ms[1].NumMembers() == 3
	})
	t.Logf("partition detected on both sides in %v", d)
	// Past GossipToTheDeadTime memberlist alone never talks to the dead again.
	time.Sleep(2 * lone.cfg.DeadTimeout(10))
	next, err := NewBuilder(seed.Map()).SetGroup(1, "").Build()
	if err != nil {
		t.Fatal(err)
	}
	seed.Update(next)
	cut.blocked.Store(false)
	d = waitFor(t, "healed", func() bool {
		for _, m := range all {
			if m.NumMembers() != 4 || !m.Map().Equal(next) {
				return false
			}
		}
		return true
	})
	t.Logf("after the partition healed, the rejoin loop restored membership and the map in %v", d)
}

func TestMemberGossipKey(t *testing.T) {
	if testing.Short() {
		t.Skip("starts memberlist members")
	}
	k1, k2 := []byte("0123456789abcdef"), []byte("fedcba9876543210")
	a := fastMember(1, 0)
	a.SecretKey = k1
	seed := startTestMember(t, a)
	for _, c := range []struct {
		name string
		key  []byte
		ok   bool
	}{{"other key", k2, false}, {"no key", nil, false}, {"same key", k1, true}} {
		cfg := fastMember(2, 0, seed.Addr())
		cfg.SecretKey, cfg.MustJoin, cfg.TCPTimeout = c.key, true, 300*time.Millisecond
		m, err := StartMember(cfg)
		if (err == nil) != c.ok {
			t.Errorf("%s: join error %v", c.name, err)
		}
		if err == nil {
			waitFor(t, "joined with the key", func() bool { return seed.NumMembers() == 2 })
			_ = m.Leave(time.Second)
			_ = m.Shutdown()
		}
	}
}
