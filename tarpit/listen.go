package tarpit

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"

	"golang.org/x/sys/unix"
)

// The engine takes listeners as non-blocking *os.File sockets: whether
// tarssh bound them itself or systemd passed them in, they are then waited
// on by Go's poller but accepted from with raw system calls, so accepted
// connections never enter Go's net package.

// Listen binds a TCP listener on each address. It binds all or none: on a
// failure it closes what it had bound and names the address that failed.
// Listeners are plain TCP: Go would make them MPTCP by default, which
// Landlock does not cover and which a tarpit has no use for. An IPv6
// address binds IPv6 only, so that 0.0.0.0:22 and [::]:22 can be given
// together.
func Listen(addrs []netip.AddrPort) ([]*os.File, *ListenError) {
	var lc net.ListenConfig
	lc.SetMultipathTCP(false)
	var out []*os.File
	fail := func(ap netip.AddrPort, err error) ([]*os.File, *ListenError) {
		for _, f := range out {
			f.Close()
		}
		var oe *net.OpError
		if errors.As(err, &oe) {
			err = oe.Err
		}
		return nil, &ListenError{ap, err}
	}
	for _, ap := range addrs {
		network := "tcp4"
		if ap.Addr().Is6() && !ap.Addr().Is4In6() {
			network = "tcp6"
		}
		ln, err := lc.Listen(context.Background(), network, ap.String())
		if err != nil {
			return fail(ap, err)
		}
		// The dup shares the socket's non-blocking flag, so os.File
		// registers it with the poller.
		f, err := ln.(*net.TCPListener).File()
		ln.Close()
		if err != nil {
			return fail(ap, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// ListenError is a failure to bind Addr.
type ListenError struct {
	Addr netip.AddrPort
	Err  error // the system's error, e.g. unix.EADDRINUSE
}

// Error says it as tarssh prints errors: "listen on 0.0.0.0:22: Address
// already in use (os error 98)".
func (e *ListenError) Error() string { return "listen on " + e.Addr.String() + ": " + ErrorText(e.Err) }

// Unwrap lets errors.Is see the cause.
func (e *ListenError) Unwrap() error { return e.Err }

// FromFile checks that f (e.g. passed by systemd) is a listening stream
// socket and returns it ready for the engine: non-blocking and known to the
// poller. On success the socket moves to the returned file and f is closed
// (f's finalizer would otherwise close the descriptor under the engine); on
// error f is left open for the caller to report and close.
func FromFile(f *os.File) (*os.File, error) {
	fd := int(f.Fd())
	typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil {
		return nil, fmt.Errorf("descriptor %d (%s) is not a socket", fd, f.Name())
	}
	if typ != unix.SOCK_STREAM {
		return nil, fmt.Errorf("descriptor %d (%s) is not a stream socket", fd, f.Name())
	}
	if !listening(fd) {
		return nil, fmt.Errorf("descriptor %d (%s) is not a listening socket", fd, f.Name())
	}
	nfd, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("descriptor %d (%s): %v", fd, f.Name(), err)
	}
	if err := unix.SetNonblock(nfd, true); err != nil {
		unix.Close(nfd)
		return nil, fmt.Errorf("descriptor %d (%s): %v", fd, f.Name(), err)
	}
	name := f.Name()
	f.Close()
	return os.NewFile(uintptr(nfd), name), nil
}

// LocalAddr returns the address a listener is bound to, for the log.
func LocalAddr(f *os.File) string {
	sa := sockname(f)
	if ap := addrPort(sa); ap.IsValid() {
		return ap.String()
	}
	if sa, ok := sa.(*unix.SockaddrUnix); ok {
		if sa.Name == "" {
			return "unix:(unnamed)"
		}
		return "unix:" + sa.Name
	}
	return "?"
}

// localAddrPort returns the IP address and port f is bound to, or the zero
// AddrPort for a unix socket.
func localAddrPort(f *os.File) netip.AddrPort { return addrPort(sockname(f)) }

// sockname returns the address socket f is bound to, or nil.
func sockname(f *os.File) unix.Sockaddr {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil
	}
	var sa unix.Sockaddr
	rc.Control(func(fd uintptr) { sa, _ = unix.Getsockname(int(fd)) })
	return sa
}

// addrPort returns an IP socket address as a netip.AddrPort, or the zero
// AddrPort for any other.
func addrPort(sa unix.Sockaddr) netip.AddrPort {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), uint16(sa.Port))
	}
	return netip.AddrPort{}
}
