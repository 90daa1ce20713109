package node

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// Geo reply texts.
const (
	msgGeoUnit        = "ERR unsupported unit provided. please use M, KM, FT, MI"
	msgGeoMember      = "ERR could not decode requested zset member"
	msgGeoRadiusNum   = "ERR need numeric radius"
	msgGeoWidthNum    = "ERR need numeric width"
	msgGeoHeightNum   = "ERR need numeric height"
	msgGeoRadiusNeg   = "ERR radius cannot be negative"
	msgGeoBoxNeg      = "ERR height or width cannot be negative"
	msgGeoCount       = "ERR COUNT must be > 0"
	msgGeoAnyNoCount  = "ERR the ANY argument requires COUNT argument"
	msgGeoStoreRadius = "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
	msgGeoStoreSearch = "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
)

func geocmd(name string, arity int, flags cmdFlag, first, last int, acl, summary, since string, fn handler) *command {
	return &command{name: name, arity: arity, flags: flags, firstKey: first, lastKey: last, step: 1, acl: acl, group: "geo", summary: summary, since: since, fn: fn}
}

// geoCommands: the geospatial commands, over sorted sets.
func geoCommands() []*command {
	const (
		r  = "@read @geo @slow"
		w  = "@write @geo @slow"
		wd = flagWrite | flagDenyOOM
		ro = flagReadonly
	)
	return selfSignalling([]*command{
		geocmd("geoadd", -5, wd, 1, 1, w, "Add one or more geospatial items in the geospatial index represented using a sorted set", "3.2.0", cmdGeoadd),
		geocmd("geodist", -4, ro, 1, 1, r, "Returns the distance between two members of a geospatial index", "3.2.0", cmdGeodist),
		geocmd("geohash", -2, ro, 1, 1, r, "Returns members of a geospatial index as standard geohash strings", "3.2.0", cmdGeohash),
		geocmd("geopos", -2, ro, 1, 1, r, "Returns longitude and latitude of members of a geospatial index", "3.2.0", cmdGeopos),
		geocmd("georadius", -6, wd, 1, 1, w, "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point", "3.2.0",
			func(c *client, args [][]byte) { geoSearchGeneric(c, args, 1, geoFromCoords) }),
		geocmd("georadius_ro", -6, ro, 1, 1, r, "A read-only variant for GEORADIUS", "3.2.10",
			func(c *client, args [][]byte) { geoSearchGeneric(c, args, 1, geoFromCoords|geoNoStore) }),
		geocmd("georadiusbymember", -5, wd, 1, 1, w, "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member", "3.2.0",
			func(c *client, args [][]byte) { geoSearchGeneric(c, args, 1, geoFromMember) }),
		geocmd("georadiusbymember_ro", -5, ro, 1, 1, r, "A read-only variant for GEORADIUSBYMEMBER", "3.2.10",
			func(c *client, args [][]byte) { geoSearchGeneric(c, args, 1, geoFromMember|geoNoStore) }),
		geocmd("geosearch", -7, ro, 1, 1, r, "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.", "6.2.0",
			func(c *client, args [][]byte) { geoSearchGeneric(c, args, 1, geoSearch) }),
		geocmd("geosearchstore", -8, wd, 1, 2, w, "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.", "6.2.0",
			func(c *client, args [][]byte) { geoSearchGeneric(c, args, 2, geoSearch|geoSearchStore) }),
	})
}

// geoUnit returns the meters in one unit, or 0 for an unknown unit.
func geoUnit(u []byte) float64 {
	switch strings.ToLower(string(u)) {
	case "m":
		return 1
	case "km":
		return 1000
	case "ft":
		return 0.3048
	case "mi":
		return 1609.34
	}
	return 0
}

// parseLonLat parses a longitude and a latitude argument; it has replied
// with an error when ok is false.
func parseLonLat(c *client, lonb, latb []byte) (lon, lat float64, ok bool) {
	lon, ok1 := parseScore(lonb)
	if !ok1 {
		c.w.Error(msgNotFloat)
		return 0, 0, false
	}
	lat, ok2 := parseScore(latb)
	if !ok2 {
		c.w.Error(msgNotFloat)
		return 0, 0, false
	}
	if lon < geoLongMin || lon > geoLongMax || lat < geoLatMin || lat > geoLatMax {
		msg := append([]byte("ERR invalid longitude,latitude pair "), appendCFloat(nil, lon, 6)...)
		msg = append(append(msg, ','), appendCFloat(nil, lat, 6)...)
		c.w.Error(string(msg))
		return 0, 0, false
	}
	return lon, lat, true
}

// parseGeoLength parses "<number> <unit>" (a radius, or with two numbers a
// box); it has replied with an error when ok is false.
func parseGeoLength(c *client, num []byte, numMsg string) (float64, bool) {
	f, ok := parseScore(num)
	if !ok {
		c.w.Error(numMsg)
		return 0, false
	}
	return f, true
}

func parseGeoUnit(c *client, u []byte) (float64, bool) {
	conv := geoUnit(u)
	if conv == 0 {
		c.w.Error(msgGeoUnit)
		return 0, false
	}
	return conv, true
}

// parseGeoRadius parses "radius unit" into s.
func parseGeoRadius(c *client, args [][]byte, s *geoShape) bool {
	r, ok := parseGeoLength(c, args[0], msgGeoRadiusNum)
	if !ok {
		return false
	}
	if r < 0 {
		c.w.Error(msgGeoRadiusNeg)
		return false
	}
	conv, ok := parseGeoUnit(c, args[1])
	if !ok {
		return false
	}
	s.box, s.radius, s.conv = false, r, conv
	return true
}

// parseGeoBox parses "width height unit" into s.
func parseGeoBox(c *client, args [][]byte, s *geoShape) bool {
	w, ok := parseGeoLength(c, args[0], msgGeoWidthNum)
	if !ok {
		return false
	}
	h, ok := parseGeoLength(c, args[1], msgGeoHeightNum)
	if !ok {
		return false
	}
	if h < 0 || w < 0 {
		c.w.Error(msgGeoBoxNeg)
		return false
	}
	conv, ok := parseGeoUnit(c, args[2])
	if !ok {
		return false
	}
	s.box, s.width, s.height, s.conv = true, w, h, conv
	return true
}

// cmdGeoadd implements GEOADD key [NX|XX] [CH] lon lat member ... as Redis
// does: the points become scores and ZADD does the rest.
func cmdGeoadd(c *client, args [][]byte) {
	var nx, xx bool
	i := 2
	for ; i < len(args); i++ {
		switch strings.ToLower(string(args[i])) {
		case "nx":
			nx = true
			continue
		case "xx":
			xx = true
			continue
		case "ch":
			continue
		}
		break
	}
	if (len(args)-i)%3 != 0 || (nx && xx) {
		c.w.Error(msgSyntax)
		return
	}
	n := (len(args) - i) / 3
	zargs := make([][]byte, 0, i+2*n)
	zargs = append(zargs, []byte("zadd"))
	zargs = append(zargs, args[1:i]...)
	for j := i; j < len(args); j += 3 {
		lon, lat, ok := parseLonLat(c, args[j], args[j+1])
		if !ok {
			return
		}
		zargs = append(zargs, strconv.AppendUint(nil, geoScore(lon, lat), 10), args[j+2])
	}
	zaddGeneric(c, zargs, false)
}

// cmdGeodist implements GEODIST key member1 member2 [unit].
func cmdGeodist(c *client, args [][]byte) {
	conv := 1.0
	if len(args) == 5 {
		var ok bool
		if conv, ok = parseGeoUnit(c, args[4]); !ok {
			return
		}
	} else if len(args) > 5 {
		c.w.Error(msgSyntax)
		return
	}
	z, ok := c.readZset(args[1])
	if !ok {
		return
	}
	if z == nil {
		c.w.Null()
		return
	}
	s1, ok1 := z.score(args[2])
	s2, ok2 := z.score(args[3])
	if !ok1 || !ok2 {
		c.w.Null()
		return
	}
	lon1, lat1 := geoDecodeScore(s1)
	lon2, lat2 := geoDecodeScore(s2)
	var tmp [64]byte
	c.w.Bulk(geoFormatDistance(tmp[:0], geoDistance(lon1, lat1, lon2, lat2)/conv))
}

// cmdGeohash implements GEOHASH key member ...
func cmdGeohash(c *client, args [][]byte) {
	z, ok := c.readZset(args[1])
	if !ok {
		return
	}
	c.w.Array(len(args) - 2)
	var tmp [16]byte
	for _, m := range args[2:] {
		if z != nil {
			if s, ok := z.score(m); ok {
				c.w.Bulk(geoHashString(tmp[:0], s))
				continue
			}
		}
		c.w.Null()
	}
}

// cmdGeopos implements GEOPOS key member ...
func cmdGeopos(c *client, args [][]byte) {
	z, ok := c.readZset(args[1])
	if !ok {
		return
	}
	c.w.Array(len(args) - 2)
	for _, m := range args[2:] {
		if z != nil {
			if s, ok := z.score(m); ok {
				lon, lat := geoDecodeScore(s)
				c.w.Array(2)
				writeGeoCoord(c, lon)
				writeGeoCoord(c, lat)
				continue
			}
		}
		c.w.NullArray()
	}
}

// writeGeoCoord writes a coordinate: a bulk string in RESP2, a double in
// RESP3, with Redis's digits in both.
func writeGeoCoord(c *client, f float64) {
	if c.w.Proto >= 3 {
		c.w.Buf = append(c.w.Buf, ',')
		c.w.Buf = geoFormatCoord(c.w.Buf, f)
		c.w.Buf = append(c.w.Buf, '\r', '\n')
		return
	}
	var tmp [64]byte
	c.w.Bulk(geoFormatCoord(tmp[:0], f))
}

// Kinds of search, as flags of geoSearchGeneric.
const (
	geoFromCoords  = 1 << iota // GEORADIUS: around lon lat
	geoFromMember              // GEORADIUSBYMEMBER: around a member
	geoNoStore                 // the _RO variants: no STORE/STOREDIST
	geoSearch                  // GEOSEARCH syntax
	geoSearchStore             // GEOSEARCHSTORE: stores, STOREDIST is a flag
)

// Orders of search results.
const (
	geoSortNone = iota
	geoSortAsc
	geoSortDesc
)

// geoQuery is a parsed search request.
type geoQuery struct {
	shape                         geoShape
	withDist, withHash, withCoord bool
	sort                          int
	any                           bool
	count                         int64 // 0: unlimited
	store                         []byte
	storeDist                     bool
}

// geoSearchGeneric implements the GEORADIUS family and GEOSEARCH[STORE];
// src is the position of the source key. Checks come in Redis's order.
func geoSearchGeneric(c *client, args [][]byte, src int, flags int) {
	z, ok := c.readZset(args[src])
	if !ok {
		return
	}
	q, ok := parseGeoQuery(c, args, z, flags)
	if !ok {
		return
	}
	if z == nil {
		if q.store != nil {
			if c.db.remove(q.store, c.now) {
				c.srv.dirty++
			}
			c.w.Int(0)
		} else {
			c.w.Array(0)
		}
		return
	}
	// COUNT without an order returns the nearest points, unless ANY.
	if q.count != 0 && q.sort == geoSortNone && !q.any {
		q.sort = geoSortAsc
	}
	limit := 0
	if q.any {
		limit = int(min(q.count, int64(z.length())+1))
	}
	pts := geoSearchZset(z, &q.shape, limit, nil)
	if len(pts) == 0 && q.store == nil {
		c.w.Array(0)
		return
	}
	n := len(pts)
	if q.count != 0 && int64(n) > q.count {
		n = int(q.count)
	}
	geoSort(pts, q.sort, n)
	if q.store != nil {
		geoStore(c, &q, pts[:n])
		return
	}
	writeGeoPoints(c, &q, pts[:n])
}

// parseGeoQuery parses the arguments of a search on z (nil when the key
// does not exist: a member is then not looked up, nor, for
// GEORADIUSBYMEMBER, the radius parsed, as in Redis). It has replied with
// an error when ok is false.
func parseGeoQuery(c *client, args [][]byte, z *zset, flags int) (q geoQuery, ok bool) {
	var base int
	switch {
	case flags&geoFromCoords != 0:
		base = 6
		lon, lat, ok := parseLonLat(c, args[2], args[3])
		if !ok || !parseGeoRadius(c, args[4:6], &q.shape) {
			return q, false
		}
		q.shape.lon, q.shape.lat = lon, lat
	case flags&geoFromMember != 0:
		base = 5
		if z == nil {
			// Nothing to search: the arguments are still parsed, to know
			// which reply to give.
			break
		}
		s, ok := z.score(args[2])
		if !ok {
			c.w.Error(msgGeoMember)
			return q, false
		}
		q.shape.lon, q.shape.lat = geoDecodeScore(s)
		if !parseGeoRadius(c, args[3:5], &q.shape) {
			return q, false
		}
	default:
		base = 2
		if flags&geoSearchStore != 0 {
			base = 3
			q.store = args[1]
		}
	}
	var fromMember, fromLoc, byRadius, byBox bool
	search := flags&geoSearch != 0
	for i := base; i < len(args); i++ {
		left := len(args) - i - 1
		switch opt := strings.ToLower(string(args[i])); {
		case opt == "withdist":
			q.withDist = true
		case opt == "withhash":
			q.withHash = true
		case opt == "withcoord":
			q.withCoord = true
		case opt == "any":
			q.any = true
		case opt == "asc":
			q.sort = geoSortAsc
		case opt == "desc":
			q.sort = geoSortDesc
		case opt == "count" && left >= 1:
			n, ok := c.parseIntArg(args[i+1])
			if !ok {
				return q, false
			}
			if n <= 0 {
				c.w.Error(msgGeoCount)
				return q, false
			}
			q.count = n
			i++
		case (opt == "store" || opt == "storedist") && left >= 1 && flags&(geoNoStore|geoSearch) == 0:
			q.store, q.storeDist = args[i+1], opt == "storedist"
			i++
		case opt == "storedist" && flags&geoSearchStore != 0:
			q.storeDist = true
		case opt == "frommember" && left >= 1 && search && !fromLoc:
			if z != nil {
				s, ok := z.score(args[i+1])
				if !ok {
					c.w.Error(msgGeoMember)
					return q, false
				}
				q.shape.lon, q.shape.lat = geoDecodeScore(s)
			}
			fromMember = true
			i++
		case opt == "fromlonlat" && left >= 2 && search && !fromMember:
			lon, lat, ok := parseLonLat(c, args[i+1], args[i+2])
			if !ok {
				return q, false
			}
			q.shape.lon, q.shape.lat = lon, lat
			fromLoc = true
			i += 2
		case opt == "byradius" && left >= 2 && search && !byBox:
			if !parseGeoRadius(c, args[i+1:i+3], &q.shape) {
				return q, false
			}
			byRadius = true
			i += 2
		case opt == "bybox" && left >= 3 && search && !byRadius:
			if !parseGeoBox(c, args[i+1:i+4], &q.shape) {
				return q, false
			}
			byBox = true
			i += 3
		default:
			c.w.Error(msgSyntax)
			return q, false
		}
	}
	switch {
	case q.store != nil && (q.withDist || q.withHash || q.withCoord):
		if flags&geoSearchStore != 0 {
			c.w.Error(msgGeoStoreSearch)
		} else {
			c.w.Error(msgGeoStoreRadius)
		}
		return q, false
	case search && !fromMember && !fromLoc:
		c.w.Error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + string(args[0]))
		return q, false
	case search && !byRadius && !byBox:
		c.w.Error("ERR exactly one of BYRADIUS and BYBOX can be specified for " + string(args[0]))
		return q, false
	case q.any && q.count == 0:
		c.w.Error(msgGeoAnyNoCount)
		return q, false
	}
	return q, true
}

// geoPoint is a search result.
type geoPoint struct {
	member   string
	lon, lat float64
	dist     float64 // meters
	score    float64
}

// geoSearchZset appends to out the members of z inside shape, box by box
// in Redis's order, with their distances; with limit > 0 it stops once it
// has limit points.
func geoSearchZset(z *zset, shape *geoShape, limit int, out []geoPoint) []geoPoint {
	nb := shape.areas()
	shape.prepare()
	last := 0 // as in Redis, a box is compared with the previous one only from the second on
	for i := range nb {
		if nb[i].zero() {
			continue
		}
		// Near the poles with huge radii neighbours can be the same box.
		if last != 0 && nb[i] == nb[last] {
			continue
		}
		if len(out) > 0 && limit > 0 && len(out) >= limit {
			break
		}
		lo, hi := geoBoxScores(nb[i])
		out = geoPointsInRange(z, float64(lo), float64(hi), shape, limit, out)
		last = i
	}
	geoFillDistances(shape, out)
	return out
}

// geoFillDistances computes the distances left pending (NaN) by the
// search, all at once.
func geoFillDistances(shape *geoShape, pts []geoPoint) {
	var idx []int
	for i := range pts {
		if pts[i].dist != pts[i].dist {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return
	}
	buf := make([]float64, 3*len(idx))
	lon, lat, dist := buf[:len(idx)], buf[len(idx):2*len(idx)], buf[2*len(idx):]
	for j, i := range idx {
		lon[j], lat[j] = pts[i].lon, pts[i].lat
	}
	shape.distances(lon, lat, dist)
	for j, i := range idx {
		pts[i].dist = dist[j]
	}
}

// geoPointsInRange appends the members with scores in [lo, hi) that are
// inside shape; those surely inside get their distance later, from
// geoFillDistances (NaN until then).
func geoPointsInRange(z *zset, lo, hi float64, shape *geoShape, limit int, out []geoPoint) []geoPoint {
	r := scoreRange{min: lo, max: hi, maxEx: true}
	first, _, ok := z.scoreSpan(r)
	if !ok {
		return out
	}
	for cur := first; cur.valid(); cur.next() {
		e := cur.get()
		if !r.belowMax(e.score) {
			break
		}
		lon, lat := geoDecodeScore(e.score)
		switch d, in := shape.within(lon, lat); in {
		case geoInside:
			out = append(out, geoPoint{member: e.member, lon: lon, lat: lat, dist: d, score: e.score})
		case geoPending:
			out = append(out, geoPoint{member: e.member, lon: lon, lat: lat, dist: math.NaN(), score: e.score})
		}
		if len(out) > 0 && limit > 0 && len(out) >= limit {
			break
		}
	}
	return out
}

func geoCmpAsc(a, b *geoPoint) int {
	switch {
	case a.dist > b.dist:
		return 1
	case a.dist == b.dist:
		return 0
	}
	return -1
}

func geoCmpDesc(a, b *geoPoint) int { return -geoCmpAsc(a, b) }

// geoSort orders pts so that its first n elements are the first n of the
// requested order, with Redis's tie order: a stable sort when all are
// returned, its partial quicksort otherwise.
func geoSort(pts []geoPoint, order, n int) {
	cmp := geoCmpAsc
	switch order {
	case geoSortNone:
		return
	case geoSortDesc:
		cmp = geoCmpDesc
	}
	if n == len(pts) {
		slices.SortStableFunc(pts, func(a, b geoPoint) int { return cmp(&a, &b) })
		return
	}
	pqsort(pts, cmp, 0, n-1)
}

// writeGeoPoints replies with the search results.
func writeGeoPoints(c *client, q *geoQuery, pts []geoPoint) {
	opts := 0
	for _, on := range []bool{q.withDist, q.withHash, q.withCoord} {
		if on {
			opts++
		}
	}
	c.w.Array(len(pts))
	var tmp [64]byte
	for i := range pts {
		p := &pts[i]
		if opts > 0 {
			c.w.Array(opts + 1)
		}
		c.w.BulkString(p.member)
		if q.withDist {
			c.w.Bulk(geoFormatDistance(tmp[:0], p.dist/q.shape.conv))
		}
		if q.withHash {
			c.w.Int(cInt64(p.score))
		}
		if q.withCoord {
			c.w.Array(2)
			writeGeoCoord(c, p.lon)
			writeGeoCoord(c, p.lat)
		}
	}
}

// geoStore stores the results at q.store, scored by geohash or, with
// STOREDIST, by distance in the query's unit, and replies with their
// number.
func geoStore(c *client, q *geoQuery, pts []geoPoint) {
	nodes := make([]zent, 0, len(pts))
	seen := make(map[string]struct{}, len(pts))
	for i := range pts {
		p := &pts[i]
		if _, dup := seen[p.member]; dup {
			continue // never expected: members are unique within one search
		}
		seen[p.member] = struct{}{}
		score := p.score
		if q.storeDist {
			score = p.dist / q.shape.conv
		}
		nodes = append(nodes, zent{member: p.member, score: score})
	}
	storeNodes(c, q.store, nodes)
	if len(nodes) > 1 {
		c.srv.dirty += int64(len(nodes)) - 1 // Redis counts one change per stored point
	}
}
