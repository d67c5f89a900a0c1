package systemd

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/tarpit"
)

// With TARSSH_TEST_ACTIVATION set, the test binary is the activated process:
// it adopts what it was passed, prints one line per listener ("L name addr")
// and per rejected descriptor ("R error"), then waits for stdin to close so
// the parent can check what it closed while it still lives.
func TestMain(m *testing.M) {
	if os.Getenv("TARSSH_TEST_ACTIVATION") != "" {
		lns, rejected, activated := Listeners()
		for _, l := range lns {
			nb := "blocking"
			if fl, err := unix.FcntlInt(l.File.Fd(), unix.F_GETFL, 0); err == nil && fl&unix.O_NONBLOCK != 0 {
				nb = "nonblocking"
			}
			fmt.Printf("L %s %s %s\n", l.Name, tarpit.LocalAddr(l.File), nb)
		}
		for _, err := range rejected {
			fmt.Printf("R %v\n", err)
		}
		fmt.Printf("A %v %q\n", activated, os.Getenv("LISTEN_FDS"))
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// activate runs the test binary as a socket-activated process with files as
// descriptors 3, 4, ... (LISTEN_PID is set by a shell that then execs, as
// systemd sets it for the process it starts).
func activate(t *testing.T, names string, files ...*os.File) (out *bufio.Reader, done func()) {
	t.Helper()
	cmd := exec.Command("sh", "-c", `LISTEN_PID=$$ exec "$@"`, "sh", os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "TARSSH_TEST_ACTIVATION=1",
		fmt.Sprintf("LISTEN_FDS=%d", len(files)), "LISTEN_FDNAMES="+names)
	cmd.ExtraFiles = files
	cmd.Stderr = os.Stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		f.Close() // the child has its copies; ours must not keep sockets open
	}
	return bufio.NewReader(stdout), func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("activated process: %v", err)
		}
	}
}

func fileOf(t *testing.T, c interface{ File() (*os.File, error) }) *os.File {
	t.Helper()
	f, err := c.File()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestListenersAdoptAndReject(t *testing.T) {
	var files []*os.File
	var names []string
	add := func(name string, f *os.File) { names, files = append(names, name), append(files, f) }

	v4, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer v4.Close()
	add("v4", fileOf(t, v4.(*net.TCPListener)))
	v6addr := ""
	if v6, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		defer v6.Close()
		v6addr = v6.Addr().String()
		add("v6", fileOf(t, v6.(*net.TCPListener)))
	} else {
		t.Logf("no IPv6 loopback here (%v): testing IPv4 and unix only", err)
	}
	sock := filepath.Join(t.TempDir(), "s")
	ux, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ux.Close()
	add("unix", fileOf(t, ux.(*net.UnixListener)))
	udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	add("udp", fileOf(t, udp.(*net.UDPConn)))
	// A connected, not listening, stream socket: when the child closes it,
	// our end reads EOF.
	conn, err := net.Dial("tcp4", v4.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	peer, err := v4.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	add("conn", fileOf(t, conn.(*net.TCPConn)))
	conn.Close()
	// Not a socket at all: when the child closes the write end, we read EOF.
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	add("pipe", pw)

	out, done := activate(t, strings.Join(names, ":"), files...)
	var listeners, rejected []string
	for {
		line, err := out.ReadString('\n')
		if err != nil {
			t.Fatalf("activated process output ended: %v", err)
		}
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "A ") {
			if line != `A true ""` {
				t.Errorf("activation/environment: %s (want activated, LISTEN_FDS removed)", line)
			}
			break
		}
		if strings.HasPrefix(line, "L ") {
			listeners = append(listeners, line[2:])
		} else {
			rejected = append(rejected, line[2:])
		}
	}
	want := []string{"v4 " + v4.Addr().String() + " nonblocking"}
	if v6addr != "" {
		want = append(want, "v6 "+v6addr+" nonblocking")
	}
	want = append(want, "unix unix:"+sock+" nonblocking")
	if !slices.Equal(listeners, want) {
		t.Errorf("adopted %q, want %q", listeners, want)
	}
	for i, frag := range []string{"(udp) is not a stream socket", "(conn) is not a listening socket", "(pipe) is not a socket"} {
		if i >= len(rejected) || !strings.Contains(rejected[i], frag) || !strings.Contains(rejected[i], "closed it") {
			t.Errorf("rejection %d: got %q, want one saying %q and that it was closed", i, rejected, frag)
		}
	}
	// The rejected descriptors are closed while the process still runs.
	peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := peer.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("rejected stream socket still open in the child: read %d, %v", n, err)
	}
	readEOF := make(chan error, 1)
	go func() { _, err := pr.Read(make([]byte, 1)); readEOF <- err }()
	select {
	case err := <-readEOF:
		if err != io.EOF {
			t.Errorf("rejected pipe: %v, want EOF", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("rejected pipe still open in the child")
	}
	done()
}

func TestListenersNotActivated(t *testing.T) {
	for _, env := range [][2]string{{"", ""}, {"1", "2"}, {"x", "1"}} {
		t.Setenv("LISTEN_PID", env[0])
		t.Setenv("LISTEN_FDS", env[1])
		// LISTEN_PID is not ours: nothing is adopted, no descriptor touched.
		if lns, rej, act := Listeners(); act || lns != nil || rej != nil {
			t.Errorf("LISTEN_PID=%q LISTEN_FDS=%q: %v %v %v", env[0], env[1], lns, rej, act)
		}
	}
}
