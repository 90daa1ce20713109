package node

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// param is one configuration parameter as CONFIG GET/SET and the config
// file see it: its redis.conf name and its value in redis.conf syntax.
type param struct {
	name      string
	immutable bool // only settable at startup
	constant  bool // reported for clients' sake; not a setting of the node
	get       func(c *Config) string
	set       func(c *Config, v string) error
}

var params = func() map[string]*param {
	m := map[string]*param{}
	add := func(p *param) { m[p.name] = p }
	str := func(name string, immutable bool, f func(c *Config) *string) {
		add(&param{name: name, immutable: immutable,
			get: func(c *Config) string { return *f(c) },
			set: func(c *Config, v string) error { *f(c) = v; return nil }})
	}
	boolean := func(name string, immutable bool, f func(c *Config) *bool) {
		add(&param{name: name, immutable: immutable,
			get: func(c *Config) string { return yesNo(*f(c)) },
			set: func(c *Config, v string) error {
				b, err := parseYesNo(v)
				if err == nil {
					*f(c) = b
				}
				return err
			}})
	}
	integer := func(name string, immutable bool, lo, hi int64, f func(c *Config) *int64) {
		add(&param{name: name, immutable: immutable,
			get: func(c *Config) string { return strconv.FormatInt(*f(c), 10) },
			set: func(c *Config, v string) error {
				n, ok := parseInt([]byte(v))
				if !ok {
					return fmt.Errorf("argument couldn't be parsed into an integer")
				}
				if n < lo || n > hi {
					return fmt.Errorf("argument must be between %d and %d inclusive", lo, hi)
				}
				*f(c) = n
				return nil
			}})
	}
	intp := func(name string, immutable bool, lo, hi int64, f func(c *Config) *int) {
		add(&param{name: name, immutable: immutable,
			get: func(c *Config) string { return strconv.Itoa(*f(c)) },
			set: func(c *Config, v string) error {
				n, ok := parseInt([]byte(v))
				if !ok {
					return fmt.Errorf("argument couldn't be parsed into an integer")
				}
				if n < lo || n > hi {
					return fmt.Errorf("argument must be between %d and %d inclusive", lo, hi)
				}
				*f(c) = int(n)
				return nil
			}})
	}
	memory := func(name string, lo int64, f func(c *Config) *int64) {
		add(&param{name: name,
			get: func(c *Config) string { return strconv.FormatInt(*f(c), 10) },
			set: func(c *Config, v string) error {
				n, err := ParseMemory(v)
				if err != nil {
					return err
				}
				if n < lo {
					return fmt.Errorf("argument must be a memory value bigger than %d", lo-1)
				}
				*f(c) = n
				return nil
			}})
	}
	memInt := func(name string, f func(c *Config) *int) {
		add(&param{name: name,
			get: func(c *Config) string { return strconv.Itoa(*f(c)) },
			set: func(c *Config, v string) error {
				n, err := ParseMemory(v)
				if err != nil {
					return err
				}
				*f(c) = int(n)
				return nil
			}})
	}
	seconds := func(name string, f func(c *Config) *time.Duration) {
		add(&param{name: name,
			get: func(c *Config) string { return strconv.FormatInt(int64(*f(c)/time.Second), 10) },
			set: func(c *Config, v string) error {
				n, ok := parseInt([]byte(v))
				if !ok {
					return fmt.Errorf("argument couldn't be parsed into an integer")
				}
				if n < 0 || n > 1<<31-1 {
					return fmt.Errorf("argument must be between 0 and 2147483647 inclusive")
				}
				*f(c) = time.Duration(n) * time.Second
				return nil
			}})
	}
	enum := func(name string, values []string, f func(c *Config) *string) {
		add(&param{name: name,
			get: func(c *Config) string { return *f(c) },
			set: func(c *Config, v string) error {
				v = strings.ToLower(v)
				for _, ok := range values {
					if v == ok {
						*f(c) = v
						return nil
					}
				}
				return fmt.Errorf("argument(s) must be one of the following: %s", strings.Join(values, ", "))
			}})
	}
	add(&param{name: "bind", immutable: true,
		get: func(c *Config) string { return strings.Join(c.Bind, " ") },
		set: func(c *Config, v string) error { c.Bind = strings.Fields(v); return nil }})
	intp("port", true, 0, 65535, func(c *Config) *int { return &c.Port })
	str("dir", true, func(c *Config) *string { return &c.Dir })
	str("requirepass", false, func(c *Config) *string { return &c.RequirePass })
	boolean("protected-mode", false, func(c *Config) *bool { return &c.ProtectedMode })
	intp("maxclients", false, 1, 1<<32-1, func(c *Config) *int { return &c.MaxClients })
	seconds("timeout", func(c *Config) *time.Duration { return &c.Timeout })
	seconds("tcp-keepalive", func(c *Config) *time.Duration { return &c.TCPKeepAlive })
	intp("databases", true, 1, 1<<31-1, func(c *Config) *int { return &c.Databases })
	integer("slowlog-log-slower-than", false, -1, 1<<63-1, func(c *Config) *int64 { return &c.SlowlogLogSlowerThan })
	intp("slowlog-max-len", false, 0, 1<<63-1, func(c *Config) *int { return &c.SlowlogMaxLen })
	memory("maxmemory", 0, func(c *Config) *int64 { return &c.MaxMemory })
	intp("memcache-port", true, 0, 65535, func(c *Config) *int { return &c.MemcachePort })
	memory("memcache-item-size-max", 1024, func(c *Config) *int64 { return &c.MemcacheItemSizeMax })
	enum("maxmemory-policy", []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"}, func(c *Config) *string { return &c.MaxMemoryPolicy })
	memory("proto-max-bulk-len", 1024*1024, func(c *Config) *int64 { return &c.ProtoMaxBulkLen })
	memory("client-query-buffer-limit", 1024*1024, func(c *Config) *int64 { return &c.ClientQueryBufferLimit })
	enum("enable-debug-command", []string{"no", "yes", "local"}, func(c *Config) *string { return &c.EnableDebugCommand })
	// hz accepts any non-negative value and clamps it to 1..500, as Redis does.
	add(&param{name: "hz",
		get: func(c *Config) string { return strconv.Itoa(c.Hz) },
		set: func(c *Config, v string) error {
			n, ok := parseInt([]byte(v))
			if !ok {
				return fmt.Errorf("argument couldn't be parsed into an integer")
			}
			if n < 0 || n > 1<<31-1 {
				return fmt.Errorf("argument must be between 0 and 2147483647 inclusive")
			}
			c.Hz = int(min(max(n, 1), 500))
			return nil
		}})
	// Compact-encoding thresholds, under their Redis 7 names and the older
	// ziplist names Redis still accepts.
	for _, t := range []struct {
		names  []string
		lo, hi int64
		f      func(c *Config) *int
	}{
		{[]string{"hash-max-listpack-entries", "hash-max-ziplist-entries"}, 0, 1<<63 - 1, func(c *Config) *int { return &c.HashMaxListpackEntries }},
		{[]string{"hash-max-listpack-value", "hash-max-ziplist-value"}, 0, 1<<63 - 1, func(c *Config) *int { return &c.HashMaxListpackValue }},
		{[]string{"set-max-intset-entries"}, 0, 1<<63 - 1, func(c *Config) *int { return &c.SetMaxIntsetEntries }},
		{[]string{"zset-max-listpack-entries", "zset-max-ziplist-entries"}, 0, 1<<63 - 1, func(c *Config) *int { return &c.ZsetMaxListpackEntries }},
		{[]string{"zset-max-listpack-value", "zset-max-ziplist-value"}, 0, 1<<63 - 1, func(c *Config) *int { return &c.ZsetMaxListpackValue }},
		{[]string{"list-max-listpack-size", "list-max-ziplist-size"}, -1 << 31, 1<<31 - 1, func(c *Config) *int { return &c.ListMaxListpackSize }},
		{[]string{"stream-node-max-entries"}, 0, 1<<63 - 1, func(c *Config) *int { return &c.StreamNodeMaxEntries }},
		{[]string{"stream-node-max-bytes"}, 0, 1<<63 - 1, func(c *Config) *int { return &c.StreamNodeMaxBytes }},
	} {
		for _, name := range t.names {
			if strings.HasSuffix(name, "-value") || strings.HasSuffix(name, "-bytes") {
				memInt(name, t.f) // memory values: units accepted
				continue
			}
			intp(name, false, t.lo, t.hi, t.f)
		}
	}
	memory("hll-sparse-max-bytes", 0, func(c *Config) *int64 { return &c.HllSparseMaxBytes })
	add(&param{name: "client-output-buffer-limit",
		get: func(c *Config) string {
			var parts []string
			for i, l := range c.OutputBufferLimits {
				parts = append(parts, fmt.Sprintf("%s %d %d %d", outputClassNames[i], l.Hard, l.Soft, l.SoftSeconds))
			}
			return strings.Join(parts, " ")
		},
		set: func(c *Config, v string) error {
			f := strings.Fields(v)
			if len(f)%4 != 0 {
				return configError("Wrong number of arguments in buffer limit configuration.")
			}
			limits := c.OutputBufferLimits
			for i := 0; i < len(f); i += 4 {
				class := -1
				for j, name := range outputClassNames {
					if strings.EqualFold(f[i], name) || (j == classReplica && strings.EqualFold(f[i], "replica")) {
						class = j
					}
				}
				if class < 0 {
					return configError("Invalid client class specified in buffer limit configuration.")
				}
				hard, err1 := ParseMemory(f[i+1])
				soft, err2 := ParseMemory(f[i+2])
				secs, err3 := strconv.ParseInt(f[i+3], 10, 32)
				if err1 != nil || err2 != nil || err3 != nil || secs < 0 {
					return configError("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
				}
				limits[class] = OutputBufferLimit{Hard: hard, Soft: soft, SoftSeconds: int(secs)}
			}
			c.OutputBufferLimits = limits
			return nil
		}})
	// Settings of Redis features the node does not have, with the values
	// that describe it; clients (redis-benchmark, memtier, go-redis) read
	// some of them at connect time. Setting one to another value fails.
	constant := func(name, value string) {
		add(&param{name: name, constant: true,
			get: func(*Config) string { return value },
			set: func(_ *Config, v string) error {
				if !strings.EqualFold(v, value) {
					return fmt.Errorf("argument not supported by slotcache (only %q)", value)
				}
				return nil
			}})
	}
	constant("save", "")
	constant("appendonly", "no")
	constant("appendfsync", "everysec")
	boolean("cluster-enabled", true, func(c *Config) *bool { return &c.ClusterEnabled })
	// Gossip timings are set from cluster-node-timeout at start.
	add(&param{name: "cluster-node-timeout", immutable: true,
		get: func(c *Config) string { return strconv.FormatInt(c.ClusterNodeTimeout.Milliseconds(), 10) },
		set: func(c *Config, v string) error {
			n, ok := parseInt([]byte(v))
			if !ok {
				return fmt.Errorf("argument couldn't be parsed into an integer")
			}
			if n < 50 || n > 1<<31-1 {
				return fmt.Errorf("argument must be between 50 and 2147483647 inclusive")
			}
			c.ClusterNodeTimeout = time.Duration(n) * time.Millisecond
			return nil
		}})
	str("cluster-config-file", true, func(c *Config) *string { return &c.ClusterConfigFile })
	boolean("cluster-require-full-coverage", false, func(c *Config) *bool { return &c.ClusterRequireFullCoverage })
	constant("cluster-allow-reads-when-down", "no")
	constant("io-threads", "1")
	boolean("io-event-loop", true, func(c *Config) *bool { return &c.IOEventLoop })
	constant("replica-read-only", "yes")
	constant("slave-read-only", "yes")
	for _, name := range []string{"busy-reply-threshold", "lua-time-limit"} {
		add(&param{name: name,
			get: func(c *Config) string { return strconv.FormatInt(c.BusyReplyThreshold.Milliseconds(), 10) },
			set: func(c *Config, v string) error {
				n, ok := parseInt([]byte(v))
				if !ok {
					return fmt.Errorf("argument couldn't be parsed into an integer")
				}
				if n < 0 || n > (1<<63-1)/int64(time.Millisecond) {
					return fmt.Errorf("argument must be between 0 and 9223372036854775807 inclusive")
				}
				c.BusyReplyThreshold = time.Duration(n) * time.Millisecond
				return nil
			}})
	}
	constant("maxmemory-samples", "5")
	return m
}()

// ParamNames returns the names of every configuration parameter, sorted.
func ParamNames() []string {
	names := make([]string, 0, len(params))
	for n := range params {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Set applies one parameter given in redis.conf syntax (as the config
// file, a flag or CONFIG SET give it).
func (c *Config) Set(name, value string) error {
	p := params[strings.ToLower(name)]
	if p == nil {
		return fmt.Errorf("%w: unknown parameter %q", ErrConfig, name)
	}
	if err := p.set(c, value); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrConfig, name, err)
	}
	return nil
}

// Get returns one parameter in redis.conf syntax.
func (c *Config) Get(name string) (string, bool) {
	p := params[strings.ToLower(name)]
	if p == nil {
		return "", false
	}
	return p.get(c), true
}

// ParseMemory parses a redis.conf memory value: a byte count with an
// optional unit k, kb, m, mb, g, gb (k = 1000, kb = 1024), case-insensitive.
func ParseMemory(v string) (int64, error) {
	s := strings.ToLower(v)
	mul := int64(1)
	for _, u := range []struct {
		suffix string
		mul    int64
	}{{"gb", 1 << 30}, {"mb", 1 << 20}, {"kb", 1 << 10}, {"g", 1e9}, {"m", 1e6}, {"k", 1e3}, {"b", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mul = strings.TrimSuffix(s, u.suffix), u.mul
			break
		}
	}
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("argument must be a memory value") // no sign, no spaces
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || (mul > 1 && n > (1<<63-1)/mul) {
		return 0, fmt.Errorf("argument must be a memory value")
	}
	return n * mul, nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func parseYesNo(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "yes":
		return true, nil
	case "no":
		return false, nil
	}
	return false, fmt.Errorf("argument must be 'yes' or 'no'")
}

// configError is a CONFIG SET failure reason worded exactly as Redis words
// it (capitalised, with a full stop), which clients may match on.
type configError string

func (e configError) Error() string { return string(e) }
