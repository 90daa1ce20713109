package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/slotcache/slotcache/protocol/resp"
)

// A workload is one redis-benchmark test. probe is a command that must not
// fail on a target for its figures to mean anything (redis-benchmark counts
// error replies as answers).
type workload struct {
	test  string   // redis-benchmark -t name
	title string   // name in its CSV output
	probe []string // nil: always supported
}

// workloads lists the redis-benchmark tests the program knows.
func workloads() []workload {
	return []workload{
		{test: "ping", title: "PING_MBULK", probe: []string{"PING"}},
		{test: "set", title: "SET", probe: []string{"SET", "bench:probe", "1"}},
		{test: "get", title: "GET", probe: []string{"GET", "bench:probe"}},
		{test: "incr", title: "INCR", probe: []string{"INCR", "bench:probe:n"}},
		{test: "lpush", title: "LPUSH", probe: []string{"LPUSH", "bench:probe:l", "a"}},
		{test: "mset", title: "MSET (10 keys)", probe: []string{"MSET", "bench:probe:a", "1", "bench:probe:b", "2"}},
	}
}

func findWorkload(name string) (workload, bool) {
	for _, w := range workloads() {
		if w.test == name {
			return w, true
		}
	}
	return workload{}, false
}

// result is one redis-benchmark figure set.
type result struct {
	rps, p50, p99 float64
	hasLatency    bool
}

// supported tells whether the target answers the workload's probe without
// an error.
func supported(s *server, w workload) bool {
	v, err := do(s.addr, w.probe...)
	return err == nil && !v.IsError()
}

// runBenchmark runs redis-benchmark for one workload and pipeline depth.
func runBenchmark(ctx context.Context, s *server, w workload, n, clients, pipeline int) (result, error) {
	cmd := exec.CommandContext(ctx, "redis-benchmark", "-h", s.host, "-p", strconv.Itoa(s.port),
		"-t", w.test, "-n", strconv.Itoa(n), "-c", strconv.Itoa(clients), "-P", strconv.Itoa(pipeline), "--csv")
	out, err := cmd.Output()
	if err != nil {
		return result{}, fmt.Errorf("redis-benchmark %s on %s: %v", w.test, s.addr, err)
	}
	return parseCSV(out, w.title)
}

// parseCSV extracts the row titled title from redis-benchmark --csv output.
// Version 7 adds latency columns (p50_latency_ms, p99_latency_ms); older
// versions give only rps.
func parseCSV(out []byte, title string) (result, error) {
	recs, err := csv.NewReader(strings.NewReader(string(out))).ReadAll()
	if err != nil || len(recs) < 2 {
		return result{}, fmt.Errorf("redis-benchmark: unreadable CSV %q", out)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, rec := range recs[1:] {
		if len(rec) == 0 || rec[0] != title {
			continue
		}
		get := func(name string) (float64, bool) {
			i, ok := col[name]
			if !ok || i >= len(rec) {
				return 0, false
			}
			f, err := strconv.ParseFloat(rec[i], 64)
			return f, err == nil
		}
		var r result
		var ok bool
		if r.rps, ok = get("rps"); !ok {
			return result{}, fmt.Errorf("redis-benchmark %s: no rps column", title)
		}
		p50, ok50 := get("p50_latency_ms")
		p99, ok99 := get("p99_latency_ms")
		r.p50, r.p99, r.hasLatency = p50, p99, ok50 && ok99
		return r, nil
	}
	return result{}, fmt.Errorf("redis-benchmark: no %q row in %q", title, out)
}

// loadKeys writes keys SETs of 16-byte keys ("key:%012d") and valueSize-byte
// values over one pipelined connection, batch commands per round trip.
func loadKeys(addr string, keys, valueSize, batch int) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	rd := resp.NewReader(bufio.NewReaderSize(c, 64<<10), resp.Limits{})
	val := strings.Repeat("v", valueSize)
	var buf []byte
	key := make([]byte, 0, 16)
	for i := 0; i < keys; i += batch {
		buf = buf[:0]
		n := min(batch, keys-i)
		for j := range n {
			key = fmt.Appendf(key[:0], "key:%012d", i+j)
			buf = resp.AppendArrayLen(buf, 3)
			buf = resp.AppendBulkString(buf, "SET")
			buf = resp.AppendBulk(buf, key)
			buf = resp.AppendBulkString(buf, val)
		}
		c.SetDeadline(time.Now().Add(30 * time.Second))
		if _, err := c.Write(buf); err != nil {
			return err
		}
		for range n {
			v, err := rd.ReadReply()
			if err != nil {
				return err
			}
			if v.IsError() {
				return fmt.Errorf("SET: %s", v.Str)
			}
		}
	}
	return nil
}
