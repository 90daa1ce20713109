package slots

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// nid returns a valid node id built from n.
func nid(n int) NodeID { return NodeID(fmt.Sprintf("%040x", n)) }

// threeGroups builds the map of a three-master, three-replica cluster with
// slots split as redis-cli does.
func threeGroups(t testing.TB) *Map {
	if t != nil {
		t.Helper()
	}
	b := NewBuilder(nil)
	for i := 1; i <= 6; i++ {
		g, role := GroupID((i-1)%3+1), RoleMaster
		if i > 3 {
			role = RoleReplica
		}
		b.SetNode(Node{ID: nid(i), Addr: fmt.Sprintf("10.0.0.%d:6379", i), AdminAddr: fmt.Sprintf("10.0.0.%d:7380", i), Group: g, Role: role})
	}
	for g := 1; g <= 3; g++ {
		b.SetGroup(GroupID(g), nid(g), nid(g+3))
	}
	for _, r := range Evenly([]GroupID{1, 2, 3}) {
		b.Assign(r.Start, r.End, r.Group)
	}
	m, err := b.Build()
	if err != nil {
		panic(err) // a fixed map: only a bug in the builder gets here
	}
	return m
}

func TestMapLookup(t *testing.T) {
	m := threeGroups(t)
	tests := []struct {
		slot  int
		group GroupID
	}{{0, 1}, {5460, 1}, {5461, 2}, {10922, 2}, {10923, 3}, {16383, 3}, {-1, 0}, {16384, 0}}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.slot), func(t *testing.T) {
			if got := m.Lookup(tt.slot); got != tt.group {
				t.Errorf("Lookup(%d) = %d, want %d", tt.slot, got, tt.group)
			}
			n, ok := m.Owner(tt.slot)
			if ok != (tt.group != 0) || (ok && n.ID != nid(int(tt.group))) {
				t.Errorf("Owner(%d) = %v %v", tt.slot, n, ok)
			}
		})
	}
	if g := m.GroupOf([]byte("key1")); g != 2 { // slot 9189
		t.Errorf("GroupOf(key1) = %d, want 2", g)
	}
	if rs := m.SlotsOf(2); len(rs) != 1 || rs[0] != (Range{5461, 10922, 2}) {
		t.Errorf("SlotsOf(2) = %v", rs)
	}
	if rs := m.Ranges(); fmt.Sprint(rs) != fmt.Sprint(Evenly([]GroupID{1, 2, 3})) {
		t.Errorf("Ranges() = %v", rs)
	}
	if !m.Covered() {
		t.Error("Covered() = false")
	}
	if m.CurrentEpoch() != 3 {
		t.Errorf("CurrentEpoch = %d, want 3", m.CurrentEpoch())
	}
	var empty Map
	if err := empty.Validate(); err != nil || empty.Lookup(5) != 0 || empty.Covered() || empty.Ranges() != nil {
		t.Errorf("zero map: %v", err)
	}
	if _, ok := empty.Owner(5); ok {
		t.Error("zero map has an owner")
	}
}

func TestBuilderChangesWinMerge(t *testing.T) {
	base := threeGroups(t)
	// Move slots 0-99 from group 1 to group 3, in two steps.
	mig, err := NewBuilder(base).Migrate(0, 99, 3).Build()
	if err != nil {
		t.Fatal(err)
	}
	if mig.MigratingTo(50) != 3 || mig.Lookup(50) != 1 {
		t.Fatalf("slot 50 = %+v", mig.SlotState(50))
	}
	done, err := NewBuilder(mig).Assign(0, 99, 3).Build()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*Map{Merge(base, done), Merge(done, base), Merge(Merge(base, mig), done), Merge(mig, done)} {
		if !m.Equal(done) {
			t.Errorf("merge lost the move: slot 50 = %+v", m.SlotState(50))
		}
	}
	if g, _ := done.Group(1); g.ConfigEpoch != 4 {
		t.Errorf("group 1 epoch %d, want 4", g.ConfigEpoch)
	}
	// A node that changes its own record wins over the old record.
	n, _ := base.Node(nid(4))
	n.Addr = "10.0.0.44:6379"
	moved, err := NewBuilder(base).SetNode(n).Build()
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := Merge(base, moved).Node(nid(4)); got.Addr != n.Addr {
		t.Errorf("node record = %+v", got)
	}
	// Failover: the replica becomes master under a new epoch.
	fo, err := NewBuilder(base).SetGroup(1, nid(4), nid(1)).Build()
	if err != nil {
		t.Fatal(err)
	}
	if owner, _ := Merge(fo, base).Owner(0); owner.ID != nid(4) {
		t.Errorf("owner after failover = %s", owner.ID)
	}
}

func TestBuilderErrors(t *testing.T) {
	base := threeGroups(t)
	tests := []struct {
		name  string
		build func(*Builder)
		want  string
	}{
		{"bad range", func(b *Builder) { b.Assign(10, 5, 1) }, "out of range"},
		{"slot too high", func(b *Builder) { b.Assign(0, NumSlots, 1) }, "out of range"},
		{"unknown group", func(b *Builder) { b.Assign(0, 1, 9) }, "unknown group"},
		{"group zero", func(b *Builder) { b.SetGroup(0, nid(1)) }, "group id 0"},
		{"bad node id", func(b *Builder) { b.SetNode(Node{ID: "xyz"}) }, "bad node id"},
		{"migrate to self", func(b *Builder) { b.Migrate(0, 0, 1) }, "migration target"},
		{"unknown member", func(b *Builder) { b.SetGroup(1, nid(99)) }, "unknown node"},
		{"duplicate member", func(b *Builder) { b.SetGroup(1, nid(1), nid(1)) }, "twice"},
		{"node in unknown group", func(b *Builder) { b.SetNode(Node{ID: nid(7), Group: 8}) }, "unknown group"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBuilder(base)
			tt.build(b)
			_, err := b.Build()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := NewBuilder(nil).Migrate(0, 0, 1).Build(); err == nil {
		t.Error("migrating an unassigned slot succeeded")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(m *Map)
		want   string
	}{
		{"unknown slot group", func(m *Map) { m.slots[7].Group = 9 }, "unknown group"},
		{"claim above group epoch", func(m *Map) { m.slots[7].Epoch = 99 }, "above group"},
		{"migrating to self", func(m *Map) { m.slots[7].MigratingTo = m.slots[7].Group }, "own group"},
		{"migrating unknown", func(m *Map) { m.slots[7].MigratingTo = 9 }, "unknown group"},
		{"unassigned with state", func(m *Map) { m.slots[7] = Slot{Epoch: 1} }, "unassigned"},
		{"group epoch above current", func(m *Map) { m.currentEpoch = 0 }, "above current"},
		{"bad role", func(m *Map) { n := *m.nodes[nid(1)]; n.Role = 9; m.nodes[nid(1)] = &n }, "bad role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := threeGroups(t)
			c := *m
			tt.mutate(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestEvenly(t *testing.T) {
	tests := []struct {
		n    int
		want []Range
	}{
		{0, nil},
		{1, []Range{{0, 16383, 1}}},
		{2, []Range{{0, 8191, 1}, {8192, 16383, 2}}},
		{3, []Range{{0, 5460, 1}, {5461, 10922, 2}, {10923, 16383, 3}}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.n), func(t *testing.T) {
			var gs []GroupID
			for i := 1; i <= tt.n; i++ {
				gs = append(gs, GroupID(i))
			}
			got := Evenly(gs)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("Evenly(%d) = %v, want %v", tt.n, got, tt.want)
			}
		})
	}
	for _, n := range []int{4, 5, 7, 100, 16384, 20000} {
		gs := make([]GroupID, n)
		for i := range gs {
			gs[i] = GroupID(i + 1)
		}
		rs := Evenly(gs)
		next, lo, hi := 0, NumSlots, 0
		for _, r := range rs {
			if r.Start != next || r.End < r.Start {
				t.Fatalf("n=%d: range %v after %d", n, r, next)
			}
			next = r.End + 1
			lo, hi = min(lo, r.End-r.Start+1), max(hi, r.End-r.Start+1)
		}
		if next != NumSlots || hi-lo > 1 {
			t.Errorf("n=%d: covered up to %d, sizes %d..%d", n, next, lo, hi)
		}
	}
}

func TestPlaceReplicas(t *testing.T) {
	node := func(i int, host string) Node { return Node{ID: nid(i), Addr: host + ":6379"} }
	masters := map[GroupID]Node{1: node(1, "a"), 2: node(2, "b"), 3: node(3, "c")}
	tests := []struct {
		name   string
		spares []Node
		n      int
		want   map[GroupID][]NodeID
	}{
		{"other hosts", []Node{node(4, "a"), node(5, "b"), node(6, "c")}, 1,
			map[GroupID][]NodeID{1: {nid(5)}, 2: {nid(4)}, 3: {nid(6)}}},
		{"two each spread", []Node{node(4, "a"), node(5, "a"), node(6, "b"), node(7, "b"), node(8, "c"), node(9, "c")}, 2,
			map[GroupID][]NodeID{1: {nid(6), nid(8)}, 2: {nid(4), nid(9)}, 3: {nid(5), nid(7)}}},
		{"same host only", []Node{node(4, "a")}, 1, map[GroupID][]NodeID{1: {nid(4)}}},
		{"none", nil, 1, map[GroupID][]NodeID{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PlaceReplicas(masters, tt.spares, tt.n)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// randomMap returns a valid map over a small shared universe of groups and
// nodes, so that random maps overlap and conflict.
func randomMap(r *rand.Rand) *Map {
	m := &Map{currentEpoch: r.Uint64N(8), groups: map[GroupID]*Group{}, nodes: map[NodeID]*Node{}}
	var gids []GroupID
	for g := GroupID(1); g <= 4; g++ {
		if r.IntN(3) > 0 {
			m.groups[g] = &Group{ID: g, ConfigEpoch: r.Uint64N(m.currentEpoch + 1)}
			gids = append(gids, g)
		}
	}
	var nids []NodeID
	for i := 1; i <= 6; i++ {
		if r.IntN(3) == 0 {
			continue
		}
		n := &Node{ID: nid(i), Addr: fmt.Sprintf("h%d:%d", r.IntN(2), 6379+r.IntN(2)), Role: Role(r.IntN(int(numRoles))), Version: r.Uint64N(3)}
		if len(gids) > 0 && r.IntN(2) == 0 {
			n.Group = gids[r.IntN(len(gids))]
		}
		m.nodes[n.ID] = n
		nids = append(nids, n.ID)
	}
	for _, g := range m.groups {
		r.Shuffle(len(nids), func(i, j int) { nids[i], nids[j] = nids[j], nids[i] })
		k := r.IntN(len(nids) + 1)
		if k > 0 && r.IntN(4) > 0 {
			g.Master, k = nids[0], k-1
		}
		for _, id := range nids[len(nids)-k:] {
			if id != g.Master {
				g.Replicas = append(g.Replicas, id)
			}
		}
	}
	if len(gids) == 0 {
		return m
	}
	for i := r.IntN(6); i > 0; i-- {
		start := r.IntN(NumSlots)
		end := min(NumSlots-1, start+r.IntN(3000))
		g := gids[r.IntN(len(gids))]
		st := Slot{Group: g, Epoch: r.Uint64N(m.groups[g].ConfigEpoch + 1)}
		if to := gids[r.IntN(len(gids))]; to != g && r.IntN(3) == 0 {
			st.MigratingTo = to
		}
		for s := start; s <= end; s++ {
			m.slots[s] = st
		}
	}
	return m
}

func TestRandomMapsValid(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 0))
	for i := 0; i < 200; i++ {
		if err := randomMap(r).Validate(); err != nil {
			t.Fatalf("map %d: %v", i, err)
		}
	}
}

// TestMergeProperties checks that Merge is commutative, associative and
// idempotent, and keeps maps valid, over many random maps.
func TestMergeProperties(t *testing.T) {
	const seed = 42
	r := rand.New(rand.NewPCG(seed, 0))
	n := 2000
	if testing.Short() {
		n = 200
	}
	for i := 0; i < n; i++ {
		a, b, c := randomMap(r), randomMap(r), randomMap(r)
		ab, ba := Merge(a, b), Merge(b, a)
		if !ab.Equal(ba) {
			t.Fatalf("seed %d round %d: not commutative", seed, i)
		}
		if err := ab.Validate(); err != nil {
			t.Fatalf("seed %d round %d: merged map invalid: %v", seed, i, err)
		}
		if !Merge(ab, c).Equal(Merge(a, Merge(b, c))) {
			t.Fatalf("seed %d round %d: not associative", seed, i)
		}
		if !Merge(a, a).Equal(a) || !Merge(ab, a).Equal(ab) {
			t.Fatalf("seed %d round %d: not idempotent", seed, i)
		}
		if ab.CurrentEpoch() != max(a.CurrentEpoch(), b.CurrentEpoch()) {
			t.Fatalf("seed %d round %d: current epoch %d", seed, i, ab.CurrentEpoch())
		}
		for s := 0; s < NumSlots; s += 97 {
			x, y, z := a.slots[s], b.slots[s], ab.slots[s]
			if z != x && z != y || z.Epoch < max(x.Epoch, y.Epoch) {
				t.Fatalf("seed %d round %d slot %d: %+v from %+v %+v", seed, i, s, z, x, y)
			}
		}
	}
	if !Merge(nil, nil).Equal(&Map{}) {
		t.Error("Merge(nil, nil) not empty")
	}
}

func BenchmarkLookup(b *testing.B) {
	m := threeGroups(b)
	b.ReportAllocs()
	s := 0
	for b.Loop() {
		m.Lookup(s)
		s = (s + 1) & (NumSlots - 1)
	}
}

func BenchmarkGroupOf(b *testing.B) {
	m := threeGroups(b)
	key := []byte("{user1000}.following")
	b.ReportAllocs()
	for b.Loop() {
		m.GroupOf(key)
	}
}

func BenchmarkOwner(b *testing.B) {
	m := threeGroups(b)
	b.ReportAllocs()
	s := 0
	for b.Loop() {
		m.Owner(s)
		s = (s + 1) & (NumSlots - 1)
	}
}

func BenchmarkMerge(b *testing.B) {
	m := threeGroups(b)
	o, _ := NewBuilder(m).Migrate(0, 99, 2).Build()
	b.ReportAllocs()
	for b.Loop() {
		Merge(m, o)
	}
}
