package node_test

import (
	"strings"
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
)

// maskStreamTimes zeroes the clock-dependent numbers of consumer group
// replies (idle times, delivery and seen times), keeping their types, and
// the radix tree node count of XINFO STREAM.
func maskStreamTimes(args []string, v resp.Value) resp.Value {
	if len(args) == 0 {
		return v
	}
	switch strings.ToUpper(args[0]) {
	case "XPENDING":
		if len(args) > 3 {
			for i := range v.Elems {
				if e := v.Elems[i].Elems; len(e) == 4 {
					e[2].Int = 0
				}
			}
		}
	case "XINFO":
		v = maskRadix(args, v)
		maskTimesIn(&v)
	}
	return v
}

func maskTimesIn(v *resp.Value) {
	e := v.Elems
	if v.Type == '%' || v.Type == '*' {
		for i := 0; i+1 < len(e); i++ {
			if k := string(e[i].Str); e[i].Type == '$' && (k == "idle" || k == "seen-time") && e[i+1].Type == ':' {
				e[i+1].Int = 0
			}
		}
	}
	switch {
	case len(e) == 4 && e[0].Type == '$' && e[1].Type == '$' && e[2].Type == ':' && e[3].Type == ':':
		e[2].Int = 0 // group PEL entry of XINFO STREAM FULL
	case len(e) == 3 && e[0].Type == '$' && e[1].Type == ':' && e[2].Type == ':':
		e[1].Int = 0 // consumer PEL entry
	}
	for i := range e {
		maskTimesIn(&e[i])
	}
}

// TestDiffStreamGroups compares the consumer group commands, their errors
// and the group bookkeeping (entries-read, lag) with redis-server.
func TestDiffStreamGroups(t *testing.T) {
	for _, proto := range []string{"2", "3"} {
		t.Run("RESP"+proto, func(t *testing.T) {
			p := nodetest.NewPair(t)
			p.Node.Do("HELLO", proto)
			p.Redis.Do("HELLO", proto)
			p.Normalize(maskStreamTimes)
			p.CheckAll(groupScript)
		})
	}
}

var groupScript = [][]string{
	{"XGROUP", "CREATE", "s", "g", "$"},
	{"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"},
	{"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"},
	{"XGROUP", "CREATE", "s", "g2", "x"},
	{"XGROUP", "CREATE", "s", "g2", "0", "FOO"},
	{"XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "-2"},
	{"XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "x"},
	{"XGROUP", "CREATE", "s", "g2", "0", "MKSTREAM", "MKSTREAM", "MKSTREAM", "MKSTREAM"},
	{"XGROUP", "CREATE", "s"},
	{"XINFO", "GROUPS", "s"},
	{"XINFO", "STREAM", "s"},
	{"XADD", "s", "1-1", "f", "1"},
	{"XADD", "s", "2-1", "f", "2"},
	{"XADD", "s", "3-1", "f", "3"},
	{"XADD", "s", "4-1", "f", "4"},
	{"XGROUP", "CREATE", "s", "old", "0"},
	{"XGROUP", "CREATE", "s", "mid", "2-1", "ENTRIESREAD", "2"},
	{"XINFO", "GROUPS", "s"},
	{"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"},
	{"XREADGROUP", "GROUP", "old", "alice", "COUNT", "2", "STREAMS", "s", ">"},
	{"XREADGROUP", "GROUP", "old", "bob", "COUNT", "1", "STREAMS", "s", ">"},
	{"XREADGROUP", "GROUP", "old", "carol", "NOACK", "COUNT", "1", "STREAMS", "s", ">"},
	{"XREADGROUP", "GROUP", "old", "alice", "STREAMS", "s", "0"},
	{"XREADGROUP", "GROUP", "old", "alice", "COUNT", "1", "STREAMS", "s", "1-1"},
	{"XREADGROUP", "GROUP", "old", "nobody", "STREAMS", "s", "0"},
	{"XREADGROUP", "GROUP", "old", "alice", "STREAMS", "s", "$"},
	{"XREADGROUP", "GROUP", "nog", "alice", "STREAMS", "s", ">"},
	{"XREADGROUP", "GROUP", "old", "alice", "STREAMS", "nokey", ">"},
	{"XREADGROUP", "STREAMS", "s", ">"},
	{"XREADGROUP", "GROUP", "old", "alice", "STREAMS", "s"},
	{"XREADGROUP", "GROUP", "old", "alice", "BLOCK", "10", "STREAMS", "s", ">"},
	{"XINFO", "GROUPS", "s"},
	{"XINFO", "CONSUMERS", "s", "old"},
	{"XINFO", "CONSUMERS", "s", "nog"},
	{"XINFO", "CONSUMERS", "nokey", "old"},
	{"XPENDING", "s", "old"},
	{"XPENDING", "s", "g"},
	{"XPENDING", "s", "nog"},
	{"XPENDING", "s", "old", "-", "+", "10"},
	{"XPENDING", "s", "old", "-", "+", "10", "bob"},
	{"XPENDING", "s", "old", "-", "+", "10", "nobody"},
	{"XPENDING", "s", "old", "(1-1", "+", "1"},
	{"XPENDING", "s", "old", "IDLE", "100000", "-", "+", "10"},
	{"XPENDING", "s", "old", "IDLE", "0", "-", "+", "10"},
	{"XPENDING", "s", "old", "IDLE", "x", "-", "+", "10"},
	{"XPENDING", "s", "old", "IDLE", "10", "-", "+"},
	{"XPENDING", "s", "old", "-", "+"},
	{"XPENDING", "s", "old", "-", "+", "x"},
	{"XPENDING", "s", "old", "x", "+", "1"},
	{"XPENDING", "s", "old", "-", "+", "-1"},
	{"XACK", "s", "old", "1-1", "9-9"},
	{"XACK", "s", "old", "1-1"},
	{"XACK", "s", "old", "x"},
	{"XACK", "s", "nog", "x"},
	{"XACK", "nokey", "g", "1-1"},
	{"XPENDING", "s", "old"},
	{"XCLAIM", "s", "old", "bob", "0", "2-1"},
	{"XCLAIM", "s", "old", "bob", "100000", "3-1"},
	{"XCLAIM", "s", "old", "dave", "0", "3-1", "JUSTID"},
	{"XCLAIM", "s", "old", "dave", "0", "4-1"},
	{"XCLAIM", "s", "old", "dave", "0", "4-1", "FORCE", "RETRYCOUNT", "7"},
	{"XCLAIM", "s", "old", "dave", "0", "3-1", "IDLE", "500000"},
	{"XCLAIM", "s", "old", "dave", "0", "2-1", "TIME", "1", "LASTID", "9-9"},
	{"XCLAIM", "s", "old", "dave", "0", "2-1", "FOO"},
	{"XCLAIM", "s", "old", "dave", "x", "2-1"},
	{"XCLAIM", "s", "old", "dave", "0", "2-1", "IDLE", "x"},
	{"XCLAIM", "s", "old", "dave", "0", "2-1", "RETRYCOUNT", "x"},
	{"XCLAIM", "s", "old", "dave", "0", "2-1", "LASTID", "x"},
	{"XCLAIM", "s", "nog", "dave", "0", "2-1"},
	{"XPENDING", "s", "old", "IDLE", "100000", "-", "+", "10"},
	{"XPENDING", "s", "old", "-", "+", "10"},
	{"XINFO", "GROUPS", "s"},
	{"XDEL", "s", "3-1"},
	{"XINFO", "GROUPS", "s"},
	{"XREADGROUP", "GROUP", "old", "dave", "STREAMS", "s", "0"},
	{"XAUTOCLAIM", "s", "old", "erin", "0", "0", "COUNT", "1"},
	{"XAUTOCLAIM", "s", "old", "erin", "0", "0", "COUNT", "2", "JUSTID"},
	{"XAUTOCLAIM", "s", "old", "erin", "0", "(2-1"},
	{"XAUTOCLAIM", "s", "old", "erin", "100000", "0"},
	{"XAUTOCLAIM", "s", "old", "erin", "0", "0", "COUNT", "0"},
	{"XAUTOCLAIM", "s", "old", "erin", "x", "0"},
	{"XAUTOCLAIM", "s", "old", "erin", "0", "x"},
	{"XAUTOCLAIM", "s", "old", "erin", "0", "0", "FOO"},
	{"XAUTOCLAIM", "s", "nog", "erin", "0", "0"},
	{"XPENDING", "s", "old"},
	{"XINFO", "STREAM", "s", "FULL"},
	{"XGROUP", "SETID", "s", "old", "0"},
	{"XGROUP", "SETID", "s", "old", "$", "ENTRIESREAD", "4"},
	{"XGROUP", "SETID", "s", "old", "1", "ENTRIESREAD", "-3"},
	{"XGROUP", "SETID", "s", "old", "1", "FOO", "1"},
	{"XGROUP", "SETID", "s", "nog", "1"},
	{"XGROUP", "SETID", "nokey", "nog", "1"},
	{"XINFO", "GROUPS", "s"},
	{"XGROUP", "SETID", "s", "old", "0"},
	{"XREADGROUP", "GROUP", "old", "frank", "STREAMS", "s", ">"},
	{"XPENDING", "s", "old", "-", "+", "10"},
	{"XGROUP", "CREATECONSUMER", "s", "old", "gina"},
	{"XGROUP", "CREATECONSUMER", "s", "old", "gina"},
	{"XGROUP", "CREATECONSUMER", "s", "nog", "gina"},
	{"XGROUP", "DELCONSUMER", "s", "old", "frank"},
	{"XGROUP", "DELCONSUMER", "s", "old", "nobody"},
	{"XINFO", "CONSUMERS", "s", "old"},
	{"XPENDING", "s", "old"},
	{"XGROUP", "DESTROY", "s", "old"},
	{"XGROUP", "DESTROY", "s", "old"},
	{"XGROUP", "DESTROY", "nokey", "old"},
	{"XGROUP", "FOO", "s", "g"},
	{"XGROUP", "HELP"},
	{"XINFO", "GROUPS", "s"},
	{"XTRIM", "s", "MAXLEN", "0"},
	{"XINFO", "GROUPS", "s"},
	{"XADD", "s", "10-1", "f", "v"},
	{"XINFO", "GROUPS", "s"},
	{"COPY", "s", "s2"},
	{"XINFO", "GROUPS", "s2"},
	{"XINFO", "STREAM", "s2", "FULL"},
	{"SET", "str", "x"},
	{"XGROUP", "CREATE", "str", "g", "$"},
	{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "str", ">"},
	{"XACK", "str", "g", "1-1"},
	{"XPENDING", "str", "g"},
	{"XCLAIM", "str", "g", "c", "0", "1-1"},
	{"XAUTOCLAIM", "str", "g", "c", "0", "0"},
	{"XINFO", "GROUPS", "str"},
	{"XINFO", "CONSUMERS", "str", "g"},
}
