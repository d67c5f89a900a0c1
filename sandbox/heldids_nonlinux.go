//go:build unix && !linux

package sandbox

import "golang.org/x/sys/unix"

// heldIDs returns the user and group IDs. The saved IDs cannot be read
// portably; setuid(0) failing, which checkIDs also checks, shows that the
// saved user ID is not root.
func heldIDs() (ruid, euid, suid, rgid, egid, sgid int) {
	ruid, euid = unix.Getuid(), unix.Geteuid()
	rgid, egid = unix.Getgid(), unix.Getegid()
	return ruid, euid, euid, rgid, egid, egid
}
