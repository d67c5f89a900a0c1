package sandbox

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/config"
)

// apply chroots and drops privileges, then hides the whole filesystem
// (unveil with no paths) and pledges "stdio inet": enough to accept, read,
// write and close on the sockets already open. In log mode a violation
// fails with ENOSYS (pledge's "error" promise) instead of killing.
func apply(opts Options, id ids, _ []*os.File, r *Report) error {
	if err := dropPrivileges(id, opts.Chroot, r); err != nil {
		return err
	}
	if opts.Mode == config.SandboxOff {
		return nil
	}
	if err := unix.UnveilBlock(); err != nil {
		if opts.Mode == config.SandboxStrict {
			return fmt.Errorf("unveil: %v", err)
		}
		r.Unavailable = append(r.Unavailable, "unveil: "+err.Error())
	} else {
		r.Layers = append(r.Layers, Layer{"unveil", "none"})
	}
	promises := "stdio inet"
	if opts.Mode == config.SandboxLog {
		promises += " error"
	}
	if err := unix.Pledge(promises, ""); err != nil {
		if opts.Mode == config.SandboxStrict {
			return fmt.Errorf("pledge: %v", err)
		}
		r.Unavailable = append(r.Unavailable, "pledge: "+err.Error())
		return nil
	}
	r.Layers = append(r.Layers, Layer{"pledge", fmt.Sprintf("%q", promises)})
	return nil
}
