//go:build linux

package main

import (
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/tarpit"
)

// int80 makes system call nr through the i386 ABI.
func int80(nr uintptr) uintptr

// x32Bit marks a system call number as the x32 ABI's.
const x32Bit = 0x40000000

func init() {
	// getpid is allowed natively; through another ABI it must kill.
	actions["i386"] = func(env, *tarpit.Engine) int {
		int80(20) // getpid on i386
		return outcome("i386", nil)
	}
	actions["x32"] = func(env, *tarpit.Engine) int {
		_, _, errno := syscall.RawSyscall(x32Bit|unix.SYS_GETPID, 0, 0, 0)
		return outcome("x32", errno)
	}
}
