package node

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/slotcache/slotcache/protocol/resp"
)

// Reply texts of the scripting commands, as Redis 7.0 sends them.
const (
	msgNoScript        = "NOSCRIPT No matching script. Please use EVAL."
	msgBusy            = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
	msgNotBusy         = "NOTBUSY No scripts in execution right now."
	msgUnkillable      = "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
	msgScriptKilled    = "ERR Script killed by user with SCRIPT KILL..."
	msgNumKeysNegative = "ERR Number of keys can't be negative"
	msgNumKeysTooMany  = "ERR Number of keys can't be greater than number of args"
	msgScriptUnknown   = "ERR Unknown Redis command called from script"
	msgScriptArity     = "ERR Wrong number of args calling Redis command from script"
	msgScriptNoScript  = "ERR This Redis command is not allowed from script"
	msgScriptReadonly  = "ERR Write commands are not allowed from read-only scripts."
	msgScriptNonLocal  = "ERR Script attempted to access a non local key in a cluster node"
	msgScriptArgType   = "ERR Lua redis lib command arguments must be strings or integers"
	msgScriptNoArgs    = "ERR Please specify at least one argument for this redis lib call"
	msgReadonlyTable   = "Attempt to modify a readonly table"
)

// scriptChunk is the chunk name scripts are compiled under: errors read
// "user_script:1: ..." as in Redis.
const scriptChunk = "user_script"

// scriptCheckEvery is how many Lua instructions run between two looks at
// the clock and at SCRIPT KILL.
const scriptCheckEvery = 1 << 12

// scriptYieldEvery is how often a script past the busy threshold lets
// other clients in, to answer them -BUSY (or run SCRIPT KILL).
const scriptYieldEvery = 20 * time.Millisecond

// luaScript is one cached script.
type luaScript struct {
	sha      string
	noWrites bool // #!lua flags=no-writes
	body     string
	fn       *lua.LFunction
}

// scriptEngine is the node's Lua interpreter and script cache. Like the
// keyspace it is guarded by the server lock; one script runs at a time.
type scriptEngine struct {
	s         *Server
	L         *lua.LState
	globals   *lua.LTable // the real globals; scripts see them through env
	env       *lua.LTable // read-only view of the globals, the scripts' environment
	cjsonNull lua.LValue
	errFn     *lua.LFunction
	runner    *lua.LFunction // runs a script under errFn; see runScript
	runErr    error          // the error of the script runner ran
	scripts   map[string]*luaScript
	bodies    int64 // bytes of cached script bodies
	sc        *client
	run       *scriptRun // the running script, nil between scripts
	runBuf    scriptRun  // what run points to
	argv      [][]byte   // scratch for redis.call's arguments
	// busy is set while a script runs past the busy threshold: other
	// clients are then answered -BUSY.
	busy bool
}

func newScriptEngine(s *Server) *scriptEngine {
	e := &scriptEngine{s: s, scripts: map[string]*luaScript{}}
	e.reset()
	return e
}

// reset builds a fresh interpreter (SCRIPT FLUSH does, as Redis does).
func (e *scriptEngine) reset() {
	if e.L != nil {
		e.L.Close()
	}
	L := lua.NewState(lua.Options{SkipOpenLibs: true, CallStackSize: 200, RegistrySize: 1024, RegistryMaxSize: 1 << 20, RegistryGrowStep: 1 << 14})
	for _, lib := range []struct {
		name string
		fn   lua.LGFunction
	}{{lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}, {lua.StringLibName, lua.OpenString}, {lua.MathLibName, lua.OpenMath}} {
		L.Push(L.NewFunction(lib.fn))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	g := L.G.Global
	// Redis 7.0 offers neither these nor getfenv/setfenv/newproxy.
	for _, name := range []string{"dofile", "loadfile", "print", "_printregs", "module", "require", "getfenv", "setfenv", "newproxy"} {
		g.RawSetString(name, lua.LNil)
	}
	g.RawSetString("gcinfo", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LNumber(e.s.usedMemoryKB()))
		return 1
	}))
	g.RawSetString("__redis__err__handler", L.NewFunction(func(L *lua.LState) int {
		err := L.Get(1)
		if _, ok := err.(*lua.LTable); !ok {
			t := L.CreateTable(0, 1)
			t.RawSetString("err", lua.LString("ERR "+lua.LVAsString(L.ToStringMeta(err))))
			err = t
		}
		L.Push(err)
		return 1
	}))
	tonum := g.RawGetString("tonumber")
	g.RawSetString("tonumber", L.NewFunction(func(L *lua.LState) int {
		// Lua 5.1 reads a decimal string with C's strtod ("1e2",
		// " 12 ", "0x10"), which gopher-lua's own reader does not.
		if s, ok := L.Get(1).(lua.LString); ok && L.GetTop() == 1 {
			t := strings.TrimSpace(string(s))
			if f, n := jsonStrtod(t); n > 0 && n == len(t) {
				L.Push(lua.LNumber(f))
				return 1
			}
		}
		n := L.GetTop()
		L.Push(tonum)
		for i := 1; i <= n; i++ {
			L.Push(L.Get(i))
		}
		L.Call(n, 1)
		return 1
	}))
	g.RawSetString("pcall", L.NewFunction(e.luaPcall))
	// unpack and string.byte push one value per result: as in Lua 5.1,
	// more than its C stack holds (LUAI_MAXCSTACK) is an error, not
	// millions of values on the interpreter's stack.
	unpack := g.RawGetString("unpack")
	g.RawSetString("unpack", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		i := float64(L.OptNumber(2, 1))
		j := float64(t.Len())
		if L.Get(3) != lua.LNil {
			j = float64(L.CheckNumber(3))
		}
		if i <= j && j-i+1+float64(L.GetTop()) > luaMaxCStack {
			raiseAt(L, "too many results to unpack")
		}
		return callThrough(L, unpack)
	}))
	if str, ok := g.RawGetString("string").(*lua.LTable); ok {
		format := str.RawGetString("format")
		str.RawSetString("format", L.NewFunction(func(L *lua.LState) int {
			if msg := checkFormat(L.CheckString(1)); msg != "" {
				raiseAt(L, msg)
			}
			return callThrough(L, format)
		}))
		byteFn := str.RawGetString("byte")
		str.RawSetString("byte", L.NewFunction(func(L *lua.LState) int {
			n := float64(len(L.CheckString(1)))
			rel := func(pos float64) float64 {
				if pos < 0 {
					pos += n + 1
				}
				return max(pos, 0)
			}
			first := rel(float64(L.OptNumber(2, 1)))
			last := rel(float64(L.OptNumber(3, lua.LNumber(first))))
			first, last = max(first, 1), min(last, n)
			if first <= last && last-first+1+float64(L.GetTop()) > luaMaxCStack {
				raiseAt(L, "stack overflow (string slice too long)")
			}
			return callThrough(L, byteFn)
		}))
	}
	if str, ok := g.RawGetString("string").(*lua.LTable); ok {
		rep := str.RawGetString("rep")
		str.RawSetString("rep", L.NewFunction(func(L *lua.LState) int {
			// One call must not take the node's memory: strings are
			// bounded as bulk strings are (proto-max-bulk-len).
			// Lua 5.1 reads the count as a C int: 2^32+1 is 1, 2^31 is
			// negative.
			n := int64(int32(luaToInt(L.CheckNumber(2))))
			if n > 0 && int64(len(L.CheckString(1)))*n > e.s.cfg.ProtoMaxBulkLen {
				L.RaiseError("resulting string too large")
			}
			L.Push(rep)
			L.Push(L.Get(1))
			L.Push(lua.LNumber(n))
			L.Call(2, 1)
			return 1
		}))
	}
	tostr := g.RawGetString("tostring")
	g.RawSetString("tostring", L.NewFunction(func(L *lua.LState) int {
		if n, ok := L.Get(1).(lua.LNumber); ok {
			L.Push(lua.LString(formatG14(float64(n))))
			return 1
		}
		L.Push(tostr)
		L.Push(L.Get(1))
		L.Call(1, 1)
		return 1
	}))
	e.L, e.globals = L, g
	e.openRedis()
	e.openCjson()
	e.openBit()
	// The library tables are read-only too: a script cannot change what
	// the next script finds. Strings keep the real string table as their
	// methods.
	readonly := L.NewFunction(func(L *lua.LState) int {
		L.RaiseError(msgReadonlyTable)
		return 0
	})
	for _, name := range []string{"redis", "cjson", "bit", "string", "table", "math"} {
		lib, ok := g.RawGetString(name).(*lua.LTable)
		if !ok {
			continue
		}
		view, meta := L.NewTable(), L.NewTable()
		meta.RawSetString("__index", lib)
		meta.RawSetString("__newindex", readonly)
		meta.RawSetString("__metatable", lua.LFalse)
		L.SetMetatable(view, meta)
		g.RawSetString(name, view)
	}
	g.RawSetString("KEYS", L.NewTable())
	g.RawSetString("ARGV", L.NewTable())

	// Scripts run with env as their globals: reading an unset name and
	// writing any name are errors, as in Redis 7.
	e.env = L.NewTable()
	meta := L.NewTable()
	meta.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		k := L.Get(2)
		v := e.globals.RawGet(k)
		if v == lua.LNil {
			L.RaiseError("Script attempted to access nonexistent global variable '%s'", lua.LVAsString(k))
		}
		L.Push(v)
		return 1
	}))
	meta.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError(msgReadonlyTable)
		return 0
	}))
	meta.RawSetString("__metatable", lua.LFalse)
	L.SetMetatable(e.env, meta)
	g.RawSetString("_G", e.env)
	e.errFn = L.NewFunction(e.errorHandler)
	e.runner = L.NewFunction(func(L *lua.LState) int {
		L.Push(L.Get(1))
		if err := L.PCall(0, 1, e.errFn); err != nil {
			e.runErr = err
			return 0
		}
		return 1
	})
	e.scripts = map[string]*luaScript{}
	e.bodies = 0
}

// luaMaxCStack is Lua 5.1's LUAI_MAXCSTACK: the most values a C function
// may push.
const luaMaxCStack = 8000

// checkFormat checks the conversions of a string.format format as Lua
// 5.1 does: at most five flags, and width and precision of two digits at
// most. It returns Lua's error text, or "".
func checkFormat(f string) string {
	digit := func(i int) bool { return i < len(f) && f[i] >= '0' && f[i] <= '9' }
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		i++
		if i < len(f) && f[i] == '%' {
			continue
		}
		start := i
		for i < len(f) && strings.IndexByte("-+ #0", f[i]) >= 0 {
			i++
		}
		if i-start >= 6 {
			return "invalid format (repeated flags)"
		}
		for range 2 {
			if digit(i) {
				i++
			}
		}
		if i < len(f) && f[i] == '.' {
			i++
			for range 2 {
				if digit(i) {
					i++
				}
			}
		}
		if digit(i) {
			return "invalid format (width or precision too long)"
		}
	}
	return ""
}

// callThrough calls fn with the arguments of the running Go function and
// returns all its results.
func callThrough(L *lua.LState, fn lua.LValue) int {
	n := L.GetTop()
	L.Push(fn)
	for i := 1; i <= n; i++ {
		L.Push(L.Get(i))
	}
	L.Call(n, lua.MultRet)
	return L.GetTop() - n
}

// luaPcall is pcall as Redis 7 has it: an error table {err=...} raised by
// redis.call is handed to the caller as its err string.
func (e *scriptEngine) luaPcall(L *lua.LState) int {
	n := L.GetTop()
	if n == 0 {
		L.ArgError(1, "value expected")
	}
	if err := L.PCall(n-1, lua.MultRet, nil); err != nil {
		if e.run != nil && e.run.killed {
			L.RaiseError("%s", errScriptKilled.Error())
		}
		var obj lua.LValue = lua.LString(err.Error())
		if ae, ok := err.(*lua.ApiError); ok && ae.Object != nil {
			obj = ae.Object
		}
		switch o := obj.(type) {
		case *lua.LTable:
			if s, ok := o.RawGetString("err").(lua.LString); ok {
				obj = s
			}
		case lua.LString:
			obj = lua.LString(luaMessage(string(o)))
		}
		L.Push(lua.LFalse)
		L.Push(obj)
		return 2
	}
	L.Insert(lua.LTrue, 1)
	return L.GetTop()
}

// sha1hex returns the lower-case hex SHA1 of body.
func sha1hex(body []byte) string {
	sum := sha1.Sum(body)
	return hex.EncodeToString(sum[:])
}

// load compiles body and caches it under its SHA1; it returns the script
// or Redis's compile error text.
func (e *scriptEngine) load(body []byte) (string, *luaScript, string) {
	sha := sha1hex(body)
	if sc := e.scripts[sha]; sc != nil {
		return sha, sc, ""
	}
	src := string(body)
	noWrites, msg := shebangFlags(src)
	if msg != "" {
		return sha, nil, msg
	}
	code := src
	if strings.HasPrefix(src, "#!") {
		// The shebang line stays as a comment so line numbers hold.
		code = "--" + src
	}
	chunk, err := parse.Parse(strings.NewReader(code), scriptChunk)
	if err != nil {
		return sha, nil, "ERR Error compiling script (new function): " + compileError(err, src)
	}
	proto, err := lua.Compile(chunk, scriptChunk)
	if err != nil {
		return sha, nil, "ERR Error compiling script (new function): " + compileError(err, src)
	}
	// As in Lua 5.1, a main chunk has no Lua 5.0 "arg" table (which
	// gopher-lua would build at every call).
	proto.IsVarArg &^= lua.VarArgNeedsArg
	fn := e.L.NewFunctionFromProto(proto)
	fn.Env = e.env
	sc := &luaScript{sha: sha, noWrites: noWrites, body: src, fn: fn}
	e.scripts[sha] = sc
	e.bodies += int64(len(body))
	return sha, sc, ""
}

// compileError renders a parse error the way Lua 5.1 words the common
// ones: "user_script:LINE: unexpected symbol near 'TOKEN'".
func compileError(err error, src string) string {
	pe, ok := err.(*parse.Error)
	if !ok {
		return strings.TrimSpace(strings.ReplaceAll(err.Error(), "\n", " "))
	}
	line, tok := pe.Pos.Line, "'"+pe.Token+"'"
	if line <= 0 {
		line, tok = strings.Count(src, "\n")+1, "'<eof>'"
	}
	msg := pe.Message
	switch {
	case msg == "syntax error":
		msg = "unexpected symbol"
	case strings.HasPrefix(msg, "unterminated string"):
		msg = "unfinished string"
		if tok != "'<eof>'" {
			line, tok = unfinishedString(src, line, pe.Token)
		}
	case msg == "unterminated multiline string":
		msg = "unfinished long string"
	case msg == "invalid multiline comment":
		msg = "unfinished long comment"
	}
	return fmt.Sprintf("%s:%d: %s near %s", scriptChunk, line, msg, tok)
}

// unfinishedString places a string cut by the end of its line as Lua 5.1
// does: on the line it started (the scanner reports the next one after a
// newline) and named with its opening quote and the text read so far.
func unfinishedString(src string, line int, text string) (int, string) {
	lines := strings.Split(src, "\n")
	for _, l := range []int{line - 1, line} {
		if l < 1 || l > len(lines) {
			continue
		}
		for _, q := range []string{"'", `"`} {
			if strings.HasSuffix(lines[l-1], q+text) || strings.Contains(lines[l-1], q+text+"\r") {
				return l, "'" + q + text + "'"
			}
		}
	}
	// The text read had escapes: the opening quote is the line's last.
	l := max(1, min(line-1, len(lines)))
	q := "'"
	if i := strings.LastIndexAny(lines[l-1], `'"`); i >= 0 {
		q = lines[l-1][i : i+1]
	}
	return l, "'" + q + text + "'"
}

// scriptRun is the state of the running script. It is also the Lua
// interpreter's context: the interpreter calls Done before every
// instruction, which is where the clock, SCRIPT KILL and the -BUSY
// hand-over to other clients are looked at.
type scriptRun struct {
	e        *scriptEngine
	caller   *client
	sha      string
	readonly bool
	start    time.Time
	limit    time.Duration
	clock    int64 // the caller's command clock: time stands still in a script
	ticks    uint32
	yielded  time.Time
	killed   bool
	wrote    bool
	resp     int // redis.setresp
	// errLine is the script line of the error that ended the script.
	errLine int
}

var closedChan = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

// Deadline is part of context.Context: a script has none.
func (r *scriptRun) Deadline() (time.Time, bool) { return time.Time{}, false }

// Value is part of context.Context.
func (r *scriptRun) Value(any) any { return nil }

// Err is part of context.Context: the reason a killed script stops.
func (r *scriptRun) Err() error {
	if r.killed {
		return errScriptKilled
	}
	return nil
}

var errScriptKilled = fmt.Errorf("%s", strings.TrimPrefix(msgScriptKilled, "ERR "))

// Done is part of context.Context; the interpreter calls it before each
// instruction. A nil channel means "go on".
func (r *scriptRun) Done() <-chan struct{} {
	if r.killed {
		return closedChan
	}
	r.ticks++
	if r.ticks%scriptCheckEvery != 0 {
		return nil
	}
	return r.check()
}

func (r *scriptRun) check() <-chan struct{} {
	if r.killed {
		return closedChan
	}
	now := time.Now()
	e := r.e
	if !e.busy {
		if r.limit <= 0 || now.Sub(r.start) < r.limit {
			return nil
		}
		e.busy = true
		e.s.log.Warn("slow script detected: still in execution after the busy threshold; other clients get -BUSY until it ends or SCRIPT KILL stops it",
			"sha", r.sha, "ms", now.Sub(r.start).Milliseconds())
	}
	if now.Sub(r.yielded) >= scriptYieldEvery {
		// Let the clients waiting on the lock in: every command of
		// theirs but SCRIPT KILL and a few others is refused with -BUSY,
		// so the keyspace stays as the script left it.
		r.yielded = now
		s := e.s
		s.mu.Unlock()
		time.Sleep(time.Millisecond)
		s.mu.Lock()
		s.cmdClock = r.clock
		select {
		case <-s.closing: // SHUTDOWN NOSAVE: the script ends with the server
			r.killed = true
		default:
		}
		if r.killed {
			return closedChan
		}
	}
	return nil
}

// errorHandler runs where a script error is raised: it turns the error into
// a table {err=...} and records the script line that raised it, as
// Redis 7's error handler does.
func (e *scriptEngine) errorHandler(L *lua.LState) int {
	obj := L.Get(1)
	line := 0
	for level := 1; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			break
		}
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil {
			break
		}
		if dbg.What != "G" && dbg.CurrentLine > 0 {
			line = dbg.CurrentLine
			break
		}
	}
	if e.run != nil {
		e.run.errLine = line
	}
	L.Push(obj)
	return 1
}

// ---- conversions ----

// replyToLua converts a command's reply into the Lua value redis.call
// returns, following Redis 7's rules for RESP2 and RESP3.
func (e *scriptEngine) replyToLua(v resp.Value) lua.LValue {
	L := e.L
	switch v.Type {
	case ':':
		return lua.LNumber(v.Int)
	case '$':
		if v.Null {
			return lua.LFalse
		}
		return lua.LString(v.Str)
	case '+':
		t := L.CreateTable(0, 1)
		t.RawSetString("ok", lua.LString(v.Str))
		return t
	case '-':
		t := L.CreateTable(0, 1)
		t.RawSetString("err", lua.LString(v.Str))
		return t
	case '*', '>':
		if v.Null {
			return lua.LFalse
		}
		t := L.CreateTable(len(v.Elems), 0)
		for i, el := range v.Elems {
			t.RawSetInt(i+1, e.replyToLua(el))
		}
		return t
	case '%':
		m := L.CreateTable(0, len(v.Elems)/2)
		for i := 0; i+1 < len(v.Elems); i += 2 {
			m.RawSet(e.replyToLua(v.Elems[i]), e.replyToLua(v.Elems[i+1]))
		}
		t := L.CreateTable(0, 1)
		t.RawSetString("map", m)
		return t
	case '~':
		set := L.CreateTable(0, len(v.Elems))
		for _, el := range v.Elems {
			set.RawSet(e.replyToLua(el), lua.LTrue)
		}
		t := L.CreateTable(0, 1)
		t.RawSetString("set", set)
		return t
	case '_':
		return lua.LNil
	case '#':
		return lua.LBool(v.Int != 0)
	case ',':
		f, _ := strconv.ParseFloat(string(v.Str), 64)
		t := L.CreateTable(0, 1)
		t.RawSetString("double", lua.LNumber(f))
		return t
	case '(':
		t := L.CreateTable(0, 1)
		t.RawSetString("big_number", lua.LString(v.Str))
		return t
	case '=':
		inner := L.CreateTable(0, 2)
		inner.RawSetString("format", lua.LString("txt"))
		inner.RawSetString("string", lua.LString(v.Str))
		t := L.CreateTable(0, 1)
		t.RawSetString("verbatim_string", inner)
		return t
	}
	return lua.LNil
}

// maxReplyDepth bounds the nesting of a script's reply (tables that
// contain themselves would otherwise never end); RESP readers, ours
// included, refuse deeper replies.
const maxReplyDepth = 64

// writeScriptReply writes a script's return value to w; a reply nested
// too deeply is replaced by Redis's error.
func writeScriptReply(w *resp.Writer, v lua.LValue, resp3 bool) {
	mark := len(w.Buf)
	if !writeLuaReply(w, v, resp3, 0) {
		w.Buf = w.Buf[:mark]
		w.Error("ERR reached lua stack limit")
	}
}

// writeLuaReply writes a script's return value to w, following Redis 7's
// rules; resp3 is the script's redis.setresp protocol. It reports false
// when the value nests deeper than maxReplyDepth.
func writeLuaReply(w *resp.Writer, v lua.LValue, resp3 bool, depth int) bool {
	if depth > maxReplyDepth {
		return false
	}
	switch v := v.(type) {
	case lua.LString:
		w.BulkString(string(v))
	case lua.LBool:
		if !resp3 {
			if v {
				w.Int(1)
			} else {
				w.Null()
			}
			return true
		}
		w.Bool(bool(v))
	case lua.LNumber:
		w.Int(luaToInt(v))
	case *lua.LTable:
		if s, ok := v.RawGetString("err").(lua.LString); ok {
			w.Error(oneLine(string(s)))
			return true
		}
		if s, ok := v.RawGetString("ok").(lua.LString); ok {
			w.Simple(oneLine(string(s)))
			return true
		}
		if n, ok := v.RawGetString("double").(lua.LNumber); ok {
			w.Double(float64(n))
			return true
		}
		if s, ok := v.RawGetString("big_number").(lua.LString); ok {
			if w.Proto >= 3 {
				w.Buf = append(w.Buf, '(')
				w.Buf = append(w.Buf, oneLine(string(s))...)
				w.Buf = append(w.Buf, '\r', '\n')
			} else {
				w.BulkString(string(s))
			}
			return true
		}
		if vs, ok := v.RawGetString("verbatim_string").(*lua.LTable); ok {
			format, okf := vs.RawGetString("format").(lua.LString)
			str, oks := vs.RawGetString("string").(lua.LString)
			if okf && oks {
				// As Redis: the format is cut or padded to 3 bytes.
				f := []byte("   ")
				copy(f, format)
				w.Verbatim(string(f), string(str))
				return true
			}
		}
		if m, ok := v.RawGetString("map").(*lua.LTable); ok {
			var keys, vals []lua.LValue
			eachPair(m, func(k, val lua.LValue) {
				keys = append(keys, k)
				vals = append(vals, val)
			})
			w.Map(len(keys))
			for i := range keys {
				if !writeLuaReply(w, keys[i], resp3, depth+1) || !writeLuaReply(w, vals[i], resp3, depth+1) {
					return false
				}
			}
			return true
		}
		if set, ok := v.RawGetString("set").(*lua.LTable); ok {
			var keys []lua.LValue
			eachPair(set, func(k, _ lua.LValue) { keys = append(keys, k) })
			w.Set(len(keys))
			for _, k := range keys {
				if !writeLuaReply(w, k, resp3, depth+1) {
					return false
				}
			}
			return true
		}
		n := 0
		for v.RawGetInt(n+1) != lua.LNil {
			n++
		}
		w.Array(n)
		for i := 1; i <= n; i++ {
			if !writeLuaReply(w, v.RawGetInt(i), resp3, depth+1) {
				return false
			}
		}
	default:
		w.Null()
	}
	return true
}

// luaToInt converts a Lua number to a Redis integer the way C's cast does
// (truncation; out of range values saturate).
func luaToInt(n lua.LNumber) int64 {
	f := float64(n)
	switch {
	case f != f:
		return math.MinInt64
	case f >= math.MaxInt64:
		return math.MinInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

// oneLine replaces CR and LF with spaces, as Redis does for status and
// error replies built by scripts.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, s)
}

// luaArg converts a redis.call argument; ok is false for a type Redis
// refuses.
func luaArg(v lua.LValue) (string, bool) {
	switch v := v.(type) {
	case lua.LString:
		return string(v), true
	case lua.LNumber:
		return formatLuaNumber(float64(v)), true
	}
	return "", false
}

// formatLuaNumber renders a number argument the way Redis 7.0 does, with
// C's "%.17g" (0.1 is 0.10000000000000001, 1e16 is 10000000000000000), as
// doubles in replies are written, except that C keeps NaN's sign.
func formatLuaNumber(f float64) string {
	if math.IsNaN(f) && math.Signbit(f) {
		return "-nan"
	}
	return string(resp.FormatFloat(nil, f))
}

var (
	reArith = regexp.MustCompile(`cannot perform (\w+) operation between (\w+) and (\w+)`)
	reIndex = regexp.MustCompile(`attempt to index a non-table object\((\w+)\) with key '(?s:.*)'`)
)

// luaMessage rewords gopher-lua's runtime errors the way Lua 5.1 words
// them ("attempt to perform arithmetic on a nil value"), without the
// variable names Lua adds when it knows them.
func luaMessage(msg string) string {
	if m := reArith.FindStringSubmatchIndex(msg); m != nil {
		op, a, b := msg[m[2]:m[3]], msg[m[4]:m[5]], msg[m[6]:m[7]]
		bad := a
		switch {
		case a != "number" && a != "string":
		case b != "number" && b != "string":
			bad = b
		case a != "string":
			bad = b
		}
		what := "perform arithmetic on"
		if op == "concat" {
			what = "concatenate"
		}
		return msg[:m[0]] + "attempt to " + what + " a " + bad + " value" + msg[m[1]:]
	}
	if m := reIndex.FindStringSubmatchIndex(msg); m != nil {
		return msg[:m[0]] + "attempt to index a " + msg[m[2]:m[3]] + " value" + msg[m[1]:]
	}
	return msg
}
