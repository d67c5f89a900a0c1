// Package e2e runs real SSH clients against the built tarssh and measures
// how long each one stays trapped under classic and adaptive pacing.
//
// The clients are the Debian packages openssh-client, python3-paramiko,
// dropbear-bin and putty-tools (make test-deps installs them) and Go's
// golang.org/x/crypto/ssh, run in process. Where a client's limit is a count
// of lines or bytes, a short --delay compresses hours into seconds; where
// it is a timer (paramiko), the default delay is used.
package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tarssh/tarssh/internal/testutil/logwatch"
)

// holdCap is how long a client is left trapped before the test ends it.
const holdCap = 30 * time.Second

var (
	binary string // the tarssh under test: $TARSSH_BIN, else built by TestMain
	goOld  string // the client in goold, built by TestMain
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tarssh-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// make test passes the binary it built; otherwise build one.
	binary, goOld = os.Getenv("TARSSH_BIN"), filepath.Join(dir, "goold")
	code := 1
	if binary == "" {
		binary = filepath.Join(dir, "tarssh")
		err = goBuild(".", binary, "github.com/tarssh/tarssh/cmd/tarssh")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "building tarssh:", err)
	} else if err := goBuild("goold", goOld, "."); err != nil {
		fmt.Fprintln(os.Stderr, "building goold (its own module, x/crypto v0.55.0):", err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func goBuild(dir, out, pkg string) error {
	build := exec.Command("go", "build", "-o", out, pkg)
	build.Dir, build.Stdout, build.Stderr = dir, os.Stderr, os.Stderr
	return build.Run()
}

// tarssh is a running tarssh whose log lines are collected.
type tarssh struct {
	cmd  *exec.Cmd
	addr string
	out  *logwatch.Log
}

// startTarssh starts tarssh with args on a free loopback port; it is
// stopped when t ends. It may be called from any goroutine.
func startTarssh(t *testing.T, args ...string) (*tarssh, error) {
	args = append([]string{"-l", "127.0.0.1:0", "-v", "--disable-log-timestamps"}, args...)
	ts := &tarssh{cmd: exec.Command(binary, args...)}
	out, err := logwatch.Start(ts.cmd)
	if err != nil {
		return nil, err
	}
	ts.out = out
	t.Cleanup(func() {
		ts.cmd.Process.Signal(syscall.SIGTERM)
		<-out.Done()
		ts.cmd.Wait()
	})
	m, _, err := out.Wait(regexp.MustCompile(`^\[INFO  tarssh\] listen, addr: (\S+)$`), 0, 10*time.Second)
	if err != nil {
		return nil, fmt.Errorf("tarssh %q did not start listening: %v", args, err)
	}
	ts.addr = m[1]
	return ts, nil
}

// waitLog returns the first log line matching re, waiting up to d for it.
func (ts *tarssh) waitLog(re *regexp.Regexp, d time.Duration) (string, bool) {
	_, at, err := ts.out.Wait(re, 0, d)
	if err != nil {
		return "", false
	}
	return ts.out.Lines()[at], true
}

func (ts *tarssh) port() string { _, p, _ := net.SplitHostPort(ts.addr); return p }

// sshClient is one real client: run connects it to ts and returns when the
// client gives up by itself or ctx ends.
type sshClient struct {
	name   string
	family string         // as the info line names it
	ident  *regexp.Regexp // the identification the disconnect line must show
	delay  string         // --delay for its runs
	run    func(ctx context.Context, ts *tarssh) error
}

// command runs an external client, killed when ctx ends.
func command(name string, args func(port string) []string) func(context.Context, *tarssh) error {
	return func(ctx context.Context, ts *tarssh) error {
		path := name
		if name == "goold" {
			path = goOld // known only once TestMain has built it
		}
		cmd := exec.CommandContext(ctx, path, args(ts.port())...)
		cmd.Env = append(os.Environ(), "HOME="+os.TempDir())
		out, err := cmd.CombinedOutput()
		if err != nil && ctx.Err() == nil && len(out) > 0 {
			return fmt.Errorf("%v: %s", err, lastLine(out))
		}
		return err
	}
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// goClient runs golang.org/x/crypto/ssh's handshake, with no deadline but
// ctx's, as most Go scanners do.
func goClient(ctx context.Context, ts *tarssh) error {
	conn, err := net.Dial("tcp", ts.addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	_, _, _, err = ssh.NewClientConn(conn, ts.addr, &ssh.ClientConfig{
		User: "root", Auth: []ssh.AuthMethod{ssh.Password("x")},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	})
	return err
}

var clients = []sshClient{
	{"openssh", "openssh", regexp.MustCompile(`^SSH-2\.0-OpenSSH_\S+`), "0.01", command("ssh", func(p string) []string {
		return []string{"-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
			"-o", "UserKnownHostsFile=/dev/null", "-p", p, "127.0.0.1", "true"}
	})},
	{"go", "go", regexp.MustCompile(`^SSH-2\.0-Go$`), "0.01", goClient},
	// x/crypto up to v0.55.0 takes 255 bytes in all: adaptive pacing makes
	// them last 253 gaps of 6 x --delay.
	{"go-0.55", "go", regexp.MustCompile(`^SSH-2\.0-Go$`), "0.01", command("goold", func(p string) []string {
		return []string{"127.0.0.1:" + p}
	})},
	// paramiko's limits are timers: 15 s per read of the first line, 2 s
	// after. The default delay shows what classic pacing does to it. Debian's
	// python3-paramiko is installed for Debian's python3.
	{"paramiko", "paramiko", regexp.MustCompile(`^SSH-2\.0-paramiko_\S+$`), "10", command("/usr/bin/python3", func(p string) []string {
		return []string{"-c", "import paramiko; paramiko.Transport(('127.0.0.1', " + p + ")).start_client()"}
	})},
	{"dbclient", "dropbear", regexp.MustCompile(`^SSH-2\.0-dropbear_\S+$`), "0.01", command("dbclient", func(p string) []string {
		return []string{"-y", "-p", p, "127.0.0.1", "true"}
	})},
	{"plink", "putty", regexp.MustCompile(`^SSH-2\.0-PuTTY_\S+$`), "0.01", command("plink", func(p string) []string {
		return []string{"-batch", "-ssh", "-P", p, "127.0.0.1", "true"}
	})},
}

// hold runs c against a fresh tarssh with the given pacing and returns how
// long c stayed before giving up (holdCap if it never did), checking the
// log: its family while held, and its identification on disconnect.
func hold(t *testing.T, c sshClient, pacing string) time.Duration {
	ts, err := startTarssh(t, "--pacing", pacing, "-d", c.delay)
	if err != nil {
		t.Error(err)
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), holdCap)
	defer cancel()
	start := time.Now()
	errc := make(chan error, 1)
	go func() { errc <- c.run(ctx, ts) }()

	// While the client is held, the info line counts it by family, once
	// tarssh has read its identification: on the first visit, which classic
	// pacing makes only after a whole --delay.
	firstLook := 6 * time.Second // past the identification window
	if d, _ := time.ParseDuration(c.delay + "s"); pacing == "classic" && d >= firstLook {
		firstLook = -1
	}
	var sawFamily bool
	select {
	case err := <-errc:
		errc <- err
	case <-after(firstLook):
		ts.cmd.Process.Signal(syscall.SIGHUP)
		want := regexp.MustCompile(`\] info, .* families: (.* )?` + c.family + `=1\b`)
		_, sawFamily = ts.waitLog(want, 5*time.Second)
		if !sawFamily {
			t.Errorf("%s/%s: no info line with families: %s=1", c.name, pacing, c.family)
		}
	}
	err = <-errc
	// A client still held when the context ends was held the whole cap:
	// start is taken a moment after the context's deadline is set.
	held := holdCap
	if ctx.Err() == nil {
		held = min(time.Since(start), holdCap)
		t.Logf("%s/%s: gave up after %v: %v", c.name, pacing, held.Round(10*time.Millisecond), err)
	}

	// The disconnect line names the client by its identification; tarssh
	// notices the closed socket on its next writes.
	line, ok := ts.waitLog(regexp.MustCompile(`\] disconnect, `), 40*time.Second)
	if !ok {
		t.Errorf("%s/%s: no disconnect line", c.name, pacing)
		return held
	}
	m := regexp.MustCompile(`, ident: "([^"]*)"$`).FindStringSubmatch(line)
	if m == nil || !c.ident.MatchString(m[1]) {
		t.Errorf("%s/%s: disconnect line %q: ident does not match %v", c.name, pacing, line, c.ident)
	}
	return held
}

// after is time.After, except that a negative d never fires.
func after(d time.Duration) <-chan time.Time {
	if d < 0 {
		return nil
	}
	return time.After(d)
}

// TestClientsHeld runs every client under classic and adaptive pacing, all
// at once (so the suite takes about one hold cap, not ten), and checks that
// adaptive pacing holds each at least as long, and holds Go, paramiko and
// dbclient to the cap where classic loses them.
func TestClientsHeld(t *testing.T) {
	t.Parallel()
	type result struct{ classic, adaptive time.Duration }
	results := make([]result, len(clients))
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() { results[i].classic = hold(t, c, "classic") })
		wg.Go(func() { results[i].adaptive = hold(t, c, "adaptive") })
	}
	wg.Wait()
	mustBeat := map[string]bool{"go": true, "paramiko": true, "dbclient": true}
	t.Logf("%-9s %-6s %-10s %s", "client", "delay", "classic", "adaptive")
	for i, c := range clients {
		r := results[i]
		t.Logf("%-9s %-6s %-10v %v", c.name, c.delay+"s", r.classic.Round(10*time.Millisecond), r.adaptive.Round(10*time.Millisecond))
		if r.adaptive < r.classic {
			t.Errorf("%s: adaptive held %v, less than classic's %v", c.name, r.adaptive, r.classic)
		}
		if c.name == "go-0.55" && r.adaptive < 253*6*10*time.Millisecond {
			t.Errorf("%s: adaptive held %v, want its 254-byte budget to last 253 gaps of 60 ms", c.name, r.adaptive)
		}
		if mustBeat[c.name] && (r.adaptive < holdCap || r.classic >= holdCap) {
			t.Errorf("%s: classic held %v and adaptive %v; want classic to lose it and adaptive to hold it %v",
				c.name, r.classic, r.adaptive, holdCap)
		}
	}
}

// TestSilentAndAllowed checks the two cases that are not SSH clients: a
// peer that sends nothing is counted as silent and still held, and a peer
// from an --allow network is closed at once, logged and counted.
func TestSilentAndAllowed(t *testing.T) {
	t.Parallel()
	ts, err := startTarssh(t, "--allow", "127.0.0.2/32", "-d", "0.02")
	if err != nil {
		t.Fatal(err)
	}

	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	allowed, err := d.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer allowed.Close()
	allowed.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := allowed.Read(make([]byte, 1)); n != 0 || err == nil || os.IsTimeout(err) {
		t.Errorf("allowed client: read %d bytes, %v; want the connection closed at once", n, err)
	}
	if _, ok := ts.waitLog(regexp.MustCompile(`\] allow, peer: 127\.0\.0\.2:\d+, allowed: 1$`), 5*time.Second); !ok {
		t.Errorf("no allow line")
	}

	silent, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	// After the identification window the silent peer is paced by the
	// default profile: bytes arrive, but never a line starting "SSH-".
	silent.SetReadDeadline(time.Now().Add(15 * time.Second))
	got, err := bufio.NewReader(silent).ReadString('\n')
	if err != nil || strings.HasPrefix(got, "SSH-") || !strings.HasSuffix(got, "\r\n") {
		t.Errorf("silent client read %q, %v", got, err)
	}
	ts.cmd.Process.Signal(syscall.SIGHUP)
	if _, ok := ts.waitLog(regexp.MustCompile(`\] info, .*clients: 1, .*families: silent=1, allowed: 1$`), 5*time.Second); !ok {
		t.Errorf("no info line with silent=1 and allowed: 1 in:\n%s", ts.out.Text())
	}
}
