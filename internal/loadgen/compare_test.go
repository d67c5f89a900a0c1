package loadgen

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseEntrant(t *testing.T) {
	for _, tt := range []struct {
		in   string
		ok   bool
		name string
		cmd  []string
	}{
		{"endlessh=endlessh -4 -p {port} -d 10000", true, "endlessh", []string{"endlessh", "-4", "-p", "{port}", "-d", "10000"}},
		{" rust = /tmp/tarssh -l 127.0.0.1:{port}", true, "rust", []string{"/tmp/tarssh", "-l", "127.0.0.1:{port}"}},
		{"endlessh", false, "", nil},
		{"=endlessh -p {port}", false, "", nil},
		{"endlessh=", false, "", nil},
	} {
		e, err := ParseEntrant(tt.in, true)
		if (err == nil) != tt.ok {
			t.Errorf("ParseEntrant(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if tt.ok && (e.Name != tt.name || !slices.Equal(e.Command, tt.cmd) || !e.Ours) {
			t.Errorf("ParseEntrant(%q) = %+v, want %q %q", tt.in, e, tt.name, tt.cmd)
		}
	}
}

func TestSpread(t *testing.T) {
	for _, tt := range []struct {
		in   []float64
		want string
	}{
		{nil, "n/a"},
		{[]float64{0.5}, "0.50"},
		{[]float64{0.9, 0.5}, "0.70 (0.50–0.90)"},
		{[]float64{3, 1, 2}, "2.00 (1.00–3.00)"},
	} {
		if got := spreadOf(tt.in).String("%.2f"); got != tt.want {
			t.Errorf("spreadOf(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestComparisonWrite checks the figures and that ratios are taken within
// each round, skipping rounds where either run failed.
func TestComparisonWrite(t *testing.T) {
	rep := func(cpu time.Duration, vol int64) *Report {
		return &Report{N: 1000, Held: 1000, Established: 1000, Window: time.Minute, CPU: cpu, Voluntary: vol, LoadAvg: fmt.Sprintf("%d.5 2.00 1.00", vol/60)}
	}
	c := &Comparison{
		Entrants: []Entrant{{Name: "ours", Ours: true}, {Name: "theirs"}, {Name: "other"}},
		Reports: [][]*Report{
			{rep(100*time.Millisecond, 60), withGap(rep(60*time.Millisecond, 60), 10020*time.Millisecond), rep(50*time.Millisecond, 60)},
			{rep(200*time.Millisecond, 120), rep(200*time.Millisecond, 120), nil},
			{rep(100*time.Millisecond, 60), nil, nil},
		},
		Errors: [][]error{make([]error, 3), {nil, nil, errors.New("boom")}, {nil, errors.New("x"), errors.New("y")}},
	}
	var b strings.Builder
	c.Write(&b)
	out := b.String()
	for _, want := range []string{
		"ours             0.0600 (0.0500–0.1000)",
		"theirs           0.2000 (0.2000–0.2000)",
		"10.02s    3 of 3/1000/0/0/0",
		"2 of 3/1000/0/0/0",
		"theirs round 3 failed: boom",
		"ours / theirs: CPU 0.40 (0.30–0.50), switches/s 0.50 (0.50–0.50)",
		"ours / other: CPU 1.00, switches/s 1.00",
		"machine load average (1 min, at the end of each run): 1.5 (1.5–2.5)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "theirs / ") {
		t.Errorf("ratios of an entrant not ours:\n%s", out)
	}
}

func withGap(r *Report, gap time.Duration) *Report {
	r.MaxGap = gap
	return r
}
