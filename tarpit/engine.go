// Package tarpit is the tarssh engine: it accepts SSH connections and holds
// them, sending the endless pre-banner lines RFC 4253 §4.2 allows.
//
// One goroutine serves every client. Each client is a 48-byte record in a
// slab, scheduled on a timing wheel; on its turn the engine reads and drops
// whatever the client sent (keeping its first line, the SSH identification)
// and makes one blind non-blocking write of what the pacer chose. A write
// that would block is simply tried again on the next turn; the kernel drops
// a client whose data stays unacknowledged for the write timeout
// (TCP_USER_TIMEOUT), which costs the engine neither memory nor work. One
// goroutine per listener accepts connections while a client slot is free,
// so at the limit new clients wait in the kernel's backlog.
package tarpit

import (
	"context"
	"errors"
	"io"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/logging"
	"github.com/tarssh/tarssh/pacing"
)

// tick is the engine's clock resolution: visits due within one tick are
// made together.
const tick = 10 * time.Millisecond

// ahead is how far before its due time the engine may visit a client. On
// waking, the engine visits every client due within ahead, so under load it
// wakes about twice a second, whatever the number of clients, and writes in
// bursts: each wake-up costs the Go runtime (timer, scheduler, poller,
// sysmon) and each burst wakes the reading side anew. Clients are only ever
// visited early, never late: the adaptive pacer keeps gaps just under
// clients' read timers. A client visited early is rescheduled from that
// visit, so under steady load the clients gather on the wake-up ticks and
// are then visited on time. When nothing else is due the engine wakes at a
// client's due tick, so at low load visits keep the tick's precision. 500 ms
// rather than 250 ms leaves the engine preempted less often by the clients
// it wakes (at 19,500 clients, 20-140 context switches a second rather than
// about 200; the Rust tarssh's 100-200), for the same CPU (README,
// Benchmarks); 1 s visits early enough to hold some clients the learner
// must see leave.
const (
	ahead      = 500 * time.Millisecond
	aheadTicks = uint32(ahead / tick)
)

// identWindow is how long a client has to send its identification before it
// counts as silent.
const identWindow = 5 * time.Second

// readChunk bounds what is read and dropped per visit, so a flooding client
// costs a bounded amount of work.
const readChunk = 4096

// Config is what the engine needs to run.
type Config struct {
	MaxClients int           // best-effort limit on held clients
	Timeout    time.Duration // socket write timeout
	Pacer      pacing.Pacer
	Log        *logging.Logger
	// Signals asks for the info line: each signal received (the caller
	// chooses which, e.g. HUP and INFO) logs one, naming it. Shutdown is
	// the context Serve takes; the caller owns the signal policy.
	Signals <-chan os.Signal
	// Allow lists networks whose clients are closed at once, never held:
	// the operator's own scanners. It is checked in turn for every client,
	// so it must stay short (config.MaxAllow).
	Allow []netip.Prefix
	// PerSourceMax caps the clients one source may hold (0: no cap); a
	// connection beyond it is closed at once. A source is an IPv4 address
	// masked to PerSourceBits4 bits (0: 32) or an IPv6 address masked to
	// PerSourceBits6 bits (0: 64). See sources.go.
	PerSourceMax                   int
	PerSourceBits4, PerSourceBits6 int

	// Heartbeat, if set, is called from the engine loop every
	// HeartbeatEvery, so a wedged loop stops the beats (sd_notify watchdog).
	Heartbeat      func(Stats)
	HeartbeatEvery time.Duration

	// Publish, if set, is called from the engine loop every PublishEvery
	// with the counters (metrics), on a ticker of its own so that the
	// heartbeat's work (the fd store's save) keeps its own pace.
	Publish      func(Stats)
	PublishEvery time.Duration

	// Store, if set, hands client sockets to a store that keeps them
	// across restarts (systemd's fd store), reporting how many of fds it
	// took; StoreCapacity bounds how many it may hold (0: MaxClients).
	// State, if set, is where the clients' state is saved on every
	// heartbeat and at shutdown, and read by Adopt. See adopt.go.
	Store         func(fds []int) (int, error)
	StoreCapacity int
	State         StateFile
}

// Stats is a snapshot of the engine's counters.
type Stats struct {
	Uptime       time.Duration
	Clients      int
	Total        uint64        // clients trapped since start (not the Allowed)
	Bytes        uint64        // bytes sent since start
	Longest      time.Duration // the longest current hold
	LogsDropped  uint64
	Families     [pacing.NumFamilies]int // current clients by family
	Allowed      uint64                  // clients from Config.Allow, closed at once
	Learned      int                     // identifications with a learned gap (adaptive pacing)
	LearnChanges uint64                  // gaps learned or shortened since start
	Sources      int                     // sources (Config.PerSourceMax) with a client held
	Refused      uint64                  // clients closed at once: their source held PerSourceMax

	// How holds ended, by family and reason, and how long they lasted
	// (outcome.go), for metrics.
	Disconnects  [pacing.NumFamilies][NumReasons]uint64
	Holds        [pacing.NumFamilies]Holds
	AcceptErrors [NumAcceptErrors]uint64
}

// FamilyCounts renders the current clients by family, busiest first
// ("openssh=2 go=1"), leaving out families with none.
func (s *Stats) FamilyCounts() string {
	var order [pacing.NumFamilies]pacing.Family
	for i := range order {
		order[i] = pacing.Family(i)
	}
	// Insertion sort: eight entries, and stable, so ties keep family order.
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && s.Families[order[j]] > s.Families[order[j-1]]; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	var b []byte
	for _, f := range order {
		if n := s.Families[f]; n > 0 {
			if b != nil {
				b = append(b, ' ')
			}
			b = append(b, f.String()...)
			b = append(b, '=')
			b = strconv.AppendInt(b, int64(n), 10)
		}
	}
	return string(b)
}

// accepted is a connection handed from an accept goroutine to the engine.
type accepted struct {
	fd   int
	addr [16]byte
	port uint16
	lis  uint8
	unix bool
}

// ioOps are the engine's system calls, replaceable for the synthetic
// benchmark and tests that run the scheduler without sockets.
type ioOps struct {
	read  func(fd int, p []byte) (int, error)
	write func(fd int, p []byte) (int, error)
	close func(fd int) error
	// departed returns how long after our last byte a client that closed
	// the connection sent its FIN; false where that is not known. nil:
	// never known (no learning).
	departed func(fd int) (time.Duration, bool)
}

var sysOps = ioOps{read: rawRead, write: rawWrite, close: unix.Close, departed: departed}

// Engine holds the clients. Create it with New and run it with Serve.
type Engine struct {
	cfg     Config
	ops     ioOps
	clients []client
	free    uint32 // head of the free-slot list
	wheel   wheel
	idents  *interner
	learn   *learner // nil: the pacer does not learn
	stats   Stats
	clock   func() time.Duration // time since the engine started; tests stop it
	pid     int
	rbuf    [readChunk]byte
	wbuf    [pacing.MaxChunk]byte
	lns     []*os.File
	lnAddrs []netip.AddrPort
	keep    *keeper // the fd store; nil without one
	src     sources

	acceptErrs [NumAcceptErrors]atomic.Uint64 // counted by the accept goroutines

	incoming chan accepted
	slots    chan struct{} // a token per held client: accept waits when full
	stop     chan struct{}
}

// New returns an engine for cfg that will serve the listeners: non-blocking
// listening sockets, as Listen and FromFile return. It makes every system
// call the listeners need (socket options, addresses) now, so that Serve
// can run under a sandbox that forbids them.
func New(cfg Config, listeners []*os.File) (*Engine, error) {
	if cfg.MaxClients < 1 {
		return nil, errors.New("tarpit: MaxClients must be at least 1")
	}
	if cfg.Pacer == nil {
		return nil, errors.New("tarpit: no Pacer")
	}
	if len(listeners) > 255 {
		return nil, errors.New("tarpit: at most 255 listeners")
	}
	e := &Engine{
		cfg:      cfg,
		ops:      sysOps,
		idents:   newInterner(),
		learn:    newLearner(cfg.Pacer),
		pid:      os.Getpid(),
		free:     nilIdx,
		incoming: make(chan accepted, 256),
		slots:    make(chan struct{}, cfg.MaxClients),
		stop:     make(chan struct{}),
	}
	start := time.Now()
	e.clock = func() time.Duration { return time.Since(start) }
	// The slab is reserved, not touched: the kernel backs its pages only as
	// clients arrive, so a large limit costs nothing until it is used.
	e.clients = make([]client, 0, cfg.MaxClients)
	e.keep = newKeeper(&cfg)
	e.src = newSources(cfg.PerSourceMax, cfg.PerSourceBits4, cfg.PerSourceBits6)
	e.wheel.init(e.now())
	for _, ln := range listeners {
		rc, err := ln.SyscallConn()
		if err != nil {
			return nil, err
		}
		tuneListener(rc, cfg.Timeout)
		e.lns = append(e.lns, ln)
		e.lnAddrs = append(e.lnAddrs, localAddrPort(ln))
	}
	return e, nil
}

// now is the current tick.
func (e *Engine) now() uint32 { return uint32(e.clock() / tick) }

// ticks rounds d up to whole ticks, at least one.
func ticks(d time.Duration) uint32 {
	t := (d + tick - 1) / tick
	if t < 1 {
		return 1
	}
	if t > 1<<30 {
		return 1 << 30
	}
	return uint32(t)
}

// untilTick is the time until tick t begins. It works on the difference of
// ticks, as the wheel does, so that it stays right when the uint32 tick
// counter wraps after 497 days.
func (e *Engine) untilTick(t uint32) time.Duration {
	el := e.clock()
	return time.Duration(int32(t-uint32(el/tick)))*tick - el%tick
}

func (e *Engine) since(t uint32) time.Duration { return time.Duration(e.now()-t) * tick }

// snapshot returns the current counters. It must be called from the engine
// loop (Heartbeat does): it reads the engine's state unlocked, so it is
// not exported.
func (e *Engine) snapshot() Stats {
	s := e.stats
	s.Uptime = e.clock()
	s.LogsDropped = e.cfg.Log.Dropped()
	s.Sources = len(e.src.held)
	if e.learn != nil {
		s.Learned, s.LearnChanges = e.learn.gaps, e.learn.changes
	}
	e.snapshotCounters(&s)
	now := e.now()
	var oldest uint32
	for i := range e.clients {
		c := &e.clients[i]
		if c.fd >= 0 && now-c.born > oldest {
			oldest = now - c.born
		}
	}
	s.Longest = time.Duration(oldest) * tick
	return s
}

// Serve holds clients until ctx is done, then logs the shutdown line
// (naming the signal if ctx was cancelled with a SignalCause), saves the
// clients' state for the fd store, closes every client and the listeners,
// and waits for its accept goroutines to finish, so that nothing it
// started logs or accepts after it returns. It returns nil.
func (e *Engine) Serve(ctx context.Context) error {
	rcs := make([]syscall.RawConn, len(e.lns))
	for i, ln := range e.lns {
		rc, err := ln.SyscallConn()
		if err != nil {
			return err
		}
		rcs[i] = rc
	}
	var accepting sync.WaitGroup
	for i, rc := range rcs {
		accepting.Go(func() { e.acceptLoop(rc, uint8(i)) })
	}
	defer func() {
		close(e.stop)
		for _, ln := range e.lns {
			ln.Close()
		}
		accepting.Wait()
		// Accepted, never taken in: nobody else will close them.
		for len(e.incoming) > 0 {
			e.ops.close((<-e.incoming).fd)
		}
	}()
	return e.loop(ctx)
}

// SignalCause is the cause to cancel Serve's context with when a signal
// stops tarssh, so that the shutdown line names it.
type SignalCause struct{ Signal os.Signal }

func (c SignalCause) Error() string { return "signal " + signalName(c.Signal) }

// UntilSignal returns a context that the first signal from sigs cancels
// with its SignalCause. The caller owns which signals reach sigs; stop
// ends the wait (and the context) when serving ends for another reason.
func UntilSignal(sigs <-chan os.Signal) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() {
		select {
		case sig := <-sigs:
			cancel(SignalCause{Signal: sig})
		case <-ctx.Done():
		}
	}()
	return ctx, func() { cancel(nil) }
}

func (e *Engine) loop(ctx context.Context) error {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	beat, stopBeat := e.every(e.cfg.HeartbeatEvery, e.cfg.Heartbeat)
	defer stopBeat()
	pub, stopPub := e.every(e.cfg.PublishEvery, e.cfg.Publish)
	defer stopPub()
	for {
		if next, ok := e.serve(e.now()); ok {
			timer.Reset(e.untilTick(next))
		} else {
			timer.Stop()
		}
		select {
		case <-timer.C:
		case a := <-e.incoming:
			now := e.now()
			e.add(a, now)
			// Take a burst of arrivals in one turn of the loop. Only this
			// goroutine receives, so a non-empty queue cannot block.
			for n := 0; n < 64 && len(e.incoming) > 0; n++ {
				e.add(<-e.incoming, now)
			}
			e.flushStore()
		case <-beat:
			e.persist()
			e.cfg.Heartbeat(e.snapshot())
		case <-pub:
			e.cfg.Publish(e.snapshot())
		case sig := <-e.cfg.Signals:
			e.info(sig)
		case <-ctx.Done():
			e.shutdown(context.Cause(ctx))
			return nil
		}
	}
}

// every calls f with a snapshot now and returns a channel that ticks every
// d after, with its stop; with no f or no d, a channel that never ticks.
func (e *Engine) every(d time.Duration, f func(Stats)) (<-chan time.Time, func()) {
	if f == nil || d <= 0 {
		return nil, func() {}
	}
	t := time.NewTicker(d)
	f(e.snapshot())
	return t.C, t.Stop
}

// shutdown logs the shutdown line for cause and closes every client.
func (e *Engine) shutdown(cause error) {
	s := e.snapshot()
	b := logging.New(logging.Info, "shutdown").Int("pid", int64(e.pid), "")
	if sc, ok := cause.(SignalCause); ok {
		b.Str("signal", signalName(sc.Signal), "")
	} else if cause != nil {
		b.Quote("reason", cause.Error(), "")
	}
	e.cfg.Log.Log(b.Dur("uptime", s.Uptime, "").Int("clients", int64(s.Clients), "CLIENTS").
		Uint("total", s.Total, "TOTAL").Uint("bytes", s.Bytes, "BYTES").Record())
	e.persist() // the store keeps the clients: the next process resumes them
	e.closeAll()
}

// info logs the info line, asked for by sig.
func (e *Engine) info(sig os.Signal) {
	name := signalName(sig)
	s := e.snapshot()
	b := logging.New(logging.Info, "info").
		Int("pid", int64(e.pid), "").Str("signal", name, "").
		Dur("uptime", s.Uptime, "").Int("clients", int64(s.Clients), "CLIENTS").
		Uint("total", s.Total, "TOTAL").Uint("bytes", s.Bytes, "BYTES")
	if f := s.FamilyCounts(); f != "" {
		b.Str("families", f, "FAMILIES")
	}
	if s.Allowed > 0 {
		b.Uint("allowed", s.Allowed, "ALLOWED")
	}
	if s.Learned > 0 {
		b.Int("learned", int64(s.Learned), "LEARNED")
	}
	if s.LogsDropped > 0 {
		b.Uint("log_dropped", s.LogsDropped, "LOG_DROPPED")
	}
	if s.Refused > 0 {
		b.Int("sources", int64(s.Sources), "SOURCES").Uint("per_source_refused", s.Refused, "PER_SOURCE_REFUSED")
	}
	e.cfg.Log.Log(b.Record())
}

// newRecord takes a record from the free list, or grows the slab when the
// list is empty; the caller fills it in.
func (e *Engine) newRecord() uint32 {
	if i := e.free; i != nilIdx {
		e.free = e.clients[i].next
		return i
	}
	e.clients = append(e.clients, client{})
	return uint32(len(e.clients) - 1)
}

// add takes a connection accepted at tick now into the slab and the
// schedule, or closes it at once if it comes from an allowed network or
// its source holds its share (Config.PerSourceMax).
func (e *Engine) add(a accepted, now uint32) {
	if e.allowed(&a) {
		e.ops.close(a.fd)
		e.stats.Allowed++
		<-e.slots
		if e.cfg.Log.Enabled(logging.Info) {
			ap := netip.AddrPortFrom(netip.AddrFrom16(a.addr).Unmap(), a.port)
			e.cfg.Log.Log(logging.New(logging.Info, "allow").
				Peer("peer", ap, "PEER").Uint("allowed", e.stats.Allowed, "ALLOWED").Record())
		}
		return
	}
	if src, ok := e.src.sourceOf(&a.addr, a.unix); ok && !e.src.admit(src) {
		e.refuse(&a, src)
		return
	}
	i := e.newRecord()
	e.clients[i] = client{fd: int32(a.fd), born: now, addr: a.addr, port: a.port, lis: a.lis}
	c := &e.clients[i]
	if a.unix {
		c.flags |= flagUnix
	}
	e.stats.Clients++
	e.stats.Total++
	e.stats.Families[c.pace.Family]++
	if e.cfg.Log.Enabled(logging.Info) {
		e.cfg.Log.Log(logging.New(logging.Info, "connect").
			Peer("peer", c.peer(), "PEER").Int("clients", int64(e.stats.Clients), "CLIENTS").
			Field("LOCAL_ADDR", logging.FormatAddr(e.local(c))).Record())
	}
	e.wheel.push(e.clients, i, now+ticks(e.cfg.Pacer.First()))
	e.keep.accepted(i)
}

// refuse closes a, whose source src holds Config.PerSourceMax clients.
func (e *Engine) refuse(a *accepted, src source) {
	e.ops.close(a.fd)
	e.stats.Refused++
	<-e.slots
	if e.cfg.Log.Enabled(logging.Info) {
		ap := netip.AddrPortFrom(netip.AddrFrom16(a.addr).Unmap(), a.port)
		e.cfg.Log.Log(logging.New(logging.Info, "refuse").Peer("peer", ap, "PEER").
			Int("source_clients", int64(e.src.held[src]), "SOURCE_CLIENTS").
			Uint("per_source_refused", e.stats.Refused, "PER_SOURCE_REFUSED").Record())
	}
}

// allowed reports whether a comes from a network in Config.Allow.
func (e *Engine) allowed(a *accepted) bool {
	if len(e.cfg.Allow) == 0 || a.unix {
		return false
	}
	ip := netip.AddrFrom16(a.addr).Unmap()
	for _, p := range e.cfg.Allow {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// serve makes the visits a wake-up at tick now owes: if a client is due,
// it visits every client due within ahead. It returns the tick to wake at
// next (ok is false when no client is held).
func (e *Engine) serve(now uint32) (next uint32, ok bool) {
	if e.wheel.dueBy(now) {
		e.runUntil(now, now+aheadTicks)
	}
	return e.wheel.nextUsed()
}

// runDue visits every client due at or before now.
func (e *Engine) runDue(now uint32) { e.runUntil(now, now) }

// runUntil visits, at tick now, every client due at or before tick until
// (now or later), in order of due time, except a client still in its
// identification window, which waits for its own tick. A client whose next
// visit falls within until again is held aside until the pass ends
// (wheel.hold), so it is not visited twice in one pass: it waits in the
// wheel for its own tick.
func (e *Engine) runUntil(now, until uint32) {
	e.wheel.hold(until)
	for {
		t, ok := e.wheel.nextUsed()
		if !ok || after(t, until) {
			break
		}
		e.wheel.cursor = t + 1
		for i := e.wheel.take(t); i != nilIdx; {
			next := e.clients[i].next
			e.wheel.n--
			c := &e.clients[i]
			switch {
			case after(c.due, t):
				e.wheel.place(e.clients, i, c.due) // parked beyond the horizon
			case after(t, now) && identifying(c, t):
				// Polled for its identification: on time, as its early
				// byte and its window are counted in polls and ticks.
				e.wheel.push(e.clients, i, t)
			default:
				e.visit(i, now)
			}
			i = next
		}
	}
	// The slots up to until are empty now; the cursor goes back to the
	// present so that the held clients go to their own ticks.
	e.wheel.cursor = now + 1
	e.wheel.release(e.clients)
}

// visit reads and drops what client i sent, then writes its next bytes.
func (e *Engine) visit(i uint32, now uint32) {
	c := &e.clients[i]
	switch {
	case c.flags&flagEOF != 0:
	case c.flags&quietMask != 0:
		c.flags -= 1 << quietShift
	default:
		n, err := e.ops.read(int(c.fd), e.rbuf[:])
		switch {
		case n > 0:
			if c.ident == identPending {
				e.identify(c, sanitize(e.rbuf[:n]))
				// A client that sent its identification and closed is
				// dropped now, not a gap later: one more read, once.
				if n < len(e.rbuf) {
					if m, err := e.ops.read(int(c.fd), e.rbuf[:]); m == 0 && err == nil {
						e.left(c)
						e.drop(i, errClosed)
						return
					}
				}
			}
		case err == nil: // EOF: shut before our version string, so gone
			e.left(c)
			e.drop(i, errClosed)
			return
		case err == unix.EAGAIN:
			if c.ident != identPending {
				c.flags |= (readEvery - 1) << quietShift
			}
		case err != unix.EINTR:
			e.drop(i, err)
			return
		}
	}
	if c.ident == identPending && !identifying(c, now) {
		e.identify(c, nil) // none came in its window: silent
	}
	n, wait := e.cfg.Pacer.Next(&c.pace, e.wbuf[:])
	if e.learn != nil && c.ident != identPending {
		wait = e.learnedWait(c, wait)
	}
	if n > 0 {
		w, err := e.ops.write(int(c.fd), e.wbuf[:n])
		if w > 0 {
			e.cfg.Pacer.Wrote(&c.pace, e.wbuf[:w])
			wrote(c)
			if c.sent+uint32(w) > c.sent {
				c.sent += uint32(w)
			}
			e.stats.Bytes += uint64(w)
		}
		if err != nil && err != unix.EAGAIN && err != unix.EINTR {
			e.drop(i, err)
			return
		}
	}
	e.wheel.push(e.clients, i, now+ticks(wait))
}

// identifying reports whether client c is still, at tick t, in its window
// to send its identification.
func identifying(c *client, t uint32) bool {
	return c.ident == identPending && time.Duration(t-c.born)*tick < identWindow
}

// identify settles client c's identification (nil: none came in time).
func (e *Engine) identify(c *client, ident []byte) {
	e.stats.Families[c.pace.Family]--
	if ident == nil {
		c.ident = identNone
	} else {
		c.ident = e.idents.intern(ident)
	}
	e.cfg.Pacer.Identify(&c.pace, ident)
	e.stats.Families[c.pace.Family]++
	e.identified(c)
}

// drop closes client i after err and frees its slot.
func (e *Engine) drop(i uint32, err error) {
	c := &e.clients[i]
	if err == unix.EPIPE || err == unix.ECONNRESET { // the client closed
		e.left(c)
	}
	e.unstore(c)
	if src, ok := e.src.sourceOf(&c.addr, c.flags&flagUnix != 0); ok {
		e.src.release(src)
	}
	e.ops.close(int(c.fd))
	e.stats.Clients--
	e.stats.Families[c.pace.Family]--
	e.stats.ended(c.pace.Family, reasonOf(err), e.since(c.born))
	if e.cfg.Log.Enabled(logging.Info) {
		b := logging.New(logging.Info, "disconnect").
			Peer("peer", c.peer(), "PEER").
			Dur("duration", e.since(c.born), "DURATION_S").
			Uint("bytes", uint64(c.sent), "BYTES").
			Quote("error", ErrorText(err), "ERROR").
			Int("clients", int64(e.stats.Clients), "CLIENTS")
		if c.ident != identPending {
			b.Quote("ident", e.idents.lookup(c.ident), "CLIENT_IDENT")
		}
		// The family tells a silent client from one that sent an empty line.
		b.Field("CLIENT_FAMILY", c.pace.Family.String())
		e.cfg.Log.Log(b.Field("LOCAL_ADDR", logging.FormatAddr(e.local(c))).Record())
	}
	e.idents.release(c.ident)
	*c = client{fd: -1, next: e.free}
	e.free = i
	<-e.slots
}

// errClosed is why a client whose read found EOF is dropped: it shut its
// sending side before our version string came, so it is not worth a slot.
// Its text is capitalised as ErrorText renders system errors.
var errClosed error = closedError{}

type closedError struct{}

func (closedError) Error() string { return "Connection closed by the client (EOF)" }

// Unwrap makes it io.EOF to errors.Is: the client closed.
func (closedError) Unwrap() error { return io.EOF }

// closeAll closes every client at shutdown.
func (e *Engine) closeAll() {
	for i := range e.clients {
		if c := &e.clients[i]; c.fd >= 0 {
			e.ops.close(int(c.fd))
			e.stats.ended(c.pace.Family, ReasonShutdown, e.since(c.born))
			c.fd = -1
		}
	}
}

func (e *Engine) local(c *client) netip.AddrPort {
	if int(c.lis) < len(e.lnAddrs) {
		return e.lnAddrs[c.lis]
	}
	return netip.AddrPort{}
}

func signalName(sig os.Signal) string {
	if s, ok := sig.(syscall.Signal); ok {
		if name := unix.SignalName(s); name != "" {
			return name[3:] // without "SIG"
		}
	}
	return sig.String()
}
