package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tarssh/tarssh/internal/testutil/rfc4253"
	"golang.org/x/crypto/ssh"
)

var q = regexp.QuoteMeta

// TestStartupLog checks the start-up lines and the header that the
// --disable-log-* flags leave.
func TestStartupLog(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		flags  []string
		header string // regexp of the header before the message
	}{
		{nil, `\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  tarssh\] `},
		{[]string{"--disable-log-timestamps", "--disable-log-ident"}, `\[INFO \] `},
		{[]string{"--disable-log-timestamps", "--disable-log-ident", "--disable-log-level"}, ``},
		{[]string{"--disable-log-level"}, `\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z tarssh\] `},
	} {
		t.Run(strings.Join(tt.flags, " "), func(t *testing.T) {
			t.Parallel()
			p := start(t, nil, append([]string{"-v", "-l", "127.0.0.1:0", "-d", "2.5", "-t", "7"}, tt.flags...)...)
			pid := p.cmd.Process.Pid
			want := []string{
				fmt.Sprintf(`init, pid: %d, version: \d+\.\d+\.\d+`, pid),
				fmt.Sprintf(`listen, addr: 127\.0\.0\.1:%d`, p.port),
				`privdrop, enabled: false`,
				`sandbox, enabled: (true|false)(, .*)?`,
				`start, servers: 1, max_clients: 4096, delay: 2\.5s, timeout: 7s`,
			}
			log := p.log()
			if len(log) != len(want) {
				t.Fatalf("start-up log has %d lines, want %d", len(log), len(want))
			}
			for i, w := range want {
				if !regexp.MustCompile(`^` + tt.header + w + `$`).MatchString(log[i]) {
					t.Errorf("line %d = %q, want %q", i, log[i], tt.header+w)
				}
			}
		})
	}
}

// TestLines checks what a client receives with -d 1: valid lines, the
// first after one delay and then one per delay, and the connect and
// disconnect lines that frame it.
func TestLines(t *testing.T) {
	t.Parallel()
	p := start(t, nil, "-v", "--pacing", "classic", "-d", "1", "-l", "127.0.0.1:0")
	begin := time.Now()
	c := p.dial()
	peer := c.LocalAddr().String()
	p.waitFor(`\] connect, peer: `+q(peer)+`, clients: 1$`, 5*time.Second)
	if _, err := c.Write([]byte("SSH-2.0-tarssh_test_1.0\r\n")); err != nil {
		t.Fatal(err)
	}
	lines := readLines(t, c, 4, 10*time.Second)
	if len(lines) < 4 {
		t.Fatalf("got %d lines in 10s with -d 1: %+v", len(lines), lines)
	}
	received := 0
	for _, l := range lines {
		if err := rfc4253.Line([]byte(l.text)); err != nil {
			t.Error(err)
		}
		received += len(l.text)
	}
	// Timing: line k (from 0) is due k+1 delays after the connection, and
	// the engine visits at most 250ms early (tarpit's ahead), so no line
	// may come sooner. On a loaded machine lines may come late: the
	// upper bound is readLines' 10s for four lines, which -d 10 would miss.
	for k, l := range lines[:4] {
		if d, min := l.at.Sub(begin), time.Duration(k+1)*time.Second-260*time.Millisecond; d < min {
			t.Errorf("line %d came %v after connecting, before its due time less 250ms (%v)", k, d, min)
		}
	}

	c.Close()
	m := p.waitFor(`\] disconnect, peer: `+q(peer)+`, duration: ([0-9.]+)s, bytes: (\d+), error: "([^"]*)", clients: 0, ident: "SSH-2\.0-tarssh_test_1\.0"$`, 10*time.Second)
	// The engine learns of the close on its next visits: one more line may
	// be accepted by the kernel before the write fails.
	if n, _ := strconv.Atoi(m[2]); n < received || n > received+32 {
		t.Errorf("disconnect says bytes: %d, the client received %d", n, received)
	}
	if d, _ := strconv.ParseFloat(m[1], 64); d < 3.5 || d > 15 {
		t.Errorf("disconnect says duration: %ss", m[1])
	}
	switch m[3] {
	case "Broken pipe (os error 32)", "Connection reset by peer (os error 104)":
	default:
		t.Errorf("disconnect error %q, want EPIPE or ECONNRESET", m[3])
	}
}

// TestIPv6 serves IPv4 and IPv6 listeners together and checks that peers
// print as tarssh prints them.
func TestIPv6(t *testing.T) {
	t.Parallel()
	if ln, err := net.Listen("tcp6", "[::1]:0"); err != nil {
		t.Fatalf("this machine has no IPv6 loopback: %v", err)
	} else {
		ln.Close()
	}
	p := start(t, nil, "-v", "--pacing", "classic", "-d", "0.2", "-l", "127.0.0.1:0", "-l", "[::1]:0")
	m := p.waitForN(`listen, addr: \[::1\]:(\d+)`, 1, time.Second)
	p.waitFor(`start, servers: 2,`, time.Second)
	c, err := net.DialTimeout("tcp6", "[::1]:"+m[1], 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p.waitFor(`connect, peer: `+q(c.LocalAddr().String())+`, clients: 1$`, 5*time.Second)
	if l := readLines(t, c, 1, 5*time.Second); len(l) != 1 {
		t.Fatalf("IPv6 client got no line")
	} else {
		if err := rfc4253.Line([]byte(l[0].text)); err != nil {
			t.Error(err)
		}
	}
	c4 := p.dial()
	p.waitFor(`connect, peer: `+q(c4.LocalAddr().String())+`, clients: 2$`, 5*time.Second)
}

// TestOpenSSH traps the real OpenSSH client, under each pacing: it must
// still be waiting for the banner after several delays, and never see an
// SSH- line.
func TestOpenSSH(t *testing.T) {
	t.Parallel()
	sshPath, err := exec.LookPath("ssh")
	if err != nil {
		t.Fatalf("no ssh client (make test-deps installs openssh-client): %v", err)
	}
	for _, pacing := range []string{"classic", "adaptive"} {
		t.Run(pacing, func(t *testing.T) {
			t.Parallel()
			testOpenSSH(t, sshPath, pacing)
		})
	}
}

func testOpenSSH(t *testing.T, sshPath, pacing string) {
	p := start(t, nil, "-v", "--pacing", pacing, "-d", "0.3", "-l", "127.0.0.1:0")
	cmd := exec.Command(sshPath, "-v", "-F", "/dev/null", "-o", "BatchMode=yes",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-p", strconv.Itoa(p.port), "127.0.0.1", "true")
	cmd.SysProcAttr = childAttr()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(done) }()
	defer func() {
		cmd.Process.Kill()
		<-done
	}()
	p.waitFor(`connect, peer: 127\.0\.0\.1:\d+, clients: 1$`, 10*time.Second)
	select {
	case <-done:
		t.Fatalf("ssh gave up within 3s: %v\n%s", waitErr, out.String())
	case <-time.After(3 * time.Second): // ten delays
	}
	p.signal(syscall.SIGHUP)
	m := p.waitFor(`info, pid: \d+, signal: HUP, uptime: [0-9.]+m?s, clients: 1, total: 1, bytes: (\d+)`, 5*time.Second)
	sent, _ := strconv.Atoi(m[1])
	if sent == 0 || pacing == "classic" && sent < 20 {
		t.Errorf("after 3s at -d 0.3 tarssh sent only %d bytes", sent)
	}
	cmd.Process.Kill()
	<-done
	var banner []string
	for _, l := range strings.Split(out.String(), "\n") {
		if _, b, ok := strings.Cut(l, "kex_exchange_identification: banner line "); ok {
			banner = append(banner, b)
			if _, text, _ := strings.Cut(b, ": "); strings.HasPrefix(text, "SSH-") {
				t.Errorf("ssh saw an SSH- line: %q", l)
			}
		}
		if strings.Contains(l, "Remote protocol version") {
			t.Errorf("ssh got a version string: %q", l)
		}
	}
	// Classic pacing sends a whole line per delay; adaptive pacing drips
	// bytes and ends lines rarely.
	if pacing == "classic" && len(banner) < 5 {
		t.Errorf("ssh -v logged %d banner lines in 3s at -d 0.3, want at least 5:\n%s", len(banner), out.String())
	}
	p.waitFor(`disconnect, peer: 127\.0\.0\.1:\d+, .*, ident: "SSH-2\.0-OpenSSH_[^"]*"`, 10*time.Second)
}

// TestGoSSH traps golang.org/x/crypto/ssh's client the same way.
func TestGoSSH(t *testing.T) {
	t.Parallel()
	for _, pacing := range []string{"classic", "adaptive"} {
		t.Run(pacing, func(t *testing.T) {
			t.Parallel()
			testGoSSH(t, pacing)
		})
	}
}

func testGoSSH(t *testing.T, pacing string) {
	p := start(t, nil, "-v", "--pacing", pacing, "-d", "0.5", "-l", "127.0.0.1:0")
	r := &recorder{Conn: p.dial()}
	done := make(chan error, 1)
	go func() {
		conn, _, _, err := ssh.NewClientConn(r, p.addr(), &ssh.ClientConfig{
			User:            "root",
			Auth:            []ssh.AuthMethod{ssh.Password("x")},
			HostKeyCallback: ssh.InsecureIgnoreHostKey(),
			ClientVersion:   "SSH-2.0-Go_tarssh_test",
		})
		if conn != nil {
			conn.Close()
		}
		done <- err
	}()
	// Go's client gives up after 1024 pre-banner lines; five are enough to
	// show it waits.
	select {
	case err := <-done:
		t.Fatalf("Go's ssh client gave up: %v", err)
	case <-time.After(2700 * time.Millisecond):
	}
	got := r.received()
	if n := bytes.Count(got, []byte("\n")); pacing == "classic" && n < 3 {
		t.Errorf("Go's client read %d lines in 2.7s at -d 0.5", n)
	}
	if err := rfc4253.Stream(got, pacing == "classic"); err != nil {
		t.Error(err)
	}
	r.Close()
	if err := <-done; err == nil {
		t.Error("handshake succeeded")
	}
	p.waitFor(`disconnect, peer: `+q(r.LocalAddr().String())+`, .*, ident: "SSH-2\.0-Go_tarssh_test"`, 10*time.Second)
}

// TestMaxClients checks that at -c 5 the sixth client waits in the backlog
// until a slot frees.
func TestMaxClients(t *testing.T) {
	t.Parallel()
	p := start(t, nil, "-v", "--pacing", "classic", "-c", "5", "-d", "0.2", "-l", "127.0.0.1:0")
	var held []net.Conn
	for range 5 {
		held = append(held, p.dial())
	}
	for i, c := range held {
		if l := readLines(t, c, 1, 5*time.Second); len(l) != 1 {
			t.Fatalf("client %d got no line", i)
		}
	}
	sixth := p.dial() // the kernel completes the handshake: it waits in the backlog
	if l := readLines(t, sixth, 1, 1500*time.Millisecond); len(l) != 0 {
		t.Fatalf("the sixth client got %q while five were held at -c 5", l[0].text)
	}
	if n := len(p.matches(`\] connect, `)); n != 5 {
		t.Fatalf("%d connect lines at -c 5", n)
	}
	held[0].Close()
	if l := readLines(t, sixth, 1, 5*time.Second); len(l) != 1 {
		t.Fatal("the sixth client got no line after a slot was freed")
	}
	p.waitFor(`\] disconnect, peer: `+q(held[0].LocalAddr().String())+`, .*clients: 4`, time.Second)
	p.waitFor(`\] connect, peer: `+q(sixth.LocalAddr().String())+`, clients: 5$`, time.Second)
}

// TestWriteTimeout checks that a client that stops reading is dropped
// after -t. The kernel enforces it (TCP_USER_TIMEOUT) once the client's
// receive window is shut, so the client takes the smallest receive buffer
// before it connects and never reads, and tarssh writes often.
func TestWriteTimeout(t *testing.T) {
	t.Parallel()
	p := start(t, nil, "-v", "--pacing", "classic", "-d", "0.01", "-t", "1", "-l", "127.0.0.1:0")
	begin := time.Now()
	c := dialWith(t, p.addr(), syscall.SO_RCVBUF, 1)
	// A reading client at the same pace must not be dropped.
	reader := p.dial()
	go func() {
		buf := make([]byte, 1024)
		for {
			if _, err := reader.Read(buf); err != nil {
				return
			}
		}
	}()
	m := p.waitFor(`\] disconnect, peer: `+q(c.LocalAddr().String())+`, duration: ([0-9.]+m?s), bytes: (\d+), error: "([^"]*)"`, 30*time.Second)
	t.Logf("non-reading client dropped after %v (%s), %s bytes", time.Since(begin).Round(time.Millisecond), m[1], m[2])
	if m[3] != "Connection timed out (os error 110)" {
		t.Errorf("dropped with %q, want ETIMEDOUT", m[3])
	}
	if d := time.Since(begin); d < time.Second {
		t.Errorf("dropped after %v, before the 1s timeout", d)
	}
	if n := p.matches(`\] disconnect, peer: ` + q(reader.LocalAddr().String())); len(n) != 0 {
		t.Errorf("the reading client was dropped too: %q", n)
	}
}

// TestFDLimit runs tarssh with 64 descriptors and more clients than that:
// it must log the accept failure once, keep serving without spinning, and
// take the waiting clients when descriptors free up.
func TestFDLimit(t *testing.T) {
	t.Parallel()
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Fatalf("no prlimit (util-linux): %v", err)
	}
	p := start(t, []string{prlimit, "--nofile=64:64", "--"}, "-v", "--pacing", "classic", "-d", "0.2", "-l", "127.0.0.1:0")
	const n = 100
	conns := make([]net.Conn, n)
	for i := range conns {
		conns[i] = p.dial()
	}
	p.waitFor(`\] accept, err: Too many open files \(os error 24\), wait: 100ms$`, 10*time.Second)
	m := p.waitFor(`\] connect, peer: .*, clients: (\d+)$`, time.Second)
	// At the limit: every client socket tarssh holds has its connect line
	// (its sockets are the listener and the clients).
	var heldAtLimit int
	for deadline := time.Now().Add(10 * time.Second); ; {
		heldAtLimit = len(p.matches(`\] connect, `))
		if p.sockets() == heldAtLimit+1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d connect lines, %d sockets open after 10s", heldAtLimit, p.sockets())
		}
		select { // the next log line, or a look at the sockets again
		case <-p.grown():
		case <-time.After(100 * time.Millisecond):
		}
	}
	if heldAtLimit < 30 || heldAtLimit >= 64 {
		t.Errorf("%d clients held with 64 descriptors (first %s)", heldAtLimit, m[0])
	}
	// A measuring window, not a wait: a loop retrying accept without
	// backing off would use most of a core in it.
	cpu0 := p.cpu()
	time.Sleep(3 * time.Second)
	used := p.cpu() - cpu0
	t.Logf("%d clients held with 64 descriptors; %v of CPU in 3s at the limit", heldAtLimit, used)
	if used > 600*time.Millisecond {
		t.Errorf("tarssh used %v of CPU in 3s at the descriptor limit: spinning?", used)
	}
	if k := len(p.matches(`\] accept, err: `)); k != 1 {
		t.Errorf("accept error logged %d times in one burst, want once", k)
	}
	if k := len(p.matches(`\] connect, `)); k != heldAtLimit {
		t.Errorf("held %d clients, then %d, while at the limit", heldAtLimit, k)
	}
	// Free descriptors: the held clients leave and the waiting ones come in.
	var waiting []net.Conn
	for _, c := range conns {
		if readLines(t, c, 1, 10*time.Millisecond) != nil {
			c.Close()
		} else {
			waiting = append(waiting, c)
		}
	}
	if len(waiting) == 0 || len(waiting) == n {
		t.Fatalf("%d of %d clients were waiting", len(waiting), n)
	}
	p.waitFor(`\] accept, recovered: true`, 10*time.Second)
	for i, c := range waiting {
		if l := readLines(t, c, 1, 10*time.Second); len(l) != 1 {
			t.Fatalf("waiting client %d of %d got no line after descriptors freed", i, len(waiting))
		}
	}
	p.signal(syscall.SIGTERM)
	if code := p.wait(10 * time.Second); code != 0 {
		t.Errorf("exit status %d after SIGTERM", code)
	}
}

// TestSignals checks SIGHUP's info line, that SIGPIPE is ignored, and the
// shutdown line and exit status on SIGTERM and SIGINT.
func TestSignals(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			p := start(t, nil, "-v", "--pacing", "classic", "-d", "0.1", "-l", "127.0.0.1:0")
			pid := p.cmd.Process.Pid
			c := p.dial()
			if l := readLines(t, c, 2, 5*time.Second); len(l) != 2 {
				t.Fatal("client got no lines")
			}
			p.signal(syscall.SIGPIPE)
			p.signal(syscall.SIGHUP)
			p.waitFor(fmt.Sprintf(`\] info, pid: %d, signal: HUP, uptime: [0-9.]+m?s, clients: 1, total: 1, bytes: [1-9]\d*(, families: [^,]*)?$`, pid), 5*time.Second)
			p.signal(sig)
			name := strings.TrimPrefix(map[syscall.Signal]string{syscall.SIGTERM: "TERM", syscall.SIGINT: "INT"}[sig], "SIG")
			p.waitFor(fmt.Sprintf(`\] shutdown, pid: %d, signal: %s, uptime: [0-9.]+m?s, clients: 1, total: 1, bytes: [1-9]\d*(, families: [^,]*)?$`, pid, name), 5*time.Second)
			if code := p.wait(10 * time.Second); code != 0 {
				t.Errorf("exit status %d after %v, want 0", code, sig)
			}
			// The client's connection was closed.
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, 4096)
			for {
				if _, err := c.Read(buf); err != nil {
					if ne, ok := err.(net.Error); ok && ne.Timeout() {
						t.Error("the client's connection is still open after shutdown")
					}
					break
				}
			}
		})
	}
}

// TestBadFlags checks that a bad command line exits 64 with one line naming
// the flag and the value, before anything is bound.
func TestBadFlags(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"--frobnicate"}, []string{"--frobnicate"}},
		{[]string{"-d"}, []string{"-d"}},
		{[]string{"-l", "127.0.0.1:99999"}, []string{"--listen", "127.0.0.1:99999"}},
		{[]string{"-l", "::1:22"}, []string{"--listen", "::1:22"}},
		{[]string{"-c", "0"}, []string{"--max-clients", `"0"`}},
		{[]string{"-d", "NaN"}, []string{"--delay", "NaN"}},
		{[]string{"-t", "-1"}, []string{"--timeout", "-1"}},
		{[]string{"-d", "1", "-d", "2"}, []string{"--delay", "more than once"}},
		{[]string{"extra"}, []string{"extra"}},
		{[]string{"-u", "no-such-user-tarssh"}, []string{"--user", "no-such-user-tarssh"}},
		{[]string{"--chroot", "relative"}, []string{"--chroot", "relative"}},
		// Issue 9: refused before anything is bound, not after.
		{append(strings.Fields(strings.Repeat("-l 127.0.0.1:0 ", 256)), "-v"), []string{"--listen", "at most 255"}},
		{[]string{"-u", "4294967295", "-l", "127.0.0.1:0", "-v"}, []string{"--user", "4294967295"}},
		{[]string{"-g", "4294967295", "-l", "127.0.0.1:0", "-v"}, []string{"--group", "4294967295"}},
		{[]string{"-d", "0x1p3"}, []string{"--delay", "0x1p3"}},
	} {
		cmd := exec.Command(tarssh(t), tt.args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 64 {
			t.Errorf("tarssh %q: %v, want exit status 64", tt.args, err)
			continue
		}
		var errLines []string
		for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
			if strings.HasPrefix(l, "tarssh: error: ") {
				errLines = append(errLines, l)
			}
		}
		if len(errLines) != 1 || stdout.Len() != 0 || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("tarssh %q: stdout %q, stderr %q; want one error line", tt.args, stdout.String(), stderr.String())
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(errLines[0], w) {
				t.Errorf("tarssh %q: %q lacks %q", tt.args, errLines[0], w)
			}
		}
	}
	// -h and -V are not errors.
	for _, args := range [][]string{{"-h"}, {"--help"}, {"-V"}, {"--version"}} {
		out, err := exec.Command(tarssh(t), args...).Output()
		if err != nil || !strings.HasPrefix(string(out), "tarssh ") {
			t.Errorf("tarssh %q: %v, %q", args, err, out)
		}
	}
}

// TestBindFailure checks that an address in use is named, with a non-zero
// exit, and that nothing stays bound.
func TestBindFailure(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	// A free port for the first listener, which must be released again.
	free, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	freeAddr := free.Addr().String()
	free.Close()
	p := launch(t, nil, "-l", freeAddr, "-l", busy.Addr().String())
	if code := p.wait(10 * time.Second); code != 71 {
		t.Errorf("exit status %d with %s in use, want 71 (EX_OSERR)", code, busy.Addr())
	}
	if m := p.matches(`\] listen, addr: ` + q(busy.Addr().String()) + `, error: Address already in use \(os error 98\)$`); len(m) != 1 {
		t.Errorf("no log line names %s in use", busy.Addr())
	}
	if ln, err := net.Listen("tcp4", freeAddr); err != nil {
		t.Errorf("%s is not free after tarssh exited: %v", freeAddr, err)
	} else {
		ln.Close()
	}
}

// startUnread starts tarssh with its log on a pipe, reads the log up to the
// listen line and returns the pipe (not read any further) and the address.
func startUnread(t *testing.T, env []string, args ...string) (*exec.Cmd, *os.File, *bufio.Reader, string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	cmd := exec.Command(tarssh(t), args...)
	cmd.SysProcAttr = childAttr()
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	br := bufio.NewReader(r)
	for {
		r.SetReadDeadline(time.Now().Add(10 * time.Second))
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the start-up log: %v", err)
		}
		if _, a, ok := strings.Cut(l, "listen, addr: "); ok {
			return cmd, r, br, strings.TrimSpace(a)
		}
	}
}

// churn connects and resets n clients: each logs a connect and a
// disconnect line.
func churn(t *testing.T, addr string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		c.(*net.TCPConn).SetLinger(0) // a reset: the engine drops it on its next visit
		c.Close()
	}
}

// TestLogNeverBlocks stops reading tarssh's log while thousands of clients
// come and go: the engine must keep serving (log lines are dropped, not
// waited for) and the next info line must count the drops.
func TestLogNeverBlocks(t *testing.T) {
	t.Parallel()
	cmd, r, br, addr := startUnread(t, nil, "-v", "--pacing", "classic", "--disable-log-timestamps", "--per-source-max-clients", "4096", "-d", "0.1", "-l", "127.0.0.1:0")
	held, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	// Far more lines than the pipe and the log queue (4096 records) hold.
	churn(t, addr, 3000)
	// The held client is still served on time while nobody reads the log.
	// Lines sent while the churn ran may come in one read: at least five.
	if l := readLines(t, held, 5, 5*time.Second); len(l) < 5 {
		t.Fatalf("the held client got %d lines in 5s at -d 0.1 while the log was blocked", len(l))
	}
	// Drain the log until it is quiet (the queue may have been full when
	// the signal came, so ask for the info line only then).
	lines := make(chan string, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(br)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	r.SetReadDeadline(time.Now().Add(30 * time.Second))
	drained := 0
	for quiet := false; !quiet; {
		select {
		case _, ok := <-lines:
			if !ok {
				t.Fatal("tarssh closed its log")
			}
			drained++
		case <-time.After(500 * time.Millisecond):
			quiet = true
		}
	}
	cmd.Process.Signal(syscall.SIGHUP)
	var info string
	for info == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("no info line after SIGHUP")
			}
			if strings.Contains(l, "] info, ") {
				info = l
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no info line within 10s of SIGHUP")
		}
	}
	t.Logf("%d log lines came through, then: %s", drained, info)
	m := regexp.MustCompile(`, clients: 1, total: 3001, bytes: \d+(, families: [^,]*)?, log_dropped: (\d+)(, |$)`).FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("info line %q does not count dropped log lines", info)
	}
	if n, _ := strconv.Atoi(m[2]); n+drained < 6000 {
		t.Errorf("%d lines logged and %d dropped, for 3000 clients' connect and disconnect", drained, n)
	}
}

// TestExitWithBlockedLog checks that SIGTERM ends tarssh promptly even when
// nothing reads its log (a stopped terminal, a stalled journal).
func TestExitWithBlockedLog(t *testing.T) {
	t.Parallel()
	// The status tarssh sends systemd counts dropped log records: with a
	// watchdog of 200ms it is sent every 100ms.
	notify := filepath.Join(t.TempDir(), "notify")
	status, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: notify, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer status.Close()
	cmd, _, _, addr := startUnread(t, []string{"NOTIFY_SOCKET=" + notify, "WATCHDOG_USEC=200000"},
		"-v", "--pacing", "classic", "-d", "0.1", "-l", "127.0.0.1:0")
	churn(t, addr, 3000)
	// Wait until the queue has filled: records are dropped only then.
	status.SetReadDeadline(time.Now().Add(30 * time.Second))
	for buf := make([]byte, 4096); ; {
		n, err := status.Read(buf)
		if err != nil {
			t.Fatalf("the status never counted a dropped log record: %v", err)
		}
		if bytes.Contains(buf[:n], []byte(" log records dropped")) {
			break
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM with the log blocked: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still running 10s after SIGTERM with its log blocked")
	}
}

// TestFloodingClient checks that a client that sends without pause costs
// tarssh little: what it sends is read a bounded amount per visit, so its
// window shuts, and it still gets its lines.
func TestFloodingClient(t *testing.T) {
	t.Parallel()
	p := start(t, nil, "-v", "--pacing", "classic", "-d", "0.05", "-l", "127.0.0.1:0")
	// A small send buffer on the client, so that what it manages to send is
	// what tarssh takes, not what its own kernel buffers.
	c := dialWith(t, p.addr(), syscall.SO_SNDBUF, 4096)
	cpu0 := p.cpu()
	sent := make(chan int, 1)
	go func() {
		total := 0
		chunk := bytes.Repeat([]byte("flood\r\n"), 1024)
		c.SetWriteDeadline(time.Now().Add(2 * time.Second))
		if n, err := c.Write([]byte("SSH-2.0-flood\r\n")); err == nil {
			total += n
		}
		for {
			n, err := c.Write(chunk)
			total += n
			if err != nil {
				sent <- total
				return
			}
		}
	}()
	lines := readLines(t, c, 20, 5*time.Second)
	if len(lines) < 20 {
		t.Fatalf("a flooding client got %d lines at -d 0.05", len(lines))
	}
	n := <-sent
	if used := p.cpu() - cpu0; used > time.Second {
		t.Errorf("a flooding client cost tarssh %v of CPU in about 2s", used)
	}
	// At most one 4 KiB read per visit, 20 visits a second (160 KiB in
	// 2s), plus small buffers.
	if n > 400<<10 {
		t.Errorf("the client pushed %d bytes in 2s: reads are not bounded", n)
	}
	t.Logf("the flooding client pushed %d bytes in 2s", n)
	c.Close()
	p.waitFor(`disconnect, .*, ident: "SSH-2\.0-flood"$`, 10*time.Second)
}

// dialWith connects to addr with a socket option set before connecting (as
// buffer sizes must be, to shape the window), closed when the test ends.
func dialWith(t *testing.T, addr string, opt, value int) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, opt, value)
		})
		return errors.Join(err, serr)
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestMaxClientsListeners checks that at -c 1 with four listeners the one
// free slot goes to whichever listener has a client waiting: an idle
// listener must not keep it.
func TestMaxClientsListeners(t *testing.T) {
	t.Parallel()
	p := start(t, nil, "-v", "--pacing", "classic", "-c", "1", "-d", "0.1",
		"-l", "127.0.0.1:0", "-l", "127.0.0.2:0", "-l", "127.0.0.3:0", "-l", "127.0.0.4:0")
	var addrs []string
	for _, l := range p.matches(`listen, addr: `) {
		addrs = append(addrs, l[strings.LastIndex(l, " ")+1:])
	}
	if len(addrs) != 4 {
		t.Fatalf("listening on %q", addrs)
	}
	for round, k := range []int{3, 1, 2, 0, 3} {
		c, err := net.DialTimeout("tcp", addrs[k], 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if l := readLines(t, c, 1, 3*time.Second); len(l) != 1 {
			c.Close()
			t.Fatalf("round %d: the only client, on %s, got no line at -c 1", round, addrs[k])
		}
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
		p.waitForN(`\] disconnect, .*clients: 0`, round+1, 5*time.Second)
	}
}

// TestRaceBuild runs a tarssh built with the race detector through its
// concurrent paths (two listeners' accept goroutines sharing the slots, the
// engine loop, signals), so that make test, which otherwise tests the
// shipped binary, still checks the binary for data races.
func TestRaceBuild(t *testing.T) {
	t.Parallel()
	if !raceEnabled {
		t.Skip("run with -race")
	}
	p := startBin(t, build(t, true), nil, "-v", "--pacing", "classic", "-c", "3", "-d", "0.05", "-l", "127.0.0.1:0", "-l", "127.0.0.2:0")
	var addrs []string
	for _, l := range p.matches(`listen, addr: `) {
		addrs = append(addrs, l[strings.LastIndex(l, " ")+1:])
	}
	for round := range 3 {
		var conns []net.Conn
		for i := range 6 {
			c, err := net.DialTimeout("tcp", addrs[i%2], 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		// Read them all at once: three get a line, three wait.
		p.waitForN(`\] connect, `, 6*round+3, 5*time.Second)
		got := make(chan bool)
		for _, c := range conns {
			go func() {
				buf := make([]byte, 64)
				c.SetReadDeadline(time.Now().Add(1500 * time.Millisecond))
				n, _ := c.Read(buf)
				got <- n > 0
			}()
		}
		served := 0
		for range conns {
			if <-got {
				served++
			}
		}
		if served != 3 {
			t.Errorf("round %d: %d of 6 clients served at -c 3", round, served)
		}
		p.signal(syscall.SIGHUP)
		// All leave; the three that waited are accepted and dropped too.
		for _, c := range conns {
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}
		p.waitForN(`\] disconnect, `, 6*(round+1), 5*time.Second)
	}
	p.signal(syscall.SIGTERM)
	if code := p.wait(10 * time.Second); code != 0 {
		t.Errorf("exit status %d", code)
	}
	if len(p.matches(`WARNING: DATA RACE`)) > 0 {
		t.Error("data race reported")
	}
}
