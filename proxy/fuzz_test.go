package proxy

import (
	"bytes"
	"iter"
	"net"
	"strings"
	"testing"

	"github.com/slotcache/slotcache/protocol/resp"
	"github.com/slotcache/slotcache/router"
)

func FuzzParseRedirect(f *testing.F) {
	for _, s := range []string{"-MOVED 3999 127.0.0.1:6381\r\n", "-ASK 1 h:1\r\n", "-MOVED 16384 a:1\r\n",
		"-MOVED 1 :6379\r\n", "-MOVED x y\r\n", "-ASK\r\n", "-MOVED 5  \r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ask, addr, ok := parseRedirect(b)
		if !ok {
			return
		}
		if addr == "" || strings.ContainsAny(addr, " \r\n") || ask != bytes.HasPrefix(b, []byte("-ASK ")) {
			t.Fatalf("parseRedirect(%q) = %v %q", b, ask, addr)
		}
	})
}

// fuzzSession is a session whose table has three groups and no backends:
// it runs the proxy's dispatch and merge code without the network.
func fuzzSession() *session {
	p := &Proxy{cfg: DefaultConfig(), src: StaticMap{}, clients: map[uint64]*session{}, pools: map[string]*router.Pool{}}
	p.slowlog.max = 8
	c1, c2 := net.Pipe()
	c2.Close()
	s := newSession(p, c1, 1)
	t := &table{groups: make([]groupRoute, 4)}
	for i := range t.slot {
		t.slot[i] = uint16(1 + i%3)
	}
	p.route.Store(t) // the source's nil map: begin keeps this table
	return s
}

// checkReplies fails unless out is exactly n complete RESP replies.
func checkReplies(t *testing.T, out []byte, n int, what any) {
	t.Helper()
	for i := range n {
		m, err := resp.ScanReply(out, resp.DefaultMaxBulkLen)
		if err != nil || m == 0 {
			t.Fatalf("%v: reply %d of %d malformed: %q (%v)", what, i, n, out, err)
		}
		out = out[m:]
	}
	if len(out) != 0 {
		t.Fatalf("%v: %d trailing bytes %q", what, len(out), out)
	}
}

// fuzzCommands yields the commands of in, one per non-blank line with its
// arguments split on spaces, at most 64.
func fuzzCommands(in string) iter.Seq[[][]byte] {
	return func(yield func([][]byte) bool) {
		n := 0
		for line := range strings.SplitSeq(in, "\n") {
			fields := strings.Fields(line)
			if len(fields) == 0 {
				continue
			}
			if n++; n > 64 {
				return
			}
			args := make([][]byte, len(fields))
			for i, a := range fields {
				args[i] = []byte(a)
			}
			if !yield(args) {
				return
			}
		}
	}
}

// FuzzDispatch runs commands (one per line, arguments split on spaces)
// through dispatch and reply assembly; every command must get exactly one
// well-formed reply.
func FuzzDispatch(f *testing.F) {
	for _, s := range []string{
		"PING\nECHO x\nSELECT 0\nSELECT 1\nCLIENT SETNAME a\nCLIENT GETNAME\nCLIENT LIST",
		"MGET a b c d\nMSET a 1 b 2\nDEL a b\nEXISTS x\nMSET a",
		"SCAN 0\nSCAN 1025 COUNT 5\nSCAN x\nSCAN 99999999999999999999",
		"KEYS *\nDBSIZE\nINFO\nINFO all\nINFO proxy keyspace\nRANDOMKEY\nFLUSHALL",
		"HELLO\nHELLO 2 SETNAME x\nHELLO 3\nHELLO 2 AUTH default pw\nAUTH x\nAUTH a b",
		"SLOWLOG GET\nSLOWLOG GET -1\nSLOWLOG LEN\nSLOWLOG RESET\nSLOWLOG HELP\nSLOWLOG x",
		"RENAME a b\nRENAME {a}1 {a}2\nBLPOP a 0\nMONITOR\nCONFIG SET a b\nCONFIG GET x\nQUIT",
		"EVAL x 2 a b\nZUNIONSTORE d 2 a b\nGET\nNOSUCH",
		"MULTI\nSET a 1\nSET b 2\nGET\nMULTI\nEXEC\nEXEC\nDISCARD\nWATCH a b\nWATCH {a}1\nUNWATCH",
		"SUBSCRIBE a b\nPSUBSCRIBE *\nSSUBSCRIBE\nPUBLISH a m\nSPUBLISH\nPUBSUB NUMSUB a\nPUBSUB CHANNELS\nPUBSUB NUMPAT",
		"BRPOP a b 1\nBLMPOP 0 2 a {a}b LEFT\nBZMPOP x\nBLMOVE a {a}b LEFT RIGHT 0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s := fuzzSession()
		s.begin()
		n := 0
		for args := range fuzzCommands(in) {
			s.handle(args)
			n++
			if s.quit || s.st.held != nil {
				break
			}
		}
		s.finish(0)
		if fn := s.st.held; fn != nil { // runs after the batch, as in serve
			s.st.held = nil
			mark := len(s.out.Buf)
			fn()
			if s.st.aw != nil { // subscribed: replies go through the writer
				s.out.Buf = s.out.Buf[:mark]
				n--
			}
		}
		s.closeState()
		checkReplies(t, s.out.Buf, n, in)
	})
}

// FuzzMerge feeds arbitrary backend replies to the merge rules: the result
// is one well-formed reply, never a panic.
func FuzzMerge(f *testing.F) {
	f.Add(uint8(opMGet), []byte("*2\r\n$1\r\na\r\n$-1\r\n"), []byte("*1\r\n$1\r\nb\r\n"))
	f.Add(uint8(opSum), []byte(":3\r\n"), []byte(":-1\r\n"))
	f.Add(uint8(opConcat), []byte("*1\r\n$1\r\nk\r\n"), []byte("*0\r\n"))
	f.Add(uint8(opRandomKey), []byte("$-1\r\n"), []byte("$1\r\nk\r\n"))
	f.Add(uint8(opScan), []byte("*2\r\n$2\r\n17\r\n*1\r\n$1\r\nk\r\n"), []byte("+OK\r\n"))
	f.Add(uint8(opInfo), []byte("$30\r\n# Keyspace\r\ndb0:keys=3,expires=1\r\n"), []byte("$0\r\n\r\n"))
	f.Add(uint8(opAllOK), []byte("+OK\r\n"), []byte("-ERR x\r\n"))
	f.Add(uint8(8), []byte("*2\r\n$1\r\na\r\n$1\r\nb\r\n"), []byte("*1\r\n$1\r\na\r\n"))
	f.Add(uint8(9), []byte("*2\r\n$1\r\na\r\n:2\r\n"), []byte("*2\r\n$1\r\na\r\n:1\r\n"))
	f.Add(uint8(10), []byte(":2\r\n"), []byte(":5\r\n"))
	f.Fuzz(func(t *testing.T, o uint8, r1, r2 []byte) {
		ops := []op{opForward, opSum, opAllOK, opMGet, opConcat, opRandomKey, opScan, opInfo, opUnion, opNumsub, opMax}
		op := ops[int(o)%len(ops)]
		if n, err := resp.ScanReply(r1, 1<<20); err != nil || n == 0 || n != len(r1) {
			return // the backend connection only hands over complete replies
		}
		if n, err := resp.ScanReply(r2, 1<<20); err != nil || n == 0 || n != len(r2) {
			return
		}
		s := fuzzSession()
		s.begin()
		s.reqs = []*router.Request{{Reply: r1}, {Reply: r2}}
		s.nreq = 2
		s.aux = []int32{0, 1, 0, 1, 1}
		c := call{op: op, r0: 0, nr: 2, a0: 0, a1: 5}
		if op == opScan || op == opInfo {
			c.nr, c.a1 = 1, 1
		}
		s.calls = append(s.calls, c)
		s.finish(0)
		checkReplies(t, s.out.Buf, 1, []any{op, r1, r2})
	})
}
