package node

// pubsubCommands: publish/subscribe.
func pubsubCommands() []*command {
	return nil
}
