//go:build !linux

package systemd

import (
	"errors"
	"time"

	"github.com/tarssh/tarssh/logging"
	"github.com/tarssh/tarssh/tarpit"
)

// StatusEvery is how often STATUS= would be refreshed.
const StatusEvery = 5 * time.Second

var errNoSystemd = errors.New("systemd is only supported on Linux")

// Activation reports no activation: systemd runs only on Linux.
func Activation() (passed []Passed, activated bool, err error) { return nil, false, nil }

// Notifier does nothing outside Linux.
type Notifier struct{}

// OpenNotifier returns nil: there is no systemd to notify.
func OpenNotifier() (*Notifier, error) { return nil, nil }

// Every returns 0: no heartbeat is needed.
func (n *Notifier) Every() time.Duration { return 0 }

// Heartbeat does nothing.
func (n *Notifier) Heartbeat(tarpit.Stats) {}

// Stopping does nothing.
func (n *Notifier) Stopping() {}

// Close does nothing.
func (n *Notifier) Close() error { return nil }

// Journal is not available outside Linux.
type Journal struct{}

// OpenJournal fails: there is no journal.
func OpenJournal() (*Journal, error) { return nil, errNoSystemd }

// Write fails.
func (j *Journal) Write(logging.Record) error { return errNoSystemd }

// Close does nothing.
func (j *Journal) Close() error { return nil }

// StderrIsJournal reports false.
func StderrIsJournal() bool { return false }
