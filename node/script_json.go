package node

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// jsonDecoder is cjson.decode: a JSON parser that fails with cjson's
// messages ("Expected value but found T_END at character 1").
type jsonDecoder struct {
	e     *scriptEngine
	s     string
	pos   int
	depth int
}

// jsonToken kinds, named as cjson names them in its errors.
const (
	tObjBegin = "T_OBJ_BEGIN"
	tObjEnd   = "T_OBJ_END"
	tArrBegin = "T_ARR_BEGIN"
	tArrEnd   = "T_ARR_END"
	tString   = "T_STRING"
	tNumber   = "T_NUMBER"
	tBoolean  = "T_BOOLEAN"
	tNull     = "T_NULL"
	tColon    = "T_COLON"
	tComma    = "T_COMMA"
	tEnd      = "T_END"
)

type jsonToken struct {
	kind  string // one of the T_ names; "" for an error
	err   string // cjson's text for an invalid token
	at    int    // index of its first byte
	value lua.LValue
}

// decodeJSON parses s; msg is cjson's error text.
func (e *scriptEngine) decodeJSON(s string) (v lua.LValue, msg string) {
	if len(s) >= 2 && (s[0] == 0 || s[1] == 0) {
		return nil, "JSON parser does not support UTF-16 or UTF-32"
	}
	d := &jsonDecoder{e: e, s: s}
	tok := d.next()
	if v, msg = d.value(tok); msg != "" {
		return nil, msg
	}
	if tok := d.next(); tok.kind != tEnd {
		return nil, d.expected("the end", tok)
	}
	return v, ""
}

func (d *jsonDecoder) expected(what string, tok jsonToken) string {
	found := tok.kind
	if found == "" {
		found = tok.err
	}
	return fmt.Sprintf("Expected %s but found %s at character %d", what, found, tok.at+1)
}

// value converts the value starting with tok.
func (d *jsonDecoder) value(tok jsonToken) (lua.LValue, string) {
	switch tok.kind {
	case tString, tNumber, tBoolean, tNull:
		return tok.value, ""
	case tObjBegin:
		return d.object(tok)
	case tArrBegin:
		return d.array(tok)
	}
	return nil, d.expected("value", tok)
}

func (d *jsonDecoder) nest(tok jsonToken) string {
	d.depth++
	if d.depth > maxJSONDepth {
		return fmt.Sprintf("Found too many nested data structures (%d) at character %d", d.depth, tok.at+1)
	}
	return ""
}

func (d *jsonDecoder) object(open jsonToken) (lua.LValue, string) {
	if msg := d.nest(open); msg != "" {
		return nil, msg
	}
	t := d.e.L.NewTable()
	tok := d.next()
	if tok.kind == tObjEnd {
		d.depth--
		return t, ""
	}
	for {
		if tok.kind != tString {
			return nil, d.expected("object key string", tok)
		}
		key := tok.value
		if tok = d.next(); tok.kind != tColon {
			return nil, d.expected("colon", tok)
		}
		v, msg := d.value(d.next())
		if msg != "" {
			return nil, msg
		}
		t.RawSet(key, v)
		switch tok = d.next(); tok.kind {
		case tObjEnd:
			d.depth--
			return t, ""
		case tComma:
			tok = d.next()
		default:
			return nil, d.expected("comma or object end", tok)
		}
	}
}

func (d *jsonDecoder) array(open jsonToken) (lua.LValue, string) {
	if msg := d.nest(open); msg != "" {
		return nil, msg
	}
	t := d.e.L.NewTable()
	tok := d.next()
	if tok.kind == tArrEnd {
		d.depth--
		return t, ""
	}
	for i := 1; ; i++ {
		v, msg := d.value(tok)
		if msg != "" {
			return nil, msg
		}
		t.RawSetInt(i, v)
		switch tok = d.next(); tok.kind {
		case tArrEnd:
			d.depth--
			return t, ""
		case tComma:
			tok = d.next()
		default:
			return nil, d.expected("comma or array end", tok)
		}
	}
}

// next reads the next token.
func (d *jsonDecoder) next() jsonToken {
	s := d.s
	for d.pos < len(s) && (s[d.pos] == ' ' || s[d.pos] == '\t' || s[d.pos] == '\n' || s[d.pos] == '\r') {
		d.pos++
	}
	at := d.pos
	if at >= len(s) {
		return jsonToken{kind: tEnd, at: at}
	}
	simple := func(kind string) jsonToken {
		d.pos++
		return jsonToken{kind: kind, at: at}
	}
	switch c := s[at]; {
	case c == '{':
		return simple(tObjBegin)
	case c == '}':
		return simple(tObjEnd)
	case c == '[':
		return simple(tArrBegin)
	case c == ']':
		return simple(tArrEnd)
	case c == ':':
		return simple(tColon)
	case c == ',':
		return simple(tComma)
	case c == '"':
		return d.str(at)
	case c == '-' || c == '+' || (c >= '0' && c <= '9'):
		return d.number(at)
	case strings.HasPrefix(s[at:], "true"):
		d.pos += 4
		return jsonToken{kind: tBoolean, at: at, value: lua.LTrue}
	case strings.HasPrefix(s[at:], "false"):
		d.pos += 5
		return jsonToken{kind: tBoolean, at: at, value: lua.LFalse}
	case strings.HasPrefix(s[at:], "null"):
		d.pos += 4
		return jsonToken{kind: tNull, at: at, value: d.e.cjsonNull}
	case hasFoldPrefix(s[at:], "inf") || hasFoldPrefix(s[at:], "nan"):
		return d.number(at)
	}
	return jsonToken{err: "invalid token", at: at}
}

// number reads a number as cjson does (with decode_invalid_numbers, its
// default): C's strtod on the longest prefix, so hex, a leading '+' or
// zeros, inf and nan are numbers too.
func (d *jsonDecoder) number(at int) jsonToken {
	f, n := jsonStrtod(d.s[at:])
	if n == 0 {
		return jsonToken{err: "invalid number", at: at}
	}
	d.pos = at + n
	return jsonToken{kind: tNumber, at: at, value: lua.LNumber(f)}
}

// jsonStrtod parses the longest prefix of s that C's strtod accepts and
// returns its value and length (0: none).
func jsonStrtod(s string) (float64, int) {
	p := 0
	neg := false
	if p < len(s) && (s[p] == '+' || s[p] == '-') {
		neg = s[p] == '-'
		p++
	}
	sign := func(f float64) float64 {
		if neg {
			return -f
		}
		return f
	}
	rest := s[p:]
	switch {
	case hasFoldPrefix(rest, "infinity"):
		return sign(math.Inf(1)), p + 8
	case hasFoldPrefix(rest, "inf"):
		return sign(math.Inf(1)), p + 3
	case hasFoldPrefix(rest, "nan"):
		return math.NaN(), p + 3
	case len(rest) > 2 && rest[0] == '0' && rest[1]|0x20 == 'x' && isHexDigit(rest[2]):
		q := 2
		var v float64
		for q < len(rest) && isHexDigit(rest[q]) {
			v = v*16 + float64(hexValue(rest[q]))
			q++
		}
		return sign(v), p + q
	}
	q := p
	digits := 0
	for q < len(s) && s[q] >= '0' && s[q] <= '9' {
		q++
		digits++
	}
	if q < len(s) && s[q] == '.' {
		q++
		for q < len(s) && s[q] >= '0' && s[q] <= '9' {
			q++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0
	}
	if q < len(s) && s[q]|0x20 == 'e' {
		e := q + 1
		if e < len(s) && (s[e] == '+' || s[e] == '-') {
			e++
		}
		if e < len(s) && s[e] >= '0' && s[e] <= '9' {
			for e < len(s) && s[e] >= '0' && s[e] <= '9' {
				e++
			}
			q = e
		}
	}
	f, _ := strconv.ParseFloat(strings.TrimSuffix(s[:q], "."), 64) // out of range: ±Inf, as strtod
	if q > 0 && s[q-1] == '.' && q-1 > 0 && (s[q-2] == '+' || s[q-2] == '-') {
		return 0, 0
	}
	return f, q
}

func hexValue(c byte) int {
	if c <= '9' {
		return int(c - '0')
	}
	return int(c|0x20-'a') + 10
}

// hasFoldPrefix reports whether s starts with prefix, ignoring ASCII case.
func hasFoldPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// str reads a string with JSON escapes (\uXXXX as UTF-8, surrogate pairs
// joined).
func (d *jsonDecoder) str(at int) jsonToken {
	s := d.s
	var b strings.Builder
	p := at + 1
	for {
		if p >= len(s) {
			return jsonToken{err: "unexpected end of string", at: p}
		}
		c := s[p]
		if c == '"' {
			d.pos = p + 1
			return jsonToken{kind: tString, at: at, value: lua.LString(b.String())}
		}
		if c != '\\' {
			b.WriteByte(c)
			p++
			continue
		}
		if p+1 >= len(s) {
			return jsonToken{err: "unexpected end of string", at: p + 1}
		}
		switch e := s[p+1]; e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, n, ok := unicodeEscape(s[p:])
			if !ok {
				return jsonToken{err: "invalid unicode escape code", at: p}
			}
			var buf [4]byte
			b.Write(buf[:utf8.EncodeRune(buf[:], r)])
			p += n
			continue
		default:
			return jsonToken{err: "invalid escape code", at: p}
		}
		p += 2
	}
}

// unicodeEscape decodes "\uXXXX" (or a surrogate pair of two) at the
// start of s; n is the bytes used.
func unicodeEscape(s string) (r rune, n int, ok bool) {
	hex4 := func(s string) (rune, bool) {
		if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(s[2:6], 16, 16)
		return rune(v), err == nil
	}
	hi, ok := hex4(s)
	if !ok {
		return 0, 0, false
	}
	switch {
	case hi >= 0xdc00 && hi <= 0xdfff:
		return 0, 0, false
	case hi >= 0xd800 && hi <= 0xdbff:
		lo, ok := hex4(s[6:])
		if !ok || lo < 0xdc00 || lo > 0xdfff {
			return 0, 0, false
		}
		return 0x10000 + (hi-0xd800)<<10 + (lo - 0xdc00), 12, true
	}
	return hi, 6, true
}
