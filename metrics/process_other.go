//go:build !linux

package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sys/unix"
)

// processCollector reports the CPU time, from getrusage, which every
// sandbox tarssh uses outside Linux (pledge, Capsicum) allows, and the
// start time; the other process series need /proc.
type processCollector struct{ start time.Time }

func newProcessCollector() (*processCollector, error) {
	return &processCollector{start: time.Now()}, nil
}

var (
	descCPU       = prometheus.NewDesc("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", nil, nil)
	descStartTime = prometheus.NewDesc("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", nil, nil)
)

func (p *processCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descCPU
	ch <- descStartTime
}

func (p *processCollector) Collect(ch chan<- prometheus.Metric) {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		ch <- prometheus.NewInvalidMetric(descCPU, err)
	} else {
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		ch <- prometheus.MustNewConstMetric(descCPU, prometheus.CounterValue, cpu.Seconds())
	}
	ch <- prometheus.MustNewConstMetric(descStartTime, prometheus.GaugeValue, float64(p.start.UnixMilli())/1e3)
}
