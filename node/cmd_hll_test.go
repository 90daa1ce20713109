package node_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
)

// pfAdd builds a PFADD of the elements prefix0..prefix(n-1).
func pfAdd(key, prefix string, n int) []string {
	cmd := []string{"PFADD", key}
	for i := range n {
		cmd = append(cmd, prefix+strconv.Itoa(i))
	}
	return cmd
}

func TestHLLCommands(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		// Arity and missing keys.
		{"PFADD"}, {"PFCOUNT"}, {"PFMERGE"}, {"PFDEBUG", "ENCODING"}, {"PFSELFTEST", "x"},
		{"PFCOUNT", "nokey"}, {"PFCOUNT", "nokey", "nokey2"}, {"EXISTS", "nokey"},
		{"PFADD", "h"}, {"PFADD", "h"}, {"GET", "h"}, {"PFCOUNT", "h"}, {"GET", "h"},
		{"OBJECT", "ENCODING", "h"}, {"TYPE", "h"}, {"STRLEN", "h"},
		{"PFADD", "h", "a", "b", "c"}, {"GET", "h"}, {"PFADD", "h", "a"}, {"PFCOUNT", "h"}, {"GET", "h"},
		{"PFADD", "h", "A", "", "a"}, {"PFCOUNT", "h"}, {"GET", "h"},
		{"PFDEBUG", "ENCODING", "h"}, {"PFDEBUG", "DECODE", "h"}, {"PFDEBUG", "encoding", "nokey"},
		{"PFDEBUG", "NOSUCH", "h"}, {"PFDEBUG", "NO\x00SUCH", "h"}, {"PFDEBUG", "a\r\nb", "h"}, {"PFDEBUG", "NOSUCH", "nokey"},
		// Wrong types and strings that are not HyperLogLogs.
		{"SET", "str", "hello"}, {"LPUSH", "lst", "x"},
		{"PFADD", "str", "a"}, {"PFADD", "lst", "a"}, {"PFCOUNT", "str"}, {"PFCOUNT", "lst"},
		{"PFCOUNT", "h", "str"}, {"PFCOUNT", "h", "lst"}, {"PFCOUNT", "nokey", "lst"},
		{"PFMERGE", "h", "str"}, {"PFMERGE", "str", "h"}, {"PFMERGE", "lst", "h"}, {"PFMERGE", "h", "lst"},
		{"PFDEBUG", "ENCODING", "str"}, {"PFDEBUG", "GETREG", "lst"},
		{"SET", "short", "HYLL\x01"}, {"PFADD", "short", "a"},
		{"SET", "badenc", "HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"}, {"PFCOUNT", "badenc"},
		{"SET", "baddense", "HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"}, {"PFCOUNT", "baddense"},
		{"SET", "badmagic", "HYLX\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"}, {"PFCOUNT", "badmagic"},
		{"SET", "int", "12345"}, {"PFCOUNT", "int"},
		// Corrupted sparse values: too few or too many registers.
		{"SET", "c1", "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xfe"},
		{"PFCOUNT", "c1"}, {"PFADD", "c1", "a", "b"}, {"GET", "c1"}, {"PFCOUNT", "c1", "h"},
		{"PFMERGE", "d", "c1"}, {"EXISTS", "d"}, {"PFDEBUG", "GETREG", "c1"}, {"PFDEBUG", "TODENSE", "c1"},
		{"PFDEBUG", "DECODE", "c1"},
		{"SET", "c2", "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff\x80"},
		{"PFCOUNT", "c2"}, {"PFADD", "c2", "x"}, {"GET", "c2"},
		{"SET", "c3", "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"}, {"PFCOUNT", "c3"}, {"PFADD", "c3", "x"},
		{"PFDEBUG", "DECODE", "c3"},
		// A valid cache is returned as is, even when wrong.
		{"SET", "cached", "HYLL\x01\x00\x00\x00\x2a\x00\x00\x00\x00\x00\x00\x00\x7f\xff"}, {"PFCOUNT", "cached"},
		{"PFADD", "cached", "z"}, {"PFCOUNT", "cached"}, {"GET", "cached"},
		// A truncated XZERO at the end reads the terminating NUL as Redis does.
		{"SET", "trunc", "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xbf\xbf\xbf\x3f\x7f"},
		{"PFCOUNT", "trunc"}, {"PFDEBUG", "DECODE", "trunc"}, {"PFADD", "trunc", "a", "b", "c", "d", "e", "f"},
		{"GET", "trunc"},
		{"SET", "trunc2", "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xfe@"}, {"PFCOUNT", "trunc2"},
		{"PFADD", "trunc2", "000000\x1c\x00", "000000\x1c\x01", "000000\x1c\x02"}, {"GET", "trunc2"}, {"PFCOUNT", "trunc2"},
		{"SET", "trunc3", "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xfe@"},
		{"PFADD", "trunc3", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, {"GET", "trunc3"}, {"PFCOUNT", "trunc3"},
		// Merge: the destination is also a source; missing keys are empty.
		{"PFMERGE", "m1"}, {"GET", "m1"}, {"PFCOUNT", "m1"},
		{"PFMERGE", "m2", "nokey"}, {"GET", "m2"},
		{"PFADD", "x", "1", "2", "3"}, {"PFADD", "y", "3", "4", "5", "6"},
		{"PFMERGE", "m3", "x", "y"}, {"GET", "m3"}, {"PFCOUNT", "m3"}, {"PFCOUNT", "x", "y"},
		{"PFMERGE", "x", "y"}, {"GET", "x"}, {"PFCOUNT", "x"},
		{"PFMERGE", "str", "nokey"}, {"GET", "str"},
		// Expired keys count as missing.
		{"PFADD", "exp", "a"}, {"PEXPIRE", "exp", "1"},
	})
	// PFDEBUG on the sparse value, then dense.
	p.CheckAll([][]string{
		{"PFDEBUG", "DECODE", "x"}, {"PFDEBUG", "GETREG", "x"}, {"PFDEBUG", "ENCODING", "x"},
		{"PFDEBUG", "DECODE", "x"}, {"PFDEBUG", "TODENSE", "x"}, {"PFDEBUG", "TODENSE", "y"},
		{"PFDEBUG", "TODENSE", "y"}, {"GET", "y"}, {"PFCOUNT", "y"}, {"GET", "y"},
		{"PFSELFTEST"},
	})
	// The same replies in RESP3.
	for _, c := range []*nodetest.Conn{p.Node, p.Redis} {
		if v := c.Do("HELLO", "3"); v.IsError() {
			t.Fatalf("HELLO 3: %s", v)
		}
	}
	p.CheckAll([][]string{
		{"PFADD", "r3", "a"}, {"PFCOUNT", "r3"}, {"PFCOUNT", "r3", "x"}, {"PFMERGE", "r3", "x"},
		{"PFDEBUG", "ENCODING", "r3"}, {"PFDEBUG", "DECODE", "r3"}, {"PFDEBUG", "GETREG", "r3"},
		{"PFDEBUG", "DECODE", "r3"}, {"PFCOUNT", "str"}, {"PFADD", "c1", "z"}, {"PFSELFTEST"},
	})
}

// TestHLLDense drives values across the sparse/dense boundary.
func TestHLLDense(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		pfAdd("d", "e", 300), {"GET", "d"}, {"PFDEBUG", "ENCODING", "d"}, {"PFCOUNT", "d"},
		pfAdd("d", "f", 1500), {"GET", "d"}, {"PFDEBUG", "ENCODING", "d"}, {"PFCOUNT", "d"}, {"GET", "d"},
		pfAdd("d", "g", 5000), {"PFCOUNT", "d"}, {"GET", "d"},
		pfAdd("s", "e", 100), {"PFMERGE", "s", "d"}, {"PFDEBUG", "ENCODING", "s"}, {"GET", "s"},
		pfAdd("s2", "h", 50), {"PFMERGE", "m", "s2", "d"}, {"GET", "m"}, {"PFCOUNT", "m", "s2", "d"},
		{"PFCOUNT", "nokey", "d", "s"},
		// A dense string of the wrong length.
		{"APPEND", "d", "x"}, {"PFCOUNT", "d"},
		// hll-sparse-max-bytes moves the boundary.
		{"CONFIG", "SET", "hll-sparse-max-bytes", "200"}, {"CONFIG", "GET", "hll-sparse-max-bytes"},
		pfAdd("small", "e", 40), {"PFDEBUG", "ENCODING", "small"}, {"GET", "small"},
		pfAdd("small", "f", 40), {"PFDEBUG", "ENCODING", "small"}, {"GET", "small"},
		{"CONFIG", "SET", "hll-sparse-max-bytes", "0"}, {"PFADD", "z", "a"}, {"PFDEBUG", "ENCODING", "z"}, {"GET", "z"},
		{"CONFIG", "SET", "hll-sparse-max-bytes", "-1"}, {"CONFIG", "SET", "hll-sparse-max-bytes", "abc"},
		{"CONFIG", "SET", "hll-sparse-max-bytes", "1kb"}, {"CONFIG", "GET", "hll-sparse-max-bytes"},
		{"CONFIG", "SET", "hll-sparse-max-bytes", "3000"},
		// Registers above 32 make a sparse value dense.
		{"PFADD", "hi"},
	})
}

// TestHLLRedisValues stores values made by redis-server in the node and
// compares what the node computes from them.
func TestHLLRedisValues(t *testing.T) {
	p := nodetest.NewPair(t)
	r := rand.New(rand.NewPCG(20261125, 1))
	for i, n := range []int{0, 1, 7, 100, 900, 3000, 20000} {
		key := "v" + strconv.Itoa(i)
		for done := 0; done < n; {
			cmd := []string{"PFADD", key}
			for j := 0; j < 500 && done < n; j++ {
				cmd = append(cmd, strconv.FormatUint(r.Uint64(), 36))
				done++
			}
			p.Redis.Do(cmd...)
		}
		if n == 0 {
			p.Redis.Do("PFADD", key)
		}
		val := p.Redis.Do("GET", key)
		if val.IsError() || val.Null {
			t.Fatalf("GET %s from redis = %s", key, val)
		}
		p.Node.Do("SET", key, string(val.Str))
		want := p.Redis.Do("PFCOUNT", key)
		got := p.Node.Do("PFCOUNT", key)
		if !nodetest.Equal(got, want) {
			t.Errorf("PFCOUNT of a redis value of %d elements: slotcache %s, redis %s", n, got, want)
		}
		// Both now hold the value with its cache filled in.
		p.Check("GET", key)
		p.Check("PFADD", key, "one more", "and another")
		p.Check("GET", key)
		p.Check("PFCOUNT", key)
		p.Check("PFCOUNT", key, "v0")
	}
	p.Check("PFMERGE", "all", "v0", "v1", "v2", "v3", "v4", "v5", "v6")
	p.Check("GET", "all")
	p.Check("PFCOUNT", "all")
}

// TestHLLRandom sends the same random HyperLogLog commands to the node and
// to redis-server, with corruptions and neighbouring types, and compares
// every reply, raw values included.
func TestHLLRandom(t *testing.T) {
	for _, seed := range hllSeeds {
		for _, sparseMax := range []string{"3000", "300"} {
			t.Run(fmt.Sprint(seed, "/", sparseMax), func(t *testing.T) { hllRandom(t, seed, sparseMax) })
		}
	}
}

func hllRandom(t *testing.T, seed uint64, sparseMax string) {
	p := nodetest.NewPair(t)
	p.Check("CONFIG", "SET", "hll-sparse-max-bytes", sparseMax)
	r := rand.New(rand.NewPCG(seed, 0))
	keys := []string{"{h}a", "{h}b", "{h}c", "{h}d", "{h}str", "{h}list"}
	key := func() string { return keys[r.IntN(len(keys))] }
	const pool = 3000
	elem := func() string { return "e" + strconv.Itoa(r.IntN(pool)) }
	p.Check("SET", "{h}str", "not a hll")
	p.Check("RPUSH", "{h}list", "a")
	// seen counts the replies of interest, to make sure the run reaches
	// every path it is meant to compare.
	seen := map[string]int{}
	for i := 0; i < 2500; i++ {
		var cmd []string
		switch r.IntN(20) {
		case 0, 1, 2, 3, 4:
			cmd = []string{"PFADD", key()}
			n := r.IntN(8)
			if r.IntN(10) == 0 {
				n = r.IntN(600)
			}
			for range n {
				cmd = append(cmd, elem())
			}
		case 5, 6, 7:
			cmd = []string{"PFCOUNT", key()}
		case 8:
			cmd = []string{"PFCOUNT", key(), key(), key()}
		case 9:
			cmd = []string{"PFMERGE", key(), key(), key()}
		case 10, 11:
			cmd = []string{"GET", key()}
		case 12:
			cmd = []string{"PFDEBUG", []string{"ENCODING", "DECODE", "TODENSE", "GETREG"}[r.IntN(4)], key()}
		case 13:
			if r.IntN(4) != 0 {
				cmd = []string{"PFCOUNT", key()}
				break
			}
			// Corrupt a byte of a value: the cache, the encoding or a register.
			off := []int{4, 8, 15, 16, 17, 18, 19, 20 + r.IntN(40)}[r.IntN(8)]
			cmd = []string{"SETRANGE", key(), strconv.Itoa(off), string(rune(r.IntN(128)))}
		case 14:
			cmd = []string{"DEL", key()}
		case 15:
			// Copy a value from one key to another through the client.
			src, dst := key(), key()
			v := p.Check("GET", src)
			if v.Null || v.IsError() {
				continue
			}
			cmd = []string{"SET", dst, string(v.Str)}
		case 16:
			cmd = []string{"PFCOUNT", key(), key()}
		case 17:
			cmd = []string{"STRLEN", key()}
		case 18:
			cmd = []string{"OBJECT", "ENCODING", key()}
		case 19:
			cmd = []string{"PFADD", key(), strings.Repeat("x", r.IntN(40))}
		}
		v := p.Check(cmd...)
		if t.Failed() {
			t.Fatalf("seed %d, hll-sparse-max-bytes %s, step %d: %s", seed, sparseMax, i, nodetest.Quote(cmd))
		}
		switch {
		case v.IsError():
			seen[strings.Fields(string(v.Str))[0]]++
		case cmd[0] == "PFDEBUG" && cmd[1] == "ENCODING":
			seen[string(v.Str)]++
		case cmd[0] == "PFCOUNT" && v.Int > 1000:
			seen["count>1000"]++
		case cmd[0] == "PFMERGE":
			seen["merged"]++
		}
	}
	for _, want := range []string{"INVALIDOBJ", "WRONGTYPE", "dense", "sparse", "count>1000", "merged"} {
		if seen[want] == 0 {
			t.Errorf("seed %d: no %s reply in the run (seen %v)", seed, want, seen)
		}
	}
	t.Logf("replies seen: %v", seen)
}

var hllSeeds = []uint64{20261125, 20261126}

func pfaddCmd(buf []byte, i int) []byte {
	return resp.AppendCommand(buf, "PFADD", "hll:"+strconv.Itoa(i%100), "element:"+strconv.Itoa(i))
}

// pfaddCountCmd alternates PFADD and PFCOUNT of the same key, so every
// PFCOUNT recomputes the cardinality.
func pfaddCountCmd(buf []byte, i int) []byte {
	if i%2 == 0 {
		return pfaddCmd(buf, i)
	}
	return resp.AppendCommand(buf, "PFCOUNT", "hll:"+strconv.Itoa((i-1)%100))
}

func BenchmarkNodePFAddPipeline16(b *testing.B)        { benchPipelined(b, 16, pfaddCmd) }
func BenchmarkNodePFAddPFCountPipeline16(b *testing.B) { benchPipelined(b, 16, pfaddCountCmd) }

// infoFields returns the fields of an INFO reply.
func infoFields(t *testing.T, c *nodetest.Conn, section string) map[string]string {
	t.Helper()
	fields := map[string]string{}
	for _, l := range strings.Split(string(c.Do("INFO", section).Str), "\r\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && !strings.HasPrefix(l, "#") {
			fields[k] = v
		}
	}
	return fields
}

// TestHLLStats: lookups, changes and error replies are counted as Redis
// counts them, the cardinality cache write included; the command table
// entries match.
func TestHLLStats(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Normalize(func(args []string, v resp.Value) resp.Value {
		if args[0] == "COMMAND" && args[1] == "INFO" {
			v.Elems = slices.Clone(v.Elems)
			for i := range v.Elems {
				// Key specifications are derived from the key positions
				// for every command: not compared here.
				e := stripTips(v.Elems[i])
				e.Elems[8] = resp.Value{Type: '*'}
				v.Elems[i] = e
			}
		}
		return v
	})
	p.CheckAll([][]string{
		{"COMMAND", "INFO", "pfadd", "pfcount", "pfmerge", "pfdebug", "pfselftest"},
		{"COMMAND", "GETKEYS", "PFMERGE", "d", "a", "b"}, {"COMMAND", "GETKEYS", "PFDEBUG", "GETREG", "k"},
		{"CONFIG", "RESETSTAT"},
	})
	stats := func(c *nodetest.Conn) []int {
		f := infoFields(t, c, "all")
		var out []int
		for _, k := range []string{"keyspace_hits", "keyspace_misses", "rdb_changes_since_last_save"} {
			n, err := strconv.Atoi(f[k])
			if err != nil {
				t.Fatalf("INFO %s = %q", k, f[k])
			}
			out = append(out, n)
		}
		return out
	}
	n0, r0 := stats(p.Node), stats(p.Redis)
	p.CheckAll([][]string{
		{"PFADD", "a", "x", "y"}, {"PFADD", "a", "x"}, {"PFADD", "a"}, {"PFADD", "new"},
		{"PFCOUNT", "a"}, {"PFCOUNT", "a"}, {"PFCOUNT", "nokey"}, {"PFCOUNT", "a", "nokey", "new"},
		{"PFMERGE", "m", "a", "nokey"}, {"PFMERGE", "m"},
		{"SET", "s", "x"}, {"PFCOUNT", "s"}, {"PFADD", "s", "a"}, {"PFMERGE", "a", "s"},
		{"SET", "bad", "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f"}, {"PFCOUNT", "bad"}, {"PFADD", "bad", "q"},
		{"PFDEBUG", "TODENSE", "a"}, {"PFDEBUG", "TODENSE", "a"}, {"PFDEBUG", "GETREG", "m"},
		{"PFDEBUG", "GETREG", "nokey"}, {"PFDEBUG", "DECODE", "a"},
	})
	n1, r1 := stats(p.Node), stats(p.Redis)
	for i, name := range []string{"keyspace_hits", "keyspace_misses", "rdb_changes_since_last_save"} {
		if n1[i]-n0[i] != r1[i]-r0[i] {
			t.Errorf("%s grew by %d, in redis by %d", name, n1[i]-n0[i], r1[i]-r0[i])
		}
	}
	ne, re := infoFields(t, p.Node, "errorstats"), infoFields(t, p.Redis, "errorstats")
	for _, k := range []string{"errorstat_ERR", "errorstat_WRONGTYPE", "errorstat_INVALIDOBJ"} {
		if ne[k] != re[k] {
			t.Errorf("%s = %q, in redis %q", k, ne[k], re[k])
		}
	}
}

// TestHLLWatch: a PFCOUNT that fills in the cached cardinality is a change
// of the key for WATCH; one that reads a valid cache is not.
func TestHLLWatch(t *testing.T) {
	p := nodetest.NewPair(t)
	on, or := nodetest.Dial(t, p.NodeAddr), nodetest.Dial(t, p.RedisAddr)
	p.Check("PFADD", "w", "a", "b")
	for _, step := range []string{"cache filled", "cache valid"} {
		p.Check("WATCH", "w")
		if n, r := on.Do("PFCOUNT", "w"), or.Do("PFCOUNT", "w"); !nodetest.Equal(n, r) {
			t.Fatalf("PFCOUNT: slotcache %s, redis %s", n, r)
		}
		p.Check("MULTI")
		p.Check("PING")
		if v := p.Check("EXEC"); (step == "cache filled") != v.Null {
			t.Errorf("%s: EXEC = %s", step, v)
		}
	}
}

// TestHLLCluster: in cluster mode the keys of every HyperLogLog command
// are found and checked (CROSSSLOT, MOVED), as in Redis Cluster.
func TestHLLCluster(t *testing.T) {
	_, r2, c1, _, n1, n2, _ := twoGroups(t)
	p := &clusterPairT{t: t, Node: nodetest.Dial(t, n1), Redis: c1}
	p.norm = func(args []string, v resp.Value) resp.Value {
		if v.Type == '-' {
			v.Str = []byte(strings.NewReplacer(n2, "<owner>", r2, "<owner>").Replace(string(v.Str)))
		}
		return v
	}
	// The node serves slots 0-9999: "b" (slot 3300) and "bar" (5061) are
	// its own, "foo" (12182) belongs to the other group.
	p.CheckAll([][]string{
		{"PFADD", "foo", "x"}, {"PFADD", "b", "x"}, {"PFADD", "{foo}1", "y"},
		{"PFCOUNT", "foo"}, {"PFCOUNT", "b"}, {"PFCOUNT", "foo", "{foo}1"}, {"PFCOUNT", "foo", "b"},
		{"PFCOUNT", "foo", "bar"},
		{"PFMERGE", "{foo}2", "foo", "{foo}1"}, {"PFCOUNT", "{foo}2"}, {"PFMERGE", "foo", "b"},
		{"PFMERGE", "b", "foo"}, {"PFMERGE", "foo", "bar"},
		{"PFDEBUG", "ENCODING", "foo"}, {"PFDEBUG", "ENCODING", "b"}, {"PFDEBUG", "GETREG", "b"},
		{"PFSELFTEST"},
	})
}

// craftedHLL returns a random value no PFADD would make: a dense one with
// any 6-bit registers, or a sparse one of random opcodes (adjacent zero
// runs, short XZEROs, VALs up to 32) covering exactly 16384 registers.
func craftedHLL(r *rand.Rand) string {
	hdr := "HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"
	if r.IntN(3) == 0 {
		regs := make([]byte, 12288)
		for i := range regs {
			regs[i] = byte(r.IntN(256))
		}
		return hdr + string(regs)
	}
	var b []byte
	left := 16384
	vals := r.IntN(2) * 20 // sometimes mostly VALs: longer than 3000 bytes
	for left > 0 {
		switch r.IntN(3 + vals) {
		case 0:
			n := min(left, 1+r.IntN(64))
			b = append(b, byte(n-1))
			left -= n
		case 1:
			n := min(left, 1+r.IntN(2000))
			b = append(b, 0x40|byte((n-1)>>8), byte(n-1))
			left -= n
		default:
			n := min(left, 1+r.IntN(4))
			b = append(b, 0x80|byte(r.IntN(32))<<2|byte(n-1))
			left -= n
		}
	}
	return "HYLL\x01" + hdr[5:] + string(b)
}

// TestHLLCraftedValues stores values no PFADD makes in both servers and
// compares counts, unions and how PFADD and PFMERGE rewrite them.
func TestHLLCraftedValues(t *testing.T) { hllCrafted(t, 20261125) }

func hllCrafted(t *testing.T, seed uint64) {
	p := nodetest.NewPair(t)
	r := rand.New(rand.NewPCG(seed, 7))
	keys := []string{"c0", "c1", "c2"}
	for i := range 60 {
		k := keys[i%3]
		p.Check("SET", k, craftedHLL(r))
		p.Check("PFCOUNT", k)
		p.Check("PFCOUNT", keys[0], keys[1], keys[2])
		cmd := []string{"PFADD", k}
		for range r.IntN(50) {
			cmd = append(cmd, strconv.Itoa(r.IntN(100000)))
		}
		p.Check(cmd...)
		p.Check("GET", k)
		if r.IntN(3) == 0 {
			p.Check("PFMERGE", keys[r.IntN(3)], keys[r.IntN(3)], keys[r.IntN(3)])
			p.Check("GET", keys[0])
			p.Check("GET", keys[1])
			p.Check("GET", keys[2])
		}
		p.Check("PFCOUNT", k)
		if t.Failed() {
			t.Fatalf("seed %d, step %d", seed, i)
		}
	}
}
