package sockaccept

import (
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestAccept accepts real connections and checks what Accept decoded
// against what x/sys decodes from getpeername, and that the peer is the
// dialer's own address (IPv4-mapped arrivals as plain IPv4), and that the
// descriptor is non-blocking and close-on-exec.
func TestAccept(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		network, listen, dial string
	}{
		{"tcp4", "127.0.0.1:0", "127.0.0.1"},
		{"tcp6", "[::1]:0", "::1"},
		{"tcp", "[::]:0", "127.0.0.1"}, // dual stack: arrives IPv4-mapped
		{"unix", dir + "/s", ""},
	} {
		ln, err := net.Listen(tt.network, tt.listen)
		if err != nil {
			t.Fatalf("listen %s %s: %v", tt.network, tt.listen, err)
		}
		addr, network := ln.Addr().String(), tt.network
		if network != "unix" {
			addr = net.JoinHostPort(tt.dial, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
			network = "tcp"
		}
		conn, err := net.Dial(network, addr)
		if err != nil {
			t.Fatalf("dial %s: %v", addr, err)
		}
		f, err := ln.(interface{ File() (*os.File, error) }).File()
		if err != nil {
			t.Fatal(err)
		}
		c := acceptWithin(t, f)
		sa, err := unix.Getpeername(c.FD)
		if err != nil {
			t.Fatalf("getpeername: %v", err)
		}
		var want Conn
		fromSockaddr(&want, sa)
		want.FD = c.FD
		if c != want {
			t.Errorf("%s %s: Accept decoded %+v, getpeername %+v", tt.network, tt.listen, c, want)
		}
		if tt.network == "unix" {
			if !c.Unix || c.Peer().IsValid() {
				t.Errorf("unix: got %+v, peer %v; want Unix and no peer", c, c.Peer())
			}
		} else if got, dialer := c.Peer().String(), conn.LocalAddr().String(); got != dialer {
			t.Errorf("%s %s: peer %s, want the dialer's %s", tt.network, tt.listen, got, dialer)
		}
		if fl, err := unix.FcntlInt(uintptr(c.FD), unix.F_GETFL, 0); err != nil || fl&unix.O_NONBLOCK == 0 {
			t.Errorf("%s: flags %#x (%v): want O_NONBLOCK", tt.network, fl, err)
		}
		if fd, err := unix.FcntlInt(uintptr(c.FD), unix.F_GETFD, 0); err != nil || fd&unix.FD_CLOEXEC == 0 {
			t.Errorf("%s: fd flags %#x (%v): want FD_CLOEXEC", tt.network, fd, err)
		}
		unix.Close(c.FD)
		f.Close()
		conn.Close()
		ln.Close()
	}
}

// acceptWithin accepts a connection already dialled to listener f, waiting
// up to 5s for it to arrive. The listener is made non-blocking, as the
// engine's are, so that a lost connection fails the test rather than hangs.
func acceptWithin(t *testing.T, f *os.File) Conn {
	t.Helper()
	lfd := int(f.Fd())
	if err := unix.SetNonblock(lfd, true); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		c, err := Accept(lfd)
		if err == nil {
			return c
		}
		if err != unix.EAGAIN || time.Now().After(deadline) {
			t.Fatalf("Accept: %v", err)
		}
	}
}
