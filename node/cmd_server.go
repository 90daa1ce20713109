package node

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/slotcache/slotcache/internal/rawnet"
)

// Reply texts of the server commands.
const (
	msgNoConfigFile    = "ERR The server is running without a config file"
	msgNoSuchClient    = "ERR No such client"
	msgDebugNotAllowed = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."
	msgInvalidCommand  = "ERR Invalid command specified"
	msgInvalidArgCount = "ERR Invalid number of arguments specified for command"
)

const (
	flagsServerSub = flagAdmin | flagNoscript | flagLoading | flagStale
	aclAdmin       = "@admin @slow @dangerous"
	aclConnection  = "@slow @connection"
	aclConnAdmin   = "@admin @slow @dangerous @connection"
)

// sub builds a subcommand entry whose handler first checks the
// subcommand's own arity, as Redis does for container commands.
func sub(name string, arity int, flags cmdFlag, acl, summary, since string, fn handler) *command {
	c := &command{name: name, arity: arity, flags: flags, acl: acl, summary: summary, since: since}
	c.fn = func(cl *client, args [][]byte) {
		if !c.arityOK(len(args)) {
			cl.w.Error(errWrongArity(c.name))
			return
		}
		fn(cl, args)
	}
	return c
}

// container builds a command that only dispatches to subcommands; its own
// handler answers for unknown subcommands.
func container(name, acl, group, summary, since string, subs ...*command) *command {
	c := &command{name: name, arity: -2, acl: acl, group: group, summary: summary, since: since, subs: map[string]*command{}}
	for _, s := range subs {
		s.group = group
		c.subs[strings.TrimPrefix(s.name, name+"|")] = s
	}
	c.fn = func(cl *client, args [][]byte) { cl.w.Error(errUnknownSubcommand(args[1], name)) }
	return c
}

// serverCommands: INFO, CONFIG, CLIENT, COMMAND, SLOWLOG, DEBUG, ...
func serverCommands() []*command {
	return []*command{
		{name: "info", arity: -1, flags: flagLoading | flagStale, acl: "@slow @dangerous", group: "server", summary: "Get information and statistics about the server", since: "1.0.0", fn: cmdInfo},
		{name: "time", arity: 1, flags: flagLoading | flagStale | flagFast, acl: "@fast", group: "server", summary: "Return the current server time", since: "2.6.0", fn: cmdTime},
		{name: "lastsave", arity: 1, flags: flagLoading | flagStale | flagFast, acl: "@admin @fast @dangerous", group: "server", summary: "Get the UNIX time stamp of the last successful save to disk", since: "1.0.0", fn: cmdLastsave},
		{name: "debug", arity: -2, flags: flagsServerSub, acl: aclAdmin, group: "server", summary: "A container for debugging commands", since: "1.0.0", fn: cmdDebug},
		{name: "shutdown", arity: -1, flags: flagsServerSub | flagNoMulti | flagAllowBusy, acl: aclAdmin, group: "server", summary: "Synchronously save the dataset to disk and then shut down the server", since: "1.0.0", fn: cmdShutdown},
		container("config", "@slow", "server", "A container for server configuration commands", "2.0.0",
			sub("config|get", -3, flagsServerSub, aclAdmin, "Get the values of configuration parameters", "2.0.0", cmdConfigGet),
			sub("config|set", -4, flagsServerSub, aclAdmin, "Set configuration parameters to the given values", "2.0.0", cmdConfigSet),
			sub("config|resetstat", 2, flagsServerSub, aclAdmin, "Reset the stats returned by INFO", "2.0.0", cmdConfigResetstat),
			sub("config|rewrite", 2, flagsServerSub, aclAdmin, "Rewrite the configuration file with the in memory configuration", "2.8.0", cmdConfigRewrite),
			sub("config|help", 2, flagLoading|flagStale, "@slow", "Show helpful text about the different subcommands", "5.0.0", cmdConfigHelp),
		),
		container("client", "@slow", "connection", "A container for client connection commands", "2.4.0",
			sub("client|id", 2, flagNoscript|flagLoading|flagStale, aclConnection, "Returns the client ID for the current connection", "5.0.0", cmdClientID),
			sub("client|setname", 3, flagNoscript|flagLoading|flagStale, aclConnection, "Set the current connection name", "2.6.9", cmdClientSetname),
			sub("client|getname", 2, flagNoscript|flagLoading|flagStale, aclConnection, "Get the current connection name", "2.6.9", cmdClientGetname),
			sub("client|list", -2, flagsServerSub, aclConnAdmin, "Get the list of client connections", "2.4.0", cmdClientList),
			sub("client|info", 2, flagNoscript|flagLoading|flagStale, aclConnection, "Returns information about the current client connection.", "6.2.0", cmdClientInfo),
			sub("client|kill", -3, flagsServerSub, aclConnAdmin, "Kill the connection of a client", "2.4.0", cmdClientKill),
			sub("client|no-evict", 3, flagsServerSub, aclConnAdmin, "Set client eviction mode for the current connection", "7.0.0", cmdClientNoEvict),
			sub("client|reply", 3, flagNoscript|flagLoading|flagStale, aclConnection, "Instruct the server whether to reply to commands", "3.2.0", cmdClientReply),
			sub("client|help", 2, flagLoading|flagStale, aclConnection, "Show helpful text about the different subcommands", "5.0.0", cmdClientHelp),
		),
		{name: "command", arity: -1, flags: flagLoading | flagStale, acl: aclConnection, group: "server", summary: "Get array of Redis command details", since: "2.8.13", fn: cmdCommand,
			subs: map[string]*command{
				"count":   sub("command|count", 2, flagLoading|flagStale, aclConnection, "Get total number of Redis commands", "2.8.13", cmdCommandCount),
				"info":    sub("command|info", -2, flagLoading|flagStale, aclConnection, "Get array of specific Redis command details, or all when no argument is given.", "2.8.13", cmdCommandInfo),
				"docs":    sub("command|docs", -2, flagLoading|flagStale, aclConnection, "Get array of specific Redis command documentation", "7.0.0", cmdCommandDocs),
				"list":    sub("command|list", -2, flagLoading|flagStale, aclConnection, "Get an array of Redis command names", "7.0.0", cmdCommandList),
				"getkeys": sub("command|getkeys", -4, flagLoading|flagStale, aclConnection, "Extract keys given a full Redis command", "2.8.13", cmdCommandGetkeys),
				"help":    sub("command|help", 2, flagLoading|flagStale, aclConnection, "Show helpful text about the different subcommands", "5.0.0", cmdCommandHelp),
			}},
		container("slowlog", "@slow", "server", "A container for slow log commands", "2.2.12",
			sub("slowlog|get", -2, flagAdmin|flagLoading|flagStale, aclAdmin, "Get the slow log's entries", "2.2.12", cmdSlowlogGet),
			sub("slowlog|len", 2, flagAdmin|flagLoading|flagStale, aclAdmin, "Get the slow log's length", "2.2.12", cmdSlowlogLen),
			sub("slowlog|reset", 2, flagAdmin|flagLoading|flagStale, aclAdmin, "Clear all entries from the slow log", "2.2.12", cmdSlowlogReset),
			sub("slowlog|help", 2, flagLoading|flagStale, "@slow", "Show helpful text about the different subcommands", "6.2.0", cmdSlowlogHelp),
		),
	}
}

// writeHelp replies with a HELP text as an array of status lines.
func writeHelp(c *client, lines ...string) {
	c.w.Array(len(lines))
	for _, l := range lines {
		c.w.Simple(l)
	}
}

// ---- INFO, TIME, LASTSAVE ----

func cmdInfo(c *client, args [][]byte) {
	c.w.Verbatim("txt", c.srv.infoString(selectInfoSections(args[1:])))
}

func cmdTime(c *client, args [][]byte) {
	now := time.Now()
	c.w.Array(2)
	c.w.BulkInt(now.Unix())
	c.w.BulkInt(int64(now.Nanosecond() / 1000))
}

func cmdLastsave(c *client, args [][]byte) { c.w.Int(c.srv.start.Unix()) }

// ---- CONFIG ----

func cmdConfigGet(c *client, args [][]byte) {
	var names []string
	seen := map[string]bool{}
	for _, pat := range args[2:] {
		lp := bytes.ToLower(pat)
		if p := params[string(lp)]; p != nil {
			// An exact name is echoed as the client spelled it.
			if !seen[p.name] {
				seen[p.name] = true
				names = append(names, string(pat))
			}
			continue
		}
		for _, n := range ParamNames() {
			if !seen[n] && globMatch(lp, []byte(n), true) {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	c.w.Map(len(names))
	for _, n := range names {
		c.w.BulkString(n)
		c.w.BulkString(params[strings.ToLower(n)].get(&c.srv.cfg))
	}
}

// cmdConfigSet applies every name/value pair or none of them.
func cmdConfigSet(c *client, args [][]byte) {
	if len(args)%2 != 0 {
		c.w.Error(msgSyntax)
		return
	}
	s := c.srv
	next := s.cfg
	next.Bind = append([]string(nil), s.cfg.Bind...)
	seen := map[string]bool{}
	for i := 2; i < len(args); i += 2 {
		p := params[strings.ToLower(string(args[i]))]
		if p == nil {
			c.w.Error(fmt.Sprintf("ERR Unknown option or number of arguments for CONFIG SET - '%s'", args[i]))
			return
		}
		if p.immutable {
			c.w.Error(configSetFailed(args[i], "can't set immutable config"))
			return
		}
		if seen[p.name] {
			c.w.Error(configSetFailed(args[i], "duplicate parameter"))
			return
		}
		seen[p.name] = true
	}
	for i := 2; i < len(args); i += 2 {
		p := params[strings.ToLower(string(args[i]))]
		if err := p.set(&next, string(args[i+1])); err != nil {
			c.w.Error(configSetFailed(args[i], err.Error()))
			return
		}
	}
	if err := next.Validate(); err != nil {
		c.w.Error(configSetFailed(args[2], err.Error()))
		return
	}
	s.cfg = next
	if old := time.Duration(s.idleTimeout.Swap(int64(next.Timeout))); old != next.Timeout {
		// Clients blocked in a read keep the deadline of the old timeout:
		// move it (SetReadDeadline may be called from any goroutine).
		for _, cl := range s.clients {
			var deadline time.Time
			if next.Timeout > 0 {
				deadline = cl.lastActive.Add(next.Timeout)
			}
			cl.conn.SetReadDeadline(deadline)
		}
	}
	s.slowlog.trim(next.SlowlogMaxLen)
	c.w.OK()
}

func configSetFailed(name []byte, reason string) string {
	return fmt.Sprintf("ERR CONFIG SET failed (possibly related to argument '%s') - %s", name, reason)
}

func cmdConfigResetstat(c *client, args [][]byte) {
	c.srv.resetStats()
	c.w.OK()
}

func cmdConfigRewrite(c *client, args [][]byte) {
	s := c.srv
	if s.cfg.ConfigFile == "" {
		c.w.Error(msgNoConfigFile)
		return
	}
	if err := rewriteConfigFile(s.cfg.ConfigFile, &s.cfg); err != nil {
		s.log.Warn("CONFIG REWRITE failed", "file", s.cfg.ConfigFile, "err", err)
		c.w.Error("ERR Rewriting config file: " + err.Error())
		return
	}
	c.w.OK()
}

// rewriteConfigFile writes every parameter into the YAML config file,
// replacing the top-level keys it already has and appending the others;
// other keys and comments are kept. The file is replaced atomically.
func rewriteConfigFile(path string, cfg *Config) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	names := ParamNames()
	pending := map[string]bool{}
	for _, n := range names {
		if !params[n].constant {
			pending[n] = true
		}
	}
	var out []string
	lines := strings.Split(strings.TrimRight(string(old), "\n"), "\n")
	if len(old) == 0 {
		lines = nil
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		key, ok := yamlTopKey(line)
		if !ok || !pending[key] {
			out = append(out, line)
			continue
		}
		delete(pending, key)
		out = append(out, key+": "+strconv.Quote(params[key].get(cfg)))
		// Drop the old value's continuation lines (a block list, for bind).
		for i+1 < len(lines) && len(lines[i+1]) > 0 && (lines[i+1][0] == ' ' || lines[i+1][0] == '\t' || lines[i+1][0] == '-') {
			i++
		}
	}
	for _, n := range names {
		if pending[n] {
			out = append(out, n+": "+strconv.Quote(params[n].get(cfg)))
		}
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// yamlTopKey returns the key of a top-level "key: value" YAML line.
func yamlTopKey(line string) (string, bool) {
	if line == "" || line[0] == ' ' || line[0] == '\t' || line[0] == '#' || line[0] == '-' {
		return "", false
	}
	i := strings.IndexByte(line, ':')
	if i <= 0 {
		return "", false
	}
	key := strings.Trim(line[:i], `"' `)
	return strings.ToLower(key), true
}

func cmdConfigHelp(c *client, args [][]byte) {
	writeHelp(c,
		"CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"GET <pattern>",
		"    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>",
		"    Set the configuration <directive> to <value>.",
		"RESETSTAT",
		"    Reset statistics reported by the INFO command.",
		"REWRITE",
		"    Rewrite the configuration file.",
		"HELP",
		"    Prints this help.")
}

// ---- CLIENT ----

func cmdClientID(c *client, args [][]byte) { c.w.Int(c.id) }

func cmdClientSetname(c *client, args [][]byte) {
	if !validClientName(args[2]) {
		c.w.Error("ERR Client names cannot contain spaces, newlines or special characters.")
		return
	}
	c.name = string(args[2])
	c.w.OK()
}

func cmdClientGetname(c *client, args [][]byte) {
	if c.name == "" {
		c.w.Null()
		return
	}
	c.w.BulkString(c.name)
}

// sortedClients returns the connected clients by id.
func (s *Server) sortedClients() []*client {
	list := make([]*client, 0, len(s.clients))
	for _, cl := range s.clients {
		list = append(list, cl)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].id < list[j].id })
	return list
}

func cmdClientList(c *client, args [][]byte) {
	var ids map[int64]bool
	if len(args) > 2 {
		opt := strings.ToLower(string(args[2]))
		switch {
		case opt == "type" && len(args) == 4:
			switch strings.ToLower(string(args[3])) {
			case "normal":
			case "master", "replica", "slave", "pubsub":
				ids = map[int64]bool{}
			default:
				c.w.Error(fmt.Sprintf("ERR Unknown client type '%s'", args[3]))
				return
			}
		case opt == "id" && len(args) >= 4:
			ids = map[int64]bool{}
			for _, a := range args[3:] {
				id, ok := parseInt(a)
				if !ok || id <= 0 {
					c.w.Error("ERR Invalid client ID")
					return
				}
				ids[id] = true
			}
		default:
			c.w.Error(msgSyntax)
			return
		}
	}
	var sb strings.Builder
	for _, cl := range c.srv.sortedClients() {
		if ids != nil && !ids[cl.id] {
			continue
		}
		cl.writeInfoLine(&sb, c, args)
		sb.WriteByte('\n')
	}
	c.w.Verbatim("txt", sb.String())
}

func cmdClientInfo(c *client, args [][]byte) {
	var sb strings.Builder
	c.writeInfoLine(&sb, c, args)
	sb.WriteByte('\n')
	c.w.Verbatim("txt", sb.String())
}

// writeInfoLine writes the CLIENT LIST line of cl as Redis 7.0 formats it.
// self is the client running the command (with its arguments): for it
// the current command and its argument memory are shown. Buffer sizes of
// other clients are owned by their goroutines and reported as zero.
func (cl *client) writeInfoLine(sb *strings.Builder, self *client, args [][]byte) {
	now := time.Now()
	flags := ""
	if cl.multi != nil {
		flags += "x"
	}
	if cl.dirtyCAS {
		flags += "d"
	}
	if cl.closing {
		flags += "c"
	}
	if cl.noEvict {
		flags += "e"
	}
	if flags == "" {
		flags = "N"
	}
	multi := -1
	if cl.multi != nil {
		multi = len(cl.multi.cmds)
	}
	cmd, argvMem := cl.lastCmd, 0
	if cl == self {
		cmd = "client|" + strings.ToLower(string(args[1]))
		for _, a := range args {
			argvMem += len(a)
		}
	}
	if cmd == "" {
		cmd = "NULL"
	}
	fmt.Fprintf(sb, "id=%d addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=%s db=%d sub=0 psub=0 ssub=0 multi=%d qbuf=0 qbuf-free=0 argv-mem=%d multi-mem=0 rbs=16384 rbp=16384 obl=0 oll=0 omem=0 tot-mem=%d events=r cmd=%s user=default redir=-1 resp=%d",
		cl.id, cl.addr, cl.laddr, rawnet.FD(cl.conn), cl.name,
		int64(now.Sub(cl.created)/time.Second), int64(now.Sub(cl.lastActive)/time.Second),
		flags, cl.db.id, multi, argvMem, 16384+argvMem, cmd, cl.w.Proto)
}

// cmdClientKill implements both CLIENT KILL addr:port and the filter form
// CLIENT KILL [ID id] [ADDR addr] [LADDR addr] [USER name] [SKIPME yes|no]
// [MAXAGE secs] [TYPE type].
func cmdClientKill(c *client, args [][]byte) {
	s := c.srv
	if len(args) == 3 {
		addr := string(args[2])
		for _, cl := range s.sortedClients() {
			if cl.addr == addr {
				c.kill(cl)
				c.w.OK()
				return
			}
		}
		c.w.Error(msgNoSuchClient)
		return
	}
	var (
		id          int64
		addr, laddr string
		user        string
		hasUser     bool
		maxAge      int64
		skipMe      = true
		typeNone    bool
	)
	if len(args)%2 != 0 {
		c.w.Error(msgSyntax)
		return
	}
	for i := 2; i < len(args); i += 2 {
		val := args[i+1]
		switch strings.ToLower(string(args[i])) {
		case "id":
			n, ok := parseInt(val)
			if !ok || n <= 0 {
				c.w.Error("ERR client-id should be greater than 0")
				return
			}
			id = n
		case "addr":
			addr = string(val)
		case "laddr":
			laddr = string(val)
		case "user":
			user, hasUser = string(val), true
		case "maxage":
			n, ok := parseInt(val)
			if !ok || n <= 0 {
				c.w.Error(msgSyntax)
				return
			}
			maxAge = n
		case "skipme":
			switch strings.ToLower(string(val)) {
			case "yes":
				skipMe = true
			case "no":
				skipMe = false
			default:
				c.w.Error(msgSyntax)
				return
			}
		case "type":
			switch strings.ToLower(string(val)) {
			case "normal":
			case "master", "replica", "slave", "pubsub":
				typeNone = true
			default:
				c.w.Error(fmt.Sprintf("ERR Unknown client type '%s'", val))
				return
			}
		default:
			c.w.Error(msgSyntax)
			return
		}
	}
	if hasUser && user != "default" {
		c.w.Error(fmt.Sprintf("ERR No such user '%s'", user))
		return
	}
	var killed int64
	now := time.Now()
	for _, cl := range s.sortedClients() {
		switch {
		case typeNone,
			id != 0 && cl.id != id,
			addr != "" && cl.addr != addr,
			laddr != "" && cl.laddr != laddr,
			maxAge != 0 && int64(now.Sub(cl.created)/time.Second) < maxAge,
			skipMe && cl == c:
			continue
		}
		c.kill(cl)
		killed++
	}
	c.w.Int(killed)
}

// kill closes cl's connection. The running client is closed after its
// reply; another client's socket is closed now, which ends its goroutine.
func (c *client) kill(cl *client) {
	cl.closing = true
	if cl != c {
		cl.srv.closeConn(cl)
	}
}

func cmdClientNoEvict(c *client, args [][]byte) {
	switch strings.ToLower(string(args[2])) {
	case "on":
		c.noEvict = true
	case "off":
		c.noEvict = false
	default:
		c.w.Error(msgSyntax)
		return
	}
	c.w.OK()
}

// cmdClientReply implements CLIENT REPLY ON|OFF|SKIP; OFF and SKIP are
// not answered themselves (exec drops their reply).
func cmdClientReply(c *client, args [][]byte) {
	switch strings.ToLower(string(args[2])) {
	case "on":
		c.replyOff, c.replySkipNext = false, false
	case "off":
		c.replyOff = true
	case "skip":
		if !c.replyOff {
			c.replySkipNext = true
		}
	default:
		c.w.Error(msgSyntax)
		return
	}
	c.w.OK()
}

func cmdClientHelp(c *client, args [][]byte) {
	writeHelp(c,
		"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"GETNAME",
		"    Return the name of the current connection.",
		"ID",
		"    Return the ID of the current connection.",
		"INFO",
		"    Return information about the current client connection.",
		"KILL <ip:port>",
		"    Kill connection made from <ip:port>.",
		"KILL <option> <value> [<option> <value> [...]]",
		"    Kill connections. Options are:",
		"    * ADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made from the specified address",
		"    * LADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made to specified local address",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Kill connections by type.",
		"    * USER <username>",
		"      Kill connections authenticated by <username>.",
		"    * SKIPME (YES|NO)",
		"      Skip killing current connection (default: yes).",
		"    * ID <client-id>",
		"      Kill connections by client id.",
		"    * MAXAGE <maxage>",
		"      Kill connections older than the specified age.",
		"LIST [options ...]",
		"    Return information about client connections. Options:",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Return clients of specified type.",
		"    * ID <client-id> [<client-id> ...]",
		"      Return clients of specified IDs only.",
		"REPLY (ON|OFF|SKIP)",
		"    Control the replies sent to the current connection.",
		"NO-EVICT (ON|OFF)",
		"    Protect current client connection from eviction.",
		"SETNAME <name>",
		"    Assign the name <name> to the current connection.",
		"HELP",
		"    Prints this help.")
}

// ---- COMMAND ----

// allCommands returns every top-level command sorted by name.
func (s *Server) allCommands() []*command {
	list := make([]*command, 0, len(s.commands))
	for _, c := range s.commands {
		list = append(list, c)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].name < list[j].name })
	return list
}

func sortedSubs(c *command) []*command {
	list := make([]*command, 0, len(c.subs))
	for _, sc := range c.subs {
		list = append(list, sc)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].name < list[j].name })
	return list
}

func cmdCommand(c *client, args [][]byte) {
	if len(args) > 1 {
		c.w.Error(errUnknownSubcommand(args[1], "command"))
		return
	}
	cmds := c.srv.allCommands()
	c.w.Array(len(cmds))
	for _, cmd := range cmds {
		writeCommandInfo(c, cmd)
	}
}

func cmdCommandCount(c *client, args [][]byte) { c.w.Int(int64(len(c.srv.commands))) }

func cmdCommandInfo(c *client, args [][]byte) {
	if len(args) == 2 {
		cmdCommand(c, args[:1])
		return
	}
	c.w.Array(len(args) - 2)
	for _, name := range args[2:] {
		if cmd := c.srv.lookupFull(name); cmd != nil {
			writeCommandInfo(c, cmd)
		} else {
			c.w.Null()
		}
	}
}

// lookupFull finds "name" or "name|sub".
func (s *Server) lookupFull(name []byte) *command {
	if i := bytes.IndexByte(name, '|'); i >= 0 {
		parent := s.commands.lookup(name[:i])
		if parent == nil {
			return nil
		}
		return parent.lookupSub(name[i+1:])
	}
	return s.commands.lookup(name)
}

// writeCommandInfo writes one COMMAND entry in the Redis 7 layout: name,
// arity, flags, first key, last key, step, ACL categories, tips, key
// specifications and subcommands.
func writeCommandInfo(c *client, cmd *command) {
	c.w.Array(10)
	c.w.BulkString(cmd.name)
	c.w.Int(int64(cmd.arity))
	var flags []string
	for _, f := range flagNames {
		if cmd.flags&f.f != 0 {
			flags = append(flags, f.name)
		}
	}
	c.w.Set(len(flags))
	for _, f := range flags {
		c.w.Simple(f)
	}
	c.w.Int(int64(cmd.firstKey))
	c.w.Int(int64(cmd.lastKey))
	c.w.Int(int64(cmd.step))
	acl := strings.Fields(cmd.acl)
	c.w.Set(len(acl))
	for _, a := range acl {
		c.w.Simple(a)
	}
	c.w.Set(0) // tips
	writeKeySpecs(c, cmd)
	subs := sortedSubs(cmd)
	c.w.Array(len(subs))
	for _, sc := range subs {
		writeCommandInfo(c, sc)
	}
}

// writeKeySpecs derives one key specification from the legacy key
// positions: an index begin-search and a range find-keys.
func writeKeySpecs(c *client, cmd *command) {
	if cmd.firstKey <= 0 {
		c.w.Array(0)
		return
	}
	c.w.Array(1)
	c.w.Map(3)
	c.w.BulkString("flags")
	switch {
	case cmd.flags&flagWrite != 0:
		c.w.Set(2)
		c.w.Simple("RW")
		c.w.Simple("update")
	default:
		c.w.Set(2)
		c.w.Simple("RO")
		c.w.Simple("access")
	}
	c.w.BulkString("begin_search")
	c.w.Map(2)
	c.w.BulkString("type")
	c.w.BulkString("index")
	c.w.BulkString("spec")
	c.w.Map(1)
	c.w.BulkString("index")
	c.w.Int(int64(cmd.firstKey))
	c.w.BulkString("find_keys")
	c.w.Map(2)
	c.w.BulkString("type")
	c.w.BulkString("range")
	c.w.BulkString("spec")
	c.w.Map(3)
	last := int64(cmd.lastKey)
	if last >= 0 {
		last -= int64(cmd.firstKey)
	}
	c.w.BulkString("lastkey")
	c.w.Int(last)
	c.w.BulkString("keystep")
	c.w.Int(int64(max(cmd.step, 1)))
	c.w.BulkString("limit")
	c.w.Int(0)
}

func cmdCommandDocs(c *client, args [][]byte) {
	var cmds []*command
	if len(args) == 2 {
		cmds = c.srv.allCommands()
	} else {
		for _, name := range args[2:] {
			if cmd := c.srv.lookupFull(name); cmd != nil {
				cmds = append(cmds, cmd)
			}
		}
	}
	c.w.Map(len(cmds))
	for _, cmd := range cmds {
		c.w.BulkString(cmd.name)
		writeCommandDocs(c, cmd)
	}
}

func writeCommandDocs(c *client, cmd *command) {
	n := 3
	if len(cmd.subs) > 0 {
		n++
	}
	c.w.Map(n)
	c.w.BulkString("summary")
	c.w.BulkString(cmd.summary)
	c.w.BulkString("since")
	c.w.BulkString(cmd.since)
	c.w.BulkString("group")
	c.w.BulkString(cmd.group)
	if len(cmd.subs) > 0 {
		c.w.BulkString("subcommands")
		subs := sortedSubs(cmd)
		c.w.Map(len(subs))
		for _, sc := range subs {
			c.w.BulkString(sc.name)
			writeCommandDocs(c, sc)
		}
	}
}

// cmdCommandList implements COMMAND LIST [FILTERBY MODULE m|ACLCAT cat|PATTERN p].
func cmdCommandList(c *client, args [][]byte) {
	cmds := c.srv.allCommands()
	var keep func(cmd *command) bool
	switch {
	case len(args) == 2:
	case len(args) == 5 && strings.EqualFold(string(args[2]), "filterby"):
		val := args[4]
		switch strings.ToLower(string(args[3])) {
		case "module":
			keep = func(*command) bool { return false }
		case "aclcat":
			cat := "@" + strings.ToLower(string(val))
			keep = func(cmd *command) bool {
				for _, a := range strings.Fields(cmd.acl) {
					if a == cat {
						return true
					}
				}
				return false
			}
		case "pattern":
			keep = func(cmd *command) bool { return globMatch(val, []byte(cmd.name), true) }
		default:
			c.w.Error(msgSyntax)
			return
		}
	default:
		c.w.Error(msgSyntax)
		return
	}
	var names []string
	for _, cmd := range cmds {
		if keep == nil || keep(cmd) {
			names = append(names, cmd.name)
		}
		for _, sc := range sortedSubs(cmd) {
			if keep == nil || keep(sc) {
				names = append(names, sc.name)
			}
		}
	}
	c.w.Array(len(names))
	for _, n := range names {
		c.w.BulkString(n)
	}
}

func cmdCommandGetkeys(c *client, args [][]byte) {
	target := args[2:]
	cmd := c.srv.commands.lookup(target[0])
	if cmd == nil {
		c.w.Error(msgInvalidCommand)
		return
	}
	if len(target) > 1 {
		if sc := cmd.lookupSub(target[1]); sc != nil {
			cmd = sc
		}
	}
	if !cmd.arityOK(len(target)) {
		c.w.Error(msgInvalidArgCount)
		return
	}
	var keys [][]byte
	first, last, step := cmd.keyRange(len(target))
	for i := first; first > 0 && i <= last; i += step {
		keys = append(keys, target[i])
	}
	if len(keys) == 0 {
		c.w.Error("ERR The command has no key arguments")
		return
	}
	c.w.Array(len(keys))
	for _, k := range keys {
		c.w.Bulk(k)
	}
}

func cmdCommandHelp(c *client, args [][]byte) {
	writeHelp(c,
		"COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"(no subcommand)",
		"    Return details about all Redis commands.",
		"COUNT",
		"    Return the total number of commands in this Redis server.",
		"LIST",
		"    Return a list of all commands in this Redis server.",
		"INFO [<command-name> ...]",
		"    Return details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"DOCS [<command-name> ...]",
		"    Return documentation details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"GETKEYS <full-command>",
		"    Return the keys from a full Redis command.",
		"HELP",
		"    Prints this help.")
}

// ---- SLOWLOG ----

func cmdSlowlogGet(c *client, args [][]byte) {
	n := int64(10)
	if len(args) > 3 {
		c.w.Error(fmt.Sprintf("ERR unknown subcommand or wrong number of arguments for '%s'. Try SLOWLOG HELP.", args[1]))
		return
	}
	if len(args) == 3 {
		v, ok := parseInt(args[2])
		if !ok || v < -1 {
			c.w.Error("ERR count should be greater than or equal to -1")
			return
		}
		n = v
		if n == -1 {
			n = 1<<63 - 1
		}
	}
	entries := c.srv.slowlog.entries
	if int64(len(entries)) > n {
		entries = entries[:n]
	}
	c.w.Array(len(entries))
	for _, e := range entries {
		c.w.Array(6)
		c.w.Int(e.id)
		c.w.Int(e.time)
		c.w.Int(e.duration)
		c.w.Array(len(e.args))
		for _, a := range e.args {
			c.w.BulkString(a)
		}
		c.w.BulkString(e.addr)
		c.w.BulkString(e.name)
	}
}

func cmdSlowlogLen(c *client, args [][]byte) { c.w.Int(int64(len(c.srv.slowlog.entries))) }

func cmdSlowlogReset(c *client, args [][]byte) {
	c.srv.slowlog.reset()
	c.w.OK()
}

func cmdSlowlogHelp(c *client, args [][]byte) {
	writeHelp(c,
		"SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"GET [<count>]",
		"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
		"    Entries are made of:",
		"    id, timestamp, time in microseconds, arguments array, client IP and port,",
		"    client name",
		"LEN",
		"    Return the length of the slowlog.",
		"RESET",
		"    Reset the slowlog.",
		"HELP",
		"    Prints this help.")
}

// ---- DEBUG ----

// debugAllowed applies enable-debug-command.
func (c *client) debugAllowed() bool {
	switch c.srv.cfg.EnableDebugCommand {
	case "yes":
		return true
	case "local":
		return isLoopback(c.conn.RemoteAddr())
	}
	return false
}

// cmdDebug implements DEBUG SLEEP, DEBUG OBJECT and DEBUG SET-ACTIVE-EXPIRE.
// DEBUG SLEEP holds the server lock, blocking every client, as Redis does.
func cmdDebug(c *client, args [][]byte) {
	if !c.debugAllowed() {
		c.w.Error(msgDebugNotAllowed)
		return
	}
	sub := strings.ToLower(string(args[1]))
	switch {
	case sub == "sleep" && len(args) == 3:
		secs, err := strconv.ParseFloat(string(args[2]), 64)
		if err != nil || secs < 0 {
			secs = 0
		}
		time.Sleep(time.Duration(secs * float64(time.Second)))
		c.w.OK()
	case sub == "object" && len(args) == 3:
		o := c.db.lookup(args[2], c.now)
		if o == nil {
			c.w.Error(msgNoSuchKey)
			return
		}
		c.w.Simple(fmt.Sprintf("Value at:0x%x refcount:1 encoding:%s serializedlength:%d lru:%d lru_seconds_idle:%d",
			0, objectEncodingName(o), objectSerializedLen(o), o.lru, max(0, time.Now().Unix()&(1<<24-1)-int64(o.lru))))
	case sub == "set-active-expire" && len(args) == 3:
		v, _ := parseInt(args[2]) // like atoi: anything but a number is 0
		c.srv.activeExpireOff = v == 0
		c.w.OK()
	case sub == "help" && len(args) == 2:
		writeHelp(c,
			"DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
			"OBJECT <key>",
			"    Show low level info about the `key` and associated value.",
			"SET-ACTIVE-EXPIRE <0|1>",
			"    Setting it to 0 disables expiring keys in background when they are not",
			"    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
			"    default.",
			"SLEEP <seconds>",
			"    Stop the server for <seconds>. Decimals allowed.",
			"HELP",
			"    Prints this help.")
	default:
		c.w.Error(fmt.Sprintf("ERR unknown subcommand or wrong number of arguments for '%s'. Try DEBUG HELP.", args[1]))
	}
}

// objectEncodingName names the encoding of o for DEBUG OBJECT.
func objectEncodingName(o *object) string {
	if o.typ == typeString {
		switch {
		case o.enc == encRaw:
			return "raw"
		case len(o.str) <= 20:
			if _, ok := parseInt(o.str); ok {
				return "int"
			}
		}
		if len(o.str) <= 44 {
			return "embstr"
		}
		return "raw"
	}
	if col, ok := o.val.(collection); ok {
		return col.encoding()
	}
	return "unknown"
}

func objectSerializedLen(o *object) int {
	if o.typ == typeString {
		return len(o.str)
	}
	if col, ok := o.val.(collection); ok {
		return int(col.memUsage())
	}
	return 0
}

// ---- SHUTDOWN ----

// cmdShutdown implements SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]. The
// node keeps no persistence, so SAVE and NOSAVE behave the same; ABORT
// answers that no shutdown is in progress.
func cmdShutdown(c *client, args [][]byte) {
	abort, save, nosave := false, false, false
	for _, a := range args[1:] {
		switch strings.ToLower(string(a)) {
		case "nosave":
			nosave = true
		case "save":
			save = true
		case "now", "force":
		case "abort":
			abort = true
		default:
			c.w.Error(msgSyntax)
			return
		}
	}
	if (save && nosave) || (abort && len(args) > 2) {
		c.w.Error(msgSyntax)
		return
	}
	if abort {
		c.w.Error("ERR No shutdown in progress.")
		return
	}
	s := c.srv
	s.log.Info("shutdown requested", "client", c.addr)
	fn := s.shutdown
	c.closing = true
	// Close needs the server lock: run it (and the callback) outside.
	go func() {
		if fn != nil {
			fn()
		}
		s.Close()
	}()
	// Redis closes the connection without a reply on success.
}
