//go:build unix && !linux

package sandbox

import "golang.org/x/sys/unix"

// setIDs sets id; credentials are per process here. Run by root, setgid and
// setuid set the real, effective and saved IDs together (POSIX), so no
// system needs setresuid for it.
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

// heldIDs returns the user and group IDs. The saved IDs cannot be read
// portably; setuid(0) failing, which checkIDs also checks, shows that the
// saved user ID is not root.
func heldIDs() (ruid, euid, suid, rgid, egid, sgid int) {
	ruid, euid = unix.Getuid(), unix.Geteuid()
	rgid, egid = unix.Getgid(), unix.Getegid()
	return ruid, euid, euid, rgid, egid, egid
}
