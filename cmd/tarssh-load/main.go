// Command tarssh-load holds many loopback SSH connections against a tarpit
// and reports what they cost it; see package loadgen. `make bench` runs it.
//
//	tarssh-load --tarpit bin/tarssh -n 19500 --delay 10 --window 60
//	tarssh-load -n 19500 -- endlessh -4 -p {port} -d 10000 -m 200000
//	tarssh-load --pid 1234 --target 127.0.0.1:2222 -n 1000
//	tarssh-load -n 19500 --rounds 2 --ours 'tarssh=bin/tarssh -l 127.0.0.1:{port}' --other 'endlessh=endlessh -4 -p {port} -d 10000'
//	tarssh-load --bare 127.0.0.1:2222 --delay 10
//
// With --ours and --other it compares tarpits: each is run --rounds times,
// interleaved, through the same client, and each of ours is reported as a
// ratio to each other one. With --bare it is no load generator but a
// tarpit that does nothing but its writes (loadgen.Bare), for comparisons
// to include.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/tarssh/tarssh/internal/loadgen"
)

func main() {
	loadgen.MaybeWorker()
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	var o loadgen.Options
	var delay, window, settle int
	var quiet bool
	fs := pflag.NewFlagSet("tarssh-load", pflag.ContinueOnError)
	fs.StringVar(&o.Tarpit, "tarpit", "", "tarssh `binary` to start on a free loopback port (and stop at the end)")
	fs.StringArrayVar(&o.TarpitArgs, "tarpit-arg", nil, "extra `argument` for the started tarpit (repeatable)")
	var logPath string
	fs.StringVar(&logPath, "log", "", "write the started tarpit's output to `file` (default: standard error)")
	fs.StringVar(&o.Client, "client", loadgen.ClientPlain, "how to hold the connections: plain (a blocking reader each, as real clients) or batch (polling, SCHED_BATCH: what loopback adds)")
	fs.IntVar(&o.PID, "pid", 0, "or: `pid` of a tarpit already running...")
	fs.StringVar(&o.Target, "target", "", "...and its loopback `address:port`")
	fs.IntVarP(&o.N, "connections", "n", 1000, "connections to hold")
	fs.IntVar(&o.Workers, "workers", 0, "worker processes (0: one per 5,000 connections)")
	fs.IntVarP(&delay, "delay", "d", 10, "the started tarpit's --delay, in `seconds`")
	fs.StringVar(&o.Pacing, "pacing", "", "the started tarpit's --pacing `MODE` (default: the tarpit's default)")
	fs.IntVar(&settle, "settle", 0, "`seconds` to wait after connecting before measuring (0: delay + 2)")
	fs.IntVar(&window, "window", 60, "steady-state measuring window in `seconds`")
	fs.BoolVarP(&quiet, "quiet", "q", false, "no progress lines")
	var ours, others []string
	var rounds int
	var logDir string
	fs.StringArrayVar(&ours, "ours", nil, "compare: one of our tarpits, as `NAME=COMMAND` with {port} (repeatable)")
	fs.StringArrayVar(&others, "other", nil, "compare: another tarpit, as `NAME=COMMAND` with {port} (repeatable)")
	fs.IntVar(&rounds, "rounds", 2, "compare: `rounds` of every tarpit, interleaved")
	fs.StringVar(&logDir, "log-dir", os.TempDir(), "compare: `directory` for the tarpits' logs")
	var bare string
	fs.StringVar(&bare, "bare", "", "instead, serve as the bare tarpit on loopback `address:port`: one byte to each client every --delay and nothing else (see make bench)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(os.Stderr, "tarssh-load:", err)
		return 64
	}
	if delay < 1 || window < 1 || settle < 0 {
		fmt.Fprintln(os.Stderr, "tarssh-load: --delay and --window must be at least 1, --settle at least 0")
		return 64
	}
	if bare != "" {
		return serveBare(bare, time.Duration(delay)*time.Second)
	}
	o.Command = fs.Args() // any tarpit's command line, after --
	if logPath != "" {
		f, err := os.Create(logPath)
		if err != nil {
			fmt.Fprintln(os.Stderr, "tarssh-load: --log:", err)
			return 64
		}
		defer f.Close()
		o.TarpitLog = f
	}
	o.Delay, o.Window, o.Settle = time.Duration(delay)*time.Second, time.Duration(window)*time.Second, time.Duration(settle)*time.Second
	if !quiet {
		o.Progress = func(format string, a ...any) {
			fmt.Fprintf(os.Stderr, "tarssh-load: "+format+"\n", a...)
		}
	}
	if len(ours)+len(others) > 0 {
		return compare(o, ours, others, rounds, logDir)
	}
	if err := o.Validate(); err != nil {
		fmt.Fprintln(os.Stderr, "tarssh-load:", err)
		return 64
	}
	r, err := loadgen.Run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tarssh-load:", err)
		return 1
	}
	fmt.Print(r.Format())
	return 0
}

// compare runs the tarpits given with --ours and --other through the same
// client, interleaved, and prints their figures and ratios.
func compare(o loadgen.Options, ours, others []string, rounds int, logDir string) int {
	var es []loadgen.Entrant
	for k, list := range [][]string{ours, others} {
		for _, s := range list {
			e, err := loadgen.ParseEntrant(s, k == 0)
			if err != nil {
				fmt.Fprintln(os.Stderr, "tarssh-load:", err)
				return 64
			}
			es = append(es, e)
		}
	}
	if rounds < 1 || o.Tarpit != "" || o.PID != 0 || len(o.Command) > 0 {
		fmt.Fprintln(os.Stderr, "tarssh-load: compare: --rounds must be at least 1, with no --tarpit, --pid or command")
		return 64
	}
	o.Command = es[0].Command // for Validate; each run sets its own
	if err := o.Validate(); err != nil {
		fmt.Fprintln(os.Stderr, "tarssh-load:", err)
		return 64
	}
	c, err := loadgen.RunComparison(o, es, rounds, logDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tarssh-load:", err)
		return 1
	}
	fmt.Printf("tarssh-load: compare: N=%d client=%s delay=%s window=%s rounds=%d\n", o.N, o.Client, o.Delay, o.Window, rounds)
	c.Write(os.Stdout)
	return 0
}

// serveBare runs loadgen.Bare on addr until SIGTERM or SIGINT.
func serveBare(addr string, delay time.Duration) int {
	runtime.GOMAXPROCS(1)
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().IsLoopback() {
		fmt.Fprintf(os.Stderr, "tarssh-load: --bare %q: want a loopback address:port\n", addr)
		return 64
	}
	ln, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(ap))
	if err != nil {
		fmt.Fprintln(os.Stderr, "tarssh-load: --bare:", err)
		return 71
	}
	fmt.Fprintln(os.Stderr, "tarssh-load: bare tarpit listening on", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := loadgen.Bare(ctx, ln, delay); err != nil {
		fmt.Fprintln(os.Stderr, "tarssh-load: --bare:", err)
		return 1
	}
	return 0
}
