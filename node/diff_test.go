package node_test

import (
	"strconv"
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
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

// TestRepliesFlushedBeforePartialCommand: replies to complete commands are
// sent even when part of the next command has already arrived.
func TestRepliesFlushedBeforePartialCommand(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	c := nodetest.Dial(t, addr)
	if err := c.WriteRaw([]byte("PING\r\n*1\r\n")); err != nil {
		t.Fatal(err)
	}
	v, err := c.Read()
	if err != nil || string(v.Str) != "PONG" {
		t.Fatalf("reply = %s, %v; want PONG before the rest of the next command", v, err)
	}
	c.WriteRaw([]byte("$4\r\nPING\r\n"))
	if v, err := c.Read(); err != nil || string(v.Str) != "PONG" {
		t.Fatalf("second reply = %s, %v", v, err)
	}
}

// TestPipelineBatchBoundaries: pipelines that end exactly on the node's
// internal batch size, or span many batches, get every reply without the
// client sending anything more.
func TestPipelineBatchBoundaries(t *testing.T) {
	addr, _ := nodetest.StartNode(t, nil)
	for _, n := range []int{1, 127, 128, 129, 256, 1000, 10000} {
		c := nodetest.Dial(t, addr)
		var out []byte
		for i := 0; i < n; i++ {
			out = resp.AppendCommand(out, "ECHO", strconv.Itoa(i))
		}
		if err := c.WriteRaw(out); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			v, err := c.Read()
			if err != nil || string(v.Str) != strconv.Itoa(i) {
				t.Fatalf("pipeline of %d: reply %d = %s, %v", n, i, v, err)
			}
		}
	}
}
