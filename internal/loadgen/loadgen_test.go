package loadgen

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	MaybeWorker() // Run re-executes this test binary as its workers
	os.Exit(m.Run())
}

// TestRunTarssh holds 200 connections against the real tarssh binary
// ($TARSSH_BIN, else built), split over two workers, through each client
// and started either as tarssh or as any tarpit's command line, and checks
// what the generator reports.
func TestRunTarssh(t *testing.T) {
	t.Parallel()
	bin := os.Getenv("TARSSH_BIN") // make test: the binary it built
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "tarssh")
		if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/tarssh").CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	base := Options{N: 200, Workers: 2, Delay: time.Second, Settle: 1500 * time.Millisecond, Window: 2500 * time.Millisecond}
	for _, tt := range []struct {
		name string
		set  func(o *Options)
	}{
		{"plain", func(o *Options) { o.Tarpit, o.TarpitArgs, o.Pacing = bin, []string{"-v"}, "classic" }},
		{"batch", func(o *Options) {
			o.Tarpit, o.TarpitArgs, o.Pacing, o.Client = bin, []string{"-v"}, "classic", ClientBatch
		}},
		{"command", func(o *Options) {
			o.Command = []string{bin, "-l", "127.0.0.1:{port}", "-d", "1", "--pacing", "classic", "-c", "1000", "-v"}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := base
			tt.set(&o)
			checkRun(t, o)
		})
	}
}

func checkRun(t *testing.T, o Options) {
	var log bytes.Buffer
	o.TarpitLog = &log
	r, err := Run(o)
	if err != nil {
		t.Fatalf("%v; tarpit's log:\n%s", err, log.String())
	}
	if want := o.Client; want != "" && r.Client != want || want == "" && r.Client != ClientPlain {
		t.Errorf("client %q, want %q (default %q)", r.Client, want, ClientPlain)
	}
	if len(o.Command) > 0 && (!strings.HasPrefix(r.Command, o.Command[0]+" -l 127.0.0.1:") || strings.Contains(r.Command, "{port}")) {
		t.Errorf("command %q: want %v with the port", r.Command, o.Command)
	}
	if !strings.Contains(log.String(), "listen") {
		t.Errorf("the tarpit's log did not reach TarpitLog: %q", log.String())
	}
	if plain := r.Client == ClientPlain; plain && r.MaxGap <= 0 || !plain && r.MaxGap != 0 {
		t.Errorf("client %s: longest wait between lines %v: want one measured by the plain client only", r.Client, r.MaxGap)
	}
	if r.Voluntary <= 0 || r.Involuntary < 0 || r.WakeupsPerSec() <= 0 {
		t.Errorf("context switches: %d voluntary, %d involuntary: the tarpit must have woken to serve", r.Voluntary, r.Involuntary)
	}
	t.Log("\n" + r.Format())
	checks := []struct {
		name      string
		got, want int64
	}{
		{"established", int64(r.Established), 200},
		{"held", int64(r.Held), 200},
		{"failed", int64(r.Failed), 0},
		{"dropped", int64(r.Dropped), 0},
		{"SSH- lines", int64(r.SSHLines), 0},
		{"silent", int64(r.Silent), 0},
		{"tarpit descriptors", int64(r.TarpitFDs), 200},
		{"queued unread", r.RxQueued, 0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	// One line of 3-32 bytes a second for 2.5 s: 2 or 3 lines each.
	if b := r.BytesPerConnPerMin(); b < 2*3*24 || b > 3*32*24+1 {
		t.Errorf("bytes per connection per minute = %.0f, want one 3-32 byte line a second", b)
	}
	// A short run may use less than a clock tick (10 ms) of CPU, so the
	// figure is not checked here: internal/procstat's tests check the reading.
	if r.IdleRSS <= 0 || r.RSS <= 0 || r.Threads <= 0 {
		t.Errorf("no process figures: idle RSS %d, RSS %d, threads %d", r.IdleRSS, r.RSS, r.Threads)
	}
}

// TestRunSeesBanner checks that the generator notices a server that sends
// "SSH-" lines (as a real SSH server would) and one that hangs up.
func TestRunSeesBanner(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for n := 0; ; n++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if n%2 == 1 {
				c.Close() // every other connection is dropped at once
				continue
			}
			go func() {
				defer c.Close()
				for {
					if _, err := c.Write([]byte("hello\r\nSSH-2.0-OpenSSH_9.2\r\n")); err != nil {
						return
					}
					time.Sleep(100 * time.Millisecond)
				}
			}()
		}
	}()
	r, err := Run(Options{PID: os.Getpid(), Target: ln.Addr().String(), N: 20,
		Settle: 200 * time.Millisecond, Window: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if r.Established != 20 || r.Held != 10 || r.Dropped != 10 {
		t.Errorf("established/held/dropped = %d/%d/%d, want 20/10/10", r.Established, r.Held, r.Dropped)
	}
	if r.SSHLines < 10*5 {
		t.Errorf("SSH- lines = %d, want at least 50 (10 connections, 10 a second, 1 s)", r.SSHLines)
	}
}

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"127.0.0.1:2222", true},
		{"127.1.2.3:1", true},
		{"192.0.2.1:22", false},
		{"[::1]:22", false},
		{"localhost:22", false},
		{"127.0.0.1", false},
	}
	for _, tt := range tests {
		if _, err := parseTarget(tt.in); (err == nil) != tt.ok {
			t.Errorf("parseTarget(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		ok   bool
	}{
		{"tarpit", Options{Tarpit: "bin/tarssh", N: 19500}, true},
		{"running tarpit", Options{PID: 1, Target: "127.0.0.1:2222", N: 10}, true},
		{"no connections", Options{Tarpit: "bin/tarssh"}, false},
		{"neither", Options{N: 10}, false},
		{"both", Options{Tarpit: "bin/tarssh", PID: 1, Target: "127.0.0.1:2222", N: 10}, false},
		{"remote target", Options{PID: 1, Target: "192.0.2.1:22", N: 10}, false},
		{"no target", Options{PID: 1, N: 10}, false},
		{"negative workers", Options{Tarpit: "bin/tarssh", N: 10, Workers: -1}, false},
		{"too many per worker", Options{Tarpit: "bin/tarssh", N: 19500, Workers: 1}, false},
		{"command", Options{Command: []string{"endlessh", "-p", "{port}"}, N: 10}, true},
		{"command without port", Options{Command: []string{"endlessh", "-p", "2222"}, N: 10}, false},
		{"command and tarpit", Options{Command: []string{"endlessh", "-p", "{port}"}, Tarpit: "bin/tarssh", N: 10}, false},
		{"batch client", Options{Tarpit: "bin/tarssh", N: 10, Client: ClientBatch}, true},
		{"unknown client", Options{Tarpit: "bin/tarssh", N: 10, Client: "fast"}, false},
	}
	for _, tt := range tests {
		if err := tt.o.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}
