// Command slotcache-bench compares a slotcache node with a real redis-server
// on loopback: throughput and latency with redis-benchmark, then memory per
// key, per sorted-set member and per small hash after loading the same data
// into each; and a proxy table: SET, GET and MSET straight to one
// redis-server, through nutcracker over three redis-servers and through
// slotcache's proxy over three slotcache nodes. It prints markdown tables.
//
//	go run ./cmd/slotcache-bench [-quick] [-n 100000] [-rounds 3] [-tests set,get,lpush,zadd] [-no-proxy]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	n, rounds, clients int
	pipelines          []int
	tests              []workload
	keys, valueSize    int
	zsetMembers        int
	hashes             int
	bin                string
	skipThroughput     bool
	skipMemory         bool
	skipProxy          bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "slotcache-bench:", err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("slotcache-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 100000, "requests per redis-benchmark run")
	rounds := fs.Int("rounds", 3, "rounds per figure (the median is reported); targets alternate within a round")
	clients := fs.Int("c", 50, "redis-benchmark parallel connections")
	pipelines := fs.String("pipelines", "1,16", "pipeline depths (-P)")
	tests := fs.String("tests", defaultTests, "redis-benchmark tests")
	keys := fs.Int("keys", 1000000, "string keys loaded for the memory table (16-byte keys); 0 skips the row")
	zsetMembers := fs.Int("zset-members", 1000000, "members of the sorted set loaded for the memory table; 0 skips the row")
	hashes := fs.Int("hashes", 100000, "10-field hashes loaded for the memory table; 0 skips the row")
	valueSize := fs.Int("value-size", 32, "value size for the memory table")
	bin := fs.String("bin", "", "slotcache binary (default: go build ./cmd/slotcache into a temp dir)")
	quick := fs.Bool("quick", false, "short run: -n 20000 -rounds 1 -keys 100000 -zset-members 100000 -hashes 10000 unless set")
	noThroughput := fs.Bool("no-throughput", false, "skip the redis-benchmark table")
	noMemory := fs.Bool("no-memory", false, "skip the memory table")
	noProxy := fs.Bool("no-proxy", false, "skip the proxy table (redis direct, nutcracker, slotcache proxy)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *quick {
		if !set["n"] {
			*n = 20000
		}
		if !set["rounds"] {
			*rounds = 1
		}
		if !set["keys"] {
			*keys = 100000
		}
		if !set["zset-members"] {
			*zsetMembers = 100000
		}
		if !set["hashes"] {
			*hashes = 10000
		}
	}
	o := options{n: *n, rounds: max(*rounds, 1), clients: *clients, keys: *keys, valueSize: *valueSize,
		zsetMembers: *zsetMembers, hashes: *hashes, bin: *bin, skipThroughput: *noThroughput, skipMemory: *noMemory,
		skipProxy: *noProxy}
	for _, p := range strings.Split(*pipelines, ",") {
		d, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || d < 1 {
			return fmt.Errorf("bad pipeline depth %q", p)
		}
		o.pipelines = append(o.pipelines, d)
	}
	for _, t := range strings.Split(*tests, ",") {
		w, ok := findWorkload(strings.ToLower(strings.TrimSpace(t)))
		if !ok {
			return fmt.Errorf("unknown test %q", t)
		}
		o.tests = append(o.tests, w)
	}
	for _, prog := range []string{"redis-server", "redis-benchmark"} {
		if _, err := exec.LookPath(prog); err != nil {
			return fmt.Errorf("%s not found (run 'make deps')", prog)
		}
	}
	tmp, err := os.MkdirTemp("", "slotcache-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if o.bin == "" {
		o.bin = filepath.Join(tmp, "slotcache")
		fmt.Fprintln(stderr, "building slotcache...")
		build := exec.CommandContext(ctx, "go", "build", "-o", o.bin, "./cmd/slotcache")
		build.Stdout, build.Stderr = stderr, stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build ./cmd/slotcache: %v", err)
		}
	}
	tgts := targets(o.bin)
	fmt.Fprintf(stdout, "slotcache-bench: %s, redis-benchmark -n %d -c %d, %d round(s), median shown\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), o.n, o.clients, o.rounds)
	if !o.skipThroughput {
		if err := throughput(ctx, o, tgts, tmp, stdout, stderr); err != nil {
			return err
		}
	}
	if !o.skipProxy {
		if err := proxyThroughput(ctx, o, o.bin, tmp, stdout, stderr); err != nil {
			return err
		}
	}
	if !o.skipMemory {
		if err := memory(ctx, o, tgts, tmp, stdout, stderr); err != nil {
			return err
		}
	}
	return nil
}

type cell struct {
	target, test string
	pipeline     int
}

// throughput starts every target once and runs each workload and pipeline
// depth against each, rounds times, alternating which target goes first.
func throughput(ctx context.Context, o options, tgts []target, tmp string, stdout, stderr io.Writer) error {
	servers := make([]*server, len(tgts))
	for i, t := range tgts {
		s, err := t.start(ctx, mkdir(tmp, t.name+"-rps"))
		if err != nil {
			return fmt.Errorf("%s: %v", t.name, err)
		}
		defer s.stop()
		servers[i] = s
	}
	results := map[cell][]result{}
	unsupported := map[cell]bool{}
	for round := range o.rounds {
		for _, w := range o.tests {
			for _, p := range o.pipelines {
				for k := range tgts {
					i := (k + round) % len(tgts) // alternate the order across rounds
					c := cell{tgts[i].name, w.test, p}
					if unsupported[c] || (round == 0 && !supported(servers[i], w)) {
						unsupported[c] = true
						continue
					}
					fmt.Fprintf(stderr, "round %d/%d: %s %s -P %d\n", round+1, o.rounds, tgts[i].name, w.test, p)
					r, err := runBenchmark(ctx, servers[i], w, o.n, o.clients, p)
					if err != nil {
						return err
					}
					results[c] = append(results[c], r)
				}
			}
		}
	}
	base := tgts[0].name
	fmt.Fprintln(stdout, "### Throughput (requests/s, median)")
	fmt.Fprintln(stdout)
	hdr := "| test | pipeline |"
	sep := "|---|---:|"
	for _, t := range tgts {
		hdr += " " + t.name + " req/s |"
		sep += "---:|"
	}
	for _, t := range tgts[1:] {
		hdr += " ratio " + t.name + "/" + base + " |"
		sep += "---:|"
	}
	for _, t := range tgts {
		hdr += " " + t.name + " p50/p99 ms |"
		sep += "---:|"
	}
	fmt.Fprintln(stdout, hdr)
	fmt.Fprintln(stdout, sep)
	for _, w := range o.tests {
		for _, p := range o.pipelines {
			row := fmt.Sprintf("| %s | %d |", w.test, p)
			meds := make([]result, len(tgts))
			ok := make([]bool, len(tgts))
			for i, t := range tgts {
				c := cell{t.name, w.test, p}
				if unsupported[c] || len(results[c]) == 0 {
					row += " unsupported |"
					continue
				}
				meds[i], ok[i] = median(results[c]), true
				row += fmt.Sprintf(" %.0f |", meds[i].rps)
			}
			for i := 1; i < len(tgts); i++ {
				if ok[0] && ok[i] && meds[0].rps > 0 {
					row += fmt.Sprintf(" %.2f |", meds[i].rps/meds[0].rps)
				} else {
					row += " - |"
				}
			}
			for i := range tgts {
				if ok[i] && meds[i].hasLatency {
					row += fmt.Sprintf(" %.3f / %.3f |", meds[i].p50, meds[i].p99)
				} else {
					row += " - |"
				}
			}
			fmt.Fprintln(stdout, row)
		}
	}
	fmt.Fprintln(stdout)
	return nil
}

// median returns the median of each figure taken separately.
func median(rs []result) result {
	pick := func(f func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	m := result{hasLatency: true}
	for _, r := range rs {
		m.hasLatency = m.hasLatency && r.hasLatency
	}
	m.rps = pick(func(r result) float64 { return r.rps })
	m.p50 = pick(func(r result) float64 { return r.p50 })
	m.p99 = pick(func(r result) float64 { return r.p99 })
	return m
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func mkdir(base, name string) string {
	d := filepath.Join(base, name)
	os.MkdirAll(d, 0o755)
	return d
}
