package systemd

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/tarpit"
)

// Activation returns the descriptors systemd passed (LISTEN_FDS), each with
// its name and kind; activated reports whether tarssh was socket activated
// at all. The LISTEN_* variables are removed from the environment either
// way, so that nothing started later mistakes them for its own.
//
// The environment is checked as sd_listen_fds_with_names(3) checks it, and
// more strictly: each of descriptors 3 to 3+LISTEN_FDS-1 must be open and
// must have come through exec (no close-on-exec flag: everything this
// process opened itself, such as the Go runtime's epoll and eventfd
// descriptors, has it), and LISTEN_FDNAMES, when set, must name each one.
// If any check fails, err says which, and no descriptor has been touched:
// a count that does not match what was passed means the names cannot be
// trusted either, so the caller should refuse to start (tarssh exits 71)
// rather than serve a guess. Descriptors that pass are made close-on-exec
// and returned, whatever they are; listeners are made ready for the engine.
func Activation() (passed []Passed, activated bool, err error) {
	names, namesSet := os.LookupEnv("LISTEN_FDNAMES")
	n, nameList, err := parseEnv(os.Getpid(), os.Getenv("LISTEN_PID"), os.Getenv("LISTEN_FDS"), names, namesSet)
	os.Unsetenv("LISTEN_PID")
	os.Unsetenv("LISTEN_FDS")
	os.Unsetenv("LISTEN_FDNAMES")
	if err != nil || n == 0 {
		return nil, false, err
	}
	// Check every descriptor before touching any.
	for fd := listenStart; fd < listenStart+n; fd++ {
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		switch {
		case err != nil:
			return nil, false, fmt.Errorf("%w: LISTEN_FDS=%d but descriptor %d is not open (%v)", errEnv, n, fd, err)
		case flags&unix.FD_CLOEXEC != 0:
			return nil, false, fmt.Errorf("%w: LISTEN_FDS=%d but descriptor %d was opened by tarssh itself, not passed to it", errEnv, n, fd)
		}
	}
	passed = make([]Passed, 0, n)
	for i := range n {
		fd := listenStart + i
		name := "unknown"
		if nameList != nil {
			name = nameList[i]
		}
		// Close-on-exec at once, as sd_listen_fds does, so that nothing
		// tarssh might start inherits them.
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC); err != nil {
			return closeAll(passed), false, fmt.Errorf("descriptor %d (%s): %v", fd, name, err)
		}
		p := Passed{File: os.NewFile(uintptr(fd), name), Name: name, Kind: kindOf(fd)}
		if p.Kind == Listening {
			f, err := tarpit.FromFile(p.File)
			if err != nil {
				// Not expected once kindOf said Listening: keep the
				// descriptor, as Other, for the caller to close.
				p.Kind = Other
			} else {
				p.File = f
			}
		}
		passed = append(passed, p)
	}
	return passed, true, nil
}

// kindOf says what the open descriptor fd is.
func kindOf(fd int) Kind {
	typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil || typ != unix.SOCK_STREAM {
		return Other
	}
	if v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN); err == nil && v != 0 {
		return Listening
	}
	return Connected
}

// closeAll closes the descriptors already wrapped (they were passed to
// tarssh, so they are its to close) and returns nil.
func closeAll(ps []Passed) []Passed {
	for _, p := range ps {
		p.File.Close()
	}
	return nil
}
