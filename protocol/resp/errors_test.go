package resp_test

import (
	"strings"
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
)

// TestErrorTextsMatchRedis compares the shared error texts with what a real
// redis-server answers, long names and arguments cut included.
func TestErrorTextsMatchRedis(t *testing.T) {
	c := nodetest.Dial(t, nodetest.StartRedis(t))
	long := strings.Repeat("x", 200)
	unknown := [][]string{
		{"nosuch"},
		{"nosuch", "a", "b", "c"},
		{long},
		{"nosuch", long},
		{"nosuch", strings.Repeat("a", 40), strings.Repeat("b", 40), strings.Repeat("c", 40), "d"},
		{"nosuch", "", "with space", "quote'"},
		{strings.Repeat("é", 100), strings.Repeat("é", 100)},
	}
	for _, args := range unknown {
		bargs := make([][]byte, len(args))
		for i, a := range args {
			bargs[i] = []byte(a)
		}
		if got, want := resp.UnknownCommandError(bargs), string(c.Do(args...).Str); got != want {
			t.Errorf("UnknownCommandError(%.40q):\n got %q\nwant %q", args, got, want)
		}
	}
	if got, want := resp.WrongArityError("get"), string(c.Do("GET").Str); got != want {
		t.Errorf("WrongArityError(get) = %q, want %q", got, want)
	}
	for _, sub := range []string{"nosuch", long, strings.Repeat("é", 100)} {
		if got, want := resp.UnknownSubcommandError([]byte(sub), "object"), string(c.Do("OBJECT", sub).Str); got != want {
			t.Errorf("UnknownSubcommandError(%.20q, object) = %q, want %q", sub, got, want)
		}
	}
}
