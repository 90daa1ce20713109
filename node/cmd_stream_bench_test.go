package node_test

import (
	"strconv"
	"testing"

	"github.com/slotcache/slotcache/protocol/resp"
)

// xaddCmd appends an entry with a generated ID to one growing stream.
func xaddCmd(buf []byte, i int) []byte {
	return resp.AppendCommand(buf, "XADD", "bench:stream", "*", "field", "value-"+strconv.Itoa(i))
}

// xrangeCmd reads up to 10 entries of the stream xaddCmd writes (empty
// until written).
func xrangeCmd(buf []byte, i int) []byte {
	return resp.AppendCommand(buf, "XREVRANGE", "bench:stream", "+", "-", "COUNT", "10")
}

func BenchmarkNodeXAddPipeline16(b *testing.B)   { benchPipelined(b, 16, xaddCmd) }
func BenchmarkNodeXRangePipeline16(b *testing.B) { benchPipelined(b, 16, xrangeCmd) }
