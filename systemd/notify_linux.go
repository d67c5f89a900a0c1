package systemd

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/tarpit"
)

// StatusEvery is how often STATUS= is refreshed when no watchdog asks for
// more.
const StatusEvery = 5 * time.Second

// Notifier speaks the sd_notify protocol over one datagram socket connected
// at start-up (go-systemd's SdNotify opens a socket per message, which the
// sandbox forbids). Every send is one non-blocking write: if systemd does not
// take the message at once it is lost, and the next heartbeat sends a fresh
// one. A nil *Notifier does nothing, so callers need not check.
type Notifier struct {
	fd       int
	watchdog time.Duration
	ready    bool
	buf      []byte
}

// OpenNotifier connects to $NOTIFY_SOCKET and reads $WATCHDOG_USEC. It
// returns nil, nil when tarssh was not started by systemd with a notify
// socket. Both variables are removed from the environment.
func OpenNotifier() (*Notifier, error) {
	addr := os.Getenv("NOTIFY_SOCKET")
	os.Unsetenv("NOTIFY_SOCKET")
	wd, err := daemon.SdWatchdogEnabled(true)
	if err != nil {
		return nil, fmt.Errorf("watchdog: %v", err)
	}
	if addr == "" {
		return nil, nil
	}
	fd, err := dialDatagram(addr)
	if err != nil {
		return nil, fmt.Errorf("notify socket %q: %v", addr, err)
	}
	return &Notifier{fd: fd, watchdog: wd}, nil
}

// dialDatagram connects a non-blocking unix datagram socket to a path or,
// with a leading '@', an abstract address.
func dialDatagram(addr string) (int, error) {
	if addr[0] != '/' && addr[0] != '@' {
		return -1, errors.New("only unix socket addresses are supported")
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return -1, err
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: addr}); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// Every is how often Heartbeat must be called: StatusEvery, or half the
// watchdog interval if that is shorter, as sd_watchdog_enabled(3) advises.
func (n *Notifier) Every() time.Duration {
	if n == nil {
		return 0
	}
	if n.watchdog > 0 {
		return min(StatusEvery, n.watchdog/2)
	}
	return StatusEvery
}

// Heartbeat is meant for tarpit.Config.Heartbeat, which the engine calls
// from its own loop: the first call sends READY=1, every call refreshes
// STATUS= and, with a watchdog, pings it, so a wedged loop stops the pings
// and systemd restarts the service.
func (n *Notifier) Heartbeat(s tarpit.Stats) {
	if n == nil {
		return
	}
	b := n.buf[:0]
	if !n.ready {
		b = append(b, "READY=1\n"...)
		n.ready = true
	}
	if n.watchdog > 0 {
		b = append(b, "WATCHDOG=1\n"...)
	}
	b = append(b, "STATUS="...)
	b = append(b, StatusText(s)...)
	n.buf = b
	n.send(b)
}

// Stopping tells systemd that the service is shutting down.
func (n *Notifier) Stopping() {
	if n != nil {
		n.send([]byte("STOPPING=1\nSTATUS=shutting down"))
	}
}

func (n *Notifier) send(b []byte) bool {
	_, err := unix.Write(n.fd, b)
	return err == nil
}

// Close closes the notify socket.
func (n *Notifier) Close() error {
	if n == nil {
		return nil
	}
	return unix.Close(n.fd)
}
