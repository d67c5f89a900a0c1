package tarpit

import (
	"errors"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/logging"
)

// acceptLoop takes connections from one listener while client slots are
// free. It uses the listener only for readiness and accepts with a raw
// accept4, so the connections never enter Go's poller: each costs the
// engine its record and nothing else. Nothing here allocates per
// connection: garbage made per accept would grow the heap, and the
// process's resident memory with it, by more than a held client costs.
func (e *Engine) acceptLoop(rc syscall.RawConn, lis uint8) {
	var a accepted
	var aerr error
	try := func(fd uintptr) bool {
		a, aerr = acceptRaw(int(fd))
		return aerr != unix.EAGAIN
	}
	for {
		select {
		case e.slots <- struct{}{}:
		case <-e.stop:
			return
		}
		if !e.acceptOne(rc, try, &aerr) {
			return
		}
		a.lis = lis
		select {
		case e.incoming <- a:
		case <-e.stop:
			unix.Close(a.fd)
			return
		}
	}
}

// acceptOne runs try (which accepts into its caller's variables, setting
// *aerr) until it accepts a connection, riding out transient errors. When
// descriptors or buffers run out it logs once per burst and backs off
// (the pending clients stay in the backlog) rather than spin; it returns
// false once the listener is closed.
func (e *Engine) acceptOne(rc syscall.RawConn, try func(uintptr) bool, aerr *error) bool {
	const minBackoff, maxBackoff = 100 * time.Millisecond, time.Second
	backoff, logged := minBackoff, false
	for {
		if err := rc.Read(try); err != nil {
			return false
		}
		switch *aerr {
		case nil:
			if logged {
				e.cfg.Log.Log(logging.New(logging.Warn, "accept").Str("recovered", "true", "").Record())
			}
			return true
		case unix.EINTR, unix.ECONNABORTED, unix.EPROTO, unix.EPERM:
			continue // the connection went away before we took it
		}
		if !logged {
			e.cfg.Log.Log(logging.New(logging.Warn, "accept").
				Str("err", ErrorText(*aerr), "ERROR").
				Setting("wait", backoff).Record())
			logged = true
		}
		select {
		case <-time.After(backoff):
		case <-e.stop:
			return false
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// ErrorText renders err as tarssh 0.7.0 (Rust's io::Error) does:
// "Broken pipe (os error 32)".
func ErrorText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		if s != "" && s[0] >= 'a' && s[0] <= 'z' {
			s = string(s[0]-'a'+'A') + s[1:]
		}
		return s + " (os error " + strconv.Itoa(int(errno)) + ")"
	}
	return err.Error()
}
