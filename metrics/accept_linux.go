package metrics

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// accept takes a connection, non-blocking and close-on-exec, in one call:
// raw accept4, because unix.Accept4 also asks each new socket for its
// protocol (getsockopt), a call the sandbox need not allow.
func accept(lfd int) (int, unix.Sockaddr, error) {
	var rsa unix.RawSockaddrAny
	salen := uint32(unix.SizeofSockaddrAny)
	fd, _, errno := unix.Syscall6(unix.SYS_ACCEPT4, uintptr(lfd),
		uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&salen)),
		unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
	if errno != 0 {
		return -1, nil, errno
	}
	switch rsa.Addr.Family {
	case unix.AF_INET:
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(&rsa))
		return int(fd), &unix.SockaddrInet4{Port: netPort(&sa.Port), Addr: sa.Addr}, nil
	case unix.AF_INET6:
		sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(&rsa))
		return int(fd), &unix.SockaddrInet6{Port: netPort(&sa.Port), Addr: sa.Addr}, nil
	}
	return int(fd), &unix.SockaddrUnix{}, nil
}

// netPort reads a port stored in network byte order.
func netPort(p *uint16) int {
	b := (*[2]byte)(unsafe.Pointer(p))
	return int(b[0])<<8 | int(b[1])
}
