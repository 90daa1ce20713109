package proxy

import (
	"github.com/slotcache/slotcache/protocol/resp"
	"github.com/slotcache/slotcache/router"
)

// pubsubCommand answers PUBSUB from every master: CHANNELS and
// SHARDCHANNELS unite their lists, NUMSUB and SHARDNUMSUB add their counts,
// NUMPAT takes the largest count (every pattern of a proxy client is
// subscribed on every master).
func (s *session) pubsubCommand(c *call, args [][]byte) {
	cmd, msg := checkCommand(args)
	if msg != "" {
		s.errorReply(c, msg)
		return
	}
	switch cmd.Name {
	case "pubsub|channels", "pubsub|shardchannels":
		s.fanout(c, nil, args, opUnion)
	case "pubsub|numsub", "pubsub|shardnumsub":
		s.fanout(c, nil, args, opNumsub)
	case "pubsub|numpat":
		s.fanout(c, nil, args, opMax)
	default:
		if g, ok := s.defaultGroup(c); ok {
			s.forward(c, g, args)
		}
	}
}

// mergeState merges the replies of the PUBSUB fan-outs.
func (s *session) mergeState(o op, reqs []*router.Request) error {
	switch o {
	case opMax:
		var m int64
		for _, r := range reqs {
			typ, n, _, ok := header(r.Reply)
			if !ok || typ != ':' {
				return errBadReply
			}
			m = max(m, n)
		}
		s.out.Int(m)
	case opUnion:
		var all [][]byte
		seen := map[string]bool{}
		for _, r := range reqs {
			elems, ok := splitArray(r.Reply)
			if !ok {
				return errBadReply
			}
			for _, e := range elems {
				if !seen[string(e)] {
					seen[string(e)] = true
					all = append(all, e)
				}
			}
		}
		s.out.Array(len(all))
		for _, e := range all {
			s.out.Raw(e)
		}
	case opNumsub:
		first, ok := splitArray(reqs[0].Reply)
		if !ok || len(first)%2 != 0 {
			return errBadReply
		}
		sums := make([]int64, len(first)/2)
		for _, r := range reqs {
			elems, ok := splitArray(r.Reply)
			if !ok || len(elems) != len(first) {
				return errBadReply
			}
			for i := 1; i < len(elems); i += 2 {
				typ, n, _, ok := header(elems[i])
				if !ok || typ != ':' {
					return errBadReply
				}
				sums[i/2] += n
			}
		}
		s.out.Map(len(first) / 2)
		for i := 0; i < len(first); i += 2 {
			s.out.Raw(first[i])
			s.out.Int(sums[i/2])
		}
	}
	return nil
}

// splitArray returns the raw elements of an array reply.
func splitArray(b []byte) ([][]byte, bool) {
	typ, n, pos, ok := header(b)
	if typ == '%' { // RESP3 map: key, value, key, value...
		typ, n = '*', 2*n
	}
	if !ok || (typ != '*' && typ != '~') || n < 0 || n > int64(len(b)) {
		return nil, false
	}
	elems := make([][]byte, 0, n)
	for range n {
		m, err := resp.ScanReply(b[pos:], resp.DefaultMaxBulkLen)
		if err != nil || m == 0 {
			return nil, false
		}
		elems = append(elems, b[pos:pos+m])
		pos += m
	}
	return elems, true
}
