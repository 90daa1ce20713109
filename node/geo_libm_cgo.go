//go:build cgo

package node

/*
#cgo LDFLAGS: -lm
#include <math.h>
*/
import "C"

// The C library's sin, cos and asin, which Redis's distances use: with
// them distances match Redis's on the same platform to the last bit.

func geoSin(x float64) float64  { return float64(C.sin(C.double(x))) }
func geoCos(x float64) float64  { return float64(C.cos(C.double(x))) }
func geoAsin(x float64) float64 { return float64(C.asin(C.double(x))) }
