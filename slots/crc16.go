package slots

// NumSlots is the number of hash slots, as in Redis Cluster.
const NumSlots = 16384

// crc16tab is the CRC16-CCITT (XMODEM) table: polynomial 0x1021, init 0.
var crc16tab = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i) << 8
		for j := 0; j < 8; j++ {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x1021
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

// CRC16 returns the CRC16-XMODEM checksum of b, the function Redis Cluster
// uses for key slots.
func CRC16(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc = crc<<8 ^ crc16tab[byte(crc>>8)^c]
	}
	return crc
}

// HashTag returns the part of key that is hashed: the text between the first
// '{' and the next '}' when that text is not empty, else the whole key.
func HashTag(key []byte) []byte {
	for i, c := range key {
		if c == '{' {
			for j := i + 1; j < len(key); j++ {
				if key[j] == '}' {
					if j == i+1 {
						return key
					}
					return key[i+1 : j]
				}
			}
			return key
		}
	}
	return key
}

// KeySlot returns the slot of key: CRC16 of its hash tag modulo 16384.
func KeySlot(key []byte) int {
	return int(CRC16(HashTag(key)) & (NumSlots - 1))
}

// PatternSlot is the slot of every key a SORT BY or GET pattern can form,
// or -1 when they may fall in several: a hash tag closed before any glob
// character fixes the slot, as Redis Cluster decides (patternHashSlot).
func PatternSlot(p []byte) int {
	open := -1
	for i, ch := range p {
		switch {
		case ch == '*' || ch == '?' || ch == '[' || ch == '\\':
			return -1
		case open == -1 && ch == '{':
			open = i
		case open >= 0 && ch == '}' && i == open+1:
			open = -2 // "{}": the whole key is hashed
		case open >= 0 && ch == '}':
			return int(CRC16(p[open+1:i]) & (NumSlots - 1))
		}
	}
	return KeySlot(p)
}
