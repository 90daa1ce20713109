package proxy

import (
	"bytes"
	"io"
	"net"
	"testing"

	"github.com/slotcache/slotcache/protocol/resp"
)

// benchNode is a backend that answers without allocating: +OK to SET,
// "$1 1" to GET and an array of those to MGET.
func benchNode(b *testing.B) string {
	return scriptedNode(b, func(out []byte, args [][]byte) []byte {
		switch args[0][0] {
		case 'S':
			return append(out, "+OK\r\n"...)
		case 'G':
			return append(out, "$1\r\n1\r\n"...)
		}
		out = resp.AppendArrayLen(out, len(args)-1)
		for range len(args) - 1 {
			out = append(out, "$1\r\n1\r\n"...)
		}
		return out
	})
}

// benchPipeline measures one client sending pipelines of depth commands
// through the proxy over three allocation-free backends; allocs/op are the
// proxy's own.
func benchPipeline(b *testing.B, depth int, reply string, cmd ...string) {
	nodes := []string{benchNode(b), benchNode(b), benchNode(b)}
	benchAccess(b, StaticMap{staticMap(b, nodes)}, nil, nil, depth, reply, cmd...)
}

// benchRoundTrips writes frame on nc and reads len(want) bytes back b.N
// times; the first replies must be want.
func benchRoundTrips(b *testing.B, nc net.Conn, frame, want []byte) {
	got := make([]byte, len(want))
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for i := range b.N {
		if _, err := nc.Write(frame); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(nc, got); err != nil {
			b.Fatal(err)
		}
		if i == 0 && !bytes.Equal(got, want) {
			b.Fatalf("replies %q, want %q", got, want)
		}
	}
}

func BenchmarkProxyGetP1(b *testing.B)  { benchPipeline(b, 1, "$1\r\n1\r\n", "GET", "a") }
func BenchmarkProxyGetP16(b *testing.B) { benchPipeline(b, 16, "$1\r\n1\r\n", "GET", "a") }
func BenchmarkProxySetP16(b *testing.B) {
	benchPipeline(b, 16, "+OK\r\n", "SET", "a", "xxxxxxxxxxxxxxxx")
}
func BenchmarkProxyMGetP16(b *testing.B) {
	benchPipeline(b, 16, "*4\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n1\r\n", "MGET", "a", "b", "c", "d")
}
func BenchmarkProxyMSetP16(b *testing.B) {
	benchPipeline(b, 16, "+OK\r\n", "MSET", "a", "1", "b", "2", "c", "3", "d", "4")
}

// BenchmarkProxyGet50Clients: 50 clients, one command in flight each, as
// redis-benchmark -c 50 -P 1.
func BenchmarkProxyGet50Clients(b *testing.B) {
	nodes := []string{benchNode(b), benchNode(b), benchNode(b)}
	addr, _ := startProxy(b, StaticMap{staticMap(b, nodes)}, nil)
	frame := resp.AppendCommand(nil, "GET", "a")
	b.ReportAllocs()
	b.SetParallelism(25)
	b.RunParallel(func(pb *testing.PB) {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			b.Error(err)
			return
		}
		defer nc.Close()
		got := make([]byte, 7)
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
