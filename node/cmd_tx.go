package node

import "time"

const (
	msgExecAbort     = "EXECABORT Transaction discarded because of previous errors."
	msgNestedMulti   = "ERR MULTI calls can not be nested"
	msgExecNoMulti   = "ERR EXEC without MULTI"
	msgDiscardNoMult = "ERR DISCARD without MULTI"
	msgWatchInMulti  = "ERR WATCH inside MULTI is not allowed"
)

// txCommands: transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
func txCommands() []*command {
	return []*command{
		{name: "multi", arity: 1, flags: flagNoscript | flagLoading | flagStale | flagFast | flagAllowBusy, acl: "@fast @transaction", group: "transactions", summary: "Starts a transaction.", since: "1.2.0", fn: cmdMulti},
		{name: "exec", arity: 1, flags: flagNoscript | flagLoading | flagStale | flagSkipSlowlog, acl: "@slow @transaction", group: "transactions", summary: "Executes all commands in a transaction.", since: "1.2.0", fn: cmdExec},
		{name: "discard", arity: 1, flags: flagNoscript | flagLoading | flagStale | flagFast | flagAllowBusy, acl: "@fast @transaction", group: "transactions", summary: "Discards a transaction.", since: "2.0.0", fn: cmdDiscard},
		{name: "watch", arity: -2, flags: flagNoscript | flagLoading | flagStale | flagFast | flagAllowBusy, firstKey: 1, lastKey: -1, step: 1, acl: "@fast @transaction", group: "transactions", summary: "Monitors changes to keys to determine the execution of a transaction.", since: "2.2.0", fn: cmdWatch},
		{name: "unwatch", arity: 1, flags: flagNoscript | flagLoading | flagStale | flagFast | flagAllowBusy, acl: "@fast @transaction", group: "transactions", summary: "Forgets about watched keys of a transaction.", since: "2.2.0", fn: cmdUnwatch},
	}
}

func cmdMulti(c *client, args [][]byte) {
	if c.multi != nil {
		c.w.Error(msgNestedMulti)
		return
	}
	c.multi = &multiState{}
	c.w.OK()
}

func cmdDiscard(c *client, args [][]byte) {
	if c.multi == nil {
		c.w.Error(msgDiscardNoMult)
		return
	}
	c.multi = nil
	c.unwatchAll()
	c.w.OK()
}

// cmdExec runs the queued commands one after the other under the lock that
// is already held, so no other client's command runs in between. A runtime
// error in one command does not roll the others back.
func cmdExec(c *client, args [][]byte) {
	m := c.multi
	if m == nil {
		c.w.Error(msgExecNoMulti)
		return
	}
	c.multi = nil
	if m.abort {
		c.unwatchAll()
		c.w.Error(msgExecAbort)
		return
	}
	if c.dirtyCAS || c.watchedKeyExpired() {
		c.unwatchAll()
		c.w.NullArray()
		return
	}
	c.unwatchAll()
	c.w.Array(len(m.cmds))
	c.inExec = true
	defer func() { c.inExec = false }()
	for _, q := range m.cmds {
		cmd := c.srv.commands.lookup(q[0])
		start := time.Now()
		c.now = start.UnixMilli()
		c.call(cmd, q, start)
	}
}

func cmdWatch(c *client, args [][]byte) {
	if c.multi != nil {
		c.w.Error(msgWatchInMulti)
		return
	}
	for _, k := range args[1:] {
		key := string(k)
		dup := false
		for _, wk := range c.watching {
			if wk.db == c.db && wk.key == key {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		if c.db.watched == nil {
			c.db.watched = map[string][]*client{}
		}
		c.db.watched[key] = append(c.db.watched[key], c)
		c.watching = append(c.watching, watchedKey{db: c.db, key: key, expired: c.db.isExpired(k, c.now)})
	}
	c.w.OK()
}

func cmdUnwatch(c *client, args [][]byte) {
	c.unwatchAll()
	c.w.OK()
}

// watchedKeyExpired reports whether a WATCHed key that was live when it was
// watched has logically expired since, which aborts EXEC as in Redis.
func (c *client) watchedKeyExpired() bool {
	for _, wk := range c.watching {
		if !wk.expired && wk.db.isExpired([]byte(wk.key), c.now) {
			return true
		}
	}
	return false
}

// isExpired reports whether key is stored but past its expiry (not yet
// deleted by lazy or active expiry).
func (d *db) isExpired(key []byte, now int64) bool {
	sd := d.dict(key)
	if sd == nil {
		return false
	}
	o := sd.keys[string(key)]
	if o == nil || !o.hasTTL {
		return false
	}
	return sd.expires[string(key)] <= now
}
