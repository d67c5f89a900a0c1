package tarpit

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/logging"
	"github.com/tarssh/tarssh/pacing"
)

// peer is a model of one client, driven by the engine's fake system calls:
// it sends ident, then leaves by its own rule, and says (through departed)
// when it left relative to our last byte before, as TCP_INFO does.
type peer struct {
	ident     string
	timer     time.Duration // leaves this long after a byte, before the next
	deadline  time.Duration // leaves this long after connecting
	timeout   bool          // never leaves; our write times out on the second visit
	chatty    bool          // sends on every read, so is read on every visit
	born      uint32
	lastWrite uint32
	writes    int
	sent      bool   // ident sent
	goneAt    uint32 // 0: here
	rst       bool   // a write after it left drew a reset
	stream    []byte
}

// leaves updates p at tick now: whether it has gone by now.
func (p *peer) gone(now uint32) bool {
	if p.goneAt == 0 {
		switch {
		case p.timer > 0 && p.writes > 0 && now-p.lastWrite >= ticks(p.timer):
			p.goneAt = p.lastWrite + ticks(p.timer)
		case p.deadline > 0 && now-p.born >= ticks(p.deadline):
			p.goneAt = p.born + ticks(p.deadline)
		}
	}
	return p.goneAt != 0
}

// learnWorld runs peers against an engine with adaptive pacing at --delay
// 10s, its log at -vv.
type learnWorld struct {
	*testEngine
	peers map[int]*peer
	fd    int
}

func newLearnWorld(t *testing.T, maxClients int) *learnWorld {
	te := newTestEngine(t, maxClients, pacing.NewAdaptive(10*time.Second, 1), 0)
	te.cfg.Log = logging.NewLogger(te.sink, logging.Debug, 1<<16)
	w := &learnWorld{testEngine: te, peers: map[int]*peer{}, fd: 100}
	te.ops = ioOps{
		read: func(fd int, b []byte) (int, error) {
			p := w.peers[fd]
			switch {
			case !p.sent:
				p.sent = true
				return copy(b, p.ident+"\r\n"), nil
			case p.gone(te.tick):
				return 0, nil
			case p.chatty:
				return copy(b, "x"), nil
			}
			return -1, unix.EAGAIN
		},
		write: func(fd int, b []byte) (int, error) {
			p := w.peers[fd]
			switch {
			case p.timeout && p.writes == 1:
				return -1, unix.ETIMEDOUT
			case p.gone(te.tick) && p.rst:
				return -1, unix.EPIPE
			case p.gone(te.tick):
				p.rst = true
				return len(b), nil
			}
			p.writes++
			p.lastWrite = te.tick
			te.fake.wrote = append(te.fake.wrote, visitRec{fd, te.tick})
			p.stream = append(p.stream, b...)
			return len(b), nil
		},
		close: func(fd int) error { te.fake.closed = append(te.fake.closed, fd); return nil },
		departed: func(fd int) (time.Duration, bool) {
			p := w.peers[fd]
			if !p.gone(te.tick) || p.rst {
				return 0, false
			}
			return time.Duration(p.goneAt-p.lastWrite) * tick, true
		},
	}
	return w
}

// visit connects p and runs the engine until it has closed p's
// connection, letting p go after limit; it returns how long p stayed
// (limit if it never left).
func (w *learnWorld) visit(p *peer, limit time.Duration) time.Duration {
	w.t.Helper()
	w.fd++
	fd := w.fd
	p.born = w.tick
	w.peers[fd] = p
	w.connect(fd)
	end := w.tick + ticks(limit)
	held := time.Duration(0)
	for !slices.Contains(w.fake.closed, fd) {
		next, _ := w.wheel.nextUsed()
		if p.goneAt == 0 && held == 0 && after(next, end) {
			// Held the whole limit: it goes now, resetting the connection.
			held, p.goneAt, p.rst = limit, end, true
			w.setNow(end)
			continue
		}
		w.run(next)
	}
	switch {
	case held != 0:
		return held
	case p.goneAt == 0:
		return time.Duration(w.tick-p.born) * tick // dropped by us
	}
	return time.Duration(p.goneAt-p.born) * tick
}

// TestLearnTimers checks the targets against model clients coming
// back in rounds: a client with a per-read timer is held from its third
// visit on, whatever its identification; one with a total deadline, one
// that our writes time out, and one that leaves too soon for any gap change
// nothing; and what each is sent stays within its profile's line budget.
func TestLearnTimers(t *testing.T) {
	const hold = 2 * time.Minute
	tests := []struct {
		name string
		p    peer
		held int // first round held to the limit (0: each round as in want)
		want time.Duration
		gap  time.Duration // learned
	}{
		{"openssh, timer 3s", peer{ident: "SSH-2.0-OpenSSH_8.2p1", timer: 3 * time.Second}, 3, 0, 2250 * time.Millisecond},
		{"openssh, timer 5s", peer{ident: "SSH-2.0-OpenSSH_7.4", timer: 5 * time.Second}, 3, 0, 3750 * time.Millisecond},
		{"openssh, timer 8s", peer{ident: "SSH-2.0-OpenSSH_9.6", timer: 8 * time.Second}, 3, 0, 6 * time.Second},
		{"go, timer 2s", peer{ident: "SSH-2.0-Go", timer: 2 * time.Second}, 3, 0, 1500 * time.Millisecond},
		{"libssh2, timer 3s", peer{ident: "SSH-2.0-libssh2_1.10.0", timer: 3 * time.Second}, 3, 0, 2250 * time.Millisecond},
		{"paramiko, timer 8s", peer{ident: "SSH-2.0-paramiko_3.4.0", timer: 8 * time.Second}, 3, 0, 6 * time.Second},
		{"timer over the gap", peer{ident: "SSH-2.0-libssh_0.9.6", timer: 5 * time.Second}, 1, 0, 0},
		{"deadline 30s", peer{ident: "SSH-2.0-OpenSSH_6.6", deadline: 30 * time.Second}, 0, 30 * time.Second, 0},
		{"deadline 30s, read on every visit", peer{ident: "SSH-2.0-OpenSSH_6.7", deadline: 30 * time.Second, chatty: true}, 0, 30 * time.Second, 0},
		{"deadline 120s", peer{ident: "SSH-2.0-Go", deadline: 120 * time.Second}, 0, 120 * time.Second, 0},
		{"our drop", peer{ident: "SSH-2.0-OpenSSH_5.3", timeout: true}, 0, 10500 * time.Millisecond, 0},
		{"too soon for any gap", peer{ident: "SSH-2.0-zgrab", timer: 1200 * time.Millisecond}, 0, 1700 * time.Millisecond, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newLearnWorld(t, 4)
			var last *peer
			for round := 1; round <= 4; round++ {
				p := tt.p
				got := w.visit(&p, hold)
				want := tt.want
				switch {
				case tt.held == 0:
				case round >= tt.held:
					want = hold
				default:
					want = tt.p.timer + 500*time.Millisecond // the first byte comes at 0.5 s
				}
				if got != want {
					t.Errorf("round %d: held %v, want %v", round, got, want)
				}
				last = &p
			}
			var gap time.Duration
			if id, ok := w.idents.ids[tt.p.ident]; ok {
				gap = w.learn.rec(id).Gap
			}
			if gap != tt.gap {
				t.Errorf("learned gap %v, want %v", gap, tt.gap)
			}
			s := w.snapshot()
			if wantN := min(tt.gap, 1); s.Learned != int(wantN) || s.LearnChanges != uint64(wantN) {
				t.Errorf("snapshot: learned %d, changes %d; want %d", s.Learned, s.LearnChanges, wantN)
			}
			// The held client was sent single bytes, its lines no longer
			// than its profile's (250 for OpenSSH, Go; 100 for others;
			// paramiko's never ends).
			fam := pacing.Classify([]byte(tt.p.ident))
			line := int(w.learn.adaptive.Profile(fam).Line)
			for i, l := range strings.Split(string(last.stream), "\r\n") {
				if line > 0 && len(l) > line || strings.HasPrefix(l, "SSH-") {
					t.Errorf("line %d of the last client: %q", i, l)
				}
			}
			logs := strings.Join(w.logLines(), "\n")
			wantLog := fmt.Sprintf(`learn, ident: %q, family: %s, gap: %s, was: %s, why: "2 clients left %v and %v after a byte", learned: 1`,
				tt.p.ident, fam, logging.FormatDuration(tt.gap, 2), logging.FormatDuration(w.learn.adaptive.Profile(fam).Gap, 2), tt.p.timer, tt.p.timer)
			if n := strings.Count(logs, "learn, "); tt.gap != 0 && (n != 1 || !strings.Contains(logs, wantLog)) || tt.gap == 0 && n != 0 {
				t.Errorf("%d learn lines, want %s in:\n%s", n, wantLog, logs)
			}
		})
	}
}

// TestLearnClassic checks that classic pacing learns nothing.
func TestLearnClassic(t *testing.T) {
	e, err := New(Config{MaxClients: 1, Pacer: pacing.NewClassic(time.Second, 1)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.learn != nil {
		t.Error("classic pacing learns")
	}
}

// TestLearnAttacker checks what an attacker that connects and leaves with
// identifications of its choice can cost: at most maxPinned
// identifications kept after their clients leave, every learned gap at or
// above the floor, and held clients of other identifications untouched.
func TestLearnAttacker(t *testing.T) {
	w := newLearnWorld(t, 8)
	honest := &peer{ident: "SSH-2.0-OpenSSH_9.2p1"}
	w.peers[1] = honest
	honest.born = w.tick
	w.connect(1)
	for i := 0; i < maxPinned+200; i++ {
		for range 2 {
			w.visit(&peer{ident: fmt.Sprintf("SSH-2.0-x%d", i), timer: 1400 * time.Millisecond}, time.Minute)
		}
	}
	if n := len(w.learn.pinned); n != maxPinned {
		t.Errorf("%d identifications pinned, want %d", n, maxPinned)
	}
	if n := len(w.idents.ids); n != maxPinned+1 {
		t.Errorf("%d identifications interned, want %d (the pinned and the honest client's)", n, maxPinned+1)
	}
	s := w.snapshot()
	if s.Learned != maxPinned || s.LearnChanges != maxPinned+200 {
		t.Errorf("learned %d, changes %d; want %d, %d", s.Learned, s.LearnChanges, maxPinned, maxPinned+200)
	}
	for _, id := range w.learn.pinned {
		if g := w.learn.recs[id].Gap; g < pacing.Floor {
			t.Errorf("%q learned a gap of %v", w.idents.strs[id], g)
		}
	}
	// The honest client kept its profile's gap throughout.
	gaps := map[uint32]bool{}
	var prev uint32
	for _, v := range w.fake.wrote {
		if v.fd == 1 {
			if prev != 0 {
				gaps[v.tick-prev] = true
			}
			prev = v.tick
		}
	}
	if len(gaps) != 1 || !gaps[1000] {
		t.Errorf("honest client's gaps (ticks): %v, want only 1000", gaps)
	}
}

// TestClientSize checks that learning kept a held client at 48 bytes.
func TestClientSize(t *testing.T) {
	if n := unsafe.Sizeof(client{}); n != 48 {
		t.Errorf("client record of %d bytes, want 48", n)
	}
}

// TestLearnedSurvivesRestart checks that what one process learned is in
// its saved state and that the next process, adopting it, paces by it: a
// liar that lost the first process two clients is held by the next from
// its first visit, and a pending departure still waits for one to agree.
func TestLearnedSurvivesRestart(t *testing.T) {
	f := stateFile(nil)
	withState := func(w *learnWorld) {
		w.cfg.State = f
		w.cfg.Store = func(fds []int) (int, error) { return len(fds), nil }
		w.keep = newKeeper(&w.cfg)
		w.keep.shutdown = func(int) error { return nil }
	}
	a := newLearnWorld(t, 4)
	withState(a)
	liar := peer{ident: "SSH-2.0-OpenSSH_7.4", timer: 5 * time.Second}
	for range 2 {
		p := liar
		a.visit(&p, time.Minute)
	}
	once := peer{ident: "SSH-2.0-libssh2_1.10.0", timer: 3 * time.Second}
	p := once
	a.visit(&p, time.Minute)
	a.saveState()

	b := newLearnWorld(t, 4)
	withState(b)
	b.Adopt(nil)
	if s := b.snapshot(); s.Learned != 1 || len(b.learn.pinned) != 2 {
		t.Fatalf("after adoption: %d learned gaps, %d identifications pinned; want 1 and 2", s.Learned, len(b.learn.pinned))
	}
	p = liar
	if held := b.visit(&p, time.Minute); held != time.Minute {
		t.Errorf("the liar was held %v by the next process, want the whole minute", held)
	}
	p = once
	b.visit(&p, time.Minute) // agrees with the saved pending departure
	p = once
	if held := b.visit(&p, time.Minute); held != time.Minute {
		t.Errorf("the second liar was held %v after its saved and new departures, want the whole minute", held)
	}
	logs := strings.Join(b.logLines(), "\n")
	if !strings.Contains(logs, `learn, ident: "SSH-2.0-libssh2_1.10.0", family: other, gap: 2.25s, was: 4.00s, why: "2 clients left 3s and 3s after a byte", learned: 2`) {
		t.Errorf("no learn line for the second liar in:\n%s", logs)
	}
}
