// Package node is the slotcache storage server: a Redis-compatible node that
// holds one group's share of the keyspace.
//
// The keyspace is organised by hash slot: each logical database keeps, for
// every one of the 16384 slots, its own key index and expiry index, so that
// slot migration and per-slot counts never scan the whole keyspace.
//
// Execution model: one goroutine per client connection parses its input and
// writes its replies without any shared lock; commands themselves run under
// the server's single mutex, which gives every command Redis's atomicity. A
// client runs all the commands it already has buffered (a pipeline) under one
// acquisition of the lock and flushes its replies once.
package node
