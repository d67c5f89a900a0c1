package tarpit

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/tarssh/tarssh/pacing"
)

// BenchmarkStore measures what the fd store adds per held client: the heap
// of an engine holding N stored clients less that of one holding N without
// a store (B/client), and the heartbeat's state save, each op one save of
// all N (ns/client). The store adds nothing to a visit: its hooks run on
// accept, drop and the heartbeat only.
func BenchmarkStore(b *testing.B) {
	for _, n := range []int{4096, 65518} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) { benchStore(b, n) })
	}
}

func benchStore(b *testing.B, n int) {
	build := func(store bool, state StateFile) *Engine {
		cfg := Config{MaxClients: n, Timeout: 30 * time.Second, Pacer: pacing.NewClassic(10*time.Second, 1)}
		if store {
			cfg.Store = func(fds []int) (int, error) { return len(fds), nil }
			cfg.State = state
		}
		e, err := New(cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		for i := range n {
			e.add(accepted{fd: i, addr: [16]byte{10: 0xff, 11: 0xff, 12: 192, 14: byte(i >> 8), 15: byte(i)}, port: uint16(i)}, 0)
			if i%64 == 63 {
				e.flushStore()
			}
		}
		e.flushStore()
		return e
	}
	// The state itself is in the memfd, kernel memory: what the heap
	// holds is measured with a state file that keeps nothing.
	with := heapGrowth(func() any { e := build(true, discardFile{}); e.saveState(); return e })
	without := heapGrowth(func() any { return build(false, nil) })
	e := build(true, &memFile{})
	if e.keep.stored != n {
		b.Fatalf("%d of %d clients stored", e.keep.stored, n)
	}
	for b.Loop() {
		e.saveState()
	}
	st, err := readState(e.cfg.State)
	if err != nil || len(st.clients) != n {
		b.Fatalf("saved state: %v, %d clients", err, len(st.clients))
	}
	perSave := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(float64(with-without)/float64(n), "B/client")
	b.ReportMetric(float64(len(e.cfg.State.(*memFile).b)+len(e.cfg.State.(*memFile).b2))/float64(n), "memfd-B/client")
	b.ReportMetric(perSave/float64(n), "ns/client")
	// At the default heartbeat (5 s), the share of one core saving takes.
	b.ReportMetric(perSave/float64(5*time.Second)*100, "%core@5s")
}

// discardFile is a state file that keeps nothing.
type discardFile struct{}

func (discardFile) WriteAt(p []byte, _ int64) (int, error) { return len(p), nil }
func (discardFile) ReadAt([]byte, int64) (int, error)      { return 0, io.EOF }
