package proxy

import (
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/slotcache/slotcache/protocol/memcache"
	"github.com/slotcache/slotcache/protocol/resp"
	"github.com/slotcache/slotcache/router"
)

// mcStatNames is the order of "stats" (memcached's order, the names the
// nodes report). The proxy's own figures replace the nodes' for the
// process, its connections, the commands it saw and its traffic; the other
// figures are the sums over every group that answered.
var mcStatNames = []string{
	"pid", "uptime", "time", "version", "pointer_size", "max_connections", "curr_connections",
	"total_connections", "rejected_connections", "cmd_get", "cmd_set", "cmd_flush", "cmd_touch",
	"cmd_meta", "get_hits", "get_misses", "get_flushed", "delete_misses", "delete_hits",
	"incr_misses", "incr_hits", "decr_misses", "decr_hits", "cas_misses", "cas_hits", "cas_badval",
	"touch_hits", "touch_misses", "store_too_large", "store_no_memory", "bytes_read",
	"bytes_written", "limit_maxbytes", "threads", "bytes", "curr_items", "total_items",
	"evictions", "expired_keys",
}

// mcSettingNames is the order of "stats settings".
var mcSettingNames = []string{
	"maxbytes", "maxconns", "tcpport", "udpport", "evictions", "cas_enabled", "item_size_max", "idle_timeout",
}

// stats answers a stats request from the groups' MCSTATS replies.
func (s *mcSession) stats(req *memcache.Request, reqs []*router.Request) {
	sum := map[string]int64{}
	var firstErr *resp.Value
	answered := 0
	for _, r := range reqs {
		v := s.decode(r)
		if v.IsError() || v.Type == '+' {
			if v.IsError() && firstErr == nil {
				firstErr = &v
			}
			continue
		}
		answered++
		for i := 0; i+1 < len(v.Elems); i += 2 {
			n, err := strconv.ParseInt(string(v.Elems[i+1].Str), 10, 64)
			if err != nil {
				continue
			}
			name := string(v.Elems[i].Str)
			if name == "evictions" && string(req.Arg) == "settings" {
				sum[name] = max(sum[name], n)
				continue
			}
			sum[name] += n
		}
	}
	var names []string
	own := map[string]string{}
	p := s.p
	st := &p.mc
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
	switch string(req.Arg) {
	case "":
		names = mcStatNames
		now := time.Now()
		own["pid"] = strconv.Itoa(os.Getpid())
		own["uptime"] = itoa(int64(now.Sub(p.start).Seconds()))
		own["time"] = itoa(now.Unix())
		own["version"] = memcache.Version
		own["pointer_size"] = "64"
		own["max_connections"] = strconv.Itoa(p.cfg.MaxClients)
		st.mu.Lock()
		own["curr_connections"] = strconv.Itoa(len(st.conns))
		st.mu.Unlock()
		own["total_connections"] = itoa(st.total.Load())
		own["rejected_connections"] = itoa(st.rejected.Load())
		own["cmd_get"] = itoa(st.cmdGet.Load())
		own["cmd_set"] = itoa(st.cmdSet.Load())
		own["cmd_flush"] = itoa(st.cmdFlush.Load())
		own["cmd_touch"] = itoa(st.cmdTouch.Load())
		own["cmd_meta"] = itoa(st.cmdMeta.Load())
		own["get_hits"] = itoa(st.getHits.Load())
		own["get_misses"] = itoa(st.getMiss.Load())
		own["bytes_read"] = itoa(st.netIn.Load())
		own["bytes_written"] = itoa(st.netOut.Load())
		own["threads"] = strconv.Itoa(runtime.GOMAXPROCS(0))
	case "settings":
		names = mcSettingNames
		own["maxconns"] = strconv.Itoa(p.cfg.MaxClients)
		own["tcpport"] = itoa(st.port.Load())
		own["udpport"] = "0"
		own["cas_enabled"] = "1"
		own["item_size_max"] = strconv.Itoa(p.cfg.MemcacheItemSizeMax)
		own["idle_timeout"] = itoa(int64(p.cfg.IdleTimeout.Seconds()))
	case "reset":
		for _, c := range []interface{ Store(int64) }{&st.cmdGet, &st.cmdSet, &st.cmdFlush, &st.cmdTouch,
			&st.cmdMeta, &st.getHits, &st.getMiss, &st.total, &st.rejected} {
			c.Store(0)
		}
		if firstErr != nil {
			s.out = memcache.AppendReply(s.out, req, *firstErr)
			return
		}
		s.out = append(s.out, "RESET\r\n"...)
		return
	default: // items, slabs, sizes, conns: nothing to report
		s.out = append(s.out, "END\r\n"...)
		return
	}
	if answered == 0 && firstErr != nil && len(reqs) > 0 && string(req.Arg) != "" {
		s.out = memcache.AppendReply(s.out, req, *firstErr)
		return
	}
	for _, name := range names {
		v, ok := own[name]
		if !ok {
			v = itoa(sum[name])
		}
		s.out = append(s.out, "STAT "...)
		s.out = append(s.out, name...)
		s.out = append(s.out, ' ')
		s.out = append(s.out, v...)
		s.out = append(s.out, '\r', '\n')
	}
	s.out = append(s.out, "END\r\n"...)
}
