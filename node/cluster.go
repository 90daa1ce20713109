package node

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slotcache/slotcache/slots"
)

// ClusterConfig is what cluster mode needs beyond Config: where the gossip
// listener is, which cluster to join, and where this node starts. The slot
// map, once it records the node, is authoritative: Group and Role only
// place a node the map does not know yet.
type ClusterConfig struct {
	// GossipBind is the gossip listener's address; "" means the first
	// Config.Bind address, or all interfaces.
	GossipBind string
	// GossipPort is the gossip port (TCP and UDP); 0 means the RESP port +
	// 10000, Redis Cluster's bus port rule.
	GossipPort int
	// GossipAdvertise, host:port, is the gossip address the other members
	// use, when it differs from the bound one (NAT, containers).
	GossipAdvertise string
	// AnnounceIP is the host clients and members reach the RESP port at;
	// "" means the gossip address's host.
	AnnounceIP string
	// AdminAddr is the admin HTTP address published in the map, if any.
	AdminAddr string
	// Join lists seed members (host:port of their gossip listeners).
	Join []string
	// ClusterName keeps clusters sharing a network apart.
	ClusterName string
	// GossipKey, when set, encrypts gossip (16, 24 or 32 bytes).
	GossipKey []byte
	// Group, when not 0, places a new node in that group: as its master
	// when the group has none (or Role says master), else as a replica.
	Group slots.GroupID
	// Role is the role a new node asks for: RoleMaster, RoleReplica or
	// RoleNone (decided by Group as above).
	Role slots.Role
	// KeyIndexes appends the positions of the key arguments of a command
	// to dst (router.KeyIndexes: the node cannot import the router, whose
	// tests start nodes). Required.
	KeyIndexes func(args [][]byte, dst []int) []int
}

// Validate checks cc.
func (cc *ClusterConfig) Validate() error {
	if cc.GossipPort < 0 || cc.GossipPort > 65535 {
		return fmt.Errorf("%w: gossip port %d out of range", ErrConfig, cc.GossipPort)
	}
	if cc.Role != slots.RoleNone && cc.Role != slots.RoleMaster && cc.Role != slots.RoleReplica {
		return fmt.Errorf("%w: a node's role is master, replica or none, not %s", ErrConfig, cc.Role)
	}
	if cc.Role != slots.RoleNone && cc.Group == 0 {
		return fmt.Errorf("%w: a role needs a group", ErrConfig)
	}
	switch len(cc.GossipKey) {
	case 0, 16, 24, 32:
	default:
		return fmt.Errorf("%w: gossip key must be 16, 24 or 32 bytes", ErrConfig)
	}
	if cc.KeyIndexes == nil {
		return fmt.Errorf("%w: cluster mode needs a key finder (router.KeyIndexes)", ErrConfig)
	}
	if cc.GossipAdvertise != "" {
		if _, _, err := slots.SplitHostPort(cc.GossipAdvertise); err != nil {
			return fmt.Errorf("%w: gossip advertise: %w", ErrConfig, err)
		}
	}
	return nil
}

// ErrClusterDisabled is returned by cluster calls on a standalone node.
var ErrClusterDisabled = errors.New("node: cluster support disabled")

// cluster is the node's cluster state: its member in the gossip cluster and
// a view of the map and the live members, rebuilt when either changes.
type cluster struct {
	srv    *Server
	log    *slog.Logger
	id     slots.NodeID
	cfg    ClusterConfig
	addr   string // RESP host:port as published
	member *slots.Member
	conf   *nodesConf

	view    atomic.Pointer[clusterView]
	changed chan struct{} // map changed: refresh soon
	stop    chan struct{}
	done    chan struct{}
	left    atomic.Bool // LeaveCluster ran

	// mu serialises refreshes.
	mu       sync.Mutex
	lastMeta slots.MemberMeta
	saved    *slots.Map
}

// clusterView is an immutable snapshot for commands: the map, which of its
// nodes are alive, and the cluster state derived from both.
type clusterView struct {
	m        *slots.Map
	alive    map[slots.NodeID]string // live members: gossip address
	full     bool                    // every slot has a live master
	assigned int                     // slots with a group
	slotsOK  int                     // of those, with a live master
}

// stateOK is cluster_state: with requireFull (cluster-require-full-coverage)
// every slot must have a live master, as Redis's cluster state; without it
// the cluster is ok and each group serves the slots it can.
func (v *clusterView) stateOK(requireFull bool) bool { return v.full || !requireFull }

// StartCluster switches s to cluster mode: it loads or creates the node id
// in Dir, starts the gossip member, joins the seeds and records the node in
// the slot map. Call it before serving clients (Config.Port must be the
// real RESP port), and LeaveCluster when done.
func (s *Server) StartCluster(cc ClusterConfig) error {
	if err := cc.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	cfg := s.cfg
	s.mu.Unlock()
	if !cfg.ClusterEnabled {
		return ErrClusterDisabled
	}
	if s.cluster.Load() != nil {
		return fmt.Errorf("node: cluster already started")
	}
	if cfg.Port == 0 {
		return fmt.Errorf("%w: cluster mode needs a fixed port", ErrConfig)
	}
	conf, id, initial, err := openNodesConf(cfg.Dir, cfg.ClusterConfigFile)
	if err != nil {
		return err
	}
	cl := &cluster{srv: s, log: s.log.With("node", string(id)[:8]), id: id, cfg: cc, conf: conf,
		changed: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	mc := cl.memberConfig(cfg, initial)
	m, err := slots.StartMember(mc)
	if err != nil {
		conf.close()
		return err
	}
	cl.member = m
	host := cc.AnnounceIP
	if host == "" {
		host, _, _ = net.SplitHostPort(m.Addr())
	}
	cl.addr = net.JoinHostPort(host, strconv.Itoa(cfg.Port))
	cl.refresh()
	s.wrapClusterCommands()
	s.cluster.Store(cl)
	go cl.loop(mc.ProbeInterval)
	cl.log.Info("cluster mode", "id", string(id), "gossip", m.Addr(), "addr", cl.addr, "members", m.NumMembers())
	return nil
}

// memberConfig derives the gossip member's settings; timings follow
// cluster-node-timeout (15 s: probes every second, dead after about 14 s).
func (cl *cluster) memberConfig(cfg Config, initial *slots.Map) slots.MemberConfig {
	cc := cl.cfg
	bind := cc.GossipBind
	if bind == "" && len(cfg.Bind) > 0 {
		bind = cfg.Bind[0]
	}
	port := cc.GossipPort
	if port == 0 {
		port = cfg.Port + 10000
	}
	var advHost string
	var advPort int
	if cc.GossipAdvertise != "" {
		advHost, advPort, _ = slots.SplitHostPort(cc.GossipAdvertise)
	}
	t := cfg.ClusterNodeTimeout
	probe := min(max(t/10, 10*time.Millisecond), time.Second)
	return slots.MemberConfig{
		NodeID: cl.id, Role: cc.Role, BindAddr: bind, BindPort: port,
		AdvertiseAddr: advHost, AdvertisePort: advPort,
		ClusterName: cc.ClusterName, SecretKey: cc.GossipKey, Join: cc.Join,
		Meta:             slots.MemberMeta{Group: cc.Group, AdminAddr: cc.AdminAddr},
		Initial:          initial,
		OnChange:         func(_, _ *slots.Map) { cl.notify() },
		Logger:           cl.log,
		ProbeInterval:    probe,
		SuspicionMult:    max(2, int(t/probe)-2),
		GossipInterval:   min(200*time.Millisecond, probe/2),
		PushPullInterval: 10 * probe,
		RejoinInterval:   t,
		TCPTimeout:       min(max(t/3, 500*time.Millisecond), 5*time.Second),
	}
}

// LeaveCluster tells the cluster this node is going away, stops gossip and
// saves the cluster configuration file. It does nothing on a standalone
// node.
func (s *Server) LeaveCluster(timeout time.Duration) error {
	cl := s.cluster.Load()
	if cl == nil || !cl.left.CompareAndSwap(false, true) {
		return nil
	}
	close(cl.stop)
	<-cl.done
	err := cl.member.Leave(timeout)
	cl.member.Shutdown()
	cl.save()
	cl.conf.close()
	return err
}

// ClusterMember returns the node's gossip member, or nil on a standalone
// node.
func (s *Server) ClusterMember() *slots.Member {
	if cl := s.cluster.Load(); cl != nil {
		return cl.member
	}
	return nil
}

// ClusterID returns the node id, or "" on a standalone node.
func (s *Server) ClusterID() slots.NodeID {
	if cl := s.cluster.Load(); cl != nil {
		return cl.id
	}
	return ""
}

// notify asks the loop for a refresh; it never blocks (it runs inside the
// gossip merge).
func (cl *cluster) notify() {
	select {
	case cl.changed <- struct{}{}:
	default:
	}
}

// loop refreshes the view when the map changes and every probe interval
// (membership changes), until LeaveCluster.
func (cl *cluster) loop(every time.Duration) {
	defer close(cl.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-cl.stop:
			return
		case <-cl.changed:
		case <-t.C:
		}
		cl.refresh()
	}
}

// refresh registers the node in the map when needed, publishes its meta,
// rebuilds the view and saves the configuration file when the map changed.
func (cl *cluster) refresh() {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if next := cl.reconcile(cl.member.Map()); next != nil {
		cl.member.Update(next)
	}
	m := cl.member.Map()
	if self, ok := m.Node(cl.id); ok {
		meta := slots.MemberMeta{NodeID: cl.id, Role: self.Role, Group: self.Group, Addr: self.Addr, AdminAddr: self.AdminAddr}
		if meta != cl.lastMeta {
			if err := cl.member.SetMeta(meta, 0); err != nil {
				cl.log.Warn("gossip: publishing meta", "err", err)
			}
			cl.lastMeta = meta
		}
	}
	v := &clusterView{m: m, alive: make(map[slots.NodeID]string)}
	for _, in := range cl.member.Members() {
		v.alive[slots.NodeID(in.Name)] = in.Gossip
	}
	v.alive[cl.id] = cl.member.Addr()
	var lastGroup slots.GroupID
	lastOK := false
	for s := 0; s < slots.NumSlots; s++ {
		g := m.Lookup(s)
		if g == 0 {
			continue
		}
		v.assigned++
		if g != lastGroup { // slots come in long runs of one group
			master, ok := m.Owner(s)
			lastGroup, lastOK = g, ok && v.alive[master.ID] != ""
		}
		if lastOK {
			v.slotsOK++
		}
	}
	v.full = v.slotsOK == slots.NumSlots
	cl.view.Store(v)
	if cl.saved == nil || !cl.saved.Equal(m) {
		cl.saveLocked(m)
	}
}

// reconcile returns the map with this node recorded, or nil when nothing
// needs to change: a new node is placed as its configuration asks; a known
// one keeps its group and role from the map, with its current addresses,
// and is listed in its group when a concurrent change dropped it.
func (cl *cluster) reconcile(m *slots.Map) *slots.Map {
	self, known := m.Node(cl.id)
	changed := !known
	if !known {
		self = slots.Node{ID: cl.id}
		if g := cl.cfg.Group; g != 0 {
			gr, ok := m.Group(g)
			self.Group, self.Role = g, slots.RoleReplica
			if cl.cfg.Role != slots.RoleReplica && (!ok || gr.Master == "") {
				self.Role = slots.RoleMaster
			} else if cl.cfg.Role == slots.RoleMaster {
				cl.log.Warn("cluster: group already has a master, joining it as a replica", "group", g, "master", string(gr.Master))
			}
		}
	}
	if self.Addr != cl.addr || self.AdminAddr != cl.cfg.AdminAddr {
		self.Addr, self.AdminAddr = cl.addr, cl.cfg.AdminAddr
		changed = true
	}
	b := slots.NewBuilder(m)
	if self.Group != 0 {
		// Only additions: a group without a master gets this master, and a
		// replica missing from its group's list (two replicas that joined
		// at once: one record won) is added again.
		g, ok := m.Group(self.Group)
		switch {
		case self.Role == slots.RoleMaster && (!ok || g.Master == ""):
			b.SetGroup(self.Group, cl.id, g.Replicas...)
			changed = true
		case self.Role == slots.RoleReplica && (!ok || g.Master != cl.id && !slices.Contains(g.Replicas, cl.id)):
			b.SetGroup(self.Group, g.Master, append(g.Replicas, cl.id)...)
			changed = true
		}
	}
	if !changed {
		return nil
	}
	b.SetNode(self)
	next, err := b.Build()
	if err != nil {
		cl.log.Error("cluster: cannot record this node in the map", "err", err)
		return nil
	}
	return next
}

// save writes the configuration file with the current map.
func (cl *cluster) save() {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	cl.saveLocked(cl.member.Map())
}

func (cl *cluster) saveLocked(m *slots.Map) {
	v := cl.view.Load()
	if err := cl.conf.write(cl.id, m, cl.nodesText(v, m)); err != nil {
		cl.log.Warn("cluster: saving the configuration file", "err", err)
		return
	}
	cl.saved = m
}

// myRecord returns this node's record in m (zero when m lacks it).
func (cl *cluster) myRecord(m *slots.Map) slots.Node {
	n, _ := m.Node(cl.id)
	return n
}

// redisMode is INFO's redis_mode and HELLO's mode.
func (s *Server) redisMode() string {
	if s.cluster.Load() != nil {
		return "cluster"
	}
	return "standalone"
}

// clusterEnabled is INFO's cluster_enabled.
func (s *Server) clusterEnabled() int64 {
	if s.cluster.Load() != nil {
		return 1
	}
	return 0
}
