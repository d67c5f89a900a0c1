//go:build !(darwin || freebsd || netbsd || openbsd || dragonfly)

package main

import (
	"os"
	"syscall"
)

// infoSignals print the info line; this system has no SIGINFO.
var infoSignals = []os.Signal{syscall.SIGHUP}
