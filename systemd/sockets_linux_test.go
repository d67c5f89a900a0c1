package systemd

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/logging"
	"github.com/tarssh/tarssh/tarpit"
)

// listenGram binds a unix datagram socket standing in for systemd's notify
// socket or journald, with a small receive buffer so tests can fill it.
func listenGram(t *testing.T, addr string) int {
	fd, _ := listenGramClose(t, addr)
	return fd
}

// listenGramClose is listenGram with a function that closes the socket
// early (once: the descriptor number may be reused afterwards).
func listenGramClose(t *testing.T, addr string) (int, func()) {
	t.Helper()
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	closer := sync.OnceFunc(func() { unix.Close(fd) })
	t.Cleanup(closer)
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: addr}); err != nil {
		t.Fatal(err)
	}
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Sec: 2})
	return fd, closer
}

func recvGram(t *testing.T, fd int) string {
	t.Helper()
	buf := make([]byte, 64<<10)
	n, err := unix.Read(fd, buf)
	if err != nil {
		t.Fatalf("nothing received: %v", err)
	}
	return string(buf[:n])
}

func TestNotifier(t *testing.T) {
	for _, tt := range []struct {
		name, addr, watchdog string
		every                time.Duration
	}{
		{"path, no watchdog", "", "", StatusEvery},
		{"path, short watchdog", "", "3000000", 1500 * time.Millisecond},
		{"abstract, long watchdog", "@tarssh-test-notify", "60000000", StatusEvery},
	} {
		t.Run(tt.name, func(t *testing.T) {
			addr := tt.addr
			if addr == "" {
				addr = filepath.Join(t.TempDir(), "notify")
			} else {
				addr += strings.ReplaceAll(t.Name(), "/", "-") + time.Now().Format("150405.000000000")
			}
			srv := listenGram(t, addr)
			t.Setenv("NOTIFY_SOCKET", addr)
			t.Setenv("WATCHDOG_USEC", tt.watchdog)
			n, err := OpenNotifier()
			if err != nil || n == nil {
				t.Fatalf("OpenNotifier: %v, %v", n, err)
			}
			defer n.Close()
			if got := n.Every(); got != tt.every {
				t.Errorf("Every() = %v, want %v", got, tt.every)
			}
			wd := ""
			if tt.watchdog != "" {
				wd = "WATCHDOG=1\n"
			}
			st := tarpit.Stats{Clients: 2, Total: 5}
			n.Heartbeat(st)
			if got, want := recvGram(t, srv), "READY=1\n"+wd+"STATUS="+StatusText(st); got != want {
				t.Errorf("first heartbeat sent %q, want %q", got, want)
			}
			n.Heartbeat(st)
			if got, want := recvGram(t, srv), wd+"STATUS="+StatusText(st); got != want {
				t.Errorf("second heartbeat sent %q, want %q", got, want)
			}
			n.Stopping()
			if got := recvGram(t, srv); !strings.HasPrefix(got, "STOPPING=1\n") {
				t.Errorf("Stopping sent %q", got)
			}
		})
	}
}

func TestNotifierAbsentOrBad(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	t.Setenv("WATCHDOG_USEC", "")
	n, err := OpenNotifier()
	if n != nil || err != nil {
		t.Fatalf("without NOTIFY_SOCKET: %v, %v", n, err)
	}
	// A nil Notifier is usable and silent.
	n.Heartbeat(tarpit.Stats{})
	n.Stopping()
	if n.Every() != 0 || n.Close() != nil {
		t.Error("nil Notifier did something")
	}
	for _, env := range [][2]string{
		{"vsock:2:1234", ""},
		{filepath.Join(t.TempDir(), "missing"), ""},
		{"/run/whatever", "soon"},
		{"/run/whatever", "-5"},
	} {
		t.Setenv("NOTIFY_SOCKET", env[0])
		t.Setenv("WATCHDOG_USEC", env[1])
		if n, err := OpenNotifier(); err == nil {
			n.Close()
			t.Errorf("NOTIFY_SOCKET=%q WATCHDOG_USEC=%q: no error", env[0], env[1])
		}
	}
}

// A receiver that reads nothing must not block the sender: messages are
// dropped and reported, and the heartbeat returns at once.
func TestNotifierNeverBlocks(t *testing.T) {
	addr := filepath.Join(t.TempDir(), "notify")
	listenGram(t, addr)
	t.Setenv("NOTIFY_SOCKET", addr)
	t.Setenv("WATCHDOG_USEC", "")
	n, err := OpenNotifier()
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	start, refused := time.Now(), 0
	for i := 0; i < 10000 && refused == 0; i++ {
		if !n.send([]byte("STATUS=" + strings.Repeat("x", 1000))) {
			refused++
		}
		n.Heartbeat(tarpit.Stats{})
	}
	if refused == 0 {
		t.Fatal("a full socket never refused a message")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("sending to a full socket took %v", d)
	}
}

// journalPair is a journal socket the test reads and a sink writing to it,
// closed when the test ends.
func journalPair(t *testing.T) (int, *Journal) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "journal")
	srv := listenGram(t, path)
	j, err := openJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return srv, j
}

func TestJournalSink(t *testing.T) {
	srv, j := journalPair(t)
	rec := logging.New(logging.Info, "disconnect").Peer("peer", mustAddrPort("[2001:db8::1]:22"), "PEER").
		Dur("duration", 1500*time.Millisecond, "DURATION_S").Quote("ident", "SSH-2.0-x", "CLIENT_IDENT").Record()
	if err := j.Write(rec); err != nil {
		t.Fatal(err)
	}
	got, err := parseEntry([]byte(recvGram(t, srv)))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"MESSAGE":             `disconnect, peer: [2001:db8::1]:22, duration: 1.50s, ident: "SSH-2.0-x"`,
		"TARSSH_EVENT":        "disconnect",
		"MESSAGE_ID":          "d7cfa394bccefa14caf13e00853adccc",
		"TARSSH_PEER_ADDR":    "2001:db8::1",
		"TARSSH_PEER_PORT":    "22",
		"TARSSH_DURATION_S":   "1.500",
		"TARSSH_CLIENT_IDENT": "SSH-2.0-x",
		"SYSLOG_IDENTIFIER":   "tarssh",
		"PRIORITY":            "6",
	}
	seen := map[string]string{}
	for _, kv := range got {
		seen[kv[0]] = kv[1]
	}
	for k, v := range want {
		if seen[k] != v {
			t.Errorf("%s = %q, want %q", k, seen[k], v)
		}
	}
}

// A journal that takes nothing costs dropped records, counted by the
// Logger, and one bounded wait, never a blocked writer; a journal that went
// away likewise.
func TestJournalFullOrGone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal")
	_, closeSrv := listenGramClose(t, path)
	j, err := openJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	log := logging.NewLogger(j, logging.Info, 16)
	start := time.Now()
	const n = 5000
	for i := 0; i < n; i++ {
		log.Log(logging.New(logging.Info, "connect").Str("x", strings.Repeat("y", 500), "X").Record())
	}
	log.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("logging to a full journal took %v", d)
	}
	if log.Dropped() == 0 || log.Dropped() >= n {
		t.Errorf("dropped %d of %d records to a full journal", log.Dropped(), n)
	}
	// Stalled: each further record fails at once rather than waiting.
	start = time.Now()
	for i := 0; i < 100; i++ {
		if j.Write(logging.New(logging.Info, "x").Record()) == nil {
			t.Fatal("a full journal took a record")
		}
	}
	if d := time.Since(start); d > burstWait*5 {
		t.Errorf("100 records to a stalled journal took %v", d)
	}
	closeSrv()
	if err := j.Write(logging.New(logging.Info, "x").Record()); err == nil {
		t.Error("writing to a closed journal succeeded")
	}
	j.Close()
	if _, err := openJournal(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("connected to a journal that does not exist")
	}
}

// A burst larger than the socket's queue reaches a journal that keeps
// reading: the writer waits for room instead of dropping.
func TestJournalBurstDelivered(t *testing.T) {
	srv, j := journalPair(t)
	// That the writer waits is tested here, not how long: on a loaded
	// machine the reader may not run within burstWait.
	j.wait = time.Minute
	const n = 3000 // well over net.unix.max_dgram_qlen (512 by default)
	got := make(chan int)
	go func() {
		buf, count := make([]byte, 8192), 0
		for count < n {
			if _, err := unix.Read(srv, buf); err != nil {
				break
			}
			count++
			if count%100 == 0 {
				time.Sleep(time.Millisecond) // a journald that lags behind
			}
		}
		got <- count
	}()
	for i := 0; i < n; i++ {
		if err := j.Write(logging.New(logging.Info, "connect").Int("i", int64(i), "I").Record()); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	if c := <-got; c != n {
		t.Errorf("journal received %d of %d records", c, n)
	}
}
