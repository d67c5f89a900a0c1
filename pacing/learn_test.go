package pacing

import (
	"math/rand/v2"
	"testing"
	"time"
)

const s = time.Second

// TestLearnedLeft drives a record through departures (each after a delay,
// at a time) and checks the gap it learns.
func TestLearnedLeft(t *testing.T) {
	type dep struct{ after, at time.Duration }
	tests := []struct {
		name    string
		deps    []dep
		gap     time.Duration // learned at the end; 0: none
		changes int
	}{
		{"one departure teaches nothing yet", []dep{{5 * s, 0}}, 0, 0},
		{"two that agree: three quarters of the shorter", []dep{{5 * s, 0}, {4600 * time.Millisecond, 10 * s}}, 3450 * time.Millisecond, 1},
		{"two that disagree teach nothing", []dep{{5 * s, 0}, {3 * s, 10 * s}}, 0, 0},
		{"the second of three agrees", []dep{{8 * s, 0}, {3 * s, 10 * s}, {3100 * time.Millisecond, 20 * s}}, 2250 * time.Millisecond, 1},
		{"too soon for any gap to keep", []dep{{MinLeft - time.Millisecond, 0}, {MinLeft - time.Millisecond, 1 * s}}, 0, 0},
		{"the floor", []dep{{MinLeft, 0}, {MinLeft, 1 * s}}, Floor, 1},
		{"only ever shorter: a longer timer confirms", []dep{{5 * s, 0}, {5 * s, 1 * s}, {8 * s, 2 * s}, {8 * s, 3 * s}}, 3750 * time.Millisecond, 1},
		{"a shorter timer shortens again", []dep{{5 * s, 0}, {5 * s, 1 * s}, {3 * s, 2 * s}, {3 * s, 3 * s}}, 2250 * time.Millisecond, 2},
		{"a pending delay goes stale", []dep{{5 * s, 0}, {5 * s, EaseAfter + 2*s}}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l Learned
			changes := 0
			for _, d := range tt.deps {
				old := l.Gap
				c, changed := l.Left(d.after, d.at)
				if changed {
					changes++
					if c.Old != old || c.New != l.Gap || c.New >= old && old != 0 || c.A == 0 || c.B != d.after {
						t.Errorf("Left(%v): change %+v, gap %v -> %v", d.after, c, old, l.Gap)
					}
				} else if l.Gap != old {
					t.Errorf("Left(%v): gap %v -> %v unreported", d.after, old, l.Gap)
				}
			}
			if l.Gap != tt.gap || changes != tt.changes {
				t.Errorf("gap %v after %d changes, want %v after %d", l.Gap, changes, tt.gap, tt.changes)
			}
		})
	}
}

// TestLearnedTimers checks the targets on the model of a client
// with a per-read timer: whatever its profile's gap, two visits teach a gap
// under its timer, and a client with a total deadline changes nothing.
func TestLearnedTimers(t *testing.T) {
	a := NewAdaptive(10*s, 1)
	for _, f := range []Family{OpenSSH, GoSSH, Other, Silent, Paramiko, Dropbear, PuTTY} {
		for _, timer := range []time.Duration{2 * s, 3 * s, 5 * s, 8 * s} {
			profile := a.Profile(f).Gap
			var l Learned
			now := time.Duration(0)
			for visit := 1; visit <= 3; visit++ {
				gap, _, _ := l.Wait(profile, now)
				if gap < timer {
					if visit < 3 && timer < profile {
						t.Errorf("%v, timer %v: held on visit %d, before two departures", f, timer, visit)
					}
					break
				}
				if visit == 3 {
					t.Errorf("%v, timer %v: gap %v on the third visit", f, timer, gap)
				}
				l.Left(timer, now) // the client leaves timer after the first byte
				now += timer
			}
		}
		// A total deadline: the client always survives a gap, so the engine
		// never reports its departure; the gap stays the profile's.
		var l Learned
		if gap, _, _ := l.Wait(a.Profile(f).Gap, 0); gap != a.Profile(f).Gap {
			t.Errorf("%v: a record that learned nothing changes the gap to %v", f, gap)
		}
	}
}

// TestLearnedEase checks that an unconfirmed gap doubles back towards the
// profile, once per EaseAfter, and is forgotten there.
func TestLearnedEase(t *testing.T) {
	const profile = 10 * s
	l := Learned{Gap: 2 * s}
	steps := []struct {
		at      time.Duration
		wait    time.Duration
		changed bool
	}{
		{EaseAfter, 2 * s, false},
		{EaseAfter + 1, 4 * s, true},
		{EaseAfter + 2*s, 4 * s, false},
		{2*EaseAfter + 2, 8 * s, true},
		{3*EaseAfter + 3, profile, true}, // 16 s: back to the profile
		{5 * EaseAfter, profile, false},
	}
	for _, st := range steps {
		w, c, changed := l.Wait(profile, st.at)
		if w != st.wait || changed != st.changed || changed && (c.A != 0 || c.New != l.Gap) {
			t.Errorf("at %v: wait %v changed %v (%+v), want %v %v", st.at, w, changed, c, st.wait, st.changed)
		}
	}
	if !l.Empty() {
		t.Errorf("eased back to the profile, the record keeps %+v", l)
	}
	// A confirmation restarts the hour.
	l = Learned{}
	l.Left(5*s, 0)
	l.Left(5*s, EaseAfter/2)
	l.Left(5*s, EaseAfter)
	l.Left(5*s, EaseAfter+s)
	if w, _, changed := l.Wait(profile, EaseAfter+EaseAfter/2); changed || w != 3750*time.Millisecond {
		t.Errorf("confirmed gap eased: wait %v, changed %v", w, changed)
	}
}

// TestLearnedBounds checks what an attacker can make a record do: whatever
// delays its clients leave after, the gap stays at or above Floor and at or
// below the profile's, and it only changes on agreeing departures.
func TestLearnedBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const profile = 60 * s
	for run := 0; run < 200; run++ {
		var l Learned
		now := time.Duration(0)
		for i := 0; i < 100; i++ {
			now += time.Duration(rng.Int64N(int64(2 * EaseAfter / 100)))
			if rng.IntN(2) == 0 {
				l.Left(time.Duration(rng.Int64N(int64(profile))), now)
			}
			w, _, _ := l.Wait(profile, now)
			if w < Floor || w > profile || l.Gap != 0 && (l.Gap < Floor || l.Gap >= profile) {
				t.Fatalf("run %d: wait %v, gap %v", run, w, l.Gap)
			}
		}
	}
}
