package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/slotcache/slotcache/protocol/resp"
)

func TestParseCSV(t *testing.T) {
	v7 := []byte(`"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"SET","249999.98","1.862","0.096","1.063","4.815","4.895","4.911"
"MSET (10 keys)","400000.00","1.040","0.168","1.167","1.743","1.911","1.959"
`)
	r, err := parseCSV(v7, "MSET (10 keys)")
	if err != nil || r.rps != 400000 || r.p50 != 1.167 || r.p99 != 1.911 || !r.hasLatency {
		t.Errorf("v7: %+v %v", r, err)
	}
	old := []byte("\"SET\",\"120000.00\"\n\"GET\",\"130000.00\"\n")
	if _, err := parseCSV(old, "GET"); err == nil {
		t.Error("headerless CSV: no error") // the first line is read as the header
	}
	withHeader := []byte("\"test\",\"rps\"\n\"GET\",\"130000.00\"\n")
	r, err = parseCSV(withHeader, "GET")
	if err != nil || r.rps != 130000 || r.hasLatency {
		t.Errorf("rps only: %+v %v", r, err)
	}
	if _, err := parseCSV(v7, "INCR"); err == nil {
		t.Error("missing row: no error")
	}
}

func TestMedian(t *testing.T) {
	m := median([]result{{rps: 3, p50: 1, p99: 9, hasLatency: true}, {rps: 1, p50: 2, p99: 7, hasLatency: true}, {rps: 2, p50: 3, p99: 8, hasLatency: true}})
	if m.rps != 2 || m.p50 != 2 || m.p99 != 8 || !m.hasLatency {
		t.Errorf("odd: %+v", m)
	}
	m = median([]result{{rps: 1}, {rps: 4, hasLatency: true}})
	if m.rps != 2.5 || m.hasLatency {
		t.Errorf("even: %+v", m)
	}
}

func TestWorkloadsKnown(t *testing.T) {
	for _, name := range strings.Split(defaultTests, ",") {
		if _, ok := findWorkload(name); !ok {
			t.Errorf("%s missing", name)
		}
	}
}

func TestLoaderCommands(t *testing.T) {
	tests := []struct {
		name string
		add  func([]byte, int) []byte
		i    int
		want []string
	}{
		{"zadd first", appendZAdd, 0, []string{"ZADD", zsetKey, "0", "m:0"}},
		{"zadd", appendZAdd, 999999, []string{"ZADD", zsetKey, "999999", "m:999999"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args, err := resp.NewReader(bytes.NewReader(tc.add(nil, tc.i)), resp.Limits{}).ReadCommand()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range args {
				got = append(got, string(a))
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestHSetCommand(t *testing.T) {
	lens := map[int]bool{}
	for _, i := range []int{0, 1, 77, 99999} {
		args, err := resp.NewReader(bytes.NewReader(appendHSet(nil, i)), resp.Limits{}).ReadCommand()
		if err != nil {
			t.Fatal(err)
		}
		if len(args) != 2+2*hashFields || string(args[0]) != "HSET" || string(args[1]) != string(hashKey(nil, i)) {
			t.Fatalf("hash %d: %q", i, args)
		}
		for j := range hashFields {
			f, v := args[2+2*j], args[3+2*j]
			if want := "f" + string(rune('0'+j)); string(f) != want {
				t.Errorf("hash %d field %d: %q, want %q", i, j, f, want)
			}
			if len(v) < 8 || len(v) > 16 {
				t.Errorf("hash %d field %d: value %q is %d bytes", i, j, v, len(v))
			}
			lens[len(v)] = true
		}
	}
	if len(lens) < 5 {
		t.Errorf("value lengths barely vary: %v", lens)
	}
}
