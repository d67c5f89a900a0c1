package pacing

import "time"

// Adaptive paces each client by the rules of its own SSH implementation,
// told from its identification string: single bytes, as far apart as the
// client's timers allow, with line ends placed so that its budget of lines
// (or of bytes per line) lasts as long as possible. The rules, read from
// each client's source, are in the rules table below.
type Adaptive struct {
	poll     time.Duration // wait for the identification
	early    uint16        // polls before an unidentified client gets a first byte
	profiles [NumFamilies]Profile
	rng      Rand
}

// Profile is how one family of clients is paced.
type Profile struct {
	Gap    time.Duration // wait between writes
	Line   uint8         // printable bytes per line before its CRLF; 0: never end a line
	BareCR bool          // send nothing but CRs, which the client skips uncounted
}

// rule is a profile before it is fitted to the base interval: the gap is
// Mult times --delay, but never over Max when the client times each read.
type rule struct {
	mult   int
	max    time.Duration
	line   uint8
	bareCR bool
}

// identPoll bounds the wait for a client's identification: almost every
// client sends it as soon as it connects, so a quick first look usually
// finds it and the client is paced by its own profile from the first byte.
const identPoll = 500 * time.Millisecond

// earlyByte is when a client that has not identified itself gets one byte
// all the same: half the engine's identification window, so a scanner that
// waits for the server first, with a read timeout as short as 5 s, sees
// something in time. One printable byte at a line's start is safe for
// every client whatever it turns out to be.
const earlyByte = 2500 * time.Millisecond

// rules holds each family's limits before its banner, as their sources have
// them (the README's "Pacing" section cites files and versions):
//
//   - OpenSSH (kex.c kex_exchange_identification): 1024 lines, each at
//     most 8192 bytes, no NUL, no CR followed by anything but LF; no timer
//     unless ConnectTimeout is set, and then it is a total budget.
//   - Go x/crypto/ssh (transport.go readVersion): up to v0.55.0, 255 bytes
//     in all; from v0.56.0, 1024 lines of at most 254 bytes (CR counts).
//     No timer. The ident ("SSH-2.0-Go") does not tell the two apart, so the
//     gap is long: the 254 bytes an old client takes last 253 gaps.
//   - paramiko (transport.py _check_banner, packet.py readline): 15 s for
//     each read of the first line, 2 s for each read of the next 99, no
//     limit on a line's length. So the first line never ends.
//   - dropbear dbclient (common-session.c ident_readln): 50 lines of 255
//     bytes, but CRs are read and not counted; no timer. So: only CRs.
//   - PuTTY (ssh/verstring.c): no limits.
//   - anyone else: some read with timeouts as short as 5 s, and libssh
//     before 0.8 took lines over 127 bytes as an error; so a byte every 4 s
//     at most, in lines of 100. This is also safe for every client above:
//     it only spends paramiko's first line faster.
var rules = [NumFamilies]rule{
	Silent:   {mult: 1, max: 4 * time.Second, line: 100},
	Other:    {mult: 1, max: 4 * time.Second, line: 100},
	OpenSSH:  {mult: 1, line: 250},
	GoSSH:    {mult: 6, line: 250},
	Paramiko: {mult: 1, max: 10 * time.Second},
	Dropbear: {mult: 1, bareCR: true},
	PuTTY:    {mult: 1, line: 250},
}

// NewAdaptive returns the adaptive pacer for the base interval delay
// (--delay).
func NewAdaptive(delay time.Duration, seed uint64) *Adaptive {
	a := &Adaptive{poll: min(delay, identPoll), rng: Rand(seed)}
	a.early = uint16(min(earlyByte/a.poll, 1<<15))
	for f, r := range rules {
		gap := delay * time.Duration(max(r.mult, 1))
		if r.max > 0 {
			gap = min(gap, r.max)
		}
		a.profiles[f] = Profile{Gap: gap, Line: r.line, BareCR: r.bareCR}
	}
	a.profiles[Unknown] = Profile{Gap: a.poll}
	return a
}

// Profile returns the profile used for family f.
func (a *Adaptive) Profile(f Family) Profile {
	if f >= NumFamilies {
		f = Other
	}
	return a.profiles[f]
}

// First is a short wait, so the first visit finds the identification.
func (a *Adaptive) First() time.Duration { return a.poll }

// Identify picks the client's profile.
func (a *Adaptive) Identify(st *State, ident []byte) {
	st.Family = Classify(ident)
	st.Lines = 0 // it counted polls
}

// Next sends one byte (or a line end) as the client's profile says; while
// the client is not identified yet it looks again soon, counting the looks
// in st.Lines (no line is sent meanwhile), and sends one early byte.
func (a *Adaptive) Next(st *State, buf []byte) (int, time.Duration) {
	if st.Family == Unknown {
		if st.Lines++; st.Lines != a.early {
			return 0, a.poll
		}
		a.byte(st, buf)
		return 1, a.poll
	}
	p := a.Profile(st.Family)
	switch {
	case p.BareCR:
		buf[0] = '\r'
		return 1, p.Gap
	case st.Col == colCR: // a full socket split a CRLF
		buf[0] = '\n'
		return 1, p.Gap
	case p.Line > 0 && st.Col >= p.Line:
		buf[0], buf[1] = '\r', '\n'
		return 2, p.Gap
	}
	a.byte(st, buf)
	return 1, p.Gap
}

// byte puts one random printable byte in buf[0].
func (a *Adaptive) byte(st *State, buf []byte) {
	a.rng.Printable(buf[:1])
	if st.Col == 0 && buf[0] == 'S' {
		buf[0] = 's' // a line never starts "SSH-"
	}
}

// Wrote tracks columns and lines.
func (a *Adaptive) Wrote(st *State, p []byte) { advance(st, p) }
