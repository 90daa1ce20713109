package node

import (
	"bytes"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/slotcache/slotcache/slots"
)

// Reply texts of cluster mode, as Redis Cluster words them.
const (
	msgClusterDisabled    = "ERR This instance has cluster support disabled"
	msgCrossSlot          = "CROSSSLOT Keys in request don't hash to the same slot"
	msgSlotUnbound        = "CLUSTERDOWN Hash slot not served"
	msgClusterDown        = "CLUSTERDOWN The cluster is down"
	msgSelectInCluster    = "ERR SELECT is not allowed in cluster mode"
	msgInvalidSlot        = "ERR Invalid slot"
	msgInvalidSlotOrCount = "ERR Invalid slot or number of keys"
	msgTryAgain           = "TRYAGAIN Multiple keys request during rehashing of slot"
)

// clusterCommands: CLUSTER, READONLY, READWRITE, ASKING.
func clusterCommands() []*command {
	const stale = flagStale
	return []*command{
		container("cluster", "@slow", "cluster", "A container for cluster commands", "3.0.0",
			sub("cluster|info", 2, stale, "@slow", "Provides information about Redis Cluster node state", "3.0.0", cmdClusterInfo),
			sub("cluster|nodes", 2, stale, "@slow", "Get Cluster config for the node", "3.0.0", cmdClusterNodes),
			sub("cluster|slots", 2, stale, "@slow", "Get array of Cluster slot to node mappings", "3.0.0", cmdClusterSlots),
			sub("cluster|shards", 2, stale, "@slow", "Get array of cluster slots to node mappings", "7.0.0", cmdClusterShards),
			sub("cluster|myid", 2, stale, "@slow", "Return the node id", "3.0.0", cmdClusterMyid),
			sub("cluster|keyslot", 3, stale, "@slow", "Returns the hash slot of the specified key", "3.0.0", cmdClusterKeyslot),
			sub("cluster|countkeysinslot", 3, stale, "@slow", "Return the number of local keys in the specified hash slot", "3.0.0", cmdClusterCountkeysinslot),
			sub("cluster|getkeysinslot", 4, stale, "@slow", "Return local key names in the specified hash slot", "3.0.0", cmdClusterGetkeysinslot),
			sub("cluster|replicas", 3, flagAdmin|stale, "@admin @slow @dangerous", "List replica nodes of the specified master node", "5.0.0", cmdClusterReplicas),
			sub("cluster|slaves", 3, flagAdmin|stale, "@admin @slow @dangerous", "List replica nodes of the specified master node", "3.0.0", cmdClusterReplicas),
			sub("cluster|count-failure-reports", 3, flagAdmin|stale, "@admin @slow @dangerous", "Return the number of failure reports active for a given node", "3.0.0", cmdClusterCountFailureReports),
			sub("cluster|help", 2, flagLoading|stale, "@slow", "Show helpful text about the different subcommands", "5.0.0", cmdClusterHelp),
		),
		{name: "readonly", arity: 1, flags: flagLoading | flagStale | flagFast, acl: "@fast @connection", group: "cluster", summary: "Enables read queries for a connection to a cluster replica node", since: "3.0.0", fn: cmdReadonly},
		{name: "readwrite", arity: 1, flags: flagLoading | flagStale | flagFast, acl: "@fast @connection", group: "cluster", summary: "Disables read queries for a connection to a cluster replica node", since: "3.0.0", fn: cmdReadwrite},
		{name: "asking", arity: 1, flags: flagFast, acl: "@fast @connection", group: "cluster", summary: "Sent by cluster clients after an -ASK redirect", since: "3.0.0", fn: cmdAsking},
	}
}

// clusterOf returns the node's cluster state, replying with Redis's
// "cluster support disabled" error on a standalone node.
func clusterOf(c *client) *cluster {
	cl := c.srv.cluster.Load()
	if cl == nil {
		c.w.Error(msgClusterDisabled)
	}
	return cl
}

// wrapClusterCommands adjusts the commands whose behaviour differs in
// cluster mode: SELECT allows only database 0, RESET also drops READONLY.
func (s *Server) wrapClusterCommands() {
	sel := s.commands["select"]
	selFn := sel.fn
	sel.fn = func(c *client, args [][]byte) {
		if n, ok := parseInt(args[1]); ok && n != 0 {
			c.w.Error(msgSelectInCluster)
			return
		}
		selFn(c, args)
	}
	reset := s.commands["reset"]
	resetFn := reset.fn
	reset.fn = func(c *client, args [][]byte) {
		c.readonly = false
		resetFn(c, args)
	}
}

// clusterRedirect applies Redis Cluster's key rules before a command runs
// (inside MULTI, to each command as it is queued and to EXEC for the whole
// transaction): keys must share one slot, the slot must be served, the
// cluster must be up, and the slot must belong to this node's group (its
// master, or a replica for reads after READONLY); otherwise the client is
// redirected with MOVED. It reports whether the command may run; if not,
// it has replied, flagged the transaction (or discarded it, for EXEC).
func (c *client) clusterRedirect(cl *cluster, cmd *command, args [][]byte) bool {
	exec := cmd.name == "exec"
	if exec && c.multi == nil {
		return true
	}
	m := cl.member.Map()
	slot, write := -1, cmd.flags&flagWrite != 0
	var msg string
	if exec {
		for _, q := range c.multi.cmds {
			if qc := c.srv.commands.lookup(q[0]); qc != nil && qc.flags&flagWrite != 0 {
				write = true
			}
			if slot, msg = c.keysSlot(cl, m, q, slot); msg != "" {
				break
			}
		}
	} else {
		slot, msg = c.keysSlot(cl, m, args, -1)
	}
	if msg == "" && slot >= 0 {
		if v := cl.view.Load(); v != nil && !v.stateOK(c.srv.cfg.ClusterRequireFullCoverage) {
			msg = msgClusterDown
		} else if st := m.SlotState(slot); st.MigratingTo != 0 {
			msg = c.migrationRedirect(cl, m, st, slot, cmd, args, write)
		} else {
			msg = cl.redirection(m, slot, write, c.readonly)
		}
	}
	if msg == "" {
		return true
	}
	s := c.srv
	s.stats.errorReplies++
	s.countError([]byte(msg))
	cmd.rejected++
	if exec {
		c.multi = nil
		c.unwatchAll()
	} else if c.multi != nil {
		c.multi.abort = true
	}
	c.w.Error(msg)
	return false
}

// keysSlot folds the slots of the keys of args into slot (-1: none yet) and
// returns it, or an error text for unserved slots and keys of two slots.
func (c *client) keysSlot(cl *cluster, m *slots.Map, args [][]byte, slot int) (int, string) {
	c.keyIdx = cl.cfg.KeyIndexes(args, c.keyIdx[:0])
	for _, i := range c.keyIdx {
		s := slots.KeySlot(args[i])
		switch {
		case slot < 0:
			slot = s
			if m.Lookup(s) == 0 {
				return slot, msgSlotUnbound
			}
		case s != slot:
			return slot, msgCrossSlot
		}
	}
	return slot, ""
}

// migrationRedirect applies Redis Cluster's rules for a slot being moved
// from group st.Group to st.MigratingTo: the source master serves the keys
// it still has and sends the client to the target with -ASK for keys it
// no longer has (-TRYAGAIN when a multi-key request finds some of each);
// the target master serves a client that sent ASKING (-TRYAGAIN when a
// multi-key request finds keys missing); every other case is the usual
// MOVED to the source.
func (c *client) migrationRedirect(cl *cluster, m *slots.Map, st slots.Slot, slot int, cmd *command, args [][]byte, write bool) string {
	source, _ := m.Owner(slot)
	tgt, _ := m.Group(st.MigratingTo)
	migrating, importing := source.ID == cl.id, tgt.Master == cl.id
	if !migrating && !(importing && c.asking) {
		return cl.redirection(m, slot, write, c.readonly)
	}
	keys, missing := 0, 0
	var first []byte
	multiple := false // two different keys (the same key twice is one)
	count := func(a [][]byte) {
		c.keyIdx = cl.cfg.KeyIndexes(a, c.keyIdx[:0])
		for _, i := range c.keyIdx {
			if keys++; keys == 1 {
				first = a[i]
			} else if !bytes.Equal(first, a[i]) {
				multiple = true
			}
			if c.db.peek(a[i], c.now) == nil {
				missing++
			}
		}
	}
	if cmd.name == "exec" {
		for _, q := range c.multi.cmds {
			count(q)
		}
	} else {
		count(args)
	}
	switch {
	case missing == 0:
		return ""
	case migrating && missing < keys, importing && multiple:
		return msgTryAgain
	case migrating:
		target, ok := m.Node(tgt.Master)
		if !ok {
			return msgSlotUnbound
		}
		return "ASK " + strconv.Itoa(slot) + " " + target.Addr
	}
	return "" // importing, one key, after ASKING
}

// redirection returns "" when this node serves slot, else the error reply.
func (cl *cluster) redirection(m *slots.Map, slot int, write, readonly bool) string {
	owner, ok := m.Owner(slot)
	if !ok {
		return msgSlotUnbound
	}
	if owner.ID == cl.id {
		return ""
	}
	if readonly && !write {
		if self, ok := m.Node(cl.id); ok && self.Group == m.Lookup(slot) {
			return ""
		}
	}
	return "MOVED " + strconv.Itoa(slot) + " " + owner.Addr
}

func cmdReadonly(c *client, args [][]byte) {
	if clusterOf(c) != nil {
		c.readonly = true
		c.w.OK()
	}
}

func cmdReadwrite(c *client, args [][]byte) {
	if clusterOf(c) != nil {
		c.readonly = false
		c.w.OK()
	}
}

// cmdAsking lets the next command (or transaction) use a slot this node is
// importing.
func cmdAsking(c *client, args [][]byte) {
	if clusterOf(c) != nil {
		c.asking = true
		c.w.OK()
	}
}

func cmdClusterHelp(c *client, args [][]byte) {
	if clusterOf(c) == nil {
		return
	}
	writeHelp(c,
		"CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"COUNT-FAILURE-REPORTS <node-id>",
		"    Return number of failure reports for <node-id>.",
		"COUNTKEYSINSLOT <slot>",
		"    Return the number of keys in <slot>.",
		"GETKEYSINSLOT <slot> <count>",
		"    Return key names stored by current node in a slot.",
		"INFO",
		"    Return information about the cluster.",
		"KEYSLOT <key>",
		"    Return the hash slot for <key>.",
		"MYID",
		"    Return the node id.",
		"NODES",
		"    Return cluster configuration seen by node. Output format:",
		"    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
		"REPLICAS <node-id>",
		"    Return <node-id> replicas.",
		"SLOTS",
		"    Return information about slots range mappings. Each range is made of:",
		"    start, end, master and replicas IP addresses, ports and ids",
		"SHARDS",
		"    Return information about slot range mappings and the nodes associated with them.",
		"HELP",
		"    Prints this help.",
	)
}

func cmdClusterMyid(c *client, args [][]byte) {
	if cl := clusterOf(c); cl != nil {
		c.w.BulkString(string(cl.id))
	}
}

func cmdClusterKeyslot(c *client, args [][]byte) {
	if clusterOf(c) != nil {
		c.w.Int(int64(slots.KeySlot(args[2])))
	}
}

func cmdClusterCountkeysinslot(c *client, args [][]byte) {
	if clusterOf(c) == nil {
		return
	}
	n, ok := parseInt(args[2])
	if !ok {
		c.w.Error(msgNotInteger)
		return
	}
	if n < 0 || n >= slots.NumSlots {
		c.w.Error(msgInvalidSlot)
		return
	}
	if sd := c.db.slots[n]; sd != nil {
		c.w.Int(int64(len(sd.keys)))
		return
	}
	c.w.Int(0)
}

func cmdClusterGetkeysinslot(c *client, args [][]byte) {
	if clusterOf(c) == nil {
		return
	}
	slot, ok1 := parseInt(args[2])
	count, ok2 := parseInt(args[3])
	if !ok1 || !ok2 {
		c.w.Error(msgNotInteger)
		return
	}
	if slot < 0 || slot >= slots.NumSlots || count < 0 {
		c.w.Error(msgInvalidSlotOrCount)
		return
	}
	sd := c.db.slots[slot]
	if sd == nil {
		c.w.Array(0)
		return
	}
	n := min(int64(len(sd.keys)), count)
	c.w.Array(int(n))
	for k := range sd.keys {
		if n == 0 {
			break
		}
		c.w.BulkString(k)
		n--
	}
}

func cmdClusterInfo(c *client, args [][]byte) {
	if cl := clusterOf(c); cl != nil {
		c.w.Verbatim("txt", cl.infoText(cl.view.Load()))
	}
}

func cmdClusterNodes(c *client, args [][]byte) {
	if cl := clusterOf(c); cl != nil {
		v := cl.view.Load()
		c.w.Verbatim("txt", string(cl.nodesText(v, v.m)))
	}
}

// infoText renders CLUSTER INFO.
func (cl *cluster) infoText(v *clusterView) string {
	m := v.m
	state := "fail"
	if v.stateOK(cl.srv.cfg.ClusterRequireFullCoverage) {
		state = "ok"
	}
	known, size := 0, 0
	for _, id := range m.Nodes() {
		if n, _ := m.Node(id); n.Role != slots.RoleProxy {
			known++
		}
	}
	for _, g := range m.Groups() {
		if len(m.SlotsOf(g)) > 0 {
			size++
		}
	}
	var myEpoch uint64
	if g, ok := m.Group(cl.myRecord(m).Group); ok {
		myEpoch = g.ConfigEpoch
	}
	var b strings.Builder
	line := func(k string, v any) {
		b.WriteString(k)
		b.WriteByte(':')
		switch x := v.(type) {
		case string:
			b.WriteString(x)
		case int:
			b.WriteString(strconv.Itoa(x))
		case uint64:
			b.WriteString(strconv.FormatUint(x, 10))
		}
		b.WriteString("\r\n")
	}
	line("cluster_state", state)
	line("cluster_slots_assigned", v.assigned)
	line("cluster_slots_ok", v.slotsOK)
	line("cluster_slots_pfail", 0)
	line("cluster_slots_fail", v.assigned-v.slotsOK)
	line("cluster_known_nodes", known)
	line("cluster_size", size)
	line("cluster_current_epoch", m.CurrentEpoch())
	line("cluster_my_epoch", myEpoch)
	line("cluster_stats_messages_sent", 0)
	line("cluster_stats_messages_received", 0)
	line("total_cluster_links_buffer_limit_exceeded", 0)
	return b.String()
}

// nodeRole returns "master" or "slave" for n as Redis prints it (a node in
// no group is a master without slots) and its master's id ("-" for none).
func nodeRole(m *slots.Map, n slots.Node) (role string, master string) {
	g, ok := m.Group(n.Group)
	if ok && g.Master == n.ID || n.Role != slots.RoleReplica {
		return "master", "-"
	}
	if ok && g.Master != "" {
		return "slave", string(g.Master)
	}
	return "slave", "-"
}

// busAddr returns n's "host:port@busport" (the gossip port: the live
// member's, else the RESP port + 10000).
func busAddr(v *clusterView, n slots.Node) (string, string, int) {
	host, p, err := net.SplitHostPort(n.Addr)
	port, _ := strconv.Atoi(p)
	if err != nil || n.Addr == "" {
		return ":0@0", "", 0
	}
	bus := port + 10000
	if g, ok := v.alive[n.ID]; ok {
		if _, gp, err := net.SplitHostPort(g); err == nil {
			bus, _ = strconv.Atoi(gp)
		}
	}
	return n.Addr + "@" + strconv.Itoa(bus), host, port
}

// nodesText renders CLUSTER NODES (and the configuration file): this node
// first, then the others by id; proxies are left out.
func (cl *cluster) nodesText(v *clusterView, m *slots.Map) []byte {
	if v == nil {
		v = &clusterView{m: m, alive: map[slots.NodeID]string{}}
	}
	ids := m.Nodes()
	order := make([]slots.NodeID, 0, len(ids)+1)
	order = append(order, cl.id)
	for _, id := range ids {
		if id != cl.id {
			order = append(order, id)
		}
	}
	now := time.Now().UnixMilli()
	var b []byte
	for _, id := range order {
		n, ok := m.Node(id)
		if !ok && id == cl.id {
			n = slots.Node{ID: cl.id, Addr: cl.addr}
		}
		if n.Role == slots.RoleProxy {
			continue
		}
		b = cl.appendNodeLine(b, v, m, n, now)
		b = append(b, '\n')
	}
	return b
}

// appendNodeLine appends n's CLUSTER NODES line (without the newline).
func (cl *cluster) appendNodeLine(b []byte, v *clusterView, m *slots.Map, n slots.Node, now int64) []byte {
	id := n.ID
	addr, _, _ := busAddr(v, n)
	role, master := nodeRole(m, n)
	flags := role
	if id == cl.id {
		flags = "myself," + role
	} else if v.alive[id] == "" {
		flags += ",fail"
	}
	if n.Addr == "" {
		flags += ",noaddr"
	}
	var pong int64
	link := "connected"
	if id != cl.id && v.alive[id] != "" {
		pong = now
	} else if id != cl.id {
		link = "disconnected"
	}
	var epoch uint64
	if g, ok := m.Group(n.Group); ok {
		epoch = g.ConfigEpoch
	}
	b = append(b, id...)
	b = append(b, ' ')
	b = append(b, addr...)
	b = append(b, ' ')
	b = append(b, flags...)
	b = append(b, ' ')
	b = append(b, master...)
	b = append(b, " 0 "...)
	b = strconv.AppendInt(b, pong, 10)
	b = append(b, ' ')
	b = strconv.AppendUint(b, epoch, 10)
	b = append(b, ' ')
	b = append(b, link...)
	if role == "master" && n.Group != 0 {
		if g, _ := m.Group(n.Group); g.Master == id {
			for _, r := range m.SlotsOf(n.Group) {
				b = append(b, ' ')
				b = strconv.AppendInt(b, int64(r.Start), 10)
				if r.End != r.Start {
					b = append(b, '-')
					b = strconv.AppendInt(b, int64(r.End), 10)
				}
			}
			if id == cl.id {
				b = cl.appendMigrating(b, m, n.Group)
			}
		}
	}
	return b
}

func cmdClusterReplicas(c *client, args [][]byte) {
	cl := clusterOf(c)
	if cl == nil {
		return
	}
	v := cl.view.Load()
	m := v.m
	n, ok := m.Node(slots.NodeID(args[2]))
	if !ok || n.Role == slots.RoleProxy {
		c.w.Error("ERR Unknown node " + string(args[2]))
		return
	}
	if role, _ := nodeRole(m, n); role != "master" {
		c.w.Error("ERR The specified node is not a master")
		return
	}
	g, _ := m.Group(n.Group)
	var reps []slots.Node
	if g.Master == n.ID {
		for _, r := range g.Replicas {
			if rn, ok := m.Node(r); ok {
				reps = append(reps, rn)
			}
		}
	}
	now := time.Now().UnixMilli()
	c.w.Array(len(reps))
	for _, r := range reps {
		c.w.Bulk(cl.appendNodeLine(nil, v, m, r, now))
	}
}

func cmdClusterCountFailureReports(c *client, args [][]byte) {
	cl := clusterOf(c)
	if cl == nil {
		return
	}
	if n, ok := cl.view.Load().m.Node(slots.NodeID(args[2])); !ok || n.Role == slots.RoleProxy {
		c.w.Error("ERR Unknown node " + string(args[2]))
		return
	}
	c.w.Int(0) // failures are agreed by gossip, not counted per reporter
}

// appendMigrating appends Redis's "[slot->-target]" entries for the slots
// group g is moving away and "[slot-<-source]" for those it is receiving.
func (cl *cluster) appendMigrating(b []byte, m *slots.Map, g slots.GroupID) []byte {
	for s := 0; s < slots.NumSlots; s++ {
		st := m.SlotState(s)
		if st.MigratingTo == 0 || st.Group != g && st.MigratingTo != g {
			continue
		}
		b = append(b, " ["...)
		b = strconv.AppendInt(b, int64(s), 10)
		if st.Group == g {
			to, _ := m.Group(st.MigratingTo)
			b = append(b, "->-"...)
			b = append(b, to.Master...)
		} else {
			from, _ := m.Group(st.Group)
			b = append(b, "-<-"...)
			b = append(b, from.Master...)
		}
		b = append(b, ']')
	}
	return b
}

// slotNodes returns the master and the live replicas of group g that have
// an address.
func slotNodes(v *clusterView, m *slots.Map, g slots.GroupID) []slots.Node {
	gr, ok := m.Group(g)
	if !ok || gr.Master == "" {
		return nil
	}
	master, ok := m.Node(gr.Master)
	if !ok || master.Addr == "" {
		return nil
	}
	out := []slots.Node{master}
	for _, r := range gr.Replicas {
		if n, ok := m.Node(r); ok && n.Addr != "" && v.alive[r] != "" {
			out = append(out, n)
		}
	}
	return out
}

func cmdClusterSlots(c *client, args [][]byte) {
	cl := clusterOf(c)
	if cl == nil {
		return
	}
	v := cl.view.Load()
	m := v.m
	type entry struct {
		r     slots.Range
		nodes []slots.Node
	}
	var es []entry
	for _, r := range m.Ranges() {
		if ns := slotNodes(v, m, r.Group); len(ns) > 0 {
			es = append(es, entry{r, ns})
		}
	}
	c.w.Array(len(es))
	for _, e := range es {
		c.w.Array(2 + len(e.nodes))
		c.w.Int(int64(e.r.Start))
		c.w.Int(int64(e.r.End))
		for _, n := range e.nodes {
			host, p, _ := net.SplitHostPort(n.Addr)
			port, _ := strconv.Atoi(p)
			c.w.Array(4)
			c.w.BulkString(host)
			c.w.Int(int64(port))
			c.w.BulkString(string(n.ID))
			c.w.Map(0)
		}
	}
}

func cmdClusterShards(c *client, args [][]byte) {
	cl := clusterOf(c)
	if cl == nil {
		return
	}
	v := cl.view.Load()
	m := v.m
	type shard struct {
		ranges []slots.Range
		nodes  []slots.Node
	}
	var shards []shard
	for _, g := range m.Groups() {
		gr, _ := m.Group(g)
		var ns []slots.Node
		for _, id := range append([]slots.NodeID{gr.Master}, gr.Replicas...) {
			if n, ok := m.Node(id); ok {
				ns = append(ns, n)
			}
		}
		if len(ns) > 0 {
			shards = append(shards, shard{m.SlotsOf(g), ns})
		}
	}
	for _, id := range m.Nodes() { // a node in no group is a master without slots
		if n, _ := m.Node(id); n.Group == 0 && n.Role != slots.RoleProxy && n.Role != slots.RoleReplica {
			shards = append(shards, shard{nil, []slots.Node{n}})
		}
	}
	c.w.Array(len(shards))
	for _, sh := range shards {
		c.w.Map(2)
		c.w.BulkString("slots")
		c.w.Array(2 * len(sh.ranges))
		for _, r := range sh.ranges {
			c.w.Int(int64(r.Start))
			c.w.Int(int64(r.End))
		}
		c.w.BulkString("nodes")
		c.w.Array(len(sh.nodes))
		for _, n := range sh.nodes {
			host, p, _ := net.SplitHostPort(n.Addr)
			port, _ := strconv.Atoi(p)
			role, _ := nodeRole(m, n)
			if role == "slave" {
				role = "replica"
			}
			health := "online"
			if v.alive[n.ID] == "" {
				health = "failed"
			}
			c.w.Map(7)
			c.w.BulkString("id")
			c.w.BulkString(string(n.ID))
			c.w.BulkString("port")
			c.w.Int(int64(port))
			c.w.BulkString("ip")
			c.w.BulkString(host)
			c.w.BulkString("endpoint")
			c.w.BulkString(host)
			c.w.BulkString("role")
			c.w.BulkString(role)
			c.w.BulkString("replication-offset")
			c.w.Int(0)
			c.w.BulkString("health")
			c.w.BulkString(health)
		}
	}
}
