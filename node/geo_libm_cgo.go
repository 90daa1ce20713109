//go:build cgo

package node

/*
#cgo LDFLAGS: -lm
#include <math.h>

static void geo_sin_n(double *x, int n) { for (int i = 0; i < n; i++) x[i] = sin(x[i]); }
static void geo_cos_n(double *x, int n) { for (int i = 0; i < n; i++) x[i] = cos(x[i]); }
static void geo_asin_n(double *x, int n) { for (int i = 0; i < n; i++) x[i] = asin(x[i]); }
*/
import "C"

import "unsafe"

// geoLibm reports that distances use the C library, as Redis does.
const geoLibm = true

// The C library's sin, cos and asin, which Redis's distances use: with
// them distances match Redis's on the same platform to the last bit. The
// N forms work in place on a whole slice, in one call.

func geoSin(x float64) float64  { return float64(C.sin(C.double(x))) }
func geoCos(x float64) float64  { return float64(C.cos(C.double(x))) }
func geoAsin(x float64) float64 { return float64(C.asin(C.double(x))) }

func geoSinN(x []float64) {
	if len(x) > 0 {
		C.geo_sin_n((*C.double)(unsafe.Pointer(&x[0])), C.int(len(x)))
	}
}

func geoCosN(x []float64) {
	if len(x) > 0 {
		C.geo_cos_n((*C.double)(unsafe.Pointer(&x[0])), C.int(len(x)))
	}
}

func geoAsinN(x []float64) {
	if len(x) > 0 {
		C.geo_asin_n((*C.double)(unsafe.Pointer(&x[0])), C.int(len(x)))
	}
}
