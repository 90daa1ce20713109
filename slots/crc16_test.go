package slots_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/slots"
)

func TestCRC16(t *testing.T) {
	tests := []struct {
		in   string
		want uint16
	}{
		{"", 0},
		{"123456789", 0x31C3}, // the XMODEM check value
		{"a", 0x7C87},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := slots.CRC16([]byte(tt.in)); got != tt.want {
				t.Errorf("CRC16(%q) = %#04x, want %#04x", tt.in, got, tt.want)
			}
		})
	}
}

func TestHashTag(t *testing.T) {
	tests := []struct{ key, tag string }{
		{"key1", "key1"},
		{"{user1000}.following", "user1000"},
		{"{user1000}.followers", "user1000"},
		{"foo{}{bar}", "foo{}{bar}"},
		{"foo{{bar}}zap", "{bar"},
		{"foo{bar}{zap}", "bar"},
		{"{", "{"},
		{"}{", "}{"},
		{"{a", "{a"},
		{"x{y}", "y"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if got := string(slots.HashTag([]byte(tt.key))); got != tt.tag {
				t.Errorf("HashTag(%q) = %q, want %q", tt.key, got, tt.tag)
			}
			if got, want := slots.KeySlot([]byte(tt.key)), slots.KeySlot([]byte(tt.tag)); got != want {
				t.Errorf("KeySlot(%q) = %d, want slot of %q = %d", tt.key, got, tt.tag, want)
			}
		})
	}
}

func TestKeySlotGolden(t *testing.T) {
	// Values from Redis 7 CLUSTER KEYSLOT.
	tests := []struct {
		key  string
		slot int
	}{
		{"key1", 9189},
		{"foo", 12182},
		{"bar", 5061},
		{"{user1000}.following", 3443},
		{"{user1000}.followers", 3443},
		{"", 0},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if got := slots.KeySlot([]byte(tt.key)); got != tt.slot {
				t.Errorf("KeySlot(%q) = %d, want %d", tt.key, got, tt.slot)
			}
		})
	}
}

// TestKeySlotAgainstRedis compares KeySlot with CLUSTER KEYSLOT of a real
// redis-server in cluster mode for random keys, hash tags included.
func TestKeySlotAgainstRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("starts redis-server")
	}
	addr := nodetest.StartRedis(t, "--cluster-enabled", "yes")
	c := nodetest.Dial(t, addr)
	defer c.Close()
	const seed = 20261125
	r := rand.New(rand.NewPCG(seed, 0))
	alphabet := []byte("ab{}xyz019\x00\xff")
	keys := make([]string, 500)
	for i := range keys {
		k := make([]byte, r.IntN(20))
		for j := range k {
			k[j] = alphabet[r.IntN(len(alphabet))]
		}
		keys[i] = string(k)
	}
	for _, k := range keys {
		if err := c.Send("CLUSTER", "KEYSLOT", k); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range keys {
		v, err := c.Read()
		if err != nil {
			t.Fatal(err)
		}
		if v.Type != ':' {
			t.Fatalf("seed %d: CLUSTER KEYSLOT %q: %v", seed, k, v)
		}
		if got := slots.KeySlot([]byte(k)); int64(got) != v.Int {
			t.Errorf("seed %d: KeySlot(%q) = %d, redis says %d", seed, k, got, v.Int)
		}
	}
}

func BenchmarkKeySlot(b *testing.B) {
	for _, key := range []string{"key1", "{user1000}.following", "a-rather-longer-key:with:several:parts:0123456789"} {
		k := []byte(key)
		b.Run(fmt.Sprint(len(k)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				slots.KeySlot(k)
			}
		})
	}
}

func TestPatternSlot(t *testing.T) {
	slot := func(s string) int { return slots.KeySlot([]byte(s)) }
	for _, tt := range []struct {
		pattern string
		want    int
	}{
		{"w_*", -1},                  // a glob before any tag: any slot
		{"w_?", -1},                  // likewise
		{"w_[ab]", -1},               // likewise
		{`w\*`, -1},                  // an escape: not worked out
		{"{user}:w_*", slot("user")}, // the tag closes before the glob
		{"{user*}:w", -1},            // the glob is inside the tag
		{"{}w_*", -1},                // an empty tag hashes the whole key, which has a glob
		{"{}w", slot("{}w")},         // ... and without one, the whole key
		{"plain", slot("plain")},     // a single key
		{"a{b}*", slot("b")},
	} {
		if got := slots.PatternSlot([]byte(tt.pattern)); got != tt.want {
			t.Errorf("PatternSlot(%q) = %d, want %d", tt.pattern, got, tt.want)
		}
	}
}
