package loadgen

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
)

// procMem returns a process's Rss and Pss in bytes (smaps_rollup).
func procMem(pid int) (rss, pss int64, err error) {
	f, err := kvFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0, 0, err
	}
	return f["Rss"] << 10, f["Pss"] << 10, nil
}

// procSwitches sums the voluntary and involuntary context switches of a
// process's live threads.
func procSwitches(pid int) (voluntary, involuntary int64, err error) {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, t := range tasks {
		f, err := kvFile(fmt.Sprintf("/proc/%d/task/%s/status", pid, t.Name()))
		if err != nil {
			continue // the thread exited meanwhile
		}
		voluntary += f["voluntary_ctxt_switches"]
		involuntary += f["nonvoluntary_ctxt_switches"]
	}
	return voluntary, involuntary, nil
}

// procRunTime sums the time a process's live threads have run, from
// /proc/PID/task/*/schedstat (nanoseconds); -1 if it cannot be read.
func procRunTime(pid int) time.Duration {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return -1
	}
	var sum time.Duration
	for _, t := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/schedstat", pid, t.Name()))
		if err != nil {
			continue // the thread exited meanwhile
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			return -1
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return -1
		}
		sum += time.Duration(ns)
	}
	return sum
}

// procThreads returns a process's thread count.
func procThreads(pid int) (int, error) {
	f, err := kvFile(fmt.Sprintf("/proc/%d/status", pid))
	return int(f["Threads"]), err
}

// procFDs returns how many descriptors a process has open.
func procFDs(pid int) (int, error) {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(ents), err
}

// kernelMem is the machine-wide kernel memory a connection costs.
type kernelMem struct {
	slab, sunreclaim int64 // bytes
	tcpMem           int64 // TCP buffer accounting, bytes
	sockCaches       int64 // bytes in the slab caches of socketCaches; -1: unknown
}

// socketCaches are the slab caches an idle IPv4 TCP socket with a
// descriptor occupies: the socket itself, its inode, its open file and its
// dentry (each with a small security blob).
var socketCaches = map[string]bool{
	"TCP": true, "sock_inode_cache": true, "filp": true, "dentry": true,
	"lsm_inode_cache": true, "lsm_file_cache": true,
}

func readKernelMem() (k kernelMem, err error) {
	m, err := kvFile("/proc/meminfo")
	if err != nil {
		return k, err
	}
	k.slab, k.sunreclaim = m["Slab"]<<10, m["SUnreclaim"]<<10
	k.sockCaches = slabCaches(socketCaches)
	b, err := os.ReadFile("/proc/net/sockstat")
	if err != nil {
		return k, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "TCP:" {
			continue
		}
		for i := 1; i+1 < len(f); i += 2 {
			if f[i] == "mem" {
				pages, _ := strconv.ParseInt(f[i+1], 10, 64)
				k.tcpMem = pages * int64(os.Getpagesize())
			}
		}
	}
	return k, nil
}

// queues sums, over the established TCP sockets whose local end is addr
// (the tarpit's side), the bytes received but not read and the bytes sent
// but not acknowledged, from /proc/PID/net/tcp.
func queues(pid int, addr netip.AddrPort) (rx, rxSockets, tx int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/net/tcp", pid))
	if err != nil {
		return 0, 0, 0, err
	}
	defer f.Close()
	a := addr.Addr().As4()
	// The kernel prints the address as a native-endian (here little) word.
	local := fmt.Sprintf("%02X%02X%02X%02X:%04X", a[3], a[2], a[1], a[0], addr.Port())
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) < 5 || fl[1] != local || fl[3] != "01" { // 01: ESTABLISHED
			continue
		}
		txs, rxs, ok := strings.Cut(fl[4], ":")
		if !ok {
			continue
		}
		t, _ := strconv.ParseInt(txs, 16, 64)
		r, _ := strconv.ParseInt(rxs, 16, 64)
		tx += t
		rx += r
		if r > 0 {
			rxSockets++
		}
	}
	return rx, rxSockets, tx, sc.Err()
}

// listening reports whether pid has a TCP socket listening on addr.
func listening(pid int, addr netip.AddrPort) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/tcp", pid))
	if err != nil {
		return false
	}
	a := addr.Addr().As4()
	local := fmt.Sprintf("%02X%02X%02X%02X:%04X", a[3], a[2], a[1], a[0], addr.Port())
	any := fmt.Sprintf("00000000:%04X", addr.Port()) // every address, as other tarpits listen
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 3 && (f[1] == local || f[1] == any) && f[3] == "0A" { // 0A: LISTEN
			return true
		}
	}
	return false
}

// kvFile reads a "Key: value [kB]" file into a map of integer values.
func kvFile(path string) (map[string]int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := make(map[string]int64)
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
			m[k] = n
		}
	}
	return m, nil
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// slabCaches returns the bytes of the named slab caches' active objects,
// from /proc/slabinfo (readable by root only), or -1.
func slabCaches(names map[string]bool) int64 {
	b, err := os.ReadFile("/proc/slabinfo")
	if err != nil {
		return -1
	}
	var sum int64
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || !names[f[0]] {
			continue
		}
		objs, err1 := strconv.ParseInt(f[1], 10, 64)
		size, err2 := strconv.ParseInt(f[3], 10, 64)
		if err1 == nil && err2 == nil {
			sum += objs * size
		}
	}
	return sum
}
