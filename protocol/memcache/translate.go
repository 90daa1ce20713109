package memcache

import "strconv"

// Internal commands. A request becomes one RESP command for the storage
// node that owns its key (get-family requests one per key group); the node
// replies with plain RESP values that AppendReply turns into memcached's
// reply. The shapes:
//
//	MCGET key [key ...]                      -> array per key: nil | [value, flags, cas]
//	MCGAT exptime key [key ...]              -> same, touching the hits
//	MCSTORE key mode flags exptime cas value [STALE] [BINARYKEY]
//	                                         -> [status, cas]; status STORED, NOT_STORED, EXISTS, NOT_FOUND
//	MCTOUCH key exptime                      -> +HD | +NF
//	MCDELETE key [CAS n] [STALE] [TTL n]     -> +HD | +NF | +EX
//	MCDELETE key TOOLARGE [KEEP]             -> +OK (a store refused as too large: counted, set drops the item)
//	MCINCR key INCR|DECR delta [CAS n] [VIVIFY exptime INITIAL n] [TTL n]
//	                                         -> [status, value, cas, ttl, created]; status HD, NF, EX
//	MCMG key [TTL n | VIVIFY n | RECACHE n]... [NOBUMP] [VALUE]
//	                                         -> nil | [value|nil, size, flags, cas, ttl, la, fetched, won, stale, tokensent, binarykey]
//	MCME key                                 -> nil | [binarykey, "exp=.. la=.. cas=.. fetch=.. cls=.. size=.."]
//	MCFLUSH [delay]                          -> +OK
//	MCSTATS [group]                          -> [name, value, name, value, ...] | +RESET
//
// Exptimes travel as the client sent them; the node applies memcached's
// rules (0, relative up to 30 days, absolute, negative).
const (
	CmdNameGet    = "MCGET"
	CmdNameGat    = "MCGAT"
	CmdNameStore  = "MCSTORE"
	CmdNameTouch  = "MCTOUCH"
	CmdNameDelete = "MCDELETE"
	CmdNameIncr   = "MCINCR"
	CmdNameMg     = "MCMG"
	CmdNameMe     = "MCME"
	CmdNameFlush  = "MCFLUSH"
	CmdNameStats  = "MCSTATS"
)

var (
	bGet    = []byte(CmdNameGet)
	bGat    = []byte(CmdNameGat)
	bStore  = []byte(CmdNameStore)
	bTouch  = []byte(CmdNameTouch)
	bDelete = []byte(CmdNameDelete)
	bIncr   = []byte(CmdNameIncr)
	bMg     = []byte(CmdNameMg)
	bMe     = []byte(CmdNameMe)
	bFlush  = []byte(CmdNameFlush)
	bStats  = []byte(CmdNameStats)

	storeModes = map[Cmd][]byte{
		CmdSet: []byte("set"), CmdAdd: []byte("add"), CmdReplace: []byte("replace"),
		CmdAppend: []byte("append"), CmdPrepend: []byte("prepend"), CmdCas: []byte("cas"),
	}
	wCAS       = []byte("CAS")
	wStale     = []byte("STALE")
	wTTL       = []byte("TTL")
	wVivify    = []byte("VIVIFY")
	wRecache   = []byte("RECACHE")
	wNoBump    = []byte("NOBUMP")
	wValue     = []byte("VALUE")
	wIncr      = []byte("INCR")
	wInitial   = []byte("INITIAL")
	wTooLarge  = []byte("TOOLARGE")
	wKeep      = []byte("KEEP")
	wBinaryKey = []byte("BINARYKEY")
	wDecr      = []byte("DECR")
)

// ArgBuffer holds the formatted numeric arguments of one request; a
// connection keeps one and passes it to Args.
type ArgBuffer struct {
	buf [160]byte
	n   int
}

func (nb *ArgBuffer) int(v int64) []byte {
	b := strconv.AppendInt(nb.buf[nb.n:nb.n], v, 10)
	nb.n += len(b)
	return b
}

func (nb *ArgBuffer) uint(v uint64) []byte {
	b := strconv.AppendUint(nb.buf[nb.n:nb.n], v, 10)
	nb.n += len(b)
	return b
}

// Args appends the internal RESP command for req to dst (reusing its
// storage) and returns it. It returns nil when the request needs no node:
// its reply comes from AppendLocal. nums holds the formatted numbers and
// must stay alive as long as the arguments.
func (r *Request) Args(dst [][]byte, nums *ArgBuffer) [][]byte {
	dst = dst[:0]
	nums.n = 0
	switch r.Cmd {
	case CmdGet, CmdGets, CmdGat, CmdGats:
		if len(r.Keys) == 0 {
			return nil
		}
	}
	switch r.Cmd {
	case CmdGet, CmdGets:
		dst = append(dst, bGet)
		return append(dst, r.Keys...)
	case CmdGat, CmdGats:
		dst = append(dst, bGat, nums.int(int64(r.Exptime)))
		return append(dst, r.Keys...)
	case CmdSet, CmdAdd, CmdReplace, CmdAppend, CmdPrepend, CmdCas, CmdMetaSet:
		mode := r.Cmd
		if r.Cmd == CmdMetaSet {
			mode = r.Meta.Store
		}
		if r.TooLarge {
			// memcached drops the current item of a refused set (and
			// of any refused meta set); the node counts the refusal.
			dst = append(dst, bDelete, r.Keys[0], wTooLarge)
			if r.Cmd != CmdSet && r.Cmd != CmdMetaSet {
				dst = append(dst, wKeep)
			}
			return dst
		}
		dst = append(dst, bStore, r.Keys[0], storeModes[mode], nums.uint(uint64(r.ClientFlags)),
			nums.int(int64(r.Exptime)), nums.uint(r.CasUnique), r.Value)
		if r.Cmd == CmdMetaSet && r.Meta.Invalidate && mode == CmdCas {
			dst = append(dst, wStale)
		}
		if r.Meta.Base64 {
			dst = append(dst, wBinaryKey)
		}
		return dst
	case CmdTouch:
		return append(dst, bTouch, r.Keys[0], nums.int(int64(r.Exptime)))
	case CmdDelete:
		return append(dst, bDelete, r.Keys[0])
	case CmdMetaDelete:
		dst = append(dst, bDelete, r.Keys[0])
		if r.Meta.HasCas {
			dst = append(dst, wCAS, nums.uint(r.CasUnique))
		}
		if r.Meta.Invalidate {
			dst = append(dst, wStale)
			if r.Meta.HasTTL {
				dst = append(dst, wTTL, nums.int(int64(r.Meta.TTL)))
			}
		}
		return dst
	case CmdIncr, CmdDecr:
		dir := wIncr
		if r.Cmd == CmdDecr {
			dir = wDecr
		}
		return append(dst, bIncr, r.Keys[0], dir, nums.uint(r.Delta))
	case CmdMetaArithmetic:
		dir := wIncr
		if !r.Meta.Incr {
			dir = wDecr
		}
		dst = append(dst, bIncr, r.Keys[0], dir, nums.uint(r.Delta))
		if r.Meta.HasCas {
			dst = append(dst, wCAS, nums.uint(r.CasUnique))
		}
		if r.Meta.HasVivify {
			dst = append(dst, wVivify, nums.int(int64(r.Meta.Vivify)), wInitial, nums.uint(r.Meta.Initial))
		}
		if r.Meta.HasTTL {
			dst = append(dst, wTTL, nums.int(int64(r.Meta.TTL)))
		}
		return dst
	case CmdMetaGet:
		dst = append(dst, bMg, r.Keys[0])
		// T, N and R act in the order they were sent.
		for _, f := range r.Meta.Flags {
			switch f[0] {
			case 'T':
				dst = append(dst, wTTL, nums.int(int64(r.Meta.TTL)))
			case 'N':
				dst = append(dst, wVivify, nums.int(int64(r.Meta.Vivify)))
			case 'R':
				dst = append(dst, wRecache, nums.int(int64(r.Meta.Recache)))
			}
		}
		if r.Meta.NoUpdate {
			dst = append(dst, wNoBump)
		}
		if r.Meta.Value {
			dst = append(dst, wValue)
		}
		return dst
	case CmdMetaDebug:
		return append(dst, bMe, r.Keys[0])
	case CmdFlushAll:
		dst = append(dst, bFlush)
		if r.HasArg {
			dst = append(dst, nums.int(int64(r.Exptime)))
		}
		return dst
	case CmdStats:
		switch string(r.Arg) {
		case "":
			return append(dst, bStats)
		case "reset", "settings", "items", "slabs", "sizes", "conns":
			return append(dst, bStats, r.Arg)
		}
		return nil
	}
	return nil
}

// GetArgs appends the internal command of a get-family request for the
// given keys only (a part of req's keys) to dst.
func (r *Request) GetArgs(dst [][]byte, keys [][]byte, nums *ArgBuffer) [][]byte {
	dst = dst[:0]
	nums.n = 0
	if r.Cmd == CmdGat || r.Cmd == CmdGats {
		dst = append(dst, bGat, nums.int(int64(r.Exptime)))
	} else {
		dst = append(dst, bGet)
	}
	return append(dst, keys...)
}

// IsGet reports the get family (get, gets, gat, gats).
func (c Cmd) IsGet() bool { return c >= CmdGet && c <= CmdGats }

// NewArgs is Args with its own number buffer, for callers that do not
// keep one.
func (r *Request) NewArgs() [][]byte {
	return r.Args(nil, new(ArgBuffer))
}

// Closes reports whether the connection is closed after the reply (quit).
func (r *Request) Closes() bool { return r.Cmd == CmdQuit }
