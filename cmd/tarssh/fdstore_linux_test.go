package main

import (
	"bufio"
	"bytes"
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

	"golang.org/x/sys/unix"
)

// fakeStore stands in for systemd's notify socket and fd store: it keeps
// every descriptor stored with FDSTORE=1, by name, as systemd does.
type fakeStore struct {
	path   string
	fd     int
	stored map[string][]int
}

func newFakeStore(t *testing.T) *fakeStore {
	t.Helper()
	s := &fakeStore{path: filepath.Join(t.TempDir(), "notify"), stored: map[string][]int{}}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	s.fd = fd
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: s.path}); err != nil {
		t.Fatal(err)
	}
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Usec: 100000})
	t.Cleanup(func() {
		unix.Close(fd)
		for _, fds := range s.stored {
			for _, f := range fds {
				unix.Close(f)
			}
		}
	})
	return s
}

// drain takes every message waiting, keeping stored descriptors.
func (s *fakeStore) drain(t *testing.T) {
	t.Helper()
	buf, oob := make([]byte, 4096), make([]byte, unix.CmsgSpace(4*253))
	for {
		n, oobn, _, _, err := unix.Recvmsg(s.fd, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if err != nil {
			return
		}
		msgs, _ := unix.ParseSocketControlMessage(oob[:oobn])
		var fds []int
		for _, m := range msgs {
			r, _ := unix.ParseUnixRights(&m)
			fds = append(fds, r...)
		}
		text := string(buf[:n])
		if !strings.HasPrefix(text, "FDSTORE=1\n") {
			for _, fd := range fds {
				unix.Close(fd)
			}
			continue
		}
		name := strings.TrimPrefix(text, "FDSTORE=1\nFDNAME=")
		s.stored[name] = append(s.stored[name], fds...)
	}
}

// A restarted tarssh adopts the clients its predecessor stored, after a
// crash (SIGKILL), with their state: they stay connected, are paced on,
// and a disconnect counts from the first connect. A client dropped after
// that is shut down, so the store's copy hangs up too.
func TestFDStoreAdoptsAfterCrash(t *testing.T) {
	store := newFakeStore(t)
	lf, addr := tcpListenerFile(t)
	lfd, err := unix.Dup(int(lf.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(lfd)
	args := "-v -d 0.05 --pacing classic --log-target console --disable-log-timestamps"
	env := []string{"NOTIFY_SOCKET=" + store.path, "WATCHDOG_USEC=200000"}
	a, aErr := startActivated(t, args, []*os.File{lf}, env...)
	defer a.Process.Kill()

	const n = 3
	var clients []net.Conn
	var readers []*bufio.Reader
	for i := range n {
		c, err := net.Dial("tcp4", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "SSH-2.0-OpenSSH_9.%d test\r\n", i)
		clients, readers = append(clients, c), append(readers, bufio.NewReader(c))
	}
	connected := time.Now()
	// Wait for all three stored and a heartbeat or two to save their state.
	deadline := time.Now().Add(10 * time.Second)
	for len(store.stored["c"]) < n || len(store.stored["tarssh-state"]) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("stored %v; tarssh said:\n%s", store.stored, aErr)
		}
		store.drain(t)
	}
	// A heartbeat has saved the three: a slot's header counts them
	// (tarpit/state.go: clients, u32 at 28; slots at 0 and 1<<28).
	state := store.stored["tarssh-state"][0]
	saved := func() bool {
		for _, off := range []int64{0, 1 << 28} {
			h := make([]byte, 40)
			if k, _ := unix.Pread(state, h, off); k == 40 && h[28] == n {
				return true
			}
		}
		return false
	}
	for !saved() {
		if time.Now().After(deadline) {
			t.Fatalf("no state saved; tarssh said:\n%s", aErr)
		}
		store.drain(t)
	}
	a.Process.Kill()
	a.Wait()

	// The next start: the listener, the state memfd, the clients.
	files := []*os.File{os.NewFile(uintptr(lfd), "tarssh")}
	names := []string{"tarssh"}
	for name, fds := range store.stored {
		for _, fd := range fds {
			d, _ := unix.Dup(fd)
			files, names = append(files, os.NewFile(uintptr(d), name)), append(names, name)
		}
	}
	b := exec.Command("sh", "-c", `LISTEN_PID=$$ exec "$@"`, "sh", os.Args[0], "-test.run=^TestActivatedProcess$")
	b.Env = append(os.Environ(), "TARSSH_TEST_ARGS="+args, fmt.Sprintf("LISTEN_FDS=%d", len(files)),
		"LISTEN_FDNAMES="+strings.Join(names, ":"))
	b.Env = append(b.Env, env...)
	b.ExtraFiles = files
	var bErr syncBuffer
	b.Stderr = &bErr
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	defer b.Process.Kill()
	for _, f := range files {
		f.Close()
	}
	waitFor(t, 10*time.Second, func() bool { return strings.Contains(bErr.String(), "adopt, ") }, &bErr)
	if !strings.Contains(bErr.String(), fmt.Sprintf("adopt, clients: %d, stateless: 0", n)) {
		t.Fatalf("adoption:\n%s", bErr.String())
	}
	// Every client is still fed.
	for i, r := range readers {
		clients[i].SetReadDeadline(time.Now().Add(5 * time.Second))
		if line, err := r.ReadString('\n'); err != nil || strings.HasPrefix(line, "SSH-") {
			t.Fatalf("client %d after the restart: %q, %v", i, line, err)
		}
	}
	// One leaves: its duration counts from its first connect.
	clients[0].Close()
	held := time.Since(connected)
	re := regexp.MustCompile(`disconnect, peer: ` + regexp.QuoteMeta(clients[0].LocalAddr().String()) + `, duration: ([0-9.]+)(ms|s)`)
	waitFor(t, 10*time.Second, func() bool { return re.MatchString(bErr.String()) }, &bErr)
	m := re.FindStringSubmatch(bErr.String())
	d, _ := strconv.ParseFloat(m[1], 64)
	if m[2] == "ms" {
		d /= 1000
	}
	if got := time.Duration(d * float64(time.Second)); got < held-time.Second || got > held+2*time.Second {
		t.Errorf("disconnect duration %v, held %v:\n%s", got, held, bErr.String())
	}
	// The store's copy of the dropped client hung up (shut down), the
	// others did not.
	hup := 0
	for _, fd := range store.stored["c"] {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		unix.Poll(pfd, 0)
		if pfd[0].Revents&unix.POLLHUP != 0 {
			hup++
		}
	}
	if hup != 1 {
		t.Errorf("%d of the store's copies hung up, want 1 (the dropped client)", hup)
	}
	b.Process.Signal(syscall.SIGTERM)
	b.Wait()
}

// syncBuffer is a bytes.Buffer safe for a process's writes and the test's
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls cond until it holds, failing with the log after d.
func waitFor(t *testing.T, d time.Duration, cond func() bool, log *syncBuffer) {
	t.Helper()
	for end := time.Now().Add(d); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("timed out; tarssh said:\n%s", log.String())
		}
	}
}
