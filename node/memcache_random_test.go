package node_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// mcGen generates random memcached requests over a few keys, avoiding
// time-dependent replies (remaining TTLs, last-access ages): exptimes are
// 0, negative or past. mg's h flag is left out: whether memcached's incr
// rewrites an item in place (keeping its fetched bit) depends on
// references its background threads hold.
type mcGen struct {
	r    *rand.Rand
	keys []string
	n    int
}

func (g *mcGen) key() string { return g.keys[g.r.IntN(len(g.keys))] }

func (g *mcGen) exptime() string {
	return []string{"0", "0", "0", "-1", "1000000000", "0"}[g.r.IntN(6)]
}

func (g *mcGen) value() string {
	switch g.r.IntN(5) {
	case 0:
		return ""
	case 1, 2:
		return fmt.Sprint(g.r.Uint64N(1000))
	case 3:
		return fmt.Sprint(g.r.Uint64())
	}
	return g.text()
}

// text returns a value that is not a number. It starts with a letter:
// memcached's incr parses a value with strtoull, which skips leading white
// space and, on a value made only of it, reads on past the item's bytes.
// Appending text (never digits) also keeps numbers from growing leading
// zeros, which an incr would then shorten: whether memcached rewrites such
// a number in place depends on references its other threads hold.
func (g *mcGen) text() string {
	b := make([]byte, g.r.IntN(8)+1)
	b[0] = 'a'
	for i := 1; i < len(b); i++ {
		const alphabet = "abc 12\x00\x01\r\nxyz"
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

func (g *mcGen) cas() string {
	switch g.r.IntN(4) {
	case 0:
		return "0"
	case 1:
		return fmt.Sprint(g.r.Uint64())
	}
	return fmt.Sprint(g.r.IntN(g.n + 2))
}

func (g *mcGen) noreply() string {
	if g.r.IntN(5) == 0 {
		return " noreply"
	}
	return ""
}

// metaFlags picks a random subset of flags, in random order.
func (g *mcGen) metaFlags(pool []string) string {
	var out []string
	for _, i := range g.r.Perm(len(pool)) {
		if g.r.IntN(3) == 0 {
			out = append(out, pool[i])
		}
	}
	if len(out) == 0 {
		return ""
	}
	return " " + strings.Join(out, " ")
}

func (g *mcGen) request() string {
	g.n++
	k := g.key()
	switch g.r.IntN(20) {
	case 0, 1, 2:
		v := g.value()
		cmd := []string{"set", "add", "replace", "append", "prepend"}[g.r.IntN(5)]
		if cmd == "append" || cmd == "prepend" {
			v = g.text()
		}
		return fmt.Sprintf("%s %s %d %s %d%s\r\n%s\r\n", cmd, k, g.r.IntN(3)*7, g.exptime(), len(v), g.noreply(), v)
	case 3:
		v := g.value()
		return fmt.Sprintf("cas %s %d %s %d %s%s\r\n%s\r\n", k, g.r.IntN(2), g.exptime(), len(v), g.cas(), g.noreply(), v)
	case 4, 5:
		cmd := []string{"get", "gets"}[g.r.IntN(2)]
		return fmt.Sprintf("%s %s %s %s\r\n", cmd, k, g.key(), g.key())
	case 6:
		cmd := []string{"gat", "gats"}[g.r.IntN(2)]
		return fmt.Sprintf("%s %s %s %s\r\n", cmd, []string{"0", "-1"}[g.r.IntN(2)], k, g.key())
	case 7:
		return fmt.Sprintf("touch %s %s%s\r\n", k, g.exptime(), g.noreply())
	case 8:
		return fmt.Sprintf("delete %s%s\r\n", k, g.noreply())
	case 9:
		// No decrements that shorten a number: memcached rewrites it in
		// place (space padded) unless another thread holds the item at
		// that moment, which a test cannot control.
		if g.r.IntN(2) == 0 {
			return fmt.Sprintf("decr %s %s%s\r\n", k, []string{"0", "-1", "x"}[g.r.IntN(3)], g.noreply())
		}
		delta := []string{"0", "1", "7", "-1", "x"}[g.r.IntN(5)]
		return fmt.Sprintf("incr %s %s%s\r\n", k, delta, g.noreply())
	case 10:
		if g.r.IntN(4) == 0 {
			return "flush_all" + g.noreply() + "\r\n"
		}
		return "mn\r\n"
	case 11, 12:
		if g.r.IntN(4) == 0 { // expire it (no t: its TTL would be negative)
			return "mg " + k + g.metaFlags([]string{"v", "c", "s", "k", "q", "T-1", "R30", "N0"}) + "\r\n"
		}
		return "mg " + k + g.metaFlags([]string{"v", "f", "c", "s", "k", "q", "O123", "t", "N0", "T0", "u", "R30"}) + "\r\n"
	case 13, 14:
		v := g.value()
		fl := g.metaFlags([]string{"c", "k", "O9", "q", "F5", "T0", "T-1", "C" + g.cas(), "I", "MS", "ME", "MA", "MP", "MR", "b"})
		if strings.Contains(fl, "MA") || strings.Contains(fl, "MP") {
			v = g.text()
		}
		if strings.Contains(fl, "b") {
			return fmt.Sprintf("ms a2V5 %d%s\r\n%s\r\n", len(v), fl, v)
		}
		return fmt.Sprintf("ms %s %d%s\r\n%s\r\n", k, len(v), fl, v)
	case 15:
		return "md " + k + g.metaFlags([]string{"q", "C" + g.cas(), "I", "T0", "k", "O1"}) + "\r\n"
	case 16, 17:
		return "ma " + k + g.metaFlags([]string{"N0", "J" + fmt.Sprint(g.r.IntN(100)), "D" + fmt.Sprint(g.r.IntN(5)), "MI", "q", "v", "c", "t", "k", "O5"}) + "\r\n"
	case 18:
		return "mg a2V5 b" + g.metaFlags([]string{"v", "k", "c", "q"}) + "\r\n"
	case 19:
		if g.r.IntN(2) == 0 {
			return g.malformed()
		}
	}
	// A few requests pipelined in one write.
	return g.request() + g.request() + g.request()
}

// malformed builds a request line from random tokens. Storage commands get
// a length no server accepts (text) or their data block (ms), so that no
// server waits for data.
func (g *mcGen) malformed() string {
	pool := []string{"k1", "n", strings.Repeat("k", 250), strings.Repeat("k", 251), "0", "-1", "x", "+3",
		"18446744073709551616", "4294967296", "2147483648", "noreply", "1", "v", "q", "k", "b", "T-1", "Tx",
		"N0", "O" + strings.Repeat("o", 33), "MX", "C", "D-1", "J", "I", "c", "c"}
	cmds := []string{"get", "gets", "gat", "gats", "touch", "incr", "decr", "delete", "flush_all", "verbosity",
		"version", "mg", "md", "ma", "me", "mn", "set", "add", "cas", "ms", "bogus", "GET", "g", ""}
	cmd := cmds[g.r.IntN(len(cmds))]
	toks := []string{cmd}
	for n := g.r.IntN(7); n > 0; n-- {
		toks = append(toks, pool[g.r.IntN(len(pool))])
	}
	line := strings.Join(toks, " ")
	switch cmd {
	case "ms":
		// A data block always follows: refused requests swallow it.
		return "ms " + pool[g.r.IntN(4)] + " 2 " + strings.Join(toks[1:], " ") + "\r\nab\r\n"
	case "set", "add", "cas":
		f := func() string { return pool[g.r.IntN(len(pool))] }
		bad := []string{"-1", "x", "2147483648", "99999999999999999999"}[g.r.IntN(4)]
		line = fmt.Sprintf("%s %s %s %s %s", cmd, f(), f(), f(), bad)
		if cmd == "cas" {
			line += " " + f()
		}
		if g.r.IntN(3) == 0 {
			line += " noreply"
		}
	}
	return line + "\r\n"
}

// TestMemcacheDifferentialRandom sends random request sequences (fixed
// seeds; a failure names its seed and request) to the node and memcached
// and compares every reply byte for byte.
func TestMemcacheDifferentialRandom(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	steps := 500
	if testing.Short() {
		seeds, steps = seeds[:1], 150
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			p := newMCPair(t)
			g := &mcGen{r: rand.New(rand.NewPCG(seed, 7)), keys: []string{"k1", "k2", "k3", "n"}}
			for i := 0; i < steps && !t.Failed(); i++ {
				p.check(g.request())
			}
		})
	}
}
