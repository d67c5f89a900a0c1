package tarpit

import (
	"fmt"
	"testing"
	"time"

	"github.com/tarssh/tarssh/pacing"
)

// TestCoalescedWakes drives serve as the loop does, waking exactly at the
// tick it asks for, with n clients whose arrivals are spread evenly over
// one delay, and checks the coalescing contract: a wake-up that visits
// serves everything due within ahead, so wake-ups are at least ahead apart
// when the delay allows; no client is ever visited after its due tick, nor
// more than ahead before it; and a lone client keeps the tick's precision.
func TestCoalescedWakes(t *testing.T) {
	for _, tt := range []struct {
		n     int
		delay uint32 // ticks
	}{
		{1, 1000},
		{3, 1000},
		{2000, 1000},
		{500, 6000},
		{4, 5}, // a delay shorter than ahead: every visit on its own tick
		{50, 40},
	} {
		for _, start := range []uint32{0, 1<<32 - 3000} {
			t.Run(fmt.Sprintf("n=%d/delay=%d/start=%d", tt.n, tt.delay, start), func(t *testing.T) {
				testCoalescedWakes(t, tt.n, tt.delay, start)
			})
		}
	}
}

func testCoalescedWakes(t *testing.T, n int, delay, start uint32) {
	te := newTestEngine(t, n, pacing.NewClassic(time.Duration(delay)*tick, 1), start)
	born := map[int]uint32{}
	for i := range n {
		te.setNow(start + uint32(uint64(i)*uint64(delay)/uint64(n)))
		te.connect(3 + i)
		born[3+i] = te.tick
	}
	span := 6 * delay
	end := start + delay + span
	now, wakes, lastVisit := te.tick, 0, uint32(0)
	visited := false
	for {
		before := len(te.fake.wrote)
		next, ok := te.serve(now)
		if !ok {
			t.Fatal("no client scheduled")
		}
		if len(te.fake.wrote) > before {
			if visited && delay > aheadTicks && now-lastVisit <= aheadTicks {
				t.Fatalf("visits at ticks %d and %d: closer than ahead (%d ticks)", lastVisit, now, aheadTicks)
			}
			visited, lastVisit = true, now
			wakes++
		}
		if after(next, end) {
			break
		}
		if !after(next, now) {
			t.Fatalf("serve at %d asks to wake at %d", now, next)
		}
		now = next
		te.setNow(now)
	}
	// Check each client's visits against its due ticks: the first one delay
	// after it arrived, each later one delay after the visit before.
	count := map[int]int{}
	due := map[int]uint32{}
	for fd, b := range born {
		due[fd] = b + delay
	}
	for k, v := range te.fake.wrote {
		for _, u := range te.fake.wrote[:k] {
			if u == v {
				t.Fatalf("fd %d visited twice at tick %d", v.fd, v.tick)
			}
		}
		d := due[v.fd]
		if after(v.tick, d) {
			t.Fatalf("fd %d due %d visited late, at %d", v.fd, d, v.tick)
		}
		early := d - v.tick
		if early > aheadTicks || (n == 1 && early != 0) {
			t.Fatalf("fd %d due %d visited %d ticks early (ahead %d, clients %d)", v.fd, d, early, aheadTicks, n)
		}
		due[v.fd] = v.tick + delay
		count[v.fd]++
	}
	for fd := range born {
		if count[fd] < int(span/delay) {
			t.Errorf("fd %d visited %d times in %d ticks at a delay of %d", fd, count[fd], span, delay)
		}
	}
	if delay > aheadTicks {
		if limit := int(span/(aheadTicks+1)) + 2; wakes > limit {
			t.Errorf("%d wake-ups with visits in %d ticks, want at most %d", wakes, span, limit)
		}
	}
}

// TestPendingOnTime checks that a coalesced pass visits early only the
// clients that have identified themselves (or whose identification window
// has closed): a client still in its window is polled on its own tick, as
// its early byte and its window are counted in polls.
func TestPendingOnTime(t *testing.T) {
	const delay = 30 // ticks: a poll well inside the 500-tick window
	te := newTestEngine(t, 4, pacing.NewClassic(delay*tick, 1), 0)
	te.fake.reads[3] = []readResult{{data: "SSH-2.0-OpenSSH_9.2p1\r\n"}}
	te.connect(3) // identifies on its first visit, at tick 30
	te.setNow(10)
	te.connect(4) // never identifies: pending until tick 510
	now := uint32(0)
	for now < 600 {
		next, ok := te.serve(now)
		if !ok {
			t.Fatal("no client scheduled")
		}
		now = next
		te.setNow(now)
	}
	var early3 bool
	for _, fd := range []int{3, 4} {
		due := uint32(delay)
		if fd == 4 {
			due += 10
		}
		for _, v := range te.fake.visitsOf(fd) {
			if after(v, due) {
				t.Fatalf("fd %d due %d visited late, at %d", fd, due, v)
			}
			if fd == 4 && time.Duration(v-10)*tick < identWindow && v != due {
				t.Errorf("fd 4, in its identification window, due %d visited early, at %d", due, v)
			}
			early3 = early3 || fd == 3 && v != due
			due = v + delay
		}
	}
	if !early3 {
		t.Error("fd 3, identified, was never visited early with fd 4: no coalescing to test against")
	}
}
