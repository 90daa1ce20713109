package proxy

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"slices"
	"strings"

	"github.com/slotcache/slotcache/protocol/resp"
	"github.com/slotcache/slotcache/router"
)

// User is a client account of the proxy, as a Redis ACL user with a
// password: AUTH name password (or HELLO ... AUTH name password) logs in
// as it. A ReadOnly user may run no command flagged write in Redis's
// command table (as Redis's "+@all -@write").
type User struct {
	Name     string
	Password string
	ReadOnly bool
}

// DefaultUser is the name of the user every connection starts as: it needs
// no password unless Config.RequirePass is set.
const DefaultUser = "default"

// Error texts of authentication, Redis 7.0's.
const (
	msgNoAuth      = "NOAUTH Authentication required."
	msgWrongPass   = "WRONGPASS invalid username-password pair or user is disabled."
	msgHelloNoAuth = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
)

// authUser is one user as the proxy checks it: the password is kept as its
// SHA-256, compared in constant time.
type authUser struct {
	name     string
	sum      [sha256.Size]byte
	nopass   bool // any password is accepted
	readOnly bool
}

// authTable is the proxy's users; built once by New.
type authTable struct {
	users map[string]*authUser
	def   *authUser
}

// validateUsers checks the users of a configuration.
func validateUsers(users []User) error {
	seen := map[string]bool{}
	for _, u := range users {
		switch {
		case u.Name == "":
			return fmt.Errorf("proxy: a user has no name")
		case strings.ContainsFunc(u.Name, func(r rune) bool { return r <= ' ' || r == 0x7f }):
			return fmt.Errorf("proxy: user name %q has a space or control character", u.Name)
		case u.Name == DefaultUser:
			return fmt.Errorf("proxy: user %q is set by requirepass, not in the user list", DefaultUser)
		case u.Password == "":
			return fmt.Errorf("proxy: user %q has no password", u.Name)
		case seen[u.Name]:
			return fmt.Errorf("proxy: user %q given twice", u.Name)
		}
		seen[u.Name] = true
	}
	return nil
}

func newAuthTable(cfg *Config) *authTable {
	t := &authTable{users: make(map[string]*authUser, len(cfg.Users)+1)}
	t.def = &authUser{name: DefaultUser, sum: sha256.Sum256([]byte(cfg.RequirePass)), nopass: cfg.RequirePass == ""}
	t.users[DefaultUser] = t.def
	for _, u := range cfg.Users {
		t.users[u.Name] = &authUser{name: u.Name, sum: sha256.Sum256([]byte(u.Password)), readOnly: u.ReadOnly}
	}
	return t
}

// check returns the user name logs in as with password, or nil.
func (t *authTable) check(name, password []byte) *authUser {
	u := t.users[string(name)]
	if u == nil {
		return nil
	}
	sum := sha256.Sum256(password)
	if !u.nopass && subtle.ConstantTimeCompare(sum[:], u.sum[:]) != 1 {
		return nil
	}
	return u
}

// openAuth is the table of a proxy without users: the default user needs
// no password.
var openAuth = newAuthTable(&Config{})

// auths returns the proxy's users.
func (s *session) auths() *authTable {
	if s.p.auth != nil {
		return s.p.auth
	}
	return openAuth
}

// initAuth starts a connection as the default user when it needs no
// password, unauthenticated (with Redis's pre-AUTH input limits) otherwise.
func (s *session) initAuth() {
	def := s.auths().def
	if def.nopass {
		s.user.Store(def)
	} else {
		s.user.Store(nil)
	}
	s.rd.Unauthenticated = !def.nopass
}

// login makes the connection user name when password is right.
func (s *session) login(name, password []byte) bool {
	u := s.auths().check(name, password)
	if u == nil {
		return false
	}
	s.user.Store(u)
	s.rd.Unauthenticated = false
	return true
}

// userName is the connection's user, for CLIENT LIST: the default user
// until it authenticates.
func (s *session) userName() string {
	if u := s.user.Load(); u != nil {
		return u.name
	}
	return DefaultUser
}

// permit applies authentication and read-only users to cmd (nil: a
// command of the proxy's own that the command table does not list) once
// its name and argument count were checked, as in Redis: an unknown command
// or a wrong argument count is reported before NOAUTH, and a wrong count
// before NOPERM. When it refuses, it has made c the error reply.
func (s *session) permit(c *call, cmd *router.Command) bool {
	u := s.user.Load()
	switch {
	case u != nil && !u.readOnly:
		return true
	case u == nil && (cmd == nil || !cmd.Has(router.FlagNoAuth)):
		s.errorReply(c, msgNoAuth)
	case u != nil && cmd != nil && cmd.Has(router.FlagWrite):
		s.errorReply(c, "NOPERM this user has no permissions to run the '"+cmd.Name+"' command")
	default:
		return true
	}
	c.rejected = true
	return false
}

// authCommand answers AUTH [username] password.
func (s *session) authCommand(w *resp.Writer, args [][]byte) {
	var name, pass []byte
	switch len(args) {
	case 2:
		if s.auths().def.nopass {
			w.Error(msgNoPassword)
			return
		}
		name, pass = []byte(DefaultUser), args[1]
	case 3:
		name, pass = args[1], args[2]
	default:
		if len(args) < 2 {
			w.Error(errArity("auth"))
		} else {
			w.Error(msgSyntax)
		}
		return
	}
	if !s.login(name, pass) {
		w.Error(msgWrongPass)
		return
	}
	w.OK()
}

// aclCommand answers ACL WHOAMI; the other ACL subcommands manage users
// the proxy takes from its configuration, and are refused.
func (s *session) aclCommand(w *resp.Writer, args [][]byte) {
	if len(args) < 2 {
		w.Error(errArity("acl"))
		return
	}
	sub := strings.ToLower(string(args[1]))
	if sub != "whoami" {
		w.Error("ERR 'acl|" + sub + "' is not supported through the slotcache proxy")
		return
	}
	if len(args) != 2 {
		w.Error(errArity("acl|whoami"))
		return
	}
	w.BulkString(s.userName())
}

// resetAuth is RESET's part: back to the default user, unauthenticated
// when it has a password.
func (s *session) resetAuth() { s.initAuth() }

// opConfigGet is CONFIG GET forwarded to a node: its reply goes back
// without the node's secrets.
const opConfigGet op = 128

// secretParams are the node parameters CONFIG GET through the proxy never
// shows: the nodes' own credentials.
var secretParams = []string{"requirepass", "masterauth", "masteruser"}

// configGetReply appends a node's CONFIG GET reply without the pairs of
// secretParams.
func (s *session) configGetReply(r *router.Request) {
	if r.Err != nil || len(r.Reply) == 0 || r.Reply[0] != '*' {
		s.appendReply(r)
		return
	}
	v, err := resp.NewReader(bytes.NewReader(r.Reply), resp.Limits{}).ReadReply()
	if err != nil || len(v.Elems)%2 != 0 {
		s.out.Error(msgBadReply)
		return
	}
	kept := 0
	for i := 0; i < len(v.Elems); i += 2 {
		if !slices.Contains(secretParams, strings.ToLower(string(v.Elems[i].Str))) {
			kept += 2
		}
	}
	s.out.Array(kept)
	for i := 0; i < len(v.Elems); i += 2 {
		if !slices.Contains(secretParams, strings.ToLower(string(v.Elems[i].Str))) {
			s.out.Bulk(v.Elems[i].Str)
			s.out.Bulk(v.Elems[i+1].Str)
		}
	}
}
