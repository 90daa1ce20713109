package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/slotcache/slotcache/proxy"
	"github.com/slotcache/slotcache/slots"
)

// runProxy runs one proxy until ctx is cancelled. With --node it serves a
// static map: one group per address, slots split evenly in the order given.
func runProxy(ctx context.Context, args []string, stderr io.Writer) error {
	fs := pflag.NewFlagSet("proxy", pflag.ContinueOnError)
	fs.String("bind", "127.0.0.1", "address to listen on")
	fs.Int("port", 7379, "RESP port")
	fs.StringSlice("node", nil, "storage node host:port, one group each (repeat or comma-separate)")
	fs.Int("maxclients", 10000, "maximum client connections")
	fs.Int("backend-conns", 2, "connections per storage node")
	fs.Int64("slowlog-log-slower-than", 10000, "slowlog threshold in microseconds")
	fs.Int("slowlog-max-len", 128, "slowlog length")
	fs.Int("procs", 0, "OS threads running Go code (GOMAXPROCS); 0: one per core. 1 suits a host shared with the nodes")
	fs.String("loglevel", "info", "log level: debug, info, warn, error")
	v, err := loadConfig(fs, args, stderr)
	if err != nil {
		return err
	}
	if n := v.GetInt("procs"); n > 0 {
		runtime.GOMAXPROCS(n)
	}
	cfg, err := proxyConfig(v)
	if err != nil {
		return err
	}
	nodes := v.GetStringSlice("node")
	if len(nodes) == 0 {
		return errors.New("no --node given")
	}
	m, err := evenMap(nodes)
	if err != nil {
		return err
	}
	log := newLogger(stderr, v.GetString("loglevel"))
	p, err := proxy.New(cfg, proxy.StaticMap{M: m}, log)
	if err != nil {
		return err
	}
	addr := net.JoinHostPort(v.GetString("bind"), strconv.Itoa(v.GetInt("port")))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	tuneGC(ctx)
	log.Info("proxy ready", "addr", ln.Addr().String(), "nodes", len(nodes))
	return p.Serve(ctx, ln)
}

func proxyConfig(v *viper.Viper) (proxy.Config, error) {
	cfg := proxy.DefaultConfig()
	cfg.MaxClients = v.GetInt("maxclients")
	cfg.Backend.Conns = v.GetInt("backend-conns")
	cfg.SlowlogSlowerThan = v.GetInt64("slowlog-log-slower-than")
	cfg.SlowlogMaxLen = v.GetInt("slowlog-max-len")
	return cfg, cfg.Validate()
}

// evenMap builds the static map of --node: group i+1 mastered by nodes[i].
func evenMap(nodes []string) (*slots.Map, error) {
	b := slots.NewBuilder(nil)
	var gs []slots.GroupID
	for i, a := range nodes {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return nil, fmt.Errorf("--node %q: %v", a, err)
		}
		id := slots.NodeID(fmt.Sprintf("%040x", i+1))
		g := slots.GroupID(i + 1)
		b.SetNode(slots.Node{ID: id, Addr: a, Group: g, Role: slots.RoleMaster})
		b.SetGroup(g, id)
		gs = append(gs, g)
	}
	for _, r := range slots.Evenly(gs) {
		b.Assign(r.Start, r.End, r.Group)
	}
	return b.Build()
}
