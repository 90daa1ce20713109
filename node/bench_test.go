package node_test

import (
	"bufio"
	"net"
	"strconv"
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
)

// benchPipelined sends b.N commands built by mk over one loopback connection
// to an in-process node, depth commands per round trip.
func benchPipelined(b *testing.B, depth int, mk func(buf []byte, i int) []byte) {
	addr, _ := nodetest.StartNode(b, nil)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	rd := resp.NewReader(bufio.NewReader(conn), resp.Limits{})
	// Preload the keys GET reads.
	var out []byte
	for i := range 1000 {
		out = resp.AppendCommand(out, "SET", key(i), "01234567890123456789012345678901")
	}
	if _, err := conn.Write(out); err != nil {
		b.Fatal(err)
	}
	for range 1000 {
		if v, err := rd.ReadReply(); err != nil || v.IsError() {
			b.Fatal(v, err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += depth {
		out = out[:0]
		n := min(depth, b.N-i)
		for j := range n {
			out = mk(out, i+j)
		}
		if _, err := conn.Write(out); err != nil {
			b.Fatal(err)
		}
		for range n {
			if v, err := rd.ReadReply(); err != nil || v.IsError() {
				b.Fatal(v, err)
			}
		}
	}
}

func key(i int) string { return "key:" + strconv.Itoa(100000000000+i%1000) }

func getCmd(buf []byte, i int) []byte { return resp.AppendCommand(buf, "GET", key(i)) }

func setCmd(buf []byte, i int) []byte {
	return resp.AppendCommand(buf, "SET", key(i), "01234567890123456789012345678901")
}

func BenchmarkNodeGet(b *testing.B)           { benchPipelined(b, 1, getCmd) }
func BenchmarkNodeGetPipeline16(b *testing.B) { benchPipelined(b, 16, getCmd) }
func BenchmarkNodeSet(b *testing.B)           { benchPipelined(b, 1, setCmd) }
func BenchmarkNodeSetPipeline16(b *testing.B) { benchPipelined(b, 16, setCmd) }
