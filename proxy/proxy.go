package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slotcache/slotcache/internal/rawnet"
	"github.com/slotcache/slotcache/protocol/memcache"
	"github.com/slotcache/slotcache/protocol/resp"
	"github.com/slotcache/slotcache/router"
	"github.com/slotcache/slotcache/slots"
)

// MapSource gives the current slot map. Map must be cheap (an atomic load):
// the proxy calls it once per batch of commands.
type MapSource interface {
	Map() *slots.Map
}

// Refresher is implemented by map sources that can be asked to fetch a newer
// map at once, for instance after a node answered -MOVED.
type Refresher interface {
	Refresh()
}

// StaticMap is a MapSource that always returns the same map.
type StaticMap struct{ M *slots.Map }

// Map returns the map.
func (s StaticMap) Map() *slots.Map { return s.M }

// Config is the proxy's configuration. Zero fields take the defaults.
type Config struct {
	// MaxBulkLen is proto-max-bulk-len for client input and backend replies
	// (default 512 MB).
	MaxBulkLen int64
	// MaxQueryBuf is client-query-buffer-limit (default 1 GB).
	MaxQueryBuf int
	// MaxPipeline is how many commands of one client are dispatched before
	// the proxy waits for their replies and writes them (default 1024).
	MaxPipeline int
	// MaxClients bounds the client connections (default 10000).
	MaxClients int
	// IdleTimeout closes a client idle that long (default 0: never).
	IdleTimeout time.Duration
	// SlowlogSlowerThan is the slowlog threshold in microseconds (default
	// 10000; negative disables the slowlog, 0 logs every command).
	SlowlogSlowerThan int64
	// SlowlogMaxLen is the slowlog length (default 128).
	SlowlogMaxLen int
	// SplitPerSlot makes MGET, MSET, DEL, UNLINK, EXISTS and TOUCH send one
	// command per slot instead of one per group: nodes in cluster mode
	// refuse keys of several slots in one command (-CROSSSLOT), standalone
	// nodes take them.
	SplitPerSlot bool
	// PoolGrace is how long the connections to a node that is no master of
	// the map any more are kept (a redirect may still name it); a later map
	// change closes them (default 1 min).
	PoolGrace time.Duration
	// PubsubOutputLimit is how many bytes of messages a subscriber may
	// leave unread before it is disconnected, as Redis's
	// client-output-buffer-limit pubsub (default 32 MB).
	PubsubOutputLimit int
	// Backend configures the connections to the nodes, their credentials
	// (Backend.Username, Backend.Password) included.
	Backend router.PoolConfig
	// MemcacheItemSizeMax is the largest item memcached clients may store
	// (memcached's -I; default 1 MB, as the nodes).
	MemcacheItemSizeMax int
	// RequirePass is the default user's password; empty: none, clients
	// start authenticated as the default user.
	RequirePass string
	// Users are further accounts clients log in as with AUTH name password.
	Users []User
	// ReadPolicy says where read-only commands go (default ReadMaster).
	ReadPolicy ReadPolicy
	// EventLoops is how many epoll loops serve RESP clients, each on one
	// OS thread with its own backend connections (Linux; default
	// GOMAXPROCS). A client whose commands need connection state (MULTI,
	// WATCH, blocking commands, subscriptions) or that sends bad input
	// moves to a goroutine of its own.
	EventLoops int
	// NoEventLoop gives every client a goroutine of its own instead.
	NoEventLoop bool
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		MaxBulkLen:          resp.DefaultMaxBulkLen,
		MaxQueryBuf:         resp.DefaultMaxQueryBuf,
		MaxPipeline:         1024,
		MaxClients:          10000,
		SlowlogSlowerThan:   10000,
		SlowlogMaxLen:       128,
		PoolGrace:           time.Minute,
		PubsubOutputLimit:   defaultPubsubOutputLimit,
		MemcacheItemSizeMax: memcache.DefaultItemSizeMax,
	}
}

// Validate checks the configuration and fills in defaults.
func (c *Config) Validate() error {
	d := DefaultConfig()
	orDefault(&c.MaxBulkLen, d.MaxBulkLen)
	orDefault(&c.MaxQueryBuf, d.MaxQueryBuf)
	orDefault(&c.MaxPipeline, d.MaxPipeline)
	orDefault(&c.MaxClients, d.MaxClients)
	orDefault(&c.SlowlogMaxLen, d.SlowlogMaxLen)
	orDefault(&c.PoolGrace, d.PoolGrace)
	orDefault(&c.MemcacheItemSizeMax, d.MemcacheItemSizeMax)
	orDefault(&c.PubsubOutputLimit, d.PubsubOutputLimit)
	if c.EventLoops < 0 {
		return fmt.Errorf("proxy: negative event loop count %d", c.EventLoops)
	}
	if c.EventLoops == 0 {
		c.EventLoops = runtime.GOMAXPROCS(0)
	}
	if c.NoEventLoop || !rawnet.Supported {
		c.EventLoops = 0
	}
	if c.IdleTimeout < 0 {
		return fmt.Errorf("proxy: negative idle timeout %v", c.IdleTimeout)
	}
	if c.ReadPolicy > ReadReplicaOnly {
		return fmt.Errorf("proxy: unknown read policy %d", c.ReadPolicy)
	}
	if err := validateUsers(c.Users); err != nil {
		return err
	}
	c.Backend.MaxBulkLen = c.MaxBulkLen
	return nil
}

// orDefault sets *v to d when it is zero or negative.
func orDefault[T int | int64 | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// Proxy routes the commands of RESP clients to the groups that own their
// keys.
type Proxy struct {
	cfg   Config
	src   MapSource
	log   *slog.Logger
	start time.Time

	route atomic.Pointer[table]
	// routeMu makes one caller build the table of a new map while the
	// others wait for it
	routeMu sync.Mutex
	auth    *authTable

	mu      sync.Mutex
	pools   map[string]*router.Pool
	unused  map[string]time.Time // pools no map master uses, since when
	clients map[uint64]*session
	nextID  uint64
	lns     []net.Listener
	closed  bool

	stats   stats
	slowlog slowlog
	mc      mcState        // memcached listener (memcache.go)
	ded     dedicatedCache // idle dedicated backend connections
	loops   []*eventLoop   // started with the first client they serve

	rates     rates // INFO's instantaneous_* figures (info.go)
	ratesOnce sync.Once
	runIDOnce sync.Once
	runIDHex  string

	wg      sync.WaitGroup
	closing chan struct{}
}

// New returns a proxy that routes by the maps src gives.
func New(cfg Config, src MapSource, log *slog.Logger) (*Proxy, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if src == nil {
		return nil, errors.New("proxy: nil map source")
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if cfg.Backend.Logger == nil {
		cfg.Backend.Logger = log
	}
	cfg.Backend = cfg.Backend.WithDefaults()
	p := &Proxy{
		cfg:     cfg,
		src:     src,
		log:     log,
		start:   time.Now(),
		pools:   map[string]*router.Pool{},
		unused:  map[string]time.Time{},
		clients: map[uint64]*session{},
		closing: make(chan struct{}),
	}
	p.slowlog.max = cfg.SlowlogMaxLen
	p.auth = newAuthTable(&p.cfg)
	return p, nil
}

// Serve accepts clients on ln until ctx is cancelled or Close is called, then
// closes every connection and backend pool and waits for their goroutines.
func (p *Proxy) Serve(ctx context.Context, ln net.Listener) error {
	if p.cfg.EventLoops > 0 {
		ln = rawnet.Listener(ln)
	}
	return p.serveListener(ctx, ln, p.accept, nil)
}

// serveListener runs the accept loop of ln, handing each connection to
// accept, until the proxy is closed (ctx ending closes it). onClose, when
// set, ends the listener's own connections once the proxy is closing; the
// loop then waits for every connection goroutine.
func (p *Proxy) serveListener(ctx context.Context, ln net.Listener, accept func(net.Conn), onClose func()) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		ln.Close()
		return nil
	}
	p.lns = append(p.lns, ln)
	p.mu.Unlock()
	p.ratesOnce.Do(func() {
		p.wg.Add(1)
		go p.sampleRates()
	})
	if onClose == nil {
		onClose = func() {}
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-ctx.Done():
			p.Close()
		case <-p.closing:
		case <-stop:
			return
		}
		onClose()
	}()
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			select {
			case <-p.closing:
				onClose()
				p.wg.Wait()
				return nil
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			p.Close()
			onClose()
			p.wg.Wait()
			return err
		}
		delay = 0
		accept(nc)
	}
}

// Close stops the listeners, closes the client connections and the backend
// pools. Serve returns once every goroutine has finished.
func (p *Proxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.closing)
	for _, ln := range p.lns {
		ln.Close()
	}
	for _, s := range p.clients {
		if !s.looped { // an event loop closes its own
			s.conn.Close()
		}
	}
	loops := p.loops
	pools := p.pools
	p.pools = map[string]*router.Pool{}
	p.mu.Unlock()
	for _, l := range loops {
		l.stop()
	}
	for _, pl := range pools {
		pl.Close()
	}
	p.closeDedicated()
}

func (p *Proxy) accept(nc net.Conn) {
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	rawnet.SetSockopts(nc, 0)
	p.stats.connections.Add(1)
	p.mu.Lock()
	if p.closed || len(p.clients)+p.mcConns() >= p.cfg.MaxClients {
		p.mu.Unlock()
		p.stats.rejected.Add(1)
		nc.SetWriteDeadline(time.Now().Add(time.Second))
		nc.Write([]byte("-ERR max number of clients reached\r\n"))
		nc.Close()
		return
	}
	p.nextID++
	s := newSession(p, nc, p.nextID)
	p.clients[s.id] = s
	p.wg.Add(1)
	l := p.loopFor(nc, s.id)
	s.looped = l != nil
	p.mu.Unlock()
	if l != nil && l.add(s) {
		return
	}
	p.goServe(s)
}

// goServe runs session s on a goroutine; the session was counted in p.wg
// and p.clients.
func (p *Proxy) goServe(s *session) {
	p.mu.Lock()
	nc, err := rawnet.GoConn(s.conn)
	if err == nil {
		s.conn = nc
	}
	s.looped = false
	p.mu.Unlock()
	if err != nil {
		p.log.Warn("cannot serve a client on a goroutine; closed", "addr", s.addr, "err", err)
		p.endSession(s)
		return
	}
	go func() {
		s.serve()
		p.endSession(s)
	}()
}

// endSession forgets a session that ended.
func (p *Proxy) endSession(s *session) {
	s.conn.Close()
	p.mu.Lock()
	delete(p.clients, s.id)
	p.mu.Unlock()
	p.wg.Done()
}

// pool returns the backend pool for addr and protocol (2 or 3), creating it
// on first use; nil once the proxy is closed. RESP3 pools say HELLO 3 on
// each connection, so their replies go to RESP3 clients unchanged.
func (p *Proxy) pool(addr string, proto int) *router.Pool {
	return p.poolAt(addr, addr, proto, p.cfg.Backend)
}

// poolAt returns the pool of key and proto, creating it to addr with cfg
// (and HELLO 3 for proto 3) on first use.
func (p *Proxy) poolAt(key, addr string, proto int, cfg router.PoolConfig) *router.Pool {
	key = protoKey(key, proto)
	if proto == 3 {
		cfg.Hello = hello3
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	pl := p.pools[key]
	if pl == nil {
		pl = router.NewPool(addr, cfg)
		p.pools[key] = pl
	}
	return pl
}

// resp3Suffix marks the RESP3 pools in Proxy.pools and the RESP3
// dedicated connections.
const resp3Suffix = "|resp3"

// protoKey is the cache key of connections to key speaking proto (2 or 3).
func protoKey(key string, proto int) string {
	if proto == 3 {
		return key + resp3Suffix
	}
	return key
}

var hello3 = []byte("*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n")

// table is the routing table derived from one slot map: for every slot, the
// index of its group in groups (0 = not served).
type table struct {
	m      *slots.Map
	slot   [slots.NumSlots]uint16
	groups []groupRoute // index 0 unused; sorted by group id from 1
}

type groupRoute struct {
	id   slots.GroupID
	addr string
	pool *router.Pool // nil: the group has no reachable master
	// replicas are READONLY pools, filled when the read policy uses them
	replicas []*router.Pool
}

// routes returns the routing table of the source's current map, rebuilding
// it when the map changed: once, however many sessions see the change at
// the same time.
func (p *Proxy) routes() *table {
	m := p.src.Map()
	if t := p.route.Load(); t != nil && t.m == m {
		return t
	}
	p.routeMu.Lock()
	defer p.routeMu.Unlock()
	if t := p.route.Load(); t != nil && t.m == m {
		return t
	}
	t := p.buildTable(m)
	p.route.Store(t)
	return t
}

func (p *Proxy) buildTable(m *slots.Map) *table {
	t := &table{m: m, groups: []groupRoute{{}}}
	if m == nil {
		return t
	}
	ids := m.Groups()
	slices.Sort(ids)
	index := map[slots.GroupID]uint16{}
	for _, id := range ids {
		g, _ := m.Group(id)
		gr := groupRoute{id: id}
		if n, ok := m.Node(g.Master); ok && n.Addr != "" {
			gr.addr = n.Addr
			gr.pool = p.pool(n.Addr, 2)
		}
		p.addReplicas(&gr, m, g)
		index[id] = uint16(len(t.groups))
		t.groups = append(t.groups, gr)
	}
	for s := range slots.NumSlots {
		t.slot[s] = index[m.Lookup(s)]
	}
	p.retirePools(t)
	return t
}

// retirePools closes the pools of addresses that no master of t has used
// for PoolGrace.
func (p *Proxy) retirePools(t *table) {
	used := map[string]bool{}
	for _, g := range t.groups {
		used[g.addr] = true
		for _, pl := range g.replicas {
			used[replicaKey(pl.Addr())] = true
		}
	}
	now := time.Now()
	var old []*router.Pool
	p.mu.Lock()
	for addr, pl := range p.pools {
		since, seen := p.unused[addr]
		switch {
		case used[strings.TrimSuffix(addr, resp3Suffix)]:
			delete(p.unused, addr)
		case !seen:
			p.unused[addr] = now
		case now.Sub(since) >= p.cfg.PoolGrace:
			old = append(old, pl)
			delete(p.pools, addr)
			delete(p.unused, addr)
		}
	}
	p.mu.Unlock()
	for _, pl := range old {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			pl.Close()
		}()
	}
}

// refresh asks the source for a newer map when it can, and returns the
// routing table of whatever map it then has.
func (p *Proxy) refresh() *table {
	if r, ok := p.src.(Refresher); ok {
		r.Refresh()
	}
	return p.routes()
}
