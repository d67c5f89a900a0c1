// Package systemd connects tarssh to systemd: it adopts the listening
// sockets systemd passes (socket activation), reports readiness, status and
// watchdog pings over one notify socket, and writes log records to the
// journal with structured fields.
//
// Every socket is opened once, at start-up, before the sandbox forbids
// creating sockets; afterwards only non-blocking writes on them are made,
// so a stalled systemd or journald can never stall the engine. The glue is
// Linux-only (the files ending in _linux.go); elsewhere the same API
// reports that systemd is not there.
package systemd

import (
	"os"
)

// Listener is a listening socket systemd passed in, with the name its
// socket unit gave it (FileDescriptorName=, by default the unit's name).
type Listener struct {
	File *os.File
	Name string
}
