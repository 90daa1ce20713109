// Package router is the proxy's path from a command to a storage node: the
// positions of a command's keys (KeyIndexes), and the pipelined, multiplexed
// connections to each backend (Pool).
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
