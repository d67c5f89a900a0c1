package metrics

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"sync"
	"unsafe"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sys/unix"
)

// The process series are read from /proc, as client_golang's own process
// collector reads them, but through descriptors opened at start-up: once
// the sandbox is in force, Landlock and seccomp refuse to open anything.
// /proc/self/stat is re-read with pread at offset 0 (the kernel renders it
// afresh on every read from the start), and /proc/self/fd, a directory, is
// rewound with lseek and counted with getdents64. Both descriptors name
// this process for good: /proc/self is resolved when they are opened.

// userHZ is the unit of the CPU times in /proc/PID/stat: USER_HZ, 100 on
// every architecture Go supports on Linux.
const userHZ = 100

type processCollector struct {
	mu       sync.Mutex // one scrape at a time reads the descriptors
	stat     int        // /proc/self/stat
	fdDir    int        // /proc/self/fd
	maxFDs   float64
	bootTime float64 // seconds since the epoch
	pageSize float64
	buf      [1024]byte
	dents    [8192]byte
}

// newProcessCollector opens the descriptors; it must run before the
// sandbox.
func newProcessCollector() (*processCollector, error) {
	p := &processCollector{stat: -1, fdDir: -1, pageSize: float64(os.Getpagesize())}
	var err error
	if p.stat, err = unix.Open("/proc/self/stat", unix.O_RDONLY|unix.O_CLOEXEC, 0); err != nil {
		return nil, fmt.Errorf("metrics: /proc/self/stat: %v", err)
	}
	if p.fdDir, err = unix.Open("/proc/self/fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err != nil {
		unix.Close(p.stat)
		return nil, fmt.Errorf("metrics: /proc/self/fd: %v", err)
	}
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err == nil {
		p.maxFDs = float64(rl.Cur)
	}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		p.bootTime = parseBootTime(b)
	}
	if p.bootTime == 0 {
		// systemd's ProcSubset=pid hides /proc/stat.
		p.bootTime = bootTimeFromClocks()
	}
	return p, nil
}

// bootTimeFromClocks is the boot time as /proc/stat's btime has it (whole
// seconds, rounded down): the wall clock less the time since boot.
func bootTimeFromClocks() float64 {
	var rt, bt unix.Timespec
	if unix.ClockGettime(unix.CLOCK_REALTIME, &rt) != nil || unix.ClockGettime(unix.CLOCK_BOOTTIME, &bt) != nil {
		return 0
	}
	return math.Floor(float64(rt.Nano()-bt.Nano()) / 1e9)
}

var (
	descCPU       = prometheus.NewDesc("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", nil, nil)
	descRSS       = prometheus.NewDesc("process_resident_memory_bytes", "Resident memory size in bytes.", nil, nil)
	descVSZ       = prometheus.NewDesc("process_virtual_memory_bytes", "Virtual memory size in bytes.", nil, nil)
	descOpenFDs   = prometheus.NewDesc("process_open_fds", "Number of open file descriptors.", nil, nil)
	descMaxFDs    = prometheus.NewDesc("process_max_fds", "Maximum number of open file descriptors.", nil, nil)
	descStartTime = prometheus.NewDesc("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", nil, nil)
)

func (p *processCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descCPU, descRSS, descVSZ, descOpenFDs, descMaxFDs, descStartTime} {
		ch <- d
	}
}

func (p *processCollector) Collect(ch chan<- prometheus.Metric) {
	p.mu.Lock()
	defer p.mu.Unlock()
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	if st, err := p.readStat(); err != nil {
		for _, d := range []*prometheus.Desc{descCPU, descRSS, descVSZ, descStartTime} {
			ch <- prometheus.NewInvalidMetric(d, err)
		}
	} else {
		ch <- prometheus.MustNewConstMetric(descCPU, prometheus.CounterValue, float64(st.utime+st.stime)/userHZ)
		gauge(descRSS, float64(st.rss)*p.pageSize)
		gauge(descVSZ, float64(st.vsize))
		if p.bootTime > 0 {
			gauge(descStartTime, p.bootTime+float64(st.starttime)/userHZ)
		}
	}
	if n, err := p.countFDs(); err != nil {
		ch <- prometheus.NewInvalidMetric(descOpenFDs, err)
	} else {
		gauge(descOpenFDs, float64(n))
	}
	if p.maxFDs > 0 {
		gauge(descMaxFDs, p.maxFDs)
	}
}

// procStat is what the collector takes from /proc/PID/stat.
type procStat struct {
	utime, stime, starttime, vsize, rss uint64
}

func (p *processCollector) readStat() (procStat, error) {
	n, err := unix.Pread(p.stat, p.buf[:], 0)
	if err != nil {
		return procStat{}, fmt.Errorf("/proc/self/stat: %v", err)
	}
	return parseStat(p.buf[:n])
}

// parseStat parses a /proc/PID/stat line. The command name, in
// parentheses, may hold spaces and parentheses itself: the fields that
// matter are counted from after its last ')'.
func parseStat(b []byte) (procStat, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, errors.New("/proc/self/stat: no command name")
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state): field n of proc_pid_stat(5) is f[n-3].
	const utime, stime, starttime, vsize, rss = 14 - 3, 15 - 3, 22 - 3, 23 - 3, 24 - 3
	if len(f) <= rss {
		return procStat{}, fmt.Errorf("/proc/self/stat: %d fields", len(f)+2)
	}
	var s procStat
	for _, x := range []struct {
		to *uint64
		i  int
	}{{&s.utime, utime}, {&s.stime, stime}, {&s.starttime, starttime}, {&s.vsize, vsize}, {&s.rss, rss}} {
		v, err := strconv.ParseUint(string(f[x.i]), 10, 64)
		if err != nil {
			// rss is a signed long, but never negative in practice.
			return procStat{}, fmt.Errorf("/proc/self/stat field %d: %v", x.i+3, err)
		}
		*x.to = v
	}
	return s, nil
}

// parseBootTime finds "btime SECONDS" in /proc/stat.
func parseBootTime(b []byte) float64 {
	for line := range bytes.SplitSeq(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("btime ")); ok {
			n, err := strconv.ParseUint(string(bytes.TrimSpace(v)), 10, 64)
			if err == nil {
				return float64(n)
			}
		}
	}
	return 0
}

// countFDs counts the entries of /proc/self/fd, as an outside
// `ls /proc/PID/fd` would: the directory's own descriptor included.
func (p *processCollector) countFDs() (int, error) {
	if _, err := unix.Seek(p.fdDir, 0, 0); err != nil {
		return 0, fmt.Errorf("/proc/self/fd: %v", err)
	}
	count := 0
	for {
		n, err := unix.Getdents(p.fdDir, p.dents[:])
		if err != nil {
			return 0, fmt.Errorf("/proc/self/fd: %v", err)
		}
		if n <= 0 {
			return count, nil
		}
		count += countDirents(p.dents[:n])
	}
}

// countDirents counts the linux_dirent64 records in b other than "." and
// "..".
func countDirents(b []byte) int {
	const nameOff = int(unsafe.Offsetof(unix.Dirent{}.Name))
	const reclenOff = int(unsafe.Offsetof(unix.Dirent{}.Reclen))
	count := 0
	for len(b) >= nameOff {
		reclen := int(*(*uint16)(unsafe.Pointer(&b[reclenOff])))
		if reclen < nameOff || reclen > len(b) {
			break
		}
		name := b[nameOff:reclen]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		if string(name) != "." && string(name) != ".." {
			count++
		}
		b = b[reclen:]
	}
	return count
}
