package router

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/slots"
)

// getkeys asks a real redis-server which arguments of args are keys; nil when
// it reports none or rejects the command.
func getkeys(t *testing.T, c *nodetest.Conn, args []string) []string {
	t.Helper()
	v := c.Do(append([]string{"COMMAND", "GETKEYS"}, args...)...)
	if v.IsError() {
		return nil
	}
	var keys []string
	for _, e := range v.Elems {
		keys = append(keys, string(e.Str))
	}
	return keys
}

// ours returns the arguments KeyIndexes marks as keys.
func ours(args []string) []string {
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	var keys []string
	for _, i := range KeyIndexes(b, nil) {
		keys = append(keys, args[i])
	}
	return keys
}

// movableExamples exercise the commands whose key positions depend on their
// arguments, including malformed counts.
var movableExamples = [][]string{
	{"ZUNIONSTORE", "d", "2", "a", "b"}, {"zinterstore", "d", "1", "a", "WEIGHTS", "2"},
	{"ZDIFFSTORE", "d", "3", "a", "b", "c"}, {"ZUNIONSTORE", "d", "5", "a"},
	{"ZUNIONSTORE", "d", "x", "a"}, {"ZUNIONSTORE", "d", "-1", "a"},
	{"ZUNION", "2", "a", "b", "WITHSCORES"}, {"ZINTER", "1", "a"}, {"ZDIFF", "3", "a", "b", "c"},
	{"ZINTERCARD", "2", "a", "b", "LIMIT", "3"}, {"SINTERCARD", "1", "a"},
	{"LMPOP", "2", "a", "b", "LEFT"}, {"ZMPOP", "1", "a", "MIN", "COUNT", "2"},
	{"BLMPOP", "0", "2", "a", "b", "RIGHT"}, {"BZMPOP", "1.5", "1", "a", "MAX"},
	{"EVAL", "return 1", "2", "a", "b", "x"}, {"EVALSHA", "abc", "0", "x"},
	{"EVAL_RO", "return 1", "1", "a"}, {"FCALL", "f", "1", "a", "x"}, {"FCALL_RO", "f", "0"},
	{"SORT", "a"}, {"SORT", "a", "BY", "w_*", "LIMIT", "0", "10", "GET", "o_*", "STORE", "d"},
	{"SORT", "a", "STORE", "d1", "STORE", "d2"}, {"SORT_RO", "a", "ALPHA"},
	{"SORT", "a", "GET", "store", "DESC"},
	{"MIGRATE", "h", "1", "a", "0", "5"}, {"MIGRATE", "h", "1", "", "0", "5", "COPY", "KEYS", "a", "b"},
	{"MIGRATE", "h", "1", "", "0", "5", "AUTH", "keys", "KEYS", "a"},
	{"MIGRATE", "h", "1", "", "0", "5", "AUTH2", "u", "keys", "KEYS", "a"},
	{"GEORADIUS", "a", "0", "0", "1", "km", "STORE", "d"},
	{"GEORADIUS", "a", "0", "0", "1", "km", "STOREDIST", "d", "ASC"},
	{"GEORADIUSBYMEMBER", "a", "m", "1", "km", "STORE", "d"}, {"GEORADIUS", "a", "0", "0", "1", "km"},
	{"XREAD", "COUNT", "2", "STREAMS", "a", "b", "0", "0"}, {"XREAD", "STREAMS", "a", "0", "1"},
	{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", ">"},
	{"OBJECT", "ENCODING", "a"}, {"object", "freq", "a"}, {"OBJECT", "HELP"},
	{"MEMORY", "USAGE", "a", "SAMPLES", "5"}, {"MEMORY", "STATS"},
	{"XINFO", "STREAM", "a", "FULL"}, {"XGROUP", "CREATE", "a", "g", "$"},
	{"XGROUP", "DESTROY", "a", "g"}, {"PFDEBUG", "GETREG", "a"},
	{"GET"}, {"MSET", "a", "1", "b", "2"}, {"BLPOP", "a", "b", "0"}, {"PING"}, {"NOSUCH", "a"},
}

var shardChannels = map[string]bool{"ssubscribe": true, "sunsubscribe": true, "spublish": true}

// TestKeyIndexesMatchRedis compares KeyIndexes with a real server's COMMAND
// GETKEYS for every command of the table (with argument counts from the
// minimum to a few more) and for the movable-key examples.
func TestKeyIndexesMatchRedis(t *testing.T) {
	c := nodetest.Dial(t, nodetest.StartRedis(t))
	cases := slices.Clone(movableExamples)
	info := c.Do("COMMAND", "INFO")
	arity := map[string]int{}
	for _, e := range info.Elems {
		arity[string(e.Elems[0].Str)] = int(e.Elems[1].Int)
		if len(e.Elems) > 9 {
			for _, sub := range e.Elems[9].Elems {
				arity[string(sub.Elems[0].Str)] = int(sub.Elems[1].Int)
			}
		}
	}
	for _, e := range fixedKeyTable {
		name, sub, _ := strings.Cut(e.name, "|")
		a, extra := arity[e.name], 0
		if a < 0 {
			a, extra = -a, 3 // at least -a arguments: try a few more
		}
		for n := a; n <= a+extra; n++ {
			args := []string{name}
			if sub != "" {
				args = append(args, sub)
			}
			for len(args) < n {
				args = append(args, fmt.Sprintf("k%d", len(args)))
			}
			cases = append(cases, args)
		}
	}
	for _, args := range cases {
		want, got := getkeys(t, c, args), ours(args)
		if name := strings.ToLower(args[0]); shardChannels[name] || name == "pfmerge" && len(args) == 2 {
			// Sharded channels route by slot like keys, though Redis's
			// COMMAND GETKEYS does not list them; PFMERGE with only its
			// destination is valid, but GETKEYS rejects it.
			want = args[1:]
			if name == "spublish" {
				want = args[1:2]
			}
		}
		if !slices.Equal(want, got) {
			t.Errorf("%s: redis keys %q, ours %q", nodetest.Quote(args), want, got)
		}
	}
}

func TestSlotOf(t *testing.T) {
	args := [][]byte{[]byte("MGET"), []byte("{u1}.a"), []byte("{u1}.b"), []byte("c")}
	if s, cross := SlotOf(args, []int{1, 2}); cross || s != slots.KeySlot([]byte("u1")) {
		t.Fatalf("same tag: slot %d cross %v", s, cross)
	}
	if _, cross := SlotOf(args, []int{1, 2, 3}); !cross {
		t.Fatal("different slots not reported as cross-slot")
	}
	if s, cross := SlotOf(args, nil); s != -1 || cross {
		t.Fatalf("no keys: slot %d cross %v", s, cross)
	}
}

// FuzzKeyIndexes checks that any argument list gives in-range, increasing
// positions without panicking.
func FuzzKeyIndexes(f *testing.F) {
	for _, args := range movableExamples {
		f.Add(strings.Join(args, "\x00"))
	}
	f.Fuzz(func(t *testing.T, s string) {
		parts := strings.Split(s, "\x00")
		args := make([][]byte, len(parts))
		for i, p := range parts {
			args[i] = []byte(p)
		}
		idx := KeyIndexes(args, nil)
		for i, p := range idx {
			if p < 1 || p >= len(args) || (i > 0 && p <= idx[i-1]) {
				t.Fatalf("%q: bad positions %v", parts, idx)
			}
		}
	})
}

func BenchmarkKeyIndexes(b *testing.B) {
	cmds := [][][]byte{
		{[]byte("GET"), []byte("user:1000")},
		{[]byte("mset"), []byte("a"), []byte("1"), []byte("b"), []byte("2")},
		{[]byte("ZUNIONSTORE"), []byte("d"), []byte("2"), []byte("a"), []byte("b")},
	}
	dst := make([]int, 0, 8)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		dst = KeyIndexes(cmds[i%len(cmds)], dst[:0])
	}
}

// TestKeyIndexesMemcache: the nodes' internal memcached commands have keys.
func TestKeyIndexesMemcache(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []int
	}{
		{[]string{"MCGET", "a", "b", "c"}, []int{1, 2, 3}},
		{[]string{"mcgat", "0", "a", "b"}, []int{2, 3}},
		{[]string{"MCSTORE", "a", "set", "0", "0", "0", "v"}, []int{1}},
		{[]string{"MCDELETE", "a", "CAS", "5"}, []int{1}},
		{[]string{"MCMG", "a", "TTL", "5", "VALUE"}, []int{1}},
		{[]string{"MCFLUSH"}, nil},
		{[]string{"MCSTATS", "settings"}, nil},
	} {
		var args [][]byte
		for _, a := range c.args {
			args = append(args, []byte(a))
		}
		if got := KeyIndexes(args, nil); !slices.Equal(got, c.want) {
			t.Errorf("%q: keys at %v, want %v", c.args, got, c.want)
		}
	}
}
