package node

import "testing"

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pat, s string
		nocase bool
		want   bool
	}{
		{"*", "", false, true},
		{"*", "anything", false, true},
		{"h?llo", "hello", false, true},
		{"h?llo", "hllo", false, false},
		{"h*llo", "heeeello", false, true},
		{"h[ae]llo", "hallo", false, true},
		{"h[ae]llo", "hillo", false, false},
		{"h[^e]llo", "hallo", false, true},
		{"h[^e]llo", "hello", false, false},
		{"h[a-b]llo", "hbllo", false, true},
		{"h[b-a]llo", "hbllo", false, true},
		{"h\\*llo", "h*llo", false, true},
		{"h\\*llo", "hello", false, false},
		{"HELLO", "hello", true, true},
		{"HELLO", "hello", false, false},
		{"a*b*c", "aXXbYYc", false, true},
		{"a*b*c", "aXXbYY", false, false},
		{"user:*", "user:1000", false, true},
		{"chann*", "channel1", false, true},
		{"[abc", "a", false, true},
		{"*a", "", false, false},
		{"a**", "a", false, true},
		{"*?", "", false, false},
		{"a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.pat+"/"+tc.s, func(t *testing.T) {
			if got := globMatch([]byte(tc.pat), []byte(tc.s), tc.nocase); got != tc.want {
				t.Fatalf("globMatch(%q, %q) = %v, want %v", tc.pat, tc.s, got, tc.want)
			}
		})
	}
}
