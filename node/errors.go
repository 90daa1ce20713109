package node

import (
	"errors"
	"fmt"

	"github.com/slotcache/slotcache/protocol/resp"
)

// Reply texts that clients match on, exactly as Redis 7 sends them (without
// the leading '-').
const (
	msgWrongType      = "WRONGTYPE Operation against a key holding the wrong kind of value"
	msgNotInteger     = "ERR value is not an integer or out of range"
	msgNotFloat       = "ERR value is not a valid float"
	msgSyntax         = "ERR syntax error"
	msgNoAuth         = "NOAUTH Authentication required."
	msgWrongPass      = "WRONGPASS invalid username-password pair or user is disabled."
	msgNoSuchKey      = "ERR no such key"
	msgOverflow       = "ERR increment or decrement would overflow"
	msgDBIndex        = "ERR DB index is out of range"
	msgInvalidExpire  = "ERR invalid expire time in '%s' command"
	msgMaxClients     = "ERR max number of clients reached"
	msgOOM            = "OOM command not allowed when used memory > 'maxmemory'."
	msgStringTooLong  = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	msgNotNegative    = "ERR value is out of range, must be positive"
	msgAuthNoPassword = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
)

// msgProtectedMode is the DENIED reply to a non-loopback client while
// protected mode is on and no password is set (the wording operators know
// from Redis's protected mode).
const msgProtectedMode = "DENIED Redis is running in protected mode because protected mode is enabled, no bind address was specified, no authentication password is requested to clients. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a bind address or an authentication password. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside."

// Sentinel errors of the node package.
var (
	ErrConfig = errors.New("node: invalid configuration")
	ErrClosed = errors.New("node: server closed")
)

func errWrongArity(name string) string { return resp.WrongArityError(name) }

func errUnknownSubcommand(sub []byte, cmd string) string {
	return resp.UnknownSubcommandError(sub, cmd)
}

// errSubcommandSyntax is Redis's addReplySubcommandSyntaxError text.
func errSubcommandSyntax(sub []byte, cmd string) string {
	return fmt.Sprintf("ERR unknown subcommand or wrong number of arguments for '%.128s'. Try %s HELP.", sub, upper(cmd))
}

func errUnknownCommand(args [][]byte) string { return resp.UnknownCommandError(args) }

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}
