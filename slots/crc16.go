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
