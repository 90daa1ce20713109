package node

import (
	"bytes"
	"crypto/subtle"
	"strings"
)

// connectionCommands: PING, ECHO, QUIT, SELECT, AUTH, HELLO, RESET.
func connectionCommands() []*command {
	return []*command{
		{name: "ping", arity: -1, flags: flagFast | flagStale, acl: "@fast @connection", group: "connection", summary: "Returns the server's liveliness response.", since: "1.0.0", fn: cmdPing},
		{name: "echo", arity: 2, flags: flagFast | flagStale | flagLoading, acl: "@fast @connection", group: "connection", summary: "Returns the given string.", since: "1.0.0", fn: cmdEcho},
		{name: "quit", arity: -1, flags: flagNoAuth | flagFast | flagStale | flagLoading | flagNoscript | flagAllowBusy, acl: "@fast @connection", group: "connection", summary: "Closes the connection.", since: "1.0.0", fn: cmdQuit},
		{name: "select", arity: 2, flags: flagFast | flagStale | flagLoading, acl: "@keyspace @fast", group: "connection", summary: "Changes the selected database.", since: "1.0.0", fn: cmdSelect},
		{name: "auth", arity: -2, flags: flagNoAuth | flagNoscript | flagFast | flagStale | flagLoading | flagAllowBusy, acl: "@fast @connection", group: "connection", summary: "Authenticates the connection.", since: "1.0.0", fn: cmdAuth},
		{name: "hello", arity: -1, flags: flagNoAuth | flagNoscript | flagFast | flagStale | flagLoading | flagAllowBusy, acl: "@fast @connection", group: "connection", summary: "Handshakes with the Redis server.", since: "6.0.0", fn: cmdHello},
		{name: "reset", arity: 1, flags: flagNoAuth | flagNoscript | flagFast | flagStale | flagLoading | flagAllowBusy, acl: "@fast @connection", group: "connection", summary: "Resets the connection.", since: "6.2.0", fn: cmdReset},
	}
}

func cmdPing(c *client, args [][]byte) {
	if c.w.Proto < 3 && c.subscribed() {
		// a RESP2 subscriber gets PING's answer in the push frame shape
		c.w.Array(2)
		c.w.BulkString("pong")
		if len(args) > 1 {
			c.w.Bulk(args[1])
		} else {
			c.w.BulkString("")
		}
		return
	}
	switch len(args) {
	case 1:
		c.w.Simple("PONG")
	case 2:
		c.w.Bulk(args[1])
	default:
		c.w.Error(errWrongArity("ping"))
	}
}

func cmdEcho(c *client, args [][]byte) { c.w.Bulk(args[1]) }

func cmdQuit(c *client, args [][]byte) {
	c.w.OK()
	c.closing = true
}

func cmdSelect(c *client, args [][]byte) {
	n, ok := parseInt(args[1])
	if !ok {
		c.w.Error(msgNotInteger)
		return
	}
	if n < 0 || n >= int64(len(c.srv.dbs)) {
		c.w.Error(msgDBIndex)
		return
	}
	c.db = c.srv.dbs[n]
	c.w.OK()
}

// checkPassword compares a user/password pair with requirepass. Only the
// "default" user exists.
func (c *client) checkPassword(user, pass []byte) bool {
	want := c.srv.cfg.RequirePass
	if user != nil && !bytes.Equal(user, []byte("default")) {
		return false
	}
	if want == "" {
		return true
	}
	return subtle.ConstantTimeCompare(pass, []byte(want)) == 1
}

func (c *client) setAuthed() {
	c.authed = true
	c.rd.Unauthenticated = false
}

func cmdAuth(c *client, args [][]byte) {
	if len(args) > 3 {
		c.w.Error(msgSyntax)
		return
	}
	if len(args) == 2 && c.srv.cfg.RequirePass == "" {
		c.w.Error(msgAuthNoPassword)
		return
	}
	var user []byte
	pass := args[len(args)-1]
	if len(args) == 3 {
		user = args[1]
	}
	if !c.checkPassword(user, pass) {
		c.w.Error(msgWrongPass)
		return
	}
	c.setAuthed()
	c.w.OK()
}

// cmdHello implements HELLO [protover [AUTH user pass] [SETNAME name]].
func cmdHello(c *client, args [][]byte) {
	proto := c.w.Proto
	if len(args) >= 2 {
		v, ok := parseInt(args[1])
		if !ok {
			c.w.Error("ERR Protocol version is not an integer or out of range")
			return
		}
		if v < 2 || v > 3 {
			c.w.Error("NOPROTO unsupported protocol version")
			return
		}
		proto = int(v)
	}
	var name []byte
	setName := false
	for i := 2; i < len(args); i++ {
		opt := strings.ToLower(string(args[i]))
		switch {
		case opt == "auth" && i+2 < len(args):
			if !c.checkPassword(args[i+1], args[i+2]) {
				c.w.Error(msgWrongPass)
				return
			}
			c.setAuthed()
			i += 2
		case opt == "setname" && i+1 < len(args):
			name = args[i+1]
			if !validClientName(name) {
				c.w.Error("ERR Client names cannot contain spaces, newlines or special characters.")
				return
			}
			setName = true
			i++
		default:
			c.w.Error("ERR Syntax error in HELLO option '" + string(args[i]) + "'")
			return
		}
	}
	if !c.authed {
		c.w.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return
	}
	if setName {
		c.name = string(name)
	}
	c.w.Proto = proto
	c.w.Map(7)
	c.w.BulkString("server")
	c.w.BulkString("redis")
	c.w.BulkString("version")
	c.w.BulkString(RedisVersion)
	c.w.BulkString("proto")
	c.w.Int(int64(proto))
	c.w.BulkString("id")
	c.w.Int(c.id)
	c.w.BulkString("mode")
	c.w.BulkString(c.srv.redisMode())
	c.w.BulkString("role")
	c.w.BulkString("master")
	c.w.BulkString("modules")
	c.w.Array(0)
}

func cmdReset(c *client, args [][]byte) {
	c.multi = nil
	c.unwatchAll()
	c.dropSubscriptions()
	c.db = c.srv.dbs[0]
	c.w.Proto = 2
	c.name = ""
	if c.srv.cfg.RequirePass != "" {
		c.authed = false
		c.rd.Unauthenticated = true
	}
	c.w.Simple("RESET")
}

// validClientName reports whether a CLIENT SETNAME name is acceptable:
// printable ASCII without spaces.
func validClientName(name []byte) bool {
	for _, ch := range name {
		if ch < '!' || ch > '~' {
			return false
		}
	}
	return true
}

// RedisVersion is the Redis version the node reports to clients.
const RedisVersion = "7.0.15"
