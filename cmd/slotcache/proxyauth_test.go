package main

import (
	"context"
	"io"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/pflag"

	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/proxy"
)

func TestProxyAccessConfig(t *testing.T) {
	file := filepath.Join(t.TempDir(), "proxy.yaml")
	tests := []struct {
		name  string
		yaml  string
		env   map[string]string
		args  []string
		check func(t *testing.T, c proxy.Config)
		err   string
	}{
		{name: "defaults", check: func(t *testing.T, c proxy.Config) {
			if c.RequirePass != "" || c.Users != nil || c.ReadPolicy != proxy.ReadMaster || c.IdleTimeout != 0 ||
				c.Backend.DialTimeout != time.Second || c.Backend.ReadTimeout != 5*time.Second || c.Backend.Password != "" {
				t.Errorf("%+v", c)
			}
		}},
		{name: "yaml", yaml: `requirepass: pw
users:
  - name: app
    password: apw
  - name: report
    password: "123"
    readonly: true
  - ops:opw:readonly
read-policy: prefer-replica
backend-user: proxy
backend-password: bpw
backend-read-timeout: 2s
idle-timeout: 5m
maxclients: 50
`, check: func(t *testing.T, c proxy.Config) {
			want := []proxy.User{{Name: "app", Password: "apw"}, {Name: "report", Password: "123", ReadOnly: true}, {Name: "ops", Password: "opw", ReadOnly: true}}
			if !reflect.DeepEqual(c.Users, want) {
				t.Errorf("users %+v", c.Users)
			}
			if c.RequirePass != "pw" || c.ReadPolicy != proxy.ReadPreferReplica || c.Backend.Username != "proxy" ||
				c.Backend.Password != "bpw" || c.Backend.ReadTimeout != 2*time.Second || c.IdleTimeout != 5*time.Minute || c.MaxClients != 50 {
				t.Errorf("%+v", c)
			}
		}},
		{name: "flags over env over file", yaml: "requirepass: a\nread-policy: replica-only\n",
			env:  map[string]string{"SLOTCACHE_REQUIREPASS": "b", "SLOTCACHE_USER": "x:1,y:2:readonly", "SLOTCACHE_READ_POLICY": "prefer-replica"},
			args: []string{"--read-policy", "master", "--backend-password", "z"},
			check: func(t *testing.T, c proxy.Config) {
				want := []proxy.User{{Name: "x", Password: "1"}, {Name: "y", Password: "2", ReadOnly: true}}
				if c.RequirePass != "b" || c.ReadPolicy != proxy.ReadMaster || !reflect.DeepEqual(c.Users, want) || c.Backend.Password != "z" {
					t.Errorf("%+v", c)
				}
			}},
		{name: "user flags", args: []string{"--user", "a:p:q", "--user", "b:r:readonly"}, check: func(t *testing.T, c proxy.Config) {
			want := []proxy.User{{Name: "a", Password: "p:q"}, {Name: "b", Password: "r", ReadOnly: true}}
			if !reflect.DeepEqual(c.Users, want) {
				t.Errorf("users %+v", c.Users)
			}
		}},
		{name: "bad policy", args: []string{"--read-policy", "slave"}, err: "read policy"},
		{name: "user without password", args: []string{"--user", "a"}, err: "name:password"},
		{name: "duplicate user", args: []string{"--user", "a:1", "--user", "a:2"}, err: "twice"},
		{name: "default user", args: []string{"--user", "default:1"}, err: "requirepass"},
		{name: "backend user alone", args: []string{"--backend-user", "u"}, err: "backend-password"},
		{name: "bad duration", yaml: "idle-timeout: 5\n", err: "idle-timeout"},
		{name: "bad readonly", yaml: "users:\n  - name: a\n    password: b\n    readonly: maybe\n", err: "readonly"},
		{name: "unknown user field", yaml: "users:\n  - name: a\n    pass: b\n", err: "unknown field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := configArgs(t, file, tc.yaml, tc.env, tc.args)
			fs := pflag.NewFlagSet("proxy", pflag.ContinueOnError)
			fs.Int("maxclients", 10000, "")
			fs.Int("backend-conns", 2, "")
			fs.Int64("slowlog-log-slower-than", 10000, "")
			fs.Int("slowlog-max-len", 128, "")
			addProxyAccessFlags(fs)
			v, err := loadConfig(fs, args, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := proxyConfig(v)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one about %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, cfg)
		})
	}
}

// TestProxyReadPolicyCluster: `slotcache proxy --join` over a cluster-mode
// group of a master and a replica. Replication does not copy data yet, so
// a read the replica serves finds nothing: replica-only reads miss what
// was written, master reads find it. A cluster-mode replica redirects reads
// without READONLY, so the misses also show the proxy sent it.
func TestProxyReadPolicyCluster(t *testing.T) {
	seed := startClusterProc(t, "--group", "1", "--role", "master")
	replica := startClusterProc(t, "--join", seed.gossip, "--group", "1", "--role", "replica")
	procs := []*clusterProc{seed, replica}
	waitAgree(t, procs, 2, nil)
	ctlCreate(t, seed, 2, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	waitAgree(t, procs, 2, nil)
	start := func(policy string) *redis.Client {
		addr := startProxyProcess(t, "--join", seed.gossip, "--cluster-name", t.Name(),
			"--gossip-port", strconv.Itoa(nodetest.FreePort(t)), "--read-policy", policy,
			"--requirepass", "pw", "--user", "reader:rpw:readonly")
		rdb := redis.NewClient(&redis.Options{Addr: addr, Password: "pw"})
		t.Cleanup(func() { rdb.Close() })
		// the proxy learns the map, the replica included, by gossip
		deadline := time.Now().Add(15 * time.Second)
		for {
			err := rdb.Set(ctx, "probe", "1", 0).Err()
			if err == nil {
				if policy == "master" {
					break
				}
				if _, err = rdb.Get(ctx, "probe").Result(); err == redis.Nil {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("proxy (%s) never served as expected: %v", policy, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		return rdb
	}
	master, replicaOnly := start("master"), start("replica-only")
	if err := master.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := master.Get(ctx, "k").Result(); err != nil || v != "v" {
		t.Fatalf("GET through master policy: %q %v", v, err)
	}
	for range 5 {
		if v, err := replicaOnly.Get(ctx, "k").Result(); err != redis.Nil {
			t.Fatalf("GET through replica-only policy: %q %v, want the replica's miss", v, err)
		}
	}
	if err := replicaOnly.Set(ctx, "k2", "v2", 0).Err(); err != nil {
		t.Fatalf("SET through replica-only policy: %v", err)
	}
	if v, err := respDo(seed.addr, "GET", "k2"); err != nil || string(v.Str) != "v2" {
		t.Fatalf("GET k2 on the master: %q %v", v.Str, err)
	}
	// a read-only user of the proxy
	ro := redis.NewClient(&redis.Options{Addr: master.Options().Addr, Username: "reader", Password: "rpw"})
	defer ro.Close()
	if v, err := ro.Get(ctx, "k").Result(); err != nil || v != "v" {
		t.Fatalf("GET as reader: %q %v", v, err)
	}
	if err := ro.Set(ctx, "k", "x", 0).Err(); err == nil || err.Error() != "NOPERM this user has no permissions to run the 'set' command" {
		t.Fatalf("SET as reader: %v", err)
	}
}

// FuzzParseUserSpec: a parsed --user gives back the text it came from.
func FuzzParseUserSpec(f *testing.F) {
	for _, s := range []string{"app:pw", "r:pw:readonly", "a:b:c", "noparts", ":x", "a::readonly", "a:readonly"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := parseUserSpec(s)
		if err != nil {
			if strings.Contains(s, ":") {
				t.Fatalf("parseUserSpec(%q): %v", s, err)
			}
			return
		}
		back := u.Name + ":" + u.Password
		if u.ReadOnly {
			back += ":readonly"
		}
		if back != s || strings.Contains(u.Name, ":") {
			t.Fatalf("parseUserSpec(%q) = %+v", s, u)
		}
	})
}
