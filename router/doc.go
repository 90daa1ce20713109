// Package router decides where a command goes: which of its arguments are
// keys (KeyIndexes, for every Redis 7 command including those whose key
// positions depend on their arguments), which hash slot they share (SlotOf)
// and so which group serves it.
//
// Sharded pub/sub channels (SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH) count as keys
// here, because they route by slot like keys, although Redis's COMMAND
// GETKEYS does not list them.
package router
