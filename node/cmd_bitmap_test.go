package node_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slotcache/slotcache/node"
	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
)

func TestBitmapArityAndErrors(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"SET", "s", "foobar"}, {"RPUSH", "l", "a"}, {"SET", "n", "12345"}, {"INCR", "n"},
		// arity
		{"SETBIT", "k", "1"}, {"GETBIT", "k"}, {"BITCOUNT"}, {"BITPOS", "k"}, {"BITOP", "AND", "d"},
		{"BITFIELD"}, {"BITFIELD_RO"},
		// offsets and bit values
		{"SETBIT", "k", "-1", "1"}, {"SETBIT", "k", "x", "1"}, {"SETBIT", "k", "+1", "1"},
		{"SETBIT", "k", "4294967296", "1"}, {"SETBIT", "k", "9223372036854775807", "1"},
		{"SETBIT", "k", "1", "2"}, {"SETBIT", "k", "1", "-1"}, {"SETBIT", "k", "1", "x"}, {"SETBIT", "k", "x", "x"},
		{"GETBIT", "k", "-1"}, {"GETBIT", "k", "4294967296"}, {"GETBIT", "k", "4294967295"}, {"GETBIT", "nokey", "x"},
		{"GETBIT", "l", "1"}, {"SETBIT", "l", "1", "1"}, {"SETBIT", "l", "x", "1"},
		// BITCOUNT: a missing key answers 0 before the arguments are checked (Redis 7.0)
		{"BITCOUNT", "nokey", "x", "y"}, {"BITCOUNT", "nokey", "1"}, {"BITCOUNT", "s", "1"},
		{"BITCOUNT", "s", "x", "1"}, {"BITCOUNT", "s", "1", "x"}, {"BITCOUNT", "s", "0", "1", "BAD"},
		{"BITCOUNT", "s", "0", "1", "BIT", "x"}, {"BITCOUNT", "l"}, {"BITCOUNT", "l", "x", "y"},
		{"BITCOUNT", "s", "0", "-1", "bit"}, {"BITCOUNT", "s", "0", "-1", "byte"}, {"BITCOUNT", "s", "0", "x", "BAD"},
		{"BITCOUNT", "s", "x", "0", "BAD"}, {"BITCOUNT", "s", "-1", "-2", "BAD"},
		// BITPOS
		{"BITPOS", "s", "2"}, {"BITPOS", "s", "x"}, {"BITPOS", "nokey", "2"}, {"BITPOS", "nokey", "0", "x"},
		{"BITPOS", "nokey", "1", "x"}, {"BITPOS", "s", "1", "x"}, {"BITPOS", "s", "1", "0", "x"},
		{"BITPOS", "s", "1", "0", "1", "BAD"}, {"BITPOS", "s", "1", "x", "1", "BAD"}, {"BITPOS", "s", "1", "0", "x", "BAD"},
		{"BITPOS", "s", "1", "0", "1", "BIT", "x"}, {"BITPOS", "l", "1"}, {"BITPOS", "l", "2"},
		// BITOP
		{"BITOP", "NAND", "d", "s"}, {"BITOP", "NOT", "d", "s", "s"}, {"BITOP", "AND", "d", "s", "l"},
		{"BITOP", "or", "d", "l"}, {"BITOP", "not", "d", "nokey"}, {"EXISTS", "d"},
		// BITFIELD
		{"BITFIELD", "k", "GET"}, {"BITFIELD", "k", "GET", "u8"}, {"BITFIELD", "k", "SET", "u8", "0"},
		{"BITFIELD", "k", "BAD", "u8", "0"}, {"BITFIELD", "k", "OVERFLOW"}, {"BITFIELD", "k", "OVERFLOW", "BAD"},
		{"BITFIELD", "k", "GET", "u64", "0"}, {"BITFIELD", "k", "GET", "i65", "0"}, {"BITFIELD", "k", "GET", "i0", "0"},
		{"BITFIELD", "k", "GET", "x8", "0"}, {"BITFIELD", "k", "GET", "i", "0"}, {"BITFIELD", "k", "GET", "", "0"},
		{"BITFIELD", "k", "GET", "U8", "0"}, {"BITFIELD", "k", "GET", "i+8", "0"}, {"BITFIELD", "k", "GET", "i08", "0"},
		{"BITFIELD", "k", "GET", "u8", "-1"}, {"BITFIELD", "k", "GET", "u8", "#-1"}, {"BITFIELD", "k", "GET", "u8", "#x"},
		{"BITFIELD", "k", "GET", "u8", "#"}, {"BITFIELD", "k", "GET", "u8", "4294967296"},
		{"BITFIELD", "k", "GET", "u8", "#536870912"}, {"BITFIELD", "k", "GET", "i64", "#144115188075855872"},
		{"BITFIELD", "k", "GET", "u8", "0", "GET", "u8", "x"}, {"BITFIELD", "k", "SET", "u8", "0", "x"},
		{"BITFIELD", "k", "INCRBY", "u8", "0", "1.5"}, {"BITFIELD", "k", "GET", "u8", "0", "SET", "i8", "0", "1", "BAD"},
		{"BITFIELD", "l", "GET", "u8", "0"}, {"BITFIELD", "l", "SET", "u8", "0", "1"}, {"BITFIELD", "l"},
		{"BITFIELD_RO", "k", "SET", "u8", "0", "1"}, {"BITFIELD_RO", "k", "INCRBY", "u8", "0", "1"},
		{"BITFIELD_RO", "k", "GET", "u8", "0", "OVERFLOW", "SAT"}, {"BITFIELD_RO", "l", "GET", "u8", "0"},
		{"BITFIELD_RO", "l", "SET", "u8", "0", "1"}, {"BITFIELD_RO", "nokey"}, {"BITFIELD", "nokey"},
		{"EXISTS", "k"},
		// integers read as their decimal text
		{"GETBIT", "n", "2"}, {"GETBIT", "n", "7"}, {"BITCOUNT", "n"}, {"BITCOUNT", "n", "1", "-2", "BIT"},
		{"BITPOS", "n", "0"}, {"BITPOS", "n", "1", "2"}, {"BITFIELD", "n", "GET", "u16", "4"},
		{"BITOP", "XOR", "d", "n", "s"}, {"GET", "d"}, {"SETBIT", "n", "0", "1"}, {"GET", "n"},
		{"OBJECT", "ENCODING", "n"}, {"OBJECT", "ENCODING", "d"},
		// the offset limit follows proto-max-bulk-len
		{"CONFIG", "SET", "proto-max-bulk-len", "1mb"}, {"SETBIT", "big", "8388608", "1"}, {"SETBIT", "big", "8388607", "1"},
		{"STRLEN", "big"}, {"GETBIT", "big", "8388608"}, {"BITFIELD", "big", "SET", "u2", "8388607", "1"},
		{"BITFIELD", "big", "GET", "u8", "#1048576"}, {"BITFIELD", "big", "GET", "u8", "#1048575"}, {"STRLEN", "big"},
		{"DEL", "big"},
	})
}

func TestBitmapEdges(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"SETBIT", "b", "7", "1"}, {"GET", "b"}, {"SETBIT", "b", "7", "1"}, {"SETBIT", "b", "100", "1"},
		{"STRLEN", "b"}, {"GET", "b"}, {"SETBIT", "b", "7", "0"}, {"GETBIT", "b", "100"}, {"GETBIT", "b", "101"},
		{"GETBIT", "b", "1000000"}, {"OBJECT", "ENCODING", "b"}, {"SET", "e", ""},
		{"BITCOUNT", "e"}, {"BITCOUNT", "e", "0", "-1"}, {"BITPOS", "e", "0"}, {"BITPOS", "e", "1"},
		{"BITPOS", "e", "0", "0"}, {"BITPOS", "e", "0", "0", "-1", "BIT"},
		{"SET", "ones", "\xff\xff\xff"}, {"BITPOS", "ones", "0"}, {"BITPOS", "ones", "0", "1"},
		{"BITPOS", "ones", "0", "1", "-1"}, {"BITPOS", "ones", "0", "0", "-1", "BIT"}, {"BITPOS", "ones", "0", "3", "20", "BIT"},
		{"BITPOS", "ones", "1", "-1"}, {"BITPOS", "ones", "0", "-100", "100"},
		{"SET", "z", "\x00\x00\x00"}, {"BITPOS", "z", "1"}, {"BITPOS", "z", "0"}, {"BITPOS", "z", "1", "1", "2"},
		{"BITCOUNT", "ones", "-1", "-2"}, {"BITCOUNT", "ones", "-2", "-1"}, {"BITCOUNT", "ones", "5", "3", "BIT"},
		{"BITCOUNT", "ones", "-9223372036854775808", "9223372036854775807"},
		{"BITCOUNT", "ones", "-9223372036854775808", "9223372036854775807", "BIT"},
		{"BITPOS", "ones", "0", "-9223372036854775808", "9223372036854775807", "BIT"},
		// BITOP
		{"SET", "a", "\x0f\xf0\xaa"}, {"SET", "c", "\xff"},
		{"BITOP", "AND", "d", "a", "c"}, {"GET", "d"}, {"BITOP", "AND", "d", "a", "nokey"}, {"GET", "d"},
		{"BITOP", "OR", "d", "a", "c", "nokey"}, {"GET", "d"}, {"BITOP", "XOR", "d", "a", "c", "a"}, {"GET", "d"},
		{"BITOP", "NOT", "d", "a"}, {"GET", "d"}, {"EXPIRE", "d", "100"},
		{"BITOP", "NOT", "d", "c"}, {"TTL", "d"}, {"BITOP", "AND", "d", "nokey", "nokey2"}, {"EXISTS", "d"},
		{"BITOP", "OR", "d", "e"}, {"EXISTS", "d"}, {"RPUSH", "d", "x"}, {"BITOP", "OR", "d", "a"}, {"TYPE", "d"},
		{"BITOP", "AND", "a", "a", "c"}, {"GET", "a"},
		// BITFIELD
		{"BITFIELD", "f", "SET", "i8", "0", "-100", "GET", "u8", "0", "GET", "i4", "0", "INCRBY", "i8", "0", "-100"},
		{"BITFIELD", "f", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "-100", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "-1", "GET", "i8", "0"},
		{"BITFIELD", "f", "OVERFLOW", "WRAP", "INCRBY", "u2", "100", "1", "INCRBY", "u2", "100", "7", "GET", "u2", "100"},
		{"BITFIELD", "f", "SET", "u63", "#1", "9223372036854775807", "GET", "u63", "#1", "GET", "i64", "63"},
		{"BITFIELD", "f", "SET", "i64", "0", "-9223372036854775808", "INCRBY", "i64", "0", "-1", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "-1"},
		{"BITFIELD", "f", "OVERFLOW", "FAIL", "SET", "u8", "300", "256", "SET", "i8", "300", "128", "SET", "i8", "300", "-129", "GET", "u16", "296"},
		{"STRLEN", "f"}, {"BITFIELD", "f", "OVERFLOW", "SAT", "SET", "u8", "300", "256", "SET", "i8", "300", "-200", "SET", "u8", "300", "-1"},
		{"BITFIELD", "f", "OVERFLOW", "SAT", "INCRBY", "u8", "#100", "-9223372036854775808", "INCRBY", "u8", "#100", "9223372036854775807"},
		{"BITFIELD", "f", "OVERFLOW", "WRAP", "INCRBY", "i64", "#7", "9223372036854775807", "INCRBY", "i64", "#7", "9223372036854775807"},
		{"BITFIELD", "f", "INCRBY", "i64", "#7", "-9223372036854775808", "INCRBY", "i64", "#7", "-9223372036854775808"},
		{"BITFIELD", "f", "INCRBY", "u63", "#9", "-9223372036854775808", "OVERFLOW", "FAIL", "INCRBY", "u63", "#9", "-1"},
		{"BITFIELD", "f", "GET", "u8", "#100000", "GET", "i64", "100000"}, {"STRLEN", "f"},
		{"BITFIELD_RO", "f", "GET", "i64", "0", "GET", "u1", "#3"}, {"BITFIELD_RO", "nokey", "GET", "i64", "0"},
		{"BITFIELD", "g", "OVERFLOW", "FAIL", "INCRBY", "u2", "10", "9"}, {"GET", "g"},
		{"BITFIELD", "g2", "GET", "u8", "0"}, {"EXISTS", "g2"}, {"BITPOS", "e", "0", "0", "0"}, {"BITCOUNT", "e", "0", "0", "BIT"},
		{"BITFIELD", "f", "get", "u8", "0", "overflow", "sat", "incrby", "u8", "0", "1", "set", "u8", "0", "1"},
	})
	// Writes invalidate WATCH, as Redis's signalModifiedKey does; reads
	// and BITFIELD without a write do not.
	for _, c := range []struct{ key, write []string }{
		{[]string{"w"}, []string{"SETBIT", "w", "3", "1"}},
		{[]string{"w"}, []string{"SETBIT", "w", "3", "1"}}, // unchanged bit
		{[]string{"w"}, []string{"BITFIELD", "w", "GET", "u8", "0"}},
		{[]string{"w"}, []string{"BITFIELD", "w", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9"}},
		{[]string{"w"}, []string{"BITFIELD", "w", "INCRBY", "u2", "0", "1"}},
		{[]string{"w"}, []string{"BITFIELD", "w", "INCRBY", "u2", "0", "0", "SET", "i3", "1", "0"}},
		{[]string{"w"}, []string{"BITFIELD", "w", "OVERFLOW", "FAIL", "SET", "u2", "1000", "9"}}, // grows, writes nothing
		{[]string{"w"}, []string{"BITFIELD", "w", "SET", "u2", "2000", "0"}},                     // grows
		{[]string{"w"}, []string{"STRLEN", "w"}},
		{[]string{"d"}, []string{"BITOP", "OR", "d", "w"}},
		{[]string{"d"}, []string{"BITOP", "OR", "d", "nokey"}},
		{[]string{"d"}, []string{"BITOP", "OR", "d", "nokey"}},
		{[]string{"w"}, []string{"GETBIT", "w", "3"}},
	} {
		p.CheckAll([][]string{append([]string{"WATCH"}, c.key...), c.write, {"MULTI"}, {"PING"}, {"EXEC"}})
	}
	// RESP3: nil is the RESP3 null.
	p.Node.Do("HELLO", "3")
	p.Redis.Do("HELLO", "3")
	p.CheckAll([][]string{
		{"BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u2", "10", "9", "GET", "u2", "10"},
		{"BITCOUNT", "f"}, {"BITPOS", "f", "1"},
	})
}

// TestBitmapCommandInfo compares the command table entries with Redis,
// except the key specifications, which the node derives from the key
// positions for every command.
func TestBitmapCommandInfo(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Normalize(func(args []string, v resp.Value) resp.Value {
		for i := range v.Elems {
			if len(v.Elems[i].Elems) == 10 {
				v.Elems[i].Elems[7] = resp.Value{Type: '*'} // command tips
				v.Elems[i].Elems[8] = resp.Value{Type: '*'} // key specs
			}
		}
		return v
	})
	p.Check("COMMAND", "INFO", "setbit", "getbit", "bitcount", "bitpos", "bitop", "bitfield", "bitfield_ro")
	p.Check("COMMAND", "GETKEYS", "BITOP", "AND", "d", "a", "b")
}

// TestBitmapRandom sends random bitmap commands, mixed with string writes
// and a list in the key space, to both servers.
func TestBitmapRandom(t *testing.T) {
	for _, seed := range []uint64{8101, 8102} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { bitmapRandom(t, seed) })
	}
}

func bitmapRandom(t *testing.T, seed uint64) {
	p := nodetest.NewPair(t)
	r := rand.New(rand.NewPCG(seed, 0))
	keys := []string{"{b}a", "{b}b", "{b}c", "{b}d", "{b}list"}
	p.Check("RPUSH", "{b}list", "x")
	key := func() string { return keys[r.IntN(len(keys))] }
	off := func() string {
		switch r.IntN(10) {
		case 0:
			return strconv.Itoa(r.IntN(2000))
		case 1:
			return strconv.Itoa(-r.IntN(3))
		}
		return strconv.Itoa(r.IntN(100))
	}
	idx := func() string { return strconv.Itoa(r.IntN(30) - 15) }
	unit := func() []string { return [][]string{nil, {"BIT"}, {"BYTE"}, {"bit"}, {"bits"}}[r.IntN(5)] }
	bfType := func() string {
		if r.IntN(2) == 0 {
			return "i" + strconv.Itoa(r.IntN(64)+1)
		}
		return "u" + strconv.Itoa(r.IntN(63)+1)
	}
	bfOff := func() string {
		if r.IntN(4) == 0 {
			return "#" + strconv.Itoa(r.IntN(10))
		}
		return strconv.Itoa(r.IntN(150))
	}
	bfVal := func() string {
		switch r.IntN(6) {
		case 0:
			return strconv.FormatInt(int64(r.Uint64()), 10)
		case 1:
			return strconv.Itoa(-r.IntN(300))
		}
		return strconv.Itoa(r.IntN(300))
	}
	for range 3000 {
		var cmd []string
		switch r.IntN(16) {
		case 0, 1, 2:
			cmd = []string{"SETBIT", key(), off(), strconv.Itoa(r.IntN(2))}
		case 3:
			cmd = []string{"GETBIT", key(), off()}
		case 4, 5:
			cmd = []string{"BITCOUNT", key()}
			if r.IntN(3) > 0 {
				cmd = append(cmd, idx(), idx())
				cmd = append(cmd, unit()...)
			}
		case 6, 7:
			cmd = []string{"BITPOS", key(), strconv.Itoa(r.IntN(2))}
			switch r.IntN(4) {
			case 1:
				cmd = append(cmd, idx())
			case 2:
				cmd = append(cmd, idx(), idx())
			case 3:
				cmd = append(cmd, idx(), idx())
				cmd = append(cmd, unit()...)
			}
		case 8:
			op := []string{"AND", "OR", "XOR", "NOT"}[r.IntN(4)]
			cmd = []string{"BITOP", op, key(), key()}
			if op != "NOT" {
				for n := r.IntN(3); n > 0; n-- {
					cmd = append(cmd, key())
				}
			}
		case 9, 10, 11:
			cmd = []string{"BITFIELD", key()}
			if r.IntN(6) == 0 {
				cmd[0] = "BITFIELD_RO"
			}
			for n := r.IntN(4) + 1; n > 0; n-- {
				switch r.IntN(5) {
				case 0:
					cmd = append(cmd, "OVERFLOW", []string{"WRAP", "SAT", "FAIL"}[r.IntN(3)])
				case 1:
					cmd = append(cmd, "GET", bfType(), bfOff())
				case 2:
					cmd = append(cmd, "SET", bfType(), bfOff(), bfVal())
				default:
					cmd = append(cmd, "INCRBY", bfType(), bfOff(), bfVal())
				}
			}
		case 12:
			cmd = []string{"GET", key()}
		case 13:
			cmd = []string{"SET", key(), []string{"", "1234", "\xff\x00\x0f", "foobar", "-17"}[r.IntN(5)]}
		case 14:
			cmd = []string{"INCRBY", key(), strconv.Itoa(r.IntN(1000) - 500)}
		case 15:
			cmd = []string{"SETRANGE", key(), strconv.Itoa(r.IntN(20)), "\xf0"}
		}
		p.Check(cmd...)
		if t.Failed() {
			t.Fatalf("seed %d: stopped at the first difference", seed)
		}
	}
	for _, k := range keys {
		p.Check("GET", k)
	}
}

// setbitCmd flips bits inside the 32-byte strings benchPipelined preloads.
func setbitCmd(buf []byte, i int) []byte {
	return resp.AppendCommand(buf, "SETBIT", key(i), strconv.Itoa(i%256), strconv.Itoa(i&1))
}

func getbitCmd(buf []byte, i int) []byte {
	return resp.AppendCommand(buf, "GETBIT", key(i), strconv.Itoa(i%256))
}

func bitcountCmd(buf []byte, i int) []byte { return resp.AppendCommand(buf, "BITCOUNT", key(i)) }

func bitcountRangeCmd(buf []byte, i int) []byte {
	return resp.AppendCommand(buf, "BITCOUNT", key(i), "3", "-5", "BIT")
}

func BenchmarkNodeSetBit(b *testing.B)                { benchPipelined(b, 1, setbitCmd) }
func BenchmarkNodeSetBitPipeline16(b *testing.B)      { benchPipelined(b, 16, setbitCmd) }
func BenchmarkNodeGetBitPipeline16(b *testing.B)      { benchPipelined(b, 16, getbitCmd) }
func BenchmarkNodeBitCountPipeline16(b *testing.B)    { benchPipelined(b, 16, bitcountCmd) }
func BenchmarkNodeBitCountBitPipeline16(b *testing.B) { benchPipelined(b, 16, bitcountRangeCmd) }

// FuzzBitmapCommand sends one bitmap command (space-separated arguments) to
// a node and to redis-server, both limited to 1 MB strings, and compares
// the replies; the string of key k is compared after each command.
func FuzzBitmapCommand(f *testing.F) {
	for _, s := range []string{
		"SETBIT k 7 1", "GETBIT k 8388607", "BITCOUNT k 1 -2 BIT", "BITPOS k 0 -3 -1 BIT",
		"BITOP XOR k k k2", "BITFIELD k OVERFLOW SAT INCRBY i5 #3 100 GET u63 1", "BITFIELD_RO k GET i64 #1",
		"SETBIT k 8388608 1", "BITFIELD k SET u8 #1048575 1", "SET k 12345", "INCR k",
	} {
		f.Add(s)
	}
	raddr := nodetest.StartRedis(f, "--proto-max-bulk-len", "1mb")
	naddr, _ := nodetest.StartNode(f, func(c *node.Config) { c.ProtoMaxBulkLen = 1 << 20 })
	rc, nc := nodetest.Dial(f, raddr), nodetest.Dial(f, naddr)
	allowed := map[string]bool{"SETBIT": true, "GETBIT": true, "BITCOUNT": true, "BITPOS": true, "BITOP": true,
		"BITFIELD": true, "BITFIELD_RO": true, "SET": true, "INCR": true, "APPEND": true}
	f.Fuzz(func(t *testing.T, line string) {
		// Redis compares option names as C strings, up to a NUL byte.
		args := strings.Fields(line)
		if strings.IndexByte(line, 0) >= 0 || len(args) == 0 || !allowed[strings.ToUpper(args[0])] {
			return
		}
		for _, cmd := range [][]string{args, {"GET", "k"}} {
			nv, err1 := nc.DoErr(cmd...)
			rv, err2 := rc.DoErr(cmd...)
			if err1 != nil || err2 != nil {
				t.Fatalf("%s: node %v, redis %v", nodetest.Quote(cmd), err1, err2)
			}
			if !nodetest.Equal(nv, rv) {
				t.Fatalf("%s:\n  slotcache: %s\n  redis:     %s", nodetest.Quote(cmd), nv, rv)
			}
		}
	})
}

// TestBitmapMaxmemory: the bitmap writers are refused with the OOM error
// past maxmemory (as SETRANGE), the readers and BITFIELD_RO still answer;
// so are SORT and SORT_RO.
func TestBitmapMaxmemory(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	c := nodetest.Dial(t, addr)
	runtime.GC()
	used, _ := strconv.Atoi(infoField(t, c, "memory", "used_memory"))
	c.Do("CONFIG", "SET", "maxmemory", strconv.Itoa(used+8<<20))
	waitWritable(t, c)
	var oom resp.Value
	for i := 1; i <= 200 && !oom.IsError(); i++ {
		oom = c.Do("SETBIT", "big", strconv.Itoa(i<<21), "1") // 256 KB more each time
		time.Sleep(5 * time.Millisecond)
	}
	const msg = "OOM command not allowed when used memory > 'maxmemory'."
	if string(oom.Str) != msg {
		t.Fatalf("SETBIT past maxmemory: %s, want the OOM error", oom)
	}
	// a collection may bring the estimate back under the limit: stay far
	// over it for the per-command checks below
	c.Do("CONFIG", "SET", "maxmemory", "1")
	for _, cmd := range [][]string{
		{"BITFIELD", "big", "GET", "u8", "0"}, {"BITOP", "NOT", "d", "big"}, {"SETBIT", "small", "1", "1"},
		{"SORT", "nokey"},
	} {
		if v := c.Do(cmd...); string(v.Str) != msg {
			t.Errorf("%s under OOM = %s", nodetest.Quote(cmd), v)
		}
	}
	for _, cmd := range [][]string{
		{"GETBIT", "big", "2097152"}, {"BITCOUNT", "big", "0", "0"}, {"BITPOS", "big", "1"}, {"BITFIELD_RO", "big", "GET", "u1", "2097152"},
		{"SORT_RO", "nokey"},
	} {
		if v := c.Do(cmd...); v.IsError() || v.Null {
			t.Errorf("%s under OOM = %s", nodetest.Quote(cmd), v)
		}
	}
	if v := c.Do("BITPOS", "big", "1"); v.Int != 1<<21 {
		t.Errorf("BITPOS under OOM = %s, want %d", v, 1<<21)
	}
}

// TestBitmapMaxmemoryPipeline: string growth by SETBIT, BITFIELD and BITOP
// (and the values SORT ... GET ... STORE copies) counts toward maxmemory at once, as Redis counts every allocation: a
// pipeline of commands each growing a new key by 8 MB stops with the OOM
// error soon after the limit (16 MB above the start), not after
// allocating all it asks for.
func TestBitmapMaxmemoryPipeline(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	c := nodetest.Dial(t, addr)
	runtime.GC()
	used, _ := strconv.Atoi(infoField(t, c, "memory", "used_memory"))
	c.Do("CONFIG", "SET", "maxmemory", strconv.Itoa(used+16<<20))
	waitWritable(t, c)
	const n = 24
	for _, mk := range []func(i int) []string{
		func(i int) []string { return []string{"SETBIT", "s" + strconv.Itoa(i), strconv.Itoa(8<<23 - 1), "1"} },
		func(i int) []string {
			return []string{"BITFIELD", "f" + strconv.Itoa(i), "SET", "u8", "#" + strconv.Itoa(8<<20-1), "1"}
		},
		func(i int) []string { return []string{"BITOP", "NOT", "o" + strconv.Itoa(i), "src"} },
		func(i int) []string {
			return []string{"SORT", "l", "BY", "nosort", "GET", "w_*", "STORE", "d" + strconv.Itoa(i)}
		},
	} {
		c.Do("FLUSHALL")
		runtime.GC()
		waitWritable(t, c)
		switch mk(0)[0] {
		case "BITOP":
			c.Do("SETRANGE", "src", strconv.Itoa(8<<20-1), "x")
		case "SORT": // 8 copies of 1 MB
			c.Do("RPUSH", "l", "x", "x", "x", "x", "x", "x", "x", "x")
			c.Do("SETRANGE", "w_x", strconv.Itoa(1<<20-1), "x")
		}
		for i := range n {
			if err := c.Send(mk(i)...); err != nil {
				t.Fatal(err)
			}
		}
		ok := 0
		for range n {
			v, err := c.Read()
			if err != nil {
				t.Fatal(err)
			}
			if !v.IsError() {
				ok++
			}
		}
		if ok > 4 {
			t.Errorf("%s: %d of %d commands growing a key by 8 MB ran under maxmemory = used + 16 MB", mk(0)[0], ok, n)
		}
	}
}
