package tarpit

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/pacing"
)

// BenchmarkScheduler runs the engine's scheduler on synthetic clients, with
// no sockets and a synthetic clock: the engine's system calls are replaced
// by stubs (reads find nothing, writes succeed), so what is measured is the
// engine's own cost. Each op is one 10 ms tick of the loop; the metrics are
// what matter:
//
//	B/client:      heap growth from before New to N clients held, less the
//	               growth for an engine holding none, over N: what each
//	               client costs
//	B/client-all:  the same without subtracting the engine's fixed part
//	               (wheel, buffers), which 1,000,000 clients amortise
//	ns/write:      time per visit (read, pacer, write, reschedule)
//
// At --delay 10 a client is visited every 1,000 ticks, so each tick visits
// N/1,000 clients, in the order they arrived.
func BenchmarkScheduler(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) { benchScheduler(b, n) })
	}
}

func benchScheduler(b *testing.B, n int) {
	const delay = 10 * time.Second
	writes := 0
	ops := ioOps{
		read:  func(int, []byte) (int, error) { return 0, unix.EAGAIN },
		write: func(_ int, p []byte) (int, error) { writes++; return len(p), nil },
		close: func(int) error { return nil },
	}

	fixed := heapGrowth(func() any { e, _ := New(Config{MaxClients: 1, Pacer: pacing.NewClassic(delay, 1)}, nil); return e })
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	e, err := New(Config{MaxClients: n, Timeout: 30 * time.Second, Pacer: pacing.NewClassic(delay, 1)}, nil)
	if err != nil {
		b.Fatal(err)
	}
	e.ops = ops
	// Arrivals spread evenly over one delay, as a steady flow leaves them.
	period := ticks(delay)
	for i := range n {
		e.add(accepted{fd: i, addr: [16]byte{10: 0xff, 11: 0xff, 12: 192, 15: byte(i)}, port: uint16(i)},
			uint32(uint64(i)*uint64(period)/uint64(n)))
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	all := int64(m1.HeapAlloc) - int64(m0.HeapAlloc)

	// Warm up until every client has had its first visit (where its
	// identification window closes), so the timed loop is steady state.
	now := uint32(0)
	for ; now < 2*period; now++ {
		e.runDue(now)
	}
	if writes < n {
		b.Fatalf("warm-up wrote to %d of %d clients", writes, n)
	}
	writes = 0
	for b.Loop() {
		now++
		e.runDue(now)
	}
	if writes == 0 {
		b.Fatal("no writes")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(writes), "ns/write")
	b.ReportMetric(float64(all-fixed)/float64(n), "B/client")
	b.ReportMetric(float64(all)/float64(n), "B/client-all")
	if e.stats.Clients != n {
		b.Fatalf("%d clients held, want %d", e.stats.Clients, n)
	}
}

// heapGrowth returns how much live heap what f returns holds.
func heapGrowth(f func() any) int64 {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	v := f()
	runtime.GC()
	runtime.ReadMemStats(&m1)
	runtime.KeepAlive(v)
	return int64(m1.HeapAlloc) - int64(m0.HeapAlloc)
}
