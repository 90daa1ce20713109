package node_test

import (
	"strings"

	"github.com/slotcache/slotcache/protocol/resp"
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
)

// TestDiffStreamBasics compares XADD, XRANGE, XDEL, XTRIM, XSETID, XLEN and
// XINFO STREAM replies and errors with redis-server, explicit IDs only.
func TestDiffStreamBasics(t *testing.T) {
	p := nodetest.NewPair(t)
	p.Normalize(maskRadix)
	p.CheckAll([][]string{
		{"XADD", "s", "1-1", "a", "1"},
		{"XADD", "s", "1-1", "a", "1"},
		{"XADD", "s", "1-0", "a", "1"},
		{"XADD", "s", "0-0", "a", "1"},
		{"XADD", "s2", "0-*", "a", "1"},
		{"XADD", "s2", "0-*", "a", "1"},
		{"XADD", "s", "1-*", "b", "2", "c", "3"},
		{"XADD", "s", "5", "f", "v"},
		{"XADD", "s", "5-*", "f", "v"},
		{"XADD", "s", "6-x", "f", "v"},
		{"XADD", "s", "-", "f", "v"},
		{"XADD", "s", "+", "f", "v"},
		{"XADD", "s", "7-1", "f"},
		{"XADD", "s", "7-1", "f", "v", "g"},
		{"XADD", "s", "7-1"},
		{"XADD", "s", "NOMKSTREAM", "8-1", "f", "v"},
		{"XADD", "nos", "NOMKSTREAM", "8-1", "f", "v"},
		{"EXISTS", "nos"},
		{"XADD", "s", "MAXLEN", "-1", "9-1", "f", "v"},
		{"XADD", "s", "MAXLEN", "x", "9-1", "f", "v"},
		{"XADD", "s", "MAXLEN", "1", "MINID", "0", "9-1", "f", "v"},
		{"XADD", "s", "LIMIT", "1", "9-1", "f", "v"},
		{"XADD", "s", "MAXLEN", "1", "LIMIT", "1", "9-1", "f", "v"},
		{"XADD", "s", "MAXLEN", "~", "1", "LIMIT", "-1", "9-1", "f", "v"},
		{"XADD", "s", "MINID", "x", "9-1", "f", "v"},
		{"XADD", "s", "00010-001", "f", "v"},
		{"XADD", "s", " 11-+2", "f", "v"},
		{"XADD", "s", "12--1", "f", "v"},
		{"XADD", "s", "18446744073709551615-18446744073709551615", "f", "v"},
		{"XADD", "s", "18446744073709551615-*", "f", "v"},
		{"XADD", "s", "*", "f", "v"},
		{"XADD", "s", "18446744073709551616-1", "f", "v"},
		{"XLEN", "s"},
		{"XLEN", "nokey"},
		{"XRANGE", "s", "-", "+"},
		{"XREVRANGE", "s", "+", "-"},
		{"XRANGE", "s", "1", "5"},
		{"XRANGE", "s", "(1-1", "(5-0"},
		{"XRANGE", "s", "(1-1", "(5"},
		{"XRANGE", "s", "-", "+", "COUNT", "2"},
		{"XRANGE", "s", "-", "+", "COUNT", "0"},
		{"XRANGE", "s", "-", "+", "COUNT", "-3"},
		{"XRANGE", "s", "-", "+", "COUNT"},
		{"XRANGE", "s", "-", "+", "LIMIT", "2"},
		{"XRANGE", "s", "(-", "+"},
		{"XRANGE", "s", "(18446744073709551615-18446744073709551615", "+"},
		{"XRANGE", "s", "-", "(0-0"},
		{"XREVRANGE", "s", "(5", "(1-1"},
		{"XREVRANGE", "s", "+", "-", "COUNT", "1"},
		{"XRANGE", "nokey", "-", "+"},
		{"XRANGE", "s", "x", "+"},
		{"XDEL", "s", "1-1", "9-9", "x"},
		{"XDEL", "s", "1-1", "9-9"},
		{"XDEL", "nokey", "x"},
		{"XDEL", "s", "1-1"},
		{"XINFO", "STREAM", "s"},
		{"XINFO", "STREAM", "s", "FULL"},
		{"XINFO", "STREAM", "s", "FULL", "COUNT", "1"},
		{"XINFO", "STREAM", "s", "FULL", "COUNT"},
		{"XINFO", "STREAM", "s", "FOO"},
		{"XINFO", "STREAM", "nokey"},
		{"XINFO", "STREAM", "s2"},
		{"XSETID", "s", "1-1"},
		{"XSETID", "s", "99-1", "ENTRIESADDED", "1"},
		{"XSETID", "s", "99-1", "ENTRIESADDED", "-1"},
		{"XSETID", "s", "99-1", "MAXDELETEDID", "100-0"},
		{"XSETID", "s", "99-1", "MAXDELETEDID", "1-0", "ENTRIESADDED", "50"},
		{"XSETID", "s", "99-1", "FOO", "1"},
		{"XSETID", "nokey", "99-1"},
		{"XINFO", "STREAM", "s"},
		{"XADD", "s", "99-1", "f", "v"},
		{"XADD", "s", "99-2", "f", "v"},
		{"XTRIM", "s", "MAXLEN", "2"},
		{"XTRIM", "s"},
		{"XTRIM", "s", "LIMIT", "1"},
		{"XTRIM", "s", "MAXLEN", "~", "2", "FOO"},
		{"XTRIM", "s", "MINID", "99-2"},
		{"XTRIM", "nokey", "MINID", "99-2"},
		{"XRANGE", "s", "-", "+"},
		{"XINFO", "STREAM", "s"},
		{"XTRIM", "s", "MAXLEN", "0"},
		{"XINFO", "STREAM", "s"},
		{"XINFO", "STREAM", "s", "FULL"},
		{"TYPE", "s"},
		{"OBJECT", "ENCODING", "s"},
		{"SET", "str", "x"},
		{"XADD", "str", "1-1", "f", "v"},
		{"XLEN", "str"},
		{"XRANGE", "str", "-", "+"},
		{"XDEL", "str", "1-1"},
		{"XTRIM", "str", "MAXLEN", "1"},
		{"XINFO", "STREAM", "str"},
		{"XSETID", "str", "1-1"},
		{"XINFO", "HELP"},
		{"XINFO", "FOO"},
	})
}

// maskRadix masks the radix-tree counters of XINFO STREAM, which depend on
// Redis's radix tree layout.
func maskRadix(args []string, v resp.Value) resp.Value {
	if len(args) < 2 || !strings.EqualFold(args[0], "xinfo") || !strings.EqualFold(args[1], "stream") {
		return v
	}
	for i := 0; i+1 < len(v.Elems); i += 2 {
		if k := string(v.Elems[i].Str); k == "radix-tree-nodes" {
			v.Elems[i+1] = resp.Value{Type: v.Elems[i+1].Type}
		}
	}
	return v
}
