package tarpit

import "math/bits"

// The schedule is a hashed timing wheel of FIFO lists threaded through the
// client records themselves: inserting a client and taking the due ones out
// are O(1) whatever the number of clients, and the wheel adds no memory per
// client beyond the record's next field. Each client may have its own wait.
const (
	wheelBits = 13
	wheelSize = 1 << wheelBits // slots of one tick: an 81.92 s horizon
	wheelMask = wheelSize - 1
	nilIdx    = ^uint32(0)
)

// wheel holds client indices by due tick. Ticks are uint32 counts that may
// wrap; they are only ever compared by signed difference.
type wheel struct {
	head, tail [wheelSize]uint32
	used       [wheelSize / 64]uint64 // a bit per non-empty slot, to find the next due one fast
	cursor     uint32                 // the next tick to process
	n          int

	// While a pass visits every client due up to until, a client it
	// reschedules within until waits in the held list (threaded through
	// next) instead of its slot, so that the pass does not visit it twice;
	// release puts it in its slot after the pass.
	holding            bool
	until              uint32
	heldHead, heldTail uint32
}

func (w *wheel) init(now uint32) {
	for i := range w.head {
		w.head[i], w.tail[i] = nilIdx, nilIdx
	}
	w.cursor = now
}

// after reports whether tick a is later than tick b.
func after(a, b uint32) bool { return int32(a-b) > 0 }

// push schedules client i for tick due. A due tick already passed runs at
// the cursor; one beyond the horizon parks in the last slot and is pushed
// again when reached.
func (w *wheel) push(cs []client, i, due uint32) {
	if w.holding && !after(due, w.until) {
		c := &cs[i]
		c.due, c.next = due, nilIdx
		if w.heldHead == nilIdx {
			w.heldHead = i
		} else {
			cs[w.heldTail].next = i
		}
		w.heldTail = i
		w.n++
		return
	}
	w.place(cs, i, due)
}

// place puts client i in the slot for tick due, as push does outside a pass.
func (w *wheel) place(cs []client, i, due uint32) {
	c := &cs[i]
	c.due = due
	slot := due
	if after(w.cursor, due) {
		slot = w.cursor
	} else if due-w.cursor >= wheelSize {
		slot = w.cursor + wheelSize - 1
	}
	s := slot & wheelMask
	c.next = nilIdx
	if w.head[s] == nilIdx {
		w.head[s] = i
		w.used[s>>6] |= 1 << (s & 63)
	} else {
		cs[w.tail[s]].next = i
	}
	w.tail[s] = i
	w.n++
}

// hold starts a pass that visits the clients due up to until.
func (w *wheel) hold(until uint32) {
	w.holding, w.until, w.heldHead = true, until, nilIdx
}

// release ends the pass: the held clients go to their slots.
func (w *wheel) release(cs []client) {
	w.holding = false
	for i := w.heldHead; i != nilIdx; {
		next := cs[i].next
		w.n--
		w.place(cs, i, cs[i].due)
		i = next
	}
	w.heldHead = nilIdx
}

// take detaches and returns the list of slot tick (nilIdx if empty).
func (w *wheel) take(tick uint32) uint32 {
	s := tick & wheelMask
	h := w.head[s]
	if h != nilIdx {
		w.head[s], w.tail[s] = nilIdx, nilIdx
		w.used[s>>6] &^= 1 << (s & 63)
	}
	return h
}

// dueBy reports whether a client is due at or before tick now.
func (w *wheel) dueBy(now uint32) bool {
	t, ok := w.nextUsed()
	return ok && !after(t, now)
}

// nextUsed returns the first tick at or after the cursor whose slot is not
// empty; ok is false when the wheel is empty.
func (w *wheel) nextUsed() (tick uint32, ok bool) {
	if w.n == 0 {
		return 0, false
	}
	start := w.cursor & wheelMask
	word := start >> 6
	// The first word is masked to the slots at or after start; after a full
	// turn the same word is read whole, for the slots before start.
	m := w.used[word] &^ (1<<(start&63) - 1)
	for k := uint32(0); k <= uint32(len(w.used)); k++ {
		if m != 0 {
			s := word<<6 | uint32(bits.TrailingZeros64(m))
			return w.cursor + (s-start)&wheelMask, true
		}
		word = (word + 1) % uint32(len(w.used))
		m = w.used[word]
	}
	return 0, false
}
