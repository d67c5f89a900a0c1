package tarpit

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestListen(t *testing.T) {
	files, lerr := Listen([]netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0"), netip.MustParseAddrPort("[::1]:0")})
	if lerr != nil {
		t.Fatal(lerr)
	}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	if len(files) != 2 {
		t.Fatalf("%d listeners", len(files))
	}
	a4, a6 := LocalAddr(files[0]), LocalAddr(files[1])
	if !strings.HasPrefix(a4, "127.0.0.1:") || !strings.HasPrefix(a6, "[::1]:") || strings.HasSuffix(a4, ":0") {
		t.Errorf("bound %s and %s", a4, a6)
	}
	// Bound all or none: the second address is taken, so the first is
	// released again.
	_, lerr = Listen([]netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0"), netip.MustParseAddrPort(a4)})
	if lerr == nil || lerr.Addr.String() != a4 || !errors.Is(lerr, unix.EADDRINUSE) ||
		!strings.HasSuffix(lerr.Error(), ": Address already in use (os error 98)") {
		t.Errorf("Listen on a used address: %v", lerr)
	}
	if lerr != nil && !strings.Contains(lerr.Error(), a4) {
		t.Errorf("error %q does not name %s", lerr.Error(), a4)
	}
}

// TestFromFile checks that only a listening stream socket is adopted.
func TestFromFile(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	lf, _ := ln.(*net.TCPListener).File()
	defer lf.Close()
	if f, err := FromFile(lf); err != nil || LocalAddr(f) != ln.Addr().String() {
		t.Errorf("FromFile(listener) = %v, %v", f, err)
	}

	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	uf, _ := udp.(*net.UDPConn).File()
	defer uf.Close()

	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	unbound := os.NewFile(uintptr(fd), "unbound")
	defer unbound.Close()

	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	for _, tt := range []struct {
		f    *os.File
		want string
	}{
		{null, "not a socket"},
		{uf, "not a stream socket"},
		{unbound, "not a listening socket"},
	} {
		if _, err := FromFile(tt.f); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("FromFile(%s) = %v, want %q", tt.f.Name(), err, tt.want)
		}
	}
}

// TestPeer accepts real connections through acceptRaw (whose decoding
// internal/sockaccept tests) and checks that each peer prints as its dialer sees itself: IPv4 and IPv4-mapped IPv6
// alike as plain IPv4, IPv6 in brackets, a Unix socket as no address.
func TestPeer(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		network, listen, dial string
		want                  string // "" means the dialer's local address
	}{
		{"tcp4", "127.0.0.1:0", "127.0.0.1", ""},
		{"tcp6", "[::1]:0", "::1", ""},
		{"tcp", "[::]:0", "127.0.0.1", ""}, // dual stack: arrives IPv4-mapped
		{"unix", dir + "/s", "", "invalid AddrPort"},
	} {
		ln, err := net.Listen(tt.network, tt.listen)
		if err != nil {
			t.Fatalf("listen %s %s: %v", tt.network, tt.listen, err)
		}
		addr := ln.Addr().String()
		if tt.network != "unix" {
			addr = net.JoinHostPort(tt.dial, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
		}
		network := tt.network
		if network == "tcp" {
			network = "tcp4"
		}
		conn, err := net.Dial(network, addr)
		if err != nil {
			t.Fatalf("dial %s: %v", addr, err)
		}
		want := tt.want
		if want == "" {
			want = conn.LocalAddr().String()
		}
		f, err := ln.(interface{ File() (*os.File, error) }).File()
		if err != nil {
			t.Fatal(err)
		}
		a := acceptWithin(t, f)
		unix.Close(a.fd)
		f.Close()
		conn.Close()
		ln.Close()
		c := client{addr: a.addr, port: a.port}
		if a.unix {
			c.flags |= flagUnix
		}
		if got := c.peer().String(); got != want {
			t.Errorf("%s %s: peer = %s, want %s", tt.network, tt.listen, got, want)
		}
	}
}

// acceptWithin accepts, through acceptRaw, a connection already dialled to
// listener f, waiting up to 5s for it to arrive.
func acceptWithin(t *testing.T, f *os.File) accepted {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		a, err := acceptRaw(int(f.Fd()))
		if err == nil {
			return a
		}
		if err != unix.EAGAIN || time.Now().After(deadline) {
			t.Fatalf("acceptRaw on %s: %v", LocalAddr(f), err)
		}
	}
}
