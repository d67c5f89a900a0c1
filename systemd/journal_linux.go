package systemd

import (
	"os"
	"syscall"
	"time"

	"github.com/coreos/go-systemd/v22/journal"
	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/logging"
)

// JournalSocket is where journald takes native-protocol entries.
const JournalSocket = "/run/systemd/journal/socket"

// burstWait is how long Write waits for a full journal socket to drain,
// so that a burst of records (a connection flood) outlasting the socket's
// queue is delivered rather than dropped. It is spent on the Logger's
// writer goroutine, never the engine's.
const burstWait = 50 * time.Millisecond

// Journal is a logging.Sink that sends each record to journald as one
// datagram with structured fields (see AppendEntry). The socket is
// connected once, at start-up, and never blocks: a full socket is waited on
// through Go's poller for at most burstWait, and once such a wait has
// failed, later records are tried without waiting until one gets through,
// so a stalled journald costs one wait, not one per record. Records that
// do not get through are dropped, and Write's error makes the Logger count
// them.
type Journal struct {
	f       *os.File
	rc      syscall.RawConn
	buf     []byte
	stalled bool
	wait    time.Duration // burstWait; tests lengthen it
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
	// Non-blocking, so os.File registers it with the poller now, before
	// the sandbox.
	f := os.NewFile(uintptr(fd), path)
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &Journal{f: f, rc: rc, wait: burstWait}, nil
}

// Write sends r as one journal entry.
func (j *Journal) Write(r logging.Record) error {
	j.buf = AppendEntry(j.buf[:0], r)
	var werr error
	try := func(fd uintptr) bool {
		_, werr = unix.Write(int(fd), j.buf)
		return werr != unix.EAGAIN || j.stalled
	}
	j.f.SetWriteDeadline(time.Now().Add(j.wait))
	if err := j.rc.Write(try); err != nil {
		werr = err // the deadline passed
	}
	j.stalled = werr == unix.EAGAIN || os.IsTimeout(werr)
	return werr
}

// Close closes the journal socket.
func (j *Journal) Close() error { return j.f.Close() }

// StderrIsJournal reports whether systemd connected stderr to the journal
// ($JOURNAL_STREAM names stderr's device and inode), as it does for a
// service's output by default.
func StderrIsJournal() bool {
	ok, err := journal.StderrIsJournalStream()
	return err == nil && ok
}
