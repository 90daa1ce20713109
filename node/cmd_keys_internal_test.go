package node

import (
	"bytes"
	"math"
	"testing"

	"github.com/slotcache/slotcache/protocol/resp"
)

func TestMallocSize(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want int64
	}{
		{0, 8}, {1, 8}, {8, 8}, {9, 16}, {17, 32}, {33, 48}, {128, 128}, {129, 160},
		{160, 160}, {161, 192}, {257, 320}, {513, 640}, {1006, 1024}, {1025, 1280}, {5006, 5120},
	} {
		if got := mallocSize(tc.n); got != tc.want {
			t.Errorf("mallocSize(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
}

func TestParseScanCursor(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true}, {"", 0, true}, {"16383", 16383, true}, {"+5", 5, true},
		{"-1", math.MaxUint64, true}, {"18446744073709551615", math.MaxUint64, true},
		{"18446744073709551616", 0, false}, {" 1", 0, false}, {"1 ", 0, false},
		{"-", 0, false}, {"+", 0, false}, {"0x10", 0, false}, {"1.5", 0, false},
	} {
		got, ok := parseScanCursor([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseScanCursor(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// testClient is a client not bound to a connection: replies accumulate in
// c.w.Buf.
func testClient(t *testing.T, mutate func(*Config)) *client {
	t.Helper()
	cfg := DefaultConfig()
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{srv: s, db: s.dbs[0], w: resp.Writer{Proto: 2}, now: 1_700_000_000_000}
}

// run executes one command at c.now and returns its decoded reply.
func run(t *testing.T, c *client, args ...string) resp.Value {
	t.Helper()
	bargs := make([][]byte, len(args))
	for i, a := range args {
		bargs[i] = []byte(a)
	}
	cmd := c.srv.commands.lookup(bargs[0])
	if cmd == nil {
		t.Fatalf("no command %s", args[0])
	}
	target := cmd
	if cmd.subs != nil && len(args) > 1 {
		if sub := cmd.lookupSub(bargs[1]); sub != nil {
			target = sub
		}
	}
	c.w.Buf = c.w.Buf[:0]
	target.fn(c, bargs)
	v, err := resp.NewReader(bytes.NewReader(c.w.Buf), resp.Limits{}).ReadReply()
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return v
}

func TestObjectIdletime(t *testing.T) {
	c := testClient(t, nil)
	run(t, c, "SET", "k", "v")
	c.db.lookup([]byte("k"), c.now) // access at c.now
	steps := []struct {
		advance int64 // ms
		args    []string
		want    int64
	}{
		{10_000, []string{"OBJECT", "IDLETIME", "k"}, 10},
		{5_000, []string{"TTL", "k"}, -1},                    // TTL does not touch
		{0, []string{"EXISTS", "k"}, 1},                      // neither does EXISTS
		{0, []string{"OBJECT", "IDLETIME", "k"}, 15},         // nor OBJECT
		{1_000, []string{"TOUCH", "k"}, 1},                   // TOUCH does
		{2_000, []string{"OBJECT", "IDLETIME", "k"}, 2},      //
		{0, []string{"EXPIRE", "k", "100"}, 1},               // a write looks the key up
		{3_000, []string{"OBJECT", "IDLETIME", "k"}, 3},      //
		{0, []string{"PEXPIRETIME", "k"}, 1_700_000_118_000}, // EXPIRE ran at +18 s
	}
	for _, s := range steps {
		c.now += s.advance
		if v := run(t, c, s.args...); v.Int != s.want {
			t.Fatalf("%v at +%d = %v, want %d", s.args, c.now-1_700_000_000_000, v, s.want)
		}
	}
}

func TestFlushAndSwapCounts(t *testing.T) {
	c := testClient(t, nil)
	for _, k := range []string{"a", "b", "c"} {
		run(t, c, "SET", k, "v")
	}
	run(t, c, "EXPIRE", "a", "100")
	run(t, c, "SWAPDB", "0", "3")
	if c.db.nkeys != 0 || c.srv.dbs[3].nkeys != 3 || c.srv.dbs[3].nexpire != 1 || c.db.id != 0 {
		t.Fatalf("after SWAPDB: db0 %d keys, db3 %d keys %d volatile", c.db.nkeys, c.srv.dbs[3].nkeys, c.srv.dbs[3].nexpire)
	}
	dirty := c.srv.dirty
	run(t, c, "FLUSHALL")
	if c.srv.dirty != dirty+4 || c.srv.dbs[3].nkeys != 0 || c.srv.dbs[3].nexpire != 0 {
		t.Fatalf("FLUSHALL: dirty +%d, db3 %d keys", c.srv.dirty-dirty, c.srv.dbs[3].nkeys)
	}
}

func TestMemoryHelpListsOwnSubcommands(t *testing.T) {
	c := testClient(t, nil)
	v := run(t, c, "MEMORY", "HELP")
	for _, e := range v.Elems {
		line := string(e.Str)
		if len(line) > 0 && line[0] != ' ' && !bytes.HasPrefix(e.Str, []byte("MEMORY <")) {
			sub := string(bytes.ToLower(bytes.Fields(e.Str)[0]))
			if c.srv.commands["memory"].subs[sub] == nil {
				t.Errorf("MEMORY HELP lists %q, which is not a subcommand", sub)
			}
		}
	}
}
