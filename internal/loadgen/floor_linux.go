package loadgen

import (
	"errors"
	"net"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Floor is the least any tarpit can do for the clients it holds: it
// accepts them, then writes each one byte every delay, every write due in
// a second in one burst, with raw syscalls, and reads nothing. make bench
// runs it beside the real tarpits so that their figures can be read
// against what the kernel alone charges for a write to a loopback client:
// a tarpit cannot spend less per held client than Floor without writing
// less often. Its caller should run it with GOMAXPROCS=1, one thread
// writing, as tarssh and endlessh have. It returns when ln is closed,
// closing every client.
func Floor(ln *net.TCPListener, delay time.Duration) error {
	var (
		mu    sync.Mutex
		files []*os.File // owns the descriptors in fds
		fds   []int
	)
	done := make(chan error, 1)
	go func() {
		for {
			c, err := ln.AcceptTCP()
			if errors.Is(err, net.ErrClosed) {
				done <- err
				return
			}
			if err != nil { // out of descriptors, a reset in the queue: try on
				time.Sleep(10 * time.Millisecond)
				continue
			}
			f, err := c.File()
			c.Close()
			if err != nil {
				continue
			}
			mu.Lock()
			files, fds = append(files, f), append(fds, int(f.Fd()))
			mu.Unlock()
		}
	}()
	every := max(int(delay/time.Second), 1)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	b := []byte{'x'}
	for s := 0; ; s++ {
		select {
		case err := <-done:
			mu.Lock()
			defer mu.Unlock()
			for _, f := range files {
				f.Close()
			}
			return err
		case <-tick.C:
		}
		mu.Lock()
		for i := s % every; i < len(fds); i += every {
			unix.Send(fds[i], b, unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL) // a client gone is no matter
		}
		mu.Unlock()
	}
}
