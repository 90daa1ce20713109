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

// hsetCmd writes a 10-field hash per key, 1000 keys round robin.
func hsetCmd(buf []byte, i int) []byte {
	return resp.AppendCommand(buf, "HSET", "h"+key(i), "f0", "value-0", "f1", "value-1", "f2", "value-2",
		"f3", "value-3", "f4", "value-4", "f5", "value-5", "f6", "value-6", "f7", "value-7", "f8", "value-8",
		"f9", "value-9")
}

// hgetCmd reads one field of the hashes hsetCmd writes (nil until written).
func hgetCmd(buf []byte, i int) []byte { return resp.AppendCommand(buf, "HGET", "h"+key(i), "f7") }

// zaddCmd adds members to one growing sorted set.
func zaddCmd(buf []byte, i int) []byte {
	return resp.AppendCommand(buf, "ZADD", "bench:zset", strconv.Itoa(i%100000), "m:"+strconv.Itoa(i))
}

// zscoreCmd reads scores of members zaddCmd may have added.
func zscoreCmd(buf []byte, i int) []byte {
	return resp.AppendCommand(buf, "ZSCORE", "bench:zset", "m:"+strconv.Itoa(i))
}

func BenchmarkNodeHSetPipeline16(b *testing.B)   { benchPipelined(b, 16, hsetCmd) }
func BenchmarkNodeHGetPipeline16(b *testing.B)   { benchPipelined(b, 16, hgetCmd) }
func BenchmarkNodeZAddPipeline16(b *testing.B)   { benchPipelined(b, 16, zaddCmd) }
func BenchmarkNodeZScorePipeline16(b *testing.B) { benchPipelined(b, 16, zscoreCmd) }
