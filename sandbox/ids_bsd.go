//go:build freebsd || openbsd

package sandbox

import "golang.org/x/sys/unix"

// setIDs sets id; credentials are per process here.
func setIDs(id ids) error {
	if err := unix.Setgroups(nil); err != nil {
		return err
	}
	if id.gid >= 0 {
		if err := unix.Setresgid(id.gid, id.gid, id.gid); err != nil {
			return err
		}
	}
	if id.uid >= 0 {
		return unix.Setresuid(id.uid, id.uid, id.uid)
	}
	return nil
}
