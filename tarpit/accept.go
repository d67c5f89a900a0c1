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
	var (
		a       accepted
		aerr    error
		stopped bool
	)
	// try takes a free slot and accepts into it. The slot is taken inside
	// the callback, after Read has armed the poller, so a connection that
	// arrives while we wait for the slot or give it back is never missed;
	// the slot is given back while the listener has no connection, so that
	// at the limit an idle listener never keeps the slot a client on
	// another listener waits for. It is made once, not per accept.
	try := func(fd uintptr) bool {
		select {
		case e.slots <- struct{}{}:
		case <-e.stop:
			stopped = true
			return true
		}
		a, aerr = acceptRaw(int(fd))
		if aerr != nil {
			<-e.slots
		}
		return aerr != unix.EAGAIN
	}
	for {
		if !e.acceptOne(rc, try, &aerr, &stopped) {
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
// *aerr and *stopped) until it accepts a connection, riding out transient
// errors. When descriptors or buffers run out it logs once per burst and
// backs off (the pending clients stay in the backlog) rather than spin; it
// returns false once the listener is closed or the engine stops.
func (e *Engine) acceptOne(rc syscall.RawConn, try func(uintptr) bool, aerr *error, stopped *bool) bool {
	const minBackoff, maxBackoff = 100 * time.Millisecond, time.Second
	backoff, logged := minBackoff, false
	for {
		if err := rc.Read(try); err != nil || *stopped {
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
