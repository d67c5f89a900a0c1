package systemd

import (
	"bufio"
	"errors"
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
// it prints one line per passed descriptor ("P name kind addr blocking"),
// the error if any ("E error"), whether it was activated and what is left of
// LISTEN_FDS ("A ..."), and the state of descriptor 3 ("D3 ..."), then waits
// for stdin to close so the parent can check what it closed while it still
// lives.
func TestMain(m *testing.M) {
	if os.Getenv("TARSSH_TEST_ACTIVATION") != "" {
		passed, activated, err := Activation()
		for _, p := range passed {
			nb := "blocking"
			if fl, err := unix.FcntlInt(p.File.Fd(), unix.F_GETFL, 0); err == nil && fl&unix.O_NONBLOCK != 0 {
				nb = "nonblocking"
			}
			addr := "-"
			if p.Kind != Other {
				addr = tarpit.LocalAddr(p.File)
			}
			if p.Kind != Listening {
				nb = "-"
			}
			fmt.Printf("P %s %s %s %s\n", p.Name, strings.ReplaceAll(p.Kind.String(), " ", "_"), addr, nb)
		}
		if err != nil {
			fmt.Printf("E %v\n", err)
		}
		fmt.Printf("A %v %q\n", activated, os.Getenv("LISTEN_FDS"))
		fl, err := unix.FcntlInt(3, unix.F_GETFD, 0)
		fmt.Printf("D3 %v cloexec=%v\n", err, fl&unix.FD_CLOEXEC != 0)
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// activate runs the test binary as a socket-activated process with files as
// descriptors 3, 4, ... (LISTEN_PID is set by a shell that then execs, as
// systemd sets it for the process it starts). env, if given, replaces the
// LISTEN_FDS and LISTEN_FDNAMES that files and names imply.
func activate(t *testing.T, names string, files []*os.File, env ...string) (out *bufio.Reader, done func()) {
	t.Helper()
	cmd := exec.Command("sh", "-c", `LISTEN_PID=$$ exec "$@"`, "sh", os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "TARSSH_TEST_ACTIVATION=1")
	if env == nil {
		env = []string{fmt.Sprintf("LISTEN_FDS=%d", len(files)), "LISTEN_FDNAMES=" + names}
	}
	cmd.Env = append(cmd.Env, env...)
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

// report reads the activated process's lines up to and including "D3".
func report(t *testing.T, out *bufio.Reader) (lines []string) {
	t.Helper()
	for {
		line, err := out.ReadString('\n')
		if err != nil {
			t.Fatalf("activated process output ended: %v (after %q)", err, lines)
		}
		lines = append(lines, strings.TrimSpace(line))
		if strings.HasPrefix(line, "D3 ") {
			return lines
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

// Every passed descriptor comes back with its name and kind; none is
// closed, so the caller decides.
func TestActivationNamesAndKinds(t *testing.T) {
	var files []*os.File
	var names, want []string
	add := func(name string, f *os.File, line string) {
		names, files, want = append(names, name), append(files, f), append(want, "P "+name+" "+line)
	}

	v4, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer v4.Close()
	add("tarssh", fileOf(t, v4.(*net.TCPListener)), "listening_socket "+v4.Addr().String()+" nonblocking")
	if v6, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		defer v6.Close()
		add("v6", fileOf(t, v6.(*net.TCPListener)), "listening_socket "+v6.Addr().String()+" nonblocking")
	} else {
		t.Logf("no IPv6 loopback here (%v): testing IPv4 and unix only", err)
	}
	sock := filepath.Join(t.TempDir(), "s")
	ux, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ux.Close()
	add("metrics", fileOf(t, ux.(*net.UnixListener)), "listening_socket unix:"+sock+" nonblocking")
	udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	add("udp", fileOf(t, udp.(*net.UDPConn)), "other_descriptor - -")
	// A connected stream socket, as the fd store keeps clients: while the
	// child holds it, our end must not read EOF.
	conn, err := net.Dial("tcp4", v4.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	peer, err := v4.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	add("client-1", fileOf(t, conn.(*net.TCPConn)), "connected_socket "+conn.LocalAddr().String()+" -")
	conn.Close()
	// Not a socket at all, as the fd store's state memfd.
	memfd, err := unix.MemfdCreate("state", 0)
	if err != nil {
		t.Fatal(err)
	}
	add("state", os.NewFile(uintptr(memfd), "state"), "other_descriptor - -")
	// An empty name is a valid one.
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	add("", pw, "other_descriptor - -")
	want[len(want)-1] = "P  other_descriptor - -"

	out, done := activate(t, strings.Join(names, ":"), files)
	want = append(want, `A true ""`, "D3 <nil> cloexec=true")
	if got := report(t, out); !slices.Equal(got, want) {
		t.Errorf("activated process reported\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The connected socket and the pipe are still open in the child.
	peer.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, err := peer.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("passed connected socket closed by Activation: read %d, %v", n, err)
	}
	done()
	// Once the child is gone, it is closed: the check above could fail.
	peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := peer.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("after the child exited: read %d, %v, want EOF", n, err)
	}
}

// A bad environment is refused with one error and no descriptor touched:
// descriptor 3, passed, stays open and inheritable.
func TestActivationRefusesBadEnvironment(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  []string
		err  string
	}{
		{"count above what was passed", []string{"LISTEN_FDS=10"}, "LISTEN_FDS=10 but descriptor 4 "},
		{"count at the bound", []string{fmt.Sprintf("LISTEN_FDS=%d", MaxPassed)}, "but descriptor 4 "},
		{"count above the bound", []string{"LISTEN_FDS=99999999999"}, `LISTEN_FDS="99999999999" is not a count`},
		{"negative count", []string{"LISTEN_FDS=-1"}, `LISTEN_FDS="-1" is not a count`},
		{"count with a sign", []string{"LISTEN_FDS=+1"}, `LISTEN_FDS="+1" is not a count`},
		{"too many names", []string{"LISTEN_FDS=1", "LISTEN_FDNAMES=a:b"}, "more names than LISTEN_FDS=1"},
		{"too few names", []string{"LISTEN_FDS=2", "LISTEN_FDNAMES=a"}, "has 1 names for LISTEN_FDS=2"},
		{"control byte in a name", []string{"LISTEN_FDS=1", "LISTEN_FDNAMES=a\tb"}, "control or non-ASCII byte in name 1"},
		{"long name", []string{"LISTEN_FDS=1", "LISTEN_FDNAMES=" + strings.Repeat("n", 256)}, "longer than 255 bytes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			out, done := activate(t, "", []*os.File{fileOf(t, ln.(*net.TCPListener))}, tt.env...)
			defer done()
			got := report(t, out)
			if len(got) != 3 || !strings.HasPrefix(got[0], "E bad socket activation environment: ") ||
				!strings.Contains(got[0], tt.err) || got[1] != `A false ""` || got[2] != "D3 <nil> cloexec=false" {
				t.Errorf("got\n%s\nwant an error with %q, not activated, descriptor 3 untouched", strings.Join(got, "\n"), tt.err)
			}
		})
	}
}
