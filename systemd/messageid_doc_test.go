package systemd

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// eventKind finds the event kind in each logging.New call of the source.
var eventKind = regexp.MustCompile(`logging\.New\([^(),]+, "([a-z_]+)"\)`)

// TestMessageIDsDocumented checks that tarssh.8 lists every event kind
// tarssh logs with its MESSAGE_ID, so that one added later is documented.
func TestMessageIDsDocumented(t *testing.T) {
	man, err := os.ReadFile("../tarssh.8")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != ".." || path == "../sandbox/internal/probe"):
			return filepath.SkipDir // the sandbox's test probe logs events of its own
		case d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go"):
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range eventKind.FindAllStringSubmatch(string(src), -1) {
			kinds[m[1]] = path
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, must := range []string{"connect", "disconnect", "listen", "sandbox"} {
		if kinds[must] == "" {
			t.Fatalf("the source scan found no %q event: %v", must, kinds)
		}
	}
	for kind, path := range kinds {
		entry := ".B " + kind + "\n" + MessageID(kind) + "\n"
		if !strings.Contains(string(man), entry) {
			t.Errorf("tarssh.8 lacks the message ID of %q (logged in %s): want the lines %q", kind, path, entry)
		}
	}
}
