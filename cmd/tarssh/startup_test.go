package main

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// freeAddr returns a loopback address with a port that was free a moment
// ago, for tests that cannot learn the port from the log.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// dialWhenUp dials addr until tarssh listens there (or 10 s pass).
func dialWhenUp(t *testing.T, addr string) net.Conn {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp4", addr, time.Second)
		if err == nil {
			t.Cleanup(func() { c.Close() })
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("tarssh never listened on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLogReaderGone: with nobody left to read its log (tarssh 2>&1 | true),
// tarssh neither dies of SIGPIPE on its first line nor on a usage error;
// it serves, and exits 0 on SIGTERM (issue 9).
func TestLogReaderGone(t *testing.T) {
	t.Parallel()
	run := func(args ...string) (*exec.Cmd, error) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		r.Close() // the reader is gone before tarssh writes
		defer w.Close()
		cmd := exec.Command(tarssh(t), args...)
		cmd.Stdout, cmd.Stderr = w, w
		return cmd, cmd.Start()
	}
	cmd, err := run("--frobnicate")
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); cmd.ProcessState.ExitCode() != 64 {
		t.Errorf("usage error with the log reader gone: %v, want exit status 64", err)
	}
	addr := freeAddr(t)
	cmd, err = run("-vvv", "-l", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	c := dialWhenUp(t, addr)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err != nil {
		t.Errorf("tarssh with its log reader gone served nothing: %v", err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err = cmd.Wait()
	var ee *exec.ExitError
	if err != nil && errors.As(err, &ee) {
		t.Errorf("tarssh with its log reader gone: %v (%v), want exit status 0", err, ee.ProcessState)
	}
}

// TestWarningsByDefault: without -v, a warning (here an accept error burst
// at the descriptor limit) is logged; info lines are not (issue 9).
func TestWarningsByDefault(t *testing.T) {
	t.Parallel()
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Fatalf("no prlimit (util-linux): %v", err)
	}
	addr := freeAddr(t)
	p := launch(t, []string{prlimit, "--nofile=64:64", "--"}, "--pacing", "classic", "-l", addr)
	for range 100 {
		dialWhenUp(t, addr)
	}
	p.waitFor(`^\[\S+ WARN  tarssh\] accept, err: Too many open files \(os error 24\), wait: 100ms$`, 10*time.Second)
	if info := p.matches(`INFO`); len(info) != 0 {
		t.Errorf("info lines without -v: %q", info)
	}
}
