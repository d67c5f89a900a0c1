package systemd

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/tarpit"
)

// IsStored reports whether p is the fd store's: named as a client or the
// state memfd, and not a listening socket, which is always served as one
// whatever its name. Main takes these (Take) before the listeners.
func IsStored(p Passed) bool {
	return p.Kind != Listening && (p.Name == ClientName || p.Name == StateName)
}

// Store is tarssh's use of systemd's fd store, for one run: the clients and
// the state memfd the previous run left, and where new clients go.
type Store struct {
	n *Notifier
	// Clients are the stored clients given back, ready for Engine.Adopt.
	Clients []tarpit.Conn
	// State is the state memfd: the one given back, or a new one (already
	// stored); nil without a store.
	State *os.File
	// Capacity is how many clients the store can hold (see StoreCapacity).
	Capacity int
	// Rejected says what was given back under the store's names and could
	// not be used: each was closed, and a connected socket shut down first.
	Rejected []error
}

// OpenStore claims what the store gave back (stored: what IsStored took)
// and, when there is a store to use, makes sure a state memfd is in it. The
// store is used when tarssh was socket activated with a notify socket
// (n non-nil) and $FDSTORE, if set, does not say it is off. listenerNames
// are the listeners' names, which share LISTEN_FDNAMES with the clients'.
// It must be called before the sandbox. Without a store the clients given
// back are adopted all the same, and nothing is sent.
func OpenStore(n *Notifier, stored []Passed, listenerNames []string) (*Store, error) {
	limit, on := StoreLimit()
	s := &Store{}
	badState := false
	for _, p := range stored {
		switch {
		case p.Name == ClientName && p.Kind == Connected:
			c, err := tarpit.ConnOf(p.File)
			if err != nil {
				s.reject(p, err)
				continue
			}
			s.Clients = append(s.Clients, c)
		case p.Name == StateName && p.Kind == Other && s.State == nil && IsStateFile(p.File):
			s.State = p.File
		case p.Name == StateName:
			badState = true
			s.reject(p, fmt.Errorf("descriptor %d (%s) is not a usable state memfd", p.File.Fd(), p.Name))
		default:
			s.reject(p, fmt.Errorf("descriptor %d (%s) is a %s, not a stored client", p.File.Fd(), p.Name, p.Kind))
		}
	}
	if n == nil || !on {
		if s.State != nil {
			s.State.Close()
			s.State = nil
		}
		return s, nil
	}
	s.n = n
	s.Capacity = min(StoreCapacity(listenerNames, limit), fdRoom(len(listenerNames)))
	if s.State != nil {
		return s, nil
	}
	if badState {
		n.StoreRemove(StateName)
	}
	f, err := NewStateFile()
	if err != nil {
		return s, err
	}
	if _, err := n.Store(StateName, []int{int(f.Fd())}); err != nil {
		f.Close()
		return s, fmt.Errorf("storing the state memfd: %v", err)
	}
	s.State = f
	return s, nil
}

// fdRoom is how many stored clients can come back as descriptors: systemd
// passes them as 3 and up and fails to start tarssh at all if one is at or
// above the open-files limit (LimitNOFILE=). Besides the listeners and the
// state memfd, 64 are left for what the process opens itself.
func fdRoom(listeners int) int {
	var rl unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &rl) != nil {
		return 0
	}
	return int(min(rl.Max, 1<<30)) - 3 - listeners - 1 - 64
}

// reject closes p, noting err. A connected socket is shut down first: a
// client that cannot be adopted must not linger in the store.
func (s *Store) reject(p Passed, err error) {
	if p.Kind == Connected {
		unix.Shutdown(int(p.File.Fd()), unix.SHUT_RDWR)
	}
	p.File.Close()
	s.Rejected = append(s.Rejected, fmt.Errorf("fd store: %v; closed it", err))
}

// Add is for tarpit.Config.Store: it stores client sockets as ClientName.
// It is nil without a store.
func (s *Store) Add() func(fds []int) (int, error) {
	if s == nil || s.n == nil {
		return nil
	}
	return func(fds []int) (int, error) { return s.n.Store(ClientName, fds) }
}

// StateFile is for tarpit.Config.State: nil without a store.
func (s *Store) StateFile() tarpit.StateFile {
	if s == nil || s.State == nil {
		return nil
	}
	return s.State
}
