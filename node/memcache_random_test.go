package node_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/slotcache/slotcache/node/nodetest"
)

// TestMemcacheDifferentialRandom sends random request sequences (fixed
// seeds; a failure names its seed and request) to the node and memcached
// and compares every reply byte for byte.
func TestMemcacheDifferentialRandom(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	steps := 500
	if testing.Short() {
		seeds, steps = seeds[:1], 150
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			p := newMCPair(t)
			g := &nodetest.MCGen{R: rand.New(rand.NewPCG(seed, 7)), Keys: []string{"k1", "k2", "k3", "n"}}
			for i := 0; i < steps && !t.Failed(); i++ {
				p.Check(g.Request())
			}
		})
	}
}
