package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/slotcache/slotcache/node/nodetest"
	"github.com/slotcache/slotcache/protocol/resp"
	"github.com/slotcache/slotcache/slots"
)

// syncWord ends the replies of one scripted command: PING with it answers
// ["pong", word] in subscriber mode and the bulk word otherwise.
const syncWord = "__sync__"

// collect sends cmd then PING syncWord and returns the replies before the
// PING's, each prefixed with its type byte.
func collect(t *testing.T, c *nodetest.Conn, cmd []string) []string {
	t.Helper()
	if err := c.Send(cmd...); err != nil {
		t.Fatal(err)
	}
	if err := c.Send("PING", syncWord); err != nil {
		t.Fatal(err)
	}
	var out []string
	for {
		v, err := c.Read()
		if err != nil {
			t.Fatalf("%s: %v", nodetest.Quote(cmd), err)
		}
		if string(v.Str) == syncWord || (len(v.Elems) == 2 && string(v.Elems[1].Str) == syncWord) {
			return out
		}
		out = append(out, string(v.Type)+v.String()) // the type tells pushes from arrays
	}
}

// TestPubsubRepliesMatchRedis runs a subscription script through the proxy
// (three groups) and against one redis-server and compares the
// confirmations, counts, errors and messages.
func TestPubsubRepliesMatchRedis(t *testing.T) {
	raddr := nodetest.StartRedis(t)
	paddr, _ := startCluster(t, 3)
	script := [][]string{
		{"UNSUBSCRIBE"},
		{"PUNSUBSCRIBE"},
		{"SUNSUBSCRIBE"},
		{"SUBSCRIBE", "a", "b", "c", "a"},
		{"GET", "x"},
		{"SET", "x", "1"},
		{"MULTI"},
		{"NOSUCH"},
		{"GET"},
		{"PING"},
		{"PING", "hi"},
		{"PSUBSCRIBE", "a*", "x*", "a*"}, // one pattern per message: the order among patterns is the server's hash order
		{"SSUBSCRIBE", "{s}1", "{s}2"},
		{"UNSUBSCRIBE", "b", "zz"},
		{"PUBLISH_OTHER", "a", "m1"},
		// a barrier: messages of channels held by different groups may
		// interleave differently than on one server (docs/compat.md)
		{"UNSUBSCRIBE", "zz"},
		{"PUBLISH_OTHER", "{s}1", "sm"},
		{"PUNSUBSCRIBE", "x*"},
		{"PUBLISH_OTHER", "c", "m2"},
		{"UNSUBSCRIBE", "a", "c"},
		{"PUNSUBSCRIBE"},
		{"SUNSUBSCRIBE", "{s}2"},
		{"SUNSUBSCRIBE"},
		{"GET", "x"},
		{"SUBSCRIBE"},
		{"SUBSCRIBE", "solo"},
		{"UNSUBSCRIBE"},
		{"PSUBSCRIBE", "p?"},
		{"RESET"},
		{"GET", "x"},
	}
	for _, proto := range []string{"2", "3"} {
		t.Run("RESP"+proto, func(t *testing.T) { pubsubScript(t, paddr, raddr, proto, script) })
	}
}

// pubsubScript runs script on the proxy and on redis-server with protocol
// proto and compares the replies.
func pubsubScript(t *testing.T, paddr, raddr, proto string, script [][]string) {
	px, rd := nodetest.Dial(t, paddr), nodetest.Dial(t, raddr)
	px.Do("HELLO", proto)
	rd.Do("HELLO", proto)
	pubP, pubR := nodetest.Dial(t, paddr), nodetest.Dial(t, raddr)
	for _, cmd := range script {
		if proto == "3" && cmd[0] == "MULTI" {
			continue // allowed while subscribed in RESP3: the script's PINGs would be queued
		}
		if cmd[0] == "PUBLISH_OTHER" {
			verb := "PUBLISH"
			if strings.HasPrefix(cmd[1], "{s}") {
				verb = "SPUBLISH"
			}
			pv, rv := pubP.Do(verb, cmd[1], cmd[2]), pubR.Do(verb, cmd[1], cmd[2])
			if !nodetest.Equal(pv, rv) {
				t.Fatalf("%s %s: proxy %s, redis %s", verb, cmd[1], pv, rv)
			}
			continue
		}
		pr, rr := collect(t, px, cmd), collect(t, rd, cmd)
		if !slices.Equal(pr, rr) {
			t.Fatalf("%s:\n  proxy: %q\n  redis: %q", nodetest.Quote(cmd), pr, rr)
		}
	}
}

// TestPubsubFanIn has 100 channel subscribers and two pattern subscribers
// on two proxies over three groups, and two publishers: every subscriber
// receives every matching message exactly once, in each publisher's order.
func TestPubsubFanIn(t *testing.T) {
	nodes := startNodes(t, 3)
	m := staticMap(t, nodes)
	proxies := make([]string, 2)
	for i := range proxies {
		proxies[i], _ = startProxy(t, StaticMap{m}, nil)
	}
	const nchan, nsub, npub, nmsg = 6, 100, 2, 40
	channel := func(i int) string { return fmt.Sprintf("channel-%d", i) }

	type sub struct {
		c        *nodetest.Conn
		channels []string // what it receives
	}
	var subs []sub
	for i := range nsub {
		c := nodetest.Dial(t, proxies[i%2])
		ch := channel(i % nchan)
		if v := c.Do("SUBSCRIBE", ch); len(v.Elems) != 3 || v.Elems[2].Int != 1 {
			t.Fatalf("SUBSCRIBE: %s", v)
		}
		subs = append(subs, sub{c, []string{ch}})
	}
	var all []string
	for i := range nchan {
		all = append(all, channel(i))
	}
	for i, pat := range []string{"*", "chann*"} {
		c := nodetest.Dial(t, proxies[i%2])
		if v := c.Do("PSUBSCRIBE", pat); len(v.Elems) != 3 || v.Elems[2].Int != 1 {
			t.Fatalf("PSUBSCRIBE: %s", v)
		}
		subs = append(subs, sub{c, all})
	}
	// PUBLISH counts the receivers on the channel's node: its subscribers
	// plus each pattern subscriber once.
	var wg sync.WaitGroup
	errs := make(chan error, npub+len(subs))
	for p := range npub {
		c := nodetest.Dial(t, proxies[p])
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := range nmsg {
				for ch := range nchan {
					v, err := c.DoErr("PUBLISH", channel(ch), fmt.Sprintf("p%d:%d", p, seq))
					want := int64(nsub/nchan + 2) // its subscribers and both patterns
					if ch < nsub%nchan {
						want++
					}
					if err != nil || v.Int != want {
						errs <- fmt.Errorf("PUBLISH %s: %v %v, want %d", channel(ch), v, err, want)
						return
					}
				}
			}
		}()
	}
	for i, s := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			next := map[string]int{} // publisher+channel -> next seq
			for range npub * nmsg * len(s.channels) {
				v, err := s.c.Read()
				if err != nil {
					errs <- fmt.Errorf("subscriber %d: %v", i, err)
					return
				}
				var ch, payload string
				switch {
				case len(v.Elems) == 3 && string(v.Elems[0].Str) == "message":
					ch, payload = string(v.Elems[1].Str), string(v.Elems[2].Str)
				case len(v.Elems) == 4 && string(v.Elems[0].Str) == "pmessage":
					ch, payload = string(v.Elems[2].Str), string(v.Elems[3].Str)
				default:
					errs <- fmt.Errorf("subscriber %d: unexpected %s", i, v)
					return
				}
				var p, seq int
				fmt.Sscanf(payload, "p%d:%d", &p, &seq)
				k := fmt.Sprint(p, ch)
				if seq != next[k] {
					errs <- fmt.Errorf("subscriber %d: %s from publisher %d: seq %d, want %d", i, ch, p, seq, next[k])
					return
				}
				next[k]++
			}
			// nothing more: the next reply is the PING's
			v := s.c.Do("PING")
			if len(v.Elems) != 2 || string(v.Elems[0].Str) != "pong" {
				errs <- fmt.Errorf("subscriber %d: extra message %s", i, v)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestPubsubClients subscribes with go-redis and with redis-cli through the
// proxy.
func TestPubsubClients(t *testing.T) {
	paddr, _ := startCluster(t, 3)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: paddr})
	defer rdb.Close()
	ps := rdb.Subscribe(ctx, "news", "sport")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ps.PSubscribe(ctx, "n*"); err != nil {
		t.Fatal(err)
	}
	// wait for both confirmations through a PING round trip
	if err := ps.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	ch := ps.Channel()
	waitFor(t, "subscriptions", func() bool {
		v, err := rdb.PubSubNumSub(ctx, "news", "sport").Result()
		return err == nil && v["news"] == 1 && v["sport"] == 1
	})
	waitFor(t, "pattern subscription", func() bool {
		n, err := rdb.PubSubNumPat(ctx).Result()
		return err == nil && n == 1
	})
	if n, err := rdb.Publish(ctx, "news", "hello").Result(); err != nil || n != 2 {
		t.Fatalf("PUBLISH news: %d %v", n, err)
	}
	rdb.Publish(ctx, "sport", "goal")
	got := map[string]bool{}
	for range 3 {
		select {
		case msg := <-ch:
			got[msg.Pattern+"|"+msg.Channel+"|"+msg.Payload] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("messages: got %v", got)
		}
	}
	for _, w := range []string{"|news|hello", "n*|news|hello", "|sport|goal"} {
		if !got[w] {
			t.Errorf("missing %q in %v", w, got)
		}
	}
	chans, err := rdb.PubSubChannels(ctx, "*").Result()
	slices.Sort(chans)
	if err != nil || !slices.Equal(chans, []string{"news", "sport"}) {
		t.Errorf("PUBSUB CHANNELS: %v %v", chans, err)
	}

	cli := nodetest.RequirePeer(t, "redis-cli")
	host, port, _ := strings.Cut(paddr, ":")
	cmd := exec.Command(cli, "-h", host, "-p", port, "SUBSCRIBE", "cli-chan")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	read := func() string {
		select {
		case l := <-lines:
			return l
		case <-time.After(10 * time.Second):
			t.Fatal("redis-cli printed nothing within 10 s")
		}
		return ""
	}
	var head []string
	for range 3 {
		head = append(head, read())
	}
	if !slices.Equal(head, []string{"subscribe", "cli-chan", "1"}) {
		t.Fatalf("redis-cli SUBSCRIBE printed %q", head)
	}
	if n, err := rdb.Publish(ctx, "cli-chan", "from-go").Result(); err != nil || n != 1 {
		t.Fatalf("PUBLISH cli-chan: %d %v", n, err)
	}
	var msg []string
	for range 3 {
		msg = append(msg, read())
	}
	if !slices.Equal(msg, []string{"message", "cli-chan", "from-go"}) {
		t.Fatalf("redis-cli printed %q", msg)
	}
}

// TestPubsubIntrospection checks PUBSUB CHANNELS, NUMSUB, NUMPAT,
// SHARDCHANNELS and SHARDNUMSUB merged over three groups.
func TestPubsubIntrospection(t *testing.T) {
	paddr, _ := startCluster(t, 3)
	a, b := nodetest.Dial(t, paddr), nodetest.Dial(t, paddr)
	collect(t, a, []string{"SUBSCRIBE", "c1", "c2", "c3", "c4"})
	collect(t, b, []string{"SUBSCRIBE", "c1", "c2"})
	collect(t, a, []string{"PSUBSCRIBE", "x*", "y*"})
	collect(t, b, []string{"PSUBSCRIBE", "x*"})
	collect(t, b, []string{"SSUBSCRIBE", "{s}a", "{s}b"})
	c := nodetest.Dial(t, paddr)
	names := func(v resp.Value) []string {
		var out []string
		for _, e := range v.Elems {
			out = append(out, string(e.Str))
		}
		slices.Sort(out)
		return out
	}
	if got := names(c.Do("PUBSUB", "CHANNELS")); !slices.Equal(got, []string{"c1", "c2", "c3", "c4"}) {
		t.Errorf("PUBSUB CHANNELS: %v", got)
	}
	if got := names(c.Do("PUBSUB", "CHANNELS", "c[12]")); !slices.Equal(got, []string{"c1", "c2"}) {
		t.Errorf("PUBSUB CHANNELS c[12]: %v", got)
	}
	if v := c.Do("PUBSUB", "NUMSUB", "c1", "c3", "none"); len(v.Elems) != 6 || string(v.Elems[0].Str) != "c1" ||
		v.Elems[1].Int != 2 || v.Elems[3].Int != 1 || v.Elems[5].Int != 0 || string(v.Elems[4].Str) != "none" {
		t.Errorf("PUBSUB NUMSUB: %s", v)
	}
	if v := c.Do("PUBSUB", "NUMPAT"); v.Int != 2 {
		t.Errorf("PUBSUB NUMPAT: %s, want 2 (x* and y*)", v)
	}
	if got := names(c.Do("PUBSUB", "SHARDCHANNELS")); !slices.Equal(got, []string{"{s}a", "{s}b"}) {
		t.Errorf("PUBSUB SHARDCHANNELS: %v", got)
	}
	if v := c.Do("PUBSUB", "SHARDNUMSUB", "{s}a", "q"); len(v.Elems) != 4 || v.Elems[1].Int != 1 || v.Elems[3].Int != 0 {
		t.Errorf("PUBSUB SHARDNUMSUB: %s", v)
	}
	if v := c.Do("SSUBSCRIBE", "a", "b"); string(v.Str) != msgCrossSlot {
		t.Errorf("SSUBSCRIBE over two slots: %s", v)
	}
	if v := c.Do("PUBSUB", "NOSUCH"); v.Type != '-' {
		t.Errorf("PUBSUB NOSUCH: %s", v)
	}
}

// TestPubsubSlowSubscriber checks that a subscriber that does not read is
// disconnected once its output passes the limit, and publishers go on.
func TestPubsubSlowSubscriber(t *testing.T) {
	nodes := startNodes(t, 1)
	paddr, p := startProxy(t, StaticMap{staticMap(t, nodes)}, func(c *Config) { c.PubsubOutputLimit = 256 << 10 })
	sub := nodetest.Dial(t, paddr)
	if v := sub.Do("SUBSCRIBE", "firehose"); len(v.Elems) != 3 {
		t.Fatalf("SUBSCRIBE: %s", v)
	}
	pub := nodetest.Dial(t, paddr)
	payload := strings.Repeat("x", 64<<10)
	// publish until the proxy has dropped the subscriber: far more than the
	// limit plus what the sockets buffer
	for i := 0; ; i++ {
		v := pub.Do("PUBLISH", "firehose", payload)
		if v.Int == 0 {
			break
		}
		if i > 20000 {
			t.Fatal("subscriber never disconnected")
		}
	}
	// the subscriber reads what was written, then the end of the connection
	for {
		if _, err := sub.Read(); err != nil {
			break
		}
	}
	waitFor(t, "the client gone", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.clients) == 1
	})
}

// BenchmarkPublish measures PUBLISH to one subscriber, through the proxy
// and straight to a node.
func BenchmarkPublish(b *testing.B) {
	paddr, nodes := startCluster(b, 1)
	for _, target := range []struct{ name, addr string }{{"proxy", paddr}, {"node", nodes[0]}} {
		b.Run(target.name, func(b *testing.B) {
			sub := nodetest.Dial(b, target.addr)
			sub.Do("SUBSCRIBE", "bench")
			done := make(chan struct{})
			go func() {
				defer close(done)
				for {
					if _, err := sub.Read(); err != nil {
						return
					}
				}
			}()
			pub := nodetest.Dial(b, target.addr)
			b.ReportAllocs()
			for b.Loop() {
				pub.Do("PUBLISH", "bench", "payload")
			}
			b.StopTimer()
			sub.Close()
			<-done
		})
	}
}

// TestPubsubQuit checks that QUIT's reply reaches a subscriber before the
// connection closes.
func TestPubsubQuit(t *testing.T) {
	paddr, _ := startCluster(t, 2)
	c := nodetest.Dial(t, paddr)
	c.Do("SUBSCRIBE", "q")
	if v := c.Do("QUIT"); string(v.Str) != "OK" {
		t.Fatalf("QUIT: %s", v)
	}
	if _, err := c.Read(); err == nil || os.IsTimeout(err) {
		t.Fatalf("connection still open after QUIT: %v", err)
	}
}

// TestPubsubNodeDown checks that subscribing to a node that is down fails at
// once, and that a subscriber whose node dies is disconnected, so that its
// client library reconnects and subscribes again.
func TestPubsubNodeDown(t *testing.T) {
	naddr, srv := nodetest.StartNode(t, nil)
	dead := fmt.Sprintf("127.0.0.1:%d", nodetest.FreePort(t))
	m := staticMap(t, []string{naddr, dead})
	paddr, _ := startProxy(t, StaticMap{m}, nil)
	c := nodetest.Dial(t, paddr)
	if v := c.Do("PSUBSCRIBE", "*"); v.Type != '-' || !strings.Contains(string(v.Str), "backend unavailable: "+dead) {
		t.Fatalf("PSUBSCRIBE with a group down: %s", v)
	}
	var ch string
	for i := 0; ch == ""; i++ {
		if k := fmt.Sprint("ch", i); nodeOf(t, m, []string{naddr, dead}, k) == naddr {
			ch = k
		}
	}
	if v := c.Do("SUBSCRIBE", ch); len(v.Elems) != 3 || v.Elems[2].Int != 1 {
		t.Fatalf("SUBSCRIBE %s: %s", ch, v)
	}
	srv.Close()
	v, err := c.Read()
	var ne net.Error
	if err == nil || (errors.As(err, &ne) && ne.Timeout()) {
		t.Fatalf("subscriber still connected after its node died: %s %v", v, err)
	}
}

// swapMap is a MapSource whose map a test replaces.
type swapMap struct{ m atomic.Pointer[slots.Map] }

func (s *swapMap) Map() *slots.Map { return s.m.Load() }

// TestPubsubMapChange moves the slots of a subscribed channel, shard channel
// and a pattern's new group to other masters: the proxy moves the
// subscriptions, and messages published after the change arrive once.
func TestPubsubMapChange(t *testing.T) {
	nodes := startNodes(t, 3)
	before := staticMap(t, nodes[:2])
	var src swapMap
	src.m.Store(before)
	paddr, _ := startProxy(t, &src, nil)
	// a channel and a shard channel of the first group, which moves to the
	// other node of the new map
	order := []string{nodes[1], nodes[0], nodes[2]}
	after := staticMap(t, order)
	pick := func(prefix string) string {
		for i := 0; ; i++ {
			if k := fmt.Sprint(prefix, i); nodeOf(t, before, nodes[:2], k) == nodes[0] && nodeOf(t, after, order, k) != nodes[0] {
				return k
			}
		}
	}
	ch, sch := pick("moving"), pick("{shard}")
	sub := nodetest.Dial(t, paddr)
	collect(t, sub, []string{"SUBSCRIBE", ch})
	collect(t, sub, []string{"SSUBSCRIBE", sch})
	collect(t, sub, []string{"PSUBSCRIBE", "pat*"})
	src.m.Store(after)
	pub := nodetest.Dial(t, paddr)
	// publish until the subscriptions have moved: PUBLISH counts receivers
	// on the channel's new node
	var patCh string
	for i := 0; patCh == ""; i++ {
		if k := fmt.Sprint("pat", i); nodeOf(t, after, order, k) == nodes[2] {
			patCh = k
		}
	}
	sent := 0
	for _, m := range [][]string{{"PUBLISH", ch, "m"}, {"SPUBLISH", sch, "s"}, {"PUBLISH", patCh, "p"}} {
		waitFor(t, m[0]+" "+m[1]+" reaching the moved subscription", func() bool {
			v := pub.Do(m...)
			sent++
			return v.Int == 1
		})
	}
	got := collect(t, sub, []string{"PING"})
	want := []string{
		"*1) \"message\"\n2) \"" + ch + "\"\n3) \"m\"",
		"*1) \"smessage\"\n2) \"" + sch + "\"\n3) \"s\"",
		"*1) \"pmessage\"\n2) \"pat*\"\n3) \"" + patCh + "\"\n4) \"p\"",
		"*1) \"pong\"\n2) \"\"",
	}
	// the pong comes last (the PING is a barrier); messages of channels on
	// different nodes may interleave either way, as documented
	sorted := func(l []string) []string {
		if len(l) == 0 {
			return l
		}
		l = slices.Clone(l)
		slices.Sort(l[:len(l)-1])
		return l
	}
	if !slices.Equal(sorted(got), sorted(want)) {
		t.Fatalf("after the map change (%d publishes) the subscriber got %q, want %q", sent, got, want)
	}
	if v := sub.Do("UNSUBSCRIBE"); len(v.Elems) != 3 || v.Elems[2].Int != 1 {
		t.Fatalf("UNSUBSCRIBE: %s (the count keeps the pattern)", v)
	}
}

// TestClientListState checks the subscription, transaction and blocking
// fields of the proxy's CLIENT LIST.
func TestClientListState(t *testing.T) {
	paddr, _ := startCluster(t, 2)
	sub, tx, blk := nodetest.Dial(t, paddr), nodetest.Dial(t, paddr), nodetest.Dial(t, paddr)
	collect(t, sub, []string{"SUBSCRIBE", "a", "b"})
	collect(t, sub, []string{"PSUBSCRIBE", "p*"})
	tx.Do("MULTI")
	tx.Do("SET", "k", "v")
	blk.Send("CLIENT", "SETNAME", "blk")
	blk.Read()
	blk.Send("BLPOP", "never", "0")
	admin := nodetest.Dial(t, paddr)
	line := func(re string) string {
		for _, l := range strings.Split(string(admin.Do("CLIENT", "LIST").Str), "\n") {
			if strings.Contains(l, re) {
				return l
			}
		}
		return ""
	}
	waitFor(t, "the blocked flag", func() bool { return strings.Contains(line("name=blk "), " flags=b ") })
	if l := line("sub=2"); !strings.Contains(l, " flags=P ") || !strings.Contains(l, " psub=1 ") {
		t.Errorf("subscriber line: %q", l)
	}
	if l := line(" multi=1 "); !strings.Contains(l, " flags=x ") {
		t.Errorf("transaction line: %q", l)
	}
}
