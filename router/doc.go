// Package router decides where a command goes and carries it there: which of
// its arguments are keys (KeyIndexes, for every Redis 7 command including
// those whose key positions depend on their arguments), which hash slot they
// share (SlotOf) and so which group serves it; and the pipelined, multiplexed
// connections to each backend node (Pool).
//
// Sharded pub/sub channels (SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH) count as keys
// here, because they route by slot like keys, although Redis's COMMAND
// GETKEYS does not list them.
//
// A Pool holds a few connections to one node. Each connection carries the
// requests of many clients at once: senders queue a Request and go on, a
// writer goroutine writes everything queued with one system call, and a
// reader goroutine matches replies to requests in FIFO order. A client is
// pinned to one connection of each pool, so its commands reach every node in
// the order it sent them. A connection that fails (refused, reset, a reply
// overdue by ReadTimeout) fails every request it holds with an
// *UnavailableError and reconnects with exponential backoff; while it is
// down, requests fail at once instead of waiting.
package router
