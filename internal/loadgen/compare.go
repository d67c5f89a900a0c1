package loadgen

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A comparison runs several tarpits through the same client in one run,
// interleaved round by round (each round starts one tarpit later in the
// list), so that whatever else the machine does weighs on each alike; the
// ratios are taken within each round and reported with their spread.

// Entrant is one tarpit of a comparison.
type Entrant struct {
	Name    string
	Command []string // with "{port}" for the port it must listen on
	Ours    bool     // ours: its ratio to each other entrant is reported
}

// ParseEntrant reads "NAME=COMMAND ARGS..." (the command split at spaces).
func ParseEntrant(s string, ours bool) (Entrant, error) {
	name, cmd, ok := strings.Cut(s, "=")
	e := Entrant{Name: strings.TrimSpace(name), Command: strings.Fields(cmd), Ours: ours}
	if !ok || e.Name == "" || len(e.Command) == 0 {
		return e, fmt.Errorf("tarpit %q: want NAME=COMMAND ARGS", s)
	}
	return e, nil
}

// Comparison is what RunComparison measured: Reports[i][round] for
// Entrants[i] (nil where that run failed, with its error in Errors).
type Comparison struct {
	Entrants []Entrant
	Reports  [][]*Report
	Errors   [][]error
}

// RunComparison runs every entrant rounds times with the options base
// (N, window, client...), logging each tarpit's output into logDir.
func RunComparison(base Options, entrants []Entrant, rounds int, logDir string) (*Comparison, error) {
	if len(entrants) == 0 || rounds < 1 {
		return nil, errors.New("compare: no tarpit or no round")
	}
	c := &Comparison{Entrants: entrants, Reports: make([][]*Report, len(entrants)), Errors: make([][]error, len(entrants))}
	for i := range entrants {
		c.Reports[i] = make([]*Report, rounds)
		c.Errors[i] = make([]error, rounds)
	}
	progress := base.Progress
	if progress == nil {
		progress = func(string, ...any) {}
	}
	for r := range rounds {
		for k := range entrants {
			i := (k + r) % len(entrants)
			e := entrants[i]
			o := base
			o.Tarpit, o.PID, o.Target = "", 0, ""
			o.Command = e.Command
			o.Progress = func(f string, a ...any) { progress(e.Name+": "+f, a...) }
			log, err := os.Create(filepath.Join(logDir, fmt.Sprintf("%s-%d.log", e.Name, r+1)))
			if err != nil {
				return nil, err
			}
			o.TarpitLog = log
			progress("round %d/%d: %s: %s", r+1, rounds, e.Name, strings.Join(e.Command, " "))
			rep, err := Run(o)
			log.Close()
			c.Reports[i][r], c.Errors[i][r] = rep, err
			if err != nil {
				progress("%s: round %d failed: %v", e.Name, r+1, err)
				continue
			}
			progress("%s: %.4f CPU s per 1k clients·min, %.0f switches/s, %.1f wake-ups/s, %.0f B RSS per client",
				e.Name, rep.CPUPer1000PerMin(), rep.SwitchesPerSec(), rep.WakeupsPerSec(), rep.RSSPerConn())
		}
	}
	return c, nil
}

// spread is the median, least and greatest of some figures.
type spread struct {
	med, lo, hi float64
	n           int
}

func spreadOf(v []float64) spread {
	if len(v) == 0 {
		return spread{}
	}
	s := slices.Clone(v)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return spread{med: m, lo: s[0], hi: s[len(s)-1], n: len(s)}
}

func (s spread) String(format string) string {
	switch s.n {
	case 0:
		return "n/a"
	case 1:
		return fmt.Sprintf(format, s.med)
	}
	return fmt.Sprintf(format+" ("+format+"–"+format+")", s.med, s.lo, s.hi)
}

// figure returns one figure of entrant i over the rounds that succeeded.
func (c *Comparison) figure(i int, f func(*Report) float64) []float64 {
	var v []float64
	for _, r := range c.Reports[i] {
		if r != nil {
			v = append(v, f(r))
		}
	}
	return v
}

// ratios returns, round by round, entrant i's figure over entrant j's.
func (c *Comparison) ratios(i, j int, f func(*Report) float64) []float64 {
	var v []float64
	for r := range c.Reports[i] {
		a, b := c.Reports[i][r], c.Reports[j][r]
		if a != nil && b != nil && f(b) > 0 {
			v = append(v, f(a)/f(b))
		}
	}
	return v
}

// Healthy reports whether a run held every client, with no failure, no
// drop and no "SSH-" line.
func (r *Report) Healthy() bool {
	return r.Established == r.N && r.Held == r.N && r.Failed == 0 && r.Dropped == 0 && r.SSHLines == 0
}

// Write prints the comparison: each entrant's figures (median, and the
// least and greatest over the rounds), then each of our entrants' ratio
// to every other, taken within each round.
func (c *Comparison) Write(w io.Writer) {
	cpu := (*Report).CPUPer1000PerMin
	fmt.Fprintf(w, "%-16s %-26s %-20s %-18s %-8s %-9s %s\n", "tarpit", "CPU s/1k clients·min", "switches/s", "wake-ups/s", "RSS B/cl", "max gap", "runs ok/held/failed/dropped/SSH-")
	for i, e := range c.Entrants {
		ok, held, failed, dropped, ssh, gap := 0, 0, 0, 0, 0, time.Duration(0)
		for _, r := range c.Reports[i] {
			if r == nil {
				continue
			}
			if r.Healthy() {
				ok++
			}
			held, failed, dropped, ssh = max(held, r.Held), failed+r.Failed, dropped+r.Dropped, ssh+r.SSHLines
			gap = max(gap, r.MaxGap)
		}
		fmt.Fprintf(w, "%-16s %-26s %-20s %-18s %-8s %-9s %d of %d/%d/%d/%d/%d\n", e.Name,
			spreadOf(c.figure(i, cpu)).String("%.4f"),
			spreadOf(c.figure(i, (*Report).SwitchesPerSec)).String("%.0f"),
			spreadOf(c.figure(i, (*Report).WakeupsPerSec)).String("%.1f"),
			spreadOf(c.figure(i, (*Report).RSSPerConn)).String("%.0f"),
			fmt.Sprintf("%.2fs", gap.Seconds()),
			ok, len(c.Reports[i]), held, failed, dropped, ssh)
		for r, err := range c.Errors[i] {
			if err != nil {
				fmt.Fprintf(w, "  %s round %d failed: %v\n", e.Name, r+1, err)
			}
		}
	}
	var load []float64 // the 1-minute load average at the end of each run
	for i := range c.Entrants {
		for _, r := range c.Reports[i] {
			if r == nil {
				continue
			}
			if f := strings.Fields(r.LoadAvg); len(f) > 0 {
				if v, err := strconv.ParseFloat(f[0], 64); err == nil {
					load = append(load, v)
				}
			}
		}
	}
	fmt.Fprintf(w, "machine load average (1 min, at the end of each run): %s\n", spreadOf(load).String("%.1f"))
	for i, a := range c.Entrants {
		if !a.Ours {
			continue
		}
		for j, b := range c.Entrants {
			if j == i || b.Ours {
				continue
			}
			fmt.Fprintf(w, "%s / %s: CPU %s, switches/s %s\n", a.Name, b.Name,
				spreadOf(c.ratios(i, j, cpu)).String("%.2f"),
				spreadOf(c.ratios(i, j, (*Report).SwitchesPerSec)).String("%.2f"))
		}
	}
}
