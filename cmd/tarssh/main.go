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
	"runtime"
	"syscall"
	"time"

	"github.com/tarssh/tarssh/config"
	"github.com/tarssh/tarssh/logging"
	"github.com/tarssh/tarssh/metrics"
	"github.com/tarssh/tarssh/pacing"
	"github.com/tarssh/tarssh/sandbox"
	"github.com/tarssh/tarssh/systemd"
	"github.com/tarssh/tarssh/tarpit"
)

// Exit statuses, as sysexits.h names them.
const (
	exitUsage    = 64
	exitSoftware = 70
	exitOSErr    = 71
)

func main() {
	// One loop goroutine does the engine's work: a second P only adds
	// thread hand-offs and spinning (measured: about 4% more CPU under load).
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	// Signals first, before anything is written: a log reader gone at
	// start-up (tarssh 2>&1 | true) must make writes fail, not kill tarssh
	// with SIGPIPE, and no signal arriving during start-up may take Go's
	// default action.
	signal.Ignore(syscall.SIGPIPE)
	info := make(chan os.Signal, 8)
	signal.Notify(info, infoSignals...)
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGINT, syscall.SIGTERM)

	cfg, status := parse(args)
	if cfg == nil {
		return status
	}

	sink, sinkErr := logSink(cfg)
	if sink == nil {
		fmt.Fprintf(os.Stderr, "tarssh: error: --log-target journal: %v\n", sinkErr)
		return exitOSErr
	}
	log := logging.NewLogger(sink, logLevel(cfg.Verbose), 4096)
	defer log.Close()
	log.Log(logging.New(logging.Info, "init").Int("pid", int64(os.Getpid()), "").Str("version", config.Version, "").Record())
	if sinkErr != nil {
		log.Log(logging.New(logging.Error, "journal").Quote("error", sinkErr.Error(), "ERROR").Str("fallback", "console", "").Record())
	}

	listeners, metricsLn, stored, status := listen(cfg, log)
	if status != 0 {
		return status
	}
	// The notify socket is connected now, before the sandbox; READY=1 goes
	// out from the engine loop's first heartbeat, once it is serving.
	notify, err := systemd.OpenNotifier()
	if err != nil {
		log.Log(logging.New(logging.Error, "notify").Quote("error", err.Error(), "ERROR").Record())
		return exitOSErr
	}
	defer notify.Close()
	store := openStore(notify, stored, append(listeners, metricsLn), log)
	var heartbeat func(tarpit.Stats)
	if notify != nil {
		heartbeat = notify.Heartbeat
	}
	// Metrics, when asked for: the registry opens the /proc files it reads
	// and the server prepares its listener now, before the sandbox; the
	// engine publishes its counters every metrics.PublishEvery.
	var mx *metrics.Metrics
	var msrv *metrics.Server
	if metricsLn != nil {
		if mx, msrv, err = openMetrics(cfg, metricsLn); err != nil {
			log.Log(logging.New(logging.Error, "metrics").Quote("error", err.Error(), "ERROR").Record())
			return exitOSErr
		}
	}
	engine, err := tarpit.New(engineConfig(cfg, log, info, heartbeat, notify.Every(), mx, store), listeners)
	if err != nil {
		log.Log(logging.New(logging.Error, "start").Quote("error", err.Error(), "").Record())
		return exitSoftware
	}
	engine.Adopt(store.Clients)
	// Every descriptor tarssh will use is open: confine the process.
	sb, err := sandbox.Apply(sandbox.FromConfig(cfg), listeners)
	if err != nil {
		log.Log(logging.New(logging.Error, "sandbox").Quote("error", err.Error(), "ERROR").Record())
		return exitOSErr
	}
	log.Log(sb.PrivdropRecord())
	log.Log(sb.SandboxRecord())
	if msrv != nil {
		mx.SetSandbox(sb)
		go msrv.Serve()
		defer msrv.Close()
	}
	log.Log(logging.New(logging.Info, "start").Int("servers", int64(len(listeners)), "").
		Int("max_clients", int64(cfg.MaxClients), "").Setting("delay", cfg.Delay).
		Setting("timeout", cfg.Timeout).Record())
	return serve(engine, term, notify, log)
}

// engineConfig is the engine's configuration: the command line's, and
// what run opened for it.
func engineConfig(cfg *config.Config, log *logging.Logger, info <-chan os.Signal,
	heartbeat func(tarpit.Stats), every time.Duration, mx *metrics.Metrics, store *systemd.Store) tarpit.Config {
	return tarpit.Config{
		MaxClients: cfg.MaxClients,
		Timeout:    cfg.Timeout,
		Pacer:      newPacer(cfg),
		Allow:      cfg.Allow,

		PerSourceMax:   cfg.PerSourceMax,
		PerSourceBits4: cfg.NetBlock4,
		PerSourceBits6: cfg.NetBlock6,
		Log:            log,
		Signals:        info,

		Heartbeat:      heartbeat,
		HeartbeatEvery: every,
		Publish:        mx.Publish,
		PublishEvery:   mx.Every(),

		Store:         store.Add(),
		StoreCapacity: store.Capacity,
		State:         store.StateFile(),
	}
}

// parse reads the command line. It returns a nil Config, with the exit
// status, when tarssh is to exit at once: help, version, or a usage error.
func parse(args []string) (*config.Config, int) {
	cfg, err := config.Parse(args)
	switch {
	case errors.Is(err, config.ErrHelp):
		fmt.Print(config.Usage())
		return nil, 0
	case errors.Is(err, config.ErrVersion):
		fmt.Println("tarssh", config.Version)
		return nil, 0
	case err != nil:
		fmt.Fprintf(os.Stderr, "tarssh: error: %v (see tarssh --help)\n", err)
		return nil, exitUsage
	}
	return cfg, 0
}

// openStore opens the fd store: clients a previous run left, and where new
// ones go. Its errors are logged: tarssh serves without a store.
func openStore(notify *systemd.Notifier, stored []systemd.Passed, listeners []*os.File, log *logging.Logger) *systemd.Store {
	var names []string
	for _, ln := range listeners {
		if ln != nil {
			names = append(names, ln.Name())
		}
	}
	store, err := systemd.OpenStore(notify, stored, names)
	for _, r := range store.Rejected {
		log.Log(logging.New(logging.Error, "fdstore").Quote("error", r.Error(), "ERROR").Record())
	}
	if err != nil {
		log.Log(logging.New(logging.Error, "fdstore").Quote("error", err.Error(), "ERROR").Record())
	}
	return store
}

// openMetrics prepares --metrics: the registry opens the /proc files it
// reads and the server its listener now, before the sandbox; the engine
// publishes its counters on its heartbeat.
func openMetrics(cfg *config.Config, ln *os.File) (*metrics.Metrics, *metrics.Server, error) {
	mx, err := metrics.New(config.Version, cfg.MaxClients)
	if err != nil {
		return nil, nil, err
	}
	msrv, err := metrics.NewServer(mx, ln)
	return mx, msrv, err
}

// serve runs the engine until SIGINT or SIGTERM, which stop it through its
// context; one that came during start-up waits in term and stops it at
// once. READY=1 is sent by Serve's first heartbeat, so it always comes
// after the sandbox.
func serve(engine *tarpit.Engine, term <-chan os.Signal, notify *systemd.Notifier, log *logging.Logger) int {
	ctx, stop := tarpit.UntilSignal(term)
	defer stop()
	err := engine.Serve(ctx)
	notify.Stopping()
	if err != nil {
		log.Log(logging.New(logging.Error, "serve").Quote("error", err.Error(), "").Record())
		return exitSoftware
	}
	return 0
}

// logSink picks where logs go (see --log-target). It returns a nil sink
// when the journal was demanded and cannot be reached, and a console sink
// with the error when the journal was only detected and cannot be reached.
func logSink(cfg *config.Config) (logging.Sink, error) {
	console := &logging.Console{W: os.Stderr, Timestamps: cfg.LogTimestamps, Level: cfg.LogLevel, Ident: cfg.LogIdent}
	switch {
	case cfg.LogTarget == config.LogJournal:
		j, err := systemd.OpenJournal()
		if err != nil {
			return nil, err
		}
		return j, nil
	case cfg.LogTarget == config.LogAuto && systemd.StderrIsJournal():
		j, err := systemd.OpenJournal()
		if err != nil {
			return console, err
		}
		return j, nil
	}
	return console, nil
}

// listen returns the listeners to serve and the metrics listener (nil for
// none): those systemd passed (socket activation; the metrics socket is the
// one named "metrics"), or else those bound from --listen and --metrics.
// Under activation an explicit --listen or --metrics is refused (exit 64):
// systemd owns the addresses, and the hardened unit could not bind others
// anyway. An inconsistent
// activation environment is refused (exit 71) without touching any
// descriptor.
func listen(cfg *config.Config, log *logging.Logger) ([]*os.File, *os.File, []systemd.Passed, int) {
	passed, activated, err := systemd.Activation()
	if err != nil {
		log.Log(logging.New(logging.Error, "listen").Quote("error", err.Error(), "ERROR").Record())
		return nil, nil, nil, exitOSErr
	}
	if !activated {
		listeners, metricsLn, status := bind(cfg, log)
		return listeners, metricsLn, nil, status
	}
	// The metrics socket (tarssh-metrics.socket) is the listening socket
	// named "metrics"; every other listening socket is the tarpit's.
	var metricsLn *os.File
	if ms := systemd.Take(&passed, func(p systemd.Passed) bool {
		return p.Kind == systemd.Listening && p.Name == "metrics"
	}); len(ms) > 0 {
		metricsLn = ms[0].File
		log.Log(logging.New(logging.Info, "metrics").Str("addr", tarpit.LocalAddr(metricsLn), "LOCAL_ADDR").
			Str("name", ms[0].Name, "SOCKET_NAME").Record())
		for _, p := range ms[1:] {
			p.File.Close()
			log.Log(logging.New(logging.Error, "listen").Str("name", p.Name, "SOCKET_NAME").
				Quote("error", "systemd passed a second metrics socket; closed it", "ERROR").Record())
		}
	}
	// The fd store's clients and state, by name: the caller's (OpenStore).
	stored := systemd.Take(&passed, systemd.IsStored)
	served := systemd.Take(&passed, func(p systemd.Passed) bool { return p.Kind == systemd.Listening })
	// What is left is a mistake in the socket unit: closed (it was passed
	// to tarssh, so it is tarssh's) and reported as an error, which the
	// default verbosity shows.
	for _, p := range passed {
		p.File.Close()
		log.Log(logging.New(logging.Error, "listen").Str("name", p.Name, "SOCKET_NAME").
			Quote("error", "systemd passed a "+p.Kind.String()+" where a listening socket belongs; closed it", "ERROR").Record())
	}
	var listeners []*os.File
	for _, p := range served {
		listeners = append(listeners, p.File)
	}
	fail := func(status int, msg string) ([]*os.File, *os.File, []systemd.Passed, int) {
		// Only our copies: systemd keeps the stored ones for the next start.
		for _, p := range stored {
			p.File.Close()
		}
		for _, ln := range append(listeners, metricsLn) {
			if ln != nil {
				ln.Close()
			}
		}
		log.Log(logging.New(logging.Error, "listen").Quote("error", msg, "ERROR").Record())
		return nil, nil, nil, status
	}
	switch {
	case cfg.ListenGiven:
		return fail(exitUsage, "-l/--listen cannot be used with socket activation: "+
			"systemd passed the listening sockets (set ListenStream= in tarssh.socket instead)")
	case cfg.MetricsGiven:
		return fail(exitUsage, "--metrics cannot be used with socket activation: "+
			"enable tarssh-metrics.socket instead")
	case len(listeners) == 0:
		return fail(exitOSErr, "systemd passed no listening stream socket")
	}
	for _, p := range served {
		log.Log(logging.New(logging.Info, "listen").Str("addr", tarpit.LocalAddr(p.File), "LOCAL_ADDR").
			Str("name", p.Name, "SOCKET_NAME").Record())
	}
	return listeners, metricsLn, stored, 0
}

// bind binds the tarpit's addresses (-l) and the metrics address
// (--metrics) all or none, when systemd passed no sockets.
func bind(cfg *config.Config, log *logging.Logger) ([]*os.File, *os.File, int) {
	addrs := cfg.Listen
	if cfg.MetricsGiven {
		addrs = append(addrs[:len(addrs):len(addrs)], cfg.Metrics)
	}
	listeners, lerr := tarpit.Listen(addrs)
	if lerr != nil {
		log.Log(logging.New(logging.Error, "listen").Str("addr", lerr.Addr.String(), "LOCAL_ADDR").
			Str("error", tarpit.ErrorText(lerr.Err), "ERROR").Record())
		return nil, nil, exitOSErr
	}
	var metricsLn *os.File
	if cfg.MetricsGiven {
		metricsLn, listeners = listeners[len(listeners)-1], listeners[:len(listeners)-1]
	}
	for _, ln := range listeners {
		log.Log(logging.New(logging.Info, "listen").Str("addr", tarpit.LocalAddr(ln), "LOCAL_ADDR").Record())
	}
	if metricsLn != nil {
		log.Log(logging.New(logging.Info, "metrics").Str("addr", tarpit.LocalAddr(metricsLn), "LOCAL_ADDR").Record())
	}
	return listeners, metricsLn, 0
}

// newPacer returns the pacer --pacing names.
func newPacer(cfg *config.Config) pacing.Pacer {
	seed := uint64(time.Now().UnixNano())
	if cfg.Pacing == config.PacingClassic {
		return pacing.NewClassic(cfg.Delay, seed)
	}
	return pacing.NewAdaptive(cfg.Delay, seed)
}

// logLevel maps the -v count to the most verbose level shown: errors and
// warnings by default (a missing sandbox layer or an accept error burst is
// something the operator of a hardened service must see), then info, debug
// and trace.
func logLevel(v int) logging.Level {
	return min(logging.Warn+logging.Level(v), logging.Trace)
}
