// Command tarssh is an SSH tarpit: it holds SSH clients on an endless
// pre-banner stream so that scanners waste their time on it.
//
// This file only wires the packages together; see config for the command
// line, tarpit for the engine and pacing for what clients are sent.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/tarssh/tarssh/config"
	"github.com/tarssh/tarssh/logging"
	"github.com/tarssh/tarssh/pacing"
	"github.com/tarssh/tarssh/sandbox"
	"github.com/tarssh/tarssh/tarpit"
)

// Exit statuses, as sysexits.h names them.
const (
	exitUsage    = 64
	exitSoftware = 70
	exitOSErr    = 71
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	cfg, err := config.Parse(args)
	switch {
	case errors.Is(err, config.ErrHelp):
		fmt.Print(config.Usage())
		return 0
	case errors.Is(err, config.ErrVersion):
		fmt.Println("tarssh", config.Version)
		return 0
	case err != nil:
		fmt.Fprintf(os.Stderr, "tarssh: error: %v\nTry 'tarssh --help' for more information.\n", err)
		return exitUsage
	}

	log := logging.NewLogger(&logging.Console{
		W: os.Stderr, Timestamps: cfg.LogTimestamps, Level: cfg.LogLevel, Ident: cfg.LogIdent,
	}, logLevel(cfg.Verbose), 4096)
	defer log.Close()
	log.Log(logging.New(logging.Info, "init").Int("pid", int64(os.Getpid()), "").Str("version", config.Version, "").Record())

	// Signals first, so that none arriving during start-up takes Go's
	// default action.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, infoSignals...)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	signal.Ignore(syscall.SIGPIPE)

	listeners, lerr := tarpit.Listen(cfg.Listen)
	if lerr != nil {
		log.Log(logging.New(logging.Error, "listen").Str("addr", lerr.Addr.String(), "LOCAL_ADDR").
			Str("error", lerr.Err, "ERROR").Record())
		return exitOSErr
	}
	for _, ln := range listeners {
		log.Log(logging.New(logging.Info, "listen").Str("addr", tarpit.LocalAddr(ln), "LOCAL_ADDR").Record())
	}
	engine, err := tarpit.New(tarpit.Config{
		MaxClients: cfg.MaxClients,
		Timeout:    cfg.Timeout,
		Pacer:      pacing.NewClassic(cfg.Delay, uint64(os.Getpid())),
		Log:        log,
		Signals:    sigs,
	}, listeners)
	if err != nil {
		log.Log(logging.New(logging.Error, "start").Quote("error", err.Error(), "").Record())
		return exitSoftware
	}
	// Every descriptor tarssh will use is open: confine the process.
	sb, err := sandbox.Apply(sandbox.FromConfig(cfg), listeners)
	if err != nil {
		log.Log(logging.New(logging.Error, "sandbox").Quote("error", err.Error(), "ERROR").Record())
		return exitOSErr
	}
	log.Log(sb.PrivdropRecord())
	log.Log(sb.SandboxRecord())
	log.Log(logging.New(logging.Info, "start").Int("servers", int64(len(listeners)), "").
		Int("max_clients", int64(cfg.MaxClients), "").Setting("delay", cfg.Delay).
		Setting("timeout", cfg.Timeout).Record())
	if err := engine.Serve(); err != nil {
		log.Log(logging.New(logging.Error, "serve").Quote("error", err.Error(), "").Record())
		return exitSoftware
	}
	return 0
}

// logLevel maps the -v count to the most verbose level shown: errors only
// by default (as tarssh documents; 0.7.0 itself showed nothing at all),
// then info, debug and trace.
func logLevel(v int) logging.Level {
	if v == 0 {
		return logging.Error
	}
	return min(logging.Warn+logging.Level(v), logging.Trace)
}
