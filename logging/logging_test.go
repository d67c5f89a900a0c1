package logging

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestFormatDuration(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		prec int
		want string
	}{
		// {:.2?}, as the disconnect and info lines print durations.
		{19800 * time.Millisecond, 2, "19.80s"},
		{19620 * time.Millisecond, 2, "19.62s"},
		{6920 * time.Millisecond, 2, "6.92s"},
		{123450 * time.Microsecond, 2, "123.45ms"},
		{time.Second, 2, "1.00s"},
		{999 * time.Millisecond, 2, "999.00ms"},
		{1500 * time.Microsecond, 2, "1.50ms"},
		{42 * time.Microsecond, 2, "42.00µs"},
		{7, 2, "7.00ns"},
		{0, 2, "0.00ns"},
		{-time.Second, 2, "0.00ns"},
		{3 * time.Hour, 2, "10800.00s"},
		// {:?}, as the start line prints the settings.
		{10 * time.Second, -1, "10s"},
		{30 * time.Second, -1, "30s"},
		{1500 * time.Millisecond, -1, "1.5s"},
		{500 * time.Millisecond, -1, "500ms"},
		{50 * time.Millisecond, -1, "50ms"},
		{10 * time.Millisecond, -1, "10ms"},
		{1234567 * time.Microsecond, -1, "1.234567s"},
		{time.Second + 1, -1, "1.000000001s"},
		{86400 * time.Second, -1, "86400s"},
		{0, -1, "0ns"},
	} {
		if got := FormatDuration(tt.d, tt.prec); got != tt.want {
			t.Errorf("FormatDuration(%d, %d) = %q, want %q", tt.d, tt.prec, got, tt.want)
		}
	}
}

func TestFormatAddr(t *testing.T) {
	for _, tt := range []struct {
		ap   netip.AddrPort
		want string
	}{
		{netip.MustParseAddrPort("192.0.2.1:4242"), "192.0.2.1:4242"},
		{netip.MustParseAddrPort("[::ffff:192.0.2.1]:4242"), "192.0.2.1:4242"},
		{netip.MustParseAddrPort("[2001:db8::1]:22"), "[2001:db8::1]:22"},
		{netip.MustParseAddrPort("[::1]:2222"), "[::1]:2222"},
		{netip.MustParseAddrPort("[::]:0"), "[::]:0"},
		{netip.MustParseAddrPort("[fe80::1%eth0]:22"), "[fe80::1%eth0]:22"},
		{netip.AddrPort{}, "unix"},
	} {
		if got := FormatAddr(tt.ap); got != tt.want {
			t.Errorf("FormatAddr(%v) = %q, want %q", tt.ap, got, tt.want)
		}
	}
}

func TestBuilder(t *testing.T) {
	peer := netip.MustParseAddrPort("[::ffff:192.0.2.1]:4242")
	r := New(Info, "disconnect").Peer("peer", peer, "PEER").
		Dur("duration", 19800*time.Millisecond, "DURATION_S").
		Uint("bytes", 24, "BYTES").Quote("error", `Broken "pipe"`, "ERROR").
		Int("clients", -1, "CLIENTS").Bool("flag", true).Setting("delay", 10*time.Second).
		Str("plain", "v", "").Field("EXTRA", "x").Record()
	wantMsg := `disconnect, peer: 192.0.2.1:4242, duration: 19.80s, bytes: 24, error: "Broken \"pipe\"", clients: -1, flag: true, delay: 10s, plain: v`
	if r.Msg != wantMsg {
		t.Errorf("Msg = %q\nwant  %q", r.Msg, wantMsg)
	}
	wantFields := []Field{
		{"PEER_ADDR", "192.0.2.1"}, {"PEER_PORT", "4242"}, {"DURATION_S", "19.800"},
		{"BYTES", "24"}, {"ERROR", `Broken "pipe"`}, {"CLIENTS", "-1"}, {"EXTRA", "x"},
	}
	if !reflect.DeepEqual(r.Fields, wantFields) {
		t.Errorf("Fields = %q\nwant     %q", r.Fields, wantFields)
	}
	if r.Level != Info || r.Event != "disconnect" || time.Since(r.Time) > time.Minute {
		t.Errorf("record = %+v", r)
	}
}

func TestLevelString(t *testing.T) {
	for l, want := range map[Level]string{Error: "ERROR", Warn: "WARN", Info: "INFO", Debug: "DEBUG", Trace: "TRACE", 9: "LEVEL9"} {
		if got := l.String(); got != want {
			t.Errorf("Level(%d) = %q, want %q", l, got, want)
		}
	}
}

// TestConsole checks the env_logger header for every combination of the
// three --disable-log-* flags.
func TestConsole(t *testing.T) {
	at := time.Date(2021, 1, 12, 11, 20, 30, 123456789, time.FixedZone("CET", 3600))
	for _, tt := range []struct {
		ts, level, ident bool
		want             string
	}{
		{true, true, true, "[2021-01-12T10:20:30.123Z INFO  tarssh] msg\n"},
		{false, true, true, "[INFO  tarssh] msg\n"},
		{true, false, true, "[2021-01-12T10:20:30.123Z tarssh] msg\n"},
		{true, true, false, "[2021-01-12T10:20:30.123Z INFO ] msg\n"},
		{false, false, true, "[tarssh] msg\n"},
		{false, true, false, "[INFO ] msg\n"},
		{true, false, false, "[2021-01-12T10:20:30.123Z] msg\n"},
		{false, false, false, "msg\n"},
	} {
		var buf bytes.Buffer
		c := &Console{W: &buf, Timestamps: tt.ts, Level: tt.level, Ident: tt.ident}
		if err := c.Write(Record{Time: at, Level: Info, Msg: "msg"}); err != nil {
			t.Fatal(err)
		}
		if got := buf.String(); got != tt.want {
			t.Errorf("Console{ts %v, level %v, ident %v} wrote %q, want %q", tt.ts, tt.level, tt.ident, got, tt.want)
		}
	}
	// Levels pad to five columns, as env_logger's {:<5}.
	var buf bytes.Buffer
	c := &Console{W: &buf, Level: true}
	for _, l := range []Level{Error, Warn, Info, Debug, Trace} {
		c.Write(Record{Level: l, Msg: "m"})
	}
	if want := "[ERROR] m\n[WARN ] m\n[INFO ] m\n[DEBUG] m\n[TRACE] m\n"; buf.String() != want {
		t.Errorf("levels: got %q, want %q", buf.String(), want)
	}
}

// blockedSink blocks every write until released, like a stalled journald.
type blockedSink struct {
	release chan struct{}
	mu      sync.Mutex
	got     []string
	fail    bool
}

func (s *blockedSink) Write(r Record) error {
	<-s.release
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, r.Msg)
	if s.fail {
		return errors.New("sink failed")
	}
	return nil
}

func TestLoggerNeverBlocks(t *testing.T) {
	const depth, n = 4, 1000
	s := &blockedSink{release: make(chan struct{})}
	l := NewLogger(s, Info, depth)
	start := time.Now()
	for i := range n {
		l.Log(New(Info, fmt.Sprint(i)).Record())
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("logging %d records to a blocked sink took %v", n, d)
	}
	// At most depth queued plus one in the writer's hands get through.
	if d := l.Dropped(); d < n-depth-1 || d > n-depth {
		t.Errorf("Dropped() = %d, want %d or %d", d, n-depth-1, n-depth)
	}
	// Records above the level are filtered, not counted as drops.
	before := l.Dropped()
	l.Log(New(Debug, "debug").Record())
	if l.Enabled(Debug) || !l.Enabled(Info) || !l.Enabled(Error) || l.Dropped() != before {
		t.Errorf("level filter: Enabled(Debug)=%v Enabled(Info)=%v dropped %d -> %d",
			l.Enabled(Debug), l.Enabled(Info), before, l.Dropped())
	}
	close(s.release)
	l.Close()
	if got := uint64(len(s.got)) + l.Dropped(); got != n {
		t.Errorf("written %d + dropped %d != logged %d", len(s.got), l.Dropped(), n)
	}
	if len(s.got) == 0 || s.got[0] != "0" {
		t.Errorf("first record written = %q, want the first logged", s.got)
	}
}

func TestLoggerCountsSinkErrors(t *testing.T) {
	s := &blockedSink{release: make(chan struct{}), fail: true}
	close(s.release)
	l := NewLogger(s, Info, 16)
	for range 3 {
		l.Log(New(Warn, "x").Record())
	}
	l.Close()
	if len(s.got) != 3 || l.Dropped() != 3 {
		t.Errorf("written %d, dropped %d; want 3 and 3", len(s.got), l.Dropped())
	}
	var nilLogger *Logger
	nilLogger.Log(New(Error, "x").Record())
	if nilLogger.Enabled(Error) || nilLogger.Dropped() != 0 {
		t.Error("a nil Logger is enabled or drops")
	}
}

// TestCloseStalledSink checks that Close gives up on a sink that takes
// nothing, but waits for one that is slow. For the stalled sink the test
// plays Close's ticker, so Close looks exactly once.
func TestCloseStalledSink(t *testing.T) {
	defer func(f func() (<-chan time.Time, func())) { closeTicker = f }(closeTicker)
	ticks := make(chan time.Time)
	looking := make(chan struct{}, 1) // Close has noted the progress so far
	closeTicker = func() (<-chan time.Time, func()) {
		looking <- struct{}{}
		return ticks, func() {}
	}
	closed := func(l *Logger) chan struct{} {
		c := make(chan struct{})
		go func() { l.Close(); close(c) }()
		return c
	}

	stalled := &blockedSink{release: make(chan struct{})}
	defer close(stalled.release)
	l := NewLogger(stalled, Info, 16)
	l.Log(New(Info, "shutdown").Record())
	done := closed(l)
	<-looking
	ticks <- time.Now() // Close takes the tick: it waits for one
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close still waiting for a stalled sink after a look found no progress")
	}

	// A slow sink, with a real ticker: it takes a record every millisecond
	// for over a second, and Close must wait through several looks. (A look
	// at the sink's progress cannot be ordered against the sink by the
	// test, so this half uses time: it fails only if the writer goroutine
	// stalls for a whole 250ms look.)
	closeTicker = func() (<-chan time.Time, func()) {
		t := time.NewTicker(250 * time.Millisecond)
		return t.C, t.Stop
	}
	slow := &slowSink{delay: time.Millisecond}
	l = NewLogger(slow, Info, 2048)
	for range 1000 {
		l.Log(New(Info, "x").Record())
	}
	l.Close()
	if slow.n.Load() != 1000 {
		t.Errorf("Close returned after %d of 1000 records to a slow sink", slow.n.Load())
	}
}

type slowSink struct {
	delay time.Duration
	n     atomic.Int32
}

func (s *slowSink) Write(Record) error {
	time.Sleep(s.delay)
	s.n.Add(1)
	return nil
}
