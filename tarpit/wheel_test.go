package tarpit

import (
	"math/rand/v2"
	"testing"
)

// TestWheelPush checks where push puts a client: in its own slot, at the
// cursor when already due, and parked at the horizon when beyond it.
func TestWheelPush(t *testing.T) {
	for _, cursor := range []uint32{0, 12345, 1<<32 - 3, 1<<31 - 1} {
		var w wheel
		w.init(cursor)
		cs := make([]client, 5)
		if _, ok := w.nextUsed(); ok {
			t.Fatal("empty wheel has a next tick")
		}
		for _, tt := range []struct {
			i, due, slot uint32
		}{
			{0, cursor + 5, cursor + 5},
			{1, cursor - 7, cursor}, // overdue: run at once
			{2, cursor + wheelSize - 1, cursor + wheelSize - 1},
			{3, cursor + wheelSize, cursor + wheelSize - 1}, // beyond the horizon: parked
			{4, cursor + 5, cursor + 5},                     // FIFO behind 0
		} {
			w.push(cs, tt.i, tt.due)
			if cs[tt.i].due != tt.due {
				t.Errorf("cursor %d: client %d due %d, want %d", cursor, tt.i, cs[tt.i].due, tt.due)
			}
			if s := tt.slot & wheelMask; w.tail[s] != tt.i {
				t.Errorf("cursor %d: client %d (due %d) not at the tail of slot for tick %d", cursor, tt.i, tt.due, tt.slot)
			}
		}
		if w.n != 5 {
			t.Errorf("n = %d", w.n)
		}
		for _, want := range []struct {
			tick uint32
			list []uint32
		}{
			{cursor, []uint32{1}},
			{cursor + 5, []uint32{0, 4}},
			{cursor + wheelSize - 1, []uint32{2, 3}},
		} {
			got, ok := w.nextUsed()
			if !ok || got != want.tick {
				t.Fatalf("cursor %d: nextUsed = %d, %v; want %d", cursor, got, ok, want.tick)
			}
			var list []uint32
			for i := w.take(got); i != nilIdx; i = cs[i].next {
				list = append(list, i)
				w.n--
			}
			if len(list) != len(want.list) || list[0] != want.list[0] || list[len(list)-1] != want.list[len(want.list)-1] {
				t.Errorf("cursor %d: slot %d holds %v, want %v", cursor, got, list, want.list)
			}
			w.cursor = got + 1
		}
		if _, ok := w.nextUsed(); ok || w.used != [wheelSize / 64]uint64{} {
			t.Errorf("cursor %d: wheel not empty after taking everything", cursor)
		}
	}
}

// TestWheelNextUsed checks nextUsed against a linear scan, for random
// occupancy and cursors, including slots behind the cursor (a full turn).
func TestWheelNextUsed(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		var w wheel
		w.init(rng.Uint32())
		cs := make([]client, 1+rng.IntN(4))
		for i := range cs {
			w.push(cs, uint32(i), w.cursor+rng.Uint32N(wheelSize))
		}
		want := uint32(0)
		for d := uint32(0); d < wheelSize; d++ {
			if s := (w.cursor + d) & wheelMask; w.head[s] != nilIdx {
				want = w.cursor + d
				break
			}
		}
		if got, ok := w.nextUsed(); !ok || got != want {
			t.Fatalf("cursor %d: nextUsed = %d, %v; want %d", w.cursor, got, ok, want)
		}
	}
}
