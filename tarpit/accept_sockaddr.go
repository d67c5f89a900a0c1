//go:build !linux

package tarpit

import "golang.org/x/sys/unix"

// fromSockaddr fills a's peer address from an accept result.
func fromSockaddr(a *accepted, sa unix.Sockaddr) {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		a.addr = [16]byte{10: 0xff, 11: 0xff, 12: sa.Addr[0], 13: sa.Addr[1], 14: sa.Addr[2], 15: sa.Addr[3]}
		a.port = uint16(sa.Port)
	case *unix.SockaddrInet6:
		a.addr = sa.Addr
		a.port = uint16(sa.Port)
	default:
		a.unix = true
	}
}
