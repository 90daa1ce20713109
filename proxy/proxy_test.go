package proxy

import (
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
)

func TestSmoke(t *testing.T) {
	addr, _ := startCluster(t, 3)
	c := nodetest.Dial(t, addr)
	for _, cmd := range [][]string{
		{"PING"}, {"SET", "a", "1"}, {"GET", "a"}, {"MSET", "a", "1", "b", "2", "c", "3", "d", "4"},
		{"MGET", "a", "b", "c", "d", "e"}, {"DEL", "a", "b", "x"}, {"DBSIZE"}, {"KEYS", "*"},
		{"SCAN", "0"}, {"INFO"}, {"FOO"}, {"GET"}, {"RENAME", "c", "d"}, {"RENAME", "{c}1", "{c}2"},
		{"CLIENT", "LIST"}, {"SELECT", "1"}, {"HELLO", "3"}, {"HELLO"},
	} {
		t.Logf("%v -> %s", cmd, c.Do(cmd...))
	}
}
