package resp

import "strings"

// The texts of the errors Redis answers before it runs a command, which the
// node and the proxy answer alike.

// UnknownCommandError is the reply to a command the server does not know:
// its name cut at 128 bytes, then its first arguments, each quoted, until
// the quoted list reaches 128 bytes (the last one cut to fit), as Redis
// writes them.
func UnknownCommandError(args [][]byte) string {
	var b strings.Builder
	b.WriteString("ERR unknown command '")
	b.Write(cut(args[0], 128))
	b.WriteString("', with args beginning with: ")
	start := b.Len()
	for _, a := range args[1:] {
		n := b.Len() - start
		if n >= 128 {
			break
		}
		b.WriteByte('\'')
		b.Write(cut(a, 128-n))
		b.WriteString("' ")
	}
	return b.String()
}

// cut returns the first n bytes of p at most: Redis cuts names and
// arguments by bytes, even within a UTF-8 sequence.
func cut(p []byte, n int) []byte {
	if len(p) > n {
		return p[:n]
	}
	return p
}

// WrongArityError is the reply to a command given the wrong number of
// arguments; name is the command's name (container|sub for a subcommand).
func WrongArityError(name string) string {
	return "ERR wrong number of arguments for '" + name + "' command"
}

// UnknownSubcommandError is the reply to an unknown subcommand sub of the
// container command cmd (any case).
func UnknownSubcommandError(sub []byte, cmd string) string {
	return "ERR unknown subcommand '" + string(cut(sub, 128)) + "'. Try " + strings.ToUpper(cmd) + " HELP."
}
