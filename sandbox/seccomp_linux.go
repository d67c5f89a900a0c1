//go:build linux && cgo

package sandbox

import (
	"fmt"
	"os"

	seccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// rule allows one system call, if its conditions hold, or makes it fail
// with errno.
type rule struct {
	name  string
	errno unix.Errno // 0: allow
	conds []seccomp.ScmpCondition
}

// cloneForbidden are the clone flags a thread never needs: with
// CLONE_THREAD required, clone cannot fork, and no namespace can be made.
const cloneForbidden = unix.CLONE_NEWNS | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC |
	unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWCGROUP

// rules is everything the serving process may do: what `strace -f`
// showed tarssh and the tests' probe doing after the sandbox point while
// serving 10,000 connections through forced garbage collections, new OS
// threads, SIGSTOP/SIGCONT, SIGHUP and SIGTERM (scripts/syscall-census
// repeats the measurement), plus the few calls noted below that the
// measurement cannot provoke. Everything else kills the process.
func rules(pid int) []rule {
	noExec := []seccomp.ScmpCondition{cond(2, seccomp.CompareMaskedEqual, unix.PROT_EXEC, 0)}
	return []rule{
		// The engine: accept, read and drop, write, close.
		{name: "accept4"},
		{name: "read"},
		{name: "write"},
		{name: "close"},
		// Learned pacing: TCP_INFO of a client that left early, which
		// tells when its FIN came (tarpit/learn_linux.go); nothing else.
		{name: "getsockopt", conds: []seccomp.ScmpCondition{
			cond(1, seccomp.CompareEqual, unix.IPPROTO_TCP), cond(2, seccomp.CompareEqual, unix.TCP_INFO)}},
		// sd_notify and the journal, on sockets connected before the
		// sandbox (socket and connect stay forbidden).
		{name: "sendmsg"},
		{name: "sendto"},
		// The fd store (tarpit/adopt.go): a dropped client that systemd
		// holds a copy of is shut down, both ways, so that copy closes
		// too; the clients' state is rewritten into the memfd made before
		// the sandbox (sendmsg above carries the sockets to systemd).
		// FDSTORE=1 scripts/syscall-census shows both.
		{name: "shutdown", conds: []seccomp.ScmpCondition{cond(1, seccomp.CompareEqual, unix.SHUT_RDWR)}},
		{name: "pwrite64"},
		// Go's poller, scheduler and timers. epoll_ctl: a listener
		// closed at shutdown leaves the poller. clock_gettime: the vDSO
		// falls back to the system call on some clock sources.
		{name: "epoll_pwait"},
		{name: "epoll_ctl"},
		{name: "futex"},
		{name: "nanosleep"},
		{name: "sched_yield"},
		{name: "clock_gettime"},
		{name: "getpid"},
		{name: "gettid"},
		// Go re-reads its cgroup CPU limit (from a file opened at start)
		// and CPU affinity every second, to adjust GOMAXPROCS.
		{name: "pread64"},
		{name: "sched_getaffinity"},
		// The kernel's own restart of a sleep interrupted by a stop.
		{name: "restart_syscall"},
		// Signals: Go preempts goroutines by signalling its own threads.
		{name: "rt_sigreturn"},
		{name: "rt_sigprocmask"},
		{name: "sigaltstack"},
		{name: "tgkill", conds: []seccomp.ScmpCondition{cond(0, seccomp.CompareEqual, uint64(pid))}},
		// Memory, never executable: the garbage collector and thread stacks.
		{name: "mmap", conds: noExec},
		{name: "mprotect", conds: noExec},
		{name: "munmap"},
		{name: "madvise"},
		// New threads (Go's, through glibc), never new processes.
		{name: "clone", conds: []seccomp.ScmpCondition{
			cond(0, seccomp.CompareMaskedEqual, unix.CLONE_THREAD|cloneForbidden, unix.CLONE_THREAD)}},
		{name: "clone3", errno: unix.ENOSYS}, // its flags are out of seccomp's sight: glibc falls back to clone
		{name: "set_robust_list"},
		{name: "rseq"},
		{name: "exit"},
		{name: "exit_group"},
		// The metrics server (--metrics, tarssh-metrics.socket): os.NewFile
		// asks each accepted connection whether it is non-blocking, and the
		// process series rewind and list /proc/self/fd, a directory opened
		// before the sandbox (no other directory can be opened after it).
		{name: "fcntl", conds: []seccomp.ScmpCondition{cond(1, seccomp.CompareEqual, unix.F_GETFL)}},
		{name: "lseek"},
		{name: "getdents64"},
		// Library code looking for a file is told no rather than killed:
		// glibc reads /sys/devices/system/cpu/online for a new thread's
		// malloc arena.
		{name: "openat", errno: unix.EACCES},
		{name: "open", errno: unix.EACCES},
	}
}

func cond(arg uint, op seccomp.ScmpCompareOp, v ...uint64) seccomp.ScmpCondition {
	c, err := seccomp.MakeCondition(arg, op, v...)
	if err != nil {
		panic(err) // the rules above are constant: a bad one is a bug
	}
	return c
}

// applySeccomp loads the allowlist on every thread. With logOnly, calls
// outside it are logged by the kernel instead of killing the process.
func applySeccomp(logOnly bool, r *Report) error {
	if api, err := seccomp.GetAPI(); err != nil || api < 3 {
		return fmt.Errorf("seccomp: unavailable (libseccomp API level %d: %v)", api, err)
	}
	deny, mode := seccomp.ActKillProcess, "kill"
	if logOnly {
		deny, mode = seccomp.ActLog, "log"
	}
	f, n, err := newFilter(deny)
	if err != nil {
		return err
	}
	defer f.Release()
	// libseccomp sets TSYNC: the filter reaches every thread, or none.
	if err := f.Load(); err != nil {
		return fmt.Errorf("seccomp: %v", err)
	}
	r.Layers = append(r.Layers, Layer{"seccomp", fmt.Sprintf("%s (%d calls allowed)", mode, n)})
	return nil
}

// newFilter builds the filter and says how many calls it allows: rules,
// and deny for everything else,
// including calls made through another ABI (i386, x32), which would
// otherwise slip past a filter written for this one.
func newFilter(deny seccomp.ScmpAction) (*seccomp.ScmpFilter, int, error) {
	f, err := seccomp.NewFilter(deny)
	if err != nil {
		return nil, 0, fmt.Errorf("seccomp: unavailable (%v)", err)
	}
	if err := f.SetBadArchAction(deny); err != nil {
		f.Release()
		return nil, 0, fmt.Errorf("seccomp: %v", err)
	}
	allowed := 0
	for _, ru := range rules(os.Getpid()) {
		sc, err := seccomp.GetSyscallFromName(ru.name)
		if err != nil {
			f.Release()
			return nil, 0, fmt.Errorf("seccomp: %s: %v", ru.name, err)
		}
		act := seccomp.ActAllow
		if ru.errno != 0 {
			act = seccomp.ActErrno.SetReturnCode(int16(ru.errno))
		} else {
			allowed++
		}
		if len(ru.conds) > 0 {
			err = f.AddRuleConditional(sc, act, ru.conds)
		} else {
			err = f.AddRule(sc, act)
		}
		if err != nil {
			f.Release()
			return nil, 0, fmt.Errorf("seccomp: %s: %v", ru.name, err)
		}
	}
	return f, allowed, nil
}
