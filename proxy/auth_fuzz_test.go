package proxy

import (
	"testing"

	"github.com/slotcache/slotcache/router"
)

// FuzzAuthDispatch runs commands (one per line) through a session of a
// proxy with requirepass pw, a read-only user ro and a user rw, reading
// from replicas. Every command gets exactly one well-formed reply; no
// command but the no-auth ones passes while unauthenticated, and no write
// reaches a backend while the user is read-only.
func FuzzAuthDispatch(f *testing.F) {
	for _, s := range []string{
		"GET k\nAUTH pw\nGET k\nSET k v",
		"AUTH ro ropw\nSET k v\nMGET a b\nMSET a 1 b 2\nFLUSHALL\nACL WHOAMI\nRESET\nGET k",
		"HELLO 2 AUTH rw rwpw SETNAME x\nDEL a b\nAUTH ro wrong\nAUTH a b c\nAUTH\nQUIT",
		"NOSUCH a\nSET k\nCONFIG GET x\nACL LIST\nHELLO\nHELLO 2 AUTH default pw\nSCAN 0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s := fuzzSession()
		s.p.cfg.RequirePass = "pw"
		s.p.cfg.Users = []User{{Name: "ro", Password: "ropw", ReadOnly: true}, {Name: "rw", Password: "rwpw"}}
		s.p.cfg.ReadPolicy = ReadPreferReplica
		s.p.auth = newAuthTable(&s.p.cfg)
		s.initAuth()
		s.begin()
		n := 0
		for args := range fuzzCommands(in) {
			u, before := s.user.Load(), s.nreq
			cmd := router.Lookup(args)
			s.handle(args)
			n++
			if s.nreq > before {
				switch {
				case u == nil:
					t.Fatalf("%q reached a backend unauthenticated", args)
				case u.readOnly && cmd != nil && cmd.Has(router.FlagWrite):
					t.Fatalf("%q reached a backend as read-only user %s", args, u.name)
				}
			}
			if u == nil && s.rd.Unauthenticated != (s.user.Load() == nil) {
				t.Fatalf("after %q: reader limits %v, user %v", args, s.rd.Unauthenticated, s.user.Load())
			}
			if s.quit {
				break
			}
		}
		s.finish(0)
		checkReplies(t, s.out.Buf, n, in)
	})
}
