package router

import (
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
)

var flagNames = map[string]Flag{
	"write": FlagWrite, "readonly": FlagReadonly, "denyoom": FlagDenyOOM, "admin": FlagAdmin,
	"pubsub": FlagPubsub, "noscript": FlagNoscript, "blocking": FlagBlocking, "fast": FlagFast,
	"no_auth": FlagNoAuth, "no_multi": FlagNoMulti, "loading": FlagLoading, "stale": FlagStale,
}

// TestCommandTableMatchesRedis checks every command and subcommand of a real
// server's COMMAND reply against the table: present, same arity, same flags.
func TestCommandTableMatchesRedis(t *testing.T) {
	c := nodetest.Dial(t, nodetest.StartRedis(t))
	seen := 0
	var check func(e resp.Value)
	check = func(e resp.Value) {
		name := string(e.Elems[0].Str)
		var flags Flag
		for _, f := range e.Elems[2].Elems {
			flags |= flagNames[string(f.Str)]
		}
		seen++
		got := commands[name]
		switch {
		case got == nil:
			t.Errorf("%s: missing from the table", name)
		case got.Arity != int(e.Elems[1].Int) || got.Flags != flags:
			t.Errorf("%s: table has arity %d flags %b, redis %d %b", name, got.Arity, got.Flags, e.Elems[1].Int, flags)
		}
		if len(e.Elems) > 9 {
			for _, sub := range e.Elems[9].Elems {
				check(sub)
			}
		}
	}
	for _, e := range c.Do("COMMAND").Elems {
		check(e)
	}
	if seen != len(commandTable) {
		t.Errorf("redis has %d commands and subcommands, the table %d", seen, len(commandTable))
	}
}

func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"GET", "k"}, "get"},
		{[]string{"config", "GET", "maxmemory"}, "config|get"},
		{[]string{"CONFIG"}, "config"},
		{[]string{"config", "nosuch"}, "config"},
		{[]string{"object", "encoding", "k"}, "object|encoding"},
		{[]string{"nosuch"}, ""},
	} {
		args := make([][]byte, len(tc.args))
		for i, a := range tc.args {
			args[i] = []byte(a)
		}
		got := Lookup(args)
		if (got == nil && tc.want != "") || (got != nil && got.Name != tc.want) {
			t.Errorf("Lookup(%q) = %v, want %q", tc.args, got, tc.want)
		}
	}
	set := Lookup([][]byte{[]byte("set")})
	if !set.Has(FlagWrite|FlagDenyOOM) || set.Has(FlagReadonly) || !set.ArityOK(3) || set.ArityOK(2) {
		t.Errorf("set: %+v", set)
	}
	if get := Lookup([][]byte{[]byte("get")}); !get.ArityOK(2) || get.ArityOK(3) {
		t.Errorf("get arity: %+v", get)
	}
}

func BenchmarkLookup(b *testing.B) {
	args := [][]byte{[]byte("CONFIG"), []byte("GET"), []byte("maxmemory")}
	b.ReportAllocs()
	for b.Loop() {
		if Lookup(args) == nil {
			b.Fatal("not found")
		}
	}
}
