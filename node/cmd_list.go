package node

// listCommands: the list type.
func listCommands() []*command {
	return nil
}
