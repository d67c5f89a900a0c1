package tarpit

import (
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"

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
	if lerr == nil || lerr.Addr.String() != a4 || lerr.Err != "Address already in use (os error 98)" {
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

// TestPeer checks that a peer prints the same whichever family it came in
// by: IPv4 and IPv4-mapped IPv6 alike as plain IPv4.
func TestPeer(t *testing.T) {
	for _, tt := range []struct {
		sa   unix.Sockaddr
		want string
	}{
		{&unix.SockaddrInet4{Addr: [4]byte{192, 0, 2, 1}, Port: 4242}, "192.0.2.1:4242"},
		{&unix.SockaddrInet6{Addr: netip.MustParseAddr("::ffff:192.0.2.1").As16(), Port: 4242}, "192.0.2.1:4242"},
		{&unix.SockaddrInet6{Addr: netip.MustParseAddr("2001:db8::1").As16(), Port: 22}, "[2001:db8::1]:22"},
		{&unix.SockaddrUnix{Name: "/run/x"}, "invalid AddrPort"},
	} {
		var a accepted
		fromSockaddr(&a, tt.sa)
		c := client{addr: a.addr, port: a.port}
		if a.unix {
			c.flags |= flagUnix
		}
		if got := c.peer().String(); got != tt.want {
			t.Errorf("peer of %+v = %s, want %s", tt.sa, got, tt.want)
		}
	}
}
