package proxy

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strconv"

	"github.com/slotcache/slotcache/protocol/resp"
	"github.com/slotcache/slotcache/router"
)

var errBadReply = errors.New(msgBadReply)

// appendCommandHeader starts a multibulk frame of n arguments, the first
// being name.
func appendCommandHeader(b []byte, n int, name []byte) []byte {
	b = resp.AppendArrayLen(b, n)
	return resp.AppendBulk(b, name)
}

// header parses the header line of the reply at b (":12", "*3", "$5"),
// returning its type, its number and the offset after the line.
func header(b []byte) (typ byte, n int64, pos int, ok bool) {
	if len(b) >= 3 && b[0] == '_' && b[1] == '\r' && b[2] == '\n' { // RESP3 null
		return '_', -1, 3, true
	}
	i := bytes.IndexByte(b, '\n')
	if len(b) < 3 || i < 2 || b[i-1] != '\r' {
		return 0, 0, 0, false
	}
	n, err := strconv.ParseInt(string(b[1:i-1]), 10, 64)
	if err != nil {
		return 0, 0, 0, false
	}
	return b[0], n, i + 1, true
}

// mergeSum replies the sum of integer replies.
func (s *session) mergeSum(reqs []*router.Request) error {
	var sum int64
	for _, r := range reqs {
		typ, n, _, ok := header(r.Reply)
		if !ok || typ != ':' {
			return errBadReply
		}
		sum += n
	}
	s.out.Int(sum)
	return nil
}

// mergeMGet rebuilds an array reply in the client's key order: key i's
// element is the next one of request aux[i].
func (s *session) mergeMGet(reqs []*router.Request, aux []int32) error {
	if cap(s.offs) < len(reqs) {
		s.offs = make([]int32, len(reqs))
	}
	offs := s.offs[:len(reqs)]
	for i, r := range reqs {
		typ, _, pos, ok := header(r.Reply)
		if !ok || typ != '*' {
			return errBadReply
		}
		offs[i] = int32(pos)
	}
	start := len(s.out.Buf)
	s.out.Array(len(aux))
	for _, ri := range aux {
		if int(ri) >= len(reqs) {
			s.out.Buf = s.out.Buf[:start]
			return errBadReply
		}
		b := reqs[ri].Reply[offs[ri]:]
		n, err := resp.ScanReply(b, s.p.cfg.MaxBulkLen)
		if err != nil || n == 0 {
			s.out.Buf = s.out.Buf[:start]
			return errBadReply
		}
		s.out.Raw(b[:n])
		offs[ri] += int32(n)
	}
	return nil
}

// mergeConcat replies one array holding the elements of every array reply.
func (s *session) mergeConcat(reqs []*router.Request) error {
	var total int64
	for _, r := range reqs {
		typ, n, _, ok := header(r.Reply)
		if !ok || typ != '*' || n < 0 {
			return errBadReply
		}
		total += n
	}
	s.out.Array(int(total))
	for _, r := range reqs {
		_, _, pos, _ := header(r.Reply)
		s.out.Raw(r.Reply[pos:])
	}
	return nil
}

// mergeRandomKey replies one of the non-nil replies, chosen at random.
func (s *session) mergeRandomKey(reqs []*router.Request) error {
	found := 0
	pick := -1
	for i, r := range reqs {
		typ, n, _, ok := header(r.Reply)
		if !ok || (typ != '$' && typ != '_') {
			return errBadReply
		}
		if n >= 0 {
			found++
			if rand.IntN(found) == 0 {
				pick = i
			}
		}
	}
	if pick < 0 {
		s.out.Null()
		return nil
	}
	s.out.Raw(reqs[pick].Reply)
	return nil
}

// mergeScan rewrites the cursor of group gi's SCAN reply into a proxy
// cursor: the next position in this group, or the start of the next group.
func (s *session) mergeScan(r *router.Request, gi int32) error {
	next, rest, err := splitScanReply(r.Reply)
	if err != nil {
		return err
	}
	var cur uint64
	switch {
	case next >= 1<<(64-scanGroupBits):
		return errors.New("ERR backend cursor out of range")
	case next != 0:
		cur = next<<scanGroupBits | uint64(gi)
	case int(gi)+2 < len(s.t.groups):
		cur = uint64(gi) + 1
	}
	var tmp [20]byte
	s.out.Array(2)
	s.out.Bulk(strconv.AppendUint(tmp[:0], cur, 10))
	s.out.Raw(rest)
	return nil
}

// splitScanReply parses "*2 $cursor *keys" into the cursor and the raw keys
// array.
func splitScanReply(b []byte) (cursor uint64, keys []byte, err error) {
	typ, n, pos, ok := header(b)
	if !ok || typ != '*' || n != 2 {
		return 0, nil, errBadReply
	}
	typ, n, p2, ok := header(b[pos:])
	if !ok || typ != '$' || n < 0 || pos+p2+int(n)+2 > len(b) {
		return 0, nil, errBadReply
	}
	cursor, perr := strconv.ParseUint(string(b[pos+p2:pos+p2+int(n)]), 10, 64)
	if perr != nil {
		return 0, nil, errBadReply
	}
	keys = b[pos+p2+int(n)+2:]
	if typ, _, _, ok := header(keys); !ok || typ != '*' {
		return 0, nil, errBadReply
	}
	return cursor, keys, nil
}

// parseRedirect parses "-MOVED <slot> <addr>" or "-ASK <slot> <addr>".
func parseRedirect(b []byte) (ask bool, addr string, ok bool) {
	b = bytes.TrimSuffix(b, []byte("\r\n"))
	switch {
	case bytes.HasPrefix(b, []byte("-MOVED ")):
		b = b[len("-MOVED "):]
	case bytes.HasPrefix(b, []byte("-ASK ")):
		b, ask = b[len("-ASK "):], true
	default:
		return false, "", false
	}
	sp := bytes.IndexByte(b, ' ')
	if sp <= 0 {
		return false, "", false
	}
	slot, err := strconv.Atoi(string(b[:sp]))
	a := b[sp+1:]
	if err != nil || slot < 0 || slot >= 16384 || len(a) == 0 || bytes.ContainsAny(a, " \r\n") {
		return false, "", false
	}
	if bytes.HasPrefix(a, []byte(":")) { // Redis omits an unknown host
		return false, "", false
	}
	return ask, string(a), true
}
