//go:build !cgo

package node

// Without cgo, geo distances use correctly rounded sin, cos and asin:
// glibc's agree with them but for about one result in a thousand, which
// can then differ from Redis's in the last bit.

// geoLibm reports that distances use the C library, as Redis does.
const geoLibm = false

func geoSin(x float64) float64  { return crSin(x) }
func geoCos(x float64) float64  { return crCos(x) }
func geoAsin(x float64) float64 { return crAsin(x) }

func geoSinN(x []float64) {
	for i := range x {
		x[i] = crSin(x[i])
	}
}

func geoCosN(x []float64) {
	for i := range x {
		x[i] = crCos(x[i])
	}
}

func geoAsinN(x []float64) {
	for i := range x {
		x[i] = crAsin(x[i])
	}
}
