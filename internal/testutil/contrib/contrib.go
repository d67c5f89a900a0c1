// Package contrib reads the PromQL expressions of the Grafana dashboard and
// the Prometheus alert rules that tarssh ships in contrib/, for the two
// tests that check them: metrics' (every series they name is served) and
// cmd/tarssh's (each one evaluates in a real Prometheus).
package contrib

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// Paths of the dashboard and the rules below the repository's top.
const (
	Dashboard = "contrib/grafana/tarssh.json"
	Rules     = "contrib/prometheus/tarssh-rules.yml"
)

// minExprs guards against a reader that silently finds nothing: the files
// hold well over this many expressions.
const minExprs = 20

var ruleExpr = regexp.MustCompile(`(?m)^\s*expr: (.*)$`)

// Exprs returns every panel query of the dashboard and every rule
// expression, root being the repository's top directory.
func Exprs(root string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(root, Dashboard))
	if err != nil {
		return nil, err
	}
	var d struct {
		Panels []struct{ Targets []struct{ Expr string } }
	}
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%s: %v", Dashboard, err)
	}
	var out []string
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			out = append(out, tg.Expr)
		}
	}
	rules, err := os.ReadFile(filepath.Join(root, Rules))
	if err != nil {
		return nil, err
	}
	for _, m := range ruleExpr.FindAllStringSubmatch(string(rules), -1) {
		out = append(out, m[1])
	}
	if len(out) < minExprs {
		return nil, fmt.Errorf("only %d expressions found in %s and %s", len(out), Dashboard, Rules)
	}
	return out, nil
}
