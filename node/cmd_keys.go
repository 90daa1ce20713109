package node

// keyCommands: generic keyspace commands.
func keyCommands() []*command {
	return []*command{
		{name: "del", arity: -2, flags: flagWrite, firstKey: 1, lastKey: -1, step: 1, acl: "@keyspace @write @slow", group: "generic", summary: "Deletes one or more keys.", since: "1.0.0", fn: cmdDel},
	}
}

func cmdDel(c *client, args [][]byte) {
	var n int64
	for _, k := range args[1:] {
		if c.db.remove(k, c.now) {
			n++
		}
	}
	c.srv.dirty += n
	c.w.Int(n)
}
