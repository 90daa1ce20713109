package node

import (
	"bufio"
	"bytes"
	"cmp"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/slotcache/slotcache/protocol/resp"
)

// TestGeoGolden pins scores, geohashes and coordinates as redis-server
// 7.0 reports them.
func TestGeoGolden(t *testing.T) {
	tests := []struct {
		name       string
		lon, lat   float64
		score      uint64
		hash       string
		posX, posY string
	}{
		{"Palermo", 13.361389, 38.115556, 3479099956230698, "sqc8b49rny0", "13.36138933897018433", "38.11555639549629859"},
		{"Catania", 15.087269, 37.502669, 3479447370796909, "sqdtr74hyu0", "15.08726745843887329", "37.50266842333162032"},
		{"origin", 0, 0, 3377699720527872, "s0000000000", "0.00000268220901489", "0.00000126736058093"},
		{"min corner", -180, -85.05112878, 0, "00bh0hbj200", "-179.99999731779098511", "-85.05112751263942528"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			score := geoScore(tc.lon, tc.lat)
			if score != tc.score {
				t.Errorf("score %d, want %d", score, tc.score)
			}
			if h := string(geoHashString(nil, float64(score))); h != tc.hash {
				t.Errorf("geohash %s, want %s", h, tc.hash)
			}
			x, y := geoDecodeScore(float64(score))
			if gx, gy := string(geoFormatCoord(nil, x)), string(geoFormatCoord(nil, y)); gx != tc.posX || gy != tc.posY {
				t.Errorf("position %s %s, want %s %s", gx, gy, tc.posX, tc.posY)
			}
		})
	}
	d := geoDistance(13.36138933897018433, 38.11555639549629859, 15.08726745843887329, 37.50266842333162032)
	if got := string(geoFormatDistance(nil, d/1000)); got != "166.2742" {
		t.Errorf("Palermo-Catania %s km, want 166.2742", got)
	}
}

func TestGeoInterleave(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		x, y := r.Uint32(), r.Uint32()
		v := interleave64(x, y)
		if got := deinterleave64(v); uint32(got) != x || uint32(got>>32) != y {
			t.Fatalf("deinterleave64(interleave64(%#x, %#x)) = %#x", x, y, got)
		}
		for i := range 32 {
			if (v>>(2*i))&1 != uint64(x>>i)&1 || (v>>(2*i+1))&1 != uint64(y>>i)&1 {
				t.Fatalf("interleave64(%#x, %#x) = %#x: bit %d misplaced", x, y, v, i)
			}
		}
	}
}

// TestGeoEncodeDecode: a point decodes to the centre of its box, within
// half a box of where it was.
func TestGeoEncodeDecode(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 10000 {
		lon := r.Float64()*360 - 180
		lat := r.Float64()*(2*geoLatMax) - geoLatMax
		x, y := geoDecodeScore(float64(geoScore(lon, lat)))
		if math.Abs(x-lon) > 360.0/(1<<26) || math.Abs(y-lat) > 2*geoLatMax/(1<<26) {
			t.Fatalf("(%v, %v) decodes to (%v, %v)", lon, lat, x, y)
		}
	}
}

func TestGeoNeighbors(t *testing.T) {
	h, _ := geoEncodeWGS84(10, 10, 10)
	a, _ := h.decode()
	nb := geoNeighborsOf(h)
	dirs := []struct {
		i      int
		dx, dy float64
	}{{nbNorth, 0, 1}, {nbSouth, 0, -1}, {nbEast, 1, 0}, {nbWest, -1, 0},
		{nbNorthEast, 1, 1}, {nbNorthWest, -1, 1}, {nbSouthEast, 1, -1}, {nbSouthWest, -1, -1}}
	w, hgt := a.lon.max-a.lon.min, a.lat.max-a.lat.min
	for _, d := range dirs {
		b, _ := nb[d.i].decode()
		if math.Abs(b.lon.min-(a.lon.min+d.dx*w)) > 1e-9 || math.Abs(b.lat.min-(a.lat.min+d.dy*hgt)) > 1e-9 {
			t.Errorf("neighbour %d is at %v, want offset (%v, %v) from %v", d.i, b, d.dx, d.dy, a)
		}
	}
}

// TestPqsort: the first n elements are those of a full sort, for inputs
// with many ties.
func TestPqsort(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		s := make([]int, r.IntN(300))
		for i := range s {
			s[i] = r.IntN(1 + r.IntN(50))
		}
		want := slices.Clone(s)
		slices.Sort(want)
		n := 1 + r.IntN(len(s)+1)
		n = min(n, len(s))
		pqsort(s, func(a, b *int) int { return cmp.Compare(*a, *b) }, 0, n-1)
		if !slices.Equal(s[:n], want[:n]) {
			t.Fatalf("first %d of %v, want %v", n, s[:n], want[:n])
		}
		slices.Sort(s)
		if !slices.Equal(s, want) {
			t.Fatal("pqsort lost or duplicated elements")
		}
	}
}

const bigPrec = 256

// bigSinCos computes sin and cos of x (|x| <= 4) to 256 bits by their
// Taylor series.
func bigSinCos(x *big.Float) (sin, cos *big.Float) {
	x2 := new(big.Float).SetPrec(bigPrec).Mul(x, x)
	sin = new(big.Float).SetPrec(bigPrec).Set(x)
	cos = new(big.Float).SetPrec(bigPrec).SetInt64(1)
	ts := new(big.Float).SetPrec(bigPrec).Set(x)
	tc := new(big.Float).SetPrec(bigPrec).SetInt64(1)
	for n := int64(1); n < 60; n++ {
		ts.Mul(ts, x2).Quo(ts, new(big.Float).SetInt64(2*n*(2*n+1))).Neg(ts)
		tc.Mul(tc, x2).Quo(tc, new(big.Float).SetInt64((2*n-1)*(2*n))).Neg(tc)
		sin.Add(sin, ts)
		cos.Add(cos, tc)
	}
	return sin, cos
}

func bigOf(x float64) *big.Float { return new(big.Float).SetPrec(bigPrec).SetFloat64(x) }

// TestGeoTrigCorrectlyRounded compares the double-double sin, cos and asin
// with 256-bit computations, rounded once, as glibc's results are.
func TestGeoTrigCorrectlyRounded(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for i := range 3000 {
		x := (r.Float64()*2 - 1) * math.Pi
		if i%3 == 0 {
			x = geoDegRad(r.Float64()*170 - 85) // latitudes, as cos sees them
		}
		bs, bc := bigSinCos(bigOf(x))
		ws, _ := bs.Float64()
		wc, _ := bc.Float64()
		if s := crSin(x); s != ws {
			t.Fatalf("sin(%v) = %v, want %v", x, s, ws)
		}
		if c := crCos(x); c != wc {
			t.Fatalf("cos(%v) = %v, want %v", x, c, wc)
		}
		if i%10 == 0 { // the slow path too, which the fast one rarely needs
			s, c := ddSinCos(dd{x, 0})
			if s.hi+s.lo != ws || c.hi+c.lo != wc {
				t.Fatalf("slow sin, cos(%v) = %v, %v, want %v, %v", x, s.hi+s.lo, c.hi+c.lo, ws, wc)
			}
		}
	}
	for i := range 3000 {
		x := r.Float64()
		y := crAsin(x)
		if i%10 == 0 {
			y = geoAsinSlow(x)
		}
		// y is the double nearest asin(x) when x lies between the sines of
		// the midpoints from y to its neighbours (sin is increasing).
		mid := func(b float64) *big.Float {
			m := bigOf(y)
			m.Add(m, bigOf(b)).Quo(m, bigOf(2))
			s, _ := bigSinCos(m)
			return s
		}
		if bx := bigOf(x); bx.Cmp(mid(math.Nextafter(y, -1))) < 0 || bx.Cmp(mid(math.Nextafter(y, 2))) > 0 {
			t.Fatalf("asin(%v) = %v is not the nearest double", x, y)
		}
	}
}

func TestGeoFormatDistance(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		want string
	}{{0, "0.0000"}, {math.Copysign(0, -1), "0.0000"}, {1e-9, "0.0000"}, {-1e-9, "0.0000"}, {0.00005, "0.0000"},
		{0.775, "0.7750"}, {1.5, "1.5000"}, {166274.15156960033, "166274.1516"},
		{16912518.05455, "16912518.0546"}, {11805846.91905, "11805846.9190"}, {-2.5, "-2.5000"},
		{math.Inf(1), "-922337203685477.5808"}, {1e300, "-922337203685477.5808"}} {
		if got := string(geoFormatDistance(nil, tc.f)); got != tc.want {
			t.Errorf("geoFormatDistance(%v) = %s, want %s", tc.f, got, tc.want)
		}
	}
}

func TestGeoFormatCoord(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		want string
	}{{0, "0"}, {math.Copysign(0, -1), "0"}, {1.5, "1.5"}, {-180, "-180"}, {85.05112878, "85.0511287799999991"},
		{1e-18, "0"}, {-1e-18, "0"}, {0.1, "0.10000000000000001"}, {math.Inf(1), "inf"}} {
		if got := string(geoFormatCoord(nil, tc.f)); got != tc.want {
			t.Errorf("geoFormatCoord(%v) = %s, want %s", tc.f, got, tc.want)
		}
	}
}

// FuzzGeoCommand runs geo commands with fuzzed arguments on a sorted set
// of a few points: no panic, and exactly one well-formed reply.
func FuzzGeoCommand(f *testing.F) {
	for _, s := range []string{
		"geoadd g NX CH 1 2 a 3 4 b", "geoadd g 181 0 x", "geodist g a b km", "geohash g a nope", "geopos g a b",
		"georadius g 15 37 200 km WITHDIST WITHCOORD WITHHASH COUNT 2 ANY DESC",
		"georadius g 15 37 200 km STORE d STOREDIST d", "georadiusbymember g a 0 m",
		"georadius_ro g 0 0 1e308 km", "georadiusbymember_ro g a inf km",
		"geosearch g FROMLONLAT 0 0 BYBOX 1 1e9 km ASC COUNT 1", "geosearch g FROMMEMBER a BYRADIUS 5 mi",
		"geosearchstore d g FROMMEMBER b BYBOX 10 10 ft STOREDIST", "geosearch g BYBOX 0 0 m FROMLONLAT -180 -85.05112878",
	} {
		f.Add(s)
	}
	c := newTestClient(f)
	runString(c, "geoadd", "g", "13.361389", "38.115556", "a", "15.087269", "37.502669", "b", "-180", "85", "c", "0", "0", "d")
	runString(c, "zadd", "z", "-1", "neg", "1e300", "huge")
	f.Fuzz(func(t *testing.T, s string) {
		args := strings.Fields(s)
		if len(args) == 0 || c.srv.commands.lookup([]byte(args[0])) == nil || c.srv.commands.lookup([]byte(args[0])).group != "geo" {
			return
		}
		out := runString(c, args...)
		rd := resp.NewReader(bufio.NewReader(bytes.NewReader([]byte(out))), resp.Limits{})
		if _, err := rd.ReadReply(); err != nil {
			t.Fatalf("%q: bad reply %q: %v", s, out, err)
		}
		if _, err := rd.ReadReply(); err == nil {
			t.Fatalf("%q: more than one reply in %q", s, out)
		}
	})
}

// BenchmarkGeoSearch searches a sorted set of 10000 points spread over a
// city, 5 km around a point, nearest 20 first.
func BenchmarkGeoSearch(b *testing.B) {
	c := newTestClient(b)
	r := rand.New(rand.NewPCG(9, 10))
	args := []string{"geoadd", "city"}
	for i := range 10000 {
		args = append(args, formatF(2.35+r.NormFloat64()*0.1), formatF(48.85+r.NormFloat64()*0.07), "p"+formatF(float64(i)))
	}
	runString(c, args...)
	cmd := [][]byte{[]byte("geosearch"), []byte("city"), []byte("FROMLONLAT"), []byte("2.34"), []byte("48.86"),
		[]byte("BYRADIUS"), []byte("5"), []byte("km"), []byte("ASC"), []byte("COUNT"), []byte("20"), []byte("WITHDIST")}
	fn := c.srv.commands.lookup(cmd[0]).fn
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c.w.Buf = c.w.Buf[:0]
		fn(c, cmd)
	}
	if !bytes.HasPrefix(c.w.Buf, []byte("*20\r\n")) {
		b.Fatalf("reply %.60q", c.w.Buf)
	}
}

func formatF(f float64) string { return string(appendCFloat(nil, f, 6)) }
