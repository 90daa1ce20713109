package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"time"
)

// mcKeyspace is how many keys the memcached table reads and writes; they
// are loaded before the get runs.
const mcKeyspace = 100000

// mcValueSize is the value size of the memcached table.
const mcValueSize = 32

// mcTarget is one column of the memcached table: start returns the address
// clients connect to and a stop function.
type mcTarget struct {
	name  string
	start func(ctx context.Context, dir string) (addr string, stop func(), err error)
}

// memcachedProc starts memcached on a free port (TCP only, 64 MB, 1 thread
// unless threads says otherwise).
func memcachedProc(ctx context.Context, threads int) (*server, error) {
	return startMCProcess(ctx, func(port int) *exec.Cmd {
		return exec.CommandContext(ctx, "memcached", "-p", strconv.Itoa(port), "-U", "0", "-l", "127.0.0.1",
			"-m", "256", "-t", strconv.Itoa(threads), "-u", "nobody")
	}, 0)
}

// mcTargets: one memcached reached directly, nutcracker with a memcache
// pool over three memcached, and slotcache's proxy over three slotcache
// nodes.
func mcTargets(slotcacheBin string) []mcTarget {
	return []mcTarget{
		{name: "memcached", start: func(ctx context.Context, dir string) (string, func(), error) {
			s, err := memcachedProc(ctx, 4)
			if err != nil {
				return "", nil, err
			}
			return s.addr, s.stop, nil
		}},
		{name: "nutcracker", start: func(ctx context.Context, dir string) (string, func(), error) {
			c := &cluster{}
			for range proxyGroups {
				s, err := memcachedProc(ctx, 1)
				if err != nil {
					c.stop()
					return "", nil, err
				}
				c.backends = append(c.backends, s)
			}
			if err := c.startNutcracker(ctx, dir, true); err != nil {
				c.stop()
				return "", nil, err
			}
			return c.front.addr, c.stop, nil
		}},
		{name: "slotcache-proxy", start: func(ctx context.Context, dir string) (string, func(), error) {
			c := &cluster{}
			nodes, err := c.startNodes(ctx, slotcacheBin, dir)
			if err != nil {
				c.stop()
				return "", nil, err
			}
			mport, err := freePort()
			if err != nil {
				c.stop()
				return "", nil, err
			}
			if err := c.startProxy(ctx, slotcacheBin, nodes, mport); err != nil {
				return "", nil, err
			}
			return net.JoinHostPort("127.0.0.1", strconv.Itoa(mport)), c.stop, nil
		}},
	}
}

// startMCProcess starts the command mk builds for a free port and waits
// until the memcached port (mport, or that port when 0) answers a get.
func startMCProcess(ctx context.Context, mk func(port int) *exec.Cmd, mport int) (*server, error) {
	return startUntil(ctx, mk, mport, "answer", mcReady)
}

// mcReady reports whether addr answers "get" with END.
func mcReady(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	c.Write([]byte("get bench:ready\r\n"))
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && line == "END\r\n"
}

// mcLoad is one load run: n requests of one kind ("get" or "set") over
// conns connections, depth requests per round trip.
type mcLoad struct {
	addr        string
	kind        string
	n, conns    int
	depth, seed int
}

// run drives the load and returns requests/s and the p50/p99 of the round
// trips (ms).
func (l mcLoad) run(ctx context.Context) (result, error) {
	per := max(l.n/l.conns, l.depth)
	per -= per % l.depth
	var wg sync.WaitGroup
	lats := make([][]time.Duration, l.conns)
	errs := make([]error, l.conns)
	start := time.Now()
	for i := range l.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lats[i], errs[i] = l.conn(ctx, i, per)
		}()
	}
	wg.Wait()
	el := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return result{}, err
	}
	all := slices.Concat(lats...)
	slices.Sort(all)
	ms := func(q float64) float64 {
		return float64(all[min(int(q*float64(len(all))), len(all)-1)]) / 1e6
	}
	return result{rps: float64(per*l.conns) / el.Seconds(), p50: ms(0.5), p99: ms(0.99), hasLatency: true}, nil
}

// conn runs per requests on one connection, keys drawn at random, and
// returns the round trips.
func (l mcLoad) conn(ctx context.Context, i, per int) ([]time.Duration, error) {
	c, err := net.DialTimeout("tcp", l.addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	r := rand.New(rand.NewPCG(uint64(l.seed), uint64(i)))
	return l.rounds(ctx, c, per, func(int) int { return r.IntN(mcKeyspace) })
}

// rounds runs per requests on c, the j-th on key key(j), depth per round
// trip, and returns the round trips.
func (l mcLoad) rounds(ctx context.Context, c net.Conn, per int, key func(j int) int) ([]time.Duration, error) {
	rd := bufio.NewReaderSize(c, 64<<10)
	value := bytes.Repeat([]byte("v"), mcValueSize)
	var buf []byte
	lats := make([]time.Duration, 0, per/l.depth)
	for done := 0; done < per; done += l.depth {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		buf = buf[:0]
		for j := done; j < done+l.depth; j++ {
			k := key(j)
			if l.kind == "set" {
				buf = fmt.Appendf(buf, "set key:%06d 0 0 %d\r\n", k, mcValueSize)
				buf = append(append(buf, value...), '\r', '\n')
			} else {
				buf = fmt.Appendf(buf, "get key:%06d\r\n", k)
			}
		}
		t0 := time.Now()
		c.SetDeadline(t0.Add(30 * time.Second))
		if _, err := c.Write(buf); err != nil {
			return nil, err
		}
		for range l.depth {
			if err := readMCReply(rd, l.kind); err != nil {
				return nil, fmt.Errorf("%s %s: %v", l.addr, l.kind, err)
			}
		}
		lats = append(lats, time.Since(t0))
	}
	return lats, nil
}

// readMCReply reads the reply to one get (VALUE lines then END) or set.
func readMCReply(rd *bufio.Reader, kind string) error {
	for {
		line, err := rd.ReadSlice('\n')
		if err != nil {
			return err
		}
		switch {
		case kind == "set" && string(line) == "STORED\r\n":
			return nil
		case kind == "get" && string(line) == "END\r\n":
			return nil
		case kind == "get" && bytes.HasPrefix(line, []byte("VALUE ")):
			f := bytes.Fields(line)
			if len(f) < 4 {
				return fmt.Errorf("bad line %q", line)
			}
			n, err := strconv.Atoi(string(f[3]))
			if err != nil {
				return fmt.Errorf("bad line %q", line)
			}
			if _, err := rd.Discard(n + 2); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unexpected reply %q", line)
		}
	}
}

// mcPreload stores every key of the keyspace at addr.
func mcPreload(ctx context.Context, addr string) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	l := mcLoad{addr: addr, kind: "set", depth: 100}
	_, err = l.rounds(ctx, c, mcKeyspace, func(j int) int { return j })
	return err
}

// memcacheThroughput runs get and set load through each memcached target
// and prints requests/s, the ratio of slotcache's proxy to nutcracker, and
// the round trips' p99.
func memcacheThroughput(ctx context.Context, o options, slotcacheBin, tmp string, stdout, stderr io.Writer) error {
	for _, prog := range []string{"memcached", "nutcracker"} {
		if _, err := exec.LookPath(prog); err != nil {
			return fmt.Errorf("%s not found (run 'make deps')", prog)
		}
	}
	tgts := mcTargets(slotcacheBin)
	addrs := make([]string, len(tgts))
	for i, t := range tgts {
		addr, stop, err := t.start(ctx, mkdir(tmp, t.name+"-memcache"))
		if err != nil {
			return fmt.Errorf("%s: %v", t.name, err)
		}
		defer stop()
		addrs[i] = addr
		if err := mcPreload(ctx, addr); err != nil {
			return fmt.Errorf("%s: preload: %v", t.name, err)
		}
	}
	kinds := []string{"get", "set"}
	results := map[cell][]result{}
	for round := range o.rounds {
		for _, kind := range kinds {
			for _, p := range o.pipelines {
				for k := range tgts {
					i := (k + round) % len(tgts)
					fmt.Fprintf(stderr, "memcached round %d/%d: %s %s pipeline %d\n", round+1, o.rounds, tgts[i].name, kind, p)
					l := mcLoad{addr: addrs[i], kind: kind, n: o.n, conns: o.clients, depth: p, seed: round}
					r, err := l.run(ctx)
					if err != nil {
						return fmt.Errorf("%s: %v", tgts[i].name, err)
					}
					c := cell{tgts[i].name, kind, p}
					results[c] = append(results[c], r)
				}
			}
		}
	}
	fmt.Fprintf(stdout, "### memcached (requests/s and p99 ms of a round trip, median; %d connections, %d keys, %d-byte values; "+
		"memcached -t 4 direct, nutcracker over %d memcached, slotcache-proxy --procs 1 over %d nodes)\n\n",
		o.clients, mcKeyspace, mcValueSize, proxyGroups, proxyGroups)
	fmt.Fprintln(stdout, "| test | pipeline | memcached direct | nutcracker | slotcache-proxy | proxy/nutcracker | p99 memcached | p99 nutcracker | p99 slotcache-proxy |")
	fmt.Fprintln(stdout, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, kind := range kinds {
		for _, p := range o.pipelines {
			m := make([]result, len(tgts))
			for i, t := range tgts {
				m[i] = median(results[cell{t.name, kind, p}])
			}
			ratio := 0.0
			if m[1].rps > 0 {
				ratio = m[2].rps / m[1].rps
			}
			fmt.Fprintf(stdout, "| %s | %d | %.0f | %.0f | %.0f | %.2f | %s | %s | %s |\n", kind, p,
				m[0].rps, m[1].rps, m[2].rps, ratio, p99(m[0]), p99(m[1]), p99(m[2]))
		}
	}
	fmt.Fprintln(stdout)
	return nil
}
