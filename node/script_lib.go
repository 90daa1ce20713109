package node

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// redisVersionNum is REDIS_VERSION_NUM for 7.0.15 (0x00MMmmpp).
const redisVersionNum = 7<<16 | 0<<8 | 15

// openRedis installs the redis table scripts use.
func (e *scriptEngine) openRedis() {
	L := e.L
	t := L.NewTable()
	fn := func(name string, f lua.LGFunction) { t.RawSetString(name, L.NewFunction(f)) }
	fn("call", func(L *lua.LState) int { return e.scriptCall(L, true) })
	fn("pcall", func(L *lua.LState) int { return e.scriptCall(L, false) })
	fn("error_reply", func(L *lua.LState) int {
		s, ok := L.Get(1).(lua.LString)
		if L.GetTop() != 1 || !ok {
			// Redis returns the error, it does not raise it.
			L.Push(errTable(L, "ERR wrong number or type of arguments"))
			return 1
		}
		// As Redis: "CODE msg" keeps its code, a single word gets ERR.
		msg := strings.TrimPrefix(string(s), "-")
		if !strings.Contains(msg, " ") {
			msg = "ERR " + msg
		}
		L.Push(errTable(L, msg))
		return 1
	})
	fn("status_reply", func(L *lua.LState) int {
		s, ok := L.Get(1).(lua.LString)
		if L.GetTop() != 1 || !ok {
			// Redis returns the error, it does not raise it.
			L.Push(errTable(L, "ERR wrong number or type of arguments"))
			return 1
		}
		st := L.CreateTable(0, 1)
		st.RawSetString("ok", s)
		L.Push(st)
		return 1
	})
	fn("sha1hex", func(L *lua.LState) int {
		if L.GetTop() != 1 {
			L.Error(errTable(L, "ERR wrong number of arguments"), 0)
		}
		L.Push(lua.LString(sha1hex([]byte(lua.LVAsString(L.Get(1))))))
		return 1
	})
	fn("log", func(L *lua.LState) int {
		n := L.GetTop()
		if n < 2 {
			L.Error(errTable(L, "ERR redis.log() requires two arguments or more."), 0)
		}
		lv, ok := L.Get(1).(lua.LNumber)
		if !ok {
			L.Error(errTable(L, "ERR First argument must be a number (log level)."), 0)
		}
		if lv < 0 || lv > 3 {
			L.Error(errTable(L, "ERR Invalid debug level."), 0)
		}
		parts := make([]string, 0, n-1)
		for i := 2; i <= n; i++ {
			parts = append(parts, lua.LVAsString(L.Get(i)))
		}
		msg := strings.Join(parts, " ")
		switch int(lv) {
		case 0:
			e.s.log.Debug(msg, "source", "script")
		case 1, 2:
			e.s.log.Info(msg, "source", "script")
		default:
			e.s.log.Warn(msg, "source", "script")
		}
		return 0
	})
	fn("setresp", func(L *lua.LState) int {
		if L.GetTop() != 1 {
			L.Error(errTable(L, "ERR redis.setresp() requires one argument."), 0)
		}
		v, _ := L.Get(1).(lua.LNumber)
		if v != 2 && v != 3 {
			L.Error(errTable(L, "ERR RESP version must be 2 or 3."), 0)
		}
		if e.run != nil {
			e.run.resp = int(v)
			e.sc.w.Proto = int(v)
		}
		return 0
	})
	fn("set_repl", func(L *lua.LState) int { return 0 })
	fn("replicate_commands", func(L *lua.LState) int { L.Push(lua.LTrue); return 1 })
	fn("breakpoint", func(L *lua.LState) int { L.Push(lua.LFalse); return 1 })
	fn("debug", func(L *lua.LState) int { return 0 })
	for name, v := range map[string]int{
		"LOG_DEBUG": 0, "LOG_VERBOSE": 1, "LOG_NOTICE": 2, "LOG_WARNING": 3,
		"REPL_NONE": 0, "REPL_AOF": 1, "REPL_SLAVE": 2, "REPL_REPLICA": 2, "REPL_ALL": 3,
	} {
		t.RawSetString(name, lua.LNumber(v))
	}
	t.RawSetString("REDIS_VERSION", lua.LString("7.0.15"))
	t.RawSetString("REDIS_VERSION_NUM", lua.LNumber(redisVersionNum))
	e.globals.RawSetString("redis", t)
}

// raiseAt raises msg as a library function written in C does with
// luaL_error: prefixed with the calling line when a script line called it
// directly (not when pcall did).
func raiseAt(L *lua.LState, msg string) {
	if dbg, ok := L.GetStack(1); ok {
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err == nil && dbg.What != "G" && dbg.CurrentLine > 0 {
			msg = scriptChunk + ":" + strconv.Itoa(dbg.CurrentLine) + ": " + msg
		}
	}
	L.Error(lua.LString(msg), 0)
}

// ---- cjson ----

// maxJSONDepth is cjson's default nesting limit.
const maxJSONDepth = 1000

func (e *scriptEngine) openCjson() {
	L := e.L
	t := L.NewTable()
	null := L.NewUserData()
	e.cjsonNull = null
	t.RawSetString("null", null)
	t.RawSetString("encode", L.NewFunction(func(L *lua.LState) int {
		if L.GetTop() != 1 {
			L.RaiseError("bad argument #1 to 'encode' (expected 1 argument)")
		}
		var sb strings.Builder
		if msg := e.jsonEncode(&sb, L.Get(1), 0); msg != "" {
			raiseAt(L, msg)
		}
		L.Push(lua.LString(sb.String()))
		return 1
	}))
	t.RawSetString("decode", L.NewFunction(func(L *lua.LState) int {
		if L.GetTop() != 1 {
			L.RaiseError("bad argument #1 to 'decode' (expected 1 argument)")
		}
		v, msg := e.decodeJSON(L.CheckString(1))
		if msg != "" {
			raiseAt(L, msg)
		}
		L.Push(v)
		return 1
	}))
	e.globals.RawSetString("cjson", t)
}

// jsonEncode writes v as cjson does: tables whose keys are 1..n are
// arrays, other tables objects, numbers in %.14g.
func (e *scriptEngine) jsonEncode(sb *strings.Builder, v lua.LValue, depth int) string {
	if depth > maxJSONDepth {
		return "Cannot serialise, excessive nesting (1001)"
	}
	switch v := v.(type) {
	case *lua.LNilType:
		sb.WriteString("null")
	case lua.LBool:
		sb.WriteString(strconv.FormatBool(bool(v)))
	case lua.LNumber:
		f := float64(v)
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return "Cannot serialise number: must not be NaN or Inf"
		}
		sb.WriteString(formatG14(f))
	case lua.LString:
		jsonString(sb, string(v))
	case *lua.LUserData:
		if v == e.cjsonNull {
			sb.WriteString("null")
			return ""
		}
		return "Cannot serialise userdata: type not supported"
	case *lua.LTable:
		n, isArray := luaArrayLen(v)
		if isArray && n > 10 && n > 2*countKeys(v) {
			return "Cannot serialise table: excessively sparse array"
		}
		if isArray && n > 0 {
			sb.WriteByte('[')
			for i := 1; i <= n; i++ {
				if i > 1 {
					sb.WriteByte(',')
				}
				if msg := e.jsonEncode(sb, v.RawGetInt(i), depth+1); msg != "" {
					return msg
				}
			}
			sb.WriteByte(']')
			return ""
		}
		sb.WriteByte('{')
		first := true
		var msg string
		eachPair(v, func(k, val lua.LValue) {
			if msg != "" {
				return
			}
			var key string
			switch k := k.(type) {
			case lua.LString:
				key = string(k)
			case lua.LNumber:
				key = formatG14(float64(k))
			default:
				msg = "Cannot serialise " + k.Type().String() + ": table key must be a number or string"
				return
			}
			if !first {
				sb.WriteByte(',')
			}
			first = false
			jsonString(sb, key)
			sb.WriteByte(':')
			msg = e.jsonEncode(sb, val, depth+1)
		})
		if msg != "" {
			return msg
		}
		sb.WriteByte('}')
	default:
		return "Cannot serialise " + v.Type().String() + ": type not supported"
	}
	return ""
}

// luaArrayLen reports whether t is an array for cjson (every key a
// positive integer) and its largest key; holes are encoded as null.
func luaArrayLen(t *lua.LTable) (int, bool) {
	n := 0
	ok := true
	eachPair(t, func(k, _ lua.LValue) {
		num, isNum := k.(lua.LNumber)
		if !isNum || num < 1 || float64(num) != math.Floor(float64(num)) {
			ok = false
			return
		}
		n = max(n, int(num))
	})
	return n, ok
}

// countKeys counts t's keys.
func countKeys(t *lua.LTable) int {
	n := 0
	eachPair(t, func(_, _ lua.LValue) { n++ })
	return n
}

// formatG14 is C's %.14g.
func formatG14(f float64) string {
	if f == 0 && math.Signbit(f) {
		return "-0"
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e14 {
		return strconv.FormatInt(int64(f), 10)
	}
	s := strconv.FormatFloat(f, 'g', 14, 64)
	if strings.ContainsAny(s, "e") {
		mant, exp, _ := strings.Cut(s, "e")
		if strings.Contains(mant, ".") {
			mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
		}
		if len(exp) == 2 { // e+5 -> e+05
			exp = exp[:1] + "0" + exp[1:]
		}
		return mant + "e" + exp
	}
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// jsonString writes s as a JSON string the way cjson escapes it (it
// escapes '/' too).
func jsonString(sb *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	sb.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			sb.WriteString(`\"`)
		case '\\':
			sb.WriteString(`\\`)
		case '/':
			sb.WriteString(`\/`)
		case '\b':
			sb.WriteString(`\b`)
		case '\f':
			sb.WriteString(`\f`)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
			sb.WriteString(`\r`)
		case '\t':
			sb.WriteString(`\t`)
		default:
			if c < 0x20 || c == 0x7f {
				sb.WriteString(`\u00`)
				sb.WriteByte(hex[c>>4])
				sb.WriteByte(hex[c&15])
			} else {
				sb.WriteByte(c)
			}
		}
	}
	sb.WriteByte('"')
}

// ---- bit ----

// openBit installs the LuaBitOp functions Redis ships (32-bit operations).
func (e *scriptEngine) openBit() {
	L := e.L
	t := L.NewTable()
	arg := func(L *lua.LState, i int) int32 {
		f := float64(L.CheckNumber(i))
		return int32(uint32(int64(math.Mod(f, 4294967296))))
	}
	ret := func(L *lua.LState, v int32) int { L.Push(lua.LNumber(v)); return 1 }
	fold := func(op func(a, b int32) int32) lua.LGFunction {
		return func(L *lua.LState) int {
			v := arg(L, 1)
			for i := 2; i <= L.GetTop(); i++ {
				v = op(v, arg(L, i))
			}
			return ret(L, v)
		}
	}
	set := func(name string, f lua.LGFunction) { t.RawSetString(name, L.NewFunction(f)) }
	set("tobit", func(L *lua.LState) int { return ret(L, arg(L, 1)) })
	set("bnot", func(L *lua.LState) int { return ret(L, ^arg(L, 1)) })
	set("band", fold(func(a, b int32) int32 { return a & b }))
	set("bor", fold(func(a, b int32) int32 { return a | b }))
	set("bxor", fold(func(a, b int32) int32 { return a ^ b }))
	set("lshift", func(L *lua.LState) int { return ret(L, int32(uint32(arg(L, 1))<<(uint32(arg(L, 2))&31))) })
	set("rshift", func(L *lua.LState) int { return ret(L, int32(uint32(arg(L, 1))>>(uint32(arg(L, 2))&31))) })
	set("arshift", func(L *lua.LState) int { return ret(L, arg(L, 1)>>(uint32(arg(L, 2))&31)) })
	set("rol", func(L *lua.LState) int {
		v, n := uint32(arg(L, 1)), uint32(arg(L, 2))&31
		return ret(L, int32(v<<n|v>>((32-n)&31)))
	})
	set("ror", func(L *lua.LState) int {
		v, n := uint32(arg(L, 1)), uint32(arg(L, 2))&31
		return ret(L, int32(v>>n|v<<((32-n)&31)))
	})
	set("bswap", func(L *lua.LState) int {
		v := uint32(arg(L, 1))
		return ret(L, int32(v>>24|(v>>8)&0xff00|(v<<8)&0xff0000|v<<24))
	})
	set("tohex", func(L *lua.LState) int {
		v := uint32(arg(L, 1))
		n := 8
		if L.GetTop() >= 2 {
			n = int(arg(L, 2))
		}
		digits := "0123456789abcdef"
		if n < 0 {
			n, digits = -n, "0123456789ABCDEF"
		}
		n = min(n, 8)
		b := make([]byte, n)
		for i := n - 1; i >= 0; i-- {
			b[i] = digits[v&15]
			v >>= 4
		}
		L.Push(lua.LString(b))
		return 1
	})
	e.globals.RawSetString("bit", t)
}

// eachPair calls fn for every pair of t in the order of pairs (lua_next),
// which, unlike ForEach, is the same from run to run.
func eachPair(t *lua.LTable, fn func(k, v lua.LValue)) {
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		fn(k, v)
	}
}
