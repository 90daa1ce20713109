package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/slotcache/slotcache/node"
	"github.com/slotcache/slotcache/router"
	"github.com/slotcache/slotcache/slots"
)

var errHelp = errors.New("help requested")

// loadConfig builds a viper instance from flags, SLOTCACHE_* environment
// variables and an optional YAML file (--config), in that order of priority.
func loadConfig(fs *pflag.FlagSet, args []string, stderr io.Writer) (*viper.Viper, error) {
	fs.String("config", "", "YAML configuration file (keys as in redis.conf)")
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return nil, errHelp
		}
		return nil, err
	}
	v := viper.New()
	v.SetEnvPrefix("SLOTCACHE")
	v.SetEnvKeyReplacer(strings.NewReplacer("-", "_"))
	v.AutomaticEnv()
	if err := v.BindPFlags(fs); err != nil {
		return nil, err
	}
	if f := v.GetString("config"); f != "" {
		v.SetConfigFile(f)
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			return nil, fmt.Errorf("reading %s: %w", f, err)
		}
	}
	return v, nil
}

// addNodeFlags declares one flag per node parameter, named as in redis.conf.
func addNodeFlags(fs *pflag.FlagSet) {
	def := node.DefaultConfig()
	for _, name := range node.ParamNames() {
		val, _ := def.Get(name)
		fs.String(name, val, "redis.conf '"+name+"'")
	}
}

// nodeConfig fills a node.Config from v; every parameter goes through
// node.Config.Set so that the file, flags, env and CONFIG SET agree.
func nodeConfig(v *viper.Viper) (node.Config, error) {
	cfg := node.DefaultConfig()
	for _, name := range node.ParamNames() {
		if !v.IsSet(name) {
			continue
		}
		val := v.GetString(name)
		if name == "bind" {
			// a YAML list or a space-separated string, as in redis.conf
			if list := v.GetStringSlice(name); len(list) > 0 {
				val = strings.Join(list, " ")
			}
		}
		if err := cfg.Set(name, val); err != nil {
			return cfg, err
		}
	}
	cfg.ConfigFile = v.GetString("config")
	return cfg, cfg.Validate()
}

// addClusterFlags declares the cluster-mode flags of a node (the redis.conf
// ones, cluster-enabled and cluster-node-timeout, come with addNodeFlags).
func addClusterFlags(fs *pflag.FlagSet) {
	fs.Lookup("cluster-enabled").NoOptDefVal = "yes" // a bare --cluster-enabled
	fs.StringSlice("join", nil, "gossip address (host:port) of a cluster member to join; repeatable (implies --cluster-enabled)")
	fs.Uint32("group", 0, "place this new node in replication group G (implies --cluster-enabled)")
	fs.String("role", "", "role in --group: master or replica (default: master if the group has none)")
	fs.String("gossip-bind", "", "gossip listen address (default: the first --bind address, or all)")
	fs.Int("gossip-port", 0, "gossip port, TCP and UDP (default: --port + 10000)")
	fs.String("gossip-advertise", "", "gossip host:port the other members should use (NAT, containers)")
	fs.String("gossip-key", "", "gossip encryption key: 16, 24 or 32 bytes, raw or base64")
	fs.String("cluster-name", "slotcache", "cluster name: members of other names are ignored")
	fs.String("cluster-announce-ip", "", "host published for this node's RESP port (default: the gossip address's host)")
}

// clusterConfig fills a node.ClusterConfig from v; --join and --group turn
// cluster mode on in cfg.
func clusterConfig(v *viper.Viper, cfg *node.Config) (node.ClusterConfig, error) {
	cc := node.ClusterConfig{
		GossipBind:      v.GetString("gossip-bind"),
		GossipPort:      v.GetInt("gossip-port"),
		GossipAdvertise: v.GetString("gossip-advertise"),
		AnnounceIP:      v.GetString("cluster-announce-ip"),
		Join:            v.GetStringSlice("join"),
		ClusterName:     v.GetString("cluster-name"),
		Group:           slots.GroupID(v.GetUint32("group")),
		KeyIndexes:      router.KeyIndexes,
	}
	switch r := strings.ToLower(v.GetString("role")); r {
	case "":
	case "master":
		cc.Role = slots.RoleMaster
	case "replica", "slave":
		cc.Role = slots.RoleReplica
	default:
		return cc, fmt.Errorf("--role must be master or replica, not %q", r)
	}
	key, err := gossipKey(v.GetString("gossip-key"))
	if err != nil {
		return cc, err
	}
	cc.GossipKey = key
	if len(cc.Join) > 0 || cc.Group != 0 {
		cfg.ClusterEnabled = true
	}
	if !cfg.ClusterEnabled && (cc.Role != slots.RoleNone || cc.GossipPort != 0) {
		return cc, fmt.Errorf("cluster flags given without cluster mode (--cluster-enabled)")
	}
	return cc, cc.Validate()
}

// gossipKey decodes a gossip key given raw or in base64.
func gossipKey(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	ok := func(n int) bool { return n == 16 || n == 24 || n == 32 }
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && ok(len(b)) {
		return b, nil
	}
	if ok(len(s)) {
		return []byte(s), nil
	}
	return nil, fmt.Errorf("--gossip-key must be 16, 24 or 32 bytes, raw or base64")
}
