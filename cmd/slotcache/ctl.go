package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/slotcache/slotcache/protocol/resp"
	"github.com/slotcache/slotcache/slots"
)

const ctlUsage = `usage: slotcache ctl <command> [flags]

commands:
  create    place the waiting nodes in groups and assign the slots evenly
  check     check that every slot is served and every node agrees
  info      one line per group: master, keys, slots, replicas

Run 'slotcache ctl <command> --help' for the flags of a command.
`

// ctlOptions are the flags every ctl command shares: how to join the
// cluster's gossip as a short-lived member.
type ctlOptions struct {
	Join        []string
	ClusterName string
	GossipKey   []byte
	Bind        string        // gossip listen address of ctl itself ("": from the seed)
	Timeout     time.Duration // for each wait
}

// createOptions configure createCluster.
type createOptions struct {
	ctlOptions
	// Replicas is the number of replicas per group (redis-cli's
	// --cluster-replicas).
	Replicas int
	// Nodes, when not 0, is how many nodes to wait for; otherwise ctl
	// waits until the number of nodes has not changed for a second.
	Nodes int
	// IfNeeded makes create succeed without change when every slot is
	// already assigned (a cluster restarted on its data directories).
	IfNeeded bool
}

func runCtl(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, ctlUsage)
		return errors.New("no ctl command")
	}
	fs := pflag.NewFlagSet("ctl "+args[0], pflag.ContinueOnError)
	fs.SetOutput(stderr)
	join := fs.StringSlice("join", []string{"127.0.0.1:17001"}, "gossip address (host:port) of a cluster member")
	name := fs.String("cluster-name", "slotcache", "cluster name")
	key := fs.String("gossip-key", "", "gossip encryption key: 16, 24 or 32 bytes, raw or base64")
	bind := fs.String("bind", "", "gossip listen address of ctl (default: loopback for a loopback seed, else all)")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for nodes and for the cluster to agree")
	var replicas, nodes *int
	switch args[0] {
	case "create":
		replicas = fs.Int("replicas", 0, "replicas per group")
		nodes = fs.Int("nodes", 0, "number of nodes to wait for (default: until no new node for a second)")
	case "check", "info":
	case "help", "--help", "-h":
		fmt.Fprint(stdout, ctlUsage)
		return nil
	default:
		fmt.Fprint(stderr, ctlUsage)
		return fmt.Errorf("unknown ctl command %q", args[0])
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return errHelp
		}
		return err
	}
	gk, err := gossipKey(*key)
	if err != nil {
		return err
	}
	opts := ctlOptions{Join: *join, ClusterName: *name, GossipKey: gk, Bind: *bind, Timeout: *timeout}
	switch args[0] {
	case "create":
		return createCluster(ctx, createOptions{ctlOptions: opts, Replicas: *replicas, Nodes: *nodes}, stdout)
	case "check":
		return checkCluster(ctx, opts, stdout)
	default:
		return infoCluster(ctx, opts, stdout)
	}
}

// joinAsCtl joins the cluster as a short-lived member without a RESP
// address (nodes and proxies ignore it). Leave it with m.Leave, then
// Shutdown.
func joinAsCtl(opts ctlOptions) (*slots.Member, error) {
	if len(opts.Join) == 0 {
		return nil, errors.New("--join: no seed")
	}
	bind := opts.Bind
	if bind == "" {
		bind = "0.0.0.0"
		if h, _, err := net.SplitHostPort(opts.Join[0]); err == nil {
			if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() || h == "localhost" {
				bind = "127.0.0.1"
			}
		}
	}
	return slots.StartMember(slots.MemberConfig{
		NodeID: randomNodeID(), BindAddr: bind, BindPort: 0,
		ClusterName: opts.ClusterName, SecretKey: opts.GossipKey, Join: opts.Join, MustJoin: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
}

func leave(m *slots.Member) {
	_ = m.Leave(time.Second)
	_ = m.Shutdown()
}

// liveNodes returns the storage nodes that are live members and recorded in
// m, ordered by address.
func liveNodes(member *slots.Member, m *slots.Map) []slots.Node {
	var out []slots.Node
	for _, in := range member.Members() {
		if in.Meta.Role == slots.RoleProxy || in.Meta.Addr == "" {
			continue
		}
		if n, ok := m.Node(slots.NodeID(in.Name)); ok && n.Role != slots.RoleProxy {
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(a, b slots.Node) int { return strings.Compare(a.Addr, b.Addr) })
	return out
}

// waitNodes waits for want nodes, or (want 0) until the count has been
// stable for a second with at least one node.
func waitNodes(ctx context.Context, member *slots.Member, want int, timeout time.Duration, out io.Writer) ([]slots.Node, error) {
	deadline := time.Now().Add(timeout)
	last, since := -1, time.Now()
	for {
		ns := liveNodes(member, member.Map())
		if len(ns) != last {
			last, since = len(ns), time.Now()
		}
		if want > 0 && len(ns) >= want || want == 0 && len(ns) > 0 && time.Since(since) >= time.Second {
			return ns, nil
		}
		if time.Now().After(deadline) {
			return ns, fmt.Errorf("%d nodes after %v, waiting for %d", len(ns), timeout, want)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// plan is what create changes: new groups with their masters, the replicas
// each group gains, and the slot ranges.
type plan struct {
	masters  map[slots.GroupID]slots.Node
	replicas map[slots.GroupID][]slots.NodeID
	ranges   []slots.Range
	unplaced []slots.Node
}

// planCreate places the nodes without a group and splits the slots. Nodes
// already in a group (started with --group) keep it; without such groups
// the free nodes give len/(replicas+1) masters, chosen on distinct hosts
// first as redis-cli does, and the others become replicas (another host
// than their master's where possible).
func planCreate(m *slots.Map, nodes []slots.Node, replicas int) (*plan, error) {
	for s := 0; s < slots.NumSlots; s++ {
		if m.Lookup(s) != 0 {
			return nil, fmt.Errorf("slot %d is already assigned: the cluster exists (see 'slotcache ctl check')", s)
		}
	}
	p := &plan{masters: map[slots.GroupID]slots.Node{}, replicas: map[slots.GroupID][]slots.NodeID{}}
	var free []slots.Node
	var maxGroup slots.GroupID
	for _, g := range m.Groups() {
		maxGroup = max(maxGroup, g)
	}
	existing := map[slots.GroupID]slots.Node{}
	for _, n := range nodes {
		if n.Group == 0 {
			free = append(free, n)
			continue
		}
		if g, ok := m.Group(n.Group); ok && g.Master == n.ID {
			existing[n.Group] = n
		}
	}
	if len(existing) == 0 {
		nm := len(free) / (replicas + 1)
		if nm == 0 {
			return nil, fmt.Errorf("%d nodes cannot make a group with %d replicas", len(free), replicas)
		}
		masters := pickMasters(free, nm)
		for i, n := range masters {
			g := maxGroup + 1 + slots.GroupID(i)
			p.masters[g] = n
			existing[g] = n
		}
		free = slices.DeleteFunc(free, func(n slots.Node) bool { return slices.Contains(masters, n) })
	}
	// Replicas up to the count asked for, then any extra nodes as extra
	// replicas when the groups were made here.
	want := replicas
	if len(p.masters) > 0 && len(free) > replicas*len(existing) {
		want = (len(free) + len(existing) - 1) / len(existing)
	}
	placed := slots.PlaceReplicas(existing, free, want)
	fixAffinity(existing, placed, free)
	for g, ids := range placed {
		p.replicas[g] = ids
		free = slices.DeleteFunc(free, func(n slots.Node) bool { return slices.Contains(ids, n.ID) })
	}
	p.unplaced = free
	groups := make([]slots.GroupID, 0, len(existing))
	for g := range existing {
		groups = append(groups, g)
	}
	slices.Sort(groups)
	p.ranges = slots.Evenly(groups)
	return p, nil
}

// fixAffinity swaps replicas between groups where that moves a replica off
// its master's host without putting the other one on its master's host
// (the greedy placement can leave the last group only a spare on its own
// master's host).
func fixAffinity(masters map[slots.GroupID]slots.Node, placed map[slots.GroupID][]slots.NodeID, spares []slots.Node) {
	host := map[slots.NodeID]string{}
	for _, n := range spares {
		host[n.ID], _, _ = net.SplitHostPort(n.Addr)
	}
	mhost := func(g slots.GroupID) string { h, _, _ := net.SplitHostPort(masters[g].Addr); return h }
	groups := make([]slots.GroupID, 0, len(placed))
	for g := range placed {
		groups = append(groups, g)
	}
	slices.Sort(groups)
	for _, g1 := range groups {
		for i, r1 := range placed[g1] {
			if host[r1] != mhost(g1) {
				continue
			}
		swap:
			for _, g2 := range groups {
				for j, r2 := range placed[g2] {
					if g2 != g1 && host[r2] != mhost(g1) && host[r1] != mhost(g2) {
						placed[g1][i], placed[g2][j] = r2, r1
						break swap
					}
				}
			}
		}
	}
}

// pickMasters takes n nodes, one host after the other, so masters spread
// over hosts.
func pickMasters(nodes []slots.Node, n int) []slots.Node {
	byHost := map[string][]slots.Node{}
	var hosts []string
	for _, nd := range nodes {
		h, _, _ := net.SplitHostPort(nd.Addr)
		if _, ok := byHost[h]; !ok {
			hosts = append(hosts, h)
		}
		byHost[h] = append(byHost[h], nd)
	}
	var out []slots.Node
	for len(out) < n {
		for _, h := range hosts {
			if len(out) < n && len(byHost[h]) > 0 {
				out = append(out, byHost[h][0])
				byHost[h] = byHost[h][1:]
			}
		}
	}
	return out
}

// apply builds the map the plan describes on top of m.
func (p *plan) apply(m *slots.Map) (*slots.Map, error) {
	b := slots.NewBuilder(m)
	for g, n := range p.masters {
		n.Group, n.Role = g, slots.RoleMaster
		b.SetNode(n)
	}
	for g, ids := range p.replicas {
		master := p.masters[g].ID
		var reps []slots.NodeID
		if gr, ok := m.Group(g); ok {
			master, reps = gr.Master, gr.Replicas
		}
		for _, id := range ids {
			n, _ := m.Node(id)
			n.Group, n.Role = g, slots.RoleReplica
			b.SetNode(n)
		}
		b.SetGroup(g, master, append(reps, ids...)...)
	}
	for g, n := range p.masters {
		if _, ok := p.replicas[g]; !ok {
			b.SetGroup(g, n.ID)
		}
	}
	for _, r := range p.ranges {
		b.Assign(r.Start, r.End, r.Group)
	}
	return b.Build()
}

// createCluster joins the cluster, waits for the nodes, places them, assigns
// the slots evenly, and waits until every node reports cluster_state:ok.
func createCluster(ctx context.Context, opts createOptions, out io.Writer) error {
	member, err := joinAsCtl(opts.ctlOptions)
	if err != nil {
		return err
	}
	defer leave(member)
	nodes, err := waitNodes(ctx, member, opts.Nodes, opts.Timeout, out)
	if err != nil {
		return err
	}
	m := member.Map()
	if opts.IfNeeded && m.Covered() {
		fmt.Fprintf(out, ">>> Every slot is already assigned: the cluster exists\n")
		if err := waitAllOK(ctx, m, opts.Timeout); err != nil {
			return err
		}
		return checkMap(ctx, out, member.Map(), member)
	}
	fmt.Fprintf(out, ">>> Performing hash slots allocation on %d nodes...\n", len(nodes))
	p, err := planCreate(m, nodes, opts.Replicas)
	if err != nil {
		return err
	}
	next, err := p.apply(m)
	if err != nil {
		return err
	}
	for i, r := range p.ranges {
		fmt.Fprintf(out, "Master[%d] -> Slots %d - %d\n", i, r.Start, r.End)
	}
	for _, g := range next.Groups() {
		gr, _ := next.Group(g)
		master, _ := next.Node(gr.Master)
		for _, id := range p.replicas[g] {
			n, _ := next.Node(id)
			fmt.Fprintf(out, "Adding replica %s to %s\n", n.Addr, master.Addr)
		}
	}
	for _, n := range p.unplaced {
		fmt.Fprintf(out, "Not placed: %s (%s)\n", n.Addr, n.ID)
	}
	printNodes(out, next, nodes)
	if !member.Update(next) {
		return errors.New("the map did not change (a concurrent change won?)")
	}
	fmt.Fprintf(out, ">>> Nodes configuration updated\n>>> Waiting for the cluster to agree\n")
	if err := waitAllOK(ctx, next, opts.Timeout); err != nil {
		return err
	}
	return checkMap(ctx, out, member.Map(), member)
}

// printNodes prints redis-cli's node summary: M:/S: lines with slots or
// master.
func printNodes(out io.Writer, m *slots.Map, order []slots.Node) {
	for _, n := range order {
		n, _ = m.Node(n.ID)
		g, ok := m.Group(n.Group)
		switch {
		case ok && g.Master == n.ID:
			fmt.Fprintf(out, "M: %s %s\n", n.ID, n.Addr)
			rs := m.SlotsOf(n.Group)
			total := 0
			var parts []string
			for _, r := range rs {
				total += r.End - r.Start + 1
				if r.Start == r.End {
					parts = append(parts, fmt.Sprint(r.Start))
				} else {
					parts = append(parts, fmt.Sprintf("%d-%d", r.Start, r.End))
				}
			}
			fmt.Fprintf(out, "   slots:[%s] (%d slots) master\n", strings.Join(parts, ","), total)
			if len(g.Replicas) > 0 {
				fmt.Fprintf(out, "   %d additional replica(s)\n", len(g.Replicas))
			}
		case ok:
			fmt.Fprintf(out, "S: %s %s\n   slots: (0 slots) slave\n   replicates %s\n", n.ID, n.Addr, g.Master)
		default:
			fmt.Fprintf(out, "?: %s %s\n   not in a group\n", n.ID, n.Addr)
		}
	}
}

// waitAllOK polls CLUSTER INFO on every node of m until each reports
// cluster_state:ok with at least m's epoch.
func waitAllOK(ctx context.Context, m *slots.Map, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for _, id := range m.Nodes() {
		n, _ := m.Node(id)
		if n.Role == slots.RoleProxy || n.Addr == "" {
			continue
		}
		for {
			info, err := clusterInfo(n.Addr)
			epoch, _ := strconv.ParseUint(info["cluster_current_epoch"], 10, 64)
			if err == nil && info["cluster_state"] == "ok" && epoch >= m.CurrentEpoch() {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s: cluster_state %q after %v (%v)", n.Addr, info["cluster_state"], timeout, err)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	return nil
}

// respDo sends one command to addr and reads the reply, within 2 seconds.
func respDo(addr string, args ...string) (resp.Value, error) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return resp.Value{}, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write(resp.AppendCommand(nil, args...)); err != nil {
		return resp.Value{}, err
	}
	v, err := resp.NewReader(c, resp.Limits{}).ReadReply()
	if err == nil && v.Type == '-' {
		err = errors.New(string(v.Str))
	}
	return v, err
}

// clusterInfo returns a node's CLUSTER INFO fields.
func clusterInfo(addr string) (map[string]string, error) {
	v, err := respDo(addr, "CLUSTER", "INFO")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, l := range strings.Split(string(v.Str), "\r\n") {
		if k, val, ok := strings.Cut(l, ":"); ok {
			out[k] = val
		}
	}
	return out, nil
}

// checkCluster prints the map and checks coverage and every node's state.
func checkCluster(ctx context.Context, opts ctlOptions, out io.Writer) error {
	member, err := joinAsCtl(opts)
	if err != nil {
		return err
	}
	defer leave(member)
	return checkMap(ctx, out, member.Map(), member)
}

// checkMap prints redis-cli's "Performing Cluster Check" report for m.
func checkMap(ctx context.Context, out io.Writer, m *slots.Map, member *slots.Member) error {
	nodes := liveNodes(member, m)
	if len(nodes) == 0 {
		return errors.New("no node in the cluster")
	}
	// the map may still be moving (a node registering itself after a
	// change): give the members a few seconds to agree
	problems := disagreements(m, nodes)
	for deadline := time.Now().Add(5 * time.Second); len(problems) > 0 && time.Now().Before(deadline); {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		m = member.Map()
		nodes = liveNodes(member, m)
		problems = disagreements(m, nodes)
	}
	fmt.Fprintf(out, ">>> Performing Cluster Check (using node %s)\n", nodes[0].Addr)
	printNodes(out, m, nodes)
	if len(problems) == 0 {
		fmt.Fprintln(out, "[OK] All nodes agree about slots configuration.")
	} else {
		for _, p := range problems {
			fmt.Fprintf(out, "[ERR] %s\n", p)
		}
	}
	fmt.Fprintln(out, ">>> Check for open slots...")
	for s := 0; s < slots.NumSlots; s++ {
		if to := m.MigratingTo(s); to != 0 {
			fmt.Fprintf(out, "[WARNING] slot %d is migrating from group %d to group %d\n", s, m.Lookup(s), to)
		}
	}
	fmt.Fprintln(out, ">>> Check slots coverage...")
	if !m.Covered() {
		return fmt.Errorf("not all %d slots are covered by nodes", slots.NumSlots)
	}
	fmt.Fprintf(out, "[OK] All %d slots covered.\n", slots.NumSlots)
	if len(problems) > 0 {
		return fmt.Errorf("%d nodes disagree or are not ok", len(problems))
	}
	return nil
}

// disagreements lists the nodes that are not ok or not at m's epoch.
func disagreements(m *slots.Map, nodes []slots.Node) []string {
	var problems []string
	for _, n := range nodes {
		info, err := clusterInfo(n.Addr)
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s: %v", n.Addr, err))
		case info["cluster_state"] != "ok":
			problems = append(problems, fmt.Sprintf("%s: cluster_state:%s", n.Addr, info["cluster_state"]))
		case info["cluster_current_epoch"] != fmt.Sprint(m.CurrentEpoch()):
			problems = append(problems, fmt.Sprintf("%s: current epoch %s, map %d", n.Addr, info["cluster_current_epoch"], m.CurrentEpoch()))
		}
	}
	return problems
}

// infoCluster prints one line per group, as redis-cli --cluster info.
func infoCluster(ctx context.Context, opts ctlOptions, out io.Writer) error {
	member, err := joinAsCtl(opts)
	if err != nil {
		return err
	}
	defer leave(member)
	m := member.Map()
	var keys int64
	groups := 0
	for _, g := range m.Groups() {
		gr, _ := m.Group(g)
		master, ok := m.Node(gr.Master)
		if !ok {
			continue
		}
		groups++
		n := int64(-1)
		if v, err := respDo(master.Addr, "DBSIZE"); err == nil {
			n = v.Int
			keys += n
		}
		total := 0
		for _, r := range m.SlotsOf(g) {
			total += r.End - r.Start + 1
		}
		fmt.Fprintf(out, "%s (%s...) -> %d keys | %d slots | %d slaves.\n", master.Addr, master.ID[:8], n, total, len(gr.Replicas))
	}
	fmt.Fprintf(out, "[OK] %d keys in %d masters.\n", keys, groups)
	fmt.Fprintf(out, "%.2f keys per slot on average.\n", float64(keys)/slots.NumSlots)
	return nil
}
