package node

import (
	"fmt"
	"time"
)

// Config holds a node's settings. Field names follow redis.conf where the
// meaning is the same; the `conf` tag is that name. Most fields can be read
// and changed at run time with CONFIG GET / CONFIG SET.
type Config struct {
	// Bind lists the addresses to listen on. Empty means all interfaces,
	// in which case protected mode guards against remote clients.
	Bind []string `conf:"bind"`
	// Port is the RESP listening port.
	Port int `conf:"port"`
	// Dir is the data directory (persistence files, node id).
	Dir string `conf:"dir"`
	// RequirePass, when set, is the password of the default user.
	RequirePass string `conf:"requirepass"`
	// ProtectedMode refuses non-loopback clients while no password is set.
	ProtectedMode bool `conf:"protected-mode"`
	// MaxClients caps concurrent client connections.
	MaxClients int `conf:"maxclients"`
	// Timeout closes a client idle for this long; 0 disables it.
	Timeout time.Duration `conf:"timeout"`
	// TCPKeepAlive is the TCP keep-alive period; 0 disables keep-alives.
	TCPKeepAlive time.Duration `conf:"tcp-keepalive"`
	// Databases is the number of logical databases (SELECT 0..n-1).
	Databases int `conf:"databases"`
	// SlowlogLogSlowerThan is the slow log threshold in microseconds;
	// negative disables the slow log, 0 logs every command.
	SlowlogLogSlowerThan int64 `conf:"slowlog-log-slower-than"`
	// SlowlogMaxLen is the number of slow log entries kept.
	SlowlogMaxLen int `conf:"slowlog-max-len"`
	// MaxMemory is the memory limit in bytes; 0 means none.
	MaxMemory int64 `conf:"maxmemory"`
	// MaxMemoryPolicy is what happens at the limit (noeviction, allkeys-lru, ...).
	MaxMemoryPolicy string `conf:"maxmemory-policy"`
	// ProtoMaxBulkLen is the largest bulk string a client may send.
	ProtoMaxBulkLen int64 `conf:"proto-max-bulk-len"`
	// ClientQueryBufferLimit is the most unparsed input kept per client.
	ClientQueryBufferLimit int64 `conf:"client-query-buffer-limit"`
	// EnableDebugCommand is "no", "yes" or "local" (loopback clients only).
	EnableDebugCommand string `conf:"enable-debug-command"`
	// Hz is how many times a second background tasks (active expiry) run.
	Hz int `conf:"hz"`
	// Compact-encoding thresholds: a collection stays compact while it has at
	// most the given number of elements, each at most the given bytes.
	HashMaxListpackEntries int `conf:"hash-max-listpack-entries"`
	HashMaxListpackValue   int `conf:"hash-max-listpack-value"`
	SetMaxIntsetEntries    int `conf:"set-max-intset-entries"`
	ZsetMaxListpackEntries int `conf:"zset-max-listpack-entries"`
	ZsetMaxListpackValue   int `conf:"zset-max-listpack-value"`
	// ListMaxListpackSize is accepted and reported; lists are always
	// reported as "quicklist", as Redis 7.0 does.
	ListMaxListpackSize int `conf:"list-max-listpack-size"`
	// HllSparseMaxBytes is the longest a HyperLogLog value stays sparse
	// (header included); a longer one turns dense (12304 bytes).
	HllSparseMaxBytes int64 `conf:"hll-sparse-max-bytes"`
	// StreamNodeMaxEntries and StreamNodeMaxBytes bound a block of a
	// stream (0: no bound), as Redis's listpack nodes; approximate
	// trimming removes whole blocks only.
	StreamNodeMaxEntries int `conf:"stream-node-max-entries"`
	StreamNodeMaxBytes   int `conf:"stream-node-max-bytes"`
	// OutputBufferLimits is client-output-buffer-limit for the classes
	// normal, slave (replica) and pubsub. The node enforces the pubsub class
	// on subscribers; the others are kept and reported.
	OutputBufferLimits [3]OutputBufferLimit `conf:"client-output-buffer-limit"`
	// MemcachePort is the memcached protocol (text and meta) listening
	// port; 0 disables it. There is no UDP listener.
	MemcachePort int `conf:"memcache-port"`
	// MemcacheItemSizeMax is memcached's item_size_max (-I): the largest
	// item, key and per-item overhead included, a memcached client may store.
	MemcacheItemSizeMax int64 `conf:"memcache-item-size-max"`
	// ClusterEnabled runs the node in cluster mode (see StartCluster): it
	// serves only the keys of its group's slots and answers CLUSTER.
	ClusterEnabled bool `conf:"cluster-enabled"`
	// ClusterRequireFullCoverage, as in Redis, stops every node from
	// serving keys while some slot has no live master (cluster_state:fail).
	// Set to false, the other groups go on serving their slots.
	ClusterRequireFullCoverage bool `conf:"cluster-require-full-coverage"`
	// ClusterNodeTimeout is how long a member may stay unreachable before
	// the cluster declares it dead; gossip timings derive from it.
	ClusterNodeTimeout time.Duration `conf:"cluster-node-timeout"`
	// ClusterConfigFile, in Dir, keeps the node id and the last slot map
	// across restarts.
	ClusterConfigFile string `conf:"cluster-config-file"`
	// IOEventLoop serves plain RESP clients from one epoll event loop on a
	// locked OS thread instead of a goroutine each (Linux only): fewer
	// context switches per request. A client that blocks, subscribes or
	// sends a protocol error is handed to a goroutine for good. Set at
	// startup; ignored on other systems.
	IOEventLoop bool `conf:"io-event-loop"`
	// BusyReplyThreshold (lua-time-limit) is how long a script runs before
	// other clients are answered -BUSY and SCRIPT KILL may stop it.
	BusyReplyThreshold time.Duration `conf:"busy-reply-threshold"`
	// ConfigFile is the file CONFIG REWRITE writes; empty disables it.
	ConfigFile string `conf:"-"`
}

// DefaultConfig returns the defaults of redis.conf, with the node's port.
func DefaultConfig() Config {
	return Config{
		Port:                       6379,
		Dir:                        ".",
		ProtectedMode:              true,
		MaxClients:                 10000,
		TCPKeepAlive:               300 * time.Second,
		Databases:                  16,
		SlowlogLogSlowerThan:       10000,
		SlowlogMaxLen:              128,
		MaxMemoryPolicy:            "noeviction",
		ProtoMaxBulkLen:            512 << 20,
		ClientQueryBufferLimit:     1 << 30,
		EnableDebugCommand:         "no",
		ClusterNodeTimeout:         15 * time.Second,
		ClusterConfigFile:          "nodes.conf",
		ClusterRequireFullCoverage: true,
		Hz:                         10,
		HashMaxListpackEntries:     hashMaxListpackEntries,
		HashMaxListpackValue:       hashMaxListpackValue,
		SetMaxIntsetEntries:        setMaxIntsetEntries,
		ZsetMaxListpackEntries:     zsetMaxListpackEntries,
		ZsetMaxListpackValue:       zsetMaxListpackValue,
		ListMaxListpackSize:        listMaxListpackSize,
		HllSparseMaxBytes:          hllSparseMaxBytes,
		StreamNodeMaxEntries:       streamNodeMaxEntries,
		StreamNodeMaxBytes:         streamNodeMaxBytes,
		MemcacheItemSizeMax:        1 << 20,
		IOEventLoop:                true,
		BusyReplyThreshold:         5 * time.Second,
		OutputBufferLimits: [3]OutputBufferLimit{
			{},
			{Hard: 256 << 20, Soft: 64 << 20, SoftSeconds: 60},
			{Hard: 32 << 20, Soft: 8 << 20, SoftSeconds: 60},
		},
	}
}

// Validate checks the configuration and returns an error wrapping ErrConfig
// for the first invalid field.
func (c *Config) Validate() error {
	switch {
	case c.Port < 0 || c.Port > 65535:
		return fmt.Errorf("%w: port %d out of range", ErrConfig, c.Port)
	case c.MaxClients < 1:
		return fmt.Errorf("%w: maxclients must be at least 1", ErrConfig)
	case c.Databases < 1 || c.Databases > 1<<20:
		return fmt.Errorf("%w: databases must be between 1 and 1048576", ErrConfig)
	case c.Timeout < 0 || c.TCPKeepAlive < 0:
		return fmt.Errorf("%w: timeout and tcp-keepalive must not be negative", ErrConfig)
	case c.SlowlogMaxLen < 0:
		return fmt.Errorf("%w: slowlog-max-len must not be negative", ErrConfig)
	case c.MaxMemory < 0:
		return fmt.Errorf("%w: maxmemory must not be negative", ErrConfig)
	case c.ProtoMaxBulkLen < 1024*1024:
		return fmt.Errorf("%w: proto-max-bulk-len must be at least 1mb", ErrConfig)
	case c.ClientQueryBufferLimit < 1024*1024:
		return fmt.Errorf("%w: client-query-buffer-limit must be at least 1mb", ErrConfig)
	case c.MemcachePort < 0 || c.MemcachePort > 65535:
		return fmt.Errorf("%w: memcache-port %d out of range", ErrConfig, c.MemcachePort)
	case c.MemcacheItemSizeMax < 1024 || c.MemcacheItemSizeMax > 1<<30:
		return fmt.Errorf("%w: memcache-item-size-max must be between 1k and 1gb", ErrConfig)
	case c.Hz < 1 || c.Hz > 500:
		return fmt.Errorf("%w: hz must be between 1 and 500", ErrConfig)
	case c.ClusterNodeTimeout < 50*time.Millisecond:
		return fmt.Errorf("%w: cluster-node-timeout must be at least 50 ms", ErrConfig)
	case c.ClusterConfigFile == "":
		return fmt.Errorf("%w: cluster-config-file must not be empty", ErrConfig)
	}
	switch c.EnableDebugCommand {
	case "no", "yes", "local":
	default:
		return fmt.Errorf("%w: enable-debug-command must be yes, no or local", ErrConfig)
	}
	switch c.MaxMemoryPolicy {
	case "noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random",
		"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl":
	default:
		return fmt.Errorf("%w: unknown maxmemory-policy %q", ErrConfig, c.MaxMemoryPolicy)
	}
	return nil
}

// OutputBufferLimit is one class of client-output-buffer-limit: a client
// whose pending output passes Hard bytes, or stays above Soft bytes for
// SoftSeconds, is disconnected. Zero disables a limit.
type OutputBufferLimit struct {
	Hard, Soft  int64
	SoftSeconds int
}

// Client classes of client-output-buffer-limit.
const (
	classNormal = iota
	classReplica
	classPubsub
)

var outputClassNames = [3]string{"normal", "slave", "pubsub"}
