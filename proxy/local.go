package proxy

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slotcache/slotcache/protocol/resp"
)

// Version is what HELLO and INFO report as the server version: the Redis
// version whose commands and replies the proxy follows.
const Version = "7.0.15"

// errUnknownCommand is Redis's reply to a command it does not know.
func errUnknownCommand(args [][]byte) string { return resp.UnknownCommandError(args) }

func errArity(name string) string { return resp.WrongArityError(name) }

// handleLocal answers the commands the proxy serves itself.
func (s *session) handleLocal(c *call, name []byte, args [][]byte) {
	c.op = opLocal
	c.l0 = int32(len(s.local.Buf))
	defer func() {
		if c.op == opLocal {
			c.l1 = int32(len(s.local.Buf))
		}
	}()
	w := &s.local
	switch string(name) {
	case "ping":
		switch len(args) {
		case 1:
			w.Simple("PONG")
		case 2:
			w.Bulk(args[1])
		default:
			w.Error(errArity("ping"))
		}
	case "echo":
		if len(args) != 2 {
			w.Error(errArity("echo"))
			return
		}
		w.Bulk(args[1])
	case "select":
		if len(args) != 2 {
			w.Error(errArity("select"))
			return
		}
		id, err := strconv.ParseInt(string(args[1]), 10, 64)
		switch {
		case err != nil:
			w.Error(msgNotInteger)
		case id < -1<<31 || id > 1<<31-1:
			w.Error(msgInvalidDB)
		case id != 0:
			w.Error(msgSelect)
		default:
			w.OK()
		}
	case "quit":
		w.OK()
		s.quit = true
	case "readonly", "readwrite", "asking":
		if len(args) != 1 {
			w.Error(errArity(string(name)))
			return
		}
		w.OK()
	case "reset":
		if len(args) != 1 {
			w.Error(errArity("reset"))
			return
		}
		s.name.Store(nil)
		s.resetAuth()
		s.setProto(2)
		w.Simple("RESET")
	case "auth":
		s.authCommand(w, args)
	case "acl":
		s.aclCommand(w, args)
	case "hello":
		s.hello(w, args)
	case "client":
		s.client(w, args)
	case "slowlog":
		s.p.slowlog.command(w, args)
	case "config":
		if len(args) >= 2 && strings.EqualFold(string(args[1]), "get") {
			// read-only: answered by one node
			c.op = opConfigGet
			if g, ok := s.defaultGroup(c); ok {
				s.forward(c, g, args)
			}
			return
		}
		if len(args) < 2 {
			w.Error(errArity("config"))
			return
		}
		w.Error("ERR 'config|" + strings.ToLower(string(args[1])) + "' is not supported through the slotcache proxy")
	}
}

// hello answers HELLO [protover [AUTH user pass] [SETNAME name]]. A RESP3
// client's commands go out on connections that said HELLO 3 to the nodes,
// so their replies are forwarded as they are in either protocol.
func (s *session) hello(w *resp.Writer, args [][]byte) {
	proto := s.proto
	if len(args) >= 2 {
		v, err := strconv.ParseInt(string(args[1]), 10, 64)
		if err != nil {
			w.Error(msgProtoNotInt)
			return
		}
		if v != 2 && v != 3 {
			w.Error(msgNoProto)
			return
		}
		proto = int(v)
	}
	var name []byte
	setName := false
	for i := 2; i < len(args); i++ {
		more := len(args) - i - 1
		switch opt := strings.ToLower(string(args[i])); {
		case opt == "auth" && more >= 2:
			if !s.login(args[i+1], args[i+2]) {
				w.Error(msgWrongPass)
				return
			}
			i += 2
		case opt == "setname" && more >= 1:
			name, setName = args[i+1], true
			i++
		default:
			w.Error("ERR Syntax error in HELLO option '" + string(args[i]) + "'")
			return
		}
	}
	if s.user.Load() == nil {
		w.Error(msgHelloNoAuth)
		return
	}
	if setName && !s.setName(w, name) {
		return
	}
	s.setProto(proto)
	w.Map(7)
	w.BulkString("server")
	w.BulkString("redis")
	w.BulkString("version")
	w.BulkString(Version)
	w.BulkString("proto")
	w.Int(int64(proto))
	w.BulkString("id")
	w.Int(int64(s.id))
	w.BulkString("mode")
	w.BulkString("standalone")
	w.BulkString("role")
	w.BulkString("master")
	w.BulkString("modules")
	w.Array(0)
}

const msgBadName = "ERR Client names cannot contain spaces, newlines or special characters."

// setName names the connection b (empty: no name); a name with a space,
// newline or special character is refused with msgBadName on w, and
// setName reports false.
func (s *session) setName(w *resp.Writer, b []byte) bool {
	for _, c := range b {
		if c < '!' || c > '~' {
			w.Error(msgBadName)
			return false
		}
	}
	if len(b) == 0 {
		s.name.Store(nil)
		return true
	}
	n := string(b)
	s.name.Store(&n)
	return true
}

// client answers the CLIENT subcommands that concern the proxy's own
// connection; the others are refused.
func (s *session) client(w *resp.Writer, args [][]byte) {
	if len(args) < 2 {
		w.Error(errArity("client"))
		return
	}
	sub := strings.ToLower(string(args[1]))
	arity := func(n int) bool {
		if len(args) != n {
			w.Error(errArity("client|" + sub))
			return false
		}
		return true
	}
	switch sub {
	case "id":
		if arity(2) {
			w.Int(int64(s.id))
		}
	case "getname":
		if arity(2) {
			if n := s.name.Load(); n != nil {
				w.BulkString(*n)
			} else {
				w.Null()
			}
		}
	case "setname":
		if arity(3) && s.setName(w, args[2]) {
			w.OK()
		}
	case "setinfo":
		if arity(4) {
			w.OK()
		}
	case "info":
		if arity(2) {
			w.Verbatim("txt", s.info(time.Now()))
		}
	case "list":
		if len(args) != 2 {
			// TYPE and ID filters are not offered
			w.Error(msgSyntax)
			return
		}
		w.Verbatim("txt", s.p.clientList())
	case "help":
		writeHelp(w, clientHelp...)
	case "kill", "pause", "unpause", "reply", "tracking", "trackinginfo", "caching",
		"getredir", "unblock", "no-evict", "no-touch":
		w.Error("ERR 'client|" + sub + "' is not supported through the slotcache proxy")
	default:
		w.Error(resp.UnknownSubcommandError(args[1], "client"))
	}
}

var clientHelp = []string{
	"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"GETNAME",
	"    Return the name of the current connection.",
	"ID",
	"    Return the ID of the current connection.",
	"INFO",
	"    Return information about the current client connection.",
	"LIST",
	"    Return information about client connections.",
	"SETINFO <option> <value>",
	"    Set client meta attr. Options are:",
	"    * LIB-NAME: the client lib name.",
	"    * LIB-VER: the client lib version.",
	"SETNAME <name>",
	"    Assign the name <name> to the current connection.",
}

// writeHelp writes a HELP reply as Redis does: lines, then the lines of HELP
// itself.
func writeHelp(w *resp.Writer, lines ...string) {
	w.Array(len(lines) + 2)
	for _, l := range lines {
		w.Simple(l)
	}
	w.Simple("HELP")
	w.Simple("    Prints this help.")
}

// info is the session's CLIENT LIST line.
func (s *session) info(now time.Time) string {
	name := ""
	if n := s.name.Load(); n != nil {
		name = *n
	}
	cmd := "NULL"
	if c := s.lastCmd.Load(); c != nil {
		cmd = *c
	}
	idle := now.Sub(time.Unix(0, s.lastActive.Load())) / time.Second
	v := &s.st.view
	return fmt.Sprintf("id=%d addr=%s laddr=%s fd=-1 name=%s age=%d idle=%d flags=%s db=0 sub=%d psub=%d ssub=%d multi=%d cmd=%s user=%s resp=%d\n",
		s.id, s.addr, s.laddr, name, int64(now.Sub(s.created)/time.Second), int64(max(idle, 0)), v.flags(),
		v.sub.Load(), v.psub.Load(), v.ssub.Load(), v.multi.Load()-1, cmd, s.userName(), s.protoSeen.Load())
}

// clientList is CLIENT LIST: every session, by id.
func (p *Proxy) clientList() string {
	p.mu.Lock()
	ss := make([]*session, 0, len(p.clients))
	for _, s := range p.clients {
		ss = append(ss, s)
	}
	p.mu.Unlock()
	slices.SortFunc(ss, func(a, b *session) int { return cmp.Compare(a.id, b.id) })
	now := time.Now()
	var b strings.Builder
	for _, s := range ss {
		b.WriteString(s.info(now))
	}
	return b.String()
}
