package node

// serverCommands: INFO, CONFIG, CLIENT, COMMAND, SLOWLOG, DEBUG, ...
func serverCommands() []*command {
	return nil
}
