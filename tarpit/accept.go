package tarpit

import (
	"errors"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/internal/sockaccept"
	"github.com/tarssh/tarssh/logging"
)

// acceptLoop takes connections from one listener while client slots are
// free. It uses the listener only for readiness and accepts with a raw
// accept4, so the connections never enter Go's poller: each costs the
// engine its record and nothing else. Nothing here allocates per
// connection: garbage made per accept would grow the heap, and the
// process's resident memory with it, by more than a held client costs.
func (e *Engine) acceptLoop(rc syscall.RawConn, lis uint8) {
	ac := &acceptor{e: e, rc: rc}
	ac.try = ac.accept // bound once, not per accept
	for ac.next() {
		ac.a.lis = lis
		select {
		case e.incoming <- ac.a:
		case <-e.stop:
			unix.Close(ac.a.fd)
			return
		}
	}
}

// acceptor is one listener's accept state, shared with the Read callback.
type acceptor struct {
	e       *Engine
	rc      syscall.RawConn
	try     func(fd uintptr) bool // accept, as a func for rc.Read
	a       accepted              // the last connection accepted
	err     error                 // the last accept's error
	stopped bool                  // the engine stopped while we waited for a slot
}

// accept takes a free slot and accepts into it. The slot is taken inside
// the Read callback, after Read has armed the poller, so a connection that
// arrives while we wait for the slot or give it back is never missed; the
// slot is given back while the listener has no connection, so that at the
// limit an idle listener never keeps the slot a client on another listener
// waits for.
func (ac *acceptor) accept(fd uintptr) bool {
	select {
	case ac.e.slots <- struct{}{}:
	case <-ac.e.stop:
		ac.stopped = true
		return true
	}
	ac.a, ac.err = acceptRaw(int(fd))
	if ac.err != nil {
		<-ac.e.slots
	}
	return ac.err != unix.EAGAIN
}

// next accepts a connection into ac.a, riding out transient errors. When
// descriptors or buffers run out it logs once per burst and backs off (the
// pending clients stay in the backlog) rather than spin; it returns false
// once the listener is closed or the engine stops.
func (ac *acceptor) next() bool {
	const minBackoff, maxBackoff = 100 * time.Millisecond, time.Second
	e := ac.e
	backoff, logged := minBackoff, false
	for {
		if err := ac.rc.Read(ac.try); err != nil || ac.stopped {
			return false
		}
		e.countAcceptError(ac.err)
		switch ac.err {
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
				Str("err", ErrorText(ac.err), "ERROR").
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

// acceptRaw takes one connection off listener lfd, allocating nothing.
func acceptRaw(lfd int) (accepted, error) {
	c, err := sockaccept.Accept(lfd)
	return accepted{fd: c.FD, addr: c.Addr, port: c.Port, unix: c.Unix}, err
}
