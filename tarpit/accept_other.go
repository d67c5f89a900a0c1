//go:build !linux && !freebsd

package tarpit

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// acceptRaw accepts and makes the socket non-blocking: these systems may
// lack accept4.
func acceptRaw(lfd int) (a accepted, err error) {
	syscall.ForkLock.RLock() // no accept4 here: keep a fork from inheriting fd
	fd, sa, err := unix.Accept(lfd)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return a, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return a, err
	}
	a.fd = fd
	fromSockaddr(&a, sa)
	return a, nil
}
