package node

// txCommands: transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
func txCommands() []*command {
	return nil
}
