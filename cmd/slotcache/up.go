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
	"sync"
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
	fs.StringVar(&o.dir, "dir", "", "data and log directory (default: a new temporary one, removed at exit)")
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
	if o.dir == "" {
		d, err := os.MkdirTemp("", "slotcache-up-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		o.dir = d
	}
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	return upCluster(ctx, self, o, stdout, stderr)
}

func upCluster(ctx context.Context, self string, o upOptions, stdout, stderr io.Writer) error {
	n := o.groups * (1 + o.replicas)
	seed := net.JoinHostPort(o.bind, strconv.Itoa(o.nodePort+10000))
	var children []*child
	defer func() { stopChildren(children, stderr) }()
	for i := range n {
		port := o.nodePort + i
		group, role := i%o.groups+1, "master"
		if i >= o.groups {
			role = "replica"
		}
		args := []string{"node", "--bind", o.bind, "--port", strconv.Itoa(port),
			"--dir", filepath.Join(o.dir, "node-"+strconv.Itoa(port)),
			"--cluster-name", o.clusterName, "--group", strconv.Itoa(group), "--role", role}
		if i > 0 {
			args = append(args, "--join", seed)
		}
		if err := os.MkdirAll(filepath.Join(o.dir, "node-"+strconv.Itoa(port)), 0o755); err != nil {
			return err
		}
		c, err := startChild(self, fmt.Sprintf("node %d", port), filepath.Join(o.dir, fmt.Sprintf("node-%d.log", port)), args)
		if err != nil {
			return err
		}
		children = append(children, c)
		if i == 0 || i == n-1 {
			// the seed must be up before the others join it, and every
			// node before the slots are assigned
			for _, a := range nodeAddrs(o, i) {
				if err := waitChildren(ctx, children, func(ctx context.Context) error { return waitPing(ctx, a) }); err != nil {
					return err
				}
			}
		}
	}
	opts := createOptions{
		ctlOptions: ctlOptions{Join: []string{seed}, ClusterName: o.clusterName, Bind: o.bind, Timeout: 30 * time.Second},
		Replicas:   o.replicas, Nodes: n, IfNeeded: true,
	}
	if err := waitChildren(ctx, children, func(ctx context.Context) error { return createCluster(ctx, opts, stdout) }); err != nil {
		return err
	}
	pargs := []string{"proxy", "--bind", o.bind, "--port", strconv.Itoa(o.port), "--join", seed,
		"--cluster-name", o.clusterName}
	if o.memcachePort != 0 {
		pargs = append(pargs, "--memcache-port", strconv.Itoa(o.memcachePort))
	}
	p, err := startChild(self, "proxy", filepath.Join(o.dir, "proxy.log"), pargs)
	if err != nil {
		return err
	}
	children = append(children, p)
	proxyAddr := net.JoinHostPort(o.bind, strconv.Itoa(o.port))
	if err := waitChildren(ctx, children, func(ctx context.Context) error { return waitPing(ctx, proxyAddr) }); err != nil {
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
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintf(stdout, "stopping\n")
			return nil
		case <-anyDone(children):
			for _, c := range children {
				select {
				case <-c.done:
					return fmt.Errorf("%s exited (%v); see %s", c.name, c.err, c.log)
				default:
				}
			}
		}
	}
}

// startChild starts one process of the cluster, its output going to logPath.
func startChild(self, name, logPath string, args []string) (*child, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, args...)
	cmd.Stdout, cmd.Stderr = f, f
	// its own process group: the terminal's Ctrl-C reaches only us, and
	// we stop the children in order
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		f.Close()
		close(c.done)
	}()
	return c, nil
}

// anyDone returns a channel closed as soon as one of the children exits.
func anyDone(children []*child) <-chan struct{} {
	out := make(chan struct{})
	var once sync.Once
	for _, c := range children {
		go func() {
			<-c.done
			once.Do(func() { close(out) })
		}()
	}
	return out
}

// waitChildren runs step, failing early if a child exits or ctx ends.
func waitChildren(ctx context.Context, children []*child, step func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- step(ctx) }()
	select {
	case err := <-errc:
		return err
	case <-anyDone(children):
		cancel()
		<-errc
		for _, c := range children {
			select {
			case <-c.done:
				return fmt.Errorf("%s exited (%v); see %s", c.name, c.err, c.log)
			default:
			}
		}
		return errors.New("a process exited")
	}
}

// nodeAddrs returns the RESP addresses of nodes 0 to i.
func nodeAddrs(o upOptions, i int) []string {
	var out []string
	for j := 0; j <= i; j++ {
		out = append(out, net.JoinHostPort(o.bind, strconv.Itoa(o.nodePort+j)))
	}
	return out
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
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	buf := make([]byte, 7)
	if _, err := io.ReadFull(c, buf); err != nil {
		return err
	}
	if string(buf) != "+PONG\r\n" {
		return fmt.Errorf("unexpected reply %q", buf)
	}
	return nil
}

// stopChildren stops the proxy, then every node at once: SIGTERM, then
// SIGKILL after 10 seconds.
func stopChildren(children []*child, stderr io.Writer) {
	if len(children) == 0 {
		return
	}
	last := len(children) - 1
	if children[last].name == "proxy" {
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
