// Package sockaccept takes a connection off a listening socket as a
// non-blocking, close-on-exec descriptor, in one step where the system
// allows: the sandboxed process may not call fcntl or getsockopt afterwards
// (seccomp; Capsicum's rights on FreeBSD). Both of tarssh's listeners, the
// tarpit's and the metrics server's, accept through it.
package sockaccept

import (
	"net/netip"

	"golang.org/x/sys/unix"
)

// Conn is an accepted connection. The peer is kept as plain bytes, not a
// unix.Sockaddr, so that accepting a flood allocates nothing: Addr holds an
// IPv4 peer in its IPv4-mapped form, and Unix reports a peer with no IP
// address at all.
type Conn struct {
	FD   int
	Addr [16]byte
	Port uint16
	Unix bool
}

// Peer returns the peer's address, IPv4 (mapped or not) as plain IPv4; it
// is not valid for a Unix-socket peer.
func (c *Conn) Peer() netip.AddrPort {
	if c.Unix {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(netip.AddrFrom16(c.Addr).Unmap(), c.Port)
}

// fromSockaddr fills c's peer from a decoded address, where the system's
// accept decodes it (and, on Linux, to check the raw decoding against).
func fromSockaddr(c *Conn, sa unix.Sockaddr) {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		c.Addr = [16]byte{10: 0xff, 11: 0xff, 12: sa.Addr[0], 13: sa.Addr[1], 14: sa.Addr[2], 15: sa.Addr[3]}
		c.Port = uint16(sa.Port)
	case *unix.SockaddrInet6:
		c.Addr = sa.Addr
		c.Port = uint16(sa.Port)
	default:
		c.Unix = true
	}
}
