// Package resp is the Redis Serialization Protocol codec shared by the proxy,
// the storage node, the router's backend connections and the tests.
//
// Reading is streaming and allocation-free on the hot path: a Reader keeps one
// buffer per connection, parses multibulk and inline (telnet style) commands
// in place and returns the arguments as sub-slices of that buffer. Input is
// bounded the way Redis bounds it (proto-max-bulk-len, the multibulk count,
// the client query buffer and the stricter limits before AUTH), and every
// fault is a *ProtocolError carrying Redis's own message.
//
// Writing appends to a caller's []byte: the package-level Append functions
// encode single elements, and Writer adds the RESP2/RESP3 differences (null,
// maps, sets, doubles, booleans, push frames) for a connection's protocol.
package resp
