package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// startActivated starts tarssh with files as passed sockets (LISTEN_FDS,
// LISTEN_PID set by a shell that then execs, as systemd does) and env.
func startActivated(t *testing.T, args string, files []*os.File, env ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command("sh", "-c", `LISTEN_PID=$$ exec "$@"`, "sh", os.Args[0])
	cmd.Env = append(os.Environ(), "TARSSH_TEST_ARGS="+args,
		fmt.Sprintf("LISTEN_FDS=%d", len(files)), "LISTEN_FDNAMES=tarssh")
	cmd.Env = append(cmd.Env, env...)
	cmd.ExtraFiles = files
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		f.Close()
	}
	return cmd, &stderr
}

func tcpListenerFile(t *testing.T) (*os.File, string) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	return f, ln.Addr().String()
}

// notifySocket stands in for systemd's notify socket.
func notifySocket(t *testing.T) (string, func(time.Duration) (string, error)) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return path, func(d time.Duration) (string, error) {
		buf := make([]byte, 4096)
		c.SetReadDeadline(time.Now().Add(d))
		for {
			n, err := c.Read(buf)
			// The fd store's messages (their descriptors dropped by the
			// kernel as this read takes none) are fdstore_linux_test.go's.
			if err != nil || !strings.HasPrefix(string(buf[:n]), "FDSTORE=1\n") {
				return string(buf[:n]), err
			}
		}
	}
}

// Activated, tarssh serves the passed socket, names it in the log, tells
// systemd it is ready (with watchdog pings and status) and stopping.
func TestSocketActivationServesAndNotifies(t *testing.T) {
	f, addr := tcpListenerFile(t)
	path, recv := notifySocket(t)
	cmd, stderr := startActivated(t, "-v -d 0.05 --pacing classic --log-target console --disable-log-timestamps", []*os.File{f},
		"NOTIFY_SOCKET="+path, "WATCHDOG_USEC=400000")
	defer cmd.Process.Kill()

	msg, err := recv(10 * time.Second)
	if err != nil || !strings.HasPrefix(msg, "READY=1\nWATCHDOG=1\nSTATUS=holding 0 clients") {
		t.Fatalf("first notification %q (%v), want READY=1, WATCHDOG=1 and a status", msg, err)
	}
	c, err := net.Dial("tcp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasSuffix(line, "\r\n") || strings.HasPrefix(line, "SSH-") {
		t.Fatalf("the passed socket served %q, %v", line, err)
	}
	// Heartbeats every 200 ms (half the watchdog interval) report the client.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(msg, "holding 1 clients, 1 trapped in total") {
		if time.Now().After(deadline) {
			t.Fatalf("no status with the client; last %q", msg)
		}
		if msg, err = recv(time.Second); err != nil || !strings.HasPrefix(msg, "WATCHDOG=1\nSTATUS=") {
			t.Fatalf("heartbeat %q, %v", msg, err)
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	for !strings.HasPrefix(msg, "STOPPING=1") {
		if msg, err = recv(5 * time.Second); err != nil {
			t.Fatalf("no STOPPING=1: %v", err)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit: %v\n%s", err, stderr)
	}
	want := "listen, addr: " + addr + ", name: tarssh\n"
	if !strings.Contains(stderr.String(), want) || strings.Contains(stderr.String(), "WARN") {
		t.Errorf("log lacks %q or warns:\n%s", want, stderr)
	}
}

func TestSocketActivationRefusals(t *testing.T) {
	listener := func(t *testing.T) *os.File {
		f, _ := tcpListenerFile(t)
		return f
	}
	for _, tt := range []struct {
		name   string
		args   string
		passed func(t *testing.T) *os.File
		env    []string
		status int
		log    string
	}{{
		name:   "--listen while activated",
		args:   "-l 127.0.0.1:0",
		passed: listener,
		status: 64,
		log:    `listen, error: "-l/--listen cannot be used with socket activation`,
	}, {
		name:   "--metrics while activated",
		args:   "--metrics 127.0.0.1:0",
		passed: listener,
		status: 64,
		log:    `listen, error: "--metrics cannot be used with socket activation`,
	}, {
		name: "only a datagram socket passed",
		passed: func(t *testing.T) *os.File {
			fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
			if err != nil {
				t.Fatal(err)
			}
			return os.NewFile(uintptr(fd), "udp")
		},
		status: 71,
		log:    `listen, error: "systemd passed no listening stream socket"`,
	}, {
		// Issue 9: descriptors 4 to 12 are not ours (the Go runtime's, or
		// closed); nothing is wrapped, closed or served.
		name:   "LISTEN_FDS above what was passed",
		passed: listener,
		env:    []string{"LISTEN_FDS=10", "LISTEN_FDNAMES=tarssh" + strings.Repeat(":x", 9)},
		status: 71,
		log:    `listen, error: "bad socket activation environment: LISTEN_FDS=10 but descriptor 4 `,
	}, {
		name:   "LISTEN_FDS beyond any bound",
		passed: listener,
		env:    []string{"LISTEN_FDS=99999999999999999999"},
		status: 71,
		log:    `listen, error: "bad socket activation environment: LISTEN_FDS=\"99999999999999999999\" is not a count from 0 to 1048576"`,
	}} {
		t.Run(tt.name, func(t *testing.T) {
			cmd, stderr := startActivated(t, tt.args, []*os.File{tt.passed(t)}, tt.env...)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("still running:\n%s", stderr)
			}
			if got := cmd.ProcessState.ExitCode(); got != tt.status || !strings.Contains(stderr.String(), tt.log) {
				t.Errorf("exit %d, want %d; log:\n%s\nwant %q", got, tt.status, stderr, tt.log)
			}
		})
	}
}

// --log-target journal needs journald's socket: without it tarssh refuses
// to start (exit 71) rather than log nowhere; with it, it logs there and
// nothing to the console. Each case runs tarssh in a mount namespace of its
// own, with an empty /run or a socket of the test's at the journal's path,
// whatever the host has.
func TestLogTargetJournal(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root, to give tarssh a /run of its own (unshare -m); CI runs it")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("needs unshare (util-linux): ", err)
	}
	t.Run("absent", func(t *testing.T) {
		cmd, stderr := startInRun(t, "")
		if err := waitExit(cmd, 10*time.Second); err != nil {
			t.Fatalf("%v; stderr %q", err, stderr)
		}
		want := "tarssh: error: --log-target journal: connect /run/systemd/journal/socket: no such file or directory"
		if got := cmd.ProcessState.ExitCode(); got != 71 || !strings.Contains(stderr.String(), want) {
			t.Errorf("exit %d, stderr %q; want 71 and %q", got, stderr, want)
		}
	})
	t.Run("present", func(t *testing.T) {
		dir := t.TempDir()
		j, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: filepath.Join(dir, "socket"), Net: "unixgram"})
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		cmd, stderr := startInRun(t, dir)
		defer cmd.Process.Kill()
		// Wait for the start record, which comes once tarssh serves.
		j.SetReadDeadline(time.Now().Add(20 * time.Second))
		buf := make([]byte, 1<<16)
		for {
			n, err := j.Read(buf)
			if err != nil {
				t.Fatalf("no start record in the journal: %v; stderr %q", err, stderr)
			}
			if bytes.Contains(buf[:n], []byte("\nTARSSH_EVENT=start\n")) {
				break
			}
		}
		cmd.Process.Signal(syscall.SIGTERM)
		if err := waitExit(cmd, 10*time.Second); err != nil || cmd.ProcessState.ExitCode() != 0 || stderr.Len() != 0 {
			t.Errorf("with a journal: %v, exit %d, console got %q", err, cmd.ProcessState.ExitCode(), stderr)
		}
	})
}

// startInRun starts tarssh --log-target journal in a mount namespace with
// an empty /run and, if journal is not "", that directory mounted at
// /run/systemd/journal.
func startInRun(t *testing.T, journal string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	script := `mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/journal &&
		{ [ -z "$1" ] || mount --bind "$1" /run/systemd/journal; } && shift && exec "$@"`
	cmd := exec.Command("unshare", "-m", "sh", "-c", script, "sh", journal, os.Args[0])
	cmd.Env = append(os.Environ(), "TARSSH_TEST_ARGS=--log-target journal -l 127.0.0.1:0 -v", "LISTEN_FDS=", "LISTEN_PID=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stderr
}

// waitExit waits for cmd to exit, killing it after timeout.
func waitExit(cmd *exec.Cmd, timeout time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		return nil
	case <-time.After(timeout):
		cmd.Process.Kill()
		<-done
		return fmt.Errorf("still running after %v", timeout)
	}
}

// A passed unix stream socket is served like a TCP one.
func TestSocketActivationUnix(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tarpit")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f, err := ln.(*net.UnixListener).File()
	if err != nil {
		t.Fatal(err)
	}
	cmd, stderr := startActivated(t, "-v -d 0.05 --pacing classic --log-target console --disable-log-timestamps", []*os.File{f})
	defer cmd.Process.Kill()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasSuffix(line, "\r\n") {
		t.Fatalf("the unix socket served %q, %v", line, err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit: %v\n%s", err, stderr)
	}
	for _, want := range []string{"listen, addr: unix:" + path + ", name: tarssh\n", "connect, peer: unix, clients: 1\n"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, stderr)
		}
	}
}

// TestSocketActivationMetrics passes a tarpit socket and one named
// "metrics", as tarssh.socket and tarssh-metrics.socket do: each serves its
// own.
func TestSocketActivationMetrics(t *testing.T) {
	tarpitFile, tarpitAddr := tcpListenerFile(t)
	metricsFile, metricsAddr := tcpListenerFile(t)
	cmd, stderr := startActivated(t, "-v -d 0.05 --pacing classic --log-target console --disable-log-timestamps",
		[]*os.File{tarpitFile, metricsFile}, "LISTEN_FDNAMES=tarssh:metrics")
	defer cmd.Process.Kill()
	c, err := net.Dial("tcp4", tarpitAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || strings.HasPrefix(line, "SSH-") {
		t.Fatalf("the tarpit socket served %q, %v", line, err)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := getScrape(t, client, "http://"+metricsAddr+"/metrics")
		if s.get(t, "tarssh_clients_accepted_total") == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the metrics socket never counted the client:\n%s", s.text)
		}
		time.Sleep(200 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit: %v\n%s", err, stderr)
	}
	for _, want := range []string{"listen, addr: " + tarpitAddr + ", name: tarssh\n",
		"metrics, addr: " + metricsAddr + ", name: metrics\n", "start, servers: 1,"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, stderr)
		}
	}
}
