package loadgen

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tarssh/tarssh/internal/procstat"
)

// proc is a child process the run started: a worker or the tarpit.
type proc struct {
	cmd  *exec.Cmd
	in   io.WriteCloser // a worker's commands
	out  *bufio.Scanner // a worker's reports
	done chan struct{}  // closed when it has exited
}

// start starts cmd, to be killed should this process die first.
func start(cmd *exec.Cmd, p *proc) (*proc, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p.cmd, p.done = cmd, make(chan struct{})
	go func() { cmd.Wait(); close(p.done) }()
	return p, nil
}

// stop ends the process (a worker at the end of its input, the tarpit on
// SIGTERM), killing it if it takes more than 5 s.
func (p *proc) stop() {
	if p.in != nil {
		p.in.Close()
	} else {
		p.cmd.Process.Signal(syscall.SIGTERM)
	}
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// ask sends cmd to a worker and reads its report.
func (p *proc) ask(cmd string) (workerStats, error) {
	var s workerStats
	if _, err := io.WriteString(p.in, cmd+"\n"); err != nil {
		return s, fmt.Errorf("worker %d: %v", p.cmd.Process.Pid, err)
	}
	if !p.out.Scan() {
		return s, fmt.Errorf("worker %d exited", p.cmd.Process.Pid)
	}
	return s, json.Unmarshal(p.out.Bytes(), &s)
}

// Run holds o.N connections against the tarpit and measures it.
func Run(o Options) (*Report, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	r := &Report{N: o.N, Workers: o.Workers, Delay: o.Delay, Pacing: o.Pacing, Window: o.Window, Client: o.Client}
	pid, target := o.PID, o.Target
	if o.Tarpit != "" || len(o.Command) > 0 {
		tp, addr, err := startTarpit(o)
		if err != nil {
			return nil, err
		}
		defer tp.stop()
		pid, target = tp.cmd.Process.Pid, addr.String()
		r.Command = strings.Join(tp.cmd.Args, " ")
		time.Sleep(time.Second) // let the runtime finish starting
	}
	ap, err := parseTarget(target)
	if err != nil {
		return nil, err
	}

	// Idle figures, before any client.
	if r.IdleRSS, r.IdlePSS, err = procMem(pid); err != nil {
		return nil, err
	}
	idleFDs, err := procFDs(pid)
	if err != nil {
		return nil, err
	}
	k0, err := readKernelMem()
	if err != nil {
		return nil, err
	}

	workers, err := startWorkers(o, target)
	defer func() {
		for _, w := range workers {
			w.stop()
		}
	}()
	if err != nil {
		return nil, err
	}
	// Connect them all.
	t0 := time.Now()
	deadline := t0.Add(o.ConnectPhase)
	for {
		time.Sleep(500 * time.Millisecond)
		s, err := askAll(workers, "report")
		if err != nil {
			return nil, err
		}
		o.Progress("connecting: %d established, %d failed, %d pending", s.Established, s.Failed, s.Pending)
		if s.Done {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("connect phase took over %s: %d established, %d failed", o.ConnectPhase, s.Established, s.Failed)
		}
	}
	r.ConnectTime = time.Since(t0)

	// Steady state: every client has had its first visit.
	o.Progress("settling for %s", o.Settle)
	time.Sleep(o.Settle)
	if err := measure(o, pid, workers, r); err != nil {
		return nil, err
	}
	if err := endState(pid, ap, k0, idleFDs, r); err != nil {
		return nil, err
	}
	return r, nil
}

// askAll sends cmd to every worker and sums their answers.
func askAll(workers []*proc, cmd string) (workerStats, error) {
	var sum workerStats
	sum.Done = true
	for _, w := range workers {
		s, err := w.ask(cmd)
		if err != nil {
			return sum, err
		}
		sum.add(s)
		sum.Done = sum.Done && s.Done
	}
	return sum, nil
}

// measure marks the workers' counters, measures the tarpit (pid) and the
// workers over the window, and fills r with what they did in it.
func measure(o Options, pid int, workers []*proc, r *Report) error {
	if _, err := askAll(workers, "mark"); err != nil {
		return err
	}
	s0, err := sampleTarpit(pid)
	if err != nil {
		return err
	}
	gen0 := workersCPU(workers)
	w0 := time.Now()
	o.Progress("measuring for %s", o.Window)
	time.Sleep(o.Window)
	s1, err := sampleTarpit(pid)
	if err != nil {
		return err
	}
	r.Window = time.Since(w0)
	r.Voluntary, r.Involuntary = s1.vol-s0.vol, s1.invol-s0.invol
	r.CPUUser, r.CPU = s1.user-s0.user, s1.user+s1.sys-s0.user-s0.sys
	if s0.run >= 0 && s1.run >= s0.run {
		// The scheduler's own count, in nanoseconds: /proc/PID/stat counts
		// in 10 ms ticks, too coarse for a small tarpit over a short window.
		r.CPU = s1.run - s0.run
	}
	r.GenCPU = workersCPU(workers) - gen0
	s, err := askAll(workers, "report")
	if err != nil {
		return err
	}
	r.Established, r.Held, r.Failed, r.Dropped = s.Established, s.Held, s.Failed, s.Dropped
	r.SSHLines, r.Silent, r.Bytes, r.MaxGap = s.SSHLines, s.Silent, s.Bytes, s.MaxGap
	r.FirstError, r.FirstDrop = s.FirstError, s.FirstDrop
	return nil
}

// tarpitSample is the tarpit's counters at one instant of the window.
type tarpitSample struct {
	user, sys, run time.Duration // run: the scheduler's count, negative if unread
	vol, invol     int64
}

// sampleTarpit reads the tarpit's counters now, the same way at both ends
// of the window.
func sampleTarpit(pid int) (s tarpitSample, err error) {
	if s.user, s.sys, err = procstat.CPU(pid); err != nil {
		return s, err
	}
	if s.vol, s.invol, err = procSwitches(pid); err != nil {
		return s, err
	}
	s.run = procRunTime(pid)
	return s, nil
}

// endState fills r with the tarpit's state at the end, every client still
// held, against the idle figures (k0, idleFDs) taken before any client.
func endState(pid int, ap netip.AddrPort, k0 kernelMem, idleFDs int, r *Report) error {
	var err error
	if r.RSS, r.PSS, err = procMem(pid); err != nil {
		return err
	}
	k1, err := readKernelMem()
	if err != nil {
		return err
	}
	r.SlabDelta, r.SUnreclaimDelta, r.TCPMemDelta = k1.slab-k0.slab, k1.sunreclaim-k0.sunreclaim, k1.tcpMem-k0.tcpMem
	r.SocketSlabDelta = -1
	if k0.sockCaches >= 0 && k1.sockCaches >= 0 {
		r.SocketSlabDelta = k1.sockCaches - k0.sockCaches
	}
	if r.RxQueued, r.RxQueuedSockets, r.TxQueued, err = queues(pid, ap); err != nil {
		return err
	}
	if r.Threads, err = procThreads(pid); err != nil {
		return err
	}
	fds, err := procFDs(pid)
	if err != nil {
		return err
	}
	r.TarpitFDs = fds - idleFDs
	r.LoadAvg = loadAvg()
	return nil
}

func (o *Options) defaults() error {
	if err := o.Validate(); err != nil {
		return err
	}
	if o.Workers <= 0 {
		o.Workers = (o.N + 4999) / 5000
	}
	o.Workers = min(o.Workers, o.N)
	if o.InFlight <= 0 {
		o.InFlight = 64
	}
	if o.Delay <= 0 {
		o.Delay = 10 * time.Second
	}
	if o.Settle <= 0 {
		o.Settle = o.Delay + 2*time.Second
	}
	if o.Window <= 0 {
		o.Window = time.Minute
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 30 * time.Second
	}
	if o.ConnectPhase <= 0 {
		o.ConnectPhase = 2 * time.Minute
	}
	if o.Ident == "" {
		o.Ident = DefaultIdent
	}
	if o.Client == "" {
		o.Client = ClientPlain
	}
	if o.Progress == nil {
		o.Progress = func(string, ...any) {}
	}
	return nil
}

// startTarpit starts o.Tarpit on a free loopback port and waits until it
// listens. A port taken between choosing and binding is retried.
func startTarpit(o Options) (*proc, netip.AddrPort, error) {
	var last error
	for try := 0; try < 5; try++ {
		last = nil
		addr, err := freePort()
		if err != nil {
			return nil, addr, err
		}
		var cmd *exec.Cmd
		if len(o.Command) > 0 {
			args := make([]string, len(o.Command))
			for i, a := range o.Command {
				args[i] = strings.ReplaceAll(a, "{port}", strconv.Itoa(int(addr.Port())))
			}
			cmd = exec.Command(args[0], args[1:]...)
		} else {
			args := append([]string{"-l", addr.String(), "-d", strconv.Itoa(int(o.Delay / time.Second)),
				"-c", strconv.Itoa(o.N + 64)}, o.TarpitArgs...)
			if o.Pacing != "" {
				args = append(args, "--pacing", o.Pacing)
			}
			cmd = exec.Command(o.Tarpit, args...)
		}
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if o.TarpitLog != nil {
			cmd.Stdout, cmd.Stderr = o.TarpitLog, o.TarpitLog
		}
		p, err := start(cmd, &proc{})
		if err != nil {
			return nil, addr, err
		}
		for deadline := time.Now().Add(10 * time.Second); !listening(cmd.Process.Pid, addr); {
			select {
			case <-p.done:
				last = fmt.Errorf("tarpit exited before listening: %v", cmd.ProcessState)
			case <-time.After(20 * time.Millisecond):
				if time.Now().After(deadline) {
					p.stop()
					return nil, addr, errors.New("tarpit did not listen within 10 s")
				}
				continue
			}
			break
		}
		if last == nil {
			return p, addr, nil
		}
	}
	return nil, netip.AddrPort{}, last
}

func freePort() (netip.AddrPort, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return netip.AddrPort{}, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).AddrPort(), nil
}

// startWorkers re-executes this binary as o.Workers workers sharing the
// connections.
func startWorkers(o Options, target string) ([]*proc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	var ps []*proc
	per := (o.N + o.Workers - 1) / o.Workers
	for first := 0; first < o.N; first += per {
		spec, _ := json.Marshal(workerSpec{
			Target: target, First: first, Count: min(per, o.N-first), Ident: o.Ident,
			InFlight: o.InFlight, ConnectTimeout: o.ConnectTimeout, Client: o.Client,
		})
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), workerEnv+"="+string(spec))
		cmd.Stderr = os.Stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			return ps, err
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			return ps, err
		}
		p, err := start(cmd, &proc{in: in, out: bufio.NewScanner(out)})
		if err != nil {
			return ps, err
		}
		ps = append(ps, p)
	}
	return ps, nil
}

func workersCPU(ps []*proc) time.Duration {
	var sum time.Duration
	for _, p := range ps {
		if user, sys, err := procstat.CPU(p.cmd.Process.Pid); err == nil {
			sum += user + sys
		}
	}
	return sum
}
