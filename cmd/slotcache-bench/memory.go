package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/slotcache/slotcache/protocol/resp"
)

// A dataset is one memory-table row: what is loaded into a fresh server,
// how its size is checked before VmRSS is read, and the ratio to the first
// target that slotcache aims for.
type dataset struct {
	name  string
	unit  string // what bytes are reported per: key, member, hash
	units string // its plural
	count int    // units loaded
	goal  float64
	// load fills the server at addr; verify checks it holds count units.
	load   func(addr string) error
	verify func(addr string) error
}

// zsetKey is the key of the sorted set in the memory table.
const zsetKey = "bench:zset"

// datasets lists the memory-table rows for the options.
func datasets(o options) []dataset {
	return []dataset{
		{
			name: fmt.Sprintf("strings (%d-byte keys, %d-byte values)", 16, o.valueSize),
			unit: "key", units: "keys", count: o.keys, goal: 1.2,
			load: func(addr string) error {
				val := strings.Repeat("v", o.valueSize)
				key := make([]byte, 0, 16)
				return pipelined(addr, o.keys, loadBatch, func(b []byte, i int) []byte {
					key = fmt.Appendf(key[:0], "key:%012d", i)
					b = resp.AppendArrayLen(b, 3)
					b = resp.AppendBulkString(b, "SET")
					b = resp.AppendBulk(b, key)
					return resp.AppendBulkString(b, val)
				})
			},
			verify: func(addr string) error { return expectInt(addr, int64(o.keys), "DBSIZE") },
		},
		{
			name: "one sorted set (member m:<i>, score i)",
			unit: "member", units: "members", count: o.zsetMembers, goal: 1.3,
			load: func(addr string) error {
				return pipelined(addr, o.zsetMembers, loadBatch, appendZAdd)
			},
			verify: func(addr string) error {
				if err := expectInt(addr, 1, "DBSIZE"); err != nil {
					return err
				}
				return expectInt(addr, int64(o.zsetMembers), "ZCARD", zsetKey)
			},
		},
		{
			name: fmt.Sprintf("small hashes (%d fields f<j>, 8-16-byte values)", hashFields),
			unit: "hash", units: "hashes", count: o.hashes, goal: 1.3,
			load: func(addr string) error {
				return pipelined(addr, o.hashes, loadBatch, appendHSet)
			},
			verify: func(addr string) error {
				if err := expectInt(addr, int64(o.hashes), "DBSIZE"); err != nil {
					return err
				}
				return expectInt(addr, hashFields, "HLEN", string(hashKey(nil, o.hashes-1)))
			},
		},
	}
}

// appendZAdd appends "ZADD bench:zset i m:i".
func appendZAdd(b []byte, i int) []byte {
	b = resp.AppendArrayLen(b, 4)
	b = resp.AppendBulkString(b, "ZADD")
	b = resp.AppendBulkString(b, zsetKey)
	b = resp.AppendBulkInt(b, int64(i))
	var m [24]byte
	return resp.AppendBulk(b, strconv.AppendInt(append(m[:0], "m:"...), int64(i), 10))
}

// hashFields is the number of fields of each hash in the hashes dataset.
const hashFields = 10

func hashKey(b []byte, i int) []byte { return fmt.Appendf(b, "hash:%08d", i) }

// appendHSet appends "HSET hash:<i> f0 v f1 v ... f9 v" with values of 8 to
// 16 bytes, the length and content varying with i and the field.
func appendHSet(b []byte, i int) []byte {
	var scratch [32]byte
	b = resp.AppendArrayLen(b, 2+2*hashFields)
	b = resp.AppendBulkString(b, "HSET")
	b = resp.AppendBulk(b, hashKey(scratch[:0], i))
	for j := range hashFields {
		b = resp.AppendBulk(b, strconv.AppendInt(append(scratch[:0], 'f'), int64(j), 10))
		b = resp.AppendBulk(b, hashValue(scratch[:0], i, j))
	}
	return b
}

// hashValue appends the value of field j of hash i: 8 to 16 hex digits.
func hashValue(b []byte, i, j int) []byte {
	x := uint64(i)*hashFields + uint64(j)
	x = (x ^ x>>31) * 0x9e3779b97f4a7c15
	n := 8 + int(x%9)
	const hex = "0123456789abcdef"
	for k := range n {
		b = append(b, hex[(x>>(4*(k%16)))&0xf])
	}
	return b
}

// loadBatch is the number of commands the loaders send per round trip:
// deep enough that the round trips do not dominate the load, small enough
// that every target's first reply comes back within one socket buffer.
const loadBatch = 100

// errReply marks an error reply from the server, as opposed to a failure of
// the connection.
var errReply = errors.New("error reply")

// pipelined sends total commands over one connection, batch per round trip;
// add appends command i to the buffer. It stops at the first error reply.
func pipelined(addr string, total, batch int, add func(b []byte, i int) []byte) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	rd := resp.NewReader(c, resp.Limits{})
	var buf []byte
	for i := 0; i < total; i += batch {
		buf = buf[:0]
		n := min(batch, total-i)
		for j := range n {
			buf = add(buf, i+j)
		}
		c.SetDeadline(time.Now().Add(30 * time.Second))
		if _, err := c.Write(buf); err != nil {
			return err
		}
		for range n {
			v, err := rd.ReadReply()
			if err != nil {
				return err
			}
			if v.IsError() {
				return fmt.Errorf("%w: %s", errReply, v.Str)
			}
		}
	}
	return nil
}

// expectInt sends one command and checks that it answers the integer want.
func expectInt(addr string, want int64, args ...string) error {
	v, err := do(addr, args...)
	switch {
	case err != nil:
		return err
	case v.IsError():
		return fmt.Errorf("%w: %s: %s", errReply, args[0], v.Str)
	case v.Type != ':' || v.Int != want:
		return fmt.Errorf("%s: got %s, want %d", strings.Join(args, " "), v, want)
	}
	return nil
}

// memRow is one dataset loaded into one target.
type memRow struct {
	target        string
	before, after int64
	perUnit       float64
	load          time.Duration
	err           error // an error reply or a failed size check: row not measured
}

// memory starts a fresh instance of each target per dataset, loads it,
// checks its size and reports the growth of the resident set per unit.
func memory(ctx context.Context, o options, tgts []target, tmp string, stdout, stderr io.Writer) error {
	var sets []dataset
	for _, d := range datasets(o) {
		if d.count > 0 {
			sets = append(sets, d)
		}
	}
	rows := make([][]memRow, len(sets))
	for i, d := range sets {
		for _, t := range tgts {
			fmt.Fprintf(stderr, "memory: loading %d %s (%s) into %s\n", d.count, d.units, d.name, t.name)
			r, err := measure(ctx, t, d, mkdir(tmp, fmt.Sprintf("%s-mem%d", t.name, i)))
			if err != nil {
				return fmt.Errorf("%s: %s: %v", t.name, d.name, err)
			}
			if r.err != nil {
				fmt.Fprintf(stderr, "memory: %s: %s: %v\n", t.name, d.name, r.err)
			}
			rows[i] = append(rows[i], r)
		}
	}
	fmt.Fprintln(stdout, "### Memory (VmRSS growth of a fresh process per dataset)")
	fmt.Fprintln(stdout)
	base := tgts[0].name
	fmt.Fprintln(stdout, "| dataset | target | items | RSS before MiB | RSS after MiB | bytes/item | ratio to "+base+" | load s |")
	fmt.Fprintln(stdout, "|---|---|---:|---:|---:|---:|---:|---:|")
	for i, d := range sets {
		b := rows[i][0]
		for _, r := range rows[i] {
			items := fmt.Sprintf("%d %s", d.count, d.units)
			if r.err != nil {
				fmt.Fprintf(stdout, "| %s | %s | %s | - | - | %s | - | - |\n", d.name, r.target, items, failure(r.err))
				continue
			}
			ratio := "-"
			if b.err == nil && b.perUnit > 0 {
				ratio = fmt.Sprintf("%.2f", r.perUnit/b.perUnit)
			}
			fmt.Fprintf(stdout, "| %s | %s | %s | %.1f | %.1f | %.1f per %s | %s | %.2f |\n", d.name, r.target, items,
				mib(r.before), mib(r.after), r.perUnit, d.unit, ratio, r.load.Seconds())
		}
	}
	fmt.Fprintln(stdout)
	memorySummary(stdout, tgts, sets, rows)
	return nil
}

// memorySummary prints one line per dataset: bytes per item for each
// target, then each ratio to the first target next to its goal.
func memorySummary(stdout io.Writer, tgts []target, sets []dataset, rows [][]memRow) {
	base := tgts[0].name
	hdr, sep := "| dataset |", "|---|"
	for _, t := range tgts {
		hdr += " " + t.name + " bytes/item |"
		sep += "---:|"
	}
	for _, t := range tgts[1:] {
		hdr += " ratio " + t.name + "/" + base + " | goal |"
		sep += "---:|---|"
	}
	fmt.Fprintln(stdout, "### Memory summary")
	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout, hdr)
	fmt.Fprintln(stdout, sep)
	for i, d := range sets {
		line := fmt.Sprintf("| %s, %d %s |", d.name, d.count, d.units)
		for _, r := range rows[i] {
			if r.err != nil {
				line += " " + failure(r.err) + " |"
			} else {
				line += fmt.Sprintf(" %.1f per %s |", r.perUnit, d.unit)
			}
		}
		b := rows[i][0]
		for _, r := range rows[i][1:] {
			if b.err != nil || r.err != nil || b.perUnit <= 0 {
				line += fmt.Sprintf(" - | <= %.1fx |", d.goal)
				continue
			}
			q := r.perUnit / b.perUnit
			verdict := "met"
			if q > d.goal {
				verdict = "MISSED"
			}
			line += fmt.Sprintf(" %.2f | <= %.1fx: %s |", q, d.goal, verdict)
		}
		fmt.Fprintln(stdout, line)
	}
	fmt.Fprintln(stdout)
}

// measure loads d into a fresh instance of t. Errors from the server
// (unknown command, wrong size) are kept in the row; failures to start or
// talk to it are returned.
func measure(ctx context.Context, t target, d dataset, dir string) (memRow, error) {
	s, err := t.start(ctx, dir)
	if err != nil {
		return memRow{}, err
	}
	defer s.stop()
	time.Sleep(200 * time.Millisecond)
	r := memRow{target: t.name}
	if r.before, err = s.rss(); err != nil {
		return r, err
	}
	start := time.Now()
	err = d.load(s.addr)
	r.load = time.Since(start)
	if err == nil {
		err = d.verify(s.addr)
	}
	if err != nil {
		if errors.Is(err, errReply) || !isNetErr(err) {
			r.err = err
			return r, nil
		}
		return r, fmt.Errorf("loading: %v", err)
	}
	time.Sleep(time.Second) // let the allocator settle
	if r.after, err = s.rss(); err != nil {
		return r, err
	}
	r.perUnit = float64(r.after-r.before) / float64(d.count)
	return r, nil
}

func isNetErr(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// failure renders a row error for the table: "unsupported" for an unknown
// command, "failed" with the reason otherwise.
func failure(err error) string {
	msg := strings.ReplaceAll(err.Error(), "|", "/")
	if strings.Contains(msg, "unknown command") {
		return "unsupported"
	}
	return "failed: " + msg
}
