package sockaccept

import "golang.org/x/sys/unix"

// Accept accepts with accept4, whose flags need no fcntl afterwards: under
// Capsicum the accepted socket inherits rights that do not include it.
func Accept(lfd int) (c Conn, err error) {
	fd, sa, err := unix.Accept4(lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
	if err != nil {
		return c, err
	}
	c.FD = fd
	fromSockaddr(&c, sa)
	return c, nil
}
