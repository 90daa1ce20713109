package node

// hashCommands: the hash type.
func hashCommands() []*command {
	return nil
}
