package sandbox

import (
	"fmt"
	"os"

	"github.com/landlock-lsm/go-landlock/landlock"
	llsys "github.com/landlock-lsm/go-landlock/landlock/syscall"
	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/config"
)

// apply confines the process, in an order forced by the mechanisms:
//
//  1. no_new_privs on every thread: always, whatever the mode, since
//     tarssh never executes anything. (Without /proc, on this thread
//     only, until seccomp extends it to all.)
//  2. Landlock, while /proc is still reachable and we are still root: with
//     cgo, go-landlock reaches every thread through libpsx, which lists
//     /proc/PID/task while it works.
//  3. chroot and the privilege drop.
//  4. seccomp last, as it forbids the calls the steps above make.
//
// A failed privilege drop is always fatal: the user asked for it.
func apply(opts Options, id ids, _ []*os.File, r *Report) error {
	strict := opts.Mode == config.SandboxStrict
	psx := psxWorks()
	if err := setNoNewPrivs(psx); err != nil {
		return fmt.Errorf("prctl(PR_SET_NO_NEW_PRIVS): %v", err)
	}
	if opts.Mode != config.SandboxOff {
		r.Layers = append(r.Layers, Layer{"no_new_privs", "true"})
		if err := applyLandlock(psx, r); err != nil {
			if strict {
				return err
			}
			r.Unavailable = append(r.Unavailable, err.Error())
		}
	}
	if err := dropPrivileges(id, opts.Chroot, r); err != nil {
		return err
	}
	if opts.Mode != config.SandboxOff {
		if err := applySeccomp(opts.Mode == config.SandboxLog, r); err != nil {
			if strict {
				return err
			}
			r.Unavailable = append(r.Unavailable, err.Error())
		}
	}
	return nil
}

// newestLandlock is the highest Landlock ABI go-landlock knows; a newer
// kernel is used at this level.
var newestLandlock = landlock.V11

// psxWorks reports whether libpsx, through which go-landlock (before
// Landlock ABI 8) and setNoNewPrivs reach every thread of a cgo build, can
// work: it lists /proc/PID/task, and kills the process if it cannot.
func psxWorks() bool {
	f, err := os.Open(fmt.Sprintf("/proc/%d/task", os.Getpid()))
	if err != nil {
		return false
	}
	f.Close()
	return true
}

// setNoNewPrivs sets no_new_privs on every thread, or without libpsx on
// this one only: then seccomp, which sets it on every thread it reaches,
// completes the job.
func setNoNewPrivs(psx bool) error {
	if psx {
		return llsys.AllThreadsPrctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
	}
	return unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
}

// applyLandlock forbids all filesystem access, TCP bind and connect, and
// IPC (abstract unix sockets, signals) outside the process, as far as the
// kernel's Landlock ABI allows.
func applyLandlock(psx bool, r *Report) error {
	abi, err := llsys.LandlockGetABIVersion()
	if err != nil || abi < 1 {
		return fmt.Errorf("landlock: unavailable (%v)", err)
	}
	if abi < 8 && !psx {
		return fmt.Errorf("landlock: unavailable (kernel ABI %d needs /proc to reach every thread)", abi)
	}
	// No rules: nothing is allowed of what each ABI level can restrict.
	if err := newestLandlock.BestEffort().Restrict(); err != nil {
		return fmt.Errorf("landlock: %v", err)
	}
	r.Layers = append(r.Layers, Layer{"landlock", landlockDetail(abi)})
	return nil
}

// landlockDetail says what Landlock ABI abi restricts.
func landlockDetail(abi int) string {
	d := fmt.Sprintf("abi %d (fs", abi)
	if abi >= 4 {
		d += ", tcp"
	}
	if abi >= 6 {
		d += ", scopes"
	}
	if abi >= 10 {
		d += ", udp"
	}
	return d + ")"
}
