// Package memcache is the memcached protocol codec shared by the proxy and
// the storage node: the text protocol (get, gets, gat, gats, set, add,
// replace, append, prepend, cas, touch, delete, incr, decr, flush_all,
// stats, version, verbosity, quit) and the meta protocol (mg, ms, md, ma,
// mn, me) as memcached 1.6.18 speaks them.
//
// A Reader parses requests in place from one buffer per connection, with
// memcached's exact tokenizing, number parsing and error texts, including
// what it does with bad input: CLIENT_ERROR for malformed lines, data
// blocks refused as too large swallowed unseen, connections closed when a
// line grows past 2048 bytes without a newline (get lines excepted, up to a
// bound).
//
// The translation layer turns a Request into an internal RESP command for
// the node that owns its key (Request.Args; see the MC* command names) and
// the node's RESP reply back into memcached's reply bytes (AppendReply),
// honouring noreply, the meta q, O, k and b flags.
//
// A server or proxy loop:
//
//	var req memcache.Request
//	var nums memcache.ArgBuffer
//	for rd.Read(&req) == nil {
//		if req.Closes() { // quit
//			break
//		}
//		args := req.Args(nil, &nums)
//		if args == nil { // answered without a node: errors, version, mn, ...
//			out = memcache.AppendLocal(out, &req)
//			continue
//		}
//		// run args on the node owning req.Key() (flush_all and stats: on
//		// every node), then:
//		out = memcache.AppendReply(out, &req, reply)
//	}
//
// A get with several keys may be split per key group: GetArgs builds the
// command for a part of the keys, and the parts' replies are merged in the
// client's key order before AppendReply, or written part by part with
// AppendValues followed by "END\r\n". A request kept past the next Read (a
// proxy waiting for a backend) must be copied with Clone.
package memcache
