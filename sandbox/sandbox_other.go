//go:build unix && !linux && !openbsd && !freebsd

package sandbox

import (
	"errors"
	"os"
	"runtime"

	"github.com/tarssh/tarssh/config"
)

// apply chroots and drops privileges: this system offers tarssh no
// sandbox of its own, so strict mode refuses to run.
func apply(opts Options, id ids, _ []*os.File, r *Report) error {
	if opts.Mode == config.SandboxStrict {
		return errors.New("no sandbox on " + runtime.GOOS + " (run with --sandbox=on)")
	}
	if opts.Mode != config.SandboxOff {
		r.Unavailable = append(r.Unavailable, "no sandbox on "+runtime.GOOS)
	}
	return dropPrivileges(id, opts.Chroot, r)
}
