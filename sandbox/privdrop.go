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
	// The kernel's IDs are unsigned 32-bit numbers, which heldIDs returns
	// as C ints: 4294967294 comes back as -2. Compare and print them
	// unsigned.
	ruid, euid, suid, rgid, egid, sgid := heldIDs()
	u := func(v int) uint32 { return uint32(v) }
	if id.uid >= 0 && (u(ruid) != u(id.uid) || u(euid) != u(id.uid) || u(suid) != u(id.uid)) {
		return fmt.Errorf("user IDs are %d/%d/%d, want %d", u(ruid), u(euid), u(suid), id.uid)
	}
	if id.gid >= 0 && (u(rgid) != u(id.gid) || u(egid) != u(id.gid) || u(sgid) != u(id.gid)) {
		return fmt.Errorf("group IDs are %d/%d/%d, want %d", u(rgid), u(egid), u(sgid), id.gid)
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
