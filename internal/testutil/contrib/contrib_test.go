package contrib

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExprs(t *testing.T) {
	exprs, err := Exprs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	var alert bool
	for _, e := range exprs {
		if strings.TrimSpace(e) == "" {
			t.Errorf("an empty expression among %d", len(exprs))
		}
		alert = alert || strings.Contains(e, "up{")
	}
	if !alert {
		t.Errorf("no rule expression (up{...}) among %q", exprs)
	}
}

// TestExprsBadInput: a dashboard that does not parse, or files with too
// few expressions, are errors, never an empty list that passes a test.
func TestExprsBadInput(t *testing.T) {
	for _, tt := range []struct{ dashboard, rules, want string }{
		{`{"panels": [`, "", "tarssh.json"},
		{`{"panels": [{"targets": [{"expr": "up"}]}]}`, "    expr: up\n", "only 2 expressions"},
	} {
		root := t.TempDir()
		for path, text := range map[string]string{Dashboard: tt.dashboard, Rules: tt.rules} {
			os.MkdirAll(filepath.Dir(filepath.Join(root, path)), 0o755)
			if err := os.WriteFile(filepath.Join(root, path), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := Exprs(root); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Exprs(%q, %q) = %v, want an error with %q", tt.dashboard, tt.rules, err, tt.want)
		}
	}
}
