package sandbox

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/config"
)

// listenerRights are all a listener keeps. Accepted sockets inherit their
// listener's rights, so these are also all a client socket allows: accept,
// readiness (kqueue), read, write.
var listenerRights = []uint64{unix.CAP_ACCEPT, unix.CAP_EVENT, unix.CAP_READ, unix.CAP_WRITE}

// apply chroots and drops privileges, limits the listeners' rights and
// enters Capsicum's capability mode: no global namespace (files, new
// sockets, other processes) is reachable any more. Capsicum has no log
// mode: a refused call fails with ECAPMODE or ENOTCAPABLE, and log mode
// is the same as on.
func apply(opts Options, id ids, listeners []*os.File, r *Report) error {
	if err := dropPrivileges(id, opts.Chroot, r); err != nil {
		return err
	}
	if opts.Mode == config.SandboxOff {
		return nil
	}
	rights, err := unix.CapRightsInit(listenerRights)
	if err != nil {
		return fmt.Errorf("capsicum: %v", err)
	}
	for _, ln := range listeners {
		// Through Control: File.Fd would make the socket blocking.
		rc, err := ln.SyscallConn()
		if err != nil {
			return fmt.Errorf("capsicum: %v", err)
		}
		var lerr error
		if err := rc.Control(func(fd uintptr) { lerr = unix.CapRightsLimit(fd, rights) }); err != nil {
			lerr = err
		}
		if lerr != nil {
			return unavailable(opts, r, fmt.Errorf("cap_rights_limit: %v", lerr))
		}
	}
	if err := unix.CapEnter(); err != nil {
		return unavailable(opts, r, fmt.Errorf("cap_enter: %v", err))
	}
	r.Layers = append(r.Layers, Layer{"capsicum", "capability mode, listeners: accept/event/read/write"})
	return nil
}

// unavailable fails in strict mode, and otherwise notes err and goes on.
func unavailable(opts Options, r *Report, err error) error {
	if opts.Mode == config.SandboxStrict {
		return err
	}
	r.Unavailable = append(r.Unavailable, err.Error())
	return nil
}
