package memcache

import (
	"bytes"
	"encoding/base64"
	"strconv"

	"github.com/slotcache/slotcache/protocol/resp"
)

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
		if bytes.HasPrefix(v.Str, []byte("OOM ")) {
			// Over maxmemory under noeviction: memcached's own texts.
			if r.Cmd.IsStore() {
				return appendLine(dst, ErrOutOfMemoryStore)
			}
			return appendLine(dst, ErrOutOfMemory)
		}
		return appendErrorLine(dst, v.Str)
	}
	switch r.Cmd {
	case CmdGet, CmdGets, CmdGat, CmdGats:
		dst = AppendValues(dst, r, r.Keys, v)
		return append(dst, "END\r\n"...)
	case CmdSet, CmdAdd, CmdReplace, CmdAppend, CmdPrepend, CmdCas:
		if r.Noreply {
			return dst
		}
		if len(v.Elems) < 1 {
			return appendLine(dst, errBadReply)
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
		if r.Noreply {
			return dst
		}
		if len(v.Elems) < 2 {
			return appendLine(dst, errBadReply)
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
		if len(v.Elems) < 2 {
			return appendLine(dst, errBadReply)
		}
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

// errBadReply answers a request whose node reply has an unexpected shape.
const errBadReply = "SERVER_ERROR unexpected reply from the storage node"

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
	dst = r.appendMetaHead(dst, val)
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
		return appendLine(dst, errBadReply)
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
	dst = r.appendMetaHead(dst, val)
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

// AppendValues appends the VALUE lines of a get-family reply v to the keys
// given (all of req's, or a part of them when the caller runs a long get in
// pieces or merges the parts of a split get): one element per key, nil for
// a miss. The caller ends the reply with "END\r\n".
func AppendValues(dst []byte, r *Request, keys [][]byte, v resp.Value) []byte {
	withCas := r.Cmd == CmdGets || r.Cmd == CmdGats
	for i, e := range v.Elems {
		if e.Null || len(e.Elems) < 3 || i >= len(keys) {
			continue
		}
		dst = append(dst, "VALUE "...)
		dst = append(dst, keys[i]...)
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
	return dst
}

// appendMetaHead starts a meta reply that found its item: "VA <size>" when
// the value is asked for (v flag), else "HD".
func (r *Request) appendMetaHead(dst, val []byte) []byte {
	if !r.Meta.Value {
		return append(dst, "HD"...)
	}
	dst = append(dst, "VA "...)
	return strconv.AppendInt(dst, int64(len(val)), 10)
}
