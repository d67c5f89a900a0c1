package sockaccept

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Accept accepts with a raw accept4 into a buffer on the stack:
// unix.Accept4 would allocate a Sockaddr for every connection, and ask each
// new socket for its protocol with getsockopt.
func Accept(lfd int) (c Conn, err error) {
	var rsa unix.RawSockaddrAny
	salen := uint32(unix.SizeofSockaddrAny)
	fd, _, errno := unix.Syscall6(unix.SYS_ACCEPT4, uintptr(lfd),
		uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&salen)),
		unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
	if errno != 0 {
		return c, errno
	}
	c.FD = int(fd)
	switch rsa.Addr.Family {
	case unix.AF_INET:
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(&rsa))
		c.Addr = [16]byte{10: 0xff, 11: 0xff, 12: sa.Addr[0], 13: sa.Addr[1], 14: sa.Addr[2], 15: sa.Addr[3]}
		c.Port = netPort(&sa.Port)
	case unix.AF_INET6:
		sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(&rsa))
		c.Addr = sa.Addr
		c.Port = netPort(&sa.Port)
	default:
		c.Unix = true
	}
	return c, nil
}

// netPort reads a port stored in network byte order.
func netPort(p *uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(p))
	return uint16(b[0])<<8 | uint16(b[1])
}
