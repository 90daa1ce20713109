package node

// setCommands: the set type.
func setCommands() []*command {
	return nil
}
