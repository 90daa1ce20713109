// Package slots owns the key-to-slot function (CRC16-XMODEM modulo 16384 with
// Redis hash tags) and the cluster's slot map.
//
// # Keys and slots
//
// KeySlot gives the same slot as Redis Cluster's CLUSTER KEYSLOT: the CRC16 of
// the key's hash tag (the text between the first '{' and the next '}', when
// not empty) or of the whole key.
//
// # The slot map
//
// A Map records, for each of the 16384 slots, the group that serves it, the
// group it is migrating to (if any) and the epoch of that claim; for each
// group its master, replicas and config epoch; for each member node its
// addresses, group, role and record version; and the cluster's current
// epoch. A Map is immutable: readers share one value (through an
// atomic.Pointer) and Lookup, GroupOf and Owner allocate nothing. Changes are
// made on a copy with a Builder, which gives each changed group a new config
// epoch so that the change wins over the map it started from.
//
// # Merging
//
// Members learn maps from each other in any order, so Merge is commutative,
// associative and idempotent: per slot the claim with the higher epoch wins,
// per group the record with the higher config epoch, per node the record with
// the higher version, ties broken by ids; the current epoch is the maximum.
// Merging valid maps gives a valid map (see Map.Validate). Nothing can be
// removed by merging: a slot, once claimed, always has a group, and groups
// and nodes are replaced by newer records, never deleted.
//
// # Wire form
//
// Map.Encode writes a compact, versioned binary form with slot ranges; Decode
// checks every length and count against the input size before allocating,
// never panics, and validates the result.
//
// # Gossip
//
// Gossip is the memberlist.Delegate that carries the map: local changes
// (Update) and remote ones are merged with Merge; a map that changed is
// broadcast through a TransmitLimitedQueue (a newer map replaces an older
// one still queued), and the whole map is exchanged in memberlist's
// push/pull, which also carries maps too large for one gossip packet.
//
// # Members
//
// Member is one process of the gossip cluster (a node, a proxy, or the ctl
// tool for a moment): a memberlist member with Gossip as its delegate and
// its MemberMeta (node id, role, group, addresses) as its metadata, so a
// member is known before the map records it. The cluster name is the
// memberlist label, which keeps clusters sharing a network apart. A loop
// re-joins members that were declared dead (and the seeds, when the member
// finds itself alone), so a member cut off for longer than the dead timeout
// comes back without an operator. Member.Leave marks the meta as leaving
// before departing, so the others do not try to rejoin it.
//
// # Placement helpers
//
// Evenly splits the slots among groups as redis-cli --cluster create does,
// and PlaceReplicas puts replicas on other hosts than their master where it
// can.
package slots
