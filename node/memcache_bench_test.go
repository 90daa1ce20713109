package node_test

import (
	"bufio"
	"bytes"
	"net"
	"strconv"
	"testing"
)

// benchMemcache sends b.N memcached requests built by mk over one loopback
// connection to addr, depth requests per round trip, and reads replies
// until each round trip's last one (the reply of a trailing mn).
func benchMemcache(b *testing.B, addr string, depth int, mk func(buf []byte, i int) []byte) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	rd := bufio.NewReaderSize(conn, 64<<10)
	roundTrip := func(out []byte) {
		out = append(out, "mn\r\n"...)
		if _, err := conn.Write(out); err != nil {
			b.Fatal(err)
		}
		for {
			line, err := rd.ReadSlice('\n')
			if err != nil {
				b.Fatal(err)
			}
			if bytes.Equal(line, []byte("MN\r\n")) {
				return
			}
			if bytes.HasPrefix(line, []byte("VALUE ")) {
				f := bytes.Fields(line)
				n, _ := strconv.Atoi(string(f[3]))
				if _, err := rd.Discard(n + 2); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	var out []byte
	for i := range 1000 {
		out = mcSetReq(out, i)
	}
	roundTrip(out)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += depth {
		out = out[:0]
		for j := range min(depth, b.N-i) {
			out = mk(out, i+j)
		}
		roundTrip(out)
	}
}

func mcSetReq(buf []byte, i int) []byte {
	buf = append(buf, "set "...)
	buf = append(buf, key(i)...)
	return append(buf, " 0 0 32\r\n01234567890123456789012345678901\r\n"...)
}

func mcGetReq(buf []byte, i int) []byte {
	buf = append(buf, "get "...)
	buf = append(buf, key(i)...)
	return append(buf, "\r\n"...)
}

func mcMgReq(buf []byte, i int) []byte {
	buf = append(buf, "mg "...)
	buf = append(buf, key(i)...)
	return append(buf, " v f c\r\n"...)
}

func benchMemcacheTargets(b *testing.B, depth int, mk func(buf []byte, i int) []byte) {
	b.Run("slotcache", func(b *testing.B) {
		addr, _, _ := startMCNode(b, nil)
		benchMemcache(b, addr, depth, mk)
	})
	b.Run("memcached", func(b *testing.B) {
		benchMemcache(b, startMemcached(b), depth, mk)
	})
}

func BenchmarkMemcacheGet(b *testing.B)              { benchMemcacheTargets(b, 1, mcGetReq) }
func BenchmarkMemcacheGetPipelined(b *testing.B)     { benchMemcacheTargets(b, 32, mcGetReq) }
func BenchmarkMemcacheSetPipelined(b *testing.B)     { benchMemcacheTargets(b, 32, mcSetReq) }
func BenchmarkMemcacheMetaGetPipelined(b *testing.B) { benchMemcacheTargets(b, 32, mcMgReq) }
