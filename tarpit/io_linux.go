package tarpit

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The engine's sockets are non-blocking, so its reads and writes never
// block: they are made as raw system calls, without telling the Go
// scheduler. With unix.Read and unix.Write each call would mark the engine's
// P as in a system call, and the runtime's monitor thread, finding it there
// a moment later, would hand the P to another thread: thread wake-ups and
// context switches that cost more than the calls themselves.
//
// Writes are sendto rather than write, which takes the file layer's path
// (position locking, write notification) to the same socket code. Reads,
// made on one visit in readEvery, stay plain reads: the seccomp allowlist
// (sandbox) allows read and sendto, and not recvfrom.

func rawRead(fd int, p []byte) (int, error) {
	n, _, errno := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

func rawWrite(fd int, p []byte) (int, error) {
	n, _, errno := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)),
		unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}
