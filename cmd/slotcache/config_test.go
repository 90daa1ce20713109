package main

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/slotcache/slotcache/node"
	"github.com/slotcache/slotcache/slots"
)

// configArgs writes yaml, when set, to file and puts "--config file" before
// args; it sets the environment variables of env for the test.
func configArgs(t *testing.T, file, yaml string, env map[string]string, args []string) []string {
	t.Helper()
	if yaml != "" {
		if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append([]string{"--config", file}, args...)
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	return args
}

func TestNodeConfigSources(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "node.yaml")
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		args []string
		bind []string
		port int
		pass string
		tmo  time.Duration
		mem  int64
	}{
		{name: "defaults", port: 6379},
		{name: "yaml list of one", yaml: "bind: [127.0.0.1]\nport: 7001\n", bind: []string{"127.0.0.1"}, port: 7001},
		{name: "yaml list", yaml: "bind:\n  - 127.0.0.1\n  - ::1\n", bind: []string{"127.0.0.1", "::1"}, port: 6379},
		{name: "yaml string", yaml: "bind: 127.0.0.1 ::1\nmaxmemory: 1gb\n", bind: []string{"127.0.0.1", "::1"}, port: 6379, mem: 1 << 30},
		{name: "env over file", yaml: "requirepass: a\n", env: map[string]string{"SLOTCACHE_REQUIREPASS": "b"}, port: 6379, pass: "b"},
		{name: "flag over env", env: map[string]string{"SLOTCACHE_PORT": "7002", "SLOTCACHE_TIMEOUT": "30"}, args: []string{"--port", "7003"}, port: 7003, tmo: 30 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := configArgs(t, file, tc.yaml, tc.env, tc.args)
			fs := pflag.NewFlagSet("node", pflag.ContinueOnError)
			addNodeFlags(fs)
			v, err := loadConfig(fs, args, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := nodeConfig(v)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cfg.Bind, tc.bind) && !(len(cfg.Bind) == 0 && len(tc.bind) == 0) {
				t.Errorf("bind = %q, want %q", cfg.Bind, tc.bind)
			}
			if cfg.Port != tc.port || cfg.RequirePass != tc.pass || cfg.Timeout != tc.tmo || cfg.MaxMemory != tc.mem {
				t.Errorf("got port %d pass %q timeout %v maxmemory %d", cfg.Port, cfg.RequirePass, cfg.Timeout, cfg.MaxMemory)
			}
		})
	}
}

func TestClusterFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		enabled bool
		check   func(t *testing.T, cc node.ClusterConfig)
		err     string
	}{
		{name: "standalone"},
		{name: "bare flag", args: []string{"--cluster-enabled"}, enabled: true},
		{name: "explicit no", args: []string{"--cluster-enabled=no"}},
		{name: "join implies", args: []string{"--join", "h:1", "--join", "h:2"}, enabled: true, check: func(t *testing.T, cc node.ClusterConfig) {
			if len(cc.Join) != 2 || cc.Join[1] != "h:2" || cc.ClusterName != "slotcache" || cc.KeyIndexes == nil {
				t.Errorf("%+v", cc)
			}
		}},
		{name: "group and role", args: []string{"--group", "3", "--role", "replica", "--gossip-port", "9000"}, enabled: true, check: func(t *testing.T, cc node.ClusterConfig) {
			if cc.Group != 3 || cc.Role != slots.RoleReplica || cc.GossipPort != 9000 {
				t.Errorf("%+v", cc)
			}
		}},
		{name: "base64 key", args: []string{"--cluster-enabled", "--gossip-key", "MDEyMzQ1Njc4OWFiY2RlZg=="}, enabled: true, check: func(t *testing.T, cc node.ClusterConfig) {
			if string(cc.GossipKey) != "0123456789abcdef" {
				t.Errorf("key %q", cc.GossipKey)
			}
		}},
		{name: "raw key", args: []string{"--cluster-enabled", "--gossip-key", "0123456789abcdef"}, enabled: true},
		{name: "short key", args: []string{"--cluster-enabled", "--gossip-key", "abc"}, err: "gossip-key"},
		{name: "bad role", args: []string{"--group", "1", "--role", "boss"}, err: "--role"},
		{name: "role without group", args: []string{"--cluster-enabled", "--role", "master"}, err: "group"},
		{name: "cluster flag while standalone", args: []string{"--gossip-port", "9000"}, err: "without cluster mode"},
		{name: "node timeout", args: []string{"--cluster-enabled", "--cluster-node-timeout", "1000"}, enabled: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := pflag.NewFlagSet("node", pflag.ContinueOnError)
			addNodeFlags(fs)
			addClusterFlags(fs)
			v, err := loadConfig(fs, tc.args, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := nodeConfig(v)
			if err != nil {
				t.Fatal(err)
			}
			cc, err := clusterConfig(v, &cfg)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one about %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.ClusterEnabled != tc.enabled {
				t.Errorf("cluster enabled = %v", cfg.ClusterEnabled)
			}
			if tc.check != nil {
				tc.check(t, cc)
			}
		})
	}
}
