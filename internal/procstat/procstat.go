// Package procstat reads a process's CPU time from Linux's /proc/PID/stat,
// for the load generator and the tests that measure tarssh.
package procstat

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of /proc/PID/stat times: fixed at 100 by the kernel's
// ABI whatever its internal tick.
const userHZ = 100

// CPU returns the user and system time process pid has used, all its
// threads together.
func CPU(pid int) (user, sys time.Duration, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	user, sys, err = parse(b)
	if err != nil {
		return 0, 0, fmt.Errorf("/proc/%d/stat: %v", pid, err)
	}
	return user, sys, nil
}

// parse reads utime and stime (fields 14 and 15) from a stat line.
func parse(b []byte) (user, sys time.Duration, err error) {
	// The command name may contain spaces and parentheses; the fields
	// resume after its last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("unexpected format")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("unexpected format")
	}
	// f[0] is field 3 (state): utime and stime are fields 14 and 15.
	ut, err1 := strconv.ParseUint(f[11], 10, 63)
	st, err2 := strconv.ParseUint(f[12], 10, 63)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("unexpected format")
	}
	return time.Duration(ut) * time.Second / userHZ, time.Duration(st) * time.Second / userHZ, nil
}
