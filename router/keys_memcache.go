package router

// memcacheKeyTable gives the key positions of the storage nodes' internal
// memcached commands (protocol/memcache: MCGET, MCSTORE, ...), which Redis
// does not have: cluster-mode nodes check their keys' slots like any keyed
// command's, and the RESP proxy routes them by key.
var memcacheKeyTable = []struct {
	name              string
	first, last, step int
}{
	{"mcget", 1, -1, 1},
	{"mcgat", 2, -1, 1},
	{"mcstore", 1, 1, 1},
	{"mctouch", 1, 1, 1},
	{"mcdelete", 1, 1, 1},
	{"mcincr", 1, 1, 1},
	{"mcmg", 1, 1, 1},
	{"mcme", 1, 1, 1},
}

// memcacheKeys indexes memcacheKeyTable by name.
var memcacheKeys = make(map[string]keysFunc, len(memcacheKeyTable))

func init() {
	for _, k := range memcacheKeyTable {
		memcacheKeys[k.name] = keySpec{k.first, k.last, k.step}.appendKeys
	}
}
