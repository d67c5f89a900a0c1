package systemd

import (
	"os"

	"golang.org/x/sys/unix"
)

// Store hands copies of fds to systemd's fd store under name (FDSTORE=1,
// FDNAME=name), MaxFDsPerMessage to a message. Like every notification it
// never blocks: it returns how many of fds, from the start, systemd was
// sent, and the error that stopped it (EAGAIN: the notify socket is full,
// try again later). The descriptors stay open here: systemd holds copies.
// systemd may still refuse some (its store is full, FileDescriptorStoreMax=)
// and says so only in its own log.
func (n *Notifier) Store(name string, fds []int) (int, error) {
	if n == nil || len(fds) == 0 {
		return 0, nil
	}
	msg := []byte("FDSTORE=1\nFDNAME=" + name)
	sent := 0
	for sent < len(fds) {
		batch := fds[sent:min(len(fds), sent+MaxFDsPerMessage)]
		if err := unix.Sendmsg(n.fd, msg, unix.UnixRights(batch...), nil, unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL); err != nil {
			return sent, err
		}
		sent += len(batch)
	}
	return sent, nil
}

// StoreRemove asks systemd to close every descriptor it stores under name
// (FDSTOREREMOVE=1), reporting whether systemd took the message.
func (n *Notifier) StoreRemove(name string) bool {
	return n != nil && n.send([]byte("FDSTOREREMOVE=1\nFDNAME="+name))
}

// NewStateFile creates the memfd that keeps the held clients' state for
// the next tarssh: memory only, never a path, sized by what is written.
// It must be called before the sandbox, which forbids memfd_create.
func NewStateFile() (*os.File, error) {
	fd, err := unix.MemfdCreate(StateName, unix.MFD_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("memfd_create", err)
	}
	return os.NewFile(uintptr(fd), StateName), nil
}

// IsStateFile reports whether f can be the state memfd: a regular file
// (what a memfd is) that is open for reading and writing.
func IsStateFile(f *os.File) bool {
	var st unix.Stat_t
	if unix.Fstat(int(f.Fd()), &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return false
	}
	fl, err := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0)
	return err == nil && fl&unix.O_ACCMODE == unix.O_RDWR
}
