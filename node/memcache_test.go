package node_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/slotcache/slotcache/node"
	"github.com/slotcache/slotcache/node/nodetest"
)

// startMCNode starts a node serving RESP and memcached on free loopback
// ports; it returns the memcached and RESP addresses.
func startMCNode(t testing.TB, mutate func(*node.Config)) (mcAddr, respAddr string, srv *node.Server) {
	t.Helper()
	respAddr, srv = nodetest.StartNode(t, mutate)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.ServeMemcache(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String(), respAddr, srv
}

// newMCPair compares a node's memcached listener with memcached.
func newMCPair(t testing.TB) *nodetest.MCPair {
	t.Helper()
	mc, _, _ := startMCNode(t, nil)
	return nodetest.NewMCPair(t, mc)
}

func TestMemcacheDifferentialText(t *testing.T) {
	p := newMCPair(t)
	for _, req := range []string{
		"set a 0 0 1\r\nx\r\n", "get a\r\n", "gets a\r\n", "get a b a\r\n",
		"add a 0 0 1\r\ny\r\n", "add b 7 0 2\r\nbb\r\n", "gets a b\r\n",
		"replace c 0 0 1\r\nc\r\n", "replace a 3 0 2\r\nzz\r\n", "gets a\r\n",
		"append a 9 0 3\r\nAPP\r\n", "prepend a 9 0 3\r\nPRE\r\n", "gets a\r\n",
		"append nope 0 0 1\r\nx\r\n", "prepend nope 0 0 1\r\nx\r\n",
		"cas a 0 0 1 999\r\nq\r\n", "cas a 0 0 1 0\r\nq\r\n", "cas nope 0 0 1 1\r\nq\r\n",
		"gets a\r\n", "cas a 5 0 2 6\r\nok\r\n", "gets a\r\n",
		"touch a 0\r\n", "touch nope 0\r\n", "touch a -1\r\n", "get a\r\n",
		"set a 0 -1 1\r\nx\r\n", "get a\r\n", "set a 0 1000000000 1\r\nx\r\n", "get a\r\n",
		"gat 0 b\r\n", "gats 0 b nope\r\n", "gat -1 b\r\n", "get b\r\n",
		"delete nope\r\n", "set d 0 0 1\r\nd\r\n", "delete d\r\n", "delete d\r\n",
		"delete d 0\r\n", "delete d 5\r\n", "delete d noreply\r\n", "delete d 0 noreply\r\n", "delete d 1 noreply\r\n",
		"set n 0 0 2\r\n10\r\n", "incr n 5\r\n", "decr n 100\r\n", "incr n 18446744073709551615\r\n",
		"set n 0 0 20\r\n18446744073709551615\r\n", "incr n 1\r\n", "get n\r\n", "gets n\r\n",
		"set n 0 0 3\r\n100\r\n", "decr n 1\r\n", "get n\r\n", "incr n 1000\r\n", "get n\r\n",
		"set n 0 0 3\r\n 12\r\n", "incr n 1\r\n", "set n 0 0 3\r\n12a\r\n", "incr n 1\r\n",
		"set n 0 0 0\r\n\r\n", "incr n 1\r\n", "set n 0 0 2\r\n+5\r\nincr n 1\r\n", "set n 0 0 2\r\n-0\r\nincr n 3\r\n",
		"set n 0 0 2\r\n-5\r\nincr n 1\r\n", "set n 0 0 6\r\n12 abc\r\nincr n 1\r\nget n\r\n", "set n 0 0 3\r\n1\x002\r\nincr n 1\r\n", "incr nope 1\r\n", "decr nope 1\r\n",
		"incr n -1\r\n", "incr n abc\r\n", "incr n 18446744073709551616\r\n",
		"set q 0 0 1 noreply\r\nq\r\n", "get q\r\n", "add q 0 0 1 noreply\r\nq\r\n",
		"incr q 1 noreply\r\n", "touch q 0 noreply\r\n", "delete q noreply\r\n", "get q\r\n",
		"set a 4294967296 0 1\r\nx\r\n", "get a\r\n", "set a 4294967295 0 1\r\nx\r\n", "get a\r\n",
		"set a -1 0 1\r\nx\r\n", "set a 1x 0 1\r\nx\r\n", "set a 0 0 -1\r\n", "set a 0 0 2147483648\r\n",
		"set a 0 2147483648 1\r\nx\r\n", "get a\r\n", "set a 00 +5 1\r\nx\r\n", "get a\r\n",
		"set  a  0 0 1 \r\nx\r\n", "set a 0 0 1 foo\r\nx\r\n", "set a 0 0 1 noreply extra\r\nx\r\n",
		"set a 0 0 2\r\nxyz\r\n", "get a\r\n", "set a 0 0 1\nx\nget a\n", "get a\n",
		"set a 0 0 1\r\nx\r\nget a\n", "get a b\n",
		"get " + strings.Repeat("k", 251) + "\r\n", "get a " + strings.Repeat("k", 251) + "\r\n",
		"set " + strings.Repeat("k", 251) + " 0 0 1\r\nx\r\n", "get " + strings.Repeat("k", 250) + "\r\n",
		"set k\x01\x7f 0 0 1\r\nx\r\n", "get k\x01\x7f\r\n", "set t\tab 0 0 1\r\nx\r\nget t\tab\r\nget t\r\n",
		"set r\rs 0 0 1\r\nx\r\nget r\rs\r\n", "get \xff\xfe\r\n", "set a\t0 0 1\r\n", "set a 0\t0 0 1\r\nx\r\n",
		"incr a 5\t\r\n", "\x80\x01\x00\x00\r\n", "get\r\n", "gets\r\n", "gat 0\r\n", "gat x a\r\n",
		"bogus\r\n", "\r\n", "x\r\n", "GET a\r\n", "set a 0 0\r\n", "set a 0 0 1 2 3\r\n",
		"incr a\r\n", "touch a\r\n", "delete\r\n", "delete a b c d\r\n", "cas a 0 0 1\r\n",
		"verbosity\r\n", "verbosity 1\r\n", "verbosity x\r\n", "verbosity 1 noreply\r\n",
		"version\r\n", "flush_all foo bar\r\n", "flush_all 0 noreply\r\n", "flush_all\r\n", "get a b n\r\n",
		"set f 0 0 1\r\nf\r\n", "flush_all noreply\r\n", "get f\r\n", "flush_all -5\r\n",
		"set f 0 0 1\r\nf\r\n", "gets f\r\n", "shutdown\r\n", "stats detail\r\n", "stats bogus\r\n",
		"get a\x00b\r\n", "set a 0 0 1\r\r\nx\r\n", "get " + strings.Repeat("a ", 30) + "\r\n",
		"set 0 0 0 1\r\nx\r\n",
		"set m7 3 0 2\r\nm7\r\nset m33 0 0 3\r\nm33\r\ngats 0" + manyKeys(60) + "\r\nget" + manyKeys(17) + "\r\n",
		"set big 0 0 1048516\r\n" + strings.Repeat("x", 1048516) + "\r\n", "gets big\r\n",
		"set big 0 0 1048517\r\n" + strings.Repeat("x", 1048517) + "\r\n", "get big\r\n",
		"set big 1 0 1048513\r\n" + strings.Repeat("x", 1048513) + "\r\n",
		"add big 0 0 2000000 noreply\r\n" + strings.Repeat("x", 2000000) + "\r\n",
		"set big2 0 0 1024\r\n" + strings.Repeat("y", 1024) + "\r\n",
		"append big2 0 0 1047492\r\n" + strings.Repeat("x", 1047492) + "\r\n", "gets big2\r\n",
		"append big2 0 0 1047491\r\n" + strings.Repeat("x", 1047491) + "\r\n",
	} {
		p.Check(req)
	}
	// A pipeline longer than the node's batch (128 requests per lock
	// acquisition) is answered in order.
	var pipe strings.Builder
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&pipe, "set p%d 0 0 %d noreply\r\n%d\r\nincr p%d 1\r\nmg p%d v c\r\n", i, len(fmt.Sprint(i)), i, i, i)
	}
	p.Check(pipe.String())
	p.Check("quit\r\nget a\r\n")
}

// manyKeys returns " m0 m1 ... m<n-1>".
func manyKeys(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, " m%d", i)
	}
	return b.String()
}

func TestMemcacheDifferentialMeta(t *testing.T) {
	p := newMCPair(t)
	for _, req := range []string{
		"mg\r\n", "mg a\r\n", "mg a v\r\n", "mg a k O123 q\r\n", "mg a k O1\r\n", "mn\r\n",
		"set a 5 0 2\r\nhi\r\n", "mg a v f c s t k h O123 q\r\n", "mg a k v\r\n", "mg a h\r\n", "mg a\r\n",
		"mg a zz\r\n", "mg a v v\r\n", "mg a E5\r\n", "mg a O" + strings.Repeat("o", 32) + "\r\n",
		"mg a O" + strings.Repeat("o", 31) + "\r\n", "mg " + strings.Repeat("k", 251) + " v\r\n",
		"mg a v f c s t k h O1 q b\r\n", "mg a " + strings.Repeat("v ", 19) + "\r\n", "mg a c f s k v t h O2 u\r\n",
		"ms a 2\r\nhi\r\n", "ms a 2 c k O9 F3\r\nhi\r\n", "mg a t f v c\r\n",
		"ms a 2 q\r\nhi\r\n", "ms a 2 MX\r\nhi\r\n", "ms a\r\n", "ms a xx\r\nhi\r\n", "ms a 2 MEE\r\nhi\r\n",
		"ms a 2 ME c\r\nhi\r\n", "ms new 2 ME c\r\nhi\r\n", "ms a 3 MA c\r\n-ap\r\n", "ms a 3 MP c\r\npr-\r\n", "mg a v c\r\n",
		"ms nope 1 MA c\r\nx\r\n", "ms nope 1 MR c\r\nx\r\n", "ms a 1 MR c F7\r\nr\r\n", "mg a v f c\r\n",
		"ms a 1 C1 c\r\nx\r\n", "ms nope 1 C1 c\r\nx\r\n", "ms a 1 MS C0 c\r\nx\r\n", "ms a 1 q k\r\nx\r\n",
		"ms a 2 T-1\r\nhi\r\n", "mg a v\r\n", "ms a 2 Tx\r\nhi\r\n", "ms a 2 Fx\r\nhi\r\n", "ms a 2 Cx\r\nhi\r\n",
		"ms a 2 O" + strings.Repeat("o", 32) + "\r\nhi\r\n", "ms a 2 zz\r\nhi\r\n", "ms a 2 c c\r\nhi\r\n",
		"ms a 2 I\r\nhi\r\n", "ms a 2\r\nhiX\r\n", "ms a 2 q\r\nhiX\r\n", "ms a -1\r\n", "ms a 2 MSS\r\nhi\r\n",
		"ms big 1048516\r\n" + strings.Repeat("x", 1048516) + "\r\n", "ms big 1048517 T0\r\n" + strings.Repeat("x", 1048517) + "\r\n", "mg big s\r\n",
		"md a q\r\n", "md a\r\n", "md a C5 q\r\n", "md a zz\r\n", "md a v v\r\n", "md\r\n", "md " + strings.Repeat("k", 251) + "\r\n",
		"ms d 1\r\nd\r\n", "md d O5 k\r\n", "ms d 1 c\r\nd\r\n", "md d C1 O5\r\n", "mg d c\r\n",
		"md d I\r\n", "mg d v c\r\n", "mg d v c\r\n", "md d I q\r\n", "mg d c\r\n", "ms d 1 C1 I c\r\nx\r\n", "mg d v c\r\n",
		"ma n\r\n", "ma n q\r\n", "ma n N0 J10 v c t\r\n", "ma n MD D3 v\r\n", "ma n v k O7\r\n", "ma n MI D100 c v\r\n",
		"ma n M- D1000 v\r\n", "ma n MX\r\n", "ma n Dx\r\n", "ma n Jx N0\r\n", "ma n C1 v\r\n", "ma n q\r\n", "ma n q v\r\n",
		"ma nope q\r\n", "ms s 1\r\nx\r\n", "ma s v\r\n", "ma s N0 v\r\n",
		"mg viv N30 s c v\r\n", "mg viv N30 s c v\r\n", "mg viv c\r\n",
		"ms ttl 1 T-1\r\nx\r\n", "mg ttl v\r\n",
		"mg YWJj b k v\r\n", "ms YWJj 1 b k c\r\nx\r\n", "mg YWJj b k v\r\n", "mg abc k v\r\n", "md YWJj b k q\r\n", "mg abc v\r\n",
		"mg !!!! b v\r\n", "ma YWJj b k N0 J5 v\r\n", "me YWJj b\r\n", "me nope\r\n", "me\r\n", "mx a\r\n", "m\r\n",
		"mn\r\n", "mn extra\r\n",
		"ms a 2 S2\r\nhi\r\n", "mg a P L v\r\n", "ms !!! 2 b\r\nhi\r\n", "md !!! b\r\n", "ma !!! b\r\n", "mg a l x\r\n",
		"ms a 2 F4294967296 c\r\nhi\r\nmg a f\r\n", "ms a 2 F-1\r\nhi\r\n", "ma a D18446744073709551616\r\n", "mg a " + strings.Repeat("v ", 17) + "\r\n",
		"ms a 2 " + strings.Repeat("c ", 17) + "\r\nhi\r\n", "mg a O1 O2\r\n", "ms a 0\r\n\r\nmg a v s\r\n",
		// Recache tokens: a TTL under R wins once (W), then Z.
		"ms r 1 T100\r\nx\r\nmg r R30 c\r\nmg r R300 c\r\nmg r R300 c v\r\nmg r h\r\nmg r h\r\n",
		"ms r2 1 T0\r\nx\r\nmg r2 R300 c\r\nmd r2 I q\r\nmg r2 c\r\nmg r2 c\r\nms r2 1 I C1 c\r\ny\r\nmg r2 v c\r\n",
		"mg viv2 N0 R30 c s\r\nmg viv2 N0 c s\r\nms viv2 1 c\r\nz\r\nmg viv2 c\r\n",
		// An item an mg reply still references is not rewritten in place
		// by a pipelined decr.
		"set p 0 0 2\r\n10\r\nmg p v\r\ndecr p 7\r\nget p\r\n",
		"set p 0 0 2\r\n10\r\nget p\r\ndecr p 7\r\nget p\r\n",
	} {
		p.Check(req)
	}
}

// TestMemcacheFlushDelay checks flush_all with a delay and that a flushed
// item is gone for every command.
func TestMemcacheFlushAll(t *testing.T) {
	p := newMCPair(t)
	p.Check("set a 0 0 1\r\na\r\nset b 0 0 1\r\nb\r\n")
	p.Check("flush_all 2000000000\r\n") // far future: nothing yet
	p.Check("get a b\r\n")
	p.Check("flush_all\r\n")
	p.Check("get a b\r\nincr a 1\r\ntouch b 0\r\nappend a 0 0 1\r\nx\r\nadd a 0 0 1\r\nA\r\ngets a\r\n")
}
