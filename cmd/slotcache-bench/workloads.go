package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"os/exec"
	"strconv"
	"strings"

	"github.com/slotcache/slotcache/protocol/resp"
)

// A workload is one redis-benchmark test. probes are commands that must not
// fail on a target for its figures to mean anything (redis-benchmark counts
// error replies as answers). prepare, when set, runs before every
// redis-benchmark run of the workload.
type workload struct {
	test    string     // redis-benchmark -t name
	title   string     // name in its CSV output
	probes  [][]string // nil: always supported
	prepare func(addr string, n int) error
}

// workloads lists the redis-benchmark tests the program knows. The key
// names (mylist, myset, myhash, myzset) are the ones redis-benchmark uses.
func workloads() []workload {
	return []workload{
		{test: "ping", title: "PING_MBULK", probes: [][]string{{"PING"}}},
		{test: "set", title: "SET", probes: [][]string{{"SET", "bench:probe", "1"}}},
		{test: "get", title: "GET", probes: [][]string{{"GET", "bench:probe"}}},
		{test: "incr", title: "INCR", probes: [][]string{{"INCR", "bench:probe:n"}}},
		{test: "mset", title: "MSET (10 keys)", probes: [][]string{{"MSET", "bench:probe:a", "1", "bench:probe:b", "2"}}},
		{test: "lpush", title: "LPUSH", probes: [][]string{{"LPUSH", "bench:probe:l", "a"}}},
		// LPOP on an empty list is a cheaper path than a real pop: fill
		// mylist with one element per request first.
		{test: "lpop", title: "LPOP", probes: [][]string{{"LPUSH", "bench:probe:l", "a"}, {"LPOP", "bench:probe:l"}},
			prepare: fillList},
		{test: "sadd", title: "SADD", probes: [][]string{{"SADD", "bench:probe:s", "a"}}},
		{test: "hset", title: "HSET", probes: [][]string{{"HSET", "bench:probe:h", "f", "v"}}},
		{test: "zadd", title: "ZADD", probes: [][]string{{"ZADD", "bench:probe:z", "1", "a"}}},
		// redis-benchmark fills mylist itself ("LPUSH (needed to benchmark
		// LRANGE)"), then reads the first 100 elements.
		{test: "lrange_100", title: "LRANGE_100 (first 100 elements)",
			probes: [][]string{{"LPUSH", "bench:probe:l", "a"}, {"LRANGE", "bench:probe:l", "0", "99"}}},
	}
}

// defaultTests is the -tests default: the string rows, then the data types.
const defaultTests = "set,get,incr,mset,lpush,lpop,sadd,hset,zadd,lrange_100"

// fillList replaces mylist with n elements.
func fillList(addr string, n int) error {
	if v, err := do(addr, "DEL", "mylist"); err != nil || v.IsError() {
		return fmt.Errorf("DEL mylist: %v %s", err, v.Str)
	}
	return pipelined(addr, n, loadBatch, func(b []byte, i int) []byte {
		return resp.AppendCommand(b, "LPUSH", "mylist", "xxx")
	})
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

// supported tells whether the target answers each of the workload's probes
// without an error.
func supported(s *server, w workload) bool {
	for _, p := range w.probes {
		v, err := do(s.addr, p...)
		if err != nil || v.IsError() {
			return false
		}
	}
	return true
}

// runBenchmark runs redis-benchmark for one workload and pipeline depth.
// extra arguments go to redis-benchmark.
func runBenchmark(ctx context.Context, s *server, w workload, n, clients, pipeline int, extra ...string) (result, error) {
	if w.prepare != nil {
		if err := w.prepare(s.addr, n); err != nil {
			return result{}, fmt.Errorf("%s: preparing %s: %v", s.addr, w.test, err)
		}
	}
	cmd := exec.CommandContext(ctx, "redis-benchmark", "-h", s.host, "-p", strconv.Itoa(s.port),
		"-t", w.test, "-n", strconv.Itoa(n), "-c", strconv.Itoa(clients), "-P", strconv.Itoa(pipeline), "--csv")
	cmd.Args = append(cmd.Args, extra...)
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
