package sandbox

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// setIDs sets id on every thread: Go's syscall package (unlike x/sys/unix)
// makes these calls process-wide, as POSIX wants and Linux does not.
func setIDs(id ids) error {
	if err := syscall.Setgroups(nil); err != nil {
		return err
	}
	if id.gid >= 0 {
		if err := syscall.Setresgid(id.gid, id.gid, id.gid); err != nil {
			return err
		}
	}
	if id.uid >= 0 {
		return syscall.Setresuid(id.uid, id.uid, id.uid)
	}
	return nil
}

// heldIDs returns the real, effective and saved user and group IDs.
func heldIDs() (ruid, euid, suid, rgid, egid, sgid int) {
	ruid, euid, suid = unix.Getresuid()
	rgid, egid, sgid = unix.Getresgid()
	return
}
