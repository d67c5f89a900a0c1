//go:build linux

// Command probe is the sandbox tests' helper: it starts up as tarssh does
// (same flags, same listeners, engine and sandbox.Apply call), then does
// one thing the tests watch from outside:
//
//	probe ACTION [tarssh flags...]
//
// The forbidden actions must end in EACCES or in death by SIGSYS; "serve"
// runs the engine under load from the test while forcing garbage
// collections and new OS threads, and must exit 0 on SIGTERM. It lives
// here rather than as a hidden switch in tarssh, which stays free of test
// code.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/config"
	"github.com/tarssh/tarssh/logging"
	"github.com/tarssh/tarssh/pacing"
	"github.com/tarssh/tarssh/sandbox"
	"github.com/tarssh/tarssh/tarpit"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: probe ACTION [tarssh flags...]")
		os.Exit(64)
	}
	os.Exit(run(os.Args[1], os.Args[2:]))
}

func run(action string, args []string) int {
	do, ok := actions[action]
	if !ok {
		fmt.Fprintf(os.Stderr, "probe: unknown action %q\n", action)
		return 64
	}
	cfg, err := config.Parse(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		return 64
	}
	// The probe's own lines go out at once, not through the engine's
	// queue: a forbidden action may kill it right after.
	console := &logging.Console{W: os.Stderr, Level: true, Ident: true}
	logNow := func(r logging.Record) { console.Write(r) }
	log := logging.NewLogger(&logging.Console{W: os.Stderr, Level: true, Ident: true}, logging.Info, 4096)
	defer log.Close()
	signal.Ignore(syscall.SIGPIPE)
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGHUP)
	// INT and TERM are caught now, before the sandbox; serve turns them
	// into the engine's context.
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGINT, syscall.SIGTERM)
	termSignals = term
	lns, lerr := tarpit.Listen(cfg.Listen)
	if lerr != nil {
		fmt.Fprintln(os.Stderr, "probe:", lerr)
		return 71
	}
	for _, ln := range lns {
		logNow(logging.New(logging.Info, "listen").Str("addr", tarpit.LocalAddr(ln), "").Record())
	}
	engine, err := tarpit.New(tarpit.Config{
		MaxClients: cfg.MaxClients, Timeout: cfg.Timeout,
		Pacer: pacing.NewClassic(cfg.Delay, 1), Log: log, Signals: sigs,
	}, lns)
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		return 70
	}
	// What the forbidden actions need, taken before the sandbox.
	e := env{ppid: os.Getppid(), pid: os.Getpid()}
	if rc, err := lns[0].SyscallConn(); err == nil { // not Fd: it makes the socket blocking
		rc.Control(func(fd uintptr) { e.lnfd = int(fd) })
	}
	report, err := sandbox.Apply(sandbox.FromConfig(cfg), lns)
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe: sandbox:", err)
		return 71
	}
	logNow(report.PrivdropRecord())
	logNow(report.SandboxRecord())
	logNow(logging.New(logging.Info, "probe").Str("action", action, "").Record())
	return do(e, engine)
}

type env struct{ ppid, pid, lnfd int }

// say writes one line to stdout with a bare write(2), which the sandbox
// allows, so the test can read what an action saw.
func say(format string, a ...any) {
	unix.Write(1, []byte(fmt.Sprintf(format, a...)+"\n"))
}

// outcome reports err as the test expects to read it.
func outcome(what string, err error) int {
	var errno unix.Errno
	if errors.As(err, &errno) {
		say("%s: %s", what, unix.ErrnoName(errno))
	} else {
		say("%s: %v", what, err)
	}
	return 0
}

var actions = map[string]func(env, *tarpit.Engine) int{
	// Files: refused with EACCES, and the process lives on.
	"open": func(env, *tarpit.Engine) int {
		_, err := os.Open("/etc/passwd")
		outcome("open", err)
		_, err = unix.Open("/", unix.O_RDONLY|unix.O_DIRECTORY, 0)
		outcome("open-dir", err)
		_, err = unix.Openat(unix.AT_FDCWD, "/tmp/probe-new", unix.O_CREAT|unix.O_WRONLY, 0o600)
		return outcome("create", err)
	},
	// Each of these must end the process with SIGSYS.
	"execve": func(env, *tarpit.Engine) int {
		return outcome("execve", syscall.Exec("/bin/true", []string{"true"}, nil))
	},
	"fork": func(env, *tarpit.Engine) int {
		_, _, errno := syscall.RawSyscall(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0)
		return outcome("fork", errno)
	},
	"socket": func(env, *tarpit.Engine) int {
		_, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
		return outcome("socket", err)
	},
	"socket-unix": func(env, *tarpit.Engine) int {
		_, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM, 0)
		return outcome("socket-unix", err)
	},
	"connect": func(e env, _ *tarpit.Engine) int {
		return outcome("connect", unix.Connect(e.lnfd, &unix.SockaddrInet4{Port: 9, Addr: [4]byte{127, 0, 0, 1}}))
	},
	"bind": func(e env, _ *tarpit.Engine) int {
		return outcome("bind", unix.Bind(e.lnfd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}))
	},
	"kill-parent": func(e env, _ *tarpit.Engine) int {
		return outcome("kill-parent", unix.Kill(e.ppid, unix.SIGUSR1))
	},
	"tgkill-parent": func(e env, _ *tarpit.Engine) int {
		return outcome("tgkill-parent", unix.Tgkill(e.ppid, e.ppid, unix.SIGUSR1))
	},
	"setuid": func(env, *tarpit.Engine) int {
		_, _, errno := syscall.RawSyscall(syscall.SYS_SETUID, 0, 0, 0)
		return outcome("setuid", errno)
	},
	"mmap-exec": func(env, *tarpit.Engine) int {
		_, err := unix.Mmap(-1, 0, 4096, unix.PROT_READ|unix.PROT_EXEC, unix.MAP_PRIVATE|unix.MAP_ANON)
		return outcome("mmap-exec", err)
	},
	"mprotect-exec": func(env, *tarpit.Engine) int {
		b, err := unix.Mmap(-1, 0, 4096, unix.PROT_READ, unix.MAP_PRIVATE|unix.MAP_ANON)
		if err != nil {
			return outcome("mmap", err)
		}
		return outcome("mprotect-exec", unix.Mprotect(b, unix.PROT_READ|unix.PROT_EXEC))
	},
	// Refused with ENOSYS, so that glibc falls back to clone, whose
	// flags the filter can check.
	"clone3": func(env, *tarpit.Engine) int {
		_, _, errno := syscall.RawSyscall(unix.SYS_CLONE3, 0, 0, 0)
		return outcome("clone3", errno)
	},
	"ptrace": func(e env, _ *tarpit.Engine) int {
		return outcome("ptrace", unix.PtraceAttach(e.ppid))
	},
	// Sit still until SIGTERM, for checks of /proc from outside.
	"idle": func(_ env, eng *tarpit.Engine) int {
		return serve(eng, false)
	},
	// Serve under load while forcing garbage collections and new threads.
	"serve": func(_ env, eng *tarpit.Engine) int {
		return serve(eng, true)
	},
}

// serve runs the engine; with stress, it also keeps the Go runtime busy
// doing what it does rarely in a quiet tarpit, so that any system call it
// needs for that shows up (and kills the process) during the test.
func serve(eng *tarpit.Engine, stress bool) int {
	say("serving")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var rounds atomic.Int64
	if stress {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stressLoop(stop, &rounds)
		}()
	}
	ctx, stopServe := tarpit.UntilSignal(termSignals)
	defer stopServe()
	err := eng.Serve(ctx)
	close(stop)
	wg.Wait()
	if err != nil {
		say("serve: %v", err)
		return 70
	}
	say("stress rounds: %d", rounds.Load())
	return 0
}

// termSignals carries SIGINT and SIGTERM from start-up to serve.
var termSignals <-chan os.Signal

var sink [][]byte

func stressLoop(stop <-chan struct{}, rounds *atomic.Int64) {
	procs := []int{8, 2, 16, 4}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		case <-time.After(100 * time.Millisecond):
		}
		// Garbage, then a forced collection and a return of memory to
		// the kernel (madvise, munmap).
		sink = nil
		for j := 0; j < 256; j++ {
			sink = append(sink, make([]byte, 64<<10))
		}
		runtime.GC()
		if i%10 == 0 {
			sink = nil
			debug.FreeOSMemory()
		}
		// More Ps, and goroutines blocked in system calls, make the
		// runtime start OS threads.
		runtime.GOMAXPROCS(procs[i%len(procs)])
		var wg sync.WaitGroup
		for j := 0; j < 12; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ts := unix.Timespec{Nsec: 20e6}
				syscall.Syscall(syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&ts)), 0, 0)
			}()
		}
		// A goroutine that ends locked to its thread takes the thread
		// with it, so the runtime must make new ones.
		if i%5 == 0 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				runtime.LockOSThread()
			}()
		}
		wg.Wait()
		rounds.Add(1)
	}
}
