package main

// The integration tests run the built tarssh binary, as its users do:
// $TARSSH_BIN when set (make test sets it to the bin/tarssh it ships), else
// one the first test that needs it builds into a temporary directory with
// the go command that runs the tests (with -race when the tests run with
// -race), so `go test ./...` needs no prior `make build` and always tests
// the current source. TestRaceBuild also runs a -race build, when the
// tests run with -race (make test does). Each test starts its own tarssh on
// 127.0.0.1:0 and learns the port from the "listen, addr:" log line, so
// tests run in parallel with each other and with anything else on the
// machine.

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tarssh/tarssh/internal/procstat"
	"github.com/tarssh/tarssh/internal/testutil/logwatch"
)

// The binaries under test are built on first use, so that a test binary
// re-executed to act as tarssh (see TestMain) builds nothing.
var builds [2]struct { // plain and -race
	once      sync.Once
	dir, path string
	err       error
}

// TestMain runs the tests, or, started by startActivated with
// TARSSH_TEST_ARGS set, makes the test binary tarssh itself, started the way
// systemd starts it.
func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv("TARSSH_TEST_ARGS"); ok {
		os.Exit(run(strings.Fields(args)))
	}
	code := m.Run()
	for i := range builds {
		if builds[i].dir != "" {
			os.RemoveAll(builds[i].dir)
		}
	}
	os.Exit(code)
}

// tarssh returns the binary under test: $TARSSH_BIN if set (make test sets
// it to the static bin/tarssh it ships), else one built from this source,
// with -race when the tests run with -race.
func tarssh(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("TARSSH_BIN"); b != "" {
		return b
	}
	return build(t, raceEnabled)
}

// build builds tarssh from this source, with the race detector if race,
// once per test run.
func build(t *testing.T, race bool) string {
	t.Helper()
	b := &builds[0]
	if race {
		b = &builds[1]
	}
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "tarssh-test-"); b.err != nil {
			return
		}
		b.path = filepath.Join(b.dir, "tarssh")
		args := []string{"build", "-o", b.path}
		if race {
			args = append(args, "-race")
		}
		out, err := exec.Command(goCommand(), append(args, ".")...).CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("building tarssh: %v\n%s", err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// goCommand is the go command that built this test, so that the binary is
// built by the same toolchain.
func goCommand() string {
	if g := filepath.Join(os.Getenv("GOROOT"), "bin", "go"); os.Getenv("GOROOT") != "" {
		if _, err := os.Stat(g); err == nil {
			return g
		}
	}
	return "go"
}

// proc is a running tarssh and its log.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	port   int
	out    *logwatch.Log
	exited chan struct{}
	err    error // from Wait, once exited is closed
}

// start runs tarssh with args (through wrapper, e.g. prlimit, if given),
// waits for its "start" line and learns its first listening port. The
// process is killed when the test ends.
func start(t *testing.T, wrapper []string, args ...string) *proc {
	t.Helper()
	return startBin(t, tarssh(t), wrapper, args...)
}

// startBin is start for the tarssh binary bin.
func startBin(t *testing.T, bin string, wrapper []string, args ...string) *proc {
	t.Helper()
	p := launchBin(t, bin, wrapper, args...)
	addr := p.waitFor(`listen, addr: (\S+)`, 10*time.Second)
	p.waitFor(`\bstart, servers: `, 10*time.Second)
	_, port, err := net.SplitHostPort(addr[1])
	if err != nil {
		t.Fatalf("listen line %q: %v", addr[0], err)
	}
	p.port, _ = strconv.Atoi(port)
	return p
}

// launch runs tarssh without waiting for anything.
func launch(t *testing.T, wrapper []string, args ...string) *proc {
	t.Helper()
	return launchBin(t, tarssh(t), wrapper, args...)
}

// launchBin runs the tarssh binary bin.
func launchBin(t *testing.T, bin string, wrapper []string, args ...string) *proc {
	t.Helper()
	argv := append(append(append([]string{}, wrapper...), bin), args...)
	p := &proc{t: t, cmd: exec.Command(argv[0], argv[1:]...), exited: make(chan struct{})}
	p.cmd.SysProcAttr = childAttr()
	out, err := logwatch.Start(p.cmd)
	if err != nil {
		t.Fatal(err)
	}
	p.out = out
	go func() {
		<-out.Done()
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
		// A -race binary reports races on stderr.
		if len(p.matches(`WARNING: DATA RACE`)) > 0 {
			t.Error("the race detector found a data race in tarssh")
		}
		if t.Failed() {
			t.Logf("tarssh log:\n%s", p.out.Text())
		}
	})
	return p
}

// grown is closed when the next log line comes.
func (p *proc) grown() <-chan struct{} { return p.out.Grown() }

// sockets counts the sockets tarssh has open.
func (p *proc) sockets() int {
	p.t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", p.cmd.Process.Pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		p.t.Fatal(err)
	}
	n := 0
	for _, fd := range fds {
		if l, err := os.Readlink(filepath.Join(dir, fd.Name())); err == nil && strings.HasPrefix(l, "socket:") {
			n++
		}
	}
	return n
}

// log returns the lines logged so far.
func (p *proc) log() []string { return p.out.Lines() }

// matches returns the log lines matching re.
func (p *proc) matches(re string) []string { return p.out.Matches(regexp.MustCompile(re)) }

// waitFor waits for a log line matching re (from the start of the log) and
// returns its submatches; the test fails after timeout.
func (p *proc) waitFor(re string, timeout time.Duration) []string {
	p.t.Helper()
	return p.waitForN(re, 1, timeout)
}

// waitForN waits for the n-th log line matching re.
func (p *proc) waitForN(re string, n int, timeout time.Duration) []string {
	p.t.Helper()
	m, err := p.out.WaitN(regexp.MustCompile(re), n, timeout)
	if errors.Is(err, logwatch.ErrEnded) {
		<-p.exited
		p.t.Fatalf("tarssh exited (%v): %v", p.err, err)
	} else if err != nil {
		p.t.Fatal(err)
	}
	return m
}

// signal sends sig to tarssh.
func (p *proc) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
}

// wait waits for tarssh to exit and returns its exit status.
func (p *proc) wait(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.exited:
	case <-time.After(timeout):
		p.t.Fatalf("tarssh still running after %v", timeout)
	}
	return p.cmd.ProcessState.ExitCode()
}

// cpu returns the CPU time tarssh has used.
func (p *proc) cpu() time.Duration {
	p.t.Helper()
	user, sys, err := procstat.CPU(p.cmd.Process.Pid)
	if err != nil {
		p.t.Fatal(err)
	}
	return user + sys
}

func (p *proc) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)) }

// dial connects a client to tarssh, closed when the test ends.
func (p *proc) dial() net.Conn {
	p.t.Helper()
	c, err := net.DialTimeout("tcp", p.addr(), 5*time.Second)
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { c.Close() })
	return c
}

// line is one pre-banner line as received, with its arrival time.
type line struct {
	text string
	at   time.Time
}

// readLines reads lines from c until n have come or timeout passes.
func readLines(t *testing.T, c net.Conn, n int, timeout time.Duration) []line {
	t.Helper()
	var out []line
	var cur []byte
	buf := make([]byte, 64)
	c.SetReadDeadline(time.Now().Add(timeout))
	defer c.SetReadDeadline(time.Time{})
	for len(out) < n {
		k, err := c.Read(buf)
		for _, b := range buf[:k] {
			cur = append(cur, b)
			if b == '\n' {
				out = append(out, line{string(cur), time.Now()})
				cur = nil
			}
		}
		if err != nil {
			if len(cur) > 0 {
				out = append(out, line{string(cur), time.Now()})
			}
			return out
		}
	}
	return out
}

// recorder keeps what a client reads, to check afterwards.
type recorder struct {
	net.Conn
	mu  sync.Mutex
	got []byte
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.mu.Lock()
	r.got = append(r.got, p[:n]...)
	r.mu.Unlock()
	return n, err
}

func (r *recorder) received() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]byte(nil), r.got...)
}
