package main

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

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
			args := tc.args
			if tc.yaml != "" {
				if err := os.WriteFile(file, []byte(tc.yaml), 0o644); err != nil {
					t.Fatal(err)
				}
				args = append([]string{"--config", file}, args...)
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
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
