package tarpit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/pacing"
)

func TestReasonOf(t *testing.T) {
	tests := []struct {
		err  error
		want Reason
	}{
		{nil, ReasonClosed},
		{io.EOF, ReasonClosed},
		{unix.EPIPE, ReasonClosed},
		{fmt.Errorf("write: %w", unix.EPIPE), ReasonClosed},
		{unix.ECONNRESET, ReasonReset},
		{unix.ETIMEDOUT, ReasonTimeout},
		{unix.EHOSTUNREACH, ReasonError},
		{errors.New("odd"), ReasonError},
	}
	for _, tt := range tests {
		if got := reasonOf(tt.err); got != tt.want {
			t.Errorf("reasonOf(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestHoldsBuckets(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want int // bucket index
	}{
		{0, 0},
		{time.Second, 0},
		{time.Second + time.Millisecond, 1},
		{10 * time.Second, 1},
		{time.Hour, 5},
		{30 * 24 * time.Hour, NumHoldBuckets - 1},
		{31 * 24 * time.Hour, NumHoldBuckets},
	}
	for _, tt := range tests {
		var h Holds
		h.add(tt.d)
		if h.Counts[tt.want] != 1 || h.Count() != 1 || h.Sum != tt.d {
			t.Errorf("add(%v): counts %v sum %v, want one in bucket %d", tt.d, h.Counts, h.Sum, tt.want)
		}
	}
}

// TestDisconnectCounts drives clients through the engine to each end and
// checks the counters a scrape reads: by family and reason, and the holds.
func TestDisconnectCounts(t *testing.T) {
	te := newTestEngine(t, 8, pacing.NewClassic(time.Second, 1), 0)
	te.fake.reads[3] = []readResult{{data: "SSH-2.0-OpenSSH_9.2p1\r\n"}}
	te.fake.write = func(fd int, p []byte) (int, error) {
		switch fd {
		case 3:
			return -1, unix.EPIPE
		case 4:
			return -1, unix.ECONNRESET
		}
		return len(p), nil
	}
	te.connect(3)
	te.connect(4)
	te.connect(5)
	for d := uint32(1); d <= 250; d++ {
		te.run(d)
	}
	te.closeAll()
	s := te.snapshot()
	if got := s.Disconnects[pacing.OpenSSH][ReasonClosed]; got != 1 {
		t.Errorf("openssh closed: %d, want 1", got)
	}
	if got := s.Disconnects[pacing.Unknown][ReasonReset]; got != 1 {
		t.Errorf("unknown reset: %d, want 1", got)
	}
	if got := s.Disconnects[pacing.Unknown][ReasonShutdown]; got != 1 {
		t.Errorf("unknown shutdown: %d, want 1", got)
	}
	var total uint64
	for f := range s.Holds {
		total += s.Holds[f].Count()
	}
	if total != 3 {
		t.Errorf("%d holds recorded, want 3", total)
	}
	// Clients 3 and 4 went on their first visit, after a second (bucket 0);
	// client 5 was held 2.5 s (bucket 1).
	if h := s.Holds[pacing.Unknown]; h.Counts[0] != 1 || h.Counts[1] != 1 || h.Sum != 3500*time.Millisecond {
		t.Errorf("unknown holds: %v, sum %v; want one in each of the first two buckets, sum 3.5s", h.Counts, h.Sum)
	}
}

func TestCountAcceptError(t *testing.T) {
	te := newTestEngine(t, 1, pacing.NewClassic(time.Second, 1), 0)
	for _, err := range []error{nil, unix.EAGAIN, unix.EINTR, unix.EMFILE, unix.EMFILE, unix.ENFILE, unix.EPERM} {
		te.countAcceptError(err)
	}
	s := te.snapshot()
	want := [NumAcceptErrors]uint64{AcceptEMFILE: 2, AcceptENFILE: 1, AcceptOther: 1}
	if s.AcceptErrors != want {
		t.Errorf("accept errors %v, want %v", s.AcceptErrors, want)
	}
}

// TestPublish checks that the loop publishes at once and then every
// PublishEvery, on a ticker of its own: the heartbeat (and the fd store's
// save on it) keeps its slower pace.
func TestPublish(t *testing.T) {
	te := newTestEngine(t, 4, pacing.NewClassic(time.Hour, 1), 0)
	te.slots <- struct{}{}
	te.add(accepted{fd: 3}, te.now())
	pubs := make(chan Stats, 64)
	var beats atomic.Int32
	te.cfg.Publish = func(s Stats) {
		select {
		case pubs <- s:
		default:
		}
	}
	te.cfg.PublishEvery = 10 * time.Millisecond
	te.cfg.Heartbeat = func(Stats) { beats.Add(1) }
	te.cfg.HeartbeatEvery = time.Hour
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- te.loop(ctx) }()
	for n := 0; n < 5; n++ {
		select {
		case s := <-pubs:
			if s.Clients != 1 || s.Total != 1 {
				t.Errorf("publish %d: %+v", n, s)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%d publishes in 20s at 10ms", n)
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := beats.Load(); n != 1 {
		t.Errorf("%d heartbeats during the publishes, want only the first", n)
	}
}
