package e2e

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// liarCap is how long a lying client is left trapped before the test
// ends it: many times any learned gap.
const liarCap = 15 * time.Second

// liar is a synthetic scanner, as they are met in the wild: it sends an
// identification of its choosing (none if ident is empty), reads whatever
// comes, and gives up when one read waits longer than timer or when
// deadline has passed since it connected. It comes back in rounds, each
// once tarssh has noticed the last one leave.
type liar struct {
	name     string
	ident    string
	family   string // as the learn line names it
	timer    time.Duration
	deadline time.Duration
}

// visit connects l to ts once and returns how long it stayed (liarCap if
// it was held that long) and its local port.
func (l liar) visit(ts *tarssh) (time.Duration, int, error) {
	conn, err := net.Dial("tcp", ts.addr)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	start := time.Now()
	port := conn.LocalAddr().(*net.TCPAddr).Port
	if l.ident != "" {
		if _, err := conn.Write([]byte(l.ident + "\r\n")); err != nil {
			return 0, port, err
		}
	}
	end := start.Add(liarCap)
	if l.deadline > 0 {
		end = start.Add(min(l.deadline, liarCap))
	}
	var got []byte
	buf := make([]byte, 64)
	for {
		dl := end
		if l.timer > 0 {
			dl = time.Now().Add(l.timer)
			if dl.After(end) {
				dl = end
			}
		}
		conn.SetReadDeadline(dl)
		n, err := conn.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			if !strings.Contains(err.Error(), "timeout") {
				return time.Since(start), port, fmt.Errorf("%s: %v", l.name, err)
			}
			break
		}
	}
	for _, line := range strings.Split(string(got), "\n") {
		if strings.HasPrefix(line, "SSH-") {
			return 0, port, fmt.Errorf("%s: received a version line %q", l.name, line)
		}
	}
	held := time.Since(start)
	if !time.Now().Before(start.Add(liarCap)) {
		held = liarCap
	}
	return held, port, nil
}

// rounds runs n visits of l, each after tarssh logged the previous one's
// disconnect when wait is set, and returns how long each stayed.
func (l liar) rounds(t *testing.T, ts *tarssh, n int, wait bool) []time.Duration {
	var held []time.Duration
	var ports []int
	for range n {
		h, port, err := l.visit(ts)
		if err != nil {
			t.Error(err)
			return held
		}
		held, ports = append(held, h), append(ports, port)
		t.Logf("%s: visit from port %d held %v", l.name, port, h)
		if wait && !ts.disconnected(port) {
			t.Errorf("%s: no disconnect line for port %d", l.name, port)
			return held
		}
	}
	for _, p := range ports {
		if !ts.disconnected(p) {
			t.Errorf("%s: no disconnect line for port %d", l.name, p)
		}
	}
	return held
}

// disconnected waits for the disconnect line of the client on port.
func (ts *tarssh) disconnected(port int) bool {
	_, ok := ts.waitLog(regexp.MustCompile(`\] disconnect, peer: 127\.0\.0\.1:`+strconv.Itoa(port)+`,`), 30*time.Second)
	return ok
}

// waitCount reports whether n log lines match re, waiting up to d.
func (ts *tarssh) waitCount(re *regexp.Regexp, n int, d time.Duration) bool {
	_, err := ts.out.WaitN(re, n, d)
	return err == nil
}

// learned returns the gaps tarssh logged learning for family and ident
// (ident "" for a silent client).
func (ts *tarssh) learned(family, ident string) []time.Duration {
	re := regexp.MustCompile(`\] learn, family: ` + family + `, gap: ([0-9.]+)s, `)
	if ident != "" {
		re = regexp.MustCompile(`\] learn, ident: "` + regexp.QuoteMeta(ident) + `", family: ` + family + `, gap: ([0-9.]+)s, `)
	}
	var gaps []time.Duration
	for _, l := range ts.out.Lines() {
		if m := re.FindStringSubmatch(l); m != nil {
			f, _ := strconv.ParseFloat(m[1], 64)
			gaps = append(gaps, time.Duration(f*float64(time.Second)))
		}
	}
	return gaps
}

// TestLiarsHeld runs synthetic scanners whose identification does not
// tell their timers, all at once: with a per-read timer T of 3, 5 or 8 s
// (under their profile's gap) each is lost on its first two visits, which
// teach its identification a gap under T, and held to the cap from its
// third visit on; a client with a total deadline leaves at its deadline
// every time and teaches nothing, and neither does a real OpenSSH client
// with ConnectTimeout.
func TestLiarsHeld(t *testing.T) {
	t.Parallel()
	type group struct {
		delay    string
		timers   []liar // lost twice, then held
		deadline []liar // leave at their deadline every round
		learned  int    // identifications with a learned gap at the end
	}
	groups := []group{
		{delay: "10", timers: []liar{
			{name: "openssh-T3", ident: "SSH-2.0-OpenSSH_8.2p1", family: "openssh", timer: 3 * time.Second},
			{name: "openssh-T5", ident: "SSH-2.0-OpenSSH_7.4", family: "openssh", timer: 5 * time.Second},
			{name: "openssh-T8", ident: "SSH-2.0-OpenSSH_9.6", family: "openssh", timer: 8 * time.Second},
			{name: "libssh2-T3", ident: "SSH-2.0-libssh2_1.10.0", family: "other", timer: 3 * time.Second},
			// A silent client is sent a byte at 2.5 s and at 5 s (polled on
			// time while its identification may come), so a timer of 3 s
			// holds it until then; then the silent profile's gap is 4 s,
			// visited up to the engine's coalescing window (0.5 s) early.
			{name: "silent-T3.2", family: "silent", timer: 3200 * time.Millisecond},
		}, deadline: []liar{
			{name: "libssh-D6", ident: "SSH-2.0-libssh_0.9.6", family: "other", deadline: 6 * time.Second},
		}, learned: 5},
		// Go's profile gap is six delays: 9 s here.
		{delay: "1.5", timers: []liar{
			{name: "go-T5", ident: "SSH-2.0-Go", family: "go", timer: 5 * time.Second},
		}, learned: 1},
	}
	var wg sync.WaitGroup
	var all []*tarssh
	for _, g := range groups {
		ts, err := startTarssh(t, "-v", "-d", g.delay)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ts)
		var gw sync.WaitGroup
		for _, l := range g.timers {
			gw.Go(func() {
				held := l.rounds(t, ts, 3, true)
				t.Logf("%s (-d %s): held %v", l.name, g.delay, held)
				for i, h := range held {
					if i < 2 && h >= liarCap || i == 2 && h < liarCap {
						t.Errorf("%s: visit %d held %v; want lost on visits 1 and 2, held %v on visit 3", l.name, i+1, h, liarCap)
					}
				}
				gaps := ts.learned(l.family, l.ident)
				if len(gaps) != 1 || gaps[0] < time.Second || gaps[0] >= l.timer {
					t.Errorf("%s: learned gaps %v, want one from 1s to under %v", l.name, gaps, l.timer)
				}
			})
		}
		for _, l := range g.deadline {
			gw.Go(func() {
				held := l.rounds(t, ts, 3, false)
				t.Logf("%s (-d %s): held %v", l.name, g.delay, held)
				for i, h := range held {
					if h < l.deadline || h > l.deadline+time.Second {
						t.Errorf("%s: visit %d held %v, want its deadline %v", l.name, i+1, h, l.deadline)
					}
				}
				if gaps := ts.learned(l.family, l.ident); len(gaps) != 0 {
					t.Errorf("%s: a total deadline taught gaps %v", l.name, gaps)
				}
			})
		}
		wg.Go(func() {
			gw.Wait()
			ts.cmd.Process.Signal(syscall.SIGHUP)
			re := regexp.MustCompile(`\] info, .*, learned: ` + strconv.Itoa(g.learned) + `\b`)
			if _, ok := ts.waitLog(re, 5*time.Second); !ok {
				t.Errorf("-d %s: no info line with learned: %d", g.delay, g.learned)
			}
		})
	}
	// A real client with a total deadline: OpenSSH's ConnectTimeout bounds
	// the whole identification exchange. At -d 5 it outlives one gap.
	wg.Go(func() {
		ts, err := startTarssh(t, "-v", "-d", "5")
		if err != nil {
			t.Error(err)
			return
		}
		ssh := command("ssh", func(p string) []string {
			return []string{"-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
				"-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=7", "-p", p, "127.0.0.1", "true"}
		})
		for round := 1; round <= 3; round++ {
			start := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), liarCap)
			err := ssh(ctx, ts)
			cancel()
			h := time.Since(start)
			t.Logf("ssh -o ConnectTimeout=7 (-d 5): visit %d held %v", round, h)
			if h < 7*time.Second || h > 9*time.Second { // the upper bound allows a slow exec
				t.Errorf("ssh -o ConnectTimeout=7, visit %d: held %v (%v), want 7s", round, h, err)
			}
		}
		if !ts.waitCount(regexp.MustCompile(`\] disconnect, .*, ident: "SSH-2.0-OpenSSH_`), 3, 30*time.Second) {
			t.Errorf("ssh -o ConnectTimeout=7: fewer than 3 disconnect lines")
		}
		if ts.waitCount(regexp.MustCompile(`\] learn, `), 1, 0) {
			t.Errorf("ssh -o ConnectTimeout=7 taught a gap")
		}
	})
	wg.Wait()
	if t.Failed() {
		for _, ts := range all {
			t.Logf("tarssh %v:\n%s", ts.cmd.Args, ts.out.Text())
		}
	}
}
