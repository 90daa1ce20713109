package node

import "math"

// Redis computes distances with the C library's sin, cos and asin; Go's
// differ from them in the last bit now and then, which shows in STOREDIST
// scores. When cgo is available geoSin, geoCos and geoAsin call the C
// library itself (geo_libm_cgo.go), as Redis does; otherwise they are the
// correctly rounded versions below, which glibc's results match in all but
// about one case in a thousand. These work in double-double arithmetic
// (about 106 bits) and round once.

// dd is an unevaluated sum hi+lo with |lo| <= ulp(hi)/2.
type dd struct{ hi, lo float64 }

func twoSum(a, b float64) dd {
	s := a + b
	bb := s - a
	return dd{s, (a - (s - bb)) + (b - bb)}
}

func quickTwoSum(a, b float64) dd {
	s := a + b
	return dd{s, b - (s - a)}
}

func twoProd(a, b float64) dd {
	p := a * b
	return dd{p, math.FMA(a, b, -p)}
}

func (a dd) add(b dd) dd {
	s := twoSum(a.hi, b.hi)
	t := twoSum(a.lo, b.lo)
	s.lo += t.hi
	s = quickTwoSum(s.hi, s.lo)
	s.lo += t.lo
	return quickTwoSum(s.hi, s.lo)
}

// addSloppy adds without the second error term: relative error about
// 2^-104 unless a and b nearly cancel, which the series terms never do.
func (a dd) addSloppy(b dd) dd {
	s := twoSum(a.hi, b.hi)
	s.lo += a.lo + b.lo
	return quickTwoSum(s.hi, s.lo)
}

func (a dd) neg() dd { return dd{-a.hi, -a.lo} }

func (a dd) mul(b dd) dd {
	p := twoProd(a.hi, b.hi)
	p.lo += a.hi*b.lo + a.lo*b.hi
	return quickTwoSum(p.hi, p.lo)
}

func (a dd) mulF(b float64) dd {
	p := twoProd(a.hi, b)
	p.lo += a.lo * b
	return quickTwoSum(p.hi, p.lo)
}

func (a dd) div(b dd) dd {
	q1 := a.hi / b.hi
	r := a.add(b.mulF(q1).neg())
	q2 := r.hi / b.hi
	r = r.add(b.mulF(q2).neg())
	q3 := r.hi / b.hi
	return quickTwoSum(q1, q2).add(dd{q3, 0})
}

// pi/2 in three parts.
const (
	ddPio2a = 1.5707963267948966192313216916397514
	ddPio2b = 6.123233995736766035868820147291818e-17
	ddPio2c = -1.4973849048591698329435709770554e-33
)

// ddSinCos returns sin x and cos x.
func ddSinCos(x dd) (sin, cos dd) {
	k := math.Round(x.hi / ddPio2a)
	r := x.add(twoProd(k, ddPio2a).neg()).add(twoProd(k, ddPio2b).neg()).add(twoProd(k, ddPio2c).neg())
	r2 := r.mul(r)
	// Taylor series, to well below 2^-106 for |r| <= pi/4.
	s, c := r, dd{1, 0}
	ts, tc := r, dd{1, 0}
	for n := 1; n <= 14; n++ {
		ts = ts.mul(r2).div(dd{float64((2 * n) * (2*n + 1)), 0}).neg()
		tc = tc.mul(r2).div(dd{float64((2*n - 1) * (2 * n)), 0}).neg()
		s = s.add(ts)
		c = c.add(tc)
	}
	switch int64(k) & 3 {
	case 0:
		return s, c
	case 1:
		return c, s.neg()
	case 2:
		return s.neg(), c.neg()
	}
	return c.neg(), s
}

// crSin returns sin x correctly rounded (in all but astronomically rare
// cases): a fast double-double evaluation when its rounding is certain,
// else the slow series.
func crSin(x float64) float64 {
	if s, ok := ddSinFast(x); ok {
		if v, ok := ddRound(s, 0x1p-62); ok {
			return v
		}
	}
	s, _ := ddSinCos(dd{x, 0})
	return s.hi + s.lo
}

// crCos returns cos x correctly rounded, as crSin.
func crCos(x float64) float64 {
	if c, ok := ddCosFast(x); ok {
		if v, ok := ddRound(c, 0x1p-62); ok {
			return v
		}
	}
	_, c := ddSinCos(dd{x, 0})
	return c.hi + c.lo
}

// ddRound rounds v to the nearest double when v is within a relative
// error rel of the exact value and that cannot change the rounding.
func ddRound(v dd, rel float64) (float64, bool) {
	v = quickTwoSum(v.hi, v.lo)
	if v.hi == 0 || math.IsInf(v.hi, 0) || math.IsNaN(v.hi) {
		return 0, false
	}
	err := math.Abs(v.hi) * rel
	up := math.Nextafter(v.hi, math.Inf(1)) - v.hi
	down := v.hi - math.Nextafter(v.hi, math.Inf(-1))
	if v.lo+err < up/2 && v.lo-err > -down/2 {
		return v.hi, true
	}
	return 0, false
}

// Coefficients 1/n! in double-double, for the leading terms of the series.
var (
	ddInv6   = dd{1.0 / 6, 0}.fix(6)
	ddInv120 = dd{1.0 / 120, 0}.fix(120)
	ddInv24  = dd{1.0 / 24, 0}.fix(24)
	ddInv720 = dd{1.0 / 720, 0}.fix(720)
)

// fix sets the low part of an approximation a of 1/n.
func (a dd) fix(n float64) dd {
	// 1/n = a + (1 - a*n)/n, and 1 - a*n is exact with an FMA.
	return quickTwoSum(a.hi, math.FMA(-a.hi, n, 1)/n)
}

// ddReduce returns r = x - q*pi/2 in double-double, |r| <= pi/4; ok is
// false for arguments it does not reduce accurately.
func ddReduce(x float64) (r dd, q int64, ok bool) {
	if math.Abs(x) <= math.Pi/4 {
		return dd{x, 0}, 0, true
	}
	if !(math.Abs(x) <= 64) {
		return r, 0, false
	}
	k := math.Round(x / ddPio2a)
	r = dd{x, 0}.add(twoProd(k, -ddPio2a)).add(twoProd(k, -ddPio2b)).addSloppy(dd{-k * ddPio2c, 0})
	return r, int64(k) & 3, true
}

// ddPolySin returns sin r for |r| <= pi/4 to about 2^-64 relative error:
// r (1 - z/6 + z^2/120 - z^3 t) with z = r^2, the leading terms in
// double-double and the tail t in double.
func ddPolySin(r dd) dd {
	z := r.mul(r)
	zf := z.hi
	t := 1.0/5040 - zf*(1.0/362880-zf*(1.0/39916800-zf*(1.0/6227020800-zf*(1.0/1307674368000-zf*(1.0/355687428096000)))))
	p := ddInv120.addSloppy(dd{-zf * t, 0})
	p = ddInv6.neg().addSloppy(z.mul(p))
	p = dd{1, 0}.addSloppy(z.mul(p))
	return r.mul(p)
}

// ddPolyCos returns cos r for |r| <= pi/4, as ddPolySin:
// 1 - z/2 + z^2/24 - z^3/720 + z^4 t.
func ddPolyCos(r dd) dd {
	z := r.mul(r)
	zf := z.hi
	t := 1.0/40320 - zf*(1.0/3628800-zf*(1.0/479001600-zf*(1.0/87178291200-zf*(1.0/20922789888000-zf*(1.0/6402373705728000)))))
	p := ddInv720.neg().addSloppy(dd{zf * t, 0})
	p = ddInv24.addSloppy(z.mul(p))
	p = dd{-0.5, 0}.addSloppy(z.mul(p))
	return dd{1, 0}.addSloppy(z.mul(p))
}

// ddSinFast returns sin x to about 2^-64 relative error.
func ddSinFast(x float64) (dd, bool) {
	r, q, ok := ddReduce(x)
	if !ok {
		return dd{}, false
	}
	switch q {
	case 0:
		return ddPolySin(r), true
	case 1:
		return ddPolyCos(r), true
	case 2:
		return ddPolySin(r).neg(), true
	}
	return ddPolyCos(r).neg(), true
}

// ddCosFast returns cos x to about 2^-64 relative error.
func ddCosFast(x float64) (dd, bool) {
	r, q, ok := ddReduce(x)
	if !ok {
		return dd{}, false
	}
	switch q {
	case 0:
		return ddPolyCos(r), true
	case 1:
		return ddPolySin(r).neg(), true
	case 2:
		return ddPolyCos(r).neg(), true
	}
	return ddPolySin(r), true
}

// crAsin returns asin x correctly rounded: one Newton step on sin in
// double-double from Go's asin, checked as crSin; the slow path takes two
// steps with the full series.
func crAsin(x float64) float64 {
	if x > 0 && x < 1 {
		y0 := math.Asin(x)
		// The correction is tiny: the derivative needs no double-double.
		s, ok := ddSinFast(y0)
		c := math.Cos(y0)
		if ok && c > 0x1p-20 {
			d := dd{x, 0}.add(s.neg())
			y := dd{y0, 0}.add(dd{(d.hi + d.lo) / c, 0})
			if v, ok := ddRound(y, 0x1p-62/c); ok {
				return v
			}
		}
	}
	return geoAsinSlow(x)
}

// geoAsinSlow refines Go's asin with Newton steps on sin in double-double.
func geoAsinSlow(x float64) float64 {
	if x >= 1 || x <= -1 || x == 0 || math.IsNaN(x) {
		return math.Asin(x)
	}
	y := dd{math.Asin(x), 0}
	for range 2 {
		s, c := ddSinCos(y)
		y = y.add(dd{x, 0}.add(s.neg()).div(c))
	}
	return y.hi + y.lo
}
