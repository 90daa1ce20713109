package router

import "strings"

// KeyIndexes returns the positions of the key arguments of args, appended to
// dst. Interim version covering the commands with fixed key positions.
func KeyIndexes(args [][]byte, dst []int) []int {
	if len(args) < 2 {
		return dst
	}
	switch strings.ToLower(string(args[0])) {
	case "mget", "del", "unlink", "exists", "touch", "watch", "sinter", "sunion", "sdiff", "pfcount":
		for i := 1; i < len(args); i++ {
			dst = append(dst, i)
		}
	case "mset", "msetnx":
		for i := 1; i < len(args); i += 2 {
			dst = append(dst, i)
		}
	case "rename", "renamenx", "smove", "lmove", "rpoplpush", "copy":
		dst = append(dst, 1)
		if len(args) > 2 {
			dst = append(dst, 2)
		}
	case "sinterstore", "sunionstore", "sdiffstore":
		for i := 1; i < len(args); i++ {
			dst = append(dst, i)
		}
	case "ping", "echo", "info", "dbsize", "keys", "scan", "flushdb", "flushall", "randomkey",
		"time", "command", "client", "select", "quit", "hello", "auth", "config", "slowlog":
	default:
		dst = append(dst, 1)
	}
	return dst
}
