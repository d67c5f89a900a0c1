// Package loadgen measures a tarpit under load: it holds many loopback SSH
// connections against one tarpit process and reports what holding them
// costs that process (memory, CPU, kernel memory) and what the clients saw.
//
// Every process here may open only 20,000 files, so the generator splits
// the connections over several worker processes (re-executions of the
// running binary, see MaybeWorker). Each worker binds every connection to a
// source address in 127.0.0.2-127.0.0.250 before connecting, so the number
// of connections is not bounded by one address's ephemeral ports. Each
// connection sends an SSH identification line, as real clients do, then
// reads and counts whatever the tarpit sends, watching for lines starting
// with "SSH-", which a tarpit must never send.
//
// Only the tarpit's figures are measured (from /proc): the generator's own
// cost is reported separately so that its competition for the CPU is
// visible. It is Linux-only.
package loadgen

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"
)

// workerEnv carries a worker's spec (JSON) to a re-executed worker process.
const workerEnv = "TARSSH_LOAD_WORKER"

// workerSpec is one worker's share of the connections.
type workerSpec struct {
	Target         string        // the tarpit's loopback address
	First, Count   int           // connections First..First+Count-1 of the run
	Ident          string        // sent on connect
	InFlight       int           // connects in progress at most
	ConnectTimeout time.Duration // a connect taking longer fails
	Client         string        // ClientPlain or ClientBatch
}

// workerStats is a worker's report to the coordinator.
type workerStats struct {
	Established int           // connects that succeeded
	Failed      int           // connects that failed or timed out
	Dropped     int           // established, then closed by the tarpit
	Held        int           // open now
	Pending     int           // connects in progress
	Done        bool          // every connect finished
	Bytes       uint64        // received since the last mark
	SSHLines    int           // lines starting with "SSH-" since the last mark
	Silent      int           // held connections that received nothing since the last mark
	MaxGap      time.Duration // the longest wait between two reads with data, since the last mark (plain client)
	FirstError  string        `json:",omitempty"`
	FirstDrop   string        `json:",omitempty"`
}

func (s *workerStats) add(o workerStats) {
	s.Established += o.Established
	s.Failed += o.Failed
	s.Dropped += o.Dropped
	s.Held += o.Held
	s.Pending += o.Pending
	s.Bytes += o.Bytes
	s.SSHLines += o.SSHLines
	s.Silent += o.Silent
	s.MaxGap = max(s.MaxGap, o.MaxGap)
	if s.FirstError == "" {
		s.FirstError = o.FirstError
	}
	if s.FirstDrop == "" {
		s.FirstDrop = o.FirstDrop
	}
}

// MaybeWorker runs this process as a load worker and exits, if the
// coordinator started it as one; otherwise it returns at once. Call it
// first thing in main (and in TestMain of tests that call Run).
func MaybeWorker() {
	js, ok := os.LookupEnv(workerEnv)
	if !ok {
		return
	}
	var spec workerSpec
	if err := json.Unmarshal([]byte(js), &spec); err != nil {
		fmt.Fprintln(os.Stderr, "tarssh-load worker: bad spec:", err)
		os.Exit(2)
	}
	run := runPlainWorker
	if spec.Client == ClientBatch {
		run = runWorker
	}
	if err := run(spec, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "tarssh-load worker:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// Options configure a run. One of Tarpit (a tarssh binary to start),
// Command (any tarpit's command line) or PID and Target (a tarpit already
// listening) must be set.
type Options struct {
	Tarpit     string   // tarssh binary: started on a free loopback port, stopped at the end
	TarpitArgs []string // extra arguments for it
	// Or Command: any tarpit's command line, started and stopped the same
	// way, with "{port}" in its arguments replaced by the port it must
	// listen on (on 127.0.0.1 or every address).
	Command   []string
	TarpitLog io.Writer // the started tarpit's output (nil: standard error)
	// Client is how the connections are held: ClientPlain (default) or
	// ClientBatch.
	Client string
	PID    int    // or: the pid of a running tarpit...
	Target string // ...and its loopback address

	N              int           // connections to hold
	Workers        int           // worker processes; 0: one per 5,000 connections
	InFlight       int           // connects in progress per worker
	Delay          time.Duration // the tarpit's --delay (when started here)
	Pacing         string        // the started tarpit's --pacing; "": its default
	Settle         time.Duration // wait after the last connect before measuring (default Delay + 2 s)
	Window         time.Duration // the steady-state measuring window
	ConnectTimeout time.Duration // bound on each connect
	ConnectPhase   time.Duration // bound on connecting them all
	Ident          string        // identification line each client sends
	Progress       func(format string, a ...any)
}

// Validate reports what is wrong with o, if anything, as one line naming
// the option.
func (o *Options) Validate() error {
	switch {
	case o.N < 1:
		return fmt.Errorf("connections: %d: must be at least 1", o.N)
	case b2i(o.Tarpit != "")+b2i(len(o.Command) > 0)+b2i(o.PID != 0) != 1:
		return errors.New("give one of a tarssh binary, a tarpit command, or the pid and address of a running tarpit")
	case len(o.Command) > 0 && !slices.ContainsFunc(o.Command, func(a string) bool { return strings.Contains(a, "{port}") }):
		return errors.New("tarpit command: no {port} in its arguments: it must listen on the port given")
	case o.Client != "" && o.Client != ClientPlain && o.Client != ClientBatch:
		return fmt.Errorf("client: %q: must be %s or %s", o.Client, ClientPlain, ClientBatch)
	case o.PID < 0:
		return fmt.Errorf("pid: %d: not a process id", o.PID)
	case o.Workers < 0:
		return fmt.Errorf("workers: %d: must not be negative", o.Workers)
	}
	if o.PID != 0 {
		if _, err := parseTarget(o.Target); err != nil {
			return err
		}
	}
	workers := o.Workers
	if workers == 0 {
		workers = (o.N + 4999) / 5000
	}
	if per := (o.N + workers - 1) / workers; per > 19000 {
		return fmt.Errorf("%d connections per worker: at most 19,000 fit under the 20,000-file limit", per)
	}
	return nil
}

// The ways of holding connections (Options.Client).
const (
	// ClientPlain holds each connection as an ordinary client does: a
	// goroutine blocked in a read on Go's poller, default scheduling. Each
	// burst the tarpit sends wakes the reader, on this same machine, and
	// the tarpit pays for part of that wake-up in its send: what every
	// tarpit measured on loopback pays. Comparisons use it.
	ClientPlain = "plain"
	// ClientBatch polls every connection every 10 ms from SCHED_BATCH
	// threads, which never preempt the tarpit: close to a tarpit whose
	// clients are on other machines, and so the lower bound of what
	// loopback adds.
	ClientBatch = "batch"
)

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// DefaultIdent is what each connection sends first: Debian 12's OpenSSH.
const DefaultIdent = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"

// Report is what a run measured. Memory figures are bytes; "per conn"
// figures divide by Held.
type Report struct {
	N, Workers                int
	Pacing                    string // as given to the tarpit; "" for its default
	Delay, Window             time.Duration
	ConnectTime               time.Duration // from the first connect to the last
	Established, Held, Failed int
	Dropped                   int // closed by the tarpit while held
	SSHLines                  int // lines starting with "SSH-" seen
	Silent                    int // held connections that got nothing in the window
	// MaxGap is the longest a connection waited between two reads that
	// brought data, both in the window (plain client only; 0 otherwise):
	// more than the delay means a visit came late, or a reader was slow
	// to run on a loaded machine.
	MaxGap                time.Duration
	FirstError, FirstDrop string
	TarpitFDs             int // the tarpit's open descriptors above idle

	IdleRSS, IdlePSS, RSS, PSS int64 // tarpit, before connecting and at the end
	Threads                    int   // tarpit threads at the end

	SlabDelta, SUnreclaimDelta int64 // /proc/meminfo, both ends of every connection
	TCPMemDelta                int64 // /proc/net/sockstat TCP mem, in bytes
	SocketSlabDelta            int64 // the socket caches in /proc/slabinfo (-1: unreadable)
	RxQueued, RxQueuedSockets  int64 // bytes clients sent that the tarpit has not read, at the end
	TxQueued                   int64 // bytes the tarpit wrote that are not yet acknowledged

	Client      string        // how the connections were held
	Command     string        // the tarpit's command line, when started here
	Voluntary   int64         // tarpit context switches in the window: its threads blocking (each a wake-up)
	Involuntary int64         // and its threads preempted
	CPU         time.Duration // tarpit CPU time in the window (schedstat, else user+system)
	CPUUser     time.Duration // the user part of CPU: the rest is the kernel's
	GenCPU      time.Duration // the generator's workers' time in the window
	Bytes       uint64        // received in the window
	LoadAvg     string        // /proc/loadavg at the end
}

func perConn(v int64, held int) float64 {
	if held == 0 {
		return 0
	}
	return float64(v) / float64(held)
}

// RSSPerConn is the tarpit's resident memory per held connection above idle.
func (r *Report) RSSPerConn() float64 { return perConn(r.RSS-r.IdleRSS, r.Held) }

// PSSPerConn is the same for the proportional set size.
func (r *Report) PSSPerConn() float64 { return perConn(r.PSS-r.IdlePSS, r.Held) }

// SlabPerConn is the kernel slab growth per held connection; both ends of
// each loopback connection are in it, so a tarpit socket costs about half.
func (r *Report) SlabPerConn() float64 { return perConn(r.SlabDelta, r.Held) }

// KernelPerSocket is what one socket occupies in the socket slab caches
// (TCP, inode, file, dentry): their growth over both ends of every
// connection. Unlike the Slab total it leaves out unrelated caches, which
// anything else on the machine may grow meanwhile. 0 if unknown.
func (r *Report) KernelPerSocket() float64 {
	if r.SocketSlabDelta < 0 {
		return 0
	}
	return perConn(r.SocketSlabDelta, 2*r.Held)
}

// TCPMemPerConn is TCP buffer memory accounting per held connection.
func (r *Report) TCPMemPerConn() float64 { return perConn(r.TCPMemDelta, r.Held) }

// CPUPer1000PerMin is tarpit CPU seconds per 1,000 held connections per
// minute held.
func (r *Report) CPUPer1000PerMin() float64 {
	if r.Held == 0 || r.Window <= 0 {
		return 0
	}
	return r.CPU.Seconds() / (float64(r.Held) / 1000) / r.Window.Minutes()
}

// WakeupsPerSec is how often the tarpit's threads went to sleep and were
// woken again in the window (voluntary context switches per second).
func (r *Report) WakeupsPerSec() float64 { return perSec(r.Voluntary, r.Window) }

// SwitchesPerSec is all of the tarpit's context switches per second,
// wake-ups and preemptions.
func (r *Report) SwitchesPerSec() float64 { return perSec(r.Voluntary+r.Involuntary, r.Window) }

func perSec(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// BytesPerConnPerMin is what each held connection received per minute.
func (r *Report) BytesPerConnPerMin() float64 {
	if r.Held == 0 || r.Window <= 0 {
		return 0
	}
	return float64(r.Bytes) / float64(r.Held) / r.Window.Minutes()
}

// Targets are issue 2's limits for a tarpit at --delay 10 in steady state;
// its CPU target was set with the batch client (ClientBatch).
const (
	TargetRSSPerConn = 64   // bytes of RSS per held connection above idle
	TargetCPU        = 0.06 // CPU seconds per 1000 connections per minute
)

// Format renders the report as a table, with the targets and whether they
// are met.
func (r *Report) Format() string {
	pacing := r.Pacing
	if pacing == "" {
		pacing = "default"
	}
	s := fmt.Sprintf("tarssh-load: N=%d workers=%d client=%s delay=%s pacing=%s window=%s connect=%.1fs load average=%s\n",
		r.N, r.Workers, r.Client, r.Delay, pacing, r.Window.Round(100*time.Millisecond), r.ConnectTime.Seconds(), r.LoadAvg)
	if r.Command != "" {
		s += "tarssh-load: tarpit: " + r.Command + "\n"
	}
	s += fmt.Sprintf("  %-44s %-34s %s\n", "measure", "value", "target")
	row := func(name, value, target string, ok bool) {
		if target != "" {
			if ok {
				target += "  ok"
			} else {
				target += "  MISSED"
			}
		}
		s += fmt.Sprintf("  %-44s %-34s %s\n", name, value, target)
	}
	row("established / held at end / failed", fmt.Sprintf("%d / %d / %d", r.Established, r.Held, r.Failed),
		fmt.Sprintf("%d / %d / 0", r.N, r.N), r.Established == r.N && r.Held == r.N && r.Failed == 0)
	if r.Window >= r.Delay { // every held connection must have had a line
		row("dropped by tarpit / silent in window", fmt.Sprintf("%d / %d", r.Dropped, r.Silent), "0 / 0", r.Dropped == 0 && r.Silent == 0)
	} else {
		row("dropped by tarpit", fmt.Sprint(r.Dropped), "0", r.Dropped == 0)
	}
	if r.MaxGap > 0 {
		row("longest wait between lines in window", r.MaxGap.Round(time.Millisecond).String(), "", true)
	}
	row("SSH- lines seen", fmt.Sprint(r.SSHLines), "0", r.SSHLines == 0)
	row("tarpit descriptors above idle", fmt.Sprint(r.TarpitFDs), "", true)
	row("tarpit RSS idle -> end (KiB)", fmt.Sprintf("%d -> %d", r.IdleRSS>>10, r.RSS>>10), "", true)
	row("tarpit RSS per held conn above idle (B)", fmt.Sprintf("%.1f", r.RSSPerConn()),
		fmt.Sprintf("<= %d", TargetRSSPerConn), r.RSSPerConn() <= TargetRSSPerConn)
	row("tarpit PSS per held conn above idle (B)", fmt.Sprintf("%.1f", r.PSSPerConn()), "", true)
	row("kernel slab per conn, both ends (B)", fmt.Sprintf("%.0f (unreclaimable %.0f)", r.SlabPerConn(), perConn(r.SUnreclaimDelta, r.Held)), "", true)
	row("kernel TCP buffer memory per conn (B)", fmt.Sprintf("%.1f", r.TCPMemPerConn()), "", true)
	row("client data queued unread in tarpit (B)", fmt.Sprintf("%d in %d sockets", r.RxQueued, r.RxQueuedSockets), "0", r.RxQueued == 0)
	row("tarpit data unacknowledged (B)", fmt.Sprint(r.TxQueued), "", true)
	row("kernel socket caches per socket (B)", fmt.Sprintf("%.0f (TCP, inode, file, dentry)", r.KernelPerSocket()), "", true)
	row("user + kernel per tarpit socket (B)", fmt.Sprintf("%.0f", r.RSSPerConn()+r.KernelPerSocket()+r.TCPMemPerConn()), "", true)
	cpuTarget := "" // issue 2's target was set with the batch client
	if r.Client == ClientBatch {
		cpuTarget = fmt.Sprintf("<= %.2f", TargetCPU)
	}
	row("tarpit CPU s per 1000 conns per minute", fmt.Sprintf("%.4f (%.2f s in window, %.2f user)", r.CPUPer1000PerMin(), r.CPU.Seconds(), r.CPUUser.Seconds()),
		cpuTarget, r.CPUPer1000PerMin() <= TargetCPU)
	row("tarpit context switches per s", fmt.Sprintf("%.0f (%.1f wake-ups, %.1f preemptions)", r.SwitchesPerSec(), r.WakeupsPerSec(), perSec(r.Involuntary, r.Window)), "", true)
	row("generator CPU s in window", fmt.Sprintf("%.2f", r.GenCPU.Seconds()), "", true)
	row("bytes per conn per minute", fmt.Sprintf("%.1f", r.BytesPerConnPerMin()), "", true)
	row("tarpit threads", fmt.Sprint(r.Threads), "", true)
	if r.FirstError != "" {
		row("first connect error", r.FirstError, "", true)
	}
	if r.FirstDrop != "" {
		row("first drop", r.FirstDrop, "", true)
	}
	s += "  (user + kernel = RSS + socket caches + TCP memory, per tarpit socket; the slab total holds both ends of each\n" +
		"  loopback connection, the generator's epoll entries and whatever else the machine did meanwhile)\n"
	return s
}

// parseTarget checks that a target is a loopback IPv4 address and port:
// the generator never sends load anywhere else.
func parseTarget(s string) (netip.AddrPort, error) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return ap, fmt.Errorf("target %q: %v", s, err)
	}
	if !ap.Addr().Is4() || !ap.Addr().IsLoopback() {
		return ap, errors.New("target " + s + ": only loopback IPv4 targets are allowed")
	}
	return ap, nil
}

// sourceAddr is connection i's source address, one of 127.0.0.2-127.0.0.250.
func sourceAddr(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{127, 0, 0, byte(2 + i%249)})
}
