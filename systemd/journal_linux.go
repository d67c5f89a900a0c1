package systemd

import (
	"os"

	"github.com/coreos/go-systemd/v22/journal"
	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/logging"
)

// JournalSocket is where journald takes native-protocol entries.
const JournalSocket = "/run/systemd/journal/socket"

// Journal is a logging.Sink that sends each record to journald as one
// datagram with structured fields (see AppendEntry). The socket is
// connected once, at start-up, and written without blocking: when journald
// is slow or gone the entry is dropped and Write's error makes the Logger
// count it.
type Journal struct {
	fd  int
	buf []byte
}

// OpenJournal connects to the journal's native socket.
func OpenJournal() (*Journal, error) {
	return openJournal(JournalSocket)
}

func openJournal(path string) (*Journal, error) {
	fd, err := dialDatagram(path)
	if err != nil {
		return nil, &os.PathError{Op: "connect", Path: path, Err: err}
	}
	return &Journal{fd: fd}, nil
}

// Write sends r as one journal entry.
func (j *Journal) Write(r logging.Record) error {
	j.buf = AppendEntry(j.buf[:0], r)
	_, err := unix.Write(j.fd, j.buf)
	return err
}

// Close closes the journal socket.
func (j *Journal) Close() error { return unix.Close(j.fd) }

// StderrIsJournal reports whether systemd connected stderr to the journal
// ($JOURNAL_STREAM names stderr's device and inode), as it does for a
// service's output by default.
func StderrIsJournal() bool {
	ok, err := journal.StderrIsJournalStream()
	return err == nil && ok
}
