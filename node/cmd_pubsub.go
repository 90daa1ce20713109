package node

import (
	"sort"
	"strings"

	"github.com/slotcache/slotcache/protocol/resp"
)

// pubsubCommands: publish/subscribe, classic and sharded.
func pubsubCommands() []*command {
	f := flagPubsub | flagNoscript | flagLoading | flagStale
	return []*command{
		{name: "subscribe", arity: -2, flags: f, acl: "@pubsub @slow", group: "pubsub", summary: "Listens for messages published to channels.", since: "2.0.0", fn: cmdSubscribe},
		{name: "unsubscribe", arity: -1, flags: f, acl: "@pubsub @slow", group: "pubsub", summary: "Stops listening to messages posted to channels.", since: "2.0.0", fn: cmdUnsubscribe},
		{name: "psubscribe", arity: -2, flags: f, acl: "@pubsub @slow", group: "pubsub", summary: "Listens for messages published to channels that match one or more patterns.", since: "2.0.0", fn: cmdPsubscribe},
		{name: "punsubscribe", arity: -1, flags: f, acl: "@pubsub @slow", group: "pubsub", summary: "Stops listening to messages published to channels that match one or more patterns.", since: "2.0.0", fn: cmdPunsubscribe},
		{name: "ssubscribe", arity: -2, flags: f, firstKey: 1, lastKey: -1, step: 1, acl: "@pubsub @slow", group: "pubsub", summary: "Listens for messages published to shard channels.", since: "7.0.0", fn: cmdSsubscribe},
		{name: "sunsubscribe", arity: -1, flags: f, firstKey: 1, lastKey: -1, step: 1, acl: "@pubsub @slow", group: "pubsub", summary: "Stops listening to messages posted to shard channels.", since: "7.0.0", fn: cmdSunsubscribe},
		{name: "publish", arity: 3, flags: flagPubsub | flagLoading | flagStale | flagFast | flagMayReplicate, acl: "@pubsub @fast", group: "pubsub", summary: "Posts a message to a channel.", since: "2.0.0", fn: cmdPublish},
		{name: "spublish", arity: 3, flags: flagPubsub | flagLoading | flagStale | flagFast | flagMayReplicate, firstKey: 1, lastKey: 1, step: 1, acl: "@pubsub @fast", group: "pubsub", summary: "Post a message to a shard channel", since: "7.0.0", fn: cmdSpublish},
		{name: "pubsub", arity: -2, acl: "@slow", group: "pubsub", summary: "A container for Pub/Sub commands.", since: "2.8.0", fn: cmdPubsubHelp, subs: map[string]*command{
			"channels":      {name: "channels", arity: -2, flags: flagPubsub | flagLoading | flagStale, acl: "@pubsub @slow", group: "pubsub", summary: "Returns the active channels.", since: "2.8.0", fn: cmdPubsubChannels},
			"numsub":        {name: "numsub", arity: -2, flags: flagPubsub | flagLoading | flagStale, acl: "@pubsub @slow", group: "pubsub", summary: "Returns a count of subscribers to channels.", since: "2.8.0", fn: cmdPubsubNumsub},
			"numpat":        {name: "numpat", arity: 2, flags: flagPubsub | flagLoading | flagStale, acl: "@pubsub @slow", group: "pubsub", summary: "Returns a count of unique pattern subscriptions.", since: "2.8.0", fn: cmdPubsubNumpat},
			"shardchannels": {name: "shardchannels", arity: -2, flags: flagPubsub | flagLoading | flagStale, acl: "@pubsub @slow", group: "pubsub", summary: "Returns the active shard channels.", since: "7.0.0", fn: cmdPubsubShardchannels},
			"shardnumsub":   {name: "shardnumsub", arity: -2, flags: flagPubsub | flagLoading | flagStale, acl: "@pubsub @slow", group: "pubsub", summary: "Returns the count of subscribers of shard channels.", since: "7.0.0", fn: cmdPubsubShardnumsub},
			"help":          {name: "help", arity: 2, flags: flagLoading | flagStale, acl: "@slow", group: "pubsub", summary: "Returns helpful text about the different subcommands.", since: "6.2.0", fn: cmdPubsubHelp},
		}},
	}
}

// subscribeReply writes one (un)subscribe confirmation frame.
func (c *client) subscribeReply(kind string, name []byte, count int) {
	c.w.Push(3)
	c.w.BulkString(kind)
	if name == nil {
		c.w.Null()
	} else {
		c.w.Bulk(name)
	}
	c.w.Int(int64(count))
}

func cmdSubscribe(c *client, args [][]byte) {
	ps := c.sub()
	for _, ch := range args[1:] {
		name := string(ch)
		if _, ok := ps.channels[name]; !ok {
			ps.channels[name] = struct{}{}
			addSub(&c.srv.pubsub.channels, name, c)
		}
		c.subscribeReply("subscribe", ch, ps.count())
	}
}

func cmdPsubscribe(c *client, args [][]byte) {
	ps := c.sub()
	for _, pat := range args[1:] {
		name := string(pat)
		if _, ok := ps.patterns[name]; !ok {
			ps.patterns[name] = struct{}{}
			addSub(&c.srv.pubsub.patterns, name, c)
		}
		c.subscribeReply("psubscribe", pat, ps.count())
	}
}

func cmdSsubscribe(c *client, args [][]byte) {
	ps := c.sub()
	for _, ch := range args[1:] {
		name := string(ch)
		if _, ok := ps.shard[name]; !ok {
			ps.shard[name] = struct{}{}
			addSub(&c.srv.pubsub.shard, name, c)
		}
		c.subscribeReply("ssubscribe", ch, len(ps.shard))
	}
}

// unsubscribe removes the named subscriptions (all of them when names is
// empty) from one of the client's sets and confirms each.
func (c *client) unsubscribe(kind string, names [][]byte, mine map[string]struct{}, global map[string]map[*client]struct{}, count func() int) {
	if len(names) == 0 {
		if len(mine) == 0 {
			c.subscribeReply(kind, nil, count())
			return
		}
		all := make([]string, 0, len(mine))
		for n := range mine {
			all = append(all, n)
		}
		sort.Strings(all)
		for _, n := range all {
			delete(mine, n)
			removeSub(global, n, c)
			c.subscribeReply(kind, []byte(n), count())
		}
		return
	}
	for _, n := range names {
		if _, ok := mine[string(n)]; ok {
			delete(mine, string(n))
			removeSub(global, string(n), c)
		}
		c.subscribeReply(kind, n, count())
	}
}

func cmdUnsubscribe(c *client, args [][]byte) {
	ps := c.sub()
	c.unsubscribe("unsubscribe", args[1:], ps.channels, c.srv.pubsub.channels, ps.count)
}

func cmdPunsubscribe(c *client, args [][]byte) {
	ps := c.sub()
	c.unsubscribe("punsubscribe", args[1:], ps.patterns, c.srv.pubsub.patterns, ps.count)
}

func cmdSunsubscribe(c *client, args [][]byte) {
	ps := c.sub()
	c.unsubscribe("sunsubscribe", args[1:], ps.shard, c.srv.pubsub.shard, func() int { return len(ps.shard) })
}

// messageFrames builds a message frame once per protocol version.
type messageFrames struct {
	parts [][]byte
	f2    []byte
	f3    []byte
}

func (m *messageFrames) frame(proto int) []byte {
	p := &m.f2
	if proto >= 3 {
		p = &m.f3
	}
	if *p == nil {
		w := resp.Writer{Proto: proto}
		w.Push(len(m.parts))
		for _, part := range m.parts {
			w.Bulk(part)
		}
		*p = w.Buf
	}
	return *p
}

// publish delivers a message and returns the number of receivers.
func (s *Server) publish(channel, msg []byte) int64 {
	var n int64
	if subs := s.pubsub.channels[string(channel)]; len(subs) > 0 {
		m := messageFrames{parts: [][]byte{[]byte("message"), channel, msg}}
		for c := range subs {
			c.deliver(m.frame(c.w.Proto))
			n++
		}
	}
	for pat, subs := range s.pubsub.patterns {
		if !globMatch([]byte(pat), channel, false) {
			continue
		}
		m := messageFrames{parts: [][]byte{[]byte("pmessage"), []byte(pat), channel, msg}}
		for c := range subs {
			c.deliver(m.frame(c.w.Proto))
			n++
		}
	}
	return n
}

func cmdPublish(c *client, args [][]byte) {
	c.w.Int(c.srv.publish(args[1], args[2]))
}

func cmdSpublish(c *client, args [][]byte) {
	var n int64
	if subs := c.srv.pubsub.shard[string(args[1])]; len(subs) > 0 {
		m := messageFrames{parts: [][]byte{[]byte("smessage"), args[1], args[2]}}
		for sc := range subs {
			sc.deliver(m.frame(sc.w.Proto))
			n++
		}
	}
	c.w.Int(n)
}

// channelList replies with the names of m matching the optional pattern.
func (c *client) channelList(m map[string]map[*client]struct{}, args [][]byte) {
	if len(args) > 3 {
		c.w.Error(errSubcommandSyntax(args[1], "pubsub"))
		return
	}
	var names []string
	for n := range m {
		if len(args) == 3 && !globMatch(args[2], []byte(n), false) {
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	c.w.Array(len(names))
	for _, n := range names {
		c.w.BulkString(n)
	}
}

func cmdPubsubChannels(c *client, args [][]byte) { c.channelList(c.srv.pubsub.channels, args) }

func cmdPubsubShardchannels(c *client, args [][]byte) { c.channelList(c.srv.pubsub.shard, args) }

func (c *client) numsub(m map[string]map[*client]struct{}, names [][]byte) {
	c.w.Map(len(names))
	for _, n := range names {
		c.w.Bulk(n)
		c.w.Int(int64(len(m[string(n)])))
	}
}

func cmdPubsubNumsub(c *client, args [][]byte) { c.numsub(c.srv.pubsub.channels, args[2:]) }

func cmdPubsubShardnumsub(c *client, args [][]byte) { c.numsub(c.srv.pubsub.shard, args[2:]) }

func cmdPubsubNumpat(c *client, args [][]byte) { c.w.Int(int64(len(c.srv.pubsub.patterns))) }

func cmdPubsubHelp(c *client, args [][]byte) {
	if len(args) == 1 || !strings.EqualFold(string(args[1]), "help") {
		if len(args) == 1 {
			c.w.Error(errWrongArity("pubsub"))
			return
		}
		c.w.Error(errUnknownSubcommand(args[1], "pubsub"))
		return
	}
	lines := []string{
		"PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"CHANNELS [<pattern>]",
		"    Return the currently active channels matching a <pattern> (default: '*').",
		"NUMPAT",
		"    Return number of subscriptions to patterns.",
		"NUMSUB [<channel> ...]",
		"    Return the number of subscribers for the specified channels, excluding",
		"    pattern subscriptions(default: no channels).",
		"SHARDCHANNELS [<pattern>]",
		"    Return the currently active shard level channels matching a <pattern> (default: '*').",
		"SHARDNUMSUB [<shardchannel> ...]",
		"    Return the number of subscribers for the specified shard level channel(s)",
		"HELP",
		"    Prints this help.",
	}
	writeHelp(c, lines...)
}
