//go:build unix && !linux && !freebsd && !openbsd

package sandbox

import "golang.org/x/sys/unix"

// setIDs sets id. Without setresuid, setuid by root sets the real,
// effective and saved IDs together.
func setIDs(id ids) error {
	if err := unix.Setgroups(nil); err != nil {
		return err
	}
	if id.gid >= 0 {
		if err := unix.Setgid(id.gid); err != nil {
			return err
		}
	}
	if id.uid >= 0 {
		return unix.Setuid(id.uid)
	}
	return nil
}
