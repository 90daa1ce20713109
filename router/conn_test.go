package router

import (
	"errors"
	"net"
	"sync"
	"testing"

	"github.com/slotcache/slotcache/protocol/resp"
)

// TestFlushAfterFailureKeepsBatchesApart: a batch the writer took for a
// connection that failed before it could enter the in-flight queue fails,
// and its array becomes the spare one again. Were pending and spare left on
// one array, a sender appending to pending would overwrite the next batch
// while the writer reads it.
func TestFlushAfterFailureKeepsBatchesApart(t *testing.T) {
	c := newConn("127.0.0.1:1", PoolConfig{}.WithDefaults())
	nc, peer := net.Pipe()
	defer nc.Close()
	defer peer.Close()
	c.nc, c.ngen, c.gen = nc, 1, 2 // the connection failed after the writer took nc
	c.spare = make([]*Request, 0, 4)
	var wg sync.WaitGroup
	r := &Request{Cmd: resp.AppendCommand(nil, "PING"), WG: &wg}
	wg.Add(1)
	c.queue(r)
	c.flush()
	wg.Wait()
	if !errors.Is(r.Err, ErrUnavailable) {
		t.Fatalf("request on a failed connection: reply %q err %v, want %v", r.Reply, r.Err, ErrUnavailable)
	}
	if cap(c.pending) == 0 || cap(c.spare) == 0 {
		t.Fatalf("pending (cap %d) or spare (cap %d) lost its array", cap(c.pending), cap(c.spare))
	}
	if &c.pending[:1][0] == &c.spare[:1][0] {
		t.Fatal("pending and spare share one array")
	}
}
