// Package redisinfo formats the INFO fields that the node and the proxy
// both report the way Redis does.
package redisinfo

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// OS is INFO's os field: the kernel's name, release and machine, as
// Redis's uname-based "Linux 6.1.0 x86_64".
func OS() string {
	read := func(name string) string {
		b, err := os.ReadFile("/proc/sys/kernel/" + name)
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(b))
	}
	sys, rel := read("ostype"), read("osrelease")
	if sys == "" {
		sys = runtime.GOOS
	}
	machine := runtime.GOARCH
	switch machine {
	case "amd64":
		machine = "x86_64"
	case "arm64":
		machine = "aarch64"
	}
	return sys + " " + rel + " " + machine
}

// BytesHuman formats a byte count as Redis's *_human fields: "512B",
// "1.50K", "3.27M", ... with two decimals from K up.
func BytesHuman(n int64) string {
	f := float64(n)
	switch {
	case n < 1024:
		return strconv.FormatInt(n, 10) + "B"
	case n < 1<<20:
		return strconv.FormatFloat(f/1024, 'f', 2, 64) + "K"
	case n < 1<<30:
		return strconv.FormatFloat(f/(1<<20), 'f', 2, 64) + "M"
	case n < 1<<40:
		return strconv.FormatFloat(f/(1<<30), 'f', 2, 64) + "G"
	case n < 1<<50:
		return strconv.FormatFloat(f/(1<<40), 'f', 2, 64) + "T"
	case n < 1<<60:
		return strconv.FormatFloat(f/(1<<50), 'f', 2, 64) + "P"
	}
	return strconv.FormatInt(n, 10) + "B"
}

// RateSamples is how many samples a RateMeter averages, as Redis's
// STATS_METRIC_SAMPLES; Redis takes one every 100 ms.
const RateSamples = 16

// RateMeter turns a growing counter into a per-second rate averaged over
// the last RateSamples samples, as Redis's instantaneous_* figures. It is
// not safe for concurrent use.
type RateMeter struct {
	lastTime  time.Time
	lastValue int64
	samples   [RateSamples]float64
	idx       int
}

// Sample records the counter's value at now.
func (m *RateMeter) Sample(now time.Time, value int64) {
	if !m.lastTime.IsZero() {
		if dt := now.Sub(m.lastTime).Seconds(); dt > 0 {
			m.samples[m.idx] = float64(value-m.lastValue) / dt
			m.idx = (m.idx + 1) % RateSamples
		}
	}
	m.lastTime, m.lastValue = now, value
}

// Rate is the average per-second rate of the last samples.
func (m *RateMeter) Rate() float64 {
	var sum float64
	for _, v := range m.samples {
		sum += v
	}
	return sum / RateSamples
}
