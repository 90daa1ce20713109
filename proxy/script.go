package proxy

import (
	"bytes"

	"github.com/slotcache/slotcache/router"
)

// script runs SCRIPT through the proxy. EVAL and EVALSHA route by their
// declared keys like any keyed command, so a script must be known to
// every group: LOAD and FLUSH go to all of them, EXISTS answers 1 for a
// script only when every group has it, KILL stops the script of whichever
// group runs one. Other subcommands (HELP, unknown ones) go to the first
// group, which answers them.
func (s *session) script(c *call, args [][]byte) {
	if len(args) < 2 {
		if g, ok := s.defaultGroup(c); ok {
			s.forward(c, g, args)
		}
		return
	}
	switch string(s.lower(args[1])) {
	case "load":
		s.fanout(c, args[0], args, opFirst)
	case "exists":
		s.fanout(c, args[0], args, opAnd)
	case "flush":
		s.fanout(c, args[0], args, opAllOK)
	case "kill":
		s.fanout(c, args[0], args, opAnyOK)
	default:
		if g, ok := s.defaultGroup(c); ok {
			s.forward(c, g, args)
		}
	}
}

// mergeAnd merges arrays of 0/1 integers (SCRIPT EXISTS) element by
// element: 1 where every reply has 1.
func (s *session) mergeAnd(reqs []*router.Request) error {
	var all []bool
	for i, r := range reqs {
		typ, n, pos, ok := header(r.Reply)
		if !ok || typ != '*' || n < 0 || (i > 0 && int(n) != len(all)) {
			return errBadReply
		}
		if i == 0 {
			all = make([]bool, n)
			for j := range all {
				all[j] = true
			}
		}
		b := r.Reply[pos:]
		for j := range all {
			typ, v, p, ok := header(b)
			if !ok || typ != ':' {
				return errBadReply
			}
			if v == 0 {
				all[j] = false
			}
			b = b[p:]
		}
	}
	s.out.Array(len(all))
	for _, v := range all {
		if v {
			s.out.Int(1)
		} else {
			s.out.Int(0)
		}
	}
	return nil
}

// replyAnyOK answers +OK when some group replied +OK (SCRIPT KILL: the
// group that ran a script), else the first group's reply.
func (s *session) replyAnyOK(reqs []*router.Request) {
	for _, r := range reqs {
		if r.Err == nil && string(r.Reply) == "+OK\r\n" {
			s.out.OK()
			return
		}
	}
	for _, r := range reqs {
		if r.Err != nil || (len(r.Reply) > 0 && r.Reply[0] == '-' && !bytes.HasPrefix(r.Reply, []byte("-NOTBUSY "))) {
			s.appendReply(r)
			return
		}
	}
	s.appendReply(reqs[0])
}
