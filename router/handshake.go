package router

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/slotcache/slotcache/protocol/resp"
)

// ErrBackendAuth is wrapped by the failure of a connection whose AUTH the
// backend refused (a wrong --backend-password, say).
var ErrBackendAuth = errors.New("router: backend refused AUTH")

// Handshake is what a connection to a node sends before any request,
// without waiting for the replies: AUTH when credentials are set, the
// pool's Hello (HELLO 3), READONLY for a replica. Its Replies replies come
// before the first request's; a refused AUTH or Hello fails the
// connection. Pools use it; code that opens its own connections to nodes
// (a dedicated connection for a blocking command, say) sends Cmd first and
// passes each of the first Replies replies to Check.
type Handshake struct {
	Cmd     []byte
	Replies int
	auth    bool // the first reply is AUTH's
	hello   int  // index of Hello's reply; -1: none
}

// NewHandshake returns the handshake of cfg's credentials, Hello and
// ReadOnly, in that order: HELLO needs an authenticated connection.
func NewHandshake(cfg PoolConfig) Handshake {
	h := Handshake{hello: -1}
	if cfg.Password != "" {
		if cfg.Username != "" {
			h.Cmd = resp.AppendCommand(h.Cmd, "AUTH", cfg.Username, cfg.Password)
		} else {
			h.Cmd = resp.AppendCommand(h.Cmd, "AUTH", cfg.Password)
		}
		h.Replies++
		h.auth = true
	}
	if len(cfg.Hello) > 0 {
		h.Cmd = append(h.Cmd, cfg.Hello...)
		h.hello = h.Replies
		h.Replies++
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
// wrapping ErrBackendAuth when it is a refused AUTH, an error when it is a
// refused Hello.
func (h *Handshake) Check(i int, reply []byte) error {
	if len(reply) == 0 || (reply[0] != '-' && reply[0] != '!') {
		return nil
	}
	switch {
	case i == 0 && h.auth:
		return &authError{reply: string(errorText(reply))}
	case i == h.hello:
		return fmt.Errorf("hello refused: %s", errorText(reply))
	}
	return nil
}

// errorText is the text of an error reply: a simple error's line, or a
// blob error's payload.
func errorText(reply []byte) []byte {
	if reply[0] == '!' {
		if i := bytes.Index(reply, []byte("\r\n")); i >= 0 {
			return bytes.TrimSpace(reply[i+2:])
		}
	}
	return bytes.TrimSpace(reply[1:])
}
