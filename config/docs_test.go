package config

import (
	"os"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestFlagsDocumented checks that every long flag -h lists is described in
// the man page and the README, so a flag added here cannot go undocumented.
func TestFlagsDocumented(t *testing.T) {
	docs := map[string]string{}
	for _, name := range []string{"../tarssh.8", "../README.md"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		// roff escapes each hyphen of an option: \-\-max\-clients.
		docs[name] = strings.ReplaceAll(string(b), `\-`, "-")
	}
	n := 0
	flagSet(&Config{}, &raw{}).VisitAll(func(f *pflag.Flag) {
		n++
		for name, text := range docs {
			if !containsFlag(text, "--"+f.Name) {
				t.Errorf("%s does not mention --%s", name, f.Name)
			}
		}
	})
	if n < 10 {
		t.Fatalf("only %d flags visited", n)
	}
}

// containsFlag reports whether text names flag as a whole word, so that
// --disable-log does not count as --disable-log-level.
func containsFlag(text, flag string) bool {
	for rest := text; ; {
		i := strings.Index(rest, flag)
		if i < 0 {
			return false
		}
		rest = rest[i+len(flag):]
		if rest == "" || !strings.ContainsRune("abcdefghijklmnopqrstuvwxyz0123456789-", rune(rest[0])) {
			return true
		}
	}
}

func TestContainsFlag(t *testing.T) {
	for _, tt := range []struct {
		text, flag string
		want       bool
	}{
		{"use --listen here", "--listen", true},
		{"use --listen", "--listen", true},
		{"--listen=1", "--listen", true},
		{"--listener", "--listen", false},
		{"--disable-log-level", "--disable-log", false},
		{"--disable-log-level and --disable-log.", "--disable-log", true},
		{"nothing", "--listen", false},
	} {
		if got := containsFlag(tt.text, tt.flag); got != tt.want {
			t.Errorf("containsFlag(%q, %q) = %v, want %v", tt.text, tt.flag, got, tt.want)
		}
	}
}
