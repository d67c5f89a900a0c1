//go:build unix

package sandbox

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// dropPrivileges changes root to chroot (if set), then to id's group and
// user with no supplementary groups, and checks that root cannot be
// regained. It records what it did in r.
func dropPrivileges(id ids, chroot string, r *Report) error {
	if chroot != "" {
		// chdir first, so that no directory outside the new root
		// stays reachable through the working directory.
		if err := unix.Chdir(chroot); err != nil {
			return fmt.Errorf("chroot %s: %v", chroot, err)
		}
		if err := unix.Chroot("."); err != nil {
			return fmt.Errorf("chroot %s: %v", chroot, err)
		}
		if err := unix.Chdir("/"); err != nil {
			return fmt.Errorf("chroot %s: %v", chroot, err)
		}
	}
	if id.uid < 0 && id.gid < 0 {
		return nil
	}
	if err := setIDs(id); err != nil {
		return fmt.Errorf("privilege drop: %v", err)
	}
	if err := checkIDs(id); err != nil {
		return fmt.Errorf("privilege drop: %v", err)
	}
	r.UID, r.GID = id.uid, id.gid
	return nil
}

// checkIDs verifies that the process holds only id's IDs and cannot take
// root back: a drop that can be undone is no drop.
func checkIDs(id ids) error {
	ruid, euid, suid, rgid, egid, sgid := heldIDs()
	if id.uid >= 0 && (ruid != id.uid || euid != id.uid || suid != id.uid) {
		return fmt.Errorf("user IDs are %d/%d/%d, want %d", ruid, euid, suid, id.uid)
	}
	if id.gid >= 0 && (rgid != id.gid || egid != id.gid || sgid != id.gid) {
		return fmt.Errorf("group IDs are %d/%d/%d, want %d", rgid, egid, sgid, id.gid)
	}
	if groups, err := unix.Getgroups(); err != nil || len(groups) > 0 {
		return fmt.Errorf("supplementary groups %v remain (%v)", groups, err)
	}
	if id.uid > 0 {
		if err := unix.Setuid(0); !errors.Is(err, unix.EPERM) {
			return fmt.Errorf("setuid(0) after the drop gave %v, not EPERM", err)
		}
		if id.gid > 0 {
			if err := unix.Setgid(0); !errors.Is(err, unix.EPERM) {
				return fmt.Errorf("setgid(0) after the drop gave %v, not EPERM", err)
			}
		}
	}
	return nil
}
