// Package slots owns the key-to-slot function (CRC16-XMODEM modulo 16384 with
// Redis hash tags) and the cluster's slot map.
package slots
