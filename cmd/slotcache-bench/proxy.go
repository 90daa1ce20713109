package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// proxyGroups is the number of backends behind each proxy.
const proxyGroups = 3

// proxyKeyspace is redis-benchmark's -r for the proxy table, so that keys
// (and the ten keys of one MSET) spread over every backend.
const proxyKeyspace = "100000"

// cluster is a proxy and the backends behind it, or a lone server.
type cluster struct {
	front    *server
	backends []*server
}

func (c *cluster) stop() {
	if c.front != nil {
		c.front.stop()
	}
	for _, b := range c.backends {
		b.stop()
	}
}

// startNodes starts proxyGroups slotcache nodes as the backends, each on
// its own directory under dir, and returns their addresses.
func (c *cluster) startNodes(ctx context.Context, slotcacheBin, dir string) ([]string, error) {
	var nodes []string
	for i := range proxyGroups {
		d := mkdir(dir, "node"+strconv.Itoa(i))
		s, err := startProcess(ctx, func(port int) *exec.Cmd {
			return exec.CommandContext(ctx, slotcacheBin, "node", "--bind", "127.0.0.1",
				"--port", strconv.Itoa(port), "--dir", d)
		})
		if err != nil {
			return nil, err
		}
		c.backends = append(c.backends, s)
		nodes = append(nodes, s.addr)
	}
	return nodes, nil
}

// proxyTarget is one column of the proxy table.
type proxyTarget struct {
	name  string
	start func(ctx context.Context, dir string) (*cluster, error)
}

// proxyTargets: one redis-server reached directly, nutcracker (twemproxy)
// over three redis-servers, slotcache's proxy over three slotcache nodes,
// and slotcache's proxy over three redis-servers.
func proxyTargets(slotcacheBin string) []proxyTarget {
	redis := func(ctx context.Context, dir string) (*server, error) {
		return startProcess(ctx, func(port int) *exec.Cmd {
			return exec.CommandContext(ctx, "redis-server", "--port", strconv.Itoa(port),
				"--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
		})
	}
	return []proxyTarget{
		{name: "redis", start: func(ctx context.Context, dir string) (*cluster, error) {
			s, err := redis(ctx, dir)
			return &cluster{front: s}, err
		}},
		{name: "nutcracker", start: func(ctx context.Context, dir string) (*cluster, error) {
			c := &cluster{}
			err := c.startRedises(ctx, dir, redis)
			if err == nil {
				err = c.startNutcracker(ctx, dir, false)
			}
			if err != nil {
				c.stop()
				return nil, err
			}
			return c, nil
		}},
		{name: "slotcache-proxy", start: func(ctx context.Context, dir string) (*cluster, error) {
			c := &cluster{}
			nodes, err := c.startNodes(ctx, slotcacheBin, dir)
			if err != nil {
				c.stop()
				return nil, err
			}
			return c, c.startProxy(ctx, slotcacheBin, nodes, 0)
		}},
		// the same proxy over the redis-servers nutcracker has: the
		// proxies compared alone, on equal backends
		{name: "slotcache-proxy-redis", start: func(ctx context.Context, dir string) (*cluster, error) {
			c := &cluster{}
			if err := c.startRedises(ctx, dir, redis); err != nil {
				c.stop()
				return nil, err
			}
			var nodes []string
			for _, s := range c.backends {
				nodes = append(nodes, s.addr)
			}
			return c, c.startProxy(ctx, slotcacheBin, nodes, 0)
		}},
	}
}

// startRedises starts proxyGroups redis-servers as c's backends.
func (c *cluster) startRedises(ctx context.Context, dir string, redis func(context.Context, string) (*server, error)) error {
	for i := range proxyGroups {
		s, err := redis(ctx, mkdir(dir, "redis"+strconv.Itoa(i)))
		if err != nil {
			return err
		}
		c.backends = append(c.backends, s)
	}
	return nil
}

// startProxy starts slotcache's proxy in front of nodes, single-threaded as
// nutcracker is; with mport > 0 it also serves memcached there, and is
// ready once that port answers. c is stopped on failure.
func (c *cluster) startProxy(ctx context.Context, slotcacheBin string, nodes []string, mport int) error {
	mk := func(port int) *exec.Cmd {
		return exec.CommandContext(ctx, slotcacheBin, "proxy", "--bind", "127.0.0.1", "--port", strconv.Itoa(port),
			"--memcache-port", strconv.Itoa(mport), "--procs", "1", "--node", strings.Join(nodes, ","))
	}
	var err error
	if mport > 0 {
		c.front, err = startMCProcess(ctx, mk, mport)
	} else {
		c.front, err = startProcess(ctx, mk)
	}
	if err != nil {
		c.stop()
	}
	return err
}

// startNutcracker starts nutcracker in dir as c's front, with one pool over
// c's backends (see nutcrackerConf).
func (c *cluster) startNutcracker(ctx context.Context, dir string, memcache bool) error {
	stats, err := freePort()
	if err != nil {
		return err
	}
	mk := func(port int) *exec.Cmd {
		conf := filepath.Join(dir, "nutcracker.yml")
		os.WriteFile(conf, []byte(nutcrackerConf(port, c.backends, memcache)), 0o644)
		return exec.CommandContext(ctx, "nutcracker", "-c", conf, "-s", strconv.Itoa(stats),
			"-o", filepath.Join(dir, "nutcracker.log"))
	}
	if memcache {
		c.front, err = startMCProcess(ctx, mk, 0)
	} else {
		c.front, err = startProcess(ctx, mk)
	}
	return err
}

// nutcrackerConf is a twemproxy pool over the backends: RESP with keys
// placed by crc16 modulo the number of servers or, for memcache, the
// memcached protocol with keys on a fnv1a_64 ketama ring.
func nutcrackerConf(port int, backends []*server, memcache bool) string {
	hash, dist := "crc16", "modula"
	if memcache {
		hash, dist = "fnv1a_64", "ketama"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "bench:\n  listen: 127.0.0.1:%d\n  hash: %s\n  distribution: %s\n  redis: %t\n"+
		"  auto_eject_hosts: false\n  timeout: 5000\n  servers:\n", port, hash, dist, !memcache)
	for _, s := range backends {
		fmt.Fprintf(&b, "   - %s:1\n", s.addr)
	}
	return b.String()
}

// proxyThroughput runs SET, GET and MSET through each proxy target and prints
// requests/s, the ratio of slotcache's proxy to nutcracker, and p99.
func proxyThroughput(ctx context.Context, o options, slotcacheBin, tmp string, stdout, stderr io.Writer) error {
	if _, err := exec.LookPath("nutcracker"); err != nil {
		return fmt.Errorf("nutcracker not found (run 'make deps')")
	}
	tgts := proxyTargets(slotcacheBin)
	clusters := make([]*cluster, len(tgts))
	for i, t := range tgts {
		c, err := t.start(ctx, mkdir(tmp, t.name+"-proxy"))
		if err != nil {
			return fmt.Errorf("%s: %v", t.name, err)
		}
		defer c.stop()
		clusters[i] = c
	}
	var tests []workload
	for _, name := range []string{"set", "get", "mset"} {
		w, _ := findWorkload(name)
		tests = append(tests, w)
	}
	// redis-benchmark counts error replies as answers: every target must
	// answer the workloads' commands first
	for i, c := range clusters {
		for _, w := range tests {
			if !supported(c.front, w) {
				return fmt.Errorf("%s does not answer %s without an error", tgts[i].name, w.test)
			}
		}
	}
	results := map[cell][]result{}
	for round := range o.rounds {
		for _, w := range tests {
			for _, p := range o.pipelines {
				for k := range tgts {
					i := (k + round) % len(tgts)
					fmt.Fprintf(stderr, "proxy round %d/%d: %s %s -P %d\n", round+1, o.rounds, tgts[i].name, w.test, p)
					r, err := runBenchmark(ctx, clusters[i].front, w, o.n, o.clients, p, "-r", proxyKeyspace)
					if err != nil {
						return err
					}
					results[cell{tgts[i].name, w.test, p}] = append(results[cell{tgts[i].name, w.test, p}], r)
				}
			}
		}
	}
	fmt.Fprintf(stdout, "### Proxies (requests/s and p99 ms, median; %d backends behind each proxy, -r %s; slotcache-proxy --procs 1, single-threaded as nutcracker)\n\n", proxyGroups, proxyKeyspace)
	fmt.Fprintln(stdout, "| test | pipeline | redis direct | nutcracker | slotcache-proxy | proxy/nutcracker | slotcache-proxy over redis | (over redis)/nutcracker | p99 redis | p99 nutcracker | p99 slotcache-proxy | p99 over redis |")
	fmt.Fprintln(stdout, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, w := range tests {
		for _, p := range o.pipelines {
			m := make([]result, len(tgts))
			for i, t := range tgts {
				m[i] = median(results[cell{t.name, w.test, p}])
			}
			ratio := func(r result) float64 {
				if m[1].rps == 0 {
					return 0
				}
				return r.rps / m[1].rps
			}
			fmt.Fprintf(stdout, "| %s | %d | %.0f | %.0f | %.0f | %.2f | %.0f | %.2f | %s | %s | %s | %s |\n", w.title, p,
				m[0].rps, m[1].rps, m[2].rps, ratio(m[2]), m[3].rps, ratio(m[3]), p99(m[0]), p99(m[1]), p99(m[2]), p99(m[3]))
		}
	}
	fmt.Fprintln(stdout)
	return nil
}

func p99(r result) string {
	if !r.hasLatency {
		return "-"
	}
	return fmt.Sprintf("%.3f", r.p99)
}
