//go:build !linux

package tarpit

import (
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// tuneListener sets the smallest buffers on the listener for accepted
// sockets to inherit. These systems have no TCP_USER_TIMEOUT: a client that
// stops reading stays held until the kernel gives up on it.
func tuneListener(rc syscall.RawConn, _ time.Duration) {
	rc.Control(func(fd uintptr) {
		unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF, 1)
		unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, 1)
	})
}
