package pacing

import "time"

// Classic is tarssh 0.7.0's policy: one random line every Delay, to every
// client alike.
type Classic struct {
	Delay time.Duration
	rng   Rand
}

// NewClassic returns the classic pacer with the given interval.
func NewClassic(delay time.Duration, seed uint64) *Classic {
	return &Classic{Delay: delay, rng: Rand(seed)}
}

// First waits a whole interval, as tarssh does before its first line.
func (c *Classic) First() time.Duration { return c.Delay }

// Identify records the client's family; classic pacing ignores it.
func (c *Classic) Identify(st *State, ident []byte) { st.Family = Classify(ident) }

// Next sends one random line, or the end of a line a full socket cut short.
func (c *Classic) Next(st *State, buf []byte) (int, time.Duration) {
	if n := finishLine(st, buf); n > 0 {
		return n, c.Delay
	}
	return c.rng.Line(buf), c.Delay
}

// Wrote tracks line ends across partial writes.
func (c *Classic) Wrote(st *State, p []byte) { advance(st, p) }
