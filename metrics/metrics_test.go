package metrics

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/tarssh/tarssh/config"
	"github.com/tarssh/tarssh/pacing"
	"github.com/tarssh/tarssh/sandbox"
	"github.com/tarssh/tarssh/tarpit"
)

func newMetrics(t *testing.T) *Metrics {
	t.Helper()
	m, err := New("0.0-test", 4096)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// busyStats is a snapshot with every counter set, as after many clients of
// every family came and went.
func busyStats() tarpit.Stats {
	var s tarpit.Stats
	for f := range pacing.NumFamilies {
		s.Families[f] = int(f) + 1
		s.Clients += int(f) + 1
		for r := range tarpit.NumReasons {
			s.Disconnects[f][r] = uint64(f)*10 + uint64(r)
		}
		for i := range s.Holds[f].Counts {
			s.Holds[f].Counts[i] = uint64(i + 1)
		}
		s.Holds[f].Sum = time.Duration(f+1) * time.Hour
	}
	s.Total, s.Bytes, s.Allowed, s.LogsDropped = 1000, 123456, 7, 3
	for k := range s.AcceptErrors {
		s.AcceptErrors[k] = uint64(k)
	}
	s.Longest = 90 * time.Minute
	s.Sources, s.Refused = 3, 11
	s.Learned, s.LearnChanges = 2, 5
	return s
}

// samples counts the samples one scrape would show: a histogram is a
// sample per bucket (and +Inf), a sum and a count.
func samples(t *testing.T, m *Metrics) (map[string]*dto.MetricFamily, int) {
	t.Helper()
	mfs, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	byName, n := map[string]*dto.MetricFamily{}, 0
	for _, mf := range mfs {
		byName[mf.GetName()] = mf
		for _, mt := range mf.Metric {
			switch {
			case mt.Histogram != nil:
				n += len(mt.Histogram.Bucket) + 3
			case mt.Summary != nil:
				n += len(mt.Summary.Quantile) + 2
			default:
				n++
			}
		}
	}
	return byName, n
}

// TestSeries checks the engine's series against a published snapshot, and
// that one scrape stays within 300 samples whatever the engine counted.
func TestSeries(t *testing.T) {
	m := newMetrics(t)
	_, before := samples(t, m)
	s := busyStats()
	m.Publish(s)
	m.SetSandbox(&sandbox.Report{Mode: config.SandboxOn, Layers: []sandbox.Layer{
		{Name: "no_new_privs", Detail: "true"}, {Name: "landlock", Detail: "abi 7 (fs, tcp, scopes)"},
		{Name: "seccomp", Detail: "kill (34 calls allowed)"}}})
	fams, n := samples(t, m)
	if n > 300 {
		t.Errorf("%d samples in a scrape, want at most 300", n)
	}
	// Only the heartbeat and sandbox series appear once published.
	if n != before+2 {
		t.Errorf("%d samples after publishing, %d before: the series must not depend on what was counted", n, before)
	}
	for _, name := range []string{"tarssh_clients", "tarssh_clients_accepted_total", "tarssh_clients_disconnected_total",
		"tarssh_client_hold_seconds", "tarssh_sent_bytes_total", "tarssh_log_records_dropped_total",
		"tarssh_clients_allowed_total", "tarssh_accept_errors_total", "tarssh_max_clients",
		"tarssh_learned_gaps", "tarssh_learned_gap_changes_total",
		"tarssh_longest_hold_seconds", "tarssh_build_info", "tarssh_sandbox_info",
		"tarssh_engine_heartbeat_timestamp_seconds", "tarssh_sources", "tarssh_clients_refused_total",
		"process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds", "process_max_fds",
		"process_start_time_seconds", "go_goroutines", "go_memstats_heap_alloc_bytes"} {
		if fams[name] == nil {
			t.Errorf("no %s", name)
		}
	}
	expect := `
# HELP tarssh_clients Clients held now, by family.
# TYPE tarssh_clients gauge
tarssh_clients{family="dropbear"} 7
tarssh_clients{family="go"} 5
tarssh_clients{family="openssh"} 4
tarssh_clients{family="other"} 3
tarssh_clients{family="paramiko"} 6
tarssh_clients{family="putty"} 8
tarssh_clients{family="silent"} 2
tarssh_clients{family="unknown"} 1
# HELP tarssh_sandbox_info The sandbox in force: --sandbox mode, Landlock ABI, seccomp action on a forbidden call, and the layers applied.
# TYPE tarssh_sandbox_info gauge
tarssh_sandbox_info{landlock_abi="7",layers="no_new_privs,landlock,seccomp",mode="on",seccomp="kill"} 1
# HELP tarssh_clients_refused_total Clients closed at once because their source already held --per-source-max-clients.
# TYPE tarssh_clients_refused_total counter
tarssh_clients_refused_total 11
# HELP tarssh_sources Sources (addresses, or networks of --per-source-net-block-size) with a client held.
# TYPE tarssh_sources gauge
tarssh_sources 3
# HELP tarssh_longest_hold_seconds How long the longest-held current client has been held.
# TYPE tarssh_longest_hold_seconds gauge
tarssh_longest_hold_seconds 5400
# HELP tarssh_accept_errors_total Failed accepts, by error.
# TYPE tarssh_accept_errors_total counter
tarssh_accept_errors_total{errno="ECONNABORTED"} 4
tarssh_accept_errors_total{errno="EMFILE"} 0
tarssh_accept_errors_total{errno="ENFILE"} 1
tarssh_accept_errors_total{errno="ENOBUFS"} 2
tarssh_accept_errors_total{errno="ENOMEM"} 3
tarssh_accept_errors_total{errno="other"} 5
# HELP tarssh_learned_gaps Identifications with a learned, shorter gap now (adaptive pacing).
# TYPE tarssh_learned_gaps gauge
tarssh_learned_gaps 2
# HELP tarssh_learned_gap_changes_total Gaps learned or shortened since start.
# TYPE tarssh_learned_gap_changes_total counter
tarssh_learned_gap_changes_total 5
`
	if err := testutil.GatherAndCompare(m.reg, strings.NewReader(expect),
		"tarssh_clients", "tarssh_sandbox_info", "tarssh_longest_hold_seconds", "tarssh_sources", "tarssh_clients_refused_total", "tarssh_accept_errors_total",
		"tarssh_learned_gaps", "tarssh_learned_gap_changes_total"); err != nil {
		t.Error(err)
	}
	// The histogram: cumulative buckets, the count and the sum.
	var hist *dto.Histogram
	for _, mt := range fams["tarssh_client_hold_seconds"].Metric {
		if mt.Label[0].GetValue() == "go" {
			hist = mt.Histogram
		}
	}
	if hist == nil {
		t.Fatal("no histogram for family go")
	}
	var cum uint64
	for i, b := range hist.Bucket {
		cum += uint64(i + 1)
		if b.GetCumulativeCount() != cum || b.GetUpperBound() != tarpit.HoldBuckets[i] {
			t.Errorf("bucket %d: le %v count %d, want le %v count %d", i, b.GetUpperBound(), b.GetCumulativeCount(), tarpit.HoldBuckets[i], cum)
		}
	}
	if want := cum + uint64(tarpit.NumHoldBuckets) + 1; hist.GetSampleCount() != want {
		t.Errorf("count %d, want %d", hist.GetSampleCount(), want)
	}
	if hist.GetSampleSum() != float64(pacing.GoSSH+1)*3600 {
		t.Errorf("sum %v, want %v", hist.GetSampleSum(), float64(pacing.GoSSH+1)*3600)
	}
}

// TestPromtoolCheck runs promtool's linter on a scrape.
func TestPromtoolCheck(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (Debian: prometheus; make test installs it)")
	}
	m := newMetrics(t)
	m.Publish(busyStats())
	var buf bytes.Buffer
	mfs, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&buf, mf); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = &buf
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

func TestPublish(t *testing.T) {
	var none *Metrics
	none.Publish(busyStats()) // does nothing, and does not panic
	if none.Every() != 0 {
		t.Errorf("nil Metrics: Every %v, want 0", none.Every())
	}
	m := newMetrics(t)
	if m.Every() != PublishEvery {
		t.Errorf("Every %v, want %v", m.Every(), PublishEvery)
	}
	m.Publish(tarpit.Stats{Total: 42})
	if p := m.stats.Load(); p == nil || p.Total != 42 || p.at.IsZero() {
		t.Errorf("published %+v", p)
	}
}
