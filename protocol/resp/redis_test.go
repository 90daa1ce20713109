package resp_test

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/slotcache/slotcache/node"
	"github.com/slotcache/slotcache/node/nodetest"
)

// rawExchange writes in on a new connection and returns what comes back
// within the wait, and whether the server closed the connection.
func rawExchange(t *testing.T, addr string, in []byte) (out []byte, closed bool) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(in); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(400 * time.Millisecond))
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return out, false
			}
			return out, true
		}
	}
}

// TestProtocolAgainstRedis sends the same raw bytes to redis-server and to a
// node and compares the replies and whether the connection was closed.
func TestProtocolAgainstRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("starts redis-server")
	}
	redis := nodetest.StartRedis(t)
	ours, _ := nodetest.StartNode(t, nil)
	compareRaw(t, redis, ours, []string{
		"*-10\r\nPING\r\n",
		"*3000000000\r\n",
		"*1\r\n$-10\r\n",
		"*1\r\n$600000000\r\n",
		"*1\r\nx\r\n",
		"*abc\r\n",
		"*0\r\nPING\r\n",
		"*-1\r\nPING\r\n",
		"SET a \"b\r\n",
		"SET \"a\"b c\r\n",
		"ECHO \"\\x41\\x4g\"\r\n",
		"*1\r\n$-1\r\n",
		"*1\r\n$\r\n",
		"*\r\nPING\r\n",
		"*1\r\n$+4\r\nPING\r\n",
		"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n",
		"*1048577\r\n",
		"*01\r\n$04\r\nPING\r\n",
		"*1\n$4\r\nPING\r\n",
		"*1\r\n$4\nPING\r\n",
		"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n",
		"*1\rX$4\r\nPING\r\n",
		"*1\r\n$-0\r\n",
		"*2\r\n$4\r\nECHO\r\n$00\r\n\r\n",
		"*1\r\n$4\r\nPING\r\n*1\r\n$-10\r\n",
		"ECHO a\nPING\n",
		"\r\n\r\nPING\r\n",
		"ECHO a\x00b\r\n",
		"ECHO 'it\\'s' \"\\n\"\r\n",
	})
}

// TestUnauthenticatedLimitsAgainstRedis compares the stricter limits Redis
// applies before AUTH.
func TestUnauthenticatedLimitsAgainstRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("starts redis-server")
	}
	redis := nodetest.StartRedis(t, "--requirepass", "pw")
	ours, _ := nodetest.StartNode(t, func(c *node.Config) { c.RequirePass = "pw" })
	compareRaw(t, redis, ours, []string{
		"*11\r\n",
		"*10\r\n",
		"*1\r\n$16385\r\n",
		"*1\r\n$16384\r\n",
		"*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*11\r\n$4\r\nECHO\r\n" + strings.Repeat("$1\r\na\r\n", 10),
		"*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*2\r\n$4\r\nECHO\r\n$16385\r\n" + strings.Repeat("e", 16385) + "\r\n",
		"PING\r\n",
	})
}

func compareRaw(t *testing.T, redis, ours string, inputs []string) {
	for _, in := range inputs {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			wantOut, wantClosed := rawExchange(t, redis, []byte(in))
			gotOut, gotClosed := rawExchange(t, ours, []byte(in))
			if !bytes.Equal(gotOut, wantOut) || gotClosed != wantClosed {
				t.Errorf("%q:\n node  %q closed=%v\n redis %q closed=%v", in, gotOut, gotClosed, wantOut, wantClosed)
			}
		})
	}
}
