package node

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/slotcache/slotcache/slots"
)

// nodesConf is the cluster configuration file (cluster-config-file, in
// Dir): the node's view of the cluster in CLUSTER NODES format, whose
// "myself" line keeps the node id across restarts, and a "vars" line, as
// Redis writes nodes.conf. It is locked while the node runs, so two nodes
// never share an id. Next to it, "<file>.map" keeps the last slot map in
// its wire form: a restarted node starts from it (newer maps win in gossip).
type nodesConf struct {
	f       *os.File
	mapPath string
}

// openNodesConf opens and locks the configuration file, creating it (and a
// new node id) when missing, and returns the saved map, if any.
func openNodesConf(dir, name string) (*nodesConf, slots.NodeID, *slots.Map, error) {
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, name)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, "", nil, fmt.Errorf("node: cluster config file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, "", nil, fmt.Errorf("node: Sorry, the cluster configuration file %s is already used by a different Redis Cluster node. Please make sure that different nodes use different cluster configuration files", name)
	}
	c := &nodesConf{f: f, mapPath: path + ".map"}
	data, err := os.ReadFile(path)
	if err != nil {
		c.close()
		return nil, "", nil, err
	}
	id, err := parseMyID(data)
	if err != nil {
		c.close()
		return nil, "", nil, fmt.Errorf("node: %s: %w", path, err)
	}
	if id == "" {
		id = newNodeID()
		if err := c.write(id, nil, nil); err != nil {
			c.close()
			return nil, "", nil, err
		}
	}
	var m *slots.Map
	if b, err := os.ReadFile(c.mapPath); err == nil {
		if m, err = slots.Decode(b); err != nil {
			m = nil // a damaged map is relearned from the cluster
		}
	}
	return c, id, m, nil
}

// parseMyID finds the id on the "myself" line; "" for an empty file.
func parseMyID(data []byte) (slots.NodeID, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return "", nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 || f[0] == "vars" {
			continue
		}
		for _, flag := range strings.Split(f[2], ",") {
			if flag == "myself" {
				if !validID(f[0]) {
					return "", fmt.Errorf("bad node id %q", f[0])
				}
				return slots.NodeID(f[0]), nil
			}
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", errors.New("no 'myself' line: not a cluster configuration file")
}

func validID(s string) bool {
	if len(s) != 40 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// newNodeID returns 40 random lower-case hex characters.
func newNodeID() slots.NodeID {
	var b [20]byte
	_, _ = rand.Read(b[:])
	return slots.NodeID(hex.EncodeToString(b[:]))
}

// write replaces the file's content with nodes (CLUSTER NODES text; a bare
// myself line when nil) and a vars line, and saves m next to it.
func (c *nodesConf) write(id slots.NodeID, m *slots.Map, nodes []byte) error {
	var epoch uint64
	if m != nil {
		epoch = m.CurrentEpoch()
	}
	if nodes == nil {
		nodes = []byte(string(id) + " :0@0 myself,master - 0 0 0 connected\n")
	}
	text := append(nodes, "vars currentEpoch "+strconv.FormatUint(epoch, 10)+" lastVoteEpoch 0\n"...)
	if err := c.f.Truncate(0); err != nil {
		return err
	}
	if _, err := c.f.WriteAt(text, 0); err != nil {
		return err
	}
	if err := c.f.Sync(); err != nil {
		return err
	}
	if m == nil {
		return nil
	}
	tmp := c.mapPath + ".tmp"
	if err := os.WriteFile(tmp, m.Encode(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, c.mapPath)
}

func (c *nodesConf) close() {
	_ = syscall.Flock(int(c.f.Fd()), syscall.LOCK_UN)
	c.f.Close()
}
