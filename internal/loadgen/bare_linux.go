package loadgen

import (
	"context"
	"net"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Bare is a tarpit that does nothing but its writes: it accepts clients
// on ln, then writes each one byte every delay, every write due in a second
// in one burst, and reads nothing. Descriptors are kept as bare integers
// and written with raw sendto calls: no poller, no per-client object, no
// allocation. make bench runs it beside the real tarpits so that their
// figures read against what the kernel alone charges for one write a delay
// to each loopback client: what a tarpit spends beyond Bare is all its
// engine could ever save. Its caller should set GOMAXPROCS=1 (one thread
// writing, as tarssh and endlessh have). It takes ln over and returns when
// ctx ends, having closed it and every client.
func Bare(ctx context.Context, ln *net.TCPListener, delay time.Duration) error {
	// A duplicate, which Fd makes blocking: accept sleeps in the kernel,
	// off Go's poller.
	f, err := ln.File()
	ln.Close()
	if err != nil {
		return err
	}
	defer f.Close()
	lfd := int(f.Fd())
	var (
		mu  sync.Mutex
		fds []int32
	)
	accepting := make(chan struct{})
	go func() {
		defer close(accepting)
		for {
			// Blocking, so not raw; no peer address, so nothing allocated.
			fd, _, errno := unix.Syscall6(unix.SYS_ACCEPT4, uintptr(lfd), 0, 0, unix.SOCK_CLOEXEC, 0, 0)
			switch {
			case errno == 0:
				mu.Lock()
				fds = append(fds, int32(fd))
				mu.Unlock()
			case ctx.Err() != nil:
				return
			case errno != unix.EINTR && errno != unix.ECONNABORTED:
				time.Sleep(10 * time.Millisecond) // out of descriptors: try on
			}
		}
	}()
	every := max(int(delay/time.Second), 1)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	b := []byte{'x'}
	for s := 0; ; s++ {
		select {
		case <-ctx.Done():
			unix.Shutdown(lfd, unix.SHUT_RDWR) // wakes the blocked accept
			<-accepting
			for _, fd := range fds {
				unix.Close(int(fd))
			}
			return nil
		case <-tick.C:
		}
		mu.Lock()
		for i := s % every; i < len(fds); i += every {
			// Raw, as tarssh's writes: a non-blocking call needs no
			// hand-off of the thread's P. A client gone is no matter.
			unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fds[i]), uintptr(unsafe.Pointer(&b[0])), 1,
				unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL, 0, 0)
		}
		mu.Unlock()
	}
}
