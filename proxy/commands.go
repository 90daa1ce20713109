package proxy

import (
	"strconv"

	"github.com/slotcache/slotcache/protocol/resp"
	"github.com/slotcache/slotcache/router"
	"github.com/slotcache/slotcache/slots"
)

// Error texts of the proxy; the Redis Cluster ones are Redis's.
const (
	msgCrossSlot   = "CROSSSLOT Keys in request don't hash to the same slot"
	msgNotServed   = "CLUSTERDOWN Hash slot not served"
	msgNoGroups    = "CLUSTERDOWN The cluster is down"
	msgSelect      = "ERR SELECT is not allowed in cluster mode"
	msgInvalidDB   = "ERR invalid DB index"
	msgNotInteger  = "ERR value is not an integer or out of range"
	msgNoPassword  = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
	msgNoProto     = "NOPROTO unsupported protocol version"
	msgProtoNotInt = "ERR Protocol version is not an integer or out of range"
	msgSyntax      = "ERR syntax error"
	msgInvalidCur  = "ERR invalid cursor"
	msgBadReply    = "ERR invalid reply from backend"
)

// replyError is a request failure whose text is the whole error reply.
type replyError string

func (e replyError) Error() string { return string(e) }

var errNotServed = replyError(msgNotServed)

// kind is how the proxy treats a command.
type kind uint8

const (
	kForward kind = iota // by its keys: one slot, else CROSSSLOT; keyless: any node
	kSplit               // multi-key, split per group (MGET, DEL, ...)
	kMSet                // MSET: key/value pairs split per group
	kFanout              // sent to every group, replies merged
	kScan                // SCAN across every group
	kLocal               // answered by the proxy
	kScript              // SCRIPT: per subcommand (script.go)
	kRefused             // makes no sense through a proxy
)

type cmdInfo struct {
	kind kind
	op   op // merge rule of kSplit and kFanout
}

// commands lists every command the proxy does not simply forward by key.
var commands = map[string]cmdInfo{
	"mget":   {kSplit, opMGet},
	"del":    {kSplit, opSum},
	"unlink": {kSplit, opSum},
	"exists": {kSplit, opSum},
	"touch":  {kSplit, opSum},
	"mset":   {kMSet, opAllOK},

	"keys":      {kFanout, opConcat},
	"dbsize":    {kFanout, opSum},
	"flushdb":   {kFanout, opAllOK},
	"flushall":  {kFanout, opAllOK},
	"randomkey": {kFanout, opRandomKey},
	"info":      {kFanout, opInfo},
	"scan":      {kScan, 0},

	"ping":      {kLocal, 0},
	"echo":      {kLocal, 0},
	"select":    {kLocal, 0},
	"quit":      {kLocal, 0},
	"hello":     {kLocal, 0},
	"client":    {kLocal, 0},
	"auth":      {kLocal, 0},
	"readonly":  {kLocal, 0},
	"readwrite": {kLocal, 0},
	"asking":    {kLocal, 0},
	"slowlog":   {kLocal, 0},
	"config":    {kLocal, 0},
	"reset":     {kLocal, 0},

	"monitor":      {kRefused, 0},
	"cluster":      {kRefused, 0},
	"move":         {kRefused, 0},
	"swapdb":       {kRefused, 0},
	"debug":        {kRefused, 0},
	"shutdown":     {kRefused, 0},
	"save":         {kRefused, 0},
	"bgsave":       {kRefused, 0},
	"bgrewriteaof": {kRefused, 0},
	"lastsave":     {kRefused, 0},
	"replicaof":    {kRefused, 0},
	"slaveof":      {kRefused, 0},
	"sync":         {kRefused, 0},
	"psync":        {kRefused, 0},
	"replconf":     {kRefused, 0},
	"failover":     {kRefused, 0},
	"migrate":      {kRefused, 0},
	"wait":         {kRefused, 0},
	"waitaof":      {kRefused, 0},
	"role":         {kRefused, 0},
	"acl":          {kLocal, 0},
	"module":       {kRefused, 0},
	"script":       {kScript, 0},
	"function":     {kRefused, 0},
	"latency":      {kRefused, 0},
	"lolwut":       {kRefused, 0},
}

// lower copies name into s.lname in lower case.
func (s *session) lower(name []byte) []byte {
	b := s.lname[:0]
	for _, c := range name {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	s.lname = b
	return b
}

// handle dispatches one command of the batch.
func (s *session) handle(args [][]byte) {
	name := s.lower(args[0])
	info := commands[string(name)]
	cmd := router.Lookup(args)
	var st *cmdStat
	if cmd != nil {
		st = s.p.stats.lookup(cmd.Name)
	}
	c := s.newCall(args, opForward, st)
	if s.hookState(c, name, args) {
		return
	}
	switch {
	case cmd == nil && info.kind == kForward: // neither Redis's nor the proxy's
		s.errorReply(c, errUnknownCommand(args))
		c.rejected = true
		return
	case cmd != nil && !cmd.ArityOK(len(args)):
		s.errorReply(c, errArity(cmd.Name))
		c.rejected = true
		return
	case !s.permit(c, cmd):
		return
	}
	switch info.kind {
	case kRefused:
		s.errorReply(c, "ERR '"+string(name)+"' is not supported through the slotcache proxy")
	case kLocal:
		s.handleLocal(c, name, args)
	case kSplit:
		s.split(c, cmd, args, 1, info.op)
	case kMSet:
		s.split(c, cmd, args, 2, info.op)
	case kFanout:
		s.fanout(c, name, args, info.op)
	case kScan:
		s.scan(c, args)
	case kScript:
		s.script(c, args)
	default:
		s.forwardByKeys(c, cmd, args)
	}
}

// defaultGroup is the group keyless commands go to: the first one.
func (s *session) defaultGroup(c *call) (uint16, bool) {
	if len(s.t.groups) < 2 {
		s.errorReply(c, msgNoGroups)
		return 0, false
	}
	return 1, true
}

// forwardByKeys sends a command (cmd: its table entry) to the group of its
// keys, which must all hash to one slot; a keyless command goes to the
// default group.
func (s *session) forwardByKeys(c *call, cmd *router.Command, args [][]byte) {
	s.keys = router.KeyIndexes(args, s.keys[:0])
	if len(s.keys) == 0 {
		if g, ok := s.defaultGroup(c); ok {
			s.forward(c, g, args)
		}
		return
	}
	slot, cross := router.SlotOf(args, s.keys)
	if cross {
		s.errorReply(c, msgCrossSlot)
		return
	}
	g := s.t.slot[slot]
	if g == 0 {
		s.errorReply(c, msgNotServed)
		return
	}
	if !s.readRouted(c, cmd, g, args) {
		s.forward(c, g, args)
	}
}

// bucket is one part of a split command: the keys of one group, or of one
// slot when the nodes refuse keys of several slots in one command.
type bucket struct {
	key int32  // group index or slot
	g   uint16 // group index
	n   int32  // keys
	req int32  // request index within the call
}

// maxLinearBuckets is how many buckets are searched linearly before a map
// is used (commands with hundreds of keys).
const maxLinearBuckets = 32

// split sends a multi-key command to every group that owns some of its keys
// (step 2: key/value pairs), each group getting its keys in the client's
// order; o merges the replies. With SplitPerSlot, each slot gets its own
// command, as nodes in cluster mode refuse keys of two slots. cmd is the
// command's table entry.
func (s *session) split(c *call, cmd *router.Command, args [][]byte, step int, o op) {
	if len(args) < 2 || (len(args)-1)%step != 0 {
		if g, ok := s.defaultGroup(c); ok { // the node replies the arity error
			s.forward(c, g, args)
		}
		return
	}
	perSlot := s.p.cfg.SplitPerSlot
	bs := s.buckets[:0]
	s.kb = s.kb[:0]
	var index map[int32]int32
	for i := 1; i < len(args); i += step {
		slot := slots.KeySlot(args[i])
		g := s.t.slot[slot]
		if g == 0 {
			s.buckets = bs
			s.errorReply(c, msgNotServed)
			return
		}
		k := int32(g)
		if perSlot {
			k = int32(slot)
		}
		b := int32(-1)
		if index != nil {
			if j, ok := index[k]; ok {
				b = j
			}
		} else {
			for j := range bs {
				if bs[j].key == k {
					b = int32(j)
					break
				}
			}
		}
		if b < 0 {
			b = int32(len(bs))
			bs = append(bs, bucket{key: k, g: g})
			if index == nil && len(bs) > maxLinearBuckets {
				index = make(map[int32]int32, 2*len(bs))
				for j := range bs {
					index[bs[j].key] = int32(j)
				}
			} else if index != nil {
				index[k] = b
			}
		}
		bs[b].n++
		s.kb = append(s.kb, b)
	}
	s.buckets = bs
	if len(bs) == 1 {
		if !s.readRoutedKeys(c, cmd, bs[0].g, args, step, perSlot) {
			s.forward(c, bs[0].g, args)
		}
		return
	}
	c.op = o
	for bi := range bs {
		bs[bi].req = c.nr
		r := s.newReq()
		r.Cmd = appendCommandHeader(r.Cmd, 1+int(bs[bi].n)*step, args[0])
		for i, kb := range s.kb {
			if int(kb) == bi {
				for j := range step {
					r.Cmd = resp.AppendBulk(r.Cmd, args[1+i*step+j])
				}
			}
		}
		s.send(c, bs[bi].g, r)
	}
	if o == opMGet {
		c.a0 = int32(len(s.aux))
		for _, kb := range s.kb {
			s.aux = append(s.aux, bs[kb].req)
		}
		c.a1 = int32(len(s.aux))
	}
}

// fanout sends a command to every group.
func (s *session) fanout(c *call, name []byte, args [][]byte, o op) {
	if len(s.t.groups) < 2 {
		s.errorReply(c, msgNoGroups)
		return
	}
	if o == opInfo {
		sections := infoSections(args[1:])
		c.a0 = int32(len(s.aux))
		s.aux = append(s.aux, int32(sections))
		c.a1 = int32(len(s.aux))
		if sections&secFromGroups == 0 {
			c.op = opInfo // no backend needed
			return
		}
		args = groupInfoArgs(sections)
	}
	c.op = o
	for g := 1; g < len(s.t.groups); g++ {
		r := s.newReq()
		r.Cmd = appendCommand(r.Cmd, args)
		s.send(c, uint16(g), r)
	}
}

// Proxy SCAN cursors carry the index of the group being scanned in their low
// scanGroupBits bits and that group's own cursor above them.
const scanGroupBits = 10

// scan runs SCAN on one group, from the cursor's group and position.
func (s *session) scan(c *call, args [][]byte) {
	if len(args) < 2 {
		if g, ok := s.defaultGroup(c); ok {
			s.forward(c, g, args)
		}
		return
	}
	cur, err := strconv.ParseUint(string(args[1]), 10, 64)
	if err != nil {
		s.errorReply(c, msgInvalidCur)
		return
	}
	gi := cur & (1<<scanGroupBits - 1)
	bc := cur >> scanGroupBits
	if gi >= uint64(len(s.t.groups)-1) {
		c.op = opLocal
		c.l0 = int32(len(s.local.Buf))
		s.local.Raw([]byte("*2\r\n$1\r\n0\r\n*0\r\n"))
		c.l1 = int32(len(s.local.Buf))
		return
	}
	c.op = opScan
	c.a0 = int32(len(s.aux))
	s.aux = append(s.aux, int32(gi))
	c.a1 = int32(len(s.aux))
	r := s.newReq()
	r.Cmd = appendCommandHeader(r.Cmd, len(args), args[0])
	var tmp [20]byte
	r.Cmd = resp.AppendBulk(r.Cmd, strconv.AppendUint(tmp[:0], bc, 10))
	for _, a := range args[2:] {
		r.Cmd = resp.AppendBulk(r.Cmd, a)
	}
	s.send(c, uint16(gi+1), r)
}
