package proxy

import (
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
)

// TestSortPatterns: SORT through the proxy takes the BY and GET patterns
// whose keys share the sorted key's slot, with the same replies as one
// redis-server, and refuses the others as Redis Cluster does, since the
// node running the sort holds only its own slots.
func TestSortPatterns(t *testing.T) {
	paddr, _ := startCluster(t, 3)
	px, rd := nodetest.Dial(t, paddr), nodetest.Dial(t, nodetest.StartRedis(t))
	setup := [][]string{
		{"RPUSH", "{u}ids", "3", "1", "2"},
		{"MSET", "{u}w_1", "30", "{u}w_2", "10", "{u}w_3", "20", "{u}name_1", "a", "{u}name_2", "b", "{u}name_3", "c"},
		{"HSET", "{u}h_1", "f", "9"}, {"HSET", "{u}h_2", "f", "8"}, {"HSET", "{u}h_3", "f", "7"},
	}
	same := [][]string{
		{"SORT", "{u}ids"},
		{"SORT", "{u}ids", "BY", "{u}w_*"},
		{"SORT", "{u}ids", "BY", "{u}w_*", "GET", "#", "GET", "{u}name_*"},
		{"SORT", "{u}ids", "BY", "{u}h_*->f", "DESC", "GET", "{u}h_*->f"},
		{"SORT", "{u}ids", "BY", "nosort", "LIMIT", "0", "2"},
		{"SORT_RO", "{u}ids", "BY", "{u}w_*", "GET", "{u}name_*"},
		{"SORT", "{u}ids", "BY", "{u}w_*", "STORE", "{u}dst"},
		{"LRANGE", "{u}dst", "0", "-1"},
		{"SORT", "{u}ids", "BY"}, // syntax error, the node's
	}
	for _, cmd := range append(setup, same...) {
		if pv, rv := px.Do(cmd...), rd.Do(cmd...); !nodetest.Equal(pv, rv) {
			t.Errorf("%s:\n  proxy: %s\n  redis: %s", nodetest.Quote(cmd), pv, rv)
		}
	}
	for _, tc := range []struct {
		cmd  []string
		want string
	}{
		{[]string{"SORT", "{u}ids", "BY", "w_*"}, msgSortByCluster},
		{[]string{"SORT", "{u}ids", "BY", "{u}w_*", "GET", "name_*"}, msgSortGetCluster},
		{[]string{"SORT_RO", "{u}ids", "GET", "#", "GET", "{other}name_*"}, msgSortGetCluster},
		{[]string{"SORT", "{u}ids", "LIMIT", "0", "1", "BY", "{u*}w"}, msgSortByCluster},
	} {
		if v := px.Do(tc.cmd...); string(v.Str) != tc.want {
			t.Errorf("%s: %s, want %q", nodetest.Quote(tc.cmd), v, tc.want)
		}
	}
}
