package proxy

import (
	"fmt"

	"github.com/slotcache/slotcache/router"
	"github.com/slotcache/slotcache/slots"
)

// ReadPolicy says where the proxy sends read-only commands.
type ReadPolicy uint8

// The read policies. Writes always go to the master.
const (
	// ReadMaster sends every command to the group's master.
	ReadMaster ReadPolicy = iota
	// ReadPreferReplica sends read-only commands whose keys share one slot
	// to a replica of the group, round robin, and to the master when no
	// replica is reachable.
	ReadPreferReplica
	// ReadReplicaOnly sends them to a replica and fails them at once with
	// msgNoReplica when none is reachable.
	ReadReplicaOnly
)

// msgNoReplica is the reply to a read under ReadReplicaOnly when the group
// has no reachable replica.
const msgNoReplica = "ERR no replica available for this hash slot (read-policy replica-only)"

var readPolicyNames = [...]string{"master", "prefer-replica", "replica-only"}

func (r ReadPolicy) String() string {
	if int(r) < len(readPolicyNames) {
		return readPolicyNames[r]
	}
	return fmt.Sprintf("ReadPolicy(%d)", r)
}

// ParseReadPolicy parses master, prefer-replica or replica-only.
func ParseReadPolicy(s string) (ReadPolicy, error) {
	for i, n := range readPolicyNames {
		if s == n {
			return ReadPolicy(i), nil
		}
	}
	return 0, fmt.Errorf("proxy: read policy %q is not master, prefer-replica or replica-only", s)
}

// replicaKey is the pool key of a replica's connections, which send
// READONLY: apart from the master pool of the same address.
func replicaKey(addr string) string { return addr + " readonly" }

// replicaPool returns the READONLY pool for a replica at addr and
// protocol (2 or 3).
func (p *Proxy) replicaPool(addr string, proto int) *router.Pool {
	cfg := p.cfg.Backend
	cfg.ReadOnly = true
	return p.poolAt(replicaKey(addr), addr, proto, cfg)
}

// addReplicas fills gr.replicas from group g of m, when the read policy
// uses replicas.
func (p *Proxy) addReplicas(gr *groupRoute, m *slots.Map, g slots.Group) {
	if p.cfg.ReadPolicy == ReadMaster {
		return
	}
	for _, id := range g.Replicas {
		if n, ok := m.Node(id); ok && n.Addr != "" {
			if pl := p.replicaPool(n.Addr, 2); pl != nil {
				gr.replicas = append(gr.replicas, pl)
			}
		}
	}
}

// readRouted sends args, whose keys hash to one slot of group g, to a
// replica when the read policy and the command (cmd: its table entry, as
// handle looked it up) allow it. It reports whether it took care of c; if
// not, the caller sends to the master.
func (s *session) readRouted(c *call, cmd *router.Command, g uint16, args [][]byte) bool {
	policy := s.p.cfg.ReadPolicy
	if policy == ReadMaster {
		return false
	}
	if cmd == nil || !cmd.Has(router.FlagReadonly) {
		return false
	}
	reps := s.t.groups[g].replicas
	for range reps {
		s.rr++
		pl := reps[s.rr%uint32(len(reps))]
		if s.proto == 3 {
			pl = s.replica3(pl)
		}
		if pl != nil && pl.Ready(s.id) {
			r := s.newReq()
			r.Cmd = appendCommand(r.Cmd, args)
			s.sendPool(c, pl, r)
			return true
		}
	}
	if policy == ReadReplicaOnly {
		s.errorReply(c, msgNoReplica)
		return true
	}
	return false
}

// readRoutedKeys is readRouted for a multi-key command whose keys (every
// step-th argument from the first) belong to group g: only when they share
// one slot, which oneSlot already tells.
func (s *session) readRoutedKeys(c *call, cmd *router.Command, g uint16, args [][]byte, step int, oneSlot bool) bool {
	if s.p.cfg.ReadPolicy == ReadMaster {
		return false
	}
	if !oneSlot {
		slot := slots.KeySlot(args[1])
		for i := 1 + step; i < len(args); i += step {
			if slots.KeySlot(args[i]) != slot {
				return false
			}
		}
	}
	return s.readRouted(c, cmd, g, args)
}
