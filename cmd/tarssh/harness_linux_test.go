package main

import "syscall"

// childAttr has the kernel kill a tarssh under test if the test process
// dies (a test timeout panics without running cleanups).
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
