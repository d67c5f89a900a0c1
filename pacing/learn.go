package pacing

import (
	"fmt"
	"time"
)

// Learning. Adaptive pacing trusts a client's identification, and scanners
// lie: many send an OpenSSH or a library's identification but give up when
// a read waits more than a few seconds. Such a client closes the connection
// a fixed time after our last byte, before the next one comes, every time
// it visits. Learned is what those departures taught about one
// identification; the engine keeps one per identification and paces its
// clients by it. The policy, all of it:
//
//   - a departure counts only if the client closed the connection itself
//     before our second byte after its identification (so it did not
//     survive one whole gap), and at least MinLeft after our last byte
//     (sooner, no gap at or above Floor would have kept it). A client with
//     a total deadline longer than the gap survives a gap and never
//     counts, and neither do our own drops;
//   - two counted departures whose delays agree within a quarter set the
//     gap to three quarters of the shorter delay, never below Floor, and
//     only ever shorter than the gap in force;
//   - a learned gap that no counted departure has confirmed for EaseAfter
//     doubles, back towards the profile, where it is forgotten.
const (
	// Floor is the shortest gap learning sets.
	Floor = time.Second
	// MinLeft is the shortest delay after our last byte that counts: a
	// gap of Floor, three quarters of it, still comes too late for less.
	MinLeft = Floor * 4 / 3
	// EaseAfter is how long a learned gap lasts unconfirmed before it
	// doubles back towards the profile.
	EaseAfter = time.Hour
)

// Learned is what the departures of one identification's clients taught.
// The zero value has learned nothing. Times are the engine's clock (time
// since it started).
type Learned struct {
	Gap     time.Duration // the learned gap; 0: the profile's
	Pending time.Duration // a counted departure's delay awaiting one that agrees; 0: none
	At      time.Duration // when Gap or Pending was last set or confirmed
}

// Change is a change of a learned gap, for the log.
type Change struct {
	Old, New time.Duration // 0: the profile's gap
	A, B     time.Duration // the two delays that agreed; 0 when easing
}

// Why says what made the change.
func (c Change) Why() string {
	if c.A == 0 {
		return fmt.Sprintf("no client left early for %v", EaseAfter)
	}
	ms := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	return fmt.Sprintf("2 clients left %v and %v after a byte", ms(c.A), ms(c.B))
}

// Empty reports whether l holds nothing worth keeping.
func (l *Learned) Empty() bool { return l.Gap == 0 && l.Pending == 0 }

// Left records a counted departure: a client that closed the connection
// after (the delay since our last byte), before our second byte after its
// identification. It reports the change when it sets a shorter gap.
func (l *Learned) Left(after, now time.Duration) (Change, bool) {
	if after < MinLeft {
		return Change{}, false // no gap we would use keeps it
	}
	if l.Pending != 0 && now-l.At > EaseAfter {
		l.Pending = 0 // too old to agree with
	}
	a := l.Pending
	if a == 0 || !agree(a, after) {
		l.Pending, l.At = after, now
		return Change{}, false
	}
	l.Pending, l.At = 0, now
	gap := max(Floor, min(a, after)*3/4)
	if l.Gap != 0 && gap >= l.Gap {
		return Change{}, false // confirmed: the gap in force is short enough
	}
	c := Change{Old: l.Gap, New: gap, A: a, B: after}
	l.Gap = gap
	return c, true
}

// agree reports whether two delays are about the same: within a quarter of
// the longer.
func agree(a, b time.Duration) bool {
	if a < b {
		a, b = b, a
	}
	return a-b <= a/4
}

// Wait returns the wait until a client's next visit, given wait, its
// profile's: the learned gap when it is shorter. It first eases a gap
// unconfirmed for EaseAfter, forgetting it when it reaches the profile,
// and reports that change.
func (l *Learned) Wait(wait, now time.Duration) (time.Duration, Change, bool) {
	if l.Gap == 0 {
		return wait, Change{}, false
	}
	var c Change
	eased := now-l.At > EaseAfter
	if eased {
		c.Old = l.Gap
		l.Gap *= 2
		l.At = now
		if l.Gap >= wait {
			l.Gap = 0
		}
		c.New = l.Gap
	}
	if l.Gap != 0 && l.Gap < wait {
		wait = l.Gap
	}
	return wait, c, eased
}
