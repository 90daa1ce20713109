package memcache_test

import (
	"fmt"
	"strings"

	"github.com/slotcache/slotcache/protocol/memcache"
	"github.com/slotcache/slotcache/protocol/resp"
)

// A multi-key get split per key group, as a proxy does: one internal
// command per group, the per-key parts merged back in the client's order.
func Example_splitGet() {
	rd := memcache.NewReader(strings.NewReader("get a b c d\r\n"), memcache.Limits{})
	var req memcache.Request
	if err := rd.Read(&req); err != nil {
		panic(err)
	}
	group := func(key []byte) int { return int(key[0]) % 2 } // stands for slot -> group

	// Split: the positions of each group's keys.
	parts := map[int][]int{}
	for i, k := range req.Keys {
		parts[group(k)] = append(parts[group(k)], i)
	}
	merged := resp.Value{Type: '*', Elems: make([]resp.Value, len(req.Keys))}
	for g := 0; g < 2; g++ {
		sub := req // same command, this group's keys only
		sub.Keys = nil
		for _, i := range parts[g] {
			sub.Keys = append(sub.Keys, req.Keys[i])
		}
		fmt.Printf("group %d: %q\n", g, sub.NewArgs())
		// The node's reply: one element per key, nil for a miss.
		for _, i := range parts[g] {
			if string(req.Keys[i]) == "c" {
				merged.Elems[i] = resp.Value{Type: '*', Null: true}
				continue
			}
			merged.Elems[i] = resp.Value{Type: '*', Elems: []resp.Value{
				{Type: '$', Str: []byte("value-" + string(req.Keys[i]))}, {Type: ':', Int: 0}, {Type: ':', Int: 1}}}
		}
	}
	fmt.Printf("%q\n", memcache.AppendReply(nil, &req, merged))
	// Output:
	// group 0: ["MCGET" "b" "d"]
	// group 1: ["MCGET" "a" "c"]
	// "VALUE a 0 7\r\nvalue-a\r\nVALUE b 0 7\r\nvalue-b\r\nVALUE d 0 7\r\nvalue-d\r\nEND\r\n"
}
