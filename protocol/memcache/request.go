package memcache

// Cmd identifies a request.
type Cmd uint8

// Requests. CmdError is a request memcached refuses while parsing: the
// reply is Request.Err (suppressed when Noreply is set).
const (
	CmdNone Cmd = iota
	CmdError
	CmdGet
	CmdGets
	CmdGat
	CmdGats
	CmdSet
	CmdAdd
	CmdReplace
	CmdAppend
	CmdPrepend
	CmdCas
	CmdTouch
	CmdDelete
	CmdIncr
	CmdDecr
	CmdFlushAll
	CmdStats
	CmdVersion
	CmdVerbosity
	CmdQuit
	CmdMetaGet
	CmdMetaSet
	CmdMetaDelete
	CmdMetaArithmetic
	CmdMetaNoop
	CmdMetaDebug
)

var cmdNames = [...]string{
	CmdNone: "", CmdError: "error", CmdGet: "get", CmdGets: "gets", CmdGat: "gat", CmdGats: "gats",
	CmdSet: "set", CmdAdd: "add", CmdReplace: "replace", CmdAppend: "append", CmdPrepend: "prepend",
	CmdCas: "cas", CmdTouch: "touch", CmdDelete: "delete", CmdIncr: "incr", CmdDecr: "decr",
	CmdFlushAll: "flush_all", CmdStats: "stats", CmdVersion: "version", CmdVerbosity: "verbosity",
	CmdQuit: "quit", CmdMetaGet: "mg", CmdMetaSet: "ms", CmdMetaDelete: "md",
	CmdMetaArithmetic: "ma", CmdMetaNoop: "mn", CmdMetaDebug: "me",
}

// String returns the command's protocol name.
func (c Cmd) String() string {
	if int(c) < len(cmdNames) {
		return cmdNames[c]
	}
	return "unknown"
}

// IsStore reports the commands that carry a data block.
func (c Cmd) IsStore() bool {
	return (c >= CmdSet && c <= CmdCas) || c == CmdMetaSet
}

// Error replies with memcached's texts.
const (
	ReplyError          = "ERROR"
	ErrBadFormat        = "CLIENT_ERROR bad command line format"
	ErrBadChunk         = "CLIENT_ERROR bad data chunk"
	ErrTooLarge         = "SERVER_ERROR object too large for cache"
	ErrOutOfMemoryStore = "SERVER_ERROR out of memory storing object"
	ErrOutOfMemory      = "SERVER_ERROR out of memory"
	ErrInvalidExptime   = "CLIENT_ERROR invalid exptime argument"
	ErrInvalidDelta     = "CLIENT_ERROR invalid numeric delta argument"
	ErrNonNumeric       = "CLIENT_ERROR cannot increment or decrement non-numeric value"
	ErrDeleteUsage      = "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]"
	ErrShutdownDisabled = "ERROR: shutdown not enabled"
	ErrStatsDetail      = "CLIENT_ERROR usage: stats detail on|off|dump"
	ErrInvalidFlag      = "CLIENT_ERROR invalid flag"
	ErrDuplicateFlag    = "CLIENT_ERROR duplicate flag"
	ErrInvalidOrDupFlag = "CLIENT_ERROR invalid or duplicate flag"
	ErrBadToken         = "CLIENT_ERROR bad token in command line format"
	ErrDecodingKey      = "CLIENT_ERROR error decoding key"
	ErrOpaqueTooLong    = "CLIENT_ERROR opaque token too long"
	ErrMgFlagsTooLong   = "CLIENT_ERROR options flags are too long"
	ErrFlagsTooLong     = "CLIENT_ERROR options flags too long"
	ErrMLength          = "CLIENT_ERROR incorrect length for M token"
	ErrMsMode           = "CLIENT_ERROR invalid mode for ms M token"
	ErrMaMode           = "CLIENT_ERROR invalid mode for ma M token"
	ErrInitial          = "CLIENT_ERROR invalid numeric initial value"
	ErrDeltaValue       = "CLIENT_ERROR invalid numeric delta value"
)

// Version is the memcached version whose protocol the codec speaks; the
// version command reports it so clients enable the matching features.
const Version = "1.6.18"

// Request is one parsed request. Byte slices point into the Reader's
// buffer (or the Request's own scratch space) until the next Read.
type Request struct {
	Cmd Cmd
	// Err is the reply of a CmdError request, or of a store refused as too
	// large (TooLarge).
	Err string
	// Noreply suppresses the reply ("noreply" in the text protocol, the q
	// flag's nominal replies in the meta protocol).
	Noreply bool
	// Keys holds the keys: one for every keyed command, several for the get
	// family. Meta keys sent with the b flag are already decoded.
	Keys [][]byte
	// ClientFlags, Exptime (raw, as the client sent it), CasUnique, Delta
	// and Value are the command's operands.
	ClientFlags uint32
	Exptime     int32
	CasUnique   uint64
	Delta       uint64
	Value       []byte
	// Arg is the first argument of stats and verbosity.
	Arg []byte
	// HasArg tells whether flush_all carries a delay (in Exptime).
	HasArg bool
	// TooLarge marks a store refused because the item exceeds the item
	// size limit; memcached also drops the key's current item for set.
	TooLarge bool
	// Meta holds the flags of the meta commands.
	Meta Meta

	dataLen int // bytes of data block (with CRLF) that follow, -1 for none
	toks    [maxTokens][]byte
	keyBuf  [MaxKeyLen]byte
}

// Key returns the first key (nil when there is none).
func (r *Request) Key() []byte {
	if len(r.Keys) == 0 {
		return nil
	}
	return r.Keys[0]
}

func (r *Request) reset() {
	keys := r.Keys[:0]
	if cap(keys) > maxRetainedKeys {
		keys = nil
	}
	flags := r.Meta.Flags[:0]
	*r = Request{Keys: keys, dataLen: -1}
	r.Meta.Flags = flags
}

func (r *Request) fail(msg string) {
	r.Cmd = CmdError
	r.Err = msg
}

// addKey appends the key of a single-key command; a key longer than
// MaxKeyLen fails the request with ErrBadFormat instead.
func (r *Request) addKey(k []byte) bool {
	if len(k) > MaxKeyLen {
		r.fail(ErrBadFormat)
		return false
	}
	r.Keys = append(r.Keys, k)
	return true
}

// badChunk turns a store whose data block did not end in CRLF into the
// error memcached sends; the meta set always shows it.
func (r *Request) badChunk() {
	if r.Cmd == CmdMetaSet {
		r.Noreply = false
	}
	r.Cmd = CmdError
	r.Err = ErrBadChunk
	r.Value = nil
}

// tokenize splits line on spaces as memcached's tokenize_command does: at
// most maxTokens-1 tokens; rest is what was left unsplit.
func tokenize(line []byte, toks *[maxTokens][]byte) (n int, rest []byte) {
	s := 0
	for i := 0; i < len(line); i++ {
		if line[i] != ' ' {
			continue
		}
		if s != i {
			toks[n] = line[s:i]
			n++
			if n == maxTokens-1 {
				return n, line[i+1:]
			}
		}
		s = i + 1
	}
	if s < len(line) {
		toks[n] = line[s:]
		n++
	}
	return n, nil
}

// parseLine parses one command line (without its line ending) into req.
func parseLine(req *Request, line []byte, lim Limits) {
	req.reset()
	n, rest := tokenize(line, &req.toks)
	// memcached counts the terminating token too.
	ntokens := n + 1
	t := req.toks[:n]
	if n < 1 || len(t[0]) < 2 {
		req.fail(ReplyError)
		return
	}
	name := t[0]
	if name[0] == 'm' && len(name) == 2 {
		parseMeta(req, name[1], t, ntokens, lim)
		if req.Cmd == CmdError {
			req.Noreply = false // meta errors are always sent
		}
		return
	}
	switch string(name) {
	case "get", "gets", "gat", "gats", "bget":
		parseGet(req, string(name), t, ntokens, rest)
	case "set", "add", "replace", "append", "prepend":
		if ntokens != 6 && ntokens != 7 {
			req.fail(ReplyError)
			return
		}
		parseStore(req, storeCmds[string(name)], t, ntokens, lim)
	case "cas":
		if ntokens != 7 && ntokens != 8 {
			req.fail(ReplyError)
			return
		}
		parseStore(req, CmdCas, t, ntokens, lim)
	case "incr", "decr":
		if ntokens != 4 && ntokens != 5 {
			req.fail(ReplyError)
			return
		}
		req.Cmd = CmdIncr
		if name[0] == 'd' {
			req.Cmd = CmdDecr
		}
		req.setNoreply(t)
		if !req.addKey(t[1]) {
			return
		}
		d, ok := safeStrtoull(t[2])
		if !ok {
			req.fail(ErrInvalidDelta)
			return
		}
		req.Delta = d
	case "touch":
		if ntokens != 4 && ntokens != 5 {
			req.fail(ReplyError)
			return
		}
		req.Cmd = CmdTouch
		req.setNoreply(t)
		if !req.addKey(t[1]) {
			return
		}
		e, ok := safeStrtol(t[2])
		if !ok {
			req.fail(ErrInvalidExptime)
			return
		}
		req.Exptime = e
	case "delete":
		if ntokens < 3 || ntokens > 5 {
			req.fail(ReplyError)
			return
		}
		req.Cmd = CmdDelete
		if ntokens > 3 {
			holdZero := string(t[2]) == "0"
			noreply := req.setNoreply(t)
			if !((ntokens == 4 && (holdZero || noreply)) || (ntokens == 5 && holdZero && noreply)) {
				req.fail(ErrDeleteUsage)
				return
			}
		}
		if !req.addKey(t[1]) {
			return
		}
	case "flush_all":
		if ntokens < 2 || ntokens > 4 {
			req.fail(ReplyError)
			return
		}
		req.Cmd = CmdFlushAll
		want := 2
		if req.setNoreply(t) {
			want = 3
		}
		if ntokens != want {
			e, ok := safeStrtol(t[1])
			if !ok {
				req.fail(ErrInvalidExptime)
				return
			}
			req.Exptime, req.HasArg = e, true
		}
	case "version":
		req.Cmd = CmdVersion
	case "quit":
		req.Cmd = CmdQuit
	case "verbosity":
		if ntokens != 3 && ntokens != 4 {
			req.fail(ReplyError)
			return
		}
		req.Cmd = CmdVerbosity
		req.setNoreply(t)
		if _, ok := safeStrtoul(t[1]); !ok {
			req.fail(ErrBadFormat)
			return
		}
	case "stats":
		req.Cmd = CmdStats
		if n > 1 {
			req.Arg = t[1]
		}
	case "shutdown":
		req.fail(ErrShutdownDisabled)
	default:
		req.fail(ReplyError)
	}
}

var storeCmds = map[string]Cmd{"set": CmdSet, "add": CmdAdd, "replace": CmdReplace, "append": CmdAppend, "prepend": CmdPrepend}

// setNoreply applies memcached's set_noreply_maybe: the last token is
// "noreply".
func (r *Request) setNoreply(t [][]byte) bool {
	if string(t[len(t)-1]) == "noreply" {
		r.Noreply = true
	}
	return r.Noreply
}

func parseGet(req *Request, name string, t [][]byte, ntokens int, rest []byte) {
	if ntokens < 3 {
		req.fail(ReplyError)
		return
	}
	switch name {
	case "get", "bget":
		req.Cmd = CmdGet
	case "gets":
		req.Cmd = CmdGets
	case "gat":
		req.Cmd = CmdGat
	case "gats":
		req.Cmd = CmdGats
	}
	keys := t[1:]
	if req.Cmd == CmdGat || req.Cmd == CmdGats {
		e, ok := safeStrtol(t[1])
		if !ok {
			req.fail(ErrInvalidExptime)
			return
		}
		req.Exptime = e
		keys = t[2:]
	}
	for {
		for _, k := range keys {
			if len(k) > MaxKeyLen {
				req.Keys = req.Keys[:0]
				req.fail(ErrBadFormat)
				return
			}
			req.Keys = append(req.Keys, k)
		}
		if rest == nil {
			break
		}
		var n int
		n, rest = tokenize(rest, &req.toks)
		keys = req.toks[:n]
	}
}

func parseStore(req *Request, cmd Cmd, t [][]byte, ntokens int, lim Limits) {
	req.Cmd = cmd
	req.setNoreply(t)
	if !req.addKey(t[1]) {
		return
	}
	flags, ok1 := safeStrtoul(t[2])
	exp, ok2 := safeStrtol(t[3])
	vlen, ok3 := safeStrtol(t[4])
	if !ok1 || !ok2 || !ok3 {
		req.fail(ErrBadFormat)
		return
	}
	if cmd == CmdCas {
		cas, ok := safeStrtoull(t[5])
		if !ok {
			req.fail(ErrBadFormat)
			return
		}
		req.CasUnique = cas
	}
	if vlen < 0 || vlen > 1<<31-1-2 {
		req.fail(ErrBadFormat)
		return
	}
	req.ClientFlags, req.Exptime = flags, exp
	req.dataLen = int(vlen) + 2
	if !itemSizeOK(len(t[1]), flags, int(vlen), lim) {
		req.TooLarge = true
		req.Err = ErrTooLarge
	}
}

// itemSizeOK applies memcached's item_size_ok.
func itemSizeOK(nkey int, flags uint32, vlen int, lim Limits) bool {
	size := itemOverhead + nkey + vlen
	if flags != 0 {
		size += 4
	}
	return size <= lim.itemSizeMax()
}

// ItemSizeOK reports whether an item with a key of nkey bytes, the given
// client flags and a value of vlen bytes fits in itemSizeMax, counting
// memcached's per-item overhead as memcached's item_size_ok does.
func ItemSizeOK(nkey int, flags uint32, vlen, itemSizeMax int) bool {
	return itemSizeOK(nkey, flags, vlen, Limits{ItemSizeMax: itemSizeMax})
}

// Clone returns a copy of r that owns its bytes, for a caller that keeps a
// request past the next Read (a proxy waiting for a backend's reply).
func (r *Request) Clone() *Request {
	cp := &Request{
		Cmd: r.Cmd, Err: r.Err, Noreply: r.Noreply, ClientFlags: r.ClientFlags, Exptime: r.Exptime,
		CasUnique: r.CasUnique, Delta: r.Delta, HasArg: r.HasArg, TooLarge: r.TooLarge, Meta: r.Meta,
		dataLen: r.dataLen,
	}
	n := len(r.Value) + len(r.Arg)
	for _, k := range r.Keys {
		n += len(k)
	}
	for _, f := range r.Meta.Flags {
		n += len(f)
	}
	buf := make([]byte, 0, n)
	own := func(b []byte) []byte {
		if b == nil {
			return nil
		}
		start := len(buf)
		buf = append(buf, b...)
		return buf[start:len(buf):len(buf)]
	}
	cp.Keys = make([][]byte, len(r.Keys))
	for i, k := range r.Keys {
		cp.Keys[i] = own(k)
	}
	cp.Meta.Flags = make([][]byte, len(r.Meta.Flags))
	for i, f := range r.Meta.Flags {
		cp.Meta.Flags[i] = own(f)
	}
	cp.Value = own(r.Value)
	cp.Arg = own(r.Arg)
	return cp
}
