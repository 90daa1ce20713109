package node

// zsetCommands: the sorted set type.
func zsetCommands() []*command {
	return nil
}
