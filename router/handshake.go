package router

import (
	"errors"

	"github.com/slotcache/slotcache/protocol/resp"
)

// ErrBackendAuth is wrapped by the failure of a connection whose AUTH the
// backend refused (a wrong --backend-password, say).
var ErrBackendAuth = errors.New("router: backend refused AUTH")

// Handshake is what a connection to a node sends before any request,
// without waiting for the replies: AUTH when credentials are set, READONLY
// for a replica. Its Replies replies come before the first request's; a
// refused AUTH fails the connection. Pools use it; code that opens its own
// connections to nodes (a dedicated connection for a blocking command, say)
// sends Cmd first and passes each of the first Replies replies to Check.
type Handshake struct {
	Cmd     []byte
	Replies int
	auth    bool // the first reply is AUTH's
}

// NewHandshake returns the handshake of cfg's credentials and ReadOnly.
func NewHandshake(cfg PoolConfig) Handshake {
	var h Handshake
	if cfg.Password != "" {
		if cfg.Username != "" {
			h.Cmd = resp.AppendCommand(h.Cmd, "AUTH", cfg.Username, cfg.Password)
		} else {
			h.Cmd = resp.AppendCommand(h.Cmd, "AUTH", cfg.Password)
		}
		h.Replies++
		h.auth = true
	}
	if cfg.ReadOnly {
		// a standalone node answers an error: harmless, it serves reads anyway
		h.Cmd = resp.AppendCommand(h.Cmd, "READONLY")
		h.Replies++
	}
	return h
}

// authError is the failure of a refused AUTH; its text carries the node's.
type authError struct{ reply string }

func (e *authError) Error() string { return "AUTH refused: " + e.reply }

func (e *authError) Unwrap() error { return ErrBackendAuth }

// Check inspects the i-th reply (from 0) to the handshake: an error
// wrapping ErrBackendAuth when it is a refused AUTH.
func (h *Handshake) Check(i int, reply []byte) error {
	if i == 0 && h.auth && len(reply) > 0 && reply[0] == '-' {
		msg := reply[1:]
		for len(msg) > 0 && (msg[len(msg)-1] == '\n' || msg[len(msg)-1] == '\r') {
			msg = msg[:len(msg)-1]
		}
		return &authError{reply: string(msg)}
	}
	return nil
}
