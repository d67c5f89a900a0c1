package tarpit

import (
	"errors"
	"io"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/pacing"
)

// The engine counts how each hold ended and how long it lasted, in fixed
// arrays (by family, reason and bucket), so that what it publishes for
// metrics is the same small set of numbers however many clients come and go,
// and counting costs no allocation.

// Reason is why a held client went away.
type Reason uint8

// The reasons a hold ends.
const (
	ReasonClosed   Reason = iota // the client closed its end (EOF, EPIPE)
	ReasonReset                  // the client's side reset the connection
	ReasonTimeout                // our data stayed unacknowledged for --timeout
	ReasonShutdown               // tarssh shut down
	ReasonError                  // any other error
	NumReasons
)

var reasonNames = [NumReasons]string{"closed", "reset", "timeout", "shutdown", "error"}

func (r Reason) String() string {
	if r < NumReasons {
		return reasonNames[r]
	}
	return "invalid"
}

// reasonOf tells the reason from the error a client was dropped after (nil
// or io.EOF: the client closed).
func reasonOf(err error) Reason {
	var errno syscall.Errno
	switch {
	case err == nil, errors.Is(err, io.EOF):
		return ReasonClosed
	case !errors.As(err, &errno):
		return ReasonError
	}
	switch errno {
	case unix.EPIPE:
		return ReasonClosed
	case unix.ECONNRESET:
		return ReasonReset
	case unix.ETIMEDOUT:
		return ReasonTimeout
	}
	return ReasonError
}

// HoldBuckets are the upper bounds, in seconds, of the buckets of the
// hold-time histogram: from a second (clients that leave at once) to the 30
// days adaptive pacing holds OpenSSH.
var HoldBuckets = [...]float64{1, 10, 60, 300, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600,
	86400, 3 * 86400, 7 * 86400, 14 * 86400, 30 * 86400}

// NumHoldBuckets is the number of finite hold-time buckets.
const NumHoldBuckets = len(HoldBuckets)

// Holds is a histogram of completed holds.
type Holds struct {
	// Counts are per bucket, not cumulative: Counts[i] is the holds of at
	// most HoldBuckets[i] seconds and more than the bucket before;
	// Counts[NumHoldBuckets] those longer than every bucket.
	Counts [NumHoldBuckets + 1]uint64
	Sum    time.Duration
}

// Count is the number of holds recorded.
func (h *Holds) Count() uint64 {
	var n uint64
	for _, c := range h.Counts {
		n += c
	}
	return n
}

func (h *Holds) add(d time.Duration) {
	s := d.Seconds()
	i := 0
	for i < NumHoldBuckets && s > HoldBuckets[i] {
		i++
	}
	h.Counts[i]++
	h.Sum += d
}

// ended records a hold of a client of family f that lasted d and ended for
// reason r.
func (s *Stats) ended(f pacing.Family, r Reason, d time.Duration) {
	s.Disconnects[f][r]++
	s.Holds[f].add(d)
}

// AcceptError is a kind of accept failure, counted in Stats.AcceptErrors.
type AcceptError uint8

// The accept failures told apart: running out of descriptors or memory,
// and a connection gone before it was taken.
const (
	AcceptEMFILE AcceptError = iota
	AcceptENFILE
	AcceptENOBUFS
	AcceptENOMEM
	AcceptECONNABORTED
	AcceptOther
	NumAcceptErrors
)

var acceptErrnos = [...]unix.Errno{unix.EMFILE, unix.ENFILE, unix.ENOBUFS, unix.ENOMEM, unix.ECONNABORTED}

var acceptErrorNames = [NumAcceptErrors]string{"EMFILE", "ENFILE", "ENOBUFS", "ENOMEM", "ECONNABORTED", "other"}

func (a AcceptError) String() string {
	if a < NumAcceptErrors {
		return acceptErrorNames[a]
	}
	return "invalid"
}

// countAcceptError counts a failed accept; EAGAIN and EINTR are not
// failures. It is called from the accept goroutines, hence the atomics.
func (e *Engine) countAcceptError(err error) {
	if err == nil || err == unix.EAGAIN || err == unix.EINTR {
		return
	}
	k := AcceptOther
	for i, n := range acceptErrnos {
		if err == n {
			k = AcceptError(i)
		}
	}
	e.acceptErrs[k].Add(1)
}

// snapshotCounters fills in what snapshot takes from outside the engine
// loop's own counters.
func (e *Engine) snapshotCounters(s *Stats) {
	for i := range e.acceptErrs {
		s.AcceptErrors[i] = e.acceptErrs[i].Load()
	}
}
