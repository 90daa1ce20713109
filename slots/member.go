package slots

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
)

// MemberConfig configures a Member. NodeID and BindPort are required; the
// timing fields default to values fit for a LAN (a dead member is detected
// in about five seconds).
type MemberConfig struct {
	// NodeID is the member's identity and its memberlist node name.
	NodeID NodeID
	// Role is RoleMaster, RoleReplica or RoleNone for nodes, RoleProxy for
	// proxies. It is copied into Meta.Role.
	Role Role
	// BindAddr and BindPort are the gossip listener (TCP and UDP). Port 0
	// picks a free port (see Member.Addr). BindAddr "" means 0.0.0.0.
	BindAddr string
	BindPort int
	// AdvertiseAddr and AdvertisePort, when set, are the address the other
	// members use to reach this one (behind NAT, or when binding 0.0.0.0).
	AdvertiseAddr string
	AdvertisePort int
	// ClusterName is the memberlist label: packets of members of another
	// cluster name are dropped, so two clusters on one network never merge.
	ClusterName string
	// SecretKey, when set, encrypts gossip (AES, 16, 24 or 32 bytes). Every
	// member of the cluster needs the same key.
	SecretKey []byte
	// Join lists seed members (host:port). StartMember joins them; when none
	// answers the member runs alone and keeps retrying in the background,
	// unless MustJoin is set.
	Join     []string
	MustJoin bool
	// Meta is published to the other members (NodeID and Role are filled in
	// from the fields above).
	Meta MemberMeta
	// Initial is the map the member starts with (nil: empty).
	Initial *Map
	// OnChange is called with the old and new map each time the map changes
	// (see GossipConfig.OnChange: it must not block nor call Update).
	OnChange func(old, new *Map)
	// Logger receives memberlist's log lines (nil: discarded).
	Logger *slog.Logger

	// ProbeInterval is the failure-detector period: shorter detects faster
	// at the cost of more packets. Default 1s.
	ProbeInterval time.Duration
	// ProbeTimeout is how long a probe waits for an ack. Default half of
	// ProbeInterval.
	ProbeTimeout time.Duration
	// SuspicionMult: a suspect member is declared dead after about
	// SuspicionMult * max(1, log10(members)) * ProbeInterval unless it
	// refutes. Higher is more tolerant of pauses. Default 4.
	SuspicionMult int
	// GossipInterval is the period of gossip rounds that spread broadcasts
	// (map changes, membership). Default 200ms.
	GossipInterval time.Duration
	// PushPullInterval is the period of full state exchanges with a random
	// member, which repair anything gossip missed. Default 10s.
	PushPullInterval time.Duration
	// RejoinInterval is how often the member checks whether it lost members
	// it knew and, if so, joins them (and the seeds) again. Default 10s.
	RejoinInterval time.Duration
	// ForgetAfter is how long a dead member is still retried by the rejoin
	// loop. Default 1h.
	ForgetAfter time.Duration
	// TCPTimeout bounds every TCP exchange (join, push/pull). Default 5s.
	TCPTimeout time.Duration

	// transport replaces memberlist's UDP/TCP transport (tests).
	transport memberlist.Transport
}

// Validate checks cfg and fills in defaults.
func (c *MemberConfig) Validate() error {
	if !validNodeID(c.NodeID) {
		return fmt.Errorf("slots: member: bad node id %q", c.NodeID)
	}
	if c.Role >= numRoles {
		return fmt.Errorf("slots: member: bad role %d", c.Role)
	}
	if c.BindPort < 0 || c.BindPort > 65535 || c.AdvertisePort < 0 || c.AdvertisePort > 65535 {
		return fmt.Errorf("slots: member: bad port")
	}
	switch len(c.SecretKey) {
	case 0, 16, 24, 32:
	default:
		return fmt.Errorf("slots: member: gossip key must be 16, 24 or 32 bytes, not %d", len(c.SecretKey))
	}
	c.Meta.NodeID, c.Meta.Role = c.NodeID, c.Role
	if _, err := c.Meta.Encode(); err != nil {
		return err
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.ProbeInterval, time.Second)
	def(&c.ProbeTimeout, c.ProbeInterval/2)
	def(&c.GossipInterval, 200*time.Millisecond)
	def(&c.PushPullInterval, 10*time.Second)
	def(&c.RejoinInterval, 10*time.Second)
	def(&c.ForgetAfter, time.Hour)
	def(&c.TCPTimeout, 5*time.Second)
	if c.SuspicionMult <= 0 {
		c.SuspicionMult = 4
	}
	if c.BindAddr == "" {
		c.BindAddr = "0.0.0.0"
	}
	return nil
}

// DeadTimeout returns about how long after a member stops answering the
// others declare it dead, in a cluster of n members.
func (c *MemberConfig) DeadTimeout(n int) time.Duration {
	scale := math.Max(1, math.Log10(math.Max(1, float64(n))))
	return c.ProbeInterval + time.Duration(float64(c.SuspicionMult)*scale*float64(c.ProbeInterval))
}

// MemberInfo is one live member as a Member sees it.
type MemberInfo struct {
	Name   string // memberlist node name (the node id)
	Gossip string // gossip host:port
	Meta   MemberMeta
}

// Member is one process in the gossip cluster: a memberlist member whose
// delegate carries the slot map (Gossip), plus a loop that rejoins members
// it lost after a partition. It is safe for concurrent use.
type Member struct {
	cfg    MemberConfig
	log    *slog.Logger
	gossip *Gossip
	del    *memberDelegate
	ml     *memberlist.Memberlist
	addr   string // advertised gossip address, fixed at start

	stop     chan struct{}
	stopOnce sync.Once
	down     atomic.Bool // Shutdown was called

	// mu guards known: the members seen alive and not departed, by name,
	// with a copy of their memberlist record taken under memberlist's lock.
	mu    sync.Mutex
	known map[string]knownMember
}

type knownMember struct {
	addr   string
	meta   MemberMeta
	metaOK bool
	left   bool      // announced its departure
	dead   time.Time // zero while alive
}

// StartMember creates the memberlist member, joins the seeds and starts the
// rejoin loop.
func StartMember(cfg MemberConfig) (*Member, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Member{cfg: cfg, log: cfg.Logger, stop: make(chan struct{}),
		known: make(map[string]knownMember)}
	if m.log == nil {
		m.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	meta, _ := cfg.Meta.Encode()
	m.gossip = NewGossip(GossipConfig{Initial: cfg.Initial, OnChange: cfg.OnChange})
	m.del = &memberDelegate{Gossip: m.gossip}
	m.del.meta.Store(&meta)

	mc := memberlist.DefaultLANConfig()
	mc.Name = string(cfg.NodeID)
	mc.BindAddr = cfg.BindAddr
	mc.BindPort = cfg.BindPort
	mc.AdvertiseAddr = cfg.AdvertiseAddr
	mc.AdvertisePort = cfg.AdvertisePort
	if cfg.AdvertisePort == 0 {
		mc.AdvertisePort = cfg.BindPort
	}
	mc.Label = cfg.ClusterName
	mc.SecretKey = cfg.SecretKey
	mc.ProbeInterval = cfg.ProbeInterval
	mc.ProbeTimeout = cfg.ProbeTimeout
	mc.SuspicionMult = cfg.SuspicionMult
	mc.GossipInterval = cfg.GossipInterval
	mc.PushPullInterval = cfg.PushPullInterval
	mc.GossipToTheDeadTime = 2 * cfg.DeadTimeout(10)
	mc.DeadNodeReclaimTime = cfg.DeadTimeout(10)
	mc.TCPTimeout = cfg.TCPTimeout
	mc.Delegate = m.del
	mc.Transport = cfg.transport
	mc.Events = &memberEvents{m: m}
	mc.Logger = nil
	mc.LogOutput = &logWriter{log: m.log}
	ml, err := memberlist.Create(mc)
	if err != nil {
		return nil, fmt.Errorf("slots: member: %w", err)
	}
	m.ml = ml
	m.addr = ml.LocalNode().Address() // read once: memberlist updates the record in place
	m.gossip.Bind(ml)
	if len(cfg.Join) > 0 {
		if _, err := ml.Join(cfg.Join); err != nil {
			if cfg.MustJoin {
				_ = ml.Shutdown()
				return nil, fmt.Errorf("slots: member: join %v: %w", cfg.Join, err)
			}
			m.log.Warn("gossip: no seed answered, retrying in the background", "seeds", cfg.Join, "err", err)
		}
	}
	go m.rejoinLoop()
	return m, nil
}

// Addr returns the member's gossip address (host:port) as the others see it.
func (m *Member) Addr() string { return m.addr }

// Config returns the member's configuration with defaults filled in.
func (m *Member) Config() MemberConfig { return m.cfg }

// Map returns the current slot map.
func (m *Member) Map() *Map { return m.gossip.Map() }

// Update merges next into the current map and spreads the result; it
// reports whether the map changed. Build next from Map() with a Builder.
func (m *Member) Update(next *Map) bool { return m.gossip.Update(next) }

// SetMeta publishes new metadata (NodeID stays the member's own) and waits
// up to timeout for the broadcast to go out; timeout <= 0 does not wait.
func (m *Member) SetMeta(meta MemberMeta, timeout time.Duration) error {
	meta.NodeID = m.cfg.NodeID
	b, err := meta.Encode()
	if err != nil {
		return err
	}
	m.del.meta.Store(&b)
	if timeout <= 0 {
		// The broadcast goes on after UpdateNode stops waiting.
		_ = m.ml.UpdateNode(time.Nanosecond)
		return nil
	}
	return m.ml.UpdateNode(timeout)
}

// Members returns the live members (self included) ordered by name.
// Members whose metadata does not decode and members that are leaving are
// left out.
func (m *Member) Members() []MemberInfo {
	m.mu.Lock()
	out := make([]MemberInfo, 0, len(m.known))
	for name, k := range m.known {
		if k.dead.IsZero() && !k.left && k.metaOK {
			out = append(out, MemberInfo{Name: name, Gossip: k.addr, Meta: k.meta})
		}
	}
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b MemberInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// NumMembers returns the number of live members, self included.
func (m *Member) NumMembers() int { return m.ml.NumMembers() }

// Leave tells the others this member is leaving (so it is not reported
// dead) and waits up to timeout for the message to go out. Call Shutdown
// afterwards.
func (m *Member) Leave(timeout time.Duration) error {
	m.stopLoop()
	if m.down.Load() {
		return ErrMemberDown
	}
	// Say "leaving" in the meta first, so the others know not to rejoin
	// this member (memberlist reports a departure like a death).
	meta, err := DecodeMemberMeta(*m.del.meta.Load())
	if err == nil {
		meta.Leaving = true
		if b, err := meta.Encode(); err == nil {
			m.del.meta.Store(&b)
			_ = m.ml.UpdateNode(timeout / 2)
		}
	}
	return m.ml.Leave(timeout / 2)
}

// Shutdown stops the member without telling the others (they will detect it
// as dead); after Leave it just releases the listeners.
func (m *Member) Shutdown() error {
	m.stopLoop()
	m.down.Store(true)
	return m.ml.Shutdown()
}

// stopLoop stops the rejoin loop. It does not wait for a join in progress
// (bounded by TCPTimeout): that one finds the member shut down.
func (m *Member) stopLoop() { m.stopOnce.Do(func() { close(m.stop) }) }

// rejoinLoop re-joins lost members: after a partition longer than the dead
// timeout every side has declared the other dead and memberlist no longer
// talks to it; joining again heals the cluster without an operator.
func (m *Member) rejoinLoop() {
	t := time.NewTicker(m.cfg.RejoinInterval)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
		}
		targets := m.rejoinTargets(time.Now())
		if len(targets) == 0 || m.down.Load() {
			continue
		}
		n, err := m.ml.Join(targets)
		m.log.Debug("gossip: rejoin", "targets", targets, "joined", n, "err", err)
	}
}

// rejoinTargets returns the addresses of known members that are not alive
// now, plus the seeds when the member is alone. Members dead for longer than
// ForgetAfter are forgotten.
func (m *Member) rejoinTargets(now time.Time) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	alive := 1
	self := string(m.cfg.NodeID)
	for name, k := range m.known {
		switch {
		case name == self:
		case k.left:
		case k.dead.IsZero():
			alive++
		case now.Sub(k.dead) > m.cfg.ForgetAfter:
			delete(m.known, name)
		default:
			out = append(out, k.addr)
		}
	}
	if alive == 1 {
		for _, s := range m.cfg.Join {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// memberDelegate is the Gossip with this member's changeable metadata.
type memberDelegate struct {
	*Gossip
	meta atomic.Pointer[[]byte]
}

// NodeMeta implements memberlist.Delegate.
func (d *memberDelegate) NodeMeta(limit int) []byte {
	b := *d.meta.Load()
	if len(b) > limit {
		return b[:limit]
	}
	return b
}

// memberEvents keeps Member.known. memberlist calls it with its node lock
// held, which makes the copy of the record consistent; it touches nothing
// but Member.known.
type memberEvents struct{ m *Member }

func (e *memberEvents) alive(n *memberlist.Node) {
	meta, err := DecodeMemberMeta(n.Meta)
	k := knownMember{addr: n.Address(), meta: meta, metaOK: err == nil, left: meta.Leaving}
	e.m.mu.Lock()
	e.m.known[n.Name] = k
	e.m.mu.Unlock()
}

func (e *memberEvents) NotifyJoin(n *memberlist.Node)   { e.alive(n) }
func (e *memberEvents) NotifyUpdate(n *memberlist.Node) { e.alive(n) }

func (e *memberEvents) NotifyLeave(n *memberlist.Node) {
	e.m.mu.Lock()
	defer e.m.mu.Unlock()
	k, ok := e.m.known[n.Name]
	if !ok || k.left {
		delete(e.m.known, n.Name)
		return
	}
	k.dead = time.Now()
	e.m.known[n.Name] = k
}

// logWriter turns memberlist's "[LEVEL] memberlist: text" lines into slog
// records.
type logWriter struct{ log *slog.Logger }

func (w *logWriter) Write(p []byte) (int, error) {
	line := string(bytes.TrimSpace(p))
	level := slog.LevelInfo
	for _, l := range [...]struct {
		tag string
		lv  slog.Level
	}{{"[DEBUG]", slog.LevelDebug}, {"[INFO]", slog.LevelInfo}, {"[WARN]", slog.LevelWarn}, {"[ERR]", slog.LevelError}} {
		if i := bytes.Index(p, []byte(l.tag)); i >= 0 {
			level = l.lv
			line = string(bytes.TrimSpace(p[i+len(l.tag):]))
			break
		}
	}
	w.log.Log(context.Background(), level, line)
	return len(p), nil
}

// ErrMemberDown reports a call on a member after Shutdown.
var ErrMemberDown = errors.New("slots: member is shut down")

// ErrMemberAddr reports a gossip address that cannot be parsed.
var ErrMemberAddr = errors.New("slots: bad gossip address")

// SplitHostPort parses a host:port gossip address.
func SplitHostPort(addr string) (string, int, error) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("%w: %q: %w", ErrMemberAddr, addr, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("%w: %q", ErrMemberAddr, addr)
	}
	return h, port, nil
}
