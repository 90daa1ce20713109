package slots

import (
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"
)

type member struct {
	g       *Gossip
	ml      *memberlist.Memberlist
	changes atomic.Int64
}

// startMembers starts n memberlist members on loopback free ports, joined
// into one cluster, each carrying a Gossip that starts with initial.
func startMembers(t *testing.T, n int, initial *Map) []*member {
	t.Helper()
	var ms []*member
	for i := 0; i < n; i++ {
		ms = append(ms, startMember(t, fmt.Sprintf("m%d", i), initial))
		if i > 0 {
			if _, err := ms[i].ml.Join([]string{ms[0].ml.LocalNode().Address()}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return ms
}

func startMember(t *testing.T, name string, initial *Map) *member {
	t.Helper()
	m := &member{}
	m.g = NewGossip(GossipConfig{Initial: initial, Meta: []byte(name),
		OnChange: func(old, new *Map) { m.changes.Add(1) }})
	cfg := memberlist.DefaultLocalConfig()
	cfg.Name = name
	cfg.BindAddr = "127.0.0.1"
	cfg.BindPort = 0
	cfg.AdvertisePort = 0
	cfg.GossipInterval = 20 * time.Millisecond
	cfg.ProbeInterval = 200 * time.Millisecond
	cfg.PushPullInterval = 500 * time.Millisecond
	cfg.LogOutput = io.Discard
	cfg.Delegate = m.g
	ml, err := memberlist.Create(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m.g.Bind(ml)
	m.ml = ml
	t.Cleanup(func() {
		_ = ml.Leave(time.Second)
		_ = ml.Shutdown()
	})
	return m
}

// waitMembers polls until every member sees all the others.
func waitMembers(t *testing.T, ms []*member) {
	t.Helper()
	start := time.Now()
	for _, m := range ms {
		for m.ml.NumMembers() != len(ms) {
			if time.Since(start) > 15*time.Second {
				t.Fatalf("%s sees %d of %d members", m.ml.LocalNode().Name, m.ml.NumMembers(), len(ms))
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	t.Logf("membership of %d settled in %v", len(ms), time.Since(start))
}

// waitConverged polls until every member holds want, and returns how long
// that took.
func waitConverged(t *testing.T, ms []*member, want *Map) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		done := 0
		for _, m := range ms {
			if m.g.Map().Equal(want) {
				done++
			}
		}
		if done == len(ms) {
			return time.Since(start)
		}
		if time.Since(start) > 15*time.Second {
			t.Fatalf("%d of %d members have the map after %v", done, len(ms), time.Since(start))
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestGossipSpreadsChange(t *testing.T) {
	if testing.Short() {
		t.Skip("starts memberlist members")
	}
	base := threeGroups(t)
	ms := startMembers(t, 5, base)
	waitMembers(t, ms)
	for round := 0; round < 3; round++ {
		from := ms[round%len(ms)]
		cur := from.g.Map()
		s := 6000 * round
		next, err := NewBuilder(cur).Migrate(s, s+99, cur.Lookup(s)%3+1).Build()
		if err != nil {
			t.Fatal(err)
		}
		if !from.g.Update(next) {
			t.Fatal("Update reported no change")
		}
		if from.g.Update(next) {
			t.Fatal("second Update of the same map reported a change")
		}
		d := waitConverged(t, ms, next)
		t.Logf("round %d: change at %s reached all %d members in %v", round, from.ml.LocalNode().Name, len(ms), d)
	}
	// OnChange runs just after a member stores the new map: give the last
	// callbacks a moment.
	for i, m := range ms {
		deadline := time.Now().Add(2 * time.Second)
		for m.changes.Load() < 3 && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
		if c := m.changes.Load(); c != 3 {
			t.Errorf("member %d: OnChange called %d times, want 3", i, c)
		}
	}
}

func TestGossipConflictingChangesConverge(t *testing.T) {
	if testing.Short() {
		t.Skip("starts memberlist members")
	}
	base := threeGroups(t)
	ms := startMembers(t, 4, base)
	// Two members move the same slots to different groups at the same time.
	a, err := NewBuilder(base).Assign(0, 999, 2).Build()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewBuilder(base).Assign(500, 1499, 3).Build()
	if err != nil {
		t.Fatal(err)
	}
	ms[1].g.Update(a)
	ms[3].g.Update(b)
	want := Merge(a, b)
	d := waitConverged(t, ms, want)
	t.Logf("two conflicting changes converged on %d members in %v; slot 700 -> group %d", len(ms), d, want.Lookup(700))
}

func TestGossipJoinLearnsMap(t *testing.T) {
	if testing.Short() {
		t.Skip("starts memberlist members")
	}
	base := threeGroups(t)
	ms := startMembers(t, 3, base)
	late := startMember(t, "late", nil)
	start := time.Now()
	if _, err := late.ml.Join([]string{ms[2].ml.LocalNode().Address()}); err != nil {
		t.Fatal(err)
	}
	waitConverged(t, append(ms, late), base)
	t.Logf("new member learned the map through join in %v", time.Since(start))
	if string(late.g.NodeMeta(512)) != "late" || len(late.g.NodeMeta(2)) != 2 {
		t.Error("NodeMeta")
	}
}

// TestGossipLargeMap spreads a map too large for one gossip packet: it
// travels through push/pull state exchange.
func TestGossipLargeMap(t *testing.T) {
	if testing.Short() {
		t.Skip("starts memberlist members")
	}
	base := threeGroups(t)
	ms := startMembers(t, 3, base)
	waitMembers(t, ms)
	b := NewBuilder(base)
	for s := 0; s < NumSlots; s += 4 {
		b.Migrate(s, s, base.Lookup(s)%3+1)
	}
	big, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	ms[0].g.Update(big)
	d := waitConverged(t, ms, big)
	t.Logf("%d-byte map reached %d members in %v", len(big.Encode()), len(ms), d)
}

func TestGossipDropsGarbage(t *testing.T) {
	g := NewGossip(GossipConfig{Initial: threeGroups(t)})
	before := g.Map()
	g.NotifyMsg([]byte("not a map"))
	g.MergeRemoteState([]byte("SCM\x01\xff"), false)
	if g.Map() != before {
		t.Error("garbage changed the map")
	}
	if got, err := Decode(g.LocalState(false)); err != nil || !got.Equal(before) {
		t.Errorf("LocalState: %v", err)
	}
}
