package router

import (
	"errors"

	"github.com/slotcache/slotcache/protocol/resp"
)

// ErrBackendAuth is wrapped by the failure of a connection whose AUTH the
// backend refused (a wrong --backend-password, say).
var ErrBackendAuth = errors.New("router: backend refused AUTH")

// handshake is what a connection sends before any request, in the same
// write-ahead pipeline: AUTH when credentials are set, READONLY for a
// replica. Its replies are read and dropped before the first request's;
// a refused AUTH fails the connection.
type handshake struct {
	cmd  []byte
	n    int  // replies to drop
	auth bool // the first reply is AUTH's
}

func newHandshake(cfg PoolConfig) handshake {
	var h handshake
	if cfg.Password != "" {
		if cfg.Username != "" {
			h.cmd = resp.AppendCommand(h.cmd, "AUTH", cfg.Username, cfg.Password)
		} else {
			h.cmd = resp.AppendCommand(h.cmd, "AUTH", cfg.Password)
		}
		h.n++
		h.auth = true
	}
	if cfg.ReadOnly {
		// a standalone node answers an error: harmless, it serves reads anyway
		h.cmd = resp.AppendCommand(h.cmd, "READONLY")
		h.n++
	}
	return h
}

// authError is the failure of a refused AUTH; its text carries the node's.
type authError struct{ reply string }

func (e *authError) Error() string { return "AUTH refused: " + e.reply }

func (e *authError) Unwrap() error { return ErrBackendAuth }

// checkHandshakeReply inspects the i-th handshake reply.
func (h *handshake) checkReply(i int, reply []byte) error {
	if i == 0 && h.auth && len(reply) > 0 && reply[0] == '-' {
		msg := reply[1:]
		for len(msg) > 0 && (msg[len(msg)-1] == '\n' || msg[len(msg)-1] == '\r') {
			msg = msg[:len(msg)-1]
		}
		return &authError{reply: string(msg)}
	}
	return nil
}
