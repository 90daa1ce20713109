package proxy

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/slotcache/slotcache/protocol/resp"
)

// benchMCNode is a backend that answers the internal memcached commands
// without allocating: MCGET with a hit of value "1" per key, MCSTORE with
// [STORED, 1].
func benchMCNode(b *testing.B) string {
	return scriptedNode(b, func(out []byte, args [][]byte) []byte {
		if string(args[0]) == "MCSTORE" {
			return append(out, "*2\r\n+STORED\r\n:1\r\n"...)
		}
		out = resp.AppendArrayLen(out, len(args)-1)
		for range len(args) - 1 {
			out = append(out, "*3\r\n$1\r\n1\r\n:0\r\n:1\r\n"...)
		}
		return out
	})
}

// benchMCPipeline measures one memcached client sending pipelines of depth
// requests through the proxy over three allocation-free backends.
func benchMCPipeline(b *testing.B, depth int, req, reply string) {
	nodes := []string{benchMCNode(b), benchMCNode(b), benchMCNode(b)}
	_, p := startProxy(b, StaticMap{staticMap(b, nodes)}, nil)
	nc, err := net.Dial("tcp", serveMemcache(b, p))
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	frame := []byte(strings.Repeat(req, depth))
	benchRoundTrips(b, nc, frame, bytes.Repeat([]byte(reply), depth))
}

func BenchmarkMemcacheProxyGetP1(b *testing.B) {
	benchMCPipeline(b, 1, "get a\r\n", "VALUE a 0 1\r\n1\r\nEND\r\n")
}
func BenchmarkMemcacheProxyGetP16(b *testing.B) {
	benchMCPipeline(b, 16, "get a\r\n", "VALUE a 0 1\r\n1\r\nEND\r\n")
}
func BenchmarkMemcacheProxySetP16(b *testing.B) {
	benchMCPipeline(b, 16, "set a 0 0 16\r\nxxxxxxxxxxxxxxxx\r\n", "STORED\r\n")
}

// A get over keys of three groups, split and merged.
func BenchmarkMemcacheProxyGetMultiP16(b *testing.B) {
	benchMCPipeline(b, 16, "get a b c d\r\n", "VALUE a 0 1\r\n1\r\nVALUE b 0 1\r\n1\r\nVALUE c 0 1\r\n1\r\nVALUE d 0 1\r\n1\r\nEND\r\n")
}

// BenchmarkMemcacheProxySet50Clients: 50 clients, one set in flight each.
func BenchmarkMemcacheProxySet50Clients(b *testing.B) {
	nodes := []string{benchMCNode(b), benchMCNode(b), benchMCNode(b)}
	_, p := startProxy(b, StaticMap{staticMap(b, nodes)}, nil)
	addr := serveMemcache(b, p)
	b.ReportAllocs()
	b.SetParallelism(25)
	var id atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			b.Error(err)
			return
		}
		defer nc.Close()
		frame := []byte(fmt.Sprintf("set key:%d 0 0 32\r\n%s\r\n", id.Add(1), strings.Repeat("v", 32)))
		got := make([]byte, len("STORED\r\n"))
		for pb.Next() {
			if _, err := nc.Write(frame); err != nil {
				b.Error(err)
				return
			}
			if _, err := io.ReadFull(nc, got); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
