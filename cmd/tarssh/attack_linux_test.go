package main

// The attack suite (issue 9): each attack runs against its own tarssh on
// loopback, bounded in count and time, and checks that the clients who
// come after it are served. `go test -v -run TestAttack ./cmd/tarssh`
// prints the CPU and peak RSS each cost, the table in SECURITY.md.

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// usage is what a process has used: CPU time and peak resident memory.
type usage struct {
	cpu time.Duration
	hwm int // KiB
}

func usageOf(t *testing.T, pid int) usage {
	t.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	ut, _ := strconv.Atoi(f[11])
	st, _ := strconv.Atoi(f[12])
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	var hwm int
	if m := regexp.MustCompile(`(?m)^VmHWM:\s+(\d+) kB`).FindSubmatch(status); m != nil {
		hwm, _ = strconv.Atoi(string(m[1]))
	}
	return usage{cpu: time.Duration(ut+st) * 10 * time.Millisecond, hwm: hwm}
}

// victim connects from src (a loopback address), identifies itself as
// OpenSSH does, and returns how long it waited for its first byte.
func victim(addr, src string, within time.Duration) (time.Duration, error) {
	d := net.Dialer{Timeout: within, LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	t0 := time.Now()
	c, err := d.Dial("tcp4", addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if _, err := c.Write([]byte("SSH-2.0-OpenSSH_9.6\r\n")); err != nil {
		return 0, err
	}
	c.SetReadDeadline(t0.Add(within))
	if _, err := c.Read(make([]byte, 1)); err != nil {
		return 0, err
	}
	return time.Since(t0), nil
}

// stormDial connects storm client i from one of 200 loopback sources
// (127.0.0.2-201), so that the per-source cap does not hide what the storm
// does to the slots; victims come from 127.0.0.1.
func stormDial(addr string, i int) (net.Conn, error) {
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i%200))}}
	return d.Dial("tcp4", addr)
}

// heldNow asks tarssh for its info line and returns how many clients it
// holds.
func heldNow(t *testing.T, p *proc, n int) int {
	t.Helper()
	p.signal(syscall.SIGHUP)
	m := p.waitForN(`\] info, .*, clients: (\d+),`, n, 10*time.Second)
	held, _ := strconv.Atoi(m[1])
	return held
}

type attackRow struct {
	name, load, after string
	use               usage
}

func TestAttack(t *testing.T) {
	var rows []attackRow
	var mu sync.Mutex
	record := func(name, load, after string, u usage) {
		mu.Lock()
		rows = append(rows, attackRow{name, load, after, u})
		mu.Unlock()
	}
	t.Cleanup(func() {
		var b strings.Builder
		fmt.Fprintf(&b, "\n| attack | load | afterwards | CPU | peak RSS |\n|---|---|---|---|---|\n")
		for _, r := range rows {
			fmt.Fprintf(&b, "| %s | %s | %s | %.2f s | %.1f MiB |\n", r.name, r.load, r.after, r.use.cpu.Seconds(), float64(r.use.hwm)/1024)
		}
		t.Log(b.String())
	})
	// Each attack starts its own tarssh (default pacing and delay) and
	// measures it from its first line.
	run := func(t *testing.T, args ...string) (*proc, usage) {
		p := start(t, nil, append([]string{"-v", "-l", "127.0.0.1:0"}, args...)...)
		return p, usageOf(t, p.cmd.Process.Pid)
	}
	since := func(t *testing.T, p *proc, u0 usage) usage {
		u := usageOf(t, p.cmd.Process.Pid)
		return usage{cpu: u.cpu - u0.cpu, hwm: u.hwm}
	}

	// 4,096 connections that each go at once, which would fill -c 4096 if
	// they kept their slots: a new client is served within 2 s.
	for _, st := range []struct {
		name, what, row string
		leave           func(c *net.TCPConn)
	}{
		// Clients that identify themselves and close.
		{"connect-send-close", "connect-send-close cycles", "connect-send-close", func(c *net.TCPConn) {
			c.Write([]byte("SSH-2.0-Go\r\n"))
			c.Close()
		}},
		// The same with a bare close (FIN) and no identification.
		{"connect-close", "connect-close cycles", "connect-FIN-close", func(c *net.TCPConn) { c.Close() }},
		// Connections reset at once (SO_LINGER 0).
		{"rst-churn", "resets", "connect-RST", func(c *net.TCPConn) {
			c.SetLinger(0)
			c.Close()
		}},
	} {
		t.Run(st.name, func(t *testing.T) {
			p, u0 := run(t)
			for i := range 4096 {
				c, err := stormDial(p.addr(), i)
				if err != nil {
					t.Fatalf("cycle %d: %v", i, err)
				}
				st.leave(c.(*net.TCPConn))
			}
			wait, err := victim(p.addr(), "127.0.0.1", 2*time.Second)
			if err != nil {
				t.Fatalf("after 4096 %s a new client got nothing in 2s: %v", st.what, err)
			}
			record(st.row+" ×4096 (200 sources)", "-c 4096", fmt.Sprintf("new client served in %.2f s", wait.Seconds()), since(t, p, u0))
		})
	}

	// One source opens 400 connections at -c 200 and keeps them; then 50
	// other sources arrive: each is served within 5 s, and the tarpit
	// never holds more than 200.
	t.Run("one-source-fills", func(t *testing.T) {
		p, u0 := run(t, "-c", "200")
		var hogs []net.Conn
		defer func() {
			for _, c := range hogs {
				c.Close()
			}
		}()
		for i := range 400 {
			c, err := net.DialTimeout("tcp4", p.addr(), 5*time.Second)
			if err != nil {
				t.Fatalf("hog %d: %v", i, err)
			}
			hogs = append(hogs, c)
		}
		p.waitForN(`\] refuse, peer: 127\.0\.0\.1:`, 400-64, 10*time.Second)
		var wg sync.WaitGroup
		waits := make([]time.Duration, 50)
		errs := make([]error, 50)
		for i := range 50 {
			wg.Go(func() { waits[i], errs[i] = victim(p.addr(), fmt.Sprintf("127.0.0.%d", 2+i), 5*time.Second) })
		}
		wg.Wait()
		var worst time.Duration
		for i, err := range errs {
			if err != nil {
				t.Errorf("source 127.0.0.%d got nothing in 5s: %v", 2+i, err)
			}
			worst = max(worst, waits[i])
		}
		if held := heldNow(t, p, 1); held > 200 {
			t.Errorf("holds %d clients at -c 200", held)
		}
		if m := p.matches(`\] connect, .*, clients: (\d+)$`); len(m) > 0 {
			for _, l := range m {
				n, _ := strconv.Atoi(l[strings.LastIndex(l, " ")+1:])
				if n > 200 {
					t.Fatalf("held %d clients at -c 200: %s", n, l)
				}
			}
		}
		record("one source opens 400, then 50 others", "-c 200", fmt.Sprintf("64 held, 336 refused; every newcomer served, slowest in %.2f s", worst.Seconds()), since(t, p, u0))
	})

	// Twenty clients send as fast as they can for two seconds.
	t.Run("data-flood", func(t *testing.T) {
		p, u0 := run(t)
		junk := bytes.Repeat([]byte("SSH-2.0-flood "), 4096)
		var wg sync.WaitGroup
		var sent [20]int
		for i := range 20 {
			c := p.dial()
			wg.Go(func() {
				end := time.Now().Add(2 * time.Second)
				c.SetWriteDeadline(end)
				for time.Now().Before(end) {
					n, err := c.Write(junk)
					sent[i] += n
					if err != nil {
						return
					}
				}
			})
		}
		wg.Wait()
		total := 0
		for _, n := range sent {
			total += n
		}
		wait, err := victim(p.addr(), "127.0.0.1", 2*time.Second)
		if err != nil {
			t.Fatalf("after the flood a new client got nothing in 2s: %v", err)
		}
		record("data flood, 20 clients × 2 s", fmt.Sprintf("%.1f MiB written by the clients", float64(total)/(1<<20)), fmt.Sprintf("new client served in %.2f s", wait.Seconds()), since(t, p, u0))
	})

	// Activation environments that lie: tarssh refuses to start (exit 71)
	// with one line, and never serves a descriptor it was not passed.
	t.Run("bad-activation", func(t *testing.T) {
		for _, env := range []string{"LISTEN_FDS=10", "LISTEN_FDS=1048576", "LISTEN_FDS=99999999999999", "LISTEN_FDNAMES=a:b", "LISTEN_FDNAMES=a\tb"} {
			ln, err := net.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			f, _ := ln.(*net.TCPListener).File()
			ln.Close()
			// Bounded: a tarssh that served what it was not passed would
			// run on; it is killed after 10 s and the test fails.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			cmd := exec.CommandContext(ctx, "sh", "-c", `LISTEN_PID=$$ exec "$@"`, "sh", tarssh(t), "-v")
			cmd.Env = append(os.Environ(), "LISTEN_FDS=1", env)
			cmd.ExtraFiles = []*os.File{f}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err = cmd.Run()
			cancel()
			f.Close()
			code, errLines := cmd.ProcessState.ExitCode(), strings.Count(stderr.String(), "ERROR")
			if code != 71 || errLines != 1 {
				t.Errorf("%q: %v (exit %d), log:\n%s\nwant exit 71 with one error line", env, err, code, stderr.String())
			}
			record(fmt.Sprintf("activation %q", env), "1 descriptor passed", fmt.Sprintf("exit %d, %d error line(s)", code, errLines),
				usage{cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), hwm: int(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)})
		}
	})
}
