package tarpit

import "golang.org/x/sys/unix"

// acceptRaw accepts with accept4, whose flags need no fcntl afterwards:
// under Capsicum the accepted socket inherits rights that do not include it.
func acceptRaw(lfd int) (a accepted, err error) {
	fd, sa, err := unix.Accept4(lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
	if err != nil {
		return a, err
	}
	a.fd = fd
	fromSockaddr(&a, sa)
	return a, nil
}
