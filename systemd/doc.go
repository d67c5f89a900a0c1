// Package systemd connects tarssh to systemd: it checks and names the
// descriptors systemd passes (socket activation and the fd store), reports
// readiness, status and watchdog pings over one notify socket, and writes
// log records to the journal with structured fields.
//
// Every socket is opened once, at start-up, before the sandbox forbids
// creating sockets; afterwards only non-blocking writes on them are made,
// so a stalled systemd or journald can never stall the engine. The glue is
// Linux-only (the files ending in _linux.go); elsewhere the same API
// reports that systemd is not there.
package systemd
