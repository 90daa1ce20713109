package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strconv"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/slotcache/slotcache/proxy"
	"github.com/slotcache/slotcache/slots"
)

// runProxy runs one proxy until ctx is cancelled. With --join it becomes a
// gossip member of the cluster (role proxy) and routes by the cluster's slot
// map. With --node it serves a static map instead: one group per address,
// slots split evenly in the order given.
func runProxy(ctx context.Context, args []string, stderr io.Writer) error {
	fs := pflag.NewFlagSet("proxy", pflag.ContinueOnError)
	fs.String("bind", "127.0.0.1", "address to listen on")
	fs.Int("port", 7379, "RESP port")
	fs.Int("memcache-port", 11311, "memcached port (0 disables)")
	fs.StringSlice("node", nil, "storage node host:port, one group each (repeat or comma-separate); a static map instead of --join")
	fs.StringSlice("join", nil, "gossip address (host:port) of a cluster member to join; repeatable")
	fs.String("gossip-bind", "", "gossip listen address (default: --bind)")
	fs.Int("gossip-port", 0, "gossip port, TCP and UDP (default: --port + 10000)")
	fs.String("gossip-advertise", "", "gossip host:port the other members should use (NAT, containers)")
	fs.String("gossip-key", "", "gossip encryption key: 16, 24 or 32 bytes, raw or base64")
	fs.String("cluster-name", "slotcache", "cluster name: members of other names are ignored")
	fs.Int("maxclients", 10000, "maximum client connections")
	fs.Int64("proto-max-bulk-len", 512<<20, "largest bulk string accepted from clients and nodes")
	fs.Int("client-query-buffer-limit", 1<<30, "largest pending input of one client")
	fs.Duration("timeout", 0, "close clients idle this long (0: never)")
	fs.Int("backend-conns", 2, "connections per storage node")
	fs.Int64("slowlog-log-slower-than", 10000, "slowlog threshold in microseconds")
	fs.Int("slowlog-max-len", 128, "slowlog length")
	fs.Int("procs", 0, "OS threads running Go code (GOMAXPROCS); 0: one per core. 1 suits a host shared with the nodes")
	fs.String("loglevel", "info", "log level: debug, info, warn, error")
	fs.Bool("io-event-loop", true, "serve RESP clients from epoll loops, one per --procs thread (Linux); false: a goroutine per client")
	addProxyAccessFlags(fs)
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
	log := newLogger(stderr, v.GetString("loglevel"))
	// listen before joining: a busy port must not register a member
	addr := net.JoinHostPort(v.GetString("bind"), strconv.Itoa(v.GetInt("port")))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	var mln net.Listener
	if mp := v.GetInt("memcache-port"); mp > 0 {
		mln, err = net.Listen("tcp", net.JoinHostPort(v.GetString("bind"), strconv.Itoa(mp)))
		if err != nil {
			return err
		}
		defer mln.Close()
	}
	nodes, join := v.GetStringSlice("node"), v.GetStringSlice("join")
	var src proxy.MapSource
	switch {
	case len(nodes) > 0 && len(join) > 0:
		return errors.New("--node and --join exclude each other")
	case len(join) > 0:
		m, err := joinAsProxy(v, log)
		if err != nil {
			return err
		}
		defer func() {
			_ = m.Leave(time.Second)
			_ = m.Shutdown()
		}()
		src = m
		cfg.SplitPerSlot = true // cluster-mode nodes refuse keys of two slots
	case len(nodes) > 0:
		m, err := evenMap(nodes)
		if err != nil {
			return err
		}
		src = proxy.StaticMap{M: m}
	default:
		return errors.New("no --join or --node given")
	}
	p, err := proxy.New(cfg, src, log)
	if err != nil {
		return err
	}
	if mln != nil {
		log.Info("proxy memcached ready", "addr", mln.Addr().String())
		go p.ServeMemcache(ctx, mln)
	}
	tuneGC(ctx)
	log.Info("proxy ready", "addr", ln.Addr().String(), "nodes", len(nodes), "join", join)
	return p.Serve(ctx, ln)
}

func proxyConfig(v *viper.Viper) (proxy.Config, error) {
	cfg := proxy.DefaultConfig()
	cfg.MaxClients = v.GetInt("maxclients")
	cfg.MaxBulkLen = v.GetInt64("proto-max-bulk-len")
	cfg.MaxQueryBuf = v.GetInt("client-query-buffer-limit")
	cfg.IdleTimeout = v.GetDuration("timeout")
	cfg.NoEventLoop = !v.GetBool("io-event-loop")
	cfg.Backend.Conns = v.GetInt("backend-conns")
	cfg.SlowlogSlowerThan = v.GetInt64("slowlog-log-slower-than")
	cfg.SlowlogMaxLen = v.GetInt("slowlog-max-len")
	if err := proxyAccessConfig(v, &cfg); err != nil {
		return cfg, err
	}
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

// joinAsProxy starts the proxy's gossip member (a random id: a proxy keeps no
// state) and joins the seeds.
func joinAsProxy(v *viper.Viper, log *slog.Logger) (*slots.Member, error) {
	key, err := gossipKey(v.GetString("gossip-key"))
	if err != nil {
		return nil, err
	}
	bind := v.GetString("gossip-bind")
	if bind == "" {
		bind = v.GetString("bind")
	}
	port := v.GetInt("gossip-port")
	if port == 0 {
		port = v.GetInt("port") + 10000
	}
	mc := slots.MemberConfig{
		NodeID: randomNodeID(), Role: slots.RoleProxy, BindAddr: bind, BindPort: port,
		ClusterName: v.GetString("cluster-name"), SecretKey: key,
		Join: v.GetStringSlice("join"), MustJoin: true,
		Meta:   slots.MemberMeta{Addr: net.JoinHostPort(v.GetString("bind"), strconv.Itoa(v.GetInt("port")))},
		Logger: log.With("component", "gossip"),
	}
	if adv := v.GetString("gossip-advertise"); adv != "" {
		host, port, err := slots.SplitHostPort(adv)
		if err != nil {
			return nil, fmt.Errorf("--gossip-advertise: %w", err)
		}
		mc.AdvertiseAddr, mc.AdvertisePort = host, port
	}
	return slots.StartMember(mc)
}

func randomNodeID() slots.NodeID {
	var raw [20]byte
	_, _ = rand.Read(raw[:])
	return slots.NodeID(hex.EncodeToString(raw[:]))
}
