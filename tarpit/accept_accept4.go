//go:build freebsd || dragonfly

package tarpit

import "golang.org/x/sys/unix"

func acceptRaw(lfd int) (a accepted, err error) {
	fd, sa, err := unix.Accept4(lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
	if err != nil {
		return a, err
	}
	a.fd = fd
	fromSockaddr(&a, sa)
	return a, nil
}
