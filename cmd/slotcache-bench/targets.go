package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/slotcache/slotcache/protocol/resp"
)

// A target is one server under test. start launches a fresh instance on a
// free loopback port, with its files under dir.
type target struct {
	name  string
	start func(ctx context.Context, dir string) (*server, error)
}

// server is a running target process.
type server struct {
	cmd  *exec.Cmd
	addr string
	host string
	port int
	done chan struct{}
}

// targets lists the servers compared; proxies and memcached go here later.
func targets(slotcacheBin string) []target {
	return []target{
		{name: "redis", start: func(ctx context.Context, dir string) (*server, error) {
			return startProcess(ctx, func(port int) *exec.Cmd {
				return exec.CommandContext(ctx, "redis-server", "--port", strconv.Itoa(port),
					"--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
			})
		}},
		{name: "slotcache", start: func(ctx context.Context, dir string) (*server, error) {
			return startProcess(ctx, func(port int) *exec.Cmd {
				return exec.CommandContext(ctx, slotcacheBin, "node", "--bind", "127.0.0.1",
					"--port", strconv.Itoa(port), "--dir", dir)
			})
		}},
	}
}

// startProcess starts the command mk builds for a free port and waits until
// it answers PING.
func startProcess(ctx context.Context, mk func(port int) *exec.Cmd) (*server, error) {
	return startUntil(ctx, mk, 0, "answer PING", func(addr string) bool {
		v, err := do(addr, "PING")
		return err == nil && string(v.Str) == "PONG"
	})
}

// startUntil starts the command mk builds for a free port and waits until
// ready holds for port readyPort (the command's own port when 0); what
// names the wait in the error.
func startUntil(ctx context.Context, mk func(port int) *exec.Cmd, readyPort int, what string, ready func(addr string) bool) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	if readyPort == 0 {
		readyPort = port
	}
	cmd := mk(port)
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = nil, &stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, host: "127.0.0.1", port: port, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), done: make(chan struct{})}
	go func() { cmd.Wait(); close(s.done) }()
	raddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(readyPort))
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return nil, fmt.Errorf("%s exited: %s", cmd.Path, strings.TrimSpace(stderr.String()))
		default:
		}
		if ready(raddr) {
			return s, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("%s did not %s on %s", cmd.Path, what, raddr)
}

func (s *server) stop() {
	s.cmd.Process.Kill()
	<-s.done
}

// rss returns the resident set size of the process in bytes (VmRSS).
func (s *server) rss() (int64, error) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(s.cmd.Process.Pid), "status"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// do sends one command on a new connection and returns the reply.
func do(addr string, args ...string) (resp.Value, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return resp.Value{}, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(resp.AppendCommand(nil, args...)); err != nil {
		return resp.Value{}, err
	}
	return resp.NewReader(c, resp.Limits{}).ReadReply()
}
