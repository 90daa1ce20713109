package node_test

import (
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
)

// TestDiffBasics compares a first handful of replies with a real redis-server.
func TestDiffBasics(t *testing.T) {
	p := nodetest.NewPair(t)
	p.CheckAll([][]string{
		{"PING"},
		{"PING", "hello"},
		{"ECHO", "x"},
		{"SET", "key1", "value1"},
		{"GET", "key1"},
		{"GET", "nokey"},
		{"DEL", "key1", "nokey"},
		{"GET"},
		{"NOSUCHCOMMAND", "a", "b"},
		{"SELECT", "16"},
		{"SELECT", "x"},
		{"SELECT", "1"},
		{"AUTH", "x"},
		{"HELLO", "4"},
	})
}
