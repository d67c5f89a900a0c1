package pacing

import (
	"testing"
	"time"
)

// client is a model of one SSH client's pre-banner reader, as its source
// has it: feed reports whether the client still waits after byte b arrives
// gap after the one before it.
type client interface {
	feed(b byte, gap time.Duration) bool
}

// opensshModel follows kex.c kex_exchange_identification.
type opensshModel struct {
	lines, col int
	cr         bool
}

func (m *opensshModel) feed(b byte, _ time.Duration) bool {
	switch {
	case b == '\r':
		m.cr = true
		return true
	case b == '\n':
		m.lines, m.col, m.cr = m.lines+1, 0, false
		return m.lines < 1024
	case b == 0 || m.cr:
		return false
	}
	m.col++
	return m.col <= 8192
}

// goOldModel follows x/crypto/ssh readVersion up to v0.55.0.
type goOldModel struct{ n int }

func (m *goOldModel) feed(byte, time.Duration) bool { m.n++; return m.n < 255 }

// goNewModel follows x/crypto/ssh readVersion from v0.56.0.
type goNewModel struct{ lines, col int }

func (m *goNewModel) feed(b byte, _ time.Duration) bool {
	if b == '\n' {
		m.lines, m.col = m.lines+1, 0
		return m.lines < 1024
	}
	m.col++
	return m.col < 255
}

// timed is a client that also times each read: it gives up once a gap
// reaches its limit.
type timed interface {
	limit() time.Duration
}

// paramikoModel follows transport.py _check_banner and packet.py readline.
type paramikoModel struct{ lines int }

func (m *paramikoModel) limit() time.Duration {
	if m.lines == 0 {
		return 15 * time.Second
	}
	return 2 * time.Second
}

func (m *paramikoModel) feed(b byte, _ time.Duration) bool {
	if b == '\n' {
		m.lines++
	}
	return m.lines < 100
}

// dropbearModel follows common-session.c read_session_identification.
type dropbearModel struct{ lines, pos int }

func (m *dropbearModel) feed(b byte, _ time.Duration) bool {
	switch b {
	case '\r':
		return true
	case '\n':
		m.lines, m.pos = m.lines+1, 0
	default:
		if m.pos++; m.pos == 255 {
			m.lines, m.pos = m.lines+1, 0
		}
	}
	return m.lines < 50
}

// puttyModel follows ssh/verstring.c: no limits.
type puttyModel struct{}

func (puttyModel) feed(byte, time.Duration) bool { return true }

var models = []struct {
	name string
	fam  Family
	make func() client
}{
	{"openssh", OpenSSH, func() client { return &opensshModel{} }},
	{"go<=0.55", GoSSH, func() client { return &goOldModel{} }},
	{"go>=0.56", GoSSH, func() client { return &goNewModel{} }},
	{"paramiko", Paramiko, func() client { return &paramikoModel{} }},
	{"dropbear", Dropbear, func() client { return &dropbearModel{} }},
	{"putty", PuTTY, func() client { return puttyModel{} }},
}

// hold runs pacer p for a client of family f against model c until c gives
// up or horizon passes, checks what was sent, and returns how long c was
// held.
func hold(t *testing.T, p Pacer, f Family, c client, horizon time.Duration) time.Duration {
	t.Helper()
	var st State
	buf := make([]byte, MaxChunk)
	now := p.First()
	var last time.Duration
	var line []byte
	var prev byte
	bareCR := false
	if a, ok := p.(*Adaptive); ok {
		bareCR = a.Profile(f).BareCR
	}
	for now < horizon {
		if st.Family == Unknown && (now >= 5*time.Second || f != Silent) {
			// Clients that send an identification send it at once; the
			// engine gives up waiting after 5 s.
			p.Identify(&st, identOf(f))
		}
		n, wait := p.Next(&st, buf)
		if n == 0 && st.Family == Unknown {
			now += wait
			continue
		}
		if n < 1 || n > MaxChunk {
			t.Fatalf("%v: chunk of %d bytes", f, n)
		}
		for i, b := range buf[:n] {
			switch {
			case b == 0:
				t.Fatalf("%v: NUL sent", f)
			case prev == '\r' && b != '\n' && !bareCR:
				t.Fatalf("%v: CR not followed by LF", f)
			}
			prev = b
			if b == '\n' {
				line = line[:0]
			} else if len(line) < 4 {
				if line = append(line, b); string(line) == "SSH-" {
					t.Fatalf("%v: a line starts SSH-", f)
				}
			}
			gap := now - last
			if i > 0 {
				gap = 0
			}
			if tm, ok := c.(timed); ok && gap >= tm.limit() {
				return last + tm.limit()
			}
			if !c.feed(b, gap) {
				return now
			}
		}
		p.Wrote(&st, buf[:n])
		last = now
		now += wait
	}
	return horizon
}

func identOf(f Family) []byte {
	switch f {
	case Silent:
		return nil
	case Other:
		return []byte("SSH-2.0-libssh_0.10.4")
	}
	return []byte("SSH-2.0-" + prefixes[f-OpenSSH].prefix + "_1.0")
}

// TestAdaptiveHolds checks, against models of each client, that its own
// profile holds it far longer than classic pacing, and that the default
// profile for unknown clients never lets any of them go sooner than
// classic pacing would.
func TestAdaptiveHolds(t *testing.T) {
	const delay = 10 * time.Second
	const day = 24 * time.Hour
	for _, m := range models {
		t.Run(m.name, func(t *testing.T) {
			classic := hold(t, NewClassic(delay, 1), m.fam, m.make(), 30*day)
			own := hold(t, NewAdaptive(delay, 1), m.fam, m.make(), 30*day)
			def := hold(t, NewAdaptive(delay, 1), Other, m.make(), 30*day)
			silent := hold(t, NewAdaptive(delay, 1), Silent, m.make(), 30*day)
			t.Logf("%-9s classic %-10v adaptive %-10v default %v", m.name, classic, own, def)
			want := day
			if m.name == "go<=0.55" {
				// Its whole byte budget, one byte a minute: 254 bytes in
				// 253 writes, as a line end is written whole.
				want = 253 * 6 * delay
			}
			if own < want {
				t.Errorf("adaptive held %v, want at least %v", own, want)
			}
			if own < classic || def < classic || silent < classic {
				t.Errorf("adaptive %v, default %v, silent %v: less than classic %v", own, def, silent, classic)
			}
		})
	}
}

// TestAdaptiveProfiles checks each profile against its clients' limits
// (see the rules' comment for their sources), at several base intervals: a
// gap under the client's read timer where it has one, else no shorter than
// the base interval; lines short enough for its line limit; paramiko's one
// line that never ends and dropbear's bare CRs.
func TestAdaptiveProfiles(t *testing.T) {
	limits := []struct {
		f       Family
		timer   time.Duration // a read timer the gap must stay under; 0: none
		maxLine int           // the longest line it takes, line end included; 0: any
		endless bool          // the line must never end
		bareCR  bool          // only CRs, which it does not count
	}{
		{OpenSSH, 0, 8192, false, false},
		{GoSSH, 0, 255, false, false},
		{Paramiko, 15 * time.Second, 0, true, false},
		{Dropbear, 0, 0, false, true},
		{PuTTY, 0, 0, false, false},
		// Anyone else, and a client that said nothing: some read with 5 s
		// timeouts, and old libssh takes lines over 127 bytes as an error.
		{Other, 5 * time.Second, 127, false, false},
		{Silent, 5 * time.Second, 127, false, false},
		{Family(200), 5 * time.Second, 127, false, false},
	}
	for _, delay := range []time.Duration{10 * time.Millisecond, time.Second, 10 * time.Second, 30 * time.Second} {
		a := NewAdaptive(delay, 1)
		for _, l := range limits {
			p := a.Profile(l.f)
			switch {
			case p.Gap <= 0:
				t.Errorf("delay %v, %v: gap %v", delay, l.f, p.Gap)
			case l.timer > 0 && p.Gap >= l.timer:
				t.Errorf("delay %v, %v: gap %v, not under its %v read timer", delay, l.f, p.Gap, l.timer)
			case l.timer > 0 && p.Gap < min(delay, l.timer/2):
				t.Errorf("delay %v, %v: gap %v, shorter than needed", delay, l.f, p.Gap)
			case l.timer == 0 && p.Gap < delay:
				t.Errorf("delay %v, %v: gap %v, shorter than the base interval with no timer to beat", delay, l.f, p.Gap)
			case l.endless != (p.Line == 0 && !p.BareCR):
				t.Errorf("delay %v, %v: line %d, bare CR %v; want a line that never ends: %v", delay, l.f, p.Line, p.BareCR, l.endless)
			case l.bareCR != p.BareCR:
				t.Errorf("delay %v, %v: bare CR %v, want %v", delay, l.f, p.BareCR, l.bareCR)
			case l.maxLine > 0 && (p.Line == 0 || int(p.Line)+2 > l.maxLine):
				t.Errorf("delay %v, %v: lines of %d bytes and CRLF, over its %d", delay, l.f, p.Line, l.maxLine)
			}
		}
		// An unidentified client is looked at every First(), no later than
		// one base interval.
		if p := a.Profile(Unknown); p.Gap != a.First() || a.First() > delay && a.First() > time.Second {
			t.Errorf("delay %v: unknown client's gap %v, First() %v", delay, p.Gap, a.First())
		}
	}
}

// TestAdaptiveEarlyByte checks that a client yet to identify itself gets
// one byte, and only one, half way through the identification window.
func TestAdaptiveEarlyByte(t *testing.T) {
	for _, delay := range []time.Duration{10 * time.Second, 10 * time.Millisecond} {
		a := NewAdaptive(delay, 1)
		var st State
		buf := make([]byte, MaxChunk)
		var sent []time.Duration
		for now := a.First(); now < 5*time.Second; {
			n, wait := a.Next(&st, buf)
			if n > 0 {
				if buf[0] == 'S' || buf[0] < ' ' || buf[0] > '~' {
					t.Fatalf("early byte %q", buf[0])
				}
				a.Wrote(&st, buf[:n])
				sent = append(sent, now)
			}
			now += wait
		}
		if len(sent) != 1 || sent[0] < earlyByte || sent[0] > earlyByte+a.poll {
			t.Errorf("delay %v: bytes sent at %v, want one at %v", delay, sent, earlyByte)
		}
		a.Identify(&st, nil)
		if st.Family != Silent || st.Lines != 0 || st.Col != 1 {
			t.Errorf("after Identify: %+v", st)
		}
	}
}

// TestAdaptivePartialWrite checks that a CRLF cut by a full socket is
// finished before anything else.
func TestAdaptivePartialWrite(t *testing.T) {
	a := NewAdaptive(time.Second, 1)
	st := State{Family: OpenSSH, Col: 250}
	buf := make([]byte, MaxChunk)
	if n, _ := a.Next(&st, buf); string(buf[:n]) != "\r\n" {
		t.Fatalf("line end: got %q", buf[:n])
	}
	a.Wrote(&st, buf[:1])
	if n, _ := a.Next(&st, buf); string(buf[:n]) != "\n" {
		t.Fatalf("after a cut CRLF: got %q, want LF", buf[:n])
	}
}

// FuzzAdaptive feeds arbitrary identifications and partial writes, and
// checks that what is sent stays within what every strict client accepts.
func FuzzAdaptive(f *testing.F) {
	for _, s := range []string{"SSH-2.0-OpenSSH_9.2p1", "SSH-2.0-Go", "SSH-2.0-paramiko_2.12.0",
		"SSH-2.0-dropbear_2022.83", "SSH-2.0-PuTTY_Release_0.78", "", "GET / HTTP/1.1"} {
		f.Add([]byte(s), uint8(1), uint16(500))
	}
	f.Fuzz(func(t *testing.T, ident []byte, cut uint8, visits uint16) {
		a := NewAdaptive(time.Second, uint64(cut))
		var st State
		a.Identify(&st, ident)
		bareCR := a.Profile(st.Family).BareCR
		buf := make([]byte, MaxChunk)
		var prev byte = '\n'
		for i := 0; i < int(visits); i++ {
			n, wait := a.Next(&st, buf)
			if n < 1 || n > MaxChunk || wait <= 0 {
				t.Fatalf("chunk %d, wait %v", n, wait)
			}
			if i%int(cut|1) == 0 {
				n = 1 // a full socket took one byte
			}
			for _, b := range buf[:n] {
				if b == 0 || (prev == '\r' && b != '\n' && !bareCR) {
					t.Fatalf("sent %q after %q", b, prev)
				}
				if prev == '\n' && b == 'S' {
					t.Fatalf("line starts with S")
				}
				prev = b
			}
			a.Wrote(&st, buf[:n])
		}
	})
}
