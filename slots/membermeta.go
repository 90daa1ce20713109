package slots

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// MemberMeta is what a member tells the others about itself in its
// memberlist metadata, before (and besides) its record in the slot map: a
// new node is known by its meta until an operator places it in a group.
type MemberMeta struct {
	NodeID    NodeID
	Role      Role
	Group     GroupID
	Addr      string // RESP host:port ("" for none)
	AdminAddr string // admin HTTP host:port ("" for none)
	Leaving   bool   // set by Member.Leave just before it departs
}

// Wire form of a MemberMeta (integers are unsigned varints):
//
//	version(byte, 1) role(byte) group nodeRef addr:string adminAddr:string flags(byte)
//
// flags bit 0 is Leaving; the flags byte may be absent (no flags).
// nodeRef and string are as in the map's wire form. Bytes after the last
// field are ignored, so later versions can append fields that older members
// skip.
const (
	metaVersion = 1
	metaLeaving = 1 << 0
)

// MaxMetaSize is memberlist's limit on a member's metadata.
const MaxMetaSize = 512

// ErrMeta reports member metadata that cannot be decoded.
var ErrMeta = errors.New("slots: bad member meta")

// Encode returns the wire form of m. Addresses longer than 255 bytes, a
// total above MaxMetaSize and invalid node ids are not encodable: Encode
// returns an error for them.
func (m MemberMeta) Encode() ([]byte, error) {
	if m.NodeID != "" && !validNodeID(m.NodeID) {
		return nil, fmt.Errorf("%w: bad node id %q", ErrMeta, m.NodeID)
	}
	if m.Role >= numRoles {
		return nil, fmt.Errorf("%w: bad role %d", ErrMeta, m.Role)
	}
	if len(m.Addr) > maxWireString || len(m.AdminAddr) > maxWireString {
		return nil, fmt.Errorf("%w: address longer than %d bytes", ErrMeta, maxWireString)
	}
	b := make([]byte, 0, 32+len(m.Addr)+len(m.AdminAddr))
	b = append(b, metaVersion, byte(m.Role))
	b = binary.AppendUvarint(b, uint64(m.Group))
	b = appendNodeRef(b, m.NodeID)
	b = appendString(b, m.Addr)
	b = appendString(b, m.AdminAddr)
	var flags byte
	if m.Leaving {
		flags |= metaLeaving
	}
	b = append(b, flags)
	if len(b) > MaxMetaSize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrMeta, len(b), MaxMetaSize)
	}
	return b, nil
}

// DecodeMemberMeta parses the wire form of a MemberMeta. It never panics and
// allocates in proportion to len(b).
func DecodeMemberMeta(b []byte) (MemberMeta, error) {
	if len(b) < 2 {
		return MemberMeta{}, fmt.Errorf("%w: too short", ErrMeta)
	}
	if b[0] != metaVersion {
		return MemberMeta{}, fmt.Errorf("%w: version %d", ErrMeta, b[0])
	}
	var m MemberMeta
	m.Role = Role(b[1])
	if m.Role >= numRoles {
		return MemberMeta{}, fmt.Errorf("%w: bad role %d", ErrMeta, b[1])
	}
	d := decoder{b: b[2:]}
	m.Group = d.groupID("group")
	m.NodeID = d.nodeRef("node id")
	m.Addr = d.str("addr")
	m.AdminAddr = d.str("admin addr")
	if d.err != nil {
		return MemberMeta{}, fmt.Errorf("%w: %w", ErrMeta, d.err)
	}
	if len(d.b) > 0 {
		m.Leaving = d.b[0]&metaLeaving != 0
	}
	return m, nil
}
