//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"os"
	"syscall"
)

// infoSignals print the info line: SIGINFO (^T) where the system has it.
var infoSignals = []os.Signal{syscall.SIGHUP, syscall.SIGINFO}
