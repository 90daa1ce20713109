package memcache

// The number parsers below reproduce the C library conversions memcached
// relies on (strtoul, strtol, strtoull behind its safe_* wrappers), so that
// odd inputs ("+5", "-0", " 12", 2^32, 2^63) are accepted or refused exactly
// as memcached accepts or refuses them.

func isCSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

// strtou64 parses like C strtoull: leading white space, an optional sign,
// decimal digits. end is the index after the last digit; ok is false when
// no digit was found or the value overflows (ERANGE). A minus sign negates
// modulo 2^64; neg reports it.
func strtou64(s []byte) (v uint64, end int, neg, ok bool) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	overflow := false
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		d := uint64(s[i] - '0')
		if v > (1<<64-1-d)/10 {
			overflow = true
		}
		v = v*10 + d
		i++
	}
	if i == start {
		return 0, 0, false, false
	}
	if overflow {
		return 0, i, neg, false
	}
	if neg {
		v = -v
	}
	return v, i, neg, true
}

// validEnd reports what memcached's safe_* helpers accept after a number:
// white space, or the end of the string.
func validEnd(s []byte, end int) bool {
	return end == len(s) || isCSpace(s[end]) || s[end] == 0
}

// safeStrtoull is memcached's safe_strtoull.
func safeStrtoull(s []byte) (uint64, bool) {
	v, end, neg, ok := strtou64(s)
	if !ok || !validEnd(s, end) {
		return 0, false
	}
	if int64(v) < 0 && neg {
		return 0, false
	}
	return v, true
}

// safeStrtoul is memcached's safe_strtoul on a 64-bit host: the value is
// parsed as 64 bits and truncated to 32.
func safeStrtoul(s []byte) (uint32, bool) {
	v, ok := safeStrtoull(s)
	return uint32(v), ok
}

// safeStrtol is memcached's safe_strtol on a 64-bit host: a signed 64-bit
// strtol whose result is truncated to 32 bits.
func safeStrtol(s []byte) (int32, bool) {
	v, end, neg, ok := strtou64(s)
	if !ok || !validEnd(s, end) {
		return 0, false
	}
	// strtol range: [-2^63, 2^63-1].
	if neg {
		if v != 0 && -v > 1<<63 {
			return 0, false
		}
	} else if v > 1<<63-1 {
		return 0, false
	}
	return int32(int64(v)), true
}

// ParseUint64 parses an item's value for incr and decr as memcached does
// (safe_strtoull on the data): leading white space, then digits, then the
// end or white space. "12 abc" is 12; "12a" and "" are not numbers.
func ParseUint64(b []byte) (uint64, bool) { return safeStrtoull(b) }
