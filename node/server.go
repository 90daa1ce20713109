package node

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slotcache/slotcache/internal/rawnet"
)

// Server is a Redis-compatible storage node. All keyspace state is guarded
// by mu: every command runs with it held, which gives Redis's atomicity per
// command, while parsing and network I/O run in parallel in the
// per-connection goroutines.
type Server struct {
	log      *slog.Logger
	commands commandTable
	start    time.Time
	runID    string

	mu      sync.Mutex
	cfg     Config
	dbs     []*db
	clients map[int64]*client
	nextID  int64
	stats   stats
	slowlog slowlog
	pubsub  pubsub
	ready   []readyKey // keys written while clients were blocked on them
	mc      mcState    // memcached items: CAS counter, flush state, stats
	// usedMemory estimates the heap in use for maxmemory: sampled by the
	// cron, lowered by evictions in between.
	usedMemory int64
	memCycle   uint64 // GC cycle usedMemory was sampled in
	// lastForcedGC is when memoryOK last asked for a collection.
	lastForcedGC time.Time
	mem          *memorySampler
	// blockedClients counts clients waiting in a blocking command.
	blockedClients int
	dirty          int64 // writes since start (rdb_changes_since_last_save)
	cmdClock       int64 // unix ms of the running command (client.now)
	shutdown       func()

	// INFO and DEBUG state, guarded by mu
	memPeak         int64             // highest used_memory INFO has seen
	errorStats      map[string]*int64 // error replies by first word (INFO errorstats)
	rates           rates             // instantaneous_* INFO figures, sampled by the cron
	activeExpireOff bool              // DEBUG SET-ACTIVE-EXPIRE 0

	// scripts is the Lua engine (EVAL), created on first use.
	scripts *scriptEngine

	// read without the lock on the I/O path
	idleTimeout atomic.Int64 // cfg.Timeout in ns
	netInput    atomic.Int64
	netOutput   atomic.Int64
	reads       atomic.Int64 // read calls that returned bytes
	writes      atomic.Int64 // write calls that sent bytes

	// cluster is set once by StartCluster (nil: standalone mode).
	cluster atomic.Pointer[cluster]

	// loop is the event loop serving plain clients (io-event-loop), nil
	// when they run on goroutines; set once by Serve.
	loop     atomic.Pointer[eventLoop]
	loopOnce sync.Once

	cronOnce  sync.Once
	wg        sync.WaitGroup
	closing   chan struct{}
	closeOnce sync.Once
	lnMu      sync.Mutex
	listeners []net.Listener
}

// stats are the counters INFO stats reports.
type stats struct {
	connectionsReceived int64
	rejectedConns       int64
	commandsProcessed   int64
	expiredKeys         int64
	evictedKeys         int64
	keyspaceHits        int64
	keyspaceMisses      int64
	errorReplies        int64
	protocolErrors      int64
}

// New returns a node with the given configuration.
func New(cfg Config, log *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	s := &Server{
		log:      log,
		commands: newCommandTable(),
		start:    time.Now(),
		runID:    randomHex(40),
		cfg:      cfg,
		clients:  map[int64]*client{},
		closing:  make(chan struct{}),
	}
	s.idleTimeout.Store(int64(cfg.Timeout))
	s.mem = newMemorySampler()
	s.sampleMemory()
	s.dbs = make([]*db, cfg.Databases)
	for i := range s.dbs {
		s.dbs[i] = newDB(i, &s.ready)
		s.dbs[i].clock = &s.cmdClock
	}
	return s, nil
}

// OnShutdown sets the function the SHUTDOWN command calls after the server
// has stopped accepting commands (typically: cancel the process context).
func (s *Server) OnShutdown(fn func()) {
	s.mu.Lock()
	s.shutdown = fn
	s.mu.Unlock()
}

// ListenAndServe listens on the configured bind addresses and port and
// serves until ctx is cancelled.
func (s *Server) ListenAndServe(ctx context.Context) error {
	lns, err := s.Listen()
	if err != nil {
		return err
	}
	return s.ServeListeners(ctx, lns)
}

// Listeners are a server's open listening sockets: RESP, and memcached when
// its port is set.
type Listeners struct {
	RESP, Memcache []net.Listener
}

// Close closes every listener.
func (l Listeners) Close() {
	for _, ln := range append(l.RESP, l.Memcache...) {
		ln.Close()
	}
}

// Listen opens a listener on the configured port for each bind address, and
// one on the memcached port when it is set.
func (s *Server) Listen() (Listeners, error) {
	s.mu.Lock()
	binds, port, mport := s.cfg.Bind, s.cfg.Port, s.cfg.MemcachePort
	s.mu.Unlock()
	if len(binds) == 0 {
		binds = []string{""}
	}
	var l Listeners
	var err error
	if l.RESP, err = listenAll(binds, port); err != nil {
		return l, err
	}
	if mport != 0 {
		if l.Memcache, err = listenAll(binds, mport); err != nil {
			l.Close()
			return Listeners{}, err
		}
	}
	return l, nil
}

// listenAll opens a TCP listener on port for each bind address; on error it
// closes those it opened.
func listenAll(binds []string, port int) ([]net.Listener, error) {
	var lns []net.Listener
	for _, b := range binds {
		ln, err := net.Listen("tcp", net.JoinHostPort(b, strconv.Itoa(port)))
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return nil, err
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

// ServeListeners serves every listener until ctx is cancelled and returns
// the first error.
func (s *Server) ServeListeners(ctx context.Context, l Listeners) error {
	n := len(l.RESP) + len(l.Memcache)
	errc := make(chan error, n)
	for _, ln := range l.RESP {
		go func(ln net.Listener) { errc <- s.Serve(ctx, ln) }(ln)
	}
	for _, ln := range l.Memcache {
		go func(ln net.Listener) { errc <- s.ServeMemcache(ctx, ln) }(ln)
	}
	var first error
	for range n {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Serve accepts clients on ln until ctx is cancelled or Close is called,
// then closes every connection and waits for their goroutines.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.loopOnce.Do(s.startLoop)
	if s.loop.Load() != nil {
		ln = rawnet.Listener(ln)
	}
	return s.serve(ctx, ln, s.accept)
}

// startLoop starts the event loop when io-event-loop is on.
func (s *Server) startLoop() {
	s.mu.Lock()
	on := s.cfg.IOEventLoop
	s.mu.Unlock()
	if !on {
		return
	}
	select {
	case <-s.closing: // Close has run: nothing would stop the loop
		return
	default:
	}
	l, err := newEventLoop(s)
	if err != nil {
		s.log.Warn("event loop unavailable, serving clients on goroutines", "err", err)
		return
	}
	s.loop.Store(l)
	s.wg.Add(1)
	go l.run()
}

// closeConn closes a client's connection from another goroutine, with the
// lock held: the event loop closes the clients it owns itself.
func (s *Server) closeConn(c *client) {
	if c.loop != nil {
		s.loop.Load().kill(c)
		return
	}
	c.conn.Close()
}

// serve runs the accept loop of one listener, handing connections to accept.
func (s *Server) serve(ctx context.Context, ln net.Listener, accept func(net.Conn)) error {
	s.lnMu.Lock()
	select {
	case <-s.closing:
		// Close ran before this listener was registered: it would never
		// close it, and Accept would wait for ever
		s.lnMu.Unlock()
		ln.Close()
		s.wg.Wait()
		return nil
	default:
	}
	s.listeners = append(s.listeners, ln)
	s.lnMu.Unlock()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-stop:
		}
	}()
	s.cronOnce.Do(func() {
		s.wg.Add(1)
		go s.cron()
	})
	var tempDelay time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			select {
			case <-s.closing:
				s.wg.Wait()
				return nil
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				tempDelay = min(max(2*tempDelay, 5*time.Millisecond), time.Second)
				time.Sleep(tempDelay)
				continue
			}
			s.Close()
			s.wg.Wait()
			return err
		}
		tempDelay = 0
		accept(conn)
	}
}

// Close stops the listeners and closes every client connection.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.lnMu.Lock()
		for _, ln := range s.listeners {
			ln.Close()
		}
		s.lnMu.Unlock()
		s.mu.Lock()
		for _, c := range s.clients {
			if c.loop == nil {
				c.conn.Close()
			}
		}
		s.mu.Unlock()
		if l := s.loop.Load(); l != nil {
			l.stop() // it closes its own clients
		}
	})
}

// Addr returns the address of the first listener, or nil.
func (s *Server) Addr() net.Addr {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	if len(s.listeners) == 0 {
		return nil
	}
	return s.listeners[0].Addr()
}

func (s *Server) accept(conn net.Conn) {
	c := s.admit(conn, "-"+msgMaxClients+"\r\n", "-"+msgProtectedMode+"\r\n", nil)
	if c == nil {
		return
	}
	if l := s.loop.Load(); l != nil {
		if !l.add(c) { // stopped: the server is closing
			c.close()
		}
		return
	}
	s.goServe(c)
}

// goServe serves c on a goroutine of its own, which Serve waits for.
func (s *Server) goServe(c *client) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		c.serve()
	}()
}

// admit sets the socket options of a new connection and registers its
// client, or writes the refusal (tooMany over maxclients, protected for a
// remote client in protected mode) and closes it, returning nil. admitted,
// if set, runs with the lock held once the client is registered.
func (s *Server) admit(conn net.Conn, tooMany, protected string, admitted func(*client)) *client {
	s.mu.Lock()
	ka := s.cfg.TCPKeepAlive
	s.mu.Unlock()
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
		if ka > 0 {
			tc.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true, Idle: ka, Interval: ka / 3, Count: 3})
		}
	} else {
		rawnet.SetSockopts(conn, ka)
	}
	s.mu.Lock()
	select {
	case <-s.closing:
		// Close has already closed the registered clients: one
		// registered now would be left open, its goroutine never ending.
		s.mu.Unlock()
		conn.Close()
		return nil
	default:
	}
	s.stats.connectionsReceived++
	refusal := ""
	if len(s.clients) >= s.cfg.MaxClients {
		s.stats.rejectedConns++
		refusal = tooMany
	} else if s.cfg.ProtectedMode && s.cfg.RequirePass == "" && !isLoopback(conn.RemoteAddr()) {
		refusal = protected
	}
	if refusal != "" {
		s.mu.Unlock()
		conn.SetWriteDeadline(time.Now().Add(time.Second))
		conn.Write([]byte(refusal))
		conn.Close()
		return nil
	}
	c := s.newClient(conn)
	s.clients[c.id] = c
	if admitted != nil {
		admitted(c)
	}
	s.mu.Unlock()
	return c
}

// cron runs the periodic tasks (active expiry) at hz until the server closes.
func (s *Server) cron() {
	defer s.wg.Done()
	s.mu.Lock()
	hz := s.cfg.Hz
	s.mu.Unlock()
	t := time.NewTicker(time.Second / time.Duration(hz))
	defer t.Stop()
	for {
		select {
		case <-s.closing:
			return
		case <-t.C:
		}
		s.mu.Lock()
		if !s.activeExpireOff && !s.scriptBusy() {
			s.activeExpire()
			s.serveBlocked() // clients blocked on keys that expired (XREADGROUP)
		}
		s.sampleRates(time.Now())
		s.sampleMemory()
		if s.cfg.Hz != hz {
			hz = s.cfg.Hz
			t.Reset(time.Second / time.Duration(hz))
		}
		s.mu.Unlock()
	}
}

// activeExpire deletes expired keys in every database, a bounded amount per
// call, repeating while a quarter or more of the checked keys had expired.
func (s *Server) activeExpire() {
	now := time.Now().UnixMilli()
	deadline := time.Now().Add(time.Millisecond * 25 / time.Duration(max(1, s.cfg.Hz/10)))
	for _, d := range s.dbs {
		for {
			checked, deleted := d.expireCycle(now, 200)
			s.stats.expiredKeys += int64(deleted)
			if checked == 0 || deleted*4 < checked || time.Now().After(deadline) {
				break
			}
		}
	}
}

func isLoopback(a net.Addr) bool {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	case *net.UnixAddr:
		return true
	}
	return false
}
