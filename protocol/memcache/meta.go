package memcache

import "encoding/base64"

// Meta holds the flags of a meta command (mg, ms, md, ma, me).
type Meta struct {
	// Flags are the flag tokens in request order; replies echo O, k, c, ...
	// in this order, as memcached does.
	Flags [][]byte
	// Base64: the key was sent base64-encoded (b); replies encode it back.
	Base64 bool
	// Value: return the value (v).
	Value bool
	// NoUpdate: do not bump the item's access time (u).
	NoUpdate bool
	// Invalidate marks the item stale instead of deleting it (md I), or
	// allows a stale-marking CAS store (ms I).
	Invalidate bool
	// HasCas: compare against Request.CasUnique (C).
	HasCas bool
	// HasTTL: set the item's TTL to TTL (T).
	HasTTL bool
	TTL    int32
	// HasVivify: create the item on a miss with TTL Vivify (N).
	HasVivify bool
	Vivify    int32
	// HasRecache: win a recache token when the TTL is below Recache (R).
	HasRecache bool
	Recache    int32
	// Store is the storage mode of ms (set, add, append, prepend,
	// replace or cas) after the M and C flags are applied.
	Store Cmd
	// Incr is the direction of ma; Initial the value it vivifies with (J).
	Incr    bool
	Initial uint64
}

// parseMeta parses mg, ms, md, ma, mn and me.
func parseMeta(req *Request, c byte, t [][]byte, ntokens int, lim Limits) {
	switch c {
	case 'n':
		req.Cmd = CmdMetaNoop
		return
	case 'e':
		req.Cmd = CmdMetaDebug
		if ntokens < 3 || len(t[1]) > MaxKeyLen {
			req.fail(ErrBadFormat)
			return
		}
		key := t[1]
		if ntokens >= 4 && string(t[2]) == "b" {
			k, ok := req.decodeKey(key)
			if !ok {
				req.fail(ErrBadFormat)
				return
			}
			key = k
			req.Meta.Base64 = true
		}
		req.Keys = append(req.Keys, key)
		return
	case 'g':
		req.Cmd = CmdMetaGet
	case 's':
		req.Cmd = CmdMetaSet
	case 'd':
		req.Cmd = CmdMetaDelete
	case 'a':
		req.Cmd = CmdMetaArithmetic
	default:
		req.fail(ReplyError)
		return
	}
	if ntokens < 3 {
		req.fail(ReplyError)
		return
	}
	if len(t[1]) > MaxKeyLen {
		req.fail(ErrBadFormat)
		return
	}
	start := 2
	switch req.Cmd {
	case CmdMetaGet:
		if ntokens > metaMaxTokens {
			req.fail(ErrMgFlagsTooLong)
			return
		}
	case CmdMetaSet:
		if ntokens == 3 {
			req.fail(ErrBadFormat)
			return
		}
		if ntokens > metaMaxTokens {
			req.fail(ErrFlagsTooLong)
			return
		}
		vlen, ok := safeStrtol(t[2])
		if !ok || vlen < 0 || vlen > 1<<31-1-2 {
			req.fail(ErrBadFormat)
			return
		}
		req.dataLen = int(vlen) + 2
		start = 3
	default:
		if ntokens > metaMaxTokens {
			req.fail(ErrFlagsTooLong)
			return
		}
	}
	req.Delta = 1
	req.Meta.Incr = true
	if msg := req.preparse(t, start); msg != "" {
		if req.Cmd == CmdMetaDelete || req.Cmd == CmdMetaArithmetic {
			msg = ErrInvalidOrDupFlag
		}
		req.fail(msg)
		return
	}
	for _, f := range t[start:] {
		req.Meta.Flags = append(req.Meta.Flags, f)
		if f[0] == 'O' && len(f) > metaMaxOpaque {
			req.fail(ErrOpaqueTooLong)
			return
		}
	}
	switch req.Cmd {
	case CmdMetaSet:
		st := CmdSet
		switch req.Meta.mode() {
		case 0, 'S':
		case 'E':
			st = CmdAdd
		case 'A':
			st = CmdAppend
		case 'P':
			st = CmdPrepend
		case 'R':
			st = CmdReplace
		default:
			req.fail(ErrMsMode)
			return
		}
		if req.Meta.HasCas && (st == CmdSet || st == CmdReplace) {
			st = CmdCas
		}
		req.Meta.Store = st
		if req.Meta.HasTTL {
			req.Exptime = req.Meta.TTL
		}
		if !itemSizeOK(len(req.Keys[0]), req.ClientFlags, req.dataLen-2, lim) {
			req.TooLarge = true
			req.Err = ErrTooLarge
		}
	case CmdMetaArithmetic:
		switch req.Meta.mode() {
		case 0, 'I', '+':
		case 'D', '-':
			req.Meta.Incr = false
		default:
			req.fail(ErrMaMode)
			return
		}
	}
}

// mode returns the M flag's character, 0 without one.
func (m *Meta) mode() byte {
	for _, f := range m.Flags {
		if f[0] == 'M' {
			return f[1]
		}
	}
	return 0
}

// preparse is memcached's _meta_flag_preparse: it validates the flags
// from t[start:] and records them; it returns the error reply, if any.
func (req *Request) preparse(t [][]byte, start int) string {
	var seen [127]bool
	errstr := ""
	key := t[1]
	for _, f := range t[start:] {
		o := f[0]
		if o >= 127 || seen[o] {
			return ErrDuplicateFlag
		}
		seen[o] = true
		m := &req.Meta
		switch o {
		case 'b':
			k, ok := req.decodeKey(t[1])
			if !ok {
				errstr = ErrDecodingKey
			}
			key = k
			m.Base64 = true
		case 'N', 'T', 'R':
			v, ok := safeStrtol(f[1:])
			if !ok {
				errstr = ErrBadToken
				break
			}
			switch o {
			case 'N':
				m.HasVivify, m.Vivify = true, v
			case 'T':
				m.HasTTL, m.TTL = true, v
			default:
				m.HasRecache, m.Recache = true, v
			}
		case 'l', 'O', 'P', 'L', 'k', 's', 't', 'c', 'f', 'h', 'q':
			if o == 'q' {
				req.Noreply = true
			}
		case 'v':
			m.Value = true
		case 'u':
			m.NoUpdate = true
		case 'F':
			v, ok := safeStrtoul(f[1:])
			if !ok {
				if errstr == "" {
					errstr = ErrBadFormat
				}
				break
			}
			req.ClientFlags = v
		case 'C':
			v, ok := safeStrtoull(f[1:])
			if !ok {
				errstr = ErrBadToken
				break
			}
			m.HasCas, req.CasUnique = true, v
		case 'M':
			if len(f) != 2 {
				errstr = ErrMLength
			}
		case 'J':
			v, ok := safeStrtoull(f[1:])
			if !ok {
				errstr = ErrInitial
				break
			}
			m.Initial = v
		case 'D':
			v, ok := safeStrtoull(f[1:])
			if !ok {
				errstr = ErrDeltaValue
				break
			}
			req.Delta = v
		case 'I':
			m.Invalidate = true
		default:
			return ErrInvalidFlag
		}
	}
	req.Keys = append(req.Keys[:0], key)
	return errstr
}

// decodeKey base64-decodes a meta key into the Request's key buffer.
func (req *Request) decodeKey(k []byte) ([]byte, bool) {
	n, err := base64.StdEncoding.Decode(req.keyBuf[:], k)
	if err != nil || n == 0 {
		return nil, false
	}
	return req.keyBuf[:n], true
}
