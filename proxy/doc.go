// Package proxy is slotcache's client-facing RESP server. Clients use it as
// one Redis; it holds no data and routes each command by the slot of its keys
// to the master of the group that owns the slot, following the slot map a
// MapSource gives (swapped atomically when it changes).
//
// Each client connection has one goroutine. It reads every complete command
// already buffered (up to MaxPipeline), sends each to its backend at once
// through the router's pipelined pools (different groups work in parallel),
// waits for the replies and writes them in the client's order with one
// system call. Multi-key commands that Redis Cluster clients expect to work
// across slots (MGET, MSET, DEL, UNLINK, EXISTS, TOUCH) are split per group
// and their replies merged; other multi-key commands must keep their keys in
// one slot (-CROSSSLOT otherwise). KEYS, SCAN, DBSIZE, FLUSHDB, FLUSHALL,
// RANDOMKEY and INFO span every group. A node's -MOVED or -ASK makes the
// proxy refresh its map and retry once at the named address.
package proxy
