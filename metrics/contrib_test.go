package metrics

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/tarssh/tarssh/config"
	"github.com/tarssh/tarssh/internal/testutil/contrib"
	"github.com/tarssh/tarssh/sandbox"
)

// The dashboard and alert rules in contrib/ are checked here against the
// series this package serves; cmd/tarssh's TestPrometheus evaluates every
// expression in a real Prometheus scraping a real tarssh.

func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (Debian: prometheus; make test installs it)")
	}
	return p
}

// TestAlertRules runs the rules' own unit tests.
func TestAlertRules(t *testing.T) {
	pt := promtool(t)
	for _, args := range [][]string{
		{"check", "rules", "tarssh-rules.yml"},
		{"test", "rules", "tarssh-rules_test.yml"},
	} {
		cmd := exec.Command(pt, args...)
		cmd.Dir = "../contrib/prometheus"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// TestDashboardNamesServedSeries checks that every series the dashboard
// and the rules name is one tarssh serves (or Prometheus makes), so that a
// renamed series cannot leave a panel silently empty.
func TestDashboardNamesServedSeries(t *testing.T) {
	m := newMetrics(t)
	m.Publish(busyStats())
	m.SetSandbox(&sandbox.Report{Mode: config.SandboxOn})
	mfs, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{"up": true}
	for _, mf := range mfs {
		served[mf.GetName()] = true
		if mf.GetType() == dto.MetricType_HISTOGRAM {
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				served[mf.GetName()+suffix] = true
			}
		}
	}
	exprs, err := contrib.Exprs("..")
	if err != nil {
		t.Fatal(err)
	}
	name := regexp.MustCompile(`\b((?:tarssh|process|go)_[a-z_]+|up)\b\s*[{\[)]`)
	for _, e := range exprs {
		for _, m := range name.FindAllStringSubmatch(e, -1) {
			if !served[m[1]] {
				t.Errorf("%q names %s, which tarssh does not serve", e, m[1])
			}
		}
	}
}
