package tarpit

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/pacing"
)

// TestAcceptedSocketOptions checks that a socket accepted from a listener
// New has tuned carries the options the engine relies on without setting
// them per client.
func TestAcceptedSocketOptions(t *testing.T) {
	files, lerr := Listen([]netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")})
	if lerr != nil {
		t.Fatal(lerr)
	}
	defer files[0].Close()
	if _, err := New(Config{MaxClients: 1, Timeout: 7 * time.Second, Pacer: pacing.NewClassic(time.Second, 1)}, files); err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp4", LocalAddr(files[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	a := acceptWithin(t, files[0])
	defer unix.Close(a.fd)
	intOpt := func(level, opt int) int {
		v, err := unix.GetsockoptInt(a.fd, level, opt)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// The kernel doubles a requested buffer size and raises it to its
	// minimum: 4608 bytes to send, 2304 to receive, on current kernels.
	if v := intOpt(unix.SOL_SOCKET, unix.SO_SNDBUF); v > 8192 {
		t.Errorf("SO_SNDBUF = %d, want the kernel's minimum", v)
	}
	if v := intOpt(unix.SOL_SOCKET, unix.SO_RCVBUF); v > 4096 {
		t.Errorf("SO_RCVBUF = %d, want the kernel's minimum", v)
	}
	if v := intOpt(unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT); v != 7000 {
		t.Errorf("TCP_USER_TIMEOUT = %d ms, want 7000", v)
	}
	if cc, err := unix.GetsockoptString(a.fd, unix.IPPROTO_TCP, unix.TCP_CONGESTION); err != nil || cc != "reno" {
		t.Errorf("TCP_CONGESTION = %q, %v; want reno", cc, err)
	}
}
