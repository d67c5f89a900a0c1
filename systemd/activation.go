package systemd

import (
	"errors"
	"fmt"
	"os"
	"strconv"
)

// Kind is what a descriptor systemd passed turned out to be, so that each
// user of activation can claim its own: the engine the listeners, the fd
// store its stored clients and state.
type Kind uint8

// The kinds of passed descriptors.
const (
	// Listening is a listening stream socket (TCP or unix), already
	// non-blocking and close-on-exec, ready for the engine.
	Listening Kind = iota + 1
	// Connected is a connected stream socket, e.g. a client kept in the
	// fd store across a restart.
	Connected
	// Other is anything else: a datagram socket, a memfd, a pipe.
	Other
)

func (k Kind) String() string {
	switch k {
	case Listening:
		return "listening socket"
	case Connected:
		return "connected socket"
	case Other:
		return "other descriptor"
	}
	return "?"
}

// Passed is one descriptor systemd passed, with its name: the socket unit's
// FileDescriptorName= (by default the unit's name), or the FDNAME= it was
// stored with in the fd store; "unknown" when systemd gave no names. Every
// Passed is the caller's to use or close; File is close-on-exec.
type Passed struct {
	File *os.File
	Name string
	Kind Kind
}

// Take removes the descriptors match accepts from *ps and returns them, in
// order, so that each user of activation claims its own and the rest can be
// reported and closed.
func Take(ps *[]Passed, match func(Passed) bool) []Passed {
	var taken, kept []Passed
	for _, p := range *ps {
		if match(p) {
			taken = append(taken, p)
		} else {
			kept = append(kept, p)
		}
	}
	*ps = kept
	return taken
}

// MaxPassed bounds LISTEN_FDS: Linux's default limit on a process's open
// descriptors (fs.nr_open), so no real activation passes more, and a
// lying count costs at most this many fcntl calls, never memory.
const MaxPassed = 1 << 20

// listenStart is SD_LISTEN_FDS_START: systemd passes descriptors 3, 4, ...
const listenStart = 3

// maxNameLen is systemd's FDNAME_MAX.
const maxNameLen = 255

// errEnv marks an activation environment that is inconsistent: the caller
// must not guess what was passed.
var errEnv = errors.New("bad socket activation environment")

// parseEnv checks the LISTEN_* variables as sd_listen_fds_with_names(3)
// reads them, for the process pid (namesSet: LISTEN_FDNAMES is set; without
// it every name is "unknown", as systemd's documentation says). It returns how many descriptors were
// passed and their names; n == 0 with no error means tarssh was not socket
// activated: LISTEN_PID or LISTEN_FDS unset or empty, LISTEN_PID another
// process's (inherited from an activated parent), or LISTEN_FDS=0. names
// is nil when LISTEN_FDNAMES is unset (so a lying LISTEN_FDS costs no
// memory), else it has exactly n valid names.
func parseEnv(pid int, listenPID, listenFDs string, fdNames string, namesSet bool) (n int, names []string, err error) {
	if listenPID == "" || listenFDs == "" {
		return 0, nil, nil
	}
	p, ok := decimal(listenPID, 1<<31-1)
	if !ok || p == 0 {
		return 0, nil, fmt.Errorf("%w: LISTEN_PID=%s is not a process ID", errEnv, quote(listenPID))
	}
	if p != pid {
		return 0, nil, nil
	}
	n, ok = decimal(listenFDs, MaxPassed)
	if !ok {
		return 0, nil, fmt.Errorf("%w: LISTEN_FDS=%s is not a count from 0 to %d", errEnv, quote(listenFDs), MaxPassed)
	}
	if n == 0 {
		return 0, nil, nil
	}
	if !namesSet {
		return n, nil, nil
	}
	// names grows with the names actually given, never with n alone.
	names = make([]string, 0, min(n, 64))
	start := 0
	for i := 0; i <= len(fdNames); i++ {
		if i < len(fdNames) && fdNames[i] != ':' {
			c := fdNames[i]
			if c < ' ' || c >= 0x7f {
				return 0, nil, fmt.Errorf("%w: LISTEN_FDNAMES has a control or non-ASCII byte in name %d", errEnv, len(names)+1)
			}
			continue
		}
		if len(names) == n {
			return 0, nil, fmt.Errorf("%w: LISTEN_FDNAMES has more names than LISTEN_FDS=%d", errEnv, n)
		}
		if i-start > maxNameLen {
			return 0, nil, fmt.Errorf("%w: LISTEN_FDNAMES name %d is longer than %d bytes", errEnv, len(names)+1, maxNameLen)
		}
		names = append(names, fdNames[start:i])
		start = i + 1
	}
	if len(names) != n {
		return 0, nil, fmt.Errorf("%w: LISTEN_FDNAMES has %d names for LISTEN_FDS=%d", errEnv, len(names), n)
	}
	return n, names, nil
}

// decimal parses s as a plain decimal number from 0 to max: digits only,
// no sign, no spaces, no leading zeros beyond a single "0".
func decimal(s string, max int) (int, bool) {
	if s == "" || len(s) > 1 && s[0] == '0' || len(s) > 10 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.Atoi(s)
	return v, err == nil && v <= max
}

// quote quotes at most 64 bytes of an environment value for an error line.
func quote(s string) string {
	if len(s) > 64 {
		return strconv.Quote(s[:64]) + "..."
	}
	return strconv.Quote(s)
}
