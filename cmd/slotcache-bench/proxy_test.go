package main

import (
	"strings"
	"testing"
)

func TestNutcrackerConf(t *testing.T) {
	backends := []*server{{addr: "127.0.0.1:7001"}, {addr: "127.0.0.1:7002"}}
	conf := nutcrackerConf(22121, backends, false)
	for _, want := range []string{"listen: 127.0.0.1:22121\n", "hash: crc16\n", "redis: true\n",
		"   - 127.0.0.1:7001:1\n   - 127.0.0.1:7002:1\n"} {
		if !strings.Contains(conf, want) {
			t.Errorf("nutcracker configuration lacks %q:\n%s", want, conf)
		}
	}
	conf = nutcrackerConf(22121, backends, true)
	for _, want := range []string{"listen: 127.0.0.1:22121\n", "hash: fnv1a_64\n", "distribution: ketama\n",
		"redis: false\n", "   - 127.0.0.1:7001:1\n   - 127.0.0.1:7002:1\n"} {
		if !strings.Contains(conf, want) {
			t.Errorf("nutcracker memcache configuration lacks %q:\n%s", want, conf)
		}
	}
}
