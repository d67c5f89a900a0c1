package tarpit

import (
	"context"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tarssh/tarssh/logging"
	"github.com/tarssh/tarssh/pacing"
)

// Serve stops when its context is done, names the signal given as the
// cause, and returns only once its accept goroutines are gone, so none can
// log or accept after the caller closes the logger (issue 9).
func TestServeStopsInOrder(t *testing.T) {
	lns, lerr := Listen([]netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0"), netip.MustParseAddrPort("127.0.0.1:0")})
	if lerr != nil {
		t.Fatal(lerr)
	}
	sink := &logSink{}
	log := logging.NewLogger(sink, logging.Info, 1024)
	e, err := New(Config{MaxClients: 1, Timeout: time.Second, Pacer: pacing.NewClassic(time.Hour, 1), Log: log}, lns)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancelCause(context.Background())
	done := make(chan error)
	go func() { done <- e.Serve(ctx) }()
	// One client held, a second waiting for the slot: both accept
	// goroutines are busy when the engine stops.
	held, err := net.Dial("tcp4", LocalAddr(lns[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	waiting, err := net.Dial("tcp4", LocalAddr(lns[1]))
	if err != nil {
		t.Fatal(err)
	}
	defer waiting.Close()
	held.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if strings.Contains(strings.Join(sink.snapshot(), "\n"), "connect, peer: ") {
			break
		}
		select {
		case <-time.After(10 * time.Millisecond):
		case err := <-done:
			t.Fatalf("Serve returned early: %v", err)
		}
	}
	stop(SignalCause{syscall.SIGTERM})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	if stacks := string(buf[:runtime.Stack(buf, true)]); strings.Contains(stacks, ".acceptLoop(") {
		t.Errorf("an accept goroutine outlived Serve:\n%s", stacks)
	}
	log.Close()
	lines := sink.snapshot()
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "shutdown, pid: ") || !strings.Contains(last, ", signal: TERM, ") {
		t.Errorf("last line %q, want the shutdown line naming TERM", last)
	}
	// The held client was closed, not left open.
	if _, err := held.Read(make([]byte, 64)); err == nil || isTimeout(err) {
		t.Errorf("held client after shutdown: %v, want it closed", err)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// snapshot returns the lines written so far.
func (s *logSink) snapshot() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lines...)
}
