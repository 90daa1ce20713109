package node

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestCompatDocListsEveryCommand keeps docs/compat.md in step with the
// command table: every command (and subcommand) must appear there.
func TestCompatDocListsEveryCommand(t *testing.T) {
	doc, err := os.ReadFile("../docs/compat.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("`([A-Z][A-Z_|\\- ]*)`").FindAllStringSubmatch(string(doc), -1) {
		documented[strings.ToLower(m[1])] = true
	}
	var missing []string
	for name, c := range newCommandTable() {
		if !documented[name] {
			missing = append(missing, name)
		}
		for _, sc := range c.subs {
			if !documented[strings.ReplaceAll(sc.name, "|", " ")] && !documented[name] {
				missing = append(missing, sc.name)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("docs/compat.md does not list: %s", strings.Join(missing, ", "))
	}
}
