//go:build !linux && !freebsd

package sockaccept

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// Accept accepts and then makes the socket non-blocking and close-on-exec:
// these systems may lack accept4, so the fork lock keeps a fork from
// inheriting the descriptor in between.
func Accept(lfd int) (c Conn, err error) {
	syscall.ForkLock.RLock()
	fd, sa, err := unix.Accept(lfd)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return c, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return c, err
	}
	c.FD = fd
	fromSockaddr(&c, sa)
	return c, nil
}
