package node_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/slotcache/slotcache/node"
	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
)

// scriptCases are scripts whose replies (values and error texts) must be
// those of redis-server.
var scriptCases = [][]string{
	// Lua -> RESP conversions
	{"EVAL", "return 1", "0"},
	{"EVAL", "return 3.99", "0"},
	{"EVAL", "return -3.99", "0"},
	{"EVAL", "return 'x'", "0"},
	{"EVAL", "return true", "0"},
	{"EVAL", "return false", "0"},
	{"EVAL", "return nil", "0"},
	{"EVAL", "return", "0"},
	{"EVAL", "return {1,2,3.7,'x',nil,5}", "0"},
	{"EVAL", "return {1,{2,{3,'a'}},false,true}", "0"},
	{"EVAL", "return {}", "0"},
	{"EVAL", "return {ok='FINE'}", "0"},
	{"EVAL", "return {err='My error'}", "0"},
	{"EVAL", "return {err='line1\\r\\nline2'}", "0"},
	{"EVAL", "return {ok='a\\nb'}", "0"},
	{"EVAL", "return redis.status_reply('PONG')", "0"},
	{"EVAL", "return redis.error_reply('My err')", "0"},
	{"EVAL", "return redis.error_reply('boom')", "0"},
	{"EVAL", "return redis.error_reply('-WRONG thing')", "0"},
	{"EVAL", "return redis.error_reply('-oneword')", "0"},
	{"EVAL", "return {double=3.5}", "0"},
	{"EVAL", "return {1, {err='inner'}, {ok='st'}}", "0"},
	{"EVAL", "return 2^53", "0"},
	{"EVAL", "return 1e30", "0"},
	{"EVAL", "return -1e30", "0"},
	{"EVAL", "return 0/0", "0"},
	{"EVAL", "return print", "0"},
	// KEYS and ARGV
	{"EVAL", "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2]}", "2", "k1", "k2", "a1", "a2"},
	{"EVAL", "return #KEYS + 10 * #ARGV", "1", "k", "a", "b", "c"},
	{"EVAL", "return KEYS", "0"},
	{"EVAL", "return ARGV", "0", "x", "y"},
	// numkeys
	{"EVAL", "return 1", "-1"},
	{"EVAL", "return 1", "2", "a"},
	{"EVAL", "return 1", "x"},
	{"EVAL", "return 1", "99999999999999999999"},
	{"EVAL", "return 1"},
	{"EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"},
	{"EVALSHA", "abc", "0"},
	{"EVALSHA", "abc", "-1"},
	// RESP -> Lua conversions through redis.call
	{"EVAL", "redis.call('del','s','l','h') return redis.call('set','s','v')", "0"},
	{"EVAL", "return redis.call('get','s')", "0"},
	{"EVAL", "return redis.call('get','nokey')", "0"},
	{"EVAL", "return redis.call('get','nokey') == false", "0"},
	{"EVAL", "return type(redis.call('get','nokey'))", "0"},
	{"EVAL", "return redis.call('set','s','v').ok", "0"},
	{"EVAL", "return redis.call('incr','n')", "0"},
	{"EVAL", "return redis.call('rpush','l','a','b','c')", "0"},
	{"EVAL", "return redis.call('lrange','l',0,-1)", "0"},
	{"EVAL", "return redis.call('lrange','nol',0,-1)", "0"},
	{"EVAL", "return #redis.call('lrange','l',0,-1)", "0"},
	{"EVAL", "return redis.call('hset','h','f',1,'g',2.5)", "0"},
	{"EVAL", "return redis.call('hget','h','g')", "0"},
	{"EVAL", "return redis.call('zadd','z',1,'a',2,'b')", "0"},
	{"EVAL", "return redis.call('zrange','z',0,-1,'withscores')", "0"},
	{"EVAL", "return redis.call('ping')", "0"},
	{"EVAL", "return redis.call('exists', KEYS[1], KEYS[2])", "2", "s", "l"},
	{"EVAL", "return redis.call('set', KEYS[1], ARGV[1], 'EX', 100)", "1", "ex", "val"},
	{"EVAL", "return redis.call('ttl', KEYS[1])", "1", "ex"},
	{"EVAL", "return redis.call('get', 1)", "0"},
	{"EVAL", "return redis.call('set', 'num', 1.5)", "0"},
	{"EVAL", "return redis.call('get', 'num')", "0"},
	{"EVAL", "return redis.call('set', 'num', 100000000000000000000)", "0"},
	{"EVAL", "return redis.call('get', 'num')", "0"},
	// errors from redis.call and pcall
	{"EVAL", "return redis.call('lpush','s','x')", "0"},
	{"EVAL", "return redis.pcall('lpush','s','x')", "0"},
	{"EVAL", "local r = redis.pcall('lpush','s','x') return r.err", "0"},
	{"EVAL", "return redis.call('nosuch')", "0"},
	{"EVAL", "return redis.pcall('nosuch')", "0"},
	{"EVAL", "return redis.call('get')", "0"},
	{"EVAL", "return redis.call('get','a','b')", "0"},
	{"EVAL", "return redis.pcall('get')", "0"},
	{"EVAL", "return redis.call()", "0"},
	{"EVAL", "return redis.pcall()", "0"},
	{"EVAL", "return redis.call('get', {})", "0"},
	{"EVAL", "return redis.call('get', nil)", "0"},
	{"EVAL", "return redis.call('blpop','l',0)", "0"},
	{"EVAL", "return redis.call('subscribe','c')", "0"},
	{"EVAL", "return redis.call('multi')", "0"},
	{"EVAL", "return redis.call('eval','return 1','0')", "0"},
	{"EVAL", "return redis.call('script','load','return 1')", "0"},
	{"EVAL", "return redis.call('incr','s')", "0"},
	{"EVAL", "return redis.pcall('incr','s')", "0"},
	{"EVAL", "return redis.call('object','nosuch')", "0"},
	{"EVAL", "\n\nreturn redis.call('lpush','s','x')", "0"},
	{"EVAL", "local function f()\n return redis.call('nosuch')\nend\nreturn f()", "0"},
	{"EVAL_RO", "return redis.call('set','a','1')", "0"},
	{"EVAL_RO", "return redis.call('get','s')", "0"},
	{"EVAL_RO", "return redis.pcall('set','a','1')", "0"},
	// script errors
	{"EVAL", "return (", "0"},
	{"EVAL", "x = = 1", "0"},
	{"EVAL", "return 1 +", "0"},
	{"EVAL", "return \"abc", "0"},
	{"EVAL", "\n\nreturn (", "0"},
	{"SCRIPT", "LOAD", "return ("},
	{"EVAL", "return 1 < 'x'", "0"},
	{"EVAL", "return string.rep('x', -1)", "0"},
	{"EVAL", "return {math.huge, -math.huge}", "0"},
	{"EVAL", "return {tostring(nil), tostring(true), tonumber('abc')}", "0"},
	{"EVAL", "return {string.format('%5.1f', 2.25), select(-1, 1, 2)}", "0"},
	{"EVAL", "return x", "0"},
	{"EVAL", "x = 1", "0"},
	{"EVAL", "local t = {} t.x = 1 return t.x", "0"},
	{"EVAL", "error('boom')", "0"},
	{"EVAL", "error('boom', 0)", "0"},
	{"EVAL", "error({err='X boom'})", "0"},
	{"EVAL", "error({err='ERR custom'})", "0"},
	{"EVAL", "\nerror('line2')", "0"},
	{"EVAL", "return os", "0"},
	{"EVAL", "redis.call = nil return 1", "0"},
	{"EVAL", "redis.newfield = 1 return 1", "0"},
	{"EVAL", "string.upper = nil return 1", "0"},
	{"EVAL", "cjson.encode = nil return 1", "0"},
	{"EVAL", "math.pi = 3 return 1", "0"},
	{"EVAL", "table.x = 3 return 1", "0"},
	{"EVAL", "bit.band = 3 return 1", "0"},
	{"EVAL", "KEYS[1] = 'x' return KEYS[1]", "0"},
	{"EVAL", "_G.x = 1 return 1", "0"},
	{"EVAL", "return {math.pi > 3, string.upper('a'), ('b'):upper(), type(redis.call), type(_G), type(_G.redis)}", "0"},
	{"EVAL", "return io", "0"},
	{"EVAL", "return loadfile", "0"},
	{"EVAL", "return dofile", "0"},
	{"EVAL", "return pcall(function() error('x') end)", "0"},
	{"EVAL", "local ok, e = pcall(redis.call, 'nosuch') return e.err", "0"},
	{"EVAL", "local ok, e = pcall(function() return redis.call('lpush','s','x') end) return {tostring(ok), e.err}", "0"},
	// libraries
	{"EVAL", "return redis.sha1hex('')", "0"},
	{"EVAL", "return redis.sha1hex('hello')", "0"},
	{"EVAL", "return redis.sha1hex(123)", "0"},
	{"EVAL", "return redis.sha1hex()", "0"},
	{"EVAL", "return string.format('%d-%s-%5.2f', 7, 'x', 3.14159)", "0"},
	{"EVAL", "return string.rep('ab', 3)", "0"},
	{"EVAL", "return {string.byte('A'), string.char(72, 105), ('abc'):upper(), string.sub('hello', 2, 3)}", "0"},
	{"EVAL", "return {string.find('hello world', 'o w'), string.gsub('aaa', 'a', 'b')}", "0"},
	{"EVAL", "local t = {3,1,2} table.sort(t) return t", "0"},
	{"EVAL", "return table.concat({'a','b','c'}, ',')", "0"},
	{"EVAL", "local t = {} table.insert(t, 'x') table.insert(t, 1, 'y') return t", "0"},
	{"EVAL", "return {math.floor(3.7), math.max(1, 5, 3), math.abs(-4), math.fmod(7, 3)}", "0"},
	{"EVAL", "return {tostring(1/3), tostring(1e100), tostring(2^53), tostring(-0.5), tostring(7)}", "0"},
	{"EVAL", "local ok, e = pcall(function() error({err='x'}) end) return {tostring(ok), type(e), e}", "0"},
	{"EVAL", "local ok, e = pcall(function() return x end) return {tostring(ok), e}", "0"},
	{"EVAL", "return {pcall(function(a, b) return a + b, 'two' end, 1, 2)}", "0"},
	{"EVALSHA", "abc", "x"},
	{"EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "x"},
	{"EVAL", "return tostring(10)", "0"},
	{"EVAL", "return tonumber('0x10')", "0"},
	{"EVAL", "return {type(1), type('a'), type({}), type(nil), type(true), type(print)}", "0"},
	{"EVAL", "return select('#', 1, 2, 3)", "0"},
	{"EVAL", "return {unpack({1, 2, 3})}", "0"},
	{"EVAL", "return cjson.encode({1, 2, 3})", "0"},
	{"EVAL", "return cjson.encode({a = 1})", "0"},
	{"EVAL", "return cjson.encode({})", "0"},
	{"EVAL", "return cjson.encode('a/b\"c\\n')", "0"},
	{"EVAL", "return cjson.encode({1.5, 0.1, 1e20, -3, true, false})", "0"},
	{"EVAL", "return cjson.encode({{1}, {x = {y = 'z'}}})", "0"},
	{"EVAL", "return cjson.encode(cjson.null)", "0"},
	{"EVAL", "local t = cjson.decode('[1,2,{\"a\":[true,null]}]') return {t[1], t[2], t[3].a[1], t[3].a[2] == cjson.null}", "0"},
	{"EVAL", "local t = cjson.decode('{\"n\":1.5,\"s\":\"x\"}') return {tostring(t.n), t.s}", "0"},
	{"EVAL", "return cjson.decode('\"str\"')", "0"},
	{"EVAL", "return cjson.decode(cjson.encode({k = 'v'})).k", "0"},
	{"EVAL", "return cjson.encode({[1]=1,[3]=3})", "0"},
	{"EVAL", "return cjson.encode({[1]=1,[20]=3})", "0"},
	{"EVAL", "return cjson.encode({[2]=1})", "0"},
	{"EVAL", "return cjson.encode({1,2,x=3})", "0"},
	{"EVAL", "return cjson.encode({[1.5]=1})", "0"},
	{"EVAL", "return cjson.encode({true})", "0"},
	{"EVAL", "return cjson.encode(1/0)", "0"},
	{"EVAL", "return cjson.encode(123456789012345678)", "0"},
	{"EVAL", "return cjson.encode(0.1+0.2)", "0"},
	{"EVAL", "return cjson.encode('\\1\\127é')", "0"},
	{"EVAL", "return cjson.encode(function() end)", "0"},
	{"EVAL", "return cjson.encode()", "0"},
	{"EVAL", "return cjson.decode('[1e400]')[1] > 0", "0"},
	{"EVAL", "return cjson.decode('\"\\\\u00e9\"')", "0"},
	{"EVAL", "return cjson.decode('123')", "0"},
	{"EVAL", "return cjson.decode('{\"a\":{\"b\":[1,{\"c\":null}]}}').a.b[2].c == cjson.null", "0"},
	{"EVAL", "return cjson.decode(5)", "0"},
	{"EVAL", "return cjson.decode()", "0"},
	{"EVAL", "return type(cjson.null)", "0"},
	{"EVAL", "return tostring(cjson.decode('[1.5]')[1])", "0"},
	{"EVAL", "return {bit.band(0xff, 0x0f), bit.bor(1, 2, 4), bit.bxor(5, 3), bit.lshift(1, 10), bit.rshift(256, 4), bit.bnot(0)}", "0"},
	{"EVAL", "return {bit.tohex(255), bit.tohex(-1, 4), bit.tobit(2^32 + 5), bit.arshift(-256, 4)}", "0"},
	{"EVAL", "return redis.REDIS_VERSION", "0"},
	{"EVAL", "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}", "0"},
	{"EVAL", "redis.log(redis.LOG_WARNING, 'from a script') return 1", "0"},
	{"EVAL", "redis.log(redis.LOG_WARNING) return 1", "0"},
	{"EVAL", "redis.log('x', 'y') return 1", "0"},
	{"EVAL", "redis.log(99, 'y') return 1", "0"},
	{"EVAL", "return redis.setresp(4)", "0"},
	{"EVAL", "return redis.setresp()", "0"},
	{"EVAL", "redis.call('del', 'h1') redis.call('hset', 'h1', 'f', 'v') redis.setresp(3) return redis.call('hgetall', 'h1')", "0"},
	{"EVAL", "redis.setresp(3) local r = redis.call('hgetall', 'h') return r.map.f", "0"},
	{"EVAL", "redis.setresp(3) return redis.call('get', 'nokey') == nil", "0"},
	{"EVAL", "redis.setresp(3) return true", "0"},
	{"EVAL", "redis.setresp(3) return false", "0"},
	{"EVAL", "redis.setresp(3) return redis.call('zscore', 'z', 'b')", "0"},
	{"EVAL", "redis.setresp(3) return redis.call('zscore', 'z', 'b').double", "0"},
	{"EVAL", "redis.setresp(3) return redis.call('smembers', 'noset')", "0"},
	{"EVAL", "redis.setresp(2) return redis.call('hgetall', 'h')", "0"},
	// SCRIPT
	{"SCRIPT", "FLUSH"},
	{"SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"},
	{"SCRIPT", "LOAD", "return 'loaded'"},
	{"SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "ffffffffffffffffffffffffffffffffffffffff"},
	{"EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"},
	{"EVALSHA", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0"},
	{"EVALSHA_RO", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"},
	{"SCRIPT", "EXISTS", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB"},
	{"EVAL", "return 'loaded'", "0"},
	{"SCRIPT", "FLUSH", "ASYNC"},
	{"SCRIPT", "FLUSH", "SYNC"},
	{"SCRIPT", "FLUSH", "bad"},
	{"SCRIPT", "FLUSH", "sync", "async"},
	{"EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"},
	{"SCRIPT", "EXISTS"},
	{"SCRIPT", "LOAD"},
	{"SCRIPT", "KILL"},
	{"SCRIPT", "KILL", "x"},
	{"SCRIPT", "HELP"},
	{"SCRIPT", "NOSUCH"},
	{"SCRIPT"},
	{"EVAL"},
	{"EVALSHA", "x"},
	// shebang
	{"EVAL", "#!lua flags=no-writes\nreturn redis.call('set','a','b')", "0"},
	{"EVAL", "#!lua flags=no-writes\nreturn redis.call('get','s')", "0"},
	{"EVAL", "#!lua\nreturn 1", "0"},
	{"EVAL", "#!lua flags=bogus\nreturn 1", "0"},
	{"EVAL", "#!python\nreturn 1", "0"},
	{"SCRIPT", "LOAD", "#!lua flags=bogus\nreturn 1"},
	{"SCRIPT", "LOAD", "#!lua flags=no-writes\nreturn redis.call('set', 'a', 'b')"},
	{"EVALSHA", "dc1cd29611dfdd3da1119939494ffa204052ccff", "0"},
	{"EVAL", "#!lua name=x\nreturn 1", "0"},
}

// TestDiffScripts compares EVAL, EVALSHA and SCRIPT replies with
// redis-server's.
func TestDiffScripts(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll(scriptCases)
}

// TestDiffScriptsRandom runs random scripts (fixed seed) that call
// commands of every type on a few keys, through call and pcall, and
// compares each reply with redis-server's.
func TestDiffScriptsRandom(t *testing.T) {
	const seed = 7
	r := rand.New(rand.NewPCG(seed, seed))
	p := nodetest.NewPair(t)
	keys := []string{"k1", "k2", "{t}a", "{t}b"}
	cmds := [][]string{
		{"get", "K"}, {"set", "K", "V"}, {"incr", "K"}, {"append", "K", "V"}, {"strlen", "K"},
		{"del", "K"}, {"exists", "K"}, {"type", "K"}, {"expire", "K", "100"}, {"ttl", "K"},
		{"lpush", "K", "V"}, {"rpush", "K", "V", "V"}, {"lpop", "K"}, {"lrange", "K", "0", "-1"}, {"llen", "K"},
		{"hset", "K", "f", "V"}, {"hget", "K", "f"}, {"hincrby", "K", "n", "3"}, {"hlen", "K"}, {"hmget", "K", "f", "n", "x"},
		{"sadd", "K", "V"}, {"scard", "K"}, {"sismember", "K", "V"},
		{"zadd", "K", "1.5", "V"}, {"zscore", "K", "V"}, {"zrange", "K", "0", "-1", "WITHSCORES"}, {"zincrby", "K", "2", "V"},
		{"getrange", "K", "0", "1"}, {"incrbyfloat", "K", "1.5"}, {"nosuchcmd", "K"}, {"get"},
	}
	values := []string{"1", "2", "x", "10", "-3", "1.5", ""}
	bodies := []string{
		"return redis.call(unpack(ARGV))",
		"return redis.pcall(unpack(ARGV))",
		"local r = redis.pcall(unpack(ARGV)) if type(r) == 'table' and r.err then return 'E:' .. r.err end return r",
		"local r = redis.call(unpack(ARGV)) return type(r)",
		"local r = redis.pcall(unpack(ARGV)) if type(r) == 'table' then return #r end return r",
		"redis.call(unpack(ARGV)) return redis.call('type', KEYS[1])",
		"local ok, e = pcall(redis.call, unpack(ARGV)) return {tostring(ok), e}",
	}
	for i := 0; i < 1500; i++ {
		key := keys[r.IntN(len(keys))]
		tmpl := cmds[r.IntN(len(cmds))]
		call := make([]string, len(tmpl))
		for j, a := range tmpl {
			switch a {
			case "K":
				a = key
			case "V":
				a = values[r.IntN(len(values))]
			}
			call[j] = a
		}
		if r.IntN(5) == 0 { // the same command outside a script
			if call[0] == "nosuchcmd" || len(call) == 1 {
				continue
			}
			p.Check(call...)
			continue
		}
		args := append([]string{"EVAL", bodies[r.IntN(len(bodies))], "1", key}, call...)
		p.Check(args...)
		if t.Failed() {
			t.Fatalf("seed %d, command %d", seed, i)
		}
	}
}

// TestScriptBusyAndKill: a script that loops forever makes other clients
// get -BUSY once past busy-reply-threshold; SCRIPT KILL ends it; a script
// that wrote cannot be killed, and the node serves again once it ends.
func TestScriptBusyAndKill(t *testing.T) {
	for _, loop := range []bool{true, false} {
		t.Run(fmt.Sprintf("event-loop=%v", loop), func(t *testing.T) {
			addr, _ := nodetest.StartNode(t, func(c *node.Config) {
				c.BusyReplyThreshold = 50 * time.Millisecond
				c.IOEventLoop = loop
			})
			a, b := nodetest.Dial(t, addr), nodetest.Dial(t, addr)
			if v := b.Do("SCRIPT", "KILL"); string(v.Str) != "NOTBUSY No scripts in execution right now." {
				t.Fatalf("SCRIPT KILL with no script: %s", v)
			}
			a.Send("EVAL", "local i = 0 while true do i = i + 1 end", "0")
			waitBusy(t, b)
			if v := b.Do("GET", "x"); string(v.Str) != "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE." {
				t.Fatalf("GET while busy: %s", v)
			}
			if v := b.Do("SCRIPT", "KILL"); v.Type != '+' || string(v.Str) != "OK" {
				t.Fatalf("SCRIPT KILL: %s", v)
			}
			v, err := a.Read()
			if err != nil || !strings.HasPrefix(string(v.Str), "ERR Script killed by user with SCRIPT KILL... script: ") {
				t.Fatalf("killed script's reply: %s, %v", v, err)
			}
			if v := a.Do("PING"); string(v.Str) != "PONG" {
				t.Fatalf("PING after the kill: %s", v)
			}

			// The same inside a transaction.
			a.Do("MULTI")
			a.Do("EVAL", "while true do end", "0")
			a.Send("EXEC")
			waitBusy(t, b)
			if v := b.Do("SCRIPT", "KILL"); string(v.Str) != "OK" {
				t.Fatalf("SCRIPT KILL of a script in EXEC: %s", v)
			}
			v, err = a.Read()
			if err != nil || len(v.Elems) != 1 || !strings.HasPrefix(string(v.Elems[0].Str), "ERR Script killed by user") {
				t.Fatalf("EXEC of a killed script: %s, %v", v, err)
			}

			// A script that wrote runs to its end: it loops until the
			// key another client may not touch meanwhile is seen by
			// the script itself 2000 times over a frozen clock.
			a.Send("EVAL", "redis.call('set', KEYS[1], 'w') local n = 0 local t0 = redis.call('time') "+
				"while true do local t = redis.call('time') if (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > 300000 then break end n = n + 1 end "+
				"return redis.call('get', KEYS[1])", "1", "w")
			waitBusy(t, b)
			if v := b.Do("SCRIPT", "KILL"); !strings.HasPrefix(string(v.Str), "UNKILLABLE ") {
				t.Fatalf("SCRIPT KILL after a write: %s", v)
			}
			if v, err := a.Read(); err != nil || string(v.Str) != "w" {
				t.Fatalf("unkillable script's reply: %s, %v", v, err)
			}
			if v := b.Do("GET", "w"); string(v.Str) != "w" {
				t.Fatalf("GET after the script: %s", v)
			}
		})
	}
}

// TestScriptBusyShutdown: while a script is busy, SHUTDOWN is refused
// with -BUSY and SHUTDOWN NOSAVE stops the node (and the script).
func TestScriptBusyShutdown(t *testing.T) {
	addr, srv := nodetest.StartNode(t, func(c *node.Config) { c.BusyReplyThreshold = 50 * time.Millisecond })
	a, b := nodetest.Dial(t, addr), nodetest.Dial(t, addr)
	a.Send("EVAL", "redis.call('set', 'k', 'v') while true do end", "0")
	waitBusy(t, b)
	if v := b.Do("SHUTDOWN"); !strings.HasPrefix(string(v.Str), "BUSY ") {
		t.Fatalf("SHUTDOWN while busy: %s", v)
	}
	if v := b.Do("SCRIPT", "KILL"); !strings.HasPrefix(string(v.Str), "UNKILLABLE ") {
		t.Fatalf("SCRIPT KILL after a write: %s", v)
	}
	b.Send("SHUTDOWN", "NOSAVE")
	if _, err := a.Read(); err == nil {
		t.Fatal("the script's client got a reply after SHUTDOWN NOSAVE; want its connection closed")
	}
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the node did not close within 10 s of SHUTDOWN NOSAVE during a script")
	}
}

// waitBusy polls with PING until the node answers -BUSY (10 s at most).
func waitBusy(t *testing.T, c *nodetest.Conn) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		v := c.Do("PING")
		if strings.HasPrefix(string(v.Str), "BUSY ") {
			return
		}
		if string(v.Str) != "PONG" {
			t.Fatalf("PING: %s", v)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no -BUSY within 10 s of a looping script")
}

// scriptRESP3Cases depend on the caller's protocol and redis.setresp.
var scriptRESP3Cases = [][]string{
	{"EVAL", "return {verbatim_string={format='txt', string='abc'}}", "0"},
	{"EVAL", "return {verbatim_string={format='markdown', string='a\\r\\nb'}}", "0"},
	{"EVAL", "return {verbatim_string={format='', string='x'}}", "0"},
	{"EVAL", "return {verbatim_string={format='txt'}}", "0"},
	{"EVAL", "redis.setresp(3) local v = redis.call('info', 'keyspace') return v.verbatim_string.format", "0"},
	{"EVAL", "redis.setresp(3) return type(redis.call('info', 'keyspace'))", "0"},
	{"EVAL", "return nil", "0"},
	{"EVAL", "return false", "0"},
	{"EVAL", "return true", "0"},
	{"EVAL", "redis.setresp(3) return false", "0"},
	{"EVAL", "redis.setresp(3) return true", "0"},
	{"EVAL", "return {double=2.5}", "0"},
	{"EVAL", "return {double=3}", "0"},
	{"EVAL", "return {map={a=1}}", "0"},
	{"EVAL", "return {map={}}", "0"},
	{"EVAL", "return {set={x=true}}", "0"},
	{"EVAL", "return {big_number='123456789012345678901234567890'}", "0"},
	{"EVAL", "return {1, false, 'x'}", "0"},
	{"EVAL", "redis.setresp(3) return {1, false, true}", "0"},
	{"EVAL", "return redis.call('get', 'nokey')", "0"},
	{"EVAL", "redis.setresp(3) return redis.call('get', 'nokey')", "0"},
	{"EVAL", "redis.call('del', 'z3') redis.call('zadd', 'z3', 1.5, 'm') redis.setresp(3) return redis.call('zscore', 'z3', 'm')", "0"},
	{"EVAL", "redis.setresp(3) return redis.call('zscore', 'z3', 'm').double", "0"},
	{"EVAL", "redis.setresp(3) return redis.call('zscore', 'z3', 'nom')", "0"},
	{"EVAL", "redis.call('del', 'h3') redis.call('hset', 'h3', 'f', 'v') redis.setresp(3) return redis.call('hgetall', 'h3')", "0"},
	{"EVAL", "redis.setresp(3) return redis.call('hgetall', 'h3').map.f", "0"},
	{"EVAL", "redis.call('del', 's3') redis.call('sadd', 's3', 'm') redis.setresp(3) return redis.call('smembers', 's3')", "0"},
	{"EVAL", "redis.setresp(3) return redis.call('smembers', 's3').set.m", "0"},
	{"EVAL", "redis.setresp(3) return redis.call('hgetall', 'nokey')", "0"},
	{"EVAL", "redis.setresp(3) return redis.call('exists', 'h3') == 1", "0"},
	{"EVAL", "redis.setresp(3) return type(redis.call('get', 'nokey'))", "0"},
}

// TestDiffScriptsRESP3 compares script replies to RESP2 and RESP3 callers.
func TestDiffScriptsRESP3(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll(scriptRESP3Cases)
	p.Node.Do("HELLO", "3")
	p.Redis.Do("HELLO", "3")
	p.CheckAll(scriptRESP3Cases)
}

// TestScriptInteractions: a script's writes invalidate WATCH and wake a
// client blocked on the key; EVAL runs inside MULTI/EXEC; SELECT inside a
// script does not change the caller's database.
func TestScriptInteractions(t *testing.T) {
	p := nodetest.NewPair(t)
	for _, conns := range []struct {
		name string
		addr string
	}{{"node", p.NodeAddr}, {"redis", p.RedisAddr}} {
		t.Run(conns.name, func(t *testing.T) {
			a, b := nodetest.Dial(t, conns.addr), nodetest.Dial(t, conns.addr)
			a.Do("DEL", "wk", "bl")
			a.Do("WATCH", "wk")
			b.Do("EVAL", "return redis.call('set', KEYS[1], 'x')", "1", "wk")
			a.Do("MULTI")
			a.Do("GET", "wk")
			if v := a.Do("EXEC"); !v.Null {
				t.Fatalf("EXEC after a script wrote the watched key: %s, want a null reply", v)
			}

			a.Send("BLPOP", "bl", "10")
			waitBlocked(t, b)
			b.Do("EVAL", "return redis.call('rpush', KEYS[1], 'v')", "1", "bl")
			if v, err := a.Read(); err != nil || len(v.Elems) != 2 || string(v.Elems[1].Str) != "v" {
				t.Fatalf("BLPOP woken by a script: %s, %v", v, err)
			}

			a.Do("MULTI")
			a.Do("EVAL", "return redis.call('incr', KEYS[1])", "1", "ctr")
			a.Do("EVAL", "return redis.call('blpop', KEYS[1], 0)", "1", "bl")
			v := a.Do("EXEC")
			if len(v.Elems) != 2 || v.Elems[0].Type != ':' || !strings.HasPrefix(string(v.Elems[1].Str), "ERR This Redis command is not allowed from script") {
				t.Fatalf("EXEC of scripts: %s", v)
			}

			a.Do("SCRIPT", "FLUSH")
			a.Do("SCRIPT", "LOAD", "return 1")
			a.Do("EVAL", "return 2", "0")
			if v := a.Do("INFO", "memory"); !strings.Contains(string(v.Str), "number_of_cached_scripts:2\r\n") {
				t.Fatalf("INFO memory after two scripts: %s", v.Str)
			}
			a.Do("SCRIPT", "FLUSH")
			if v := a.Do("INFO", "memory"); !strings.Contains(string(v.Str), "number_of_cached_scripts:0\r\n") {
				t.Fatalf("INFO memory after SCRIPT FLUSH: %s", v.Str)
			}

			// Time stands still in a script: a key that expires while the
			// script runs still exists for it.
			v = a.Do("EVAL", "redis.call('set', KEYS[1], 'v', 'PX', 1) local t0 = redis.call('time') "+
				"repeat local t = redis.call('time') until (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > 20000 "+
				"return redis.call('exists', KEYS[1])", "1", "frozen")
			if v.Int != 1 {
				t.Fatalf("EXISTS of a key expired during the script: %s, want 1", v)
			}

			a.Do("SET", "db0", "zero")
			if v := a.Do("EVAL", "redis.call('select', 1) return redis.call('get', 'db0')", "0"); !v.Null {
				t.Fatalf("GET on db 1 from a script: %s", v)
			}
			if v := a.Do("GET", "db0"); string(v.Str) != "zero" {
				t.Fatalf("GET after a script's SELECT: %s", v)
			}
		})
	}
}

// TestDiffClusterScripts compares scripts on a two-group slotcache
// cluster and a two-master Redis Cluster: declared keys are routed like
// any key (MOVED, CROSSSLOT), and redis.call refuses keys of other slots.
func TestDiffClusterScripts(t *testing.T) {
	_, r2, c1, _, n1, n2, _ := twoGroups(t)
	p := &clusterPairT{t: t, Node: nodetest.Dial(t, n1), Redis: c1}
	p.norm = func(args []string, v resp.Value) resp.Value {
		if v.Type == '-' {
			v.Str = []byte(strings.NewReplacer(n2, "<owner>", r2, "<owner>").Replace(string(v.Str)))
		}
		return v
	}
	set := "return redis.call('set', KEYS[1], ARGV[1])"
	p.CheckAll([][]string{
		{"EVAL", set, "1", "b", "1"},
		{"EVAL", "return redis.call('get', KEYS[1])", "1", "b"},
		{"EVAL", set, "1", "foo", "1"},
		{"EVAL", set, "2", "b", "foo", "1"},
		{"EVAL", set, "2", "{b}1", "{b}2", "1"},
		{"EVAL", "return redis.call('get', 'foo')", "0"},
		{"EVAL", "return redis.pcall('get', 'foo')", "0"},
		{"EVAL", "return redis.call('get', 'b')", "0"},
		{"EVAL", "return redis.call('mget', 'b', 'foo')", "1", "b"},
		{"EVAL", "return 1", "0"},
		{"SCRIPT", "LOAD", set},
		{"EVALSHA", "55b22c0d0cedf3866879ce7c854970626dcef0c3", "1", "b", "2"},
		{"EVALSHA", "55b22c0d0cedf3866879ce7c854970626dcef0c3", "1", "foo", "2"},
		{"EVAL_RO", "return redis.call('get', KEYS[1])", "1", "foo"},
	})
}

// TestDiffScriptsServerCommands checks which server and connection commands
// scripts may call, and their replies there, against redis-server.
func TestDiffScriptsServerCommands(t *testing.T) {
	p := nodetest.NewPair(t)
	checkEvals(p, []string{
		"return type(redis.call('client','list'))",
		"return redis.call('client','id') > 0",
		"return type(redis.call('info'))",
		"return redis.call('dbsize')",
		"return type(redis.call('time'))",
		"return redis.call('config','get','maxmemory')",
		"return redis.call('keys','*')",
		"return redis.call('scan','0')",
		"return redis.call('publish','ch','m')",
		"return redis.call('flushall')",
		"return redis.call('slowlog','len')",
		"return redis.call('command','count') > 0",
		"return redis.call('debug','sleep','0')",
		"return redis.call('watch','x')",
		"return redis.call('exec')",
		"return redis.call('select','1')",
		"return redis.call('echo','x')",
		"return redis.call('ping','x')",
		"return redis.call('hello')",
		"return redis.call('auth','x')",
		"return redis.call('quit')",
		"return redis.call('lastsave') > 0",
		"return redis.call('randomkey')",
		"return redis.call('object','encoding','nokey')",
		"return redis.call('memory','usage','nokey')",
		"return redis.call('pubsub','channels')",
		"return redis.call('brpoplpush','a','b','0')",
		"return redis.call('bzpopmin','a','0')",
		"return redis.call('blmove','a','b','left','left','0')",
		"return redis.call('lmpop','1','a','left')",
		"return redis.call('zmpop','1','a','min')",
		"return redis.call('shutdown')",
		"return redis.call('cluster','info')",
		"return redis.call('readonly')",
		"return redis.call('reset')",
		"return redis.call('swapdb','0','1')",
		"return redis.call('move','a','1')",
		"return redis.call('copy','a','b')",
		"return redis.call('touch','a')",
		"return redis.call('unlink','a')",
		"return redis.call('expiretime','a')",
		"return redis.call('getex','a')",
		"return redis.call('ssubscribe','a')",
		"return redis.call('spublish','a','b')",
		"return redis.call('psubscribe','a')",
	})
}

// TestDiffCjsonDecode compares cjson.decode, valid and malformed JSON
// (cjson's error texts), with redis-server's.
func TestDiffCjsonDecode(t *testing.T) {
	p := nodetest.NewPair(t)
	for _, j := range []string{
		`{"a":1`, `[1,2]x`, ``, `nul`, `  `, `{"a" 1}`, `{1:2}`, `[1 2]`, `[1,]`, `{"a":1,}`, `"abc`, `"a\qb"`, `"\u00e9\ud83d\ude00"`, `"\ud800"`,
		`01`, `-`, `+1`, `0x10`, `1.`, `.5`, `1e5`, `1e`, `-0`, `1.5e-3`, `[[[]]]`, `{"a":[1,{"b":null}],"c":true}`, `tru`, `truex`, `NaN`, `inf`, `[1e400]`,
		`"\/\b\f\n\r\t\\\""`, "\"\x01\"", `{"a":1,"a":2}`, `[-1.25E+2]`, `123abc`, `{"k":"v"}  `, `[true,false,null]`,
	} {
		p.Check("EVAL", "local ok, v = pcall(cjson.decode, ARGV[1]) if not ok then return 'E:' .. v end return cjson.encode(v)", "0", j)
	}
}

// TestDiffScriptsLua compares the Lua library scripts see (which globals
// exist, number conversions, string and table functions) with
// redis-server's.
func TestDiffScriptsLua(t *testing.T) {
	p := nodetest.NewPair(t)
	for _, g := range []string{"assert", "collectgarbage", "error", "gcinfo", "getfenv", "getmetatable", "ipairs", "load", "loadstring", "module", "newproxy", "next", "pairs", "pcall", "rawequal", "rawget", "rawset", "require", "select", "setfenv", "setmetatable", "tonumber", "tostring", "type", "unpack", "xpcall", "_VERSION", "debug", "package", "string", "table", "math", "bit", "cjson", "os", "io", "print", "dofile", "loadfile", "channel", "_G", "KEYS", "ARGV", "redis", "__redis__err__handler"} {
		p.Check("EVAL", "return type("+g+")", "0")
	}
	checkEvals(p, []string{
		"local function f() return f() + 1 end return f()",
		"local t = {} for i = 1, 300 do t[i] = i end return #{unpack(t)}",
		"return tostring(-0)",
		"return 1 .. ''",
		"return string.format('%d', 3.7)",
		"return math.floor(-3.5)",
		"return tostring(0.1)",
		"return tostring(1e15)",
		"return tostring(123456789012)",
		"return string.format('%.3f', 1/3)",
		"return {string.byte('hello', 1, -1)}",
		"return string.len('abc')",
		"return #'abc'",
		"return table.getn({1,2,3})",
		"return string.gsub('hello world', '(%w+)', '<%1>')",
		"return string.match('key:123', 'key:(%d+)')",
		"return tonumber('  12  ')",
		"return tonumber('1e2')",
		"return tonumber('z', 36)",
		"return math.max(unpack({3, 9, 2}))",
		"return redis.call('set', 'big', string.rep('x', 100)) and redis.call('strlen', 'big')",
		"local r = {} for k, v in ipairs({10, 20, 30}) do r[#r + 1] = k * v end return r",
		"local s = 0 for i = 1, 100000 do s = s + i end return s",
		"return type(getfenv)",
		"return type(setmetatable({}, {}))",
		"return loadstring('return 42')()",
		"return type(load)",
		"return xpcall(function() error('x') end, function(e) return 'handled: ' .. e end)",
		"return {xpcall(function() error('x') end, function(e) return 'handled: ' .. e end)}",
		"return type(math.random())",
		"return type(os)",
		"return unpack({1, 2, nil, 4})",
		"return {1, 2, nil, 4}",
		"return {tonumber('ff', 16), tonumber('z', 36), tonumber('8', 8), tonumber('0x10'), tonumber('1e2'), tonumber(' 12 '), tonumber('12a')}",
	})
}

// TestDiffScriptRuntimeErrors compares the texts of common runtime errors
// (arithmetic, concatenation, indexing) with redis-server's.
func TestDiffScriptRuntimeErrors(t *testing.T) {
	p := nodetest.NewPair(t)
	checkEvals(p, []string{
		"return redis.call('get', 'nokey') + 1",
		"return nil .. 'x'",
		"return 'x' .. {}",
		"return {} + 1",
		"return 1 + 'a'",
		"return (nil)[1]",
		"return (nil).x",
		"return redis.call('get', 'nokey').x",
		"return 2 ^ {}",
		"return 5 % nil",
		"return select(2, pcall(function() return nil + 1 end))",
		"local ok, e = pcall(function() return redis.call('get', 'nokey') .. 'x' end) return e",
	})
}

// TestDiffScriptHugeResults checks that a script asking for more results
// than Lua's stack holds (unpack, string.byte over a long range) gets
// redis-server's error, and that the interpreter still runs the next
// scripts afterwards.
func TestDiffScriptHugeResults(t *testing.T) {
	p := nodetest.NewPair(t)
	checkEvals(p, []string{
		"return #{unpack({}, 1, 1e7)}",
		"return 1",
		"return #{unpack({}, 1, 9000)}",
		"return #{unpack({1, 2, 3}, 1, 7000)}",
		"local ok, e = pcall(unpack, {}, 1, 1e7) return e",
		"return #{string.byte(string.rep('x', 1e6), 1, -1)}",
		"return #{string.byte(string.rep('x', 7000), 1, -1)}",
		"local ok, e = pcall(string.byte, string.rep('x', 1e6), 1, -1) return e",
		"return #string.rep('x', 2^32 + 1)",
		"return #string.rep('x', 2^31)",
		"return #string.rep('x', 1e300)",
		"return #string.rep('x', -1)",
		"return #string.rep('ab', 3.7)",
		"return 'still here'",
	})
}

// TestDiffScriptReplyHelpers compares redis.status_reply and
// redis.error_reply given a wrong argument (they return an error table,
// they raise nothing) with redis-server.
func TestDiffScriptReplyHelpers(t *testing.T) {
	p := nodetest.NewPair(t)
	checkEvals(p, []string{
		"return redis.status_reply(1)",
		"return redis.error_reply(1)",
		"return type(redis.status_reply())",
		"return redis.status_reply('a', 'b')",
		"return redis.error_reply()",
		"return pcall(redis.status_reply)",
		"return {pcall(redis.error_reply, {})}",
	})
}

// TestDiffScriptNumberArgs compares how numbers given to redis.call are
// written as arguments (C's %.17g in Redis 7.0) with redis-server.
func TestDiffScriptNumberArgs(t *testing.T) {
	p := nodetest.NewPair(t)
	for _, n := range []string{"1", "-1", "1.5", "0.1", "1/3", "1e15", "1e16", "1e17", "1e20", "2^53+1", "-2^63", "1e-5", "123.456e-10", "1/0", "-1/0", "0/0", "-(0/0)", "-0.0", "3.0"} {
		p.Check("EVAL", "return redis.call('ping', "+n+")", "0")
		p.Check("EVAL", "redis.call('set', KEYS[1], "+n+") return redis.call('get', KEYS[1])", "1", "n")
	}
}

// TestDiffClusterScriptSlots compares scripts that reach keys of two
// slots of the same node with a Redis Cluster: declared or not, a script
// keeps to one slot unless its shebang allows cross-slot keys.
func TestDiffClusterScriptSlots(t *testing.T) {
	_, r2, c1, _, n1, n2, _ := twoGroups(t)
	p := &clusterPairT{t: t, Node: nodetest.Dial(t, n1), Redis: c1}
	p.norm = func(args []string, v resp.Value) resp.Value {
		if v.Type == '-' {
			v.Str = []byte(strings.NewReplacer(n2, "<owner>", r2, "<owner>").Replace(string(v.Str)))
		}
		return v
	}
	// b (slot 3300) and c (slot 7365) are both served by the first group.
	p.CheckAll([][]string{
		{"EVAL", "return redis.call('get', 'c')", "1", "b"},
		{"EVAL", "redis.call('get', 'b') return redis.call('get', 'c')", "0"},
		{"EVAL", "return redis.pcall('get', 'c')", "1", "b"},
		{"EVAL", "return redis.call('mget', 'b', 'c')", "0"},
		{"EVAL", "#!lua flags=allow-cross-slot-keys\nredis.call('get', 'b') return redis.call('get', 'c')", "0"},
		{"EVAL", "#!lua flags=allow-cross-slot-keys\nreturn redis.call('get', 'c')", "1", "b"},
		{"EVAL", "redis.call('set', 'b', 1) return redis.call('get', 'b')", "0"},
	})
}

// TestDiffScriptFormat compares string.format with long widths,
// precisions and flags with redis-server's Lua.
func TestDiffScriptFormat(t *testing.T) {
	p := nodetest.NewPair(t)
	checkEvals(p, []string{
		"return string.format('%0999999999d', 1)",
		"return string.format('%.999999999f', 1)",
		"return string.format('%99d|%.99f|%5.2f', 1, 2, 3)",
		"return string.format('%100d', 1)",
		"return string.format('%-+ #0d', 1)",
		"return string.format('%-+ #0-d', 1)",
		"return string.format('%%%d%%', 5)",
		"return pcall(string.format, '%123d', 1)",
		"return select(2, pcall(string.format, '%123d', 1))",
	})
}

// TestScriptKillAfterNoopWrite checks that a script which ran a write
// command, even one that changed nothing (DEL of a missing key), is
// unkillable, as in Redis: its write may have been propagated.
func TestScriptKillAfterNoopWrite(t *testing.T) {
	addr, _ := nodetest.StartNode(t, func(c *node.Config) { c.BusyReplyThreshold = 50 * time.Millisecond })
	a, b := nodetest.Dial(t, addr), nodetest.Dial(t, addr)
	a.Send("EVAL", "redis.call('del', KEYS[1]) local t0 = redis.call('time') "+
		"while true do local t = redis.call('time') if (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > 500000 then break end end "+
		"return 'done'", "1", "nokey")
	waitBusy(t, b)
	if v := b.Do("SCRIPT", "KILL"); !strings.HasPrefix(string(v.Str), "UNKILLABLE ") {
		t.Fatalf("SCRIPT KILL after a write command that changed nothing: %s", v)
	}
	if v, err := a.Read(); err != nil || string(v.Str) != "done" {
		t.Fatalf("unkillable script's reply: %s, %v", v, err)
	}
}

// TestDiffScriptUnfinished compares the compile errors of strings and
// long brackets cut short with redis-server's.
func TestDiffScriptUnfinished(t *testing.T) {
	p := nodetest.NewPair(t)
	checkEvals(p, []string{
		"return 'abc",
		"return 'a\nb'",
		"local x = 1\nreturn \"ab\nc\"",
		"return \"it's\nc\"",
		"return 'a\\tb\nc'",
		"return 'a\\\n",
		"return 'a\rb'",
		"return [[abc",
		"return 1 --[[abc",
		"return 'a\\",
		"return ''",
	})
}

// TestScriptDeepStack fills the interpreter's stack through many frames of
// many values each: the script gets an error (or its result), and the next
// scripts run as before.
func TestScriptDeepStack(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	c := nodetest.Dial(t, addr)
	v := c.Do("EVAL", `local t = {} for i = 1, 7900 do t[i] = i end
local function f(n, ...) if n == 0 then return select("#", ...) end return 1 + f(n - 1, unpack(t, 1, 7900)) end
return f(190)`, "0")
	if v.Type != ':' && !strings.HasPrefix(string(v.Str), "ERR ") {
		t.Fatalf("deep stack: %s", v)
	}
	if v := c.Do("EVAL", "return 1 + 1", "0"); v.Type != ':' || v.Int != 2 {
		t.Fatalf("next script: %s", v)
	}
	if v := c.Do("EVAL", "local x = {} return #x", "0"); v.Type != ':' || v.Int != 0 {
		t.Fatalf("next script: %s", v)
	}
}

// checkEvals runs each script with EVAL and no keys on both servers of p
// and compares the replies.
func checkEvals(p *nodetest.Pair, scripts []string) {
	for _, c := range scripts {
		p.Check("EVAL", c, "0")
	}
}
