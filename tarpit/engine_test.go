package tarpit

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/internal/testutil/rfc4253"
	"github.com/tarssh/tarssh/logging"
	"github.com/tarssh/tarssh/pacing"
)

// The engine tests run the scheduler without sockets: fakeOps stands in
// for read, write and close, and the tests set the engine's clock and call
// runDue themselves, so every visit's tick is known exactly.

// fakeOps scripts each descriptor's reads and writes and records writes.
type fakeOps struct {
	cur    int                                 // the descriptor last read: the one being visited
	reads  map[int][]readResult                // scripted reads, consumed in order; then EAGAIN
	nread  map[int]int                         // read calls per descriptor
	write  func(fd int, p []byte) (int, error) // nil: the kernel takes everything
	now    *uint32                             // the tick the test is running
	wrote  []visitRec
	stream map[int][]byte // what each descriptor's peer received
	closed []int
}

type readResult struct {
	data string
	err  error
}

type visitRec struct {
	fd   int
	tick uint32
}

func newFakeOps(now *uint32) *fakeOps {
	return &fakeOps{reads: map[int][]readResult{}, nread: map[int]int{}, stream: map[int][]byte{}, now: now}
}

func (f *fakeOps) ops() ioOps {
	return ioOps{
		read: func(fd int, p []byte) (int, error) {
			f.cur = fd
			f.nread[fd]++
			rs := f.reads[fd]
			if len(rs) == 0 {
				return -1, unix.EAGAIN
			}
			r := rs[0]
			f.reads[fd] = rs[1:]
			if r.err != nil {
				return -1, r.err
			}
			return copy(p, r.data), nil
		},
		write: func(fd int, p []byte) (int, error) {
			f.cur = fd
			f.wrote = append(f.wrote, visitRec{fd, *f.now})
			n, err := len(p), error(nil)
			if f.write != nil {
				n, err = f.write(fd, p)
			}
			if n > 0 {
				f.stream[fd] = append(f.stream[fd], p[:n]...)
			}
			return n, err
		},
		close: func(fd int) error {
			f.closed = append(f.closed, fd)
			return nil
		},
	}
}

// logSink keeps the lines logged.
type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (s *logSink) Write(r logging.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = append(s.lines, r.Msg)
	return nil
}

// testEngine is an engine with fake system calls and a clock the test sets.
type testEngine struct {
	*Engine
	t    *testing.T
	fake *fakeOps
	sink *logSink
	tick uint32
}

func newTestEngine(t *testing.T, maxClients int, p pacing.Pacer, start uint32) *testEngine {
	t.Helper()
	sink := &logSink{}
	log := logging.NewLogger(sink, logging.Info, 1<<16)
	e, err := New(Config{MaxClients: maxClients, Timeout: time.Second, Pacer: p, Log: log}, nil)
	if err != nil {
		t.Fatal(err)
	}
	te := &testEngine{Engine: e, t: t, sink: sink}
	te.fake = newFakeOps(&te.tick)
	e.ops = te.fake.ops()
	te.setNow(start)
	e.wheel.init(start)
	return te
}

// setNow moves the engine's clock to the start of tick t, where it stays
// until moved again, however slowly a loaded machine runs the test.
func (te *testEngine) setNow(t uint32) {
	te.tick = t
	te.clock = func() time.Duration { return time.Duration(t) * tick }
}

// run advances the clock to t and makes the visits due.
func (te *testEngine) run(t uint32) {
	te.setNow(t)
	te.runDue(t)
}

// connect adds a client with descriptor fd at the current tick, as the
// accept loop does (a slot token first), and returns its slab index.
func (te *testEngine) connect(fd int) uint32 {
	te.t.Helper()
	select {
	case te.slots <- struct{}{}:
	default:
		te.t.Fatalf("connect(%d): no free slot", fd)
	}
	a := accepted{fd: fd, port: uint16(40000 + fd)}
	a.addr = netip.AddrFrom4([4]byte{192, 0, 2, byte(fd)}).As16()
	te.setNow(te.tick) // add reads the clock: give it a fresh whole tick
	te.add(a, te.now())
	for i := range te.clients {
		if c := &te.clients[i]; int(c.fd) == fd {
			return uint32(i)
		}
	}
	te.t.Fatalf("connect(%d): not in the slab", fd)
	return 0
}

// logLines flushes the log and returns its lines; the engine must not log
// afterwards.
func (te *testEngine) logLines() []string {
	te.cfg.Log.Close()
	te.sink.mu.Lock()
	defer te.sink.mu.Unlock()
	return te.sink.lines
}

// visitsOf returns the ticks at which fd was written to.
func (f *fakeOps) visitsOf(fd int) []uint32 {
	var out []uint32
	for _, v := range f.wrote {
		if v.fd == fd {
			out = append(out, v.tick)
		}
	}
	return out
}

// TestVisitTiming checks that each client is visited one delay after it
// connects and then once per delay, in order of due time.
func TestVisitTiming(t *testing.T) {
	for _, start := range []uint32{0, 1<<32 - 150} { // also across the wrap of the tick counter
		te := newTestEngine(t, 8, pacing.NewClassic(time.Second, 1), start)
		te.connect(3)
		te.setNow(start + 5)
		te.connect(4)
		te.setNow(start + 10)
		te.connect(5)
		for d := uint32(11); d <= 350; d++ {
			te.run(start + d)
		}
		want := []visitRec{
			{3, start + 100}, {4, start + 105}, {5, start + 110},
			{3, start + 200}, {4, start + 205}, {5, start + 210},
			{3, start + 300}, {4, start + 305}, {5, start + 310},
		}
		if !slices.Equal(te.fake.wrote, want) {
			t.Errorf("start %d: visits %v, want %v", start, te.fake.wrote, want)
		}
		for fd, s := range te.fake.stream {
			if err := rfc4253.Stream(s, true); err != nil {
				t.Error(err)
			}
			if n := bytes.Count(s, []byte("\r\n")); n != 3 {
				t.Errorf("fd %d got %d lines, want 3", fd, n)
			}
		}
		if s := te.snapshot(); s.Clients != 3 || s.Total != 3 || s.Bytes != uint64(len(te.fake.stream[3])+len(te.fake.stream[4])+len(te.fake.stream[5])) {
			t.Errorf("snapshot = %+v", s)
		}
		// A late run makes the overdue visits at once, and the next ones a
		// full delay later (no catch-up burst).
		te.run(start + 450)
		te.run(start + 549)
		te.run(start + 555)
		if got := te.fake.wrote[9:]; !slices.Equal(got, []visitRec{{3, start + 450}, {4, start + 450}, {5, start + 450}, {3, start + 555}, {4, start + 555}, {5, start + 555}}) {
			t.Errorf("after a stall: visits %v", got)
		}
	}
}

// TestDropOnError checks that a write or read error drops the client with
// a disconnect line, closes its descriptor, and frees its slot for reuse.
func TestDropOnError(t *testing.T) {
	te := newTestEngine(t, 3, pacing.NewClassic(100*time.Millisecond, 1), 1000)
	a := te.connect(10)
	b := te.connect(11)
	te.connect(12)
	te.fake.reads[12] = []readResult{{err: unix.ECONNRESET}}
	te.fake.write = func(fd int, p []byte) (int, error) {
		if fd == 10 && te.tick >= 1020 {
			return -1, unix.EPIPE
		}
		return len(p), nil
	}
	for now := uint32(1001); now <= 1030; now++ {
		te.run(now)
	}
	if !slices.Equal(te.fake.closed, []int{12, 10}) {
		t.Fatalf("closed %v, want [12 10]", te.fake.closed)
	}
	if len(te.fake.visitsOf(12)) != 0 {
		t.Errorf("fd 12 was written to after its read error")
	}
	if got := te.fake.visitsOf(10); !slices.Equal(got, []uint32{1010, 1020}) {
		t.Errorf("fd 10 visits %v, want [1010 1020]", got)
	}
	if te.stats.Clients != 1 || len(te.slots) != 1 || te.wheel.n != 1 {
		t.Errorf("clients %d, slot tokens %d, scheduled %d; want 1 each", te.stats.Clients, len(te.slots), te.wheel.n)
	}
	// Freed slots are reused, most recent first; the slab does not grow.
	if i := te.connect(20); i != a {
		t.Errorf("new client in slot %d, want freed slot %d", i, a)
	}
	if i := te.connect(21); i == b || len(te.clients) != 3 {
		t.Errorf("new client in slot %d, slab of %d", i, len(te.clients))
	}
	for now := uint32(1031); now <= 1045; now++ {
		te.run(now)
	}
	if got := te.fake.visitsOf(20); !slices.Equal(got, []uint32{1040}) {
		t.Errorf("fd 20 in a reused slot: visits %v, want [1040]", got)
	}
	lines := te.logLines()
	want := []string{
		`disconnect, peer: 192.0.2.12:40012, duration: 100.00ms, bytes: 0, error: "Connection reset by peer (os error 104)", clients: 2`,
		`disconnect, peer: 192.0.2.10:40010, duration: 200.00ms, bytes: `,
	}
	var disc []string
	for _, l := range lines {
		if strings.HasPrefix(l, "disconnect") {
			disc = append(disc, l)
		}
	}
	if len(disc) != 2 || disc[0] != want[0] || !strings.HasPrefix(disc[1], want[1]) ||
		!strings.Contains(disc[1], `error: "Broken pipe (os error 32)", clients: 1`) {
		t.Errorf("disconnect lines:\n%s\nwant like\n%s", strings.Join(disc, "\n"), strings.Join(want, "\n"))
	}
	if n := strings.Count(strings.Join(lines, "\n"), "connect, peer: 192.0.2.2"); n != 2 {
		t.Errorf("%d connect lines for the new clients, want 2:\n%s", n, strings.Join(lines, "\n"))
	}
}

// TestEOF checks that a client that shuts its sending side is no longer
// read but still written to, until a write fails.
func TestEOF(t *testing.T) {
	te := newTestEngine(t, 1, pacing.NewClassic(100*time.Millisecond, 1), 0)
	te.connect(7)
	te.fake.reads[7] = []readResult{{data: "SSH-2.0-x\r\n"}, {}} // then EOF
	for now := uint32(1); now <= 60; now++ {
		te.run(now)
	}
	// Issue 9: a client that shut its sending side before our version
	// string is dropped on the visit that finds it, not when a write fails.
	if te.fake.nread[7] != 2 {
		t.Errorf("read %d times, want 2 (the identification, then EOF)", te.fake.nread[7])
	}
	if got := te.fake.visitsOf(7); len(got) != 0 {
		t.Errorf("written at %v, want no write after EOF", got)
	}
	if !slices.Equal(te.fake.closed, []int{7}) || te.stats.Clients != 0 {
		t.Errorf("closed %v, clients %d", te.fake.closed, te.stats.Clients)
	}
	lines := te.logLines()
	if last := lines[len(lines)-1]; !strings.Contains(last, `error: "Connection closed by the client (EOF)", clients: 0, ident: "SSH-2.0-x"`) {
		t.Errorf("last line %q", last)
	}
}

// TestWouldBlock checks that EAGAIN and partial writes keep the client,
// finish cut lines first, and count only what the kernel took.
func TestWouldBlock(t *testing.T) {
	te := newTestEngine(t, 4, pacing.NewClassic(10*time.Millisecond, 3), 0)
	rng := rand.New(rand.NewPCG(1, 2))
	te.fake.write = func(fd int, p []byte) (int, error) {
		switch k := rng.IntN(len(p) + 2); {
		case k == 0:
			return -1, unix.EAGAIN
		case k == 1:
			return -1, unix.EINTR
		default:
			return min(k-1, len(p)), nil
		}
	}
	for fd := 3; fd < 7; fd++ {
		te.connect(fd)
	}
	for now := uint32(1); now <= 2000; now++ {
		te.run(now)
	}
	if te.stats.Clients != 4 || len(te.fake.closed) != 0 {
		t.Fatalf("clients %d, closed %v: EAGAIN/EINTR/partial writes must not drop", te.stats.Clients, te.fake.closed)
	}
	var total int
	for fd := 3; fd < 7; fd++ {
		s := te.fake.stream[fd]
		if err := rfc4253.Stream(s, false); err != nil {
			t.Error(err)
		}
		total += len(s)
		i := slices.IndexFunc(te.clients, func(c client) bool { return int(c.fd) == fd })
		if c := &te.clients[i]; int(c.sent) != len(s) {
			t.Errorf("fd %d: sent %d, peer received %d", fd, c.sent, len(s))
		}
		if n := len(te.fake.visitsOf(fd)); n != 2000 {
			t.Errorf("fd %d: %d visits in 2000 ticks at one per tick", fd, n)
		}
	}
	if te.stats.Bytes != uint64(total) {
		t.Errorf("stats.Bytes %d, received %d", te.stats.Bytes, total)
	}
}

// TestIdentification checks the identification window: the first line
// read is kept and classified; a client silent for identWindow is silent.
func TestIdentification(t *testing.T) {
	te := newTestEngine(t, 8, pacing.NewClassic(time.Second, 1), 0)
	ci := map[int]uint32{}
	for fd := 3; fd <= 6; fd++ {
		ci[fd] = te.connect(fd)
	}
	te.fake.reads[3] = []readResult{{data: "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\nkexinit..."}}
	te.fake.reads[4] = []readResult{{data: "\x00\xffGET /\r\n"}}
	te.fake.reads[6] = []readResult{{data: "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"}} // the same string: shared
	ident := func(fd int) uint16 { return te.clients[ci[fd]].ident }
	for now := uint32(1); now <= 100; now++ {
		te.run(now)
	}
	if got := te.idents.lookup(ident(3)); got != "SSH-2.0-OpenSSH_9.2p1 Debian-2" {
		t.Errorf("fd 3 ident %q", got)
	}
	if got := te.idents.lookup(ident(4)); got != "??GET /" {
		t.Errorf("fd 4 ident %q", got)
	}
	if ident(6) != ident(3) || te.idents.refs[ident(3)] != 2 {
		t.Errorf("equal identifications not shared: %d %d refs %d", ident(3), ident(6), te.idents.refs[ident(3)])
	}
	if ident(5) != identPending {
		t.Errorf("silent fd 5 settled after 1s: %d", ident(5))
	}
	fam := te.stats.Families
	if fam[pacing.OpenSSH] != 2 || fam[pacing.Other] != 1 || fam[pacing.Unknown] != 1 {
		t.Errorf("families after 1s: %v", fam)
	}
	// The window closes at the first visit identWindow after connecting.
	for now := uint32(101); now <= 499; now++ {
		te.run(now)
	}
	if ident(5) != identPending {
		t.Errorf("silent fd 5 settled before the window closed")
	}
	te.fake.reads[5] = []readResult{{data: "SSH-2.0-late\r\n"}} // read on the visit that closes the window
	te.run(500)
	if got := te.idents.lookup(ident(5)); got != "SSH-2.0-late" {
		t.Errorf("fd 5 ident %q at the window's last visit", got)
	}
	te.connect(9)
	for now := uint32(501); now <= 1100; now++ {
		te.run(now)
	}
	c9 := te.clients[slices.IndexFunc(te.clients, func(c client) bool { return c.fd == 9 })]
	if c9.ident != identNone || c9.pace.Family != pacing.Silent {
		t.Errorf("fd 9 silent for 6s: ident %d family %v", c9.ident, c9.pace.Family)
	}
	te.fake.reads[9] = []readResult{{data: "SSH-2.0-too-late\r\n"}}
	for now := uint32(1101); now <= 1200; now++ {
		te.run(now)
	}
	if c9 := te.clients[slices.IndexFunc(te.clients, func(c client) bool { return c.fd == 9 })]; c9.ident != identNone {
		t.Errorf("fd 9 re-identified after the window")
	}
	// Dropping everyone releases every identification and family count.
	te.fake.write = func(int, []byte) (int, error) { return -1, unix.EPIPE }
	for now := uint32(1201); now <= 1400; now++ {
		te.run(now)
	}
	if te.stats.Clients != 0 || te.stats.Families != [pacing.NumFamilies]int{} || len(te.idents.ids) != 0 {
		t.Errorf("after all left: clients %d, families %v, idents %v", te.stats.Clients, te.stats.Families, te.idents.ids)
	}
}

// planPacer gives each client the wait the test planned for its descriptor.
type planPacer struct {
	f    *fakeOps
	wait map[int]uint32 // in ticks
}

func (p *planPacer) First() time.Duration           { return 50 * tick }
func (p *planPacer) Identify(*pacing.State, []byte) {}
func (p *planPacer) Wrote(*pacing.State, []byte)    {}

// Next learns each client's descriptor on its first visit, which always
// reads, and keeps it in the state: later visits may skip the read.
func (p *planPacer) Next(st *pacing.State, buf []byte) (int, time.Duration) {
	if st.Lines == 0 {
		st.Lines = uint16(p.f.cur)
	}
	buf[0] = 'x'
	return 1, time.Duration(p.wait[int(st.Lines)]) * tick
}

// TestSchedulerModel runs random arrivals, departures, waits (within and
// beyond the wheel's horizon) and clock jumps, across the wrap of the tick
// counter, against a model that knows each client's due tick.
func TestSchedulerModel(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		rng := rand.New(rand.NewPCG(seed, 99))
		p := &planPacer{wait: map[int]uint32{}}
		start := uint32(1<<32 - 20000)
		te := newTestEngine(t, 512, p, start)
		p.f = te.fake
		waits := []uint32{1, 2, 7, 100, wheelSize - 2, wheelSize - 1, wheelSize, wheelSize + 1, 2*wheelSize + 5, 3 * wheelSize}
		due := map[int]uint32{} // the model: fd -> due tick
		doomed := map[int]bool{}
		te.fake.write = func(fd int, p []byte) (int, error) {
			if doomed[fd] {
				return -1, unix.EPIPE
			}
			return len(p), nil
		}
		nextFd, now := 3, start
		for step := 0; step < 3000; step++ {
			switch r := rng.IntN(10); {
			case r < 3 && len(due) < 500:
				fd := nextFd
				nextFd++
				if rng.IntN(2) == 0 {
					p.wait[fd] = waits[rng.IntN(len(waits))]
				} else {
					p.wait[fd] = 1 + rng.Uint32N(4*wheelSize)
				}
				i := te.connect(fd)
				due[fd] = te.clients[i].due
				if due[fd] != te.clients[i].born+50 {
					t.Fatalf("fd %d due %d, born %d", fd, due[fd], te.clients[i].born)
				}
			case r == 3 && len(due) > 0:
				for fd := range due {
					doomed[fd] = true
					break
				}
			default:
				prev := now
				switch rng.IntN(20) {
				case 0:
					now += wheelSize + rng.Uint32N(2*wheelSize) // a stalled loop
				default:
					now += 1 + rng.Uint32N(300)
				}
				te.fake.wrote = te.fake.wrote[:0]
				te.run(now)
				var last uint32
				visited := map[int]bool{}
				for k, v := range te.fake.wrote {
					d, ok := due[v.fd]
					switch {
					case !ok:
						t.Fatalf("seed %d: visited fd %d, which is not held", seed, v.fd)
					case visited[v.fd]:
						t.Fatalf("seed %d: fd %d visited twice in one run", seed, v.fd)
					case after(d, now) || !after(d, prev):
						t.Fatalf("seed %d: fd %d due %d visited in run (%d, %d]", seed, v.fd, d, prev, now)
					case k > 0 && after(last, d):
						t.Fatalf("seed %d: fd %d due %d visited after one due %d", seed, v.fd, d, last)
					}
					visited[v.fd], last = true, d
					if doomed[v.fd] {
						delete(due, v.fd)
					} else {
						due[v.fd] = now + p.wait[v.fd]
					}
				}
				for fd, d := range due {
					if !visited[fd] && !after(d, now) {
						t.Fatalf("seed %d: fd %d due %d not visited by %d", seed, fd, d, now)
					}
				}
			}
			if te.wheel.n != len(due) || te.stats.Clients != len(due) || len(te.slots) != len(due) {
				t.Fatalf("seed %d step %d: wheel %d, clients %d, slots %d, model %d",
					seed, step, te.wheel.n, te.stats.Clients, len(te.slots), len(due))
			}
		}
		// The run starts 20000 ticks before the counter wraps and advances
		// far less than 2^32 - 20000: ending below start means it wrapped.
		if now >= start {
			t.Fatalf("seed %d: the clock did not wrap: from %d to %d", seed, start, now)
		}
	}
}

// TestSignals checks the info and shutdown lines and that shutdown closes
// every client.
func TestSignals(t *testing.T) {
	te := newTestEngine(t, 4, pacing.NewClassic(100*time.Millisecond, 1), 0)
	te.connect(3)
	te.connect(4)
	for now := uint32(1); now <= 25; now++ {
		te.run(now)
	}
	te.info(syscall.SIGHUP)
	te.shutdown(SignalCause{syscall.SIGTERM})
	if c := slices.Sorted(slices.Values(te.fake.closed)); !slices.Equal(c, []int{3, 4}) {
		t.Errorf("closed %v at shutdown, want [3 4]", c)
	}
	lines := te.logLines()
	bytes := te.stats.Bytes
	info := lines[len(lines)-2]
	shut := lines[len(lines)-1]
	wantInfo := "info, pid: " + strconv.Itoa(te.pid) + ", signal: HUP, uptime: "
	tail := ", clients: 2, total: 2, bytes: " + strconv.Itoa(int(bytes))
	if !strings.HasPrefix(info, wantInfo) || !strings.Contains(info, tail) {
		t.Errorf("info line %q, want %q...%q", info, wantInfo, tail)
	}
	if !strings.HasPrefix(shut, "shutdown, pid: "+strconv.Itoa(te.pid)+", signal: TERM, uptime: ") || !strings.Contains(shut, tail) {
		t.Errorf("shutdown line %q", shut)
	}
}

func TestTicks(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want uint32
	}{
		{0, 1}, {-time.Second, 1}, {1, 1}, {tick, 1}, {tick + 1, 2}, {time.Second, 100},
		{10 * time.Second, 1000}, {86400 * time.Second, 8640000}, {1 << 62, 1 << 30},
	} {
		if got := ticks(tt.d); got != tt.want {
			t.Errorf("ticks(%v) = %d, want %d", tt.d, got, tt.want)
		}
	}
}

func TestErrorText(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{unix.EPIPE, "Broken pipe (os error 32)"},
		{unix.ECONNRESET, "Connection reset by peer (os error 104)"},
		{unix.ETIMEDOUT, "Connection timed out (os error 110)"},
		{unix.EMFILE, "Too many open files (os error 24)"},
	} {
		if got := ErrorText(tt.err); got != tt.want {
			t.Errorf("ErrorText(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// TestLoopAcrossWrap runs the real loop while the tick counter wraps
// (after 497 days of uptime): it must keep visiting on time and must not
// spin on a timer computed from the wrapped tick.
func TestLoopAcrossWrap(t *testing.T) {
	te := newTestEngine(t, 4, pacing.NewClassic(50*time.Millisecond, 1), 0)
	epoch := time.Now() // the clock runs, from 300ms before the wrap
	te.clock = func() time.Duration { return (1<<32-30)*tick + time.Since(epoch) }
	te.wheel.init(te.now())
	visits := make(chan uint32, 1024) // the tick of each visit
	te.ops.write = func(fd int, p []byte) (int, error) {
		select {
		case visits <- te.now():
		default:
		}
		return len(p), nil
	}
	ctx, stop := context.WithCancel(context.Background())
	te.slots <- struct{}{}
	te.incoming <- accepted{fd: 3}
	done := make(chan error)
	go func() { done <- te.loop(ctx) }()
	// Wait for the first visit after the wrap, then for ten more, measuring
	// the CPU the process uses meanwhile.
	timeout := time.After(20 * time.Second)
	next := func() uint32 {
		select {
		case v := <-visits:
			return v
		case <-timeout:
			t.Fatal("the loop stopped visiting across the wrap")
		}
		return 0
	}
	prev := next()
	for prev >= 1<<31 {
		prev = next()
	}
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	began := time.Now()
	for range 10 {
		v := next()
		if v-prev < 1 || v-prev > 1<<31 {
			t.Errorf("a visit at tick %d after one at tick %d", v, prev)
		}
		prev = v
	}
	wall := time.Since(began)
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Ten visits at 50ms take about 500ms of mostly idle waiting; a loop
	// spinning on a timer computed from the wrapped tick would use most of
	// that as CPU.
	cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) * time.Nanosecond
	if cpu > wall/3 {
		t.Errorf("the loop used %v of CPU in %v after the tick counter wrapped: spinning", cpu, wall)
	}
}

func TestUntilTick(t *testing.T) {
	te := newTestEngine(t, 1, pacing.NewClassic(time.Second, 1), 0)
	for _, tt := range []struct {
		now, next uint32
		want      time.Duration // from the start of tick now
	}{
		{0, 5, 50 * time.Millisecond},
		{1000, 1001, 10 * time.Millisecond},
		{1<<32 - 2, 3, 50 * time.Millisecond}, // across the wrap
		{1<<32 - 1, 0, 10 * time.Millisecond},
		{7, 7, 0}, // already begun
	} {
		te.setNow(tt.now)
		if got := te.untilTick(tt.next); got != tt.want {
			t.Errorf("at tick %d: untilTick(%d) = %v, want %v", tt.now, tt.next, got, tt.want)
		}
	}
}

// TestHeartbeat checks that the loop calls Heartbeat at once and then every
// HeartbeatEvery, with current counters, and that snapshot tells the
// longest hold.
func TestHeartbeat(t *testing.T) {
	te := newTestEngine(t, 4, pacing.NewClassic(time.Hour, 1), 0)
	te.setNow(0)
	te.wheel.init(0)
	te.slots <- struct{}{}
	te.add(accepted{fd: 3}, te.now())
	te.setNow(250) // the client has been held 2.5s
	type beat struct {
		s  Stats
		at time.Time
	}
	beats := make(chan beat, 64)
	te.cfg.Heartbeat = func(s Stats) {
		select {
		case beats <- beat{s, time.Now()}:
		default:
		}
	}
	const every = 20 * time.Millisecond
	te.cfg.HeartbeatEvery = every
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error)
	began := time.Now()
	go func() { done <- te.loop(ctx) }()
	var got []beat
	for len(got) < 6 {
		select {
		case b := <-beats:
			got = append(got, b)
		case <-time.After(20 * time.Second):
			t.Fatalf("%d heartbeats in 20s at %v", len(got), every)
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Late beats are the machine's load; early ones would be the loop's
	// fault: beats after the first may come no more often than every.
	if span := got[len(got)-1].at.Sub(got[0].at); span < time.Duration(len(got)-2)*every {
		t.Errorf("%d heartbeats in %v at %v", len(got), span, every)
	}
	if s := got[0].s; s.Clients != 1 || s.Total != 1 || s.Longest < 2500*time.Millisecond || s.Longest > 2500*time.Millisecond+time.Since(began)+tick {
		t.Errorf("first heartbeat %+v", s)
	}
}

// TestNoLog checks that an engine without a Logger (as benchmarks run it)
// serves, snapshots and handles signals.
func TestNoLog(t *testing.T) {
	te := newTestEngine(t, 2, pacing.NewClassic(10*time.Millisecond, 1), 0)
	te.cfg.Log = nil
	te.connect(3)
	te.fake.write = func(fd int, p []byte) (int, error) { return -1, unix.EPIPE }
	te.run(1)
	te.connect(4)
	if s := te.snapshot(); s.Clients != 1 || s.LogsDropped != 0 {
		t.Errorf("snapshot = %+v", s)
	}
	te.info(syscall.SIGHUP)
	if len(te.fake.closed) != 1 {
		t.Errorf("closed %v after SIGHUP's info line, want only the dropped client", te.fake.closed)
	}
	te.shutdown(SignalCause{syscall.SIGTERM})
	if c := slices.Sorted(slices.Values(te.fake.closed)); !slices.Equal(c, []int{3, 4}) {
		t.Errorf("closed %v, want [3 4]: the dropped client and, at shutdown, the held one", c)
	}
}
