package memcache

import (
	"bytes"
	"encoding/base64"
	"strconv"

	"github.com/slotcache/slotcache/protocol/resp"
)

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

// NewArgs is Args with its own number buffer, for callers that do not
// keep one.
func (r *Request) NewArgs() [][]byte {
	return r.Args(nil, new(ArgBuffer))
}

// Closes reports whether the connection is closed after the reply (quit).
func (r *Request) Closes() bool { return r.Cmd == CmdQuit }

// AppendLocal appends the reply of a request that Args did not send to a
// node: parse errors, version, verbosity, mn, quit (nothing), refused
// stores and stats groups memcached does not know.
func AppendLocal(dst []byte, r *Request) []byte {
	switch r.Cmd {
	case CmdError:
		if r.Noreply {
			return dst
		}
		return appendLine(dst, r.Err)
	case CmdVersion:
		return appendLine(dst, "VERSION "+Version)
	case CmdVerbosity:
		if r.Noreply {
			return dst
		}
		return appendLine(dst, "OK")
	case CmdMetaNoop:
		return appendLine(dst, "MN")
	case CmdQuit:
		return dst
	case CmdGet, CmdGets, CmdGat, CmdGats:
		return append(dst, "END\r\n"...)
	case CmdStats:
		if string(r.Arg) == "detail" {
			return appendLine(dst, ErrStatsDetail)
		}
		return appendLine(dst, ReplyError)
	}
	if r.TooLarge {
		if r.Noreply && r.Cmd != CmdMetaSet {
			return dst
		}
		return appendLine(dst, ErrTooLarge)
	}
	return dst
}

func appendLine(dst []byte, s string) []byte {
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// errorLine maps a node's error reply to a memcached error line: memcached
// texts pass through, anything else (OOM, MOVED, ...) becomes a
// SERVER_ERROR.
func appendErrorLine(dst []byte, msg []byte) []byte {
	if bytes.HasPrefix(msg, []byte("CLIENT_ERROR")) || bytes.HasPrefix(msg, []byte("SERVER_ERROR")) || bytes.Equal(msg, []byte("ERROR")) {
		dst = append(dst, msg...)
	} else {
		dst = append(dst, "SERVER_ERROR "...)
		dst = append(dst, msg...)
	}
	return append(dst, '\r', '\n')
}

// AppendReply appends memcached's reply to req given the node's reply v to
// the command Args built. For the get family v holds one element per key
// of req, in order (a caller that split the keys merges the parts first).
func AppendReply(dst []byte, r *Request, v resp.Value) []byte {
	if r.TooLarge {
		return AppendLocal(dst, r)
	}
	if v.IsError() {
		if r.Noreply && r.Cmd < CmdMetaGet {
			return dst
		}
		return appendErrorLine(dst, v.Str)
	}
	switch r.Cmd {
	case CmdGet, CmdGets, CmdGat, CmdGats:
		withCas := r.Cmd == CmdGets || r.Cmd == CmdGats
		for i, e := range v.Elems {
			if e.Null || len(e.Elems) < 3 || i >= len(r.Keys) {
				continue
			}
			dst = append(dst, "VALUE "...)
			dst = append(dst, r.Keys[i]...)
			dst = append(dst, ' ')
			dst = strconv.AppendInt(dst, e.Elems[1].Int, 10)
			dst = append(dst, ' ')
			dst = strconv.AppendInt(dst, int64(len(e.Elems[0].Str)), 10)
			if withCas {
				dst = append(dst, ' ')
				dst = strconv.AppendUint(dst, uint64(e.Elems[2].Int), 10)
			}
			dst = append(dst, '\r', '\n')
			dst = append(dst, e.Elems[0].Str...)
			dst = append(dst, '\r', '\n')
		}
		return append(dst, "END\r\n"...)
	case CmdSet, CmdAdd, CmdReplace, CmdAppend, CmdPrepend, CmdCas:
		if r.Noreply || len(v.Elems) < 1 {
			return dst
		}
		dst = append(dst, v.Elems[0].Str...)
		return append(dst, '\r', '\n')
	case CmdTouch:
		if r.Noreply {
			return dst
		}
		if string(v.Str) == "HD" {
			return appendLine(dst, "TOUCHED")
		}
		return appendLine(dst, "NOT_FOUND")
	case CmdDelete:
		if r.Noreply {
			return dst
		}
		if string(v.Str) == "HD" {
			return appendLine(dst, "DELETED")
		}
		return appendLine(dst, "NOT_FOUND")
	case CmdIncr, CmdDecr:
		if r.Noreply || len(v.Elems) < 2 {
			return dst
		}
		if string(v.Elems[0].Str) == "HD" {
			dst = append(dst, v.Elems[1].Str...)
			return append(dst, '\r', '\n')
		}
		return appendLine(dst, "NOT_FOUND")
	case CmdFlushAll:
		if r.Noreply {
			return dst
		}
		return appendLine(dst, "OK")
	case CmdStats:
		if v.Type == '+' {
			return appendLine(dst, string(v.Str))
		}
		for i := 0; i+1 < len(v.Elems); i += 2 {
			dst = append(dst, "STAT "...)
			dst = append(dst, v.Elems[i].Str...)
			dst = append(dst, ' ')
			dst = append(dst, v.Elems[i+1].Str...)
			dst = append(dst, '\r', '\n')
		}
		return append(dst, "END\r\n"...)
	case CmdMetaGet:
		return appendMg(dst, r, v)
	case CmdMetaSet:
		status := v.Elems[0].Str
		if string(status) == "STORED" {
			if r.Noreply {
				return dst
			}
			dst = append(dst, "HD"...)
		} else {
			dst = append(dst, metaStatus(status)...)
		}
		for _, f := range r.Meta.Flags {
			switch f[0] {
			case 'O':
				dst = append(dst, ' ')
				dst = append(dst, f...)
			case 'k':
				dst = r.appendKeyFlag(dst)
			case 'c':
				dst = append(dst, " c"...)
				dst = strconv.AppendUint(dst, uint64(v.Elems[1].Int), 10)
			}
		}
		return append(dst, '\r', '\n')
	case CmdMetaDelete:
		if r.Noreply && string(v.Str) == "HD" {
			return dst
		}
		dst = append(dst, v.Str...)
		return r.appendOpaqueKey(dst)
	case CmdMetaArithmetic:
		return appendMa(dst, r, v)
	case CmdMetaDebug:
		if v.Null || len(v.Elems) < 2 {
			return appendLine(dst, "EN")
		}
		dst = append(dst, "ME "...)
		dst = appendKey(dst, r.Keys[0], v.Elems[0].Int != 0)
		dst = append(dst, ' ')
		dst = append(dst, v.Elems[1].Str...)
		return append(dst, '\r', '\n')
	}
	return AppendLocal(dst, r)
}

func metaStatus(s []byte) string {
	switch string(s) {
	case "STORED":
		return "HD"
	case "NOT_STORED":
		return "NS"
	case "EXISTS":
		return "EX"
	}
	return "NF"
}

// appendKey appends the key as memcached echoes it: base64 when it was
// sent base64-encoded.
func appendKey(dst, key []byte, binary bool) []byte {
	if !binary {
		return append(dst, key...)
	}
	n := base64.StdEncoding.EncodedLen(len(key))
	dst = append(dst, make([]byte, n)...)
	base64.StdEncoding.Encode(dst[len(dst)-n:], key)
	return dst
}

// appendKeyFlag appends the k return flag, the key in base64 followed by
// the b flag when binary.
func appendKeyFlag(dst, key []byte, binary bool) []byte {
	dst = append(dst, " k"...)
	dst = appendKey(dst, key, binary)
	if binary {
		dst = append(dst, " b"...)
	}
	return dst
}

// appendKeyFlag appends the k return flag for the request's key.
func (r *Request) appendKeyFlag(dst []byte) []byte {
	return appendKeyFlag(dst, r.Keys[0], r.Meta.Base64)
}

// appendOpaqueKey appends the O and k return flags in request order and
// ends the line.
func (r *Request) appendOpaqueKey(dst []byte) []byte {
	for _, f := range r.Meta.Flags {
		switch f[0] {
		case 'O':
			dst = append(dst, ' ')
			dst = append(dst, f...)
		case 'k':
			dst = r.appendKeyFlag(dst)
		}
	}
	return append(dst, '\r', '\n')
}

// mg reply element positions.
const (
	mgValue = iota
	mgSize
	mgFlags
	mgCas
	mgTTL
	mgLastAccess
	mgFetched
	mgWon
	mgStale
	mgTokenSent
	mgBinaryKey
	mgLen
)

func appendMg(dst []byte, r *Request, v resp.Value) []byte {
	if v.Null || len(v.Elems) < mgLen {
		if r.Noreply {
			return dst
		}
		dst = append(dst, "EN"...)
		return r.appendOpaqueKey(dst)
	}
	e := v.Elems
	val := e[mgValue].Str
	if r.Meta.Value {
		dst = append(dst, "VA "...)
		dst = strconv.AppendInt(dst, int64(len(val)), 10)
	} else {
		dst = append(dst, "HD"...)
	}
	for _, f := range r.Meta.Flags {
		switch f[0] {
		case 's':
			dst = append(dst, " s"...)
			dst = strconv.AppendInt(dst, e[mgSize].Int, 10)
		case 't':
			dst = append(dst, " t"...)
			dst = strconv.AppendInt(dst, e[mgTTL].Int, 10)
		case 'c':
			dst = append(dst, " c"...)
			dst = strconv.AppendUint(dst, uint64(e[mgCas].Int), 10)
		case 'f':
			dst = append(dst, " f"...)
			dst = strconv.AppendInt(dst, e[mgFlags].Int, 10)
		case 'l':
			dst = append(dst, " l"...)
			dst = strconv.AppendInt(dst, e[mgLastAccess].Int, 10)
		case 'h':
			dst = append(dst, " h"...)
			dst = strconv.AppendInt(dst, e[mgFetched].Int, 10)
		case 'O':
			dst = append(dst, ' ')
			dst = append(dst, f...)
		case 'k':
			// A hit echoes the key as it was stored.
			dst = appendKeyFlag(dst, r.Keys[0], e[mgBinaryKey].Int != 0)
		}
	}
	if e[mgTokenSent].Int != 0 {
		dst = append(dst, " Z"...)
	}
	if e[mgStale].Int != 0 {
		dst = append(dst, " X"...)
	}
	if e[mgWon].Int != 0 {
		dst = append(dst, " W"...)
	}
	dst = append(dst, '\r', '\n')
	if r.Meta.Value {
		dst = append(dst, val...)
		dst = append(dst, '\r', '\n')
	}
	return dst
}

func appendMa(dst []byte, r *Request, v resp.Value) []byte {
	if len(v.Elems) < 4 {
		return dst
	}
	status := v.Elems[0].Str
	if string(status) != "HD" {
		dst = append(dst, status...)
		return r.appendOpaqueKey(dst)
	}
	if r.Noreply && (len(v.Elems) < 5 || v.Elems[4].Int == 0) {
		// q hides a nominal reply, but not the one of a vivified item.
		return dst
	}
	val := v.Elems[1].Str
	if r.Meta.Value {
		dst = append(dst, "VA "...)
		dst = strconv.AppendInt(dst, int64(len(val)), 10)
	} else {
		dst = append(dst, "HD"...)
	}
	for _, f := range r.Meta.Flags {
		switch f[0] {
		case 'c':
			dst = append(dst, " c"...)
			dst = strconv.AppendUint(dst, uint64(v.Elems[2].Int), 10)
		case 't':
			dst = append(dst, " t"...)
			dst = strconv.AppendInt(dst, v.Elems[3].Int, 10)
		case 'O':
			dst = append(dst, ' ')
			dst = append(dst, f...)
		case 'k':
			dst = r.appendKeyFlag(dst)
		}
	}
	if r.Meta.Value {
		dst = append(dst, '\r', '\n')
		dst = append(dst, val...)
	}
	return append(dst, '\r', '\n')
}
