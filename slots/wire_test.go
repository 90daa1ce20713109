package slots

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

func TestWireRoundTrip(t *testing.T) {
	mig, err := NewBuilder(threeGroups(t)).Migrate(100, 199, 2).Build()
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 0))
	maps := map[string]*Map{"empty": {}, "three groups": threeGroups(t), "migrating": mig}
	for i := 0; i < 50; i++ {
		maps["random"+string(rune('a'+i%26))+string(rune('a'+i/26))] = randomMap(r)
	}
	for name, m := range maps {
		t.Run(name, func(t *testing.T) {
			b := m.Encode()
			got, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !got.Equal(m) {
				t.Fatal("decoded map differs")
			}
			if !bytes.Equal(got.Encode(), b) {
				t.Fatal("encoding not canonical")
			}
		})
	}
	if n := len(threeGroups(t).Encode()); n > 600 {
		t.Errorf("three-group map encodes in %d bytes", n)
	} else {
		t.Logf("three groups, six nodes: %d bytes", n)
	}
}

func TestDecodeRejects(t *testing.T) {
	good := threeGroups(t).Encode()
	header := []byte{'S', 'C', 'M', 1}
	huge := binary.AppendUvarint(append(append([]byte{}, header...), 0), 1<<40)
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"bad magic", []byte("XCM\x01\x00\x00\x00\x00")},
		{"bad version", []byte("SCM\x02\x00\x00\x00\x00")},
		{"truncated", good[:len(good)-1]},
		{"trailing", append(append([]byte{}, good...), 0)},
		{"huge group count", huge},
		{"huge node count", binary.AppendUvarint(append(append([]byte{}, header...), 0, 0), 1<<62)},
		{"range without group", append(append([]byte{}, header...), 0, 0, 0, 1, 0, 0, 0, 0, 0)},
		{"range past end", append(append([]byte{}, header...), 0, 1, 1, 0, 0, 0, 0, 1, 0xff, 0x7f, 1, 1, 0, 0)},
		{"range start wraps", append(binary.AppendUvarint(append(append([]byte{}, header...), 1, 1, 1, 1, 0, 0, 0, 1), 1<<64-1), 1, 1, 0, 1)},
		{"unknown group in range", append(append([]byte{}, header...), 0, 0, 0, 1, 0, 0, 1, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Decode(tt.in); !errors.Is(err, ErrWire) {
				t.Errorf("Decode = %v, want ErrWire", err)
			}
		})
	}
	// Overlapping ranges: encode two ranges by hand, the second starting inside the first.
	b := append([]byte{}, header...)
	b = append(b, 1, 1, 1, 1, 0, 0, 0) // epoch 1; group 1 epoch 1, no master, no replicas; no nodes
	b = append(b, 2, 0, 10, 1, 0, 1, 5, 0, 1, 0, 1)
	if _, err := Decode(b); !errors.Is(err, ErrWire) {
		t.Errorf("overlapping ranges: %v", err)
	}
	b[len(b)-5] = 11 // second range now starts after the first
	if m, err := Decode(b); err != nil || m.Lookup(11) != 1 || m.Lookup(12) != 0 {
		t.Errorf("adjacent ranges: %v", err)
	}
}

// FuzzDecode checks that Decode never panics and that whatever it accepts
// encodes and decodes back to the same map.
func FuzzDecode(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			return
		}
		e := m.Encode()
		m2, err := Decode(e)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !m2.Equal(m) || !bytes.Equal(m2.Encode(), e) {
			t.Fatal("round trip differs")
		}
	})
}

// FuzzMerge checks that merging two decoded maps gives a valid map, the same
// in both orders, and absorbs both inputs.
func FuzzMerge(f *testing.F) {
	seeds := seedMaps()
	for _, a := range seeds {
		for _, b := range seeds[:3] {
			f.Add(a.Encode(), b.Encode())
		}
	}
	f.Fuzz(func(t *testing.T, x, y []byte) {
		a, err := Decode(x)
		if err != nil {
			return
		}
		b, err := Decode(y)
		if err != nil {
			return
		}
		ab := Merge(a, b)
		if err := ab.Validate(); err != nil {
			t.Fatalf("merged map invalid: %v", err)
		}
		if !ab.Equal(Merge(b, a)) {
			t.Fatal("merge not commutative")
		}
		if !Merge(ab, a).Equal(ab) || !Merge(ab, b).Equal(ab) {
			t.Fatal("merge does not absorb its inputs")
		}
	})
}

func seedMaps() []*Map {
	base := threeGroups(nil)
	mig, _ := NewBuilder(base).Migrate(100, 199, 2).Build()
	fo, _ := NewBuilder(base).SetGroup(1, nid(4), nid(1)).Build()
	r := rand.New(rand.NewPCG(3, 0))
	return []*Map{{}, base, mig, fo, randomMap(r), randomMap(r), randomMap(r)}
}

func addSeeds(f *testing.F) {
	for _, m := range seedMaps() {
		f.Add(m.Encode())
	}
	f.Add([]byte("SCM\x01"))
	f.Add([]byte("SCM\x01\x00\x00\x00\x00"))
}

// TestWriteFuzzCorpus regenerates testdata/fuzz from seedMaps when
// SLOTS_WRITE_CORPUS=1; otherwise it is skipped.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("SLOTS_WRITE_CORPUS") != "1" {
		t.Skip("set SLOTS_WRITE_CORPUS=1 to regenerate testdata/fuzz")
	}
	seeds := seedMaps()
	names := []string{"empty", "three-groups", "migrating", "failover", "random-1", "random-2", "random-3"}
	for _, target := range []string{"FuzzDecode", "FuzzMerge"} {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, m := range seeds {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", m.Encode())
			if target == "FuzzMerge" {
				body += fmt.Sprintf("[]byte(%q)\n", seeds[(i+1)%len(seeds)].Encode())
			}
			if err := os.WriteFile(filepath.Join(dir, names[i]), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
