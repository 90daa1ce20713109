package proxy

import (
	"bytes"
	"io"
	"net"
	"testing"

	"github.com/slotcache/slotcache/protocol/resp"
)

// benchAccess is benchPipeline through a proxy configured by mutate over
// src, on a connection that first sends login (when not nil).
func benchAccess(b *testing.B, src MapSource, mutate func(*Config), login []string, depth int, reply string, cmd ...string) {
	addr, _ := startProxy(b, src, mutate)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	if login != nil {
		nc.Write(resp.AppendCommand(nil, login...))
		ok := make([]byte, 5)
		if _, err := io.ReadFull(nc, ok); err != nil || string(ok) != "+OK\r\n" {
			b.Fatalf("%v: %q %v", login, ok, err)
		}
	}
	var frame []byte
	for range depth {
		frame = resp.AppendCommand(frame, cmd...)
	}
	benchRoundTrips(b, nc, frame, bytes.Repeat([]byte(reply), depth))
}

// BenchmarkProxyGetP16ReadOnlyUser: every command is looked up and
// checked against the user's rights.
func BenchmarkProxyGetP16ReadOnlyUser(b *testing.B) {
	nodes := []string{benchNode(b), benchNode(b), benchNode(b)}
	benchAccess(b, StaticMap{staticMap(b, nodes)}, func(c *Config) {
		c.RequirePass = "pw"
		c.Users = []User{{Name: "ro", Password: "ropw", ReadOnly: true}}
	}, []string{"AUTH", "ro", "ropw"}, 16, "$1\r\n1\r\n", "GET", "a")
}

// BenchmarkProxyGetP16PreferReplica: reads go round robin to two replicas.
func BenchmarkProxyGetP16PreferReplica(b *testing.B) {
	nodes := []string{benchNode(b), benchNode(b), benchNode(b)}
	m := replicaMapTB(b, nodes)
	benchAccess(b, StaticMap{m}, func(c *Config) { c.ReadPolicy = ReadPreferReplica }, nil, 16, "$1\r\n1\r\n", "GET", "a")
}
