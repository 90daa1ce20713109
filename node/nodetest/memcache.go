package nodetest

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// StartMemcached starts Debian's memcached on a free loopback port, TCP
// only, and returns its address. It is killed when the test ends.
func StartMemcached(t testing.TB, extra ...string) string {
	t.Helper()
	bin := RequirePeer(t, "memcached")
	port := FreePort(t)
	args := append([]string{"-p", strconv.Itoa(port), "-U", "0", "-l", "127.0.0.1", "-u", "nobody"}, extra...)
	addr := startPeer(t, bin, port, args)
	WaitMemcached(t, addr)
	return addr
}

// WaitMemcached polls addr with "version" until it answers (or 10 s pass).
func WaitMemcached(t testing.TB, addr string) {
	t.Helper()
	waitAnswer(t, addr, "version\r\n", func(line string) bool { return strings.HasPrefix(line, "VERSION") })
}

// MCConn is a raw memcached connection for tests.
type MCConn struct {
	t    testing.TB
	Conn net.Conn
	Addr string
}

func DialMC(t testing.TB, addr string) *MCConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &MCConn{t: t, Conn: c, Addr: addr}
}

// Do sends req followed by "mn" and returns everything the server sent
// before the MN that answers it (or before it closed the connection,
// marked by a trailing "<closed>"). Requests must not carry data lines
// starting with "mn".
func (c *MCConn) Do(req string) string {
	c.t.Helper()
	want := 1
	for _, line := range strings.Split(req, "\n") {
		if line == "mn\r" || line == "mn" || strings.HasPrefix(line, "mn ") {
			want++
		}
	}
	c.Conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Conn.Write([]byte(req + "mn\r\n")); err != nil {
		return "<write error>"
	}
	var out []byte
	buf := make([]byte, 64<<10)
	for CountMN(out) < want {
		n, err := c.Conn.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return string(out) + "<closed>"
		}
		if err != nil {
			c.t.Fatalf("%s: %q: %v (read %q)", c.Addr, req, err, out)
		}
	}
	return string(out[:len(out)-4])
}

// CountMN counts the MN lines in out.
func CountMN(out []byte) int {
	n := 0
	for i := 0; i+4 <= len(out); i++ {
		if (i == 0 || out[i-1] == '\n') && string(out[i:i+4]) == "MN\r\n" {
			n++
		}
	}
	return n
}

// Clip quotes s for a failure message, shortening long runs.
func Clip(s string) string {
	if len(s) > 300 {
		return strconv.Quote(s[:200]) + fmt.Sprintf("...(%d bytes)...", len(s)-280) + strconv.Quote(s[len(s)-80:])
	}
	return strconv.Quote(s)
}

// MCHistory is how many earlier requests a failure message shows.
var MCHistory = 12

// MCPair sends the same bytes to a slotcache server (Node: a node or a
// proxy) and to memcached.
type MCPair struct {
	// Normalize, when set, rewrites both replies before they are compared.
	Normalize  func(string) string
	t          testing.TB
	Node, Real *MCConn
	history    []string // the requests sent, for failure messages
}

// Check sends req to both servers and fails the test when the replies
// differ byte for byte. It returns the node's reply.
func (p *MCPair) Check(req string) string {
	p.t.Helper()
	got, want := p.Node.Do(req), p.Real.Do(req)
	if p.Normalize != nil {
		got, want = p.Normalize(got), p.Normalize(want)
	}
	p.history = append(p.history, req)
	if got != want {
		var after []string
		for _, h := range p.history[max(0, len(p.history)-MCHistory) : len(p.history)-1] {
			after = append(after, Clip(h))
		}
		p.t.Errorf("request %s:\n  slotcache: %s\n  memcached: %s\n  after: %s", Clip(req), Clip(got), Clip(want), strings.Join(after, " "))
	}
	return got
}

// MCGen generates random memcached requests over a few keys, avoiding
// time-dependent replies (remaining TTLs, last-access ages): exptimes are
// 0, negative or past. mg's h flag is left out: whether memcached's incr
// rewrites an item in place (keeping its fetched bit) depends on
// references its background threads hold.
type MCGen struct {
	R    *rand.Rand
	Keys []string
	N    int
	// NoCasMatch keeps CAS operands away from the small numbers a server
	// hands out, for servers whose CAS sequences differ (a proxy over
	// several nodes): CAS operations then fail alike everywhere.
	NoCasMatch bool
}

func (g *MCGen) key() string { return g.Keys[g.R.IntN(len(g.Keys))] }

func (g *MCGen) exptime() string {
	return []string{"0", "0", "0", "-1", "1000000000", "0"}[g.R.IntN(6)]
}

func (g *MCGen) value() string {
	switch g.R.IntN(5) {
	case 0:
		return ""
	case 1, 2:
		return fmt.Sprint(g.R.Uint64N(1000))
	case 3:
		return fmt.Sprint(g.R.Uint64())
	}
	return g.text()
}

// text returns a value that is not a number. It starts with a letter:
// memcached's incr parses a value with strtoull, which skips leading white
// space and, on a value made only of it, reads on past the item's bytes.
// Appending text (never digits) also keeps numbers from growing leading
// zeros, which an incr would then shorten: whether memcached rewrites such
// a number in place depends on references its other threads hold.
func (g *MCGen) text() string {
	b := make([]byte, g.R.IntN(8)+1)
	b[0] = 'a'
	for i := 1; i < len(b); i++ {
		const alphabet = "abc 12\x00\x01\r\nxyz"
		b[i] = alphabet[g.R.IntN(len(alphabet))]
	}
	return string(b)
}

func (g *MCGen) cas() string {
	switch g.R.IntN(4) {
	case 0:
		return "0"
	case 1:
		return fmt.Sprint(g.R.Uint64())
	}
	if g.NoCasMatch {
		return fmt.Sprint(1<<40 + g.R.IntN(1000))
	}
	return fmt.Sprint(g.R.IntN(g.N + 2))
}

func (g *MCGen) noreply() string {
	if g.R.IntN(5) == 0 {
		return " noreply"
	}
	return ""
}

// metaFlags picks a random subset of flags, in random order.
func (g *MCGen) metaFlags(pool []string) string {
	var out []string
	for _, i := range g.R.Perm(len(pool)) {
		if g.R.IntN(3) == 0 {
			out = append(out, pool[i])
		}
	}
	if len(out) == 0 {
		return ""
	}
	return " " + strings.Join(out, " ")
}

func (g *MCGen) Request() string {
	g.N++
	k := g.key()
	switch g.R.IntN(20) {
	case 0, 1, 2:
		v := g.value()
		cmd := []string{"set", "add", "replace", "append", "prepend"}[g.R.IntN(5)]
		if cmd == "append" || cmd == "prepend" {
			v = g.text()
		}
		return fmt.Sprintf("%s %s %d %s %d%s\r\n%s\r\n", cmd, k, g.R.IntN(3)*7, g.exptime(), len(v), g.noreply(), v)
	case 3:
		v := g.value()
		return fmt.Sprintf("cas %s %d %s %d %s%s\r\n%s\r\n", k, g.R.IntN(2), g.exptime(), len(v), g.cas(), g.noreply(), v)
	case 4, 5:
		cmd := []string{"get", "gets"}[g.R.IntN(2)]
		return fmt.Sprintf("%s %s %s %s\r\n", cmd, k, g.key(), g.key())
	case 6:
		cmd := []string{"gat", "gats"}[g.R.IntN(2)]
		return fmt.Sprintf("%s %s %s %s\r\n", cmd, []string{"0", "-1"}[g.R.IntN(2)], k, g.key())
	case 7:
		return fmt.Sprintf("touch %s %s%s\r\n", k, g.exptime(), g.noreply())
	case 8:
		return fmt.Sprintf("delete %s%s\r\n", k, g.noreply())
	case 9:
		// No decrements that shorten a number: memcached rewrites it in
		// place (space padded) unless another thread holds the item at
		// that moment, which a test cannot control.
		if g.R.IntN(2) == 0 {
			return fmt.Sprintf("decr %s %s%s\r\n", k, []string{"0", "-1", "x"}[g.R.IntN(3)], g.noreply())
		}
		delta := []string{"0", "1", "7", "-1", "x"}[g.R.IntN(5)]
		return fmt.Sprintf("incr %s %s%s\r\n", k, delta, g.noreply())
	case 10:
		if g.R.IntN(4) == 0 {
			return "flush_all" + g.noreply() + "\r\n"
		}
		return "mn\r\n"
	case 11, 12:
		if g.R.IntN(4) == 0 { // expire it (no t: its TTL would be negative)
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
		return "ma " + k + g.metaFlags([]string{"N0", "J" + fmt.Sprint(g.R.IntN(100)), "D" + fmt.Sprint(g.R.IntN(5)), "MI", "q", "v", "c", "t", "k", "O5"}) + "\r\n"
	case 18:
		return "mg a2V5 b" + g.metaFlags([]string{"v", "k", "c", "q"}) + "\r\n"
	case 19:
		if g.R.IntN(2) == 0 {
			return g.malformed()
		}
	}
	// A few requests pipelined in one write.
	return g.Request() + g.Request() + g.Request()
}

// malformed builds a request line from random tokens. Storage commands get
// a length no server accepts (text) or their data block (ms), so that no
// server waits for data.
func (g *MCGen) malformed() string {
	pool := []string{"k1", "n", strings.Repeat("k", 250), strings.Repeat("k", 251), "0", "-1", "x", "+3",
		"18446744073709551616", "4294967296", "2147483648", "noreply", "1", "v", "q", "k", "b", "T-1", "Tx",
		"N0", "O" + strings.Repeat("o", 33), "MX", "C", "D-1", "J", "I", "c", "c"}
	cmds := []string{"get", "gets", "gat", "gats", "touch", "incr", "decr", "delete", "flush_all", "verbosity",
		"version", "mg", "md", "ma", "me", "mn", "set", "add", "cas", "ms", "bogus", "GET", "g", ""}
	cmd := cmds[g.R.IntN(len(cmds))]
	toks := []string{cmd}
	for n := g.R.IntN(7); n > 0; n-- {
		toks = append(toks, pool[g.R.IntN(len(pool))])
	}
	line := strings.Join(toks, " ")
	switch cmd {
	case "ms":
		// A data block always follows: refused requests swallow it.
		return "ms " + pool[g.R.IntN(4)] + " 2 " + strings.Join(toks[1:], " ") + "\r\nab\r\n"
	case "set", "add", "cas":
		f := func() string { return pool[g.R.IntN(len(pool))] }
		bad := []string{"-1", "x", "2147483648", "99999999999999999999"}[g.R.IntN(4)]
		line = fmt.Sprintf("%s %s %s %s %s", cmd, f(), f(), f(), bad)
		if cmd == "cas" {
			line += " " + f()
		}
		if g.R.IntN(3) == 0 {
			line += " noreply"
		}
	}
	return line + "\r\n"
}

// NewMCPair returns a pair comparing the memcached server at addr with a
// real memcached started for the test.
func NewMCPair(t testing.TB, addr string) *MCPair {
	t.Helper()
	real := StartMemcached(t)
	return &MCPair{t: t, Node: DialMC(t, addr), Real: DialMC(t, real)}
}

var (
	reValueCas = regexp.MustCompile(`(?m)^(VALUE \S+ \d+ \d+) \d+\r$`)
	reMetaCas  = regexp.MustCompile(` c\d+`)
	reMeCas    = regexp.MustCompile(`cas=\d+`)
)

// MaskCAS replaces the CAS values of a reply (gets lines, the meta c flag,
// me's cas=) with "?", for comparing servers whose CAS sequences differ.
func MaskCAS(s string) string {
	s = reValueCas.ReplaceAllString(s, "$1 ?\r")
	s = reMetaCas.ReplaceAllString(s, " c?")
	return reMeCas.ReplaceAllString(s, "cas=?")
}
