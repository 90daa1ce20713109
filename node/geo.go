package node

import (
	"math"
	"strconv"
)

// Geospatial indexing as Redis does it: a point is a 52-bit interleaved
// geohash (26 bits of longitude, 26 of latitude) stored as the score of a
// sorted set member. Searches cover the area with the geohash box of the
// centre and its eight neighbours, at a precision chosen from the radius,
// read each box as a score range, and keep the points that pass the exact
// distance test. Every step follows Redis's arithmetic operation by
// operation, so that the same points are found in the same order.

// Limits of the coordinates (EPSG:900913 / EPSG:3785: the poles cannot be
// encoded) and the precision of stored points.
const (
	geoLongMin = -180.0
	geoLongMax = 180.0
	geoLatMin  = -85.05112878
	geoLatMax  = 85.05112878
	geoStepMax = 26 // 52 bits

	geoEarthRadius = 6372797.560856 // meters, quadratic mean radius of WGS-84
	geoMercatorMax = 20037726.37
)

// geoDR is pi/180 as C computes M_PI / 180.0: one division of doubles.
var (
	geoPi = math.Pi
	geoDR = geoPi / 180.0
)

func geoDegRad(deg float64) float64 { return deg * geoDR }
func geoRadDeg(rad float64) float64 { return rad / geoDR }

// geoHash is a geohash of step bits per coordinate; bits holds longitude
// in the odd bits and latitude in the even bits.
type geoHash struct {
	bits uint64
	step uint8
}

func (h geoHash) zero() bool { return h.bits == 0 && h.step == 0 }

// geoRange is a coordinate interval.
type geoRange struct{ min, max float64 }

// geoArea is the rectangle a geohash stands for.
type geoArea struct {
	lon, lat geoRange
}

var (
	geoLonRange = geoRange{geoLongMin, geoLongMax}
	geoLatRange = geoRange{geoLatMin, geoLatMax}
)

// interleave64 spreads the low 32 bits of x over the even bits and those of
// y over the odd bits.
func interleave64(x, y uint32) uint64 {
	spread := func(v uint64) uint64 {
		v = (v | v<<16) & 0x0000FFFF0000FFFF
		v = (v | v<<8) & 0x00FF00FF00FF00FF
		v = (v | v<<4) & 0x0F0F0F0F0F0F0F0F
		v = (v | v<<2) & 0x3333333333333333
		return (v | v<<1) & 0x5555555555555555
	}
	return spread(uint64(x)) | spread(uint64(y))<<1
}

// deinterleave64 undoes interleave64: the even bits come back in the low
// 32 bits of the result, the odd bits in the high 32.
func deinterleave64(v uint64) uint64 {
	squash := func(v uint64) uint64 {
		v &= 0x5555555555555555
		v = (v | v>>1) & 0x3333333333333333
		v = (v | v>>2) & 0x0F0F0F0F0F0F0F0F
		v = (v | v>>4) & 0x00FF00FF00FF00FF
		v = (v | v>>8) & 0x0000FFFF0000FFFF
		return (v | v>>16) & 0x00000000FFFFFFFF
	}
	return squash(v) | squash(v>>1)<<32
}

// geoEncode encodes a point with step bits per coordinate over the given
// ranges. It fails outside the WGS-84 limits or the ranges.
func geoEncode(lonR, latR geoRange, lon, lat float64, step uint8) (geoHash, bool) {
	if step > 32 || step == 0 {
		return geoHash{}, false
	}
	if lon > geoLongMax || lon < geoLongMin || lat > geoLatMax || lat < geoLatMin {
		return geoHash{}, false
	}
	if lat < latR.min || lat > latR.max || lon < lonR.min || lon > lonR.max {
		return geoHash{step: step}, false
	}
	latOff := (lat - latR.min) / (latR.max - latR.min)
	lonOff := (lon - lonR.min) / (lonR.max - lonR.min)
	latOff *= float64(uint64(1) << step)
	lonOff *= float64(uint64(1) << step)
	return geoHash{bits: interleave64(uint32(latOff), uint32(lonOff)), step: step}, true
}

// geoEncodeWGS84 encodes a point over Redis's coordinate ranges.
func geoEncodeWGS84(lon, lat float64, step uint8) (geoHash, bool) {
	return geoEncode(geoLonRange, geoLatRange, lon, lat, step)
}

// align52 left-aligns a geohash to 52 bits: the score of its first point.
func (h geoHash) align52() uint64 { return h.bits << (52 - uint(h.step)*2) }

// decode returns the area of a geohash over Redis's coordinate ranges.
func (h geoHash) decode() (geoArea, bool) {
	if h.zero() {
		return geoArea{}, false
	}
	sep := deinterleave64(h.bits)
	latScale := geoLatRange.max - geoLatRange.min
	lonScale := geoLonRange.max - geoLonRange.min
	ilat := uint32(sep)
	ilon := uint32(sep >> 32)
	div := float64(uint64(1) << h.step)
	var a geoArea
	a.lat.min = geoLatRange.min + (float64(ilat)*1.0/div)*latScale
	a.lat.max = geoLatRange.min + (float64(ilat+1)*1.0/div)*latScale
	a.lon.min = geoLonRange.min + (float64(ilon)*1.0/div)*lonScale
	a.lon.max = geoLonRange.min + (float64(ilon+1)*1.0/div)*lonScale
	return a, true
}

// center returns the middle of an area, clamped to the WGS-84 limits.
func (a geoArea) center() (lon, lat float64) {
	lon = (a.lon.min + a.lon.max) / 2
	lon = min(max(lon, geoLongMin), geoLongMax)
	lat = (a.lat.min + a.lat.max) / 2
	lat = min(max(lat, geoLatMin), geoLatMax)
	return lon, lat
}

// cUint64 converts f to uint64 as C does on x86-64 (the conversion of a
// score to the bits of a geohash), including for scores no geohash has:
// negative values wrap and values beyond the range give 0.
func cUint64(f float64) uint64 {
	const two63 = 9223372036854775808.0
	if f < two63 {
		return uint64(cInt64(f))
	}
	return uint64(cInt64(f-two63)) ^ (1 << 63)
}

// cInt64 converts f to int64 as x86-64's cvttsd2si does: out of range
// values give the minimum int64.
func cInt64(f float64) int64 {
	const two63 = 9223372036854775808.0
	if f >= -two63 && f < two63 {
		return int64(f)
	}
	return math.MinInt64
}

// geoDecodeScore returns the point a sorted set score stands for.
func geoDecodeScore(score float64) (lon, lat float64) {
	a, _ := geoHash{bits: cUint64(score), step: geoStepMax}.decode()
	return a.center()
}

// geoScore returns the score of a point (which must be inside the limits).
func geoScore(lon, lat float64) uint64 {
	h, _ := geoEncodeWGS84(lon, lat, geoStepMax)
	return h.align52()
}

const geoAlphabet = "0123456789bcdefghjkmnpqrstuvwxyz"

// geoHashString returns the 11-character standard geohash of the point a
// score stands for: decoded, then encoded again over the standard latitude
// range -90..90; the eleventh character stands for bits a score does not
// have and is always '0'.
func geoHashString(dst []byte, score float64) []byte {
	lon, lat := geoDecodeScore(score)
	h, _ := geoEncode(geoRange{-180, 180}, geoRange{-90, 90}, lon, lat, geoStepMax)
	for i := 0; i < 10; i++ {
		dst = append(dst, geoAlphabet[(h.bits>>(52-(i+1)*5))&0x1f])
	}
	return append(dst, geoAlphabet[0])
}

// moveX moves a geohash one box east (d > 0) or west (d < 0), wrapping.
func (h *geoHash) moveX(d int) {
	x := h.bits & 0xaaaaaaaaaaaaaaaa
	y := h.bits & 0x5555555555555555
	zz := uint64(0x5555555555555555) >> (64 - uint(h.step)*2)
	if d > 0 {
		x += zz + 1
	} else {
		x |= zz
		x -= zz + 1
	}
	x &= 0xaaaaaaaaaaaaaaaa >> (64 - uint(h.step)*2)
	h.bits = x | y
}

// moveY moves a geohash one box north (d > 0) or south (d < 0), wrapping.
func (h *geoHash) moveY(d int) {
	x := h.bits & 0xaaaaaaaaaaaaaaaa
	y := h.bits & 0x5555555555555555
	zz := uint64(0xaaaaaaaaaaaaaaaa) >> (64 - uint(h.step)*2)
	if d > 0 {
		y += zz + 1
	} else {
		y |= zz
		y -= zz + 1
	}
	y &= 0x5555555555555555 >> (64 - uint(h.step)*2)
	h.bits = x | y
}

// geoNeighbors holds the boxes of a search in Redis's order: the centre,
// then north, south, east, west, north-east, north-west, south-east,
// south-west. A zero box is not searched.
type geoNeighbors [9]geoHash

const (
	nbCenter = iota
	nbNorth
	nbSouth
	nbEast
	nbWest
	nbNorthEast
	nbNorthWest
	nbSouthEast
	nbSouthWest
)

func geoNeighborsOf(h geoHash) geoNeighbors {
	n := geoNeighbors{h, h, h, h, h, h, h, h, h}
	n[nbEast].moveX(1)
	n[nbWest].moveX(-1)
	n[nbSouth].moveY(-1)
	n[nbNorth].moveY(1)
	n[nbNorthWest].moveX(-1)
	n[nbNorthWest].moveY(1)
	n[nbNorthEast].moveX(1)
	n[nbNorthEast].moveY(1)
	n[nbSouthEast].moveX(1)
	n[nbSouthEast].moveY(-1)
	n[nbSouthWest].moveX(-1)
	n[nbSouthWest].moveY(-1)
	return n
}

// geoShape is a search area: a circle of radius, or a box of width by
// height, around (lon, lat), its sizes in a unit of conv meters.
type geoShape struct {
	lon, lat      float64
	box           bool
	radius        float64
	width, height float64
	conv          float64
	maxA, maxA2   float64 // prefilter limits (see prepare)
	minA, minA2   float64

	latR, lonR, cosLat float64 // the centre in radians, the cosine of its latitude
	cosLatApprox       float64 // the same cosine with Go's math
}

// geoEstimateSteps picks the precision of the search boxes for a radius.
func geoEstimateSteps(rangeMeters, lat float64) uint8 {
	if rangeMeters == 0 {
		return 26
	}
	step := 1
	for rangeMeters < geoMercatorMax {
		rangeMeters *= 2
		step++
	}
	step -= 2 // make sure the range is included in most of the base cases
	// Wider range towards the poles.
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	return uint8(min(max(step, 1), 26))
}

// bounds returns the bounding box of the shape: minimum and maximum
// longitude and latitude.
func (s *geoShape) bounds() (minLon, minLat, maxLon, maxLat float64) {
	var height, width float64
	if s.box {
		height = s.conv * (s.height / 2)
		width = s.conv * (s.width / 2)
	} else {
		height = s.conv * s.radius
		width = s.conv * s.radius
	}
	latDelta := geoRadDeg(height / geoEarthRadius)
	lonDeltaTop := geoRadDeg(width / geoEarthRadius / geoCos(geoDegRad(s.lat+latDelta)))
	lonDeltaBottom := geoRadDeg(width / geoEarthRadius / geoCos(geoDegRad(s.lat-latDelta)))
	// The hemispheres bend opposite ways: take the wider edge.
	if s.lat < 0 {
		minLon, maxLon = s.lon-lonDeltaBottom, s.lon+lonDeltaBottom
	} else {
		minLon, maxLon = s.lon-lonDeltaTop, s.lon+lonDeltaTop
	}
	return minLon, s.lat - latDelta, maxLon, s.lat + latDelta
}

// areas returns the boxes that cover the shape.
func (s *geoShape) areas() geoNeighbors {
	minLon, minLat, maxLon, maxLat := s.bounds()
	var radius float64
	if s.box {
		radius = math.Sqrt((s.width/2)*(s.width/2) + (s.height/2)*(s.height/2))
	} else {
		radius = s.radius
	}
	radius *= s.conv
	steps := geoEstimateSteps(radius, s.lat)
	hash, _ := geoEncodeWGS84(s.lon, s.lat, steps)
	nb := geoNeighborsOf(hash)
	area, _ := hash.decode()

	// The estimated step may be too coarse when the area is near an edge
	// of its box: then one step less.
	north, _ := nb[nbNorth].decode()
	south, _ := nb[nbSouth].decode()
	east, _ := nb[nbEast].decode()
	west, _ := nb[nbWest].decode()
	decrease := north.lat.max < maxLat || south.lat.min > minLat ||
		east.lon.max < maxLon || west.lon.min > minLon
	if steps > 1 && decrease {
		steps--
		hash, _ = geoEncodeWGS84(s.lon, s.lat, steps)
		nb = geoNeighborsOf(hash)
		area, _ = hash.decode()
	}

	// Leave out the boxes the area cannot reach.
	if steps >= 2 {
		if area.lat.min < minLat {
			nb[nbSouth], nb[nbSouthWest], nb[nbSouthEast] = geoHash{}, geoHash{}, geoHash{}
		}
		if area.lat.max > maxLat {
			nb[nbNorth], nb[nbNorthEast], nb[nbNorthWest] = geoHash{}, geoHash{}, geoHash{}
		}
		if area.lon.min < minLon {
			nb[nbWest], nb[nbSouthWest], nb[nbNorthWest] = geoHash{}, geoHash{}, geoHash{}
		}
		if area.lon.max > maxLon {
			nb[nbEast], nb[nbSouthEast], nb[nbNorthEast] = geoHash{}, geoHash{}, geoHash{}
		}
	}
	return nb
}

// geoBoxScores returns the score range [min, max) of the points in a box.
func geoBoxScores(h geoHash) (lo, hi uint64) {
	lo = h.align52()
	h.bits++
	return lo, h.align52()
}

// geoDistance returns the great-circle distance in meters between two
// points (haversine formula).
func geoDistance(lon1, lat1, lon2, lat2 float64) float64 {
	lat1r := geoDegRad(lat1)
	return geoDistanceFrom(lat1r, geoDegRad(lon1), geoCos(lat1r), lon2, lat2)
}

// geoDistanceFrom is geoDistance with the first point given in radians,
// with the cosine of its latitude.
func geoDistanceFrom(lat1r, lon1r, cosLat1, lon2, lat2 float64) float64 {
	lat2r := geoDegRad(lat2)
	lon2r := geoDegRad(lon2)
	u := geoSin((lat2r - lat1r) / 2)
	v := geoSin((lon2r - lon1r) / 2)
	return 2.0 * geoEarthRadius * geoAsin(math.Sqrt(u*u+cosLat1*geoCos(lat2r)*v*v))
}

// Prefilter: most points in the boxes of a search are well outside or
// well inside its area, which Go's math tells faster than Redis's exact
// arithmetic. The haversine distance is 2R asin(sqrt(a)), increasing with
// a, so a point is surely outside when its approximate a exceeds the a of
// the limit plus a margin far above the error of the approximation (a few
// units in the last place, or a few centimetres where asin is steep), and
// surely inside below the a of the limit minus that margin. Only the
// points in between get the exact test one by one.

// approxA returns, with Go's math, the a of the haversine formula from the
// centre to (lon, lat) and, for boxes, the a of the two legs Redis
// measures: along the point's parallel to the centre's meridian (lonA) and
// along the point's meridian to the centre's parallel (latA).
func (s *geoShape) approxA(lon, lat float64) (a, lonA, latA float64) {
	latr, lonr := geoDegRad(lat), geoDegRad(lon)
	u := math.Sin((latr - s.latR) / 2)
	v := math.Sin((lonr - s.lonR) / 2)
	c := math.Cos(latr)
	return u*u + s.cosLatApprox*c*v*v, c * c * v * v, u * u
}

// geoMaxA returns the a above which a distance surely exceeds lim meters,
// or +Inf when no distance on the sphere does.
func geoMaxA(lim float64) float64 {
	theta := (lim + lim*1e-6 + 1) / (2 * geoEarthRadius)
	if !(theta < math.Pi/2) {
		return math.Inf(1)
	}
	s := math.Sin(theta)
	return s * s * (1 + 1e-9)
}

// geoMinA returns the a below which a distance is surely within lim
// meters, or -1 when none surely is.
func geoMinA(lim float64) float64 {
	theta := (lim - lim*1e-6 - 1) / (2 * geoEarthRadius)
	if !(theta > 0) {
		return -1
	}
	if theta >= math.Pi/2 {
		return 1 - 1e-9
	}
	s := math.Sin(theta)
	return min(s*s*(1-1e-9), 1-1e-9)
}

// prepare computes the prefilter limits of the shape and the trigonometry
// of its centre.
func (s *geoShape) prepare() {
	s.latR, s.lonR = geoDegRad(s.lat), geoDegRad(s.lon)
	s.cosLat = geoCos(s.latR)
	s.cosLatApprox = math.Cos(s.latR)
	if s.box {
		s.maxA, s.minA = geoMaxA(s.width*s.conv/2), geoMinA(s.width*s.conv/2)
		s.maxA2, s.minA2 = geoMaxA(s.height*s.conv/2), geoMinA(s.height*s.conv/2)
	} else {
		s.maxA, s.minA = geoMaxA(s.radius*s.conv), geoMinA(s.radius*s.conv)
	}
}

// Results of geoShape.within.
const (
	geoOutside = iota
	geoInside  // with its exact distance
	geoPending // surely inside; the exact distance is left to distances
)

// within tells whether the point (lon, lat) is inside the shape, as
// Redis's exact arithmetic would. Points surely inside or outside are
// told by the approximate haversine term; the others get the exact test,
// and their distance. Call prepare first.
func (s *geoShape) within(lon, lat float64) (float64, int) {
	a, lonA, latA := s.approxA(lon, lat)
	if !s.box {
		switch {
		case a > s.maxA:
			return 0, geoOutside
		case a < s.minA:
			return 0, geoPending
		}
		d := geoDistanceFrom(s.latR, s.lonR, s.cosLat, lon, lat)
		if d <= s.radius*s.conv {
			return d, geoInside
		}
		return 0, geoOutside
	}
	switch {
	case latA > s.maxA2 || lonA > s.maxA:
		return 0, geoOutside
	case latA < s.minA2 && lonA < s.minA:
		return 0, geoPending
	}
	w, h := s.width*s.conv, s.height*s.conv
	lonDist := geoDistance(lon, lat, s.lon, lat)
	latDist := geoDistance(lon, lat, lon, s.lat)
	if lonDist > w/2 || latDist > h/2 {
		return 0, geoOutside
	}
	return geoDistanceFrom(s.latR, s.lonR, s.cosLat, lon, lat), geoInside
}

// distances sets dist[i] to the exact distance from the centre of the
// point (lon[i], lat[i]), as geoDistanceFrom does, with one call to the C
// library per function for all the points.
func (s *geoShape) distances(lon, lat, dist []float64) {
	n := len(lon)
	buf := make([]float64, 3*n)
	for i := range n {
		lat2r := geoDegRad(lat[i])
		lon2r := geoDegRad(lon[i])
		buf[i] = (lat2r - s.latR) / 2
		buf[n+i] = (lon2r - s.lonR) / 2
		buf[2*n+i] = lat2r
	}
	geoSinN(buf[:2*n])
	geoCosN(buf[2*n:])
	for i := range n {
		u, v, c := buf[i], buf[n+i], buf[2*n+i]
		buf[i] = math.Sqrt(u*u + s.cosLat*c*v*v)
	}
	geoAsinN(buf[:n])
	for i := range n {
		dist[i] = 2.0 * geoEarthRadius * buf[i]
	}
}

// geoFormatDistance formats a distance with four decimals as Redis does:
// d*10^4 rounded to an integer, half to even (C's llrint), then printed
// with a dot before its last four digits. This differs from printf's
// "%.4f" when the product rounds to a half: 16912518.05455 prints as
// 16912518.0546, not 16912518.0545. Values beyond int64 print as llrint's
// out-of-range result, the minimum int64.
func geoFormatDistance(dst []byte, d float64) []byte {
	if d == 0 {
		return append(dst, "0.0000"...)
	}
	p := d * 10000
	sv := int64(math.MinInt64)
	if p >= -9223372036854775808.0 && p < 9223372036854775808.0 {
		sv = int64(math.RoundToEven(p))
	}
	v := uint64(sv)
	if sv < 0 {
		dst = append(dst, '-')
		v = -v
	}
	var digits [24]byte
	n := strconv.AppendUint(digits[:0], v, 10)
	if len(n) < 5 {
		dst = append(dst, '0', '.')
		for range 4 - len(n) {
			dst = append(dst, '0')
		}
		return append(dst, n...)
	}
	dst = append(dst, n[:len(n)-4]...)
	dst = append(dst, '.')
	return append(dst, n[len(n)-4:]...)
}

// geoFormatCoord formats a coordinate as Redis prints it: seventeen
// decimals of the exact value, trailing zeroes removed.
func geoFormatCoord(dst []byte, f float64) []byte {
	start := len(dst)
	dst = appendCFloat(dst, f, 17)
	s := dst[start:]
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return dst
	}
	n := len(s)
	for n > 0 && s[n-1] == '0' {
		n--
	}
	if n > 0 && s[n-1] == '.' {
		n--
	}
	if n == 2 && s[0] == '-' && s[1] == '0' {
		s[0] = '0'
		n = 1
	}
	return dst[:start+n]
}

// appendCFloat formats f as C's "%.<prec>f" does (inf and nan in lower
// case).
func appendCFloat(dst []byte, f float64, prec int) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	return strconv.AppendFloat(dst, f, 'f', prec, 64)
}

// pqsort sorts s partially, as Redis's pqsort (the NetBSD quicksort of
// Bentley and McIlroy, recursing only into the parts that overlap the
// positions lo..hi): afterwards s[lo..hi] hold the elements a full sort
// would put there. The order of equal elements is the one Redis gives.
func pqsort[T any](s []T, cmp func(a, b *T) int, lo, hi int) {
	pqsortPart(s, 0, len(s), cmp, lo, hi)
}

func pqsortPart[T any](s []T, a, n int, cmp func(a, b *T) int, lo, hi int) {
	swap := func(i, j int) { s[i], s[j] = s[j], s[i] }
	vecswap := func(i, j, k int) {
		for ; k > 0; k-- {
			swap(i, j)
			i++
			j++
		}
	}
	med3 := func(x, y, z int) int {
		if cmp(&s[x], &s[y]) < 0 {
			switch {
			case cmp(&s[y], &s[z]) < 0:
				return y
			case cmp(&s[x], &s[z]) < 0:
				return z
			}
			return x
		}
		switch {
		case cmp(&s[y], &s[z]) > 0:
			return y
		case cmp(&s[x], &s[z]) < 0:
			return x
		}
		return z
	}
	// outside reports whether the part [p, p+k) does not reach lo..hi.
	outside := func(p, k int) bool {
		return (lo < p && hi < p) || (lo >= p+k && hi >= p+k)
	}
	for {
		if n < 7 {
			for pm := a + 1; pm < a+n; pm++ {
				for pl := pm; pl > a && cmp(&s[pl-1], &s[pl]) > 0; pl-- {
					swap(pl, pl-1)
				}
			}
			return
		}
		pm := a + n/2
		if n > 7 {
			pl, pn := a, a+n-1
			if n > 40 {
				d := n / 8
				pl = med3(pl, pl+d, pl+2*d)
				pm = med3(pm-d, pm, pm+d)
				pn = med3(pn-2*d, pn-d, pn)
			}
			pm = med3(pl, pm, pn)
		}
		swap(a, pm)
		pa, pb := a+1, a+1
		pc, pd := a+n-1, a+n-1
		for {
			for pb <= pc {
				r := cmp(&s[pb], &s[a])
				if r > 0 {
					break
				}
				if r == 0 {
					swap(pa, pb)
					pa++
				}
				pb++
			}
			for pb <= pc {
				r := cmp(&s[pc], &s[a])
				if r < 0 {
					break
				}
				if r == 0 {
					swap(pc, pd)
					pd--
				}
				pc--
			}
			if pb > pc {
				break
			}
			swap(pb, pc)
			pb++
			pc--
		}
		pn := a + n
		r := min(pa-a, pb-pa)
		vecswap(a, pb-r, r)
		r = min(pd-pc, pn-pd-1)
		vecswap(pb, pn-r, r)
		if r = pb - pa; r > 1 && !outside(a, r) {
			pqsortPart(s, a, r, cmp, lo, hi)
		}
		if r = pd - pc; r > 1 {
			a, n = pn-r, r
			if !outside(a, n) {
				continue
			}
		}
		return
	}
}
