package proxy

import (
	"bytes"
	"strings"

	"github.com/slotcache/slotcache/slots"
)

// SORT's refusals of patterns that may name keys of other slots: Redis
// Cluster's texts, which cluster-mode nodes give too.
const (
	msgSortByCluster  = "ERR BY option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots."
	msgSortGetCluster = "ERR GET option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots."
)

// sortPatterns refuses a SORT or SORT_RO whose BY or GET patterns may form
// keys outside the sorted key's slot, as Redis Cluster does: the node
// running the command holds only its own slots, so such a sort would read
// other groups' keys as missing. It reports whether it answered c.
func (s *session) sortPatterns(c *call, args [][]byte) bool {
	if len(args) < 2 {
		return false
	}
	keySlot := slots.KeySlot(args[1])
	for j := 2; j < len(args); j++ {
		left := len(args) - j - 1
		switch strings.ToUpper(string(args[j])) {
		case "LIMIT":
			j += 2
		case "STORE":
			j++
		case "BY":
			if left < 1 {
				return false // the node answers the syntax error
			}
			j++
			if p := args[j]; bytes.IndexByte(p, '*') >= 0 && slots.PatternSlot(p) != keySlot {
				s.errorReply(c, msgSortByCluster)
				return true
			}
		case "GET":
			if left < 1 {
				return false
			}
			j++
			if p := args[j]; string(p) != "#" && slots.PatternSlot(p) != keySlot {
				s.errorReply(c, msgSortGetCluster)
				return true
			}
		}
	}
	return false
}
