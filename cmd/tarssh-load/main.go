// Command tarssh-load holds many loopback SSH connections against a tarpit
// and reports what they cost it; see package loadgen. `make bench` runs it.
//
//	tarssh-load --tarpit bin/tarssh -n 19500 --delay 10 --window 60
//	tarssh-load --pid 1234 --target 127.0.0.1:2222 -n 1000
package main

import (
	"errors"
	"fmt"
	"os"
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
	fs.IntVar(&o.PID, "pid", 0, "or: `pid` of a tarpit already running...")
	fs.StringVar(&o.Target, "target", "", "...and its loopback `address:port`")
	fs.IntVarP(&o.N, "connections", "n", 1000, "connections to hold")
	fs.IntVar(&o.Workers, "workers", 0, "worker processes (0: one per 5,000 connections)")
	fs.IntVarP(&delay, "delay", "d", 10, "the started tarpit's --delay, in `seconds`")
	fs.StringVar(&o.Pacing, "pacing", "", "the started tarpit's --pacing `MODE` (default: the tarpit's default)")
	fs.IntVar(&settle, "settle", 0, "`seconds` to wait after connecting before measuring (0: delay + 2)")
	fs.IntVar(&window, "window", 60, "steady-state measuring window in `seconds`")
	fs.BoolVarP(&quiet, "quiet", "q", false, "no progress lines")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(os.Stderr, "tarssh-load:", err)
		return 64
	}
	if fs.NArg() > 0 || delay < 1 || window < 1 || settle < 0 {
		fmt.Fprintln(os.Stderr, "tarssh-load: --delay and --window must be at least 1, --settle at least 0, and no operands")
		return 64
	}
	o.Delay, o.Window, o.Settle = time.Duration(delay)*time.Second, time.Duration(window)*time.Second, time.Duration(settle)*time.Second
	if err := o.Validate(); err != nil {
		fmt.Fprintln(os.Stderr, "tarssh-load:", err)
		return 64
	}
	if !quiet {
		o.Progress = func(format string, a ...any) {
			fmt.Fprintf(os.Stderr, "tarssh-load: "+format+"\n", a...)
		}
	}
	r, err := loadgen.Run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tarssh-load:", err)
		return 1
	}
	fmt.Print(r.Format())
	return 0
}
