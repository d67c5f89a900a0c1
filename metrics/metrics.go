// Package metrics exposes tarssh's counters to Prometheus, with
// client_golang, on a small hardened HTTP server of its own.
//
// The engine is never asked for anything: its loop publishes a snapshot
// of its counters (tarpit.Stats) every PublishEvery, and a scrape reads the
// latest one. So a scrape takes no lock the engine takes and
// costs the engine no work, and every series has a fixed, small set of
// label values (family, reason, errno), whatever the clients send: no
// address, port or identification string ever becomes a label.
package metrics

import (
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/tarssh/tarssh/pacing"
	"github.com/tarssh/tarssh/sandbox"
	"github.com/tarssh/tarssh/tarpit"
)

// PublishEvery is how often the engine publishes its counters, at most:
// how stale a scrape can be.
const PublishEvery = time.Second

// Metrics is tarssh's registry: the engine's counters, the process and the
// Go runtime.
type Metrics struct {
	reg        *prometheus.Registry
	stats      atomic.Pointer[published]
	maxClients float64
	sandbox    atomic.Pointer[sandboxInfo]
}

// published is one snapshot from the engine and when it came.
type published struct {
	tarpit.Stats
	at time.Time
}

type sandboxInfo struct{ mode, landlock, seccomp, layers string }

// New returns the registry for an engine holding at most maxClients. On
// Linux it opens the /proc files the process series are read from, so it
// must be called before the sandbox forbids opening them.
func New(version string, maxClients int) (*Metrics, error) {
	m := &Metrics{reg: prometheus.NewRegistry(), maxClients: float64(maxClients)}
	proc, err := newProcessCollector()
	if err != nil {
		return nil, err
	}
	m.reg.MustRegister(proc, collectors.NewGoCollector(), &engineCollector{m: m, version: version})
	return m, nil
}

// Publish makes s what scrapes report. The engine calls it from its loop
// (tarpit.Config.Publish) every Every. A nil *Metrics does nothing.
func (m *Metrics) Publish(s tarpit.Stats) {
	if m != nil {
		m.stats.Store(&published{Stats: s, at: time.Now()})
	}
}

// Every is how often the engine must publish: PublishEvery, or 0 (never)
// for a nil *Metrics.
func (m *Metrics) Every() time.Duration {
	if m == nil {
		return 0
	}
	return PublishEvery
}

// SetSandbox records what the sandbox put in force, for the
// tarssh_sandbox_info series.
func (m *Metrics) SetSandbox(r *sandbox.Report) {
	si := &sandboxInfo{mode: r.Mode.String(), landlock: "none", seccomp: "none"}
	var names []string
	for _, l := range r.Layers {
		names = append(names, l.Name)
		switch l.Name {
		case "landlock": // "abi 7 (fs, tcp, scopes)"
			if f := strings.Fields(l.Detail); len(f) > 1 {
				si.landlock = f[1]
			}
		case "seccomp": // "kill (30 calls allowed)"
			if f := strings.Fields(l.Detail); len(f) > 0 {
				si.seccomp = f[0]
			}
		}
	}
	si.layers = strings.Join(names, ",")
	m.sandbox.Store(si)
}

// engineCollector turns the last published snapshot into metrics.
type engineCollector struct {
	m       *Metrics
	version string
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("tarssh_"+name, help, labels, nil)
}

var (
	descClients      = desc("clients", "Clients held now, by family.", "family")
	descAccepted     = desc("clients_accepted_total", "Clients accepted since start.")
	descDisconnected = desc("clients_disconnected_total",
		"Clients that went away, by family and reason (closed, reset, timeout, shutdown, error).", "family", "reason")
	descHold    = desc("client_hold_seconds", "How long clients were held, by family: completed holds only.", "family")
	descSent    = desc("sent_bytes_total", "Bytes sent to clients since start.")
	descLogs    = desc("log_records_dropped_total", "Log records dropped because the log could not keep up.")
	descAllowed = desc("clients_allowed_total",
		"Clients from --allow networks, closed at once without being held.")
	descAcceptErrors = desc("accept_errors_total", "Failed accepts, by error.", "errno")
	descLearned      = desc("learned_gaps", "Identifications with a learned, shorter gap now (adaptive pacing).")
	descLearnChanges = desc("learned_gap_changes_total", "Gaps learned or shortened since start.")
	descMaxClients   = desc("max_clients", "The --max-clients limit.")
	descLongest      = desc("longest_hold_seconds", "How long the longest-held current client has been held.")
	descPublished    = desc("engine_heartbeat_timestamp_seconds",
		"When the engine loop last published these counters (it does every second while it runs).")
	descSources = desc("sources", "Sources (addresses, or networks of --per-source-net-block-size) with a client held.")
	descRefused = desc("clients_refused_total",
		"Clients closed at once because their source already held --per-source-max-clients.")
	descBuild   = desc("build_info", "tarssh's version and the Go release it was built with.", "version", "goversion")
	descSandbox = desc("sandbox_info",
		"The sandbox in force: --sandbox mode, Landlock ABI, seccomp action on a forbidden call, and the layers applied.",
		"mode", "landlock_abi", "seccomp", "layers")
)

func (c *engineCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descClients, descAccepted, descDisconnected, descHold, descSent,
		descLogs, descAllowed, descAcceptErrors, descLearned, descLearnChanges, descMaxClients, descLongest, descPublished, descBuild, descSandbox,
		descSources, descRefused} {
		ch <- d
	}
}

func (c *engineCollector) Collect(ch chan<- prometheus.Metric) {
	p := c.m.stats.Load()
	if p == nil {
		p = &published{} // before the engine's first heartbeat: all zero
	}
	s := &p.Stats
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for f := range pacing.NumFamilies {
		fam := f.String()
		gauge(descClients, float64(s.Families[f]), fam)
		for r := range tarpit.NumReasons {
			counter(descDisconnected, s.Disconnects[f][r], fam, r.String())
		}
		h := &s.Holds[f]
		buckets := make(map[float64]uint64, tarpit.NumHoldBuckets)
		var cum uint64
		for i, le := range tarpit.HoldBuckets {
			cum += h.Counts[i]
			buckets[le] = cum
		}
		ch <- prometheus.MustNewConstHistogram(descHold, cum+h.Counts[tarpit.NumHoldBuckets], h.Sum.Seconds(), buckets, fam)
	}
	counter(descAccepted, s.Total)
	counter(descSent, s.Bytes)
	counter(descLogs, s.LogsDropped)
	counter(descAllowed, s.Allowed)
	gauge(descLearned, float64(s.Learned))
	gauge(descSources, float64(s.Sources))
	counter(descRefused, s.Refused)
	counter(descLearnChanges, s.LearnChanges)
	for k := range tarpit.NumAcceptErrors {
		counter(descAcceptErrors, s.AcceptErrors[k], k.String())
	}
	gauge(descMaxClients, c.m.maxClients)
	gauge(descLongest, s.Longest.Seconds())
	if !p.at.IsZero() {
		gauge(descPublished, float64(p.at.UnixMilli())/1e3)
	}
	gauge(descBuild, 1, c.version, runtime.Version())
	if si := c.m.sandbox.Load(); si != nil {
		gauge(descSandbox, 1, si.mode, si.landlock, si.seccomp, si.layers)
	}
}
