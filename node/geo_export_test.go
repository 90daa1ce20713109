package node

// GeoUsesLibm reports whether geo distances come from the C library (a
// cgo build), and so match Redis's to the last bit.
const GeoUsesLibm = geoLibm
