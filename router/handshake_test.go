package router

import (
	"errors"
	"testing"
)

func TestHandshake(t *testing.T) {
	tests := []struct {
		name    string
		cfg     PoolConfig
		cmd     string
		replies int
	}{
		{"none", PoolConfig{}, "", 0},
		{"user alone sends nothing", PoolConfig{Username: "u"}, "", 0},
		{"password", PoolConfig{Password: "pw"}, "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n", 1},
		{"user", PoolConfig{Username: "u", Password: "pw"}, "*3\r\n$4\r\nAUTH\r\n$1\r\nu\r\n$2\r\npw\r\n", 1},
		{"readonly", PoolConfig{ReadOnly: true}, "*1\r\n$8\r\nREADONLY\r\n", 1},
		{"both", PoolConfig{Password: "pw", ReadOnly: true}, "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*1\r\n$8\r\nREADONLY\r\n", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHandshake(tc.cfg)
			if string(h.Cmd) != tc.cmd || h.Replies != tc.replies {
				t.Fatalf("%q %d, want %q %d", h.Cmd, h.Replies, tc.cmd, tc.replies)
			}
			// READONLY refused (a standalone node) is harmless
			last := h.Replies - 1
			if tc.cfg.ReadOnly {
				if err := h.Check(last, []byte("-ERR This instance has cluster support disabled\r\n")); err != nil {
					t.Fatalf("READONLY error: %v", err)
				}
			}
			if tc.cfg.Password == "" {
				return
			}
			if err := h.Check(0, []byte("+OK\r\n")); err != nil {
				t.Fatalf("AUTH +OK: %v", err)
			}
			err := h.Check(0, []byte("-WRONGPASS invalid username-password pair or user is disabled.\r\n"))
			if !errors.Is(err, ErrBackendAuth) || err.Error() != "AUTH refused: WRONGPASS invalid username-password pair or user is disabled." {
				t.Fatalf("AUTH refused: %v", err)
			}
		})
	}
}
