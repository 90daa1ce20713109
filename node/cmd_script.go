package node

import (
	"bytes"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/slotcache/slotcache/protocol/resp"
	"github.com/slotcache/slotcache/slots"
)

var scriptHelp = []string{
	"SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"DEBUG (YES|SYNC|NO)",
	"    Set the debug mode for subsequent scripts executed.",
	"EXISTS <sha1> [<sha1> ...]",
	"    Return information about the existence of the scripts in the script cache.",
	"FLUSH [ASYNC|SYNC]",
	"    Flush the Lua scripts cache. Very dangerous on replicas.",
	"    When called without the optional mode argument, the behavior is determined by the",
	"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
	"    * ASYNC: Asynchronously flush the scripts cache.",
	"    * SYNC: Synchronously flush the scripts cache.",
	"KILL",
	"    Kill the currently executing Lua script.",
	"LOAD <script>",
	"    Load a script into the scripts cache without executing it.",
	"HELP",
	"    Prints this help.",
}

// scriptCommands: EVAL, EVALSHA, their read-only forms and SCRIPT.
func scriptCommands() []*command {
	const (
		f   = flagNoscript | flagStale | flagSkipMonitor
		acl = "@slow @scripting"
	)
	return []*command{
		{name: "eval", arity: -3, flags: f, acl: acl, group: "scripting", summary: "Execute a Lua script server side", since: "2.6.0", fn: cmdEval},
		{name: "evalsha", arity: -3, flags: f, acl: acl, group: "scripting", summary: "Execute a Lua script server side", since: "2.6.0", fn: cmdEvalSHA},
		{name: "eval_ro", arity: -3, flags: f | flagReadonly, acl: acl, group: "scripting", summary: "Execute a read-only Lua script server side", since: "7.0.0", fn: cmdEvalRO},
		{name: "evalsha_ro", arity: -3, flags: f | flagReadonly, acl: acl, group: "scripting", summary: "Execute a read-only Lua script server side", since: "7.0.0", fn: cmdEvalSHARO},
		container("script", "@slow", "scripting", "A container for Lua scripts management commands", "2.6.0",
			sub("script|exists", -3, flagNoscript, acl, "Check existence of scripts in the script cache.", "2.6.0", cmdScriptExists),
			sub("script|flush", -2, flagNoscript, acl, "Remove all the scripts from the script cache.", "2.6.0", cmdScriptFlush),
			sub("script|kill", 2, flagNoscript|flagAllowBusy, acl, "Kill the script currently in execution.", "2.6.0", cmdScriptKill),
			sub("script|load", 3, flagNoscript|flagStale, acl, "Load the specified Lua script into the script cache.", "2.6.0", cmdScriptLoad),
			sub("script|help", 2, flagLoading|flagStale, acl, "Show helpful text about the different subcommands", "5.0.0", cmdScriptHelp),
		),
	}
}

// scriptEngine returns the node's Lua engine, created on first use.
func (s *Server) scriptEngine() *scriptEngine {
	if s.scripts == nil {
		s.scripts = newScriptEngine(s)
	}
	return s.scripts
}

// scriptBusy reports whether a script runs past the busy threshold.
func (s *Server) scriptBusy() bool { return s.scripts != nil && s.scripts.busy }

// refusedWhileBusy reports whether cmd gets -BUSY while a script runs past
// the busy threshold: all but the allow_busy commands, and SHUTDOWN
// without NOSAVE.
func refusedWhileBusy(cmd *command, args [][]byte) bool {
	if cmd.flags&flagAllowBusy == 0 {
		return true
	}
	if cmd.name != "shutdown" {
		return false
	}
	for _, a := range args[1:] {
		if bytes.EqualFold(a, []byte("nosave")) {
			return false
		}
	}
	return true
}

// runsScript reports whether args, about to run, start a Lua script: an
// EVAL of any form, or the EXEC of a transaction that queued one. The event
// loop hands such clients to a goroutine of their own first, so that a
// long script leaves the loop free to answer the other clients -BUSY.
func (c *client) runsScript(args [][]byte) bool {
	if len(args[0]) < 4 || args[0][0]|0x20 != 'e' {
		return false
	}
	if isScriptCommand(args[0]) {
		return true
	}
	if c.multi != nil && bytes.EqualFold(args[0], []byte("exec")) {
		for _, q := range c.multi.cmds {
			if isScriptCommand(q[0]) {
				return true
			}
		}
	}
	return false
}

func isScriptCommand(name []byte) bool {
	switch len(name) {
	case 4:
		return bytes.EqualFold(name, []byte("eval"))
	case 7:
		return bytes.EqualFold(name, []byte("evalsha")) || bytes.EqualFold(name, []byte("eval_ro"))
	case 10:
		return bytes.EqualFold(name, []byte("evalsha_ro"))
	}
	return false
}

func cmdEval(c *client, args [][]byte)      { evalGeneric(c, args, false, false) }
func cmdEvalSHA(c *client, args [][]byte)   { evalGeneric(c, args, true, false) }
func cmdEvalRO(c *client, args [][]byte)    { evalGeneric(c, args, false, true) }
func cmdEvalSHARO(c *client, args [][]byte) { evalGeneric(c, args, true, true) }

func evalGeneric(c *client, args [][]byte, bySHA, ro bool) {
	if bySHA && len(args[1]) != 40 {
		c.w.Error(msgNoScript)
		return
	}
	numkeys, ok := parseInt(args[2])
	switch {
	case !ok:
		c.w.Error(msgNotInteger)
		return
	case numkeys > int64(len(args)-3):
		c.w.Error(msgNumKeysTooMany)
		return
	case numkeys < 0:
		c.w.Error(msgNumKeysNegative)
		return
	}
	e := c.srv.scriptEngine()
	var sha string
	var sc *luaScript
	if bySHA {
		var low [40]byte
		for i, ch := range args[1] {
			if ch >= 'A' && ch <= 'Z' {
				ch += 'a' - 'A'
			}
			low[i] = ch
		}
		if sc = e.scripts[string(low[:])]; sc == nil {
			c.w.Error(msgNoScript)
			return
		}
		sha = sc.sha
	} else {
		var msg string
		if sha, sc, msg = e.load(args[1]); msg != "" {
			c.w.Error(msg)
			return
		}
	}
	keys := args[3 : 3+numkeys]
	e.runScript(c, sha, sc, keys, args[3+numkeys:], ro || sc.noWrites)
}

// shebangFlags reads a "#!lua flags=..." first line: it reports whether
// the script declared no-writes, or Redis's error text for a bad shebang.
func shebangFlags(body string) (noWrites bool, msg string) {
	if !strings.HasPrefix(body, "#!") {
		return false, ""
	}
	line, _, _ := strings.Cut(body, "\n")
	parts := strings.Fields(line[2:])
	if len(parts) == 0 || parts[0] != "lua" {
		engine, _, _ := strings.Cut(line, " ")
		return false, "ERR Unexpected engine in script shebang: " + engine
	}
	for _, p := range parts[1:] {
		v, ok := strings.CutPrefix(p, "flags=")
		if !ok {
			return false, "ERR Unknown lua shebang option: " + p
		}
		for _, fl := range strings.Split(v, ",") {
			switch fl {
			case "no-writes":
				noWrites = true
			case "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys", "":
			default:
				return false, "ERR Unexpected flag in script shebang: " + fl
			}
		}
	}
	return noWrites, ""
}

// runScript runs a compiled script for client c and writes its reply.
func (e *scriptEngine) runScript(c *client, sha string, sc *luaScript, keys, argv [][]byte, readonly bool) {
	s := e.s
	L := e.L
	e.globals.RawSetString("KEYS", e.stringTable(keys))
	e.globals.RawSetString("ARGV", e.stringTable(argv))
	now := time.Now()
	r := &e.runBuf
	*r = scriptRun{e: e, caller: c, sha: sha, readonly: readonly, start: now, yielded: now,
		limit: s.cfg.BusyReplyThreshold, clock: s.cmdClock, resp: 2}
	e.run = r
	e.prepareClient(c)
	L.SetContext(r)
	// The script runs under runner, itself under a PCall without an
	// error handler: an error that escapes the error handler's PCall
	// (the interpreter's stack full when the handler is pushed) still
	// ends here, with the interpreter's stack put back.
	e.runErr = nil
	L.Push(e.runner)
	L.Push(sc.fn)
	err := L.PCall(1, 1, nil)
	if err == nil && e.runErr != nil {
		err = e.runErr
	}
	e.runErr = nil
	L.RemoveContext()
	e.run = nil
	if e.busy {
		e.busy = false
		s.log.Warn("slow script finished", "sha", sha, "ms", time.Since(r.start).Milliseconds())
	}
	if err != nil {
		c.w.Error(r.errorReply(err))
		return
	}
	ret := L.Get(-1)
	L.Pop(1)
	writeScriptReply(&c.w, ret, r.resp == 3)
}

// errorReply renders the error that ended a script as Redis 7 does:
// the error text, then " script: <sha>, on @user_script:<line>.".
func (r *scriptRun) errorReply(err error) string {
	var obj lua.LValue = lua.LString(err.Error())
	if ae, ok := err.(*lua.ApiError); ok && ae.Object != nil {
		obj = ae.Object
	}
	var msg string
	if t, ok := obj.(*lua.LTable); ok {
		msg = lua.LVAsString(t.RawGetString("err"))
	} else {
		msg = "ERR " + luaMessage(lua.LVAsString(obj))
	}
	if r.killed {
		msg = msgScriptKilled
	}
	line := r.errLine
	if line == 0 { // no room left to run the handler (stack overflow)
		rest, ok := strings.CutPrefix(msg, "ERR "+scriptChunk+":")
		if n, _, found := strings.Cut(rest, ":"); ok && found {
			line, _ = strconv.Atoi(n)
		}
	}
	if line > 0 {
		msg += fmt.Sprintf(" script: %s, on @%s:%d.", r.sha, scriptChunk, line)
	}
	return oneLine(msg)
}

func (e *scriptEngine) stringTable(args [][]byte) *lua.LTable {
	t := e.L.CreateTable(len(args), 0)
	for i, a := range args {
		t.RawSetInt(i+1, lua.LString(a))
	}
	return t
}

// prepareClient readies the client redis.call runs commands as: it starts
// on the caller's database, in RESP2, and never blocks.
func (e *scriptEngine) prepareClient(caller *client) {
	sc := e.sc
	if sc == nil {
		sc = &client{srv: e.s, authed: true, name: "lua", addr: "", created: time.Now()}
		e.sc = sc
	}
	sc.db = caller.db
	sc.w.Proto = 2
	sc.inExec = true
	sc.now = caller.now
	sc.readonly = caller.readonly
	sc.multi = nil
}

// scriptCall is redis.call (raise) and redis.pcall.
func (e *scriptEngine) scriptCall(L *lua.LState, raise bool) int {
	n := L.GetTop()
	msg := ""
	var args [][]byte
	if n == 0 {
		msg = msgScriptNoArgs
	} else {
		args = e.argv[:0]
		for i := 1; i <= n; i++ {
			a, ok := luaArg(L.Get(i))
			if !ok {
				msg = msgScriptArgType
				break
			}
			args = append(args, []byte(a))
		}
		e.argv = args[:0]
	}
	if msg == "" {
		msg = e.exec(args)
	}
	if msg != "" {
		t := errTable(L, msg)
		if raise {
			L.Error(t, 0)
		}
		L.Push(t)
		return 1
	}
	v, _, err := resp.ParseReply(e.sc.w.Buf)
	if err != nil {
		L.RaiseError("internal error: malformed reply")
	}
	if v.Type == '-' && raise {
		L.Error(errTable(L, string(v.Str)), 0)
	}
	L.Push(e.replyToLua(v))
	return 1
}

// errTable is the {err=...} table of an error text.
func errTable(L *lua.LState, msg string) *lua.LTable {
	t := L.CreateTable(0, 1)
	t.RawSetString("err", lua.LString(strings.TrimRight(msg, "\r\n")))
	return t
}

// exec runs one command for the script into the script client's buffer;
// it returns Redis's error text when the script may not run it.
func (e *scriptEngine) exec(args [][]byte) string {
	s, sc, r := e.s, e.sc, e.run
	cmd := s.commands.lookup(args[0])
	if cmd == nil {
		return msgScriptUnknown
	}
	if !cmd.arityOK(len(args)) {
		return msgScriptArity
	}
	if cmd.subs != nil && len(args) > 1 {
		sub := cmd.lookupSub(args[1])
		if sub == nil {
			return msgScriptUnknown
		}
		if !sub.arityOK(len(args)) {
			return msgScriptArity
		}
		cmd = sub
	}
	if cmd.flags&flagNoscript != 0 {
		return msgScriptNoScript
	}
	write := cmd.flags&flagWrite != 0
	if write && r.readonly {
		return msgScriptReadonly
	}
	if s.cfg.MaxMemory > 0 && cmd.flags&flagDenyOOM != 0 && !r.wrote && !s.memoryOK() {
		return msgOOM
	}
	if write {
		// As in Redis, a write command makes the script unkillable
		// (and free of the OOM check) whether or not it changed a key
		// (or was refused by the cluster checks).
		r.wrote = true
	}
	if cl := s.cluster.Load(); cl != nil {
		m := cl.member.Map()
		sc.keyIdx = cl.cfg.KeyIndexes(args, sc.keyIdx[:0])
		first := -1
		for _, i := range sc.keyIdx {
			slot := slots.KeySlot(args[i])
			// A command whose keys span slots is refused as Redis
			// refuses it (its cluster lookup finds no node for it).
			if first >= 0 && slot != first {
				return msgScriptNonLocal
			}
			first = slot
			if cl.redirection(m, slot, write, sc.readonly) != "" {
				return msgScriptNonLocal
			}
		}
	}
	sc.w.Buf = sc.w.Buf[:0]
	db := sc.db
	dirty := s.dirty
	if !e.call(cmd, args) {
		return "ERR internal error while executing '" + cmd.name + "'"
	}
	cmd.calls++
	if s.dirty != dirty && !cmd.signals && (len(db.watched) > 0 || len(db.blocking) > 0) {
		first, last, step := cmd.keyRange(len(args))
		for i := first; first > 0 && i <= last; i += step {
			db.signalModified(args[i])
		}
	}
	if len(sc.w.Buf) > 0 && sc.w.Buf[0] == '-' {
		cmd.failed++
		s.stats.errorReplies++
		s.countError(sc.w.Buf[1:])
	}
	return ""
}

// call runs one command's handler for the script; a panic in it (a bug)
// is logged and reported as false instead of unwinding through Lua.
func (e *scriptEngine) call(cmd *command, args [][]byte) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			e.s.log.Error("command panicked inside a script", "cmd", cmd.name, "panic", r, "stack", string(debug.Stack()))
			e.sc.w.Buf = e.sc.w.Buf[:0]
			ok = false
		}
	}()
	cmd.fn(e.sc, args)
	return true
}

// ---- SCRIPT ----

func cmdScriptLoad(c *client, args [][]byte) {
	sha, _, msg := c.srv.scriptEngine().load(args[2])
	if msg != "" {
		c.w.Error(msg)
		return
	}
	c.w.BulkString(sha)
}

func cmdScriptExists(c *client, args [][]byte) {
	e := c.srv.scriptEngine()
	c.w.Array(len(args) - 2)
	for _, a := range args[2:] {
		if e.scripts[strings.ToLower(string(a))] != nil {
			c.w.Int(1)
		} else {
			c.w.Int(0)
		}
	}
}

func cmdScriptFlush(c *client, args [][]byte) {
	if len(args) > 3 || (len(args) == 3 && !bytes.EqualFold(args[2], []byte("sync")) && !bytes.EqualFold(args[2], []byte("async"))) {
		c.w.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
		return
	}
	if e := c.srv.scripts; e != nil {
		e.reset()
	}
	c.w.OK()
}

func cmdScriptKill(c *client, args [][]byte) {
	e := c.srv.scripts
	switch {
	case e == nil || e.run == nil:
		c.w.Error(msgNotBusy)
	case e.run.wrote:
		c.w.Error(msgUnkillable)
	default:
		e.run.killed = true
		c.w.OK()
	}
}

func cmdScriptHelp(c *client, args [][]byte) { writeHelp(c, scriptHelp...) }

// usedMemoryScripts is INFO's used_memory_scripts_eval figure: the bytes
// of the cached script bodies.
func (s *Server) usedMemoryScripts() int64 {
	if s.scripts == nil {
		return 0
	}
	return s.scripts.bodies
}

// usedMemoryKB is gcinfo(): the heap in use, in KB.
func (s *Server) usedMemoryKB() int64 { return s.usedMemory / 1024 }

// cachedScripts is INFO's number_of_cached_scripts.
func (s *Server) cachedScripts() int64 {
	if s.scripts == nil {
		return 0
	}
	return int64(len(s.scripts.scripts))
}
