package node

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

func hashOf(t *testing.T, c *client, key string) *hash {
	t.Helper()
	o := c.db.lookup([]byte(key), c.now)
	if o == nil {
		t.Fatalf("%s missing", key)
	}
	return o.val.(*hash)
}

func TestHashEncoding(t *testing.T) {
	long := strings.Repeat("x", hashMaxListpackValue+1)
	edge := strings.Repeat("x", hashMaxListpackValue)
	manyFields := func(n int) []string {
		cmd := []string{"hset", "h"}
		for i := 0; i < n; i++ {
			cmd = append(cmd, "f"+strconv.Itoa(i), "v")
		}
		return cmd
	}
	tests := []struct {
		name string
		cmds [][]string
		want string
	}{
		{"small", [][]string{{"hset", "h", "a", "1"}}, "listpack"},
		{"value at limit", [][]string{{"hset", "h", "a", edge}}, "listpack"},
		{"field at limit", [][]string{{"hset", "h", edge, "1"}}, "listpack"},
		{"long value", [][]string{{"hset", "h", "a", long}}, "hashtable"},
		{"long field", [][]string{{"hset", "h", long, "1"}}, "hashtable"},
		{"hmset long", [][]string{{"hmset", "h", "a", "1", "b", long}}, "hashtable"},
		{"hsetnx long", [][]string{{"hsetnx", "h", "a", long}}, "hashtable"},
		{"hincrby long field", [][]string{{"hincrby", "h", long, "1"}}, "hashtable"},
		{"hincrbyfloat long result", [][]string{{"hincrbyfloat", "h", "a", "1e100"}}, "hashtable"},
		{"entries at limit", [][]string{manyFields(hashMaxListpackEntries)}, "listpack"},
		{"entries over limit", [][]string{manyFields(hashMaxListpackEntries + 1)}, "hashtable"},
		{"never back", [][]string{{"hset", "h", "a", long, "b", "1"}, {"hdel", "h", "a"}, {"hset", "h", "c", "1"}}, "hashtable"},
		{"back after delete of key", [][]string{{"hset", "h", "a", long}, {"hdel", "h", "a"}, {"hset", "h", "b", "1"}}, "listpack"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := testListClient(t)
			for _, cmd := range tc.cmds {
				c.run(cmd...)
			}
			if got := hashOf(t, c, "h").encoding(); got != tc.want {
				t.Fatalf("encoding %s, want %s", got, tc.want)
			}
		})
	}
}

func TestHashTableOps(t *testing.T) {
	h, lim := &hash{}, testLimits()
	for i := 0; i < 1000; i++ {
		h.set(lim, "f"+strconv.Itoa(i), strconv.Itoa(i))
	}
	if !h.isTable() || h.length() != 1000 {
		t.Fatalf("table %v length %d", h.isTable(), h.length())
	}
	for i := 0; i < 1000; i += 2 {
		if !h.del("f" + strconv.Itoa(i)) {
			t.Fatalf("f%d not deleted", i)
		}
	}
	if h.del("f0") || h.length() != 500 || len(h.table().ents) > 1000 {
		t.Fatalf("after deletes: length %d, entries %d", h.length(), len(h.table().ents))
	}
	for i := 1; i < 1000; i += 2 {
		if v, ok := h.get("f" + strconv.Itoa(i)); !ok || v != strconv.Itoa(i) {
			t.Fatalf("f%d = %q %v", i, v, ok)
		}
	}
	c := h.clone().(*hash)
	c.set(lim, "f1", "changed")
	if v, _ := h.get("f1"); v != "1" {
		t.Fatal("clone shares data")
	}
	seen := map[string]bool{}
	for cursor := uint64(0); ; {
		cursor = h.scan(cursor, 10, func(f, v string) {
			if seen[f] {
				t.Fatalf("%s returned twice", f)
			}
			seen[f] = true
		})
		if cursor == 0 {
			break
		}
	}
	if len(seen) != 500 {
		t.Fatalf("scan returned %d fields", len(seen))
	}
	for i := 0; i < 100; i++ {
		if _, ok := h.get(h.random().field); !ok {
			t.Fatal("random returned a deleted field")
		}
	}
}

func TestHashFloatFormat(t *testing.T) {
	tests := []struct{ a, b, want string }{
		{"0.1", "0.2", "0.3"},
		{"10.5", "0.1", "10.6"},
		{"5.0e3", "2.0e2", "5200"},
		{"-1", "1", "0"},
		{"1e20", "0.5", "100000000000000000000"},
		{"0x10", "1", "17"},
	}
	for _, tc := range tests {
		t.Run(tc.a+"+"+tc.b, func(t *testing.T) {
			c := testListClient(t)
			c.run("hset", "h", "f", tc.a)
			got := c.run("hincrbyfloat", "h", "f", tc.b)
			want := "$" + strconv.Itoa(len(tc.want)) + "\r\n" + tc.want + "\r\n"
			if got != want {
				t.Fatalf("got %q want %q", got, want)
			}
		})
	}
}

func TestHashScanCursorParse(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true}, {"", 0, true}, {"+5", 5, true}, {"-1", 1<<64 - 1, true},
		{"18446744073709551615", 1<<64 - 1, true}, {"18446744073709551616", 0, false},
		{" 1", 0, false}, {"1 ", 0, false}, {"x", 0, false}, {"+", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := parseScanCursor([]byte(tc.in))
			if got != tc.want || ok != tc.ok {
				t.Fatalf("got %d %v want %d %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func BenchmarkHSet(b *testing.B) {
	c := testListClient(b)
	args := [][]byte{[]byte("hset"), []byte("bench"), []byte("field"), []byte("value")}
	b.ReportAllocs()
	for b.Loop() {
		c.w.Buf = c.w.Buf[:0]
		cmdHSet(c, args)
	}
}

func BenchmarkHSetHashtable(b *testing.B) {
	c := testListClient(b)
	for i := 0; i < 1000; i++ {
		cmdHSet(c, [][]byte{[]byte("hset"), []byte("bench"), []byte("f" + strconv.Itoa(i)), []byte("v")})
	}
	args := [][]byte{[]byte("hset"), []byte("bench"), []byte("f500"), []byte("value")}
	b.ReportAllocs()
	for b.Loop() {
		c.w.Buf = c.w.Buf[:0]
		cmdHSet(c, args)
	}
}

// FuzzParseLongDouble checks that float parsing never panics and agrees
// with strconv on ordinary decimal input.
func FuzzParseLongDouble(f *testing.F) {
	for _, s := range []string{"100000000000000000001000", "1.5", "-0", "inf", "0x1p3", "1e4932", "1e-5000", " 1", "1_0", "nan", ".5", "5.", "0b1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		z, ok := parseLongDouble([]byte(s))
		if !ok {
			return
		}
		if !z.IsInf() {
			formatLongDouble(z)
		}
		if v, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "xXpP") {
			// Rounding to 64 bits first may move the last bit of the double.
			if got, _ := z.Float64(); got != v && math.Abs(got-v) > math.Abs(v)*0x1p-52 {
				t.Fatalf("%q: %v vs strconv %v", s, got, v)
			}
		}
	})
}

// FuzzParseScanCursor checks cursor parsing against strconv for plain
// decimal cursors.
func FuzzParseScanCursor(f *testing.F) {
	for _, s := range []string{"0", "", "+1", "-1", "18446744073709551616", " 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseScanCursor([]byte(s))
		if v, err := strconv.ParseUint(s, 10, 64); err == nil && (!ok || got != v) {
			t.Fatalf("%q: got %d %v, want %d", s, got, ok, v)
		}
	})
}

// testLimits returns a default configuration for collections built in tests.
func testLimits() *Config {
	c := DefaultConfig()
	return &c
}

// TestHashObjectSize pins a hash and its object to the Go allocator's
// 64-byte size class: one byte more costs 16 per hash.
func TestHashObjectSize(t *testing.T) {
	if n := unsafe.Sizeof(hash{}); n > 64 {
		t.Fatalf("hash is %d bytes, want <= 64", n)
	}
}
