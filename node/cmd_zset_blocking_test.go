package node_test

import (
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
)

func TestDiffBlockingZsetImmediate(t *testing.T) {
	for _, proto := range []string{"2", "3"} {
		t.Run("RESP"+proto, func(t *testing.T) {
			p := nodetest.NewPair(t)
			p.Node.Do("HELLO", proto)
			p.Redis.Do("HELLO", proto)
			p.CheckAll([][]string{
				{"ZADD", "z1", "1", "a", "2", "b", "3.5", "c"},
				{"BZPOPMIN", "none", "z1", "0"},
				{"BZPOPMAX", "z1", "0"},
				{"BZPOPMIN", "z1", "0.01"},
				{"BZPOPMIN", "z1", "0.01"},
				{"SET", "str", "x"},
				{"BZPOPMIN", "str", "0"},
				{"BZPOPMAX", "z1", "x"},
				{"BZPOPMAX", "z1", "-2"},
				{"BZPOPMAX", "z1"},
				{"ZADD", "z2", "1", "a", "2", "b", "3", "c"},
				{"ZMPOP", "2", "none", "z2", "MIN", "COUNT", "2"},
				{"ZMPOP", "1", "z2", "MAX"},
				{"ZMPOP", "1", "z2", "MAX"},
				{"ZMPOP", "0", "z2", "MAX"},
				{"ZMPOP", "1", "z2", "UP"},
				{"ZMPOP", "1", "z2", "MIN", "COUNT", "0"},
				{"ZMPOP", "1", "str", "MIN"},
				{"ZADD", "z3", "5", "e"},
				{"BZMPOP", "0", "1", "z3", "MIN"},
				{"BZMPOP", "0.01", "1", "z3", "MIN"},
				{"BZMPOP", "x", "1", "z3", "MIN"},
				{"BZMPOP", "0", "2", "z3", "MIN"},
				{"MULTI"},
				{"BZPOPMIN", "nothing", "0"},
				{"BZMPOP", "0", "1", "nothing", "MAX"},
				{"EXEC"},
			})
		})
	}
}

func TestBlockingZsetWake(t *testing.T) {
	p := nodetest.NewPair(t)
	checkWake(t, p, []string{"BZPOPMIN", "w1", "w2", "0"}, []string{"ZADD", "w2", "2", "x", "1", "y"})
	checkWake(t, p, []string{"BZPOPMAX", "w3", "5"}, []string{"ZADD", "w3", "1", "a", "9", "b"})
	checkWake(t, p, []string{"BZMPOP", "0", "1", "w4", "MAX", "COUNT", "5"}, []string{"ZADD", "w4", "1", "a", "2", "b"})
	for _, k := range []string{"w1", "w2", "w3", "w4"} {
		p.Check("ZRANGE", k, "0", "-1", "WITHSCORES")
	}
}

// TestDiffZsetPopInvalidatesWatch: a pop that leaves members behind still
// aborts a transaction watching the key, also for the movable-key ZMPOP and
// BZMPOP.
func TestDiffZsetPopInvalidatesWatch(t *testing.T) {
	for _, pop := range [][]string{
		{"BZPOPMIN", "k", "0"},
		{"ZMPOP", "1", "k", "MIN"},
		{"BZMPOP", "0", "1", "k", "MAX"},
	} {
		t.Run(pop[0], func(t *testing.T) {
			p := nodetest.NewPair(t)
			p.CheckAll([][]string{
				{"ZADD", "k", "1", "a", "2", "b"},
				{"WATCH", "k"},
				pop,
				{"MULTI"},
				{"PING"},
				{"EXEC"},
			})
		})
	}
}
