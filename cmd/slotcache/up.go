package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/pflag"
)

// upOptions configure a local cluster.
type upOptions struct {
	dir          string
	bind         string
	groups       int
	replicas     int
	port         int // proxy RESP port
	memcachePort int // proxy memcached port; 0: none
	nodePort     int // first node's RESP port; the others follow
	clusterName  string
}

// child is one process of the local cluster.
type child struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done
}

// runUp starts a whole cluster on this host in the foreground: the nodes of
// every group, one proxy, the slot assignment; Ctrl-C stops it all.
func runUp(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("up", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	var o upOptions
	fs.StringVar(&o.dir, "dir", "", "data and log directory (default: a new temporary one, removed at a clean exit)")
	fs.StringVar(&o.bind, "bind", "127.0.0.1", "address every process listens on")
	fs.IntVar(&o.groups, "groups", 3, "groups (masters)")
	fs.IntVar(&o.replicas, "replicas", 1, "replicas per group")
	fs.IntVar(&o.port, "port", 7379, "proxy RESP port")
	fs.IntVar(&o.memcachePort, "memcache-port", 11311, "proxy memcached port (0: none)")
	fs.IntVar(&o.nodePort, "node-port", 7001, "RESP port of the first node; the others follow, gossip ports are 10000 higher")
	fs.StringVar(&o.clusterName, "cluster-name", "slotcache", "cluster name")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return errHelp
		}
		return err
	}
	if o.groups < 1 || o.replicas < 0 {
		return errors.New("--groups must be at least 1 and --replicas at least 0")
	}
	temp := o.dir == ""
	if temp {
		d, err := os.MkdirTemp("", "slotcache-up-")
		if err != nil {
			return err
		}
		o.dir = d
	}
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	err = upCluster(ctx, self, o, stdout, stderr)
	if temp && err == nil {
		os.RemoveAll(o.dir) // kept after a failure: the logs tell why
	}
	return err
}

func upCluster(ctx context.Context, self string, o upOptions, stdout, stderr io.Writer) error {
	n := o.groups * (1 + o.replicas)
	seed := net.JoinHostPort(o.bind, strconv.Itoa(o.nodePort+10000))
	procs := &procs{self: self, exited: make(chan *child, n+1)}
	defer procs.stop(stderr)
	for i := range n {
		port := o.nodePort + i
		group, role := i%o.groups+1, "master"
		if i >= o.groups {
			role = "replica"
		}
		dir := filepath.Join(o.dir, "node-"+strconv.Itoa(port))
		args := []string{"node", "--bind", o.bind, "--port", strconv.Itoa(port), "--dir", dir,
			"--cluster-name", o.clusterName, "--group", strconv.Itoa(group), "--role", role,
			// one group down must not stop the others (behind the proxy)
			"--cluster-require-full-coverage", "no"}
		if i > 0 {
			args = append(args, "--join", seed)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := procs.start(fmt.Sprintf("node %d", port), dir+".log", args); err != nil {
			return err
		}
		if i == 0 { // the seed must be up before the others join it
			if err := procs.wait(ctx, pinger(net.JoinHostPort(o.bind, strconv.Itoa(port)))); err != nil {
				return err
			}
		}
	}
	// every node answers before the slots are assigned
	for i := 1; i < n; i++ {
		if err := procs.wait(ctx, pinger(net.JoinHostPort(o.bind, strconv.Itoa(o.nodePort+i)))); err != nil {
			return err
		}
	}
	opts := createOptions{
		ctlOptions: ctlOptions{Join: []string{seed}, ClusterName: o.clusterName, Bind: o.bind, Timeout: 30 * time.Second},
		Replicas:   o.replicas, Nodes: n, IfNeeded: true,
	}
	if err := procs.wait(ctx, func(ctx context.Context) error { return createCluster(ctx, opts, stdout) }); err != nil {
		return err
	}
	pargs := []string{"proxy", "--bind", o.bind, "--port", strconv.Itoa(o.port), "--join", seed,
		"--cluster-name", o.clusterName, "--memcache-port", strconv.Itoa(o.memcachePort)}
	if err := procs.start("proxy", filepath.Join(o.dir, "proxy.log"), pargs); err != nil {
		return err
	}
	proxyAddr := net.JoinHostPort(o.bind, strconv.Itoa(o.port))
	if err := procs.wait(ctx, pinger(proxyAddr)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nslotcache is up: %d groups of 1 master + %d replica(s), data and logs in %s\n", o.groups, o.replicas, o.dir)
	fmt.Fprintf(stdout, "  proxy (RESP)       %s    redis-cli -p %d\n", proxyAddr, o.port)
	if o.memcachePort != 0 {
		fmt.Fprintf(stdout, "  proxy (memcached)  %s\n", net.JoinHostPort(o.bind, strconv.Itoa(o.memcachePort)))
	}
	fmt.Fprintf(stdout, "  nodes              %s:%d-%d (gossip %d-%d)    redis-cli -c -p %d\n",
		o.bind, o.nodePort, o.nodePort+n-1, o.nodePort+10000, o.nodePort+10000+n-1, o.nodePort)
	fmt.Fprintf(stdout, "Ctrl-C stops the cluster.\n")
	select {
	case <-ctx.Done():
		fmt.Fprintf(stdout, "stopping\n")
		return nil
	case c := <-procs.exited:
		return c.failure()
	}
}

// procs are the processes of a local cluster, in start order.
type procs struct {
	self     string // the slotcache binary
	children []*child
	exited   chan *child // each child once it has exited; room for all
}

// start starts one process of the cluster, its output going to logPath.
func (p *procs) start(name, logPath string, args []string) error {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(p.self, args...)
	cmd.Stdout, cmd.Stderr = f, f
	// its own process group: the terminal's Ctrl-C reaches only us, and
	// we stop the children in order
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("starting %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	p.children = append(p.children, c)
	go func() {
		c.err = cmd.Wait()
		f.Close()
		close(c.done)
		p.exited <- c
	}()
	return nil
}

// failure describes a child that exited on its own.
func (c *child) failure() error {
	return fmt.Errorf("%s exited (%v); see %s", c.name, c.err, c.log)
}

// wait runs step, failing early if a child exits or ctx ends.
func (p *procs) wait(ctx context.Context, step func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- step(ctx) }()
	select {
	case err := <-errc:
		return err
	case c := <-p.exited:
		cancel()
		<-errc
		return c.failure()
	}
}

// pinger returns a step that waits until addr answers PING.
func pinger(addr string) func(context.Context) error {
	return func(ctx context.Context) error { return waitPing(ctx, addr) }
}

// waitPing waits until addr answers PING.
func waitPing(ctx context.Context, addr string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := ping(addr); err == nil {
			return nil
		} else if time.Now().After(deadline) {
			return fmt.Errorf("%s: %w", addr, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// ping sends one PING and expects +PONG.
func ping(addr string) error {
	v, err := respDo(addr, "PING")
	if err == nil && (v.Type != '+' || string(v.Str) != "PONG") {
		err = fmt.Errorf("unexpected reply %s", v)
	}
	return err
}

// stop stops the proxy, then every node at once: SIGTERM, then SIGKILL
// after 10 seconds.
func (p *procs) stop(stderr io.Writer) {
	children := p.children
	if last := len(children) - 1; last >= 0 && children[last].name == "proxy" {
		stopAll(children[last:], stderr)
		children = children[:last]
	}
	stopAll(children, stderr)
}

func stopAll(children []*child, stderr io.Writer) {
	for _, c := range children {
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
	}
	timeout := time.After(10 * time.Second)
	for _, c := range children {
		select {
		case <-c.done:
		case <-timeout:
			fmt.Fprintf(stderr, "%s did not stop: killed\n", c.name)
			_ = c.cmd.Process.Kill()
			<-c.done
		}
	}
}
