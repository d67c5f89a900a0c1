//go:build freebsd || dragonfly

package metrics

import "golang.org/x/sys/unix"

// accept takes a connection, non-blocking and close-on-exec, in one call.
func accept(lfd int) (int, unix.Sockaddr, error) {
	return unix.Accept4(lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
}
