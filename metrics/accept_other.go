//go:build !(linux || freebsd || dragonfly)

package metrics

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// accept takes a connection and makes it non-blocking and close-on-exec
// (no accept4 here; the fork lock keeps a fork from inheriting it).
func accept(lfd int) (int, unix.Sockaddr, error) {
	syscall.ForkLock.RLock()
	fd, sa, err := unix.Accept(lfd)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, nil, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, nil, err
	}
	return fd, sa, nil
}
