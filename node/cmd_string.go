package node

// stringCommands: the string type.
func stringCommands() []*command {
	return []*command{
		{name: "get", arity: 2, flags: flagReadonly | flagFast, firstKey: 1, lastKey: 1, step: 1, acl: "@read @string @fast", group: "string", summary: "Returns the string value of a key.", since: "1.0.0", fn: cmdGet},
		{name: "set", arity: -3, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, step: 1, acl: "@write @string @slow", group: "string", summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", since: "1.0.0", fn: cmdSet},
	}
}

// getString looks key up as a string (see getTyped).
func (c *client) getString(key []byte) (o *object, ok bool) {
	return c.getTyped(key, typeString)
}

func cmdGet(c *client, args [][]byte) {
	o, ok := c.getString(args[1])
	if !ok {
		return
	}
	if o == nil {
		c.srv.stats.keyspaceMisses++
		c.w.Null()
		return
	}
	c.srv.stats.keyspaceHits++
	c.w.Bulk(o.str)
}

func cmdSet(c *client, args [][]byte) {
	if len(args) != 3 {
		c.w.Error(msgSyntax)
		return
	}
	c.db.set(args[1], newString(args[2]), false)
	c.srv.dirty++
	c.w.OK()
}
