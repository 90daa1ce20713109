package node

import (
	"strconv"
	"time"
)

const (
	slowlogMaxArgs   = 32  // SLOWLOG_ENTRY_MAX_ARGC
	slowlogMaxArgLen = 128 // SLOWLOG_ENTRY_MAX_STRING
)

// slowlogEntry is one SLOWLOG GET entry.
type slowlogEntry struct {
	id       int64
	time     int64 // unix seconds
	duration int64 // microseconds
	args     []string
	addr     string
	name     string
}

// slowlog keeps the newest entries first, bounded by slowlog-max-len.
type slowlog struct {
	nextID  int64
	entries []slowlogEntry
}

// add records a command that took us microseconds if it passes the
// threshold. Arguments are trimmed the way Redis trims them.
func (l *slowlog) add(cfg *Config, c *client, args [][]byte, start time.Time, us int64) {
	if cfg.SlowlogLogSlowerThan < 0 || us < cfg.SlowlogLogSlowerThan || cfg.SlowlogMaxLen == 0 {
		return
	}
	n := min(len(args), slowlogMaxArgs)
	e := slowlogEntry{id: l.nextID, time: start.Unix(), duration: us, addr: c.addr, name: c.name}
	e.args = make([]string, n)
	for i := 0; i < n; i++ {
		switch {
		case i == slowlogMaxArgs-1 && len(args) > slowlogMaxArgs:
			e.args[i] = "... (" + strconv.Itoa(len(args)-slowlogMaxArgs+1) + " more arguments)"
		case len(args[i]) > slowlogMaxArgLen:
			e.args[i] = string(args[i][:slowlogMaxArgLen]) + "... (" + strconv.Itoa(len(args[i])-slowlogMaxArgLen) + " more bytes)"
		default:
			e.args[i] = string(args[i])
		}
	}
	l.nextID++
	l.entries = append([]slowlogEntry{e}, l.entries...)
	l.trim(cfg.SlowlogMaxLen)
}

// trim drops the oldest entries beyond max.
func (l *slowlog) trim(max int) {
	if len(l.entries) > max {
		l.entries = l.entries[:max]
	}
}

// reset removes every entry.
func (l *slowlog) reset() { l.entries = nil }
