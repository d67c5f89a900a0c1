package tarpit

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/tarssh/tarssh/logging"
	"github.com/tarssh/tarssh/pacing"
)

// Learned pacing (see pacing.Learned for the policy). Under adaptive pacing
// the engine keeps what the departures of each identification's clients
// taught, in a slice indexed by interned id (so bounded by the interner's
// limit), with one more record shared by the clients whose identification
// the full interner could not keep. A record that has learned something
// pins its identification (holds an interner reference) so that it
// outlives its clients: scanners come back one connection at a time. At
// most maxPinned identifications are pinned; past that, a new one unpins
// the one whose clients were seen least recently, forgetting what it
// learned.
//
// A client's record keeps nothing new: the flags count its writes since its
// identification (none, one, more), which tells a departure during its
// first gap (one write) from one after it survived a gap.

// maxPinned bounds the identifications kept for learning after their last
// client leaves: at most this many interned strings (255 bytes each) stay.
const maxPinned = 1024

// wroteShift and wroteMask: two bits of client.flags counting the writes
// since the client's identification, saturating at wroteMore. wroteDone
// marks a departure already handed to the learner.
const (
	wroteShift       = 5
	wroteOne   uint8 = 1 << wroteShift
	wroteMore  uint8 = 2 << wroteShift
	wroteDone  uint8 = 3 << wroteShift
	wroteMask        = wroteDone
)

type learner struct {
	adaptive *pacing.Adaptive // for the profiles' gaps, in log lines
	recs     []learnRec       // by interned id; identNone's at its id
	other    learnRec         // identOverflow's
	pinned   []uint16         // ids whose record holds an interner reference
	gaps     int              // records with a learned gap
	changes  uint64           // gaps learned or shortened since start
}

type learnRec struct {
	pacing.Learned
	seen   time.Duration // when a client last identified with it
	pinned bool
}

func newLearner(p pacing.Pacer) *learner {
	a, ok := p.(*pacing.Adaptive)
	if !ok {
		return nil // classic pacing learns nothing
	}
	return &learner{adaptive: a, recs: make([]learnRec, identFirst)}
}

// rec returns id's record, growing the slice to it.
func (l *learner) rec(id uint16) *learnRec {
	if id == identOverflow {
		return &l.other
	}
	for int(id) >= len(l.recs) {
		l.recs = append(l.recs, learnRec{})
	}
	return &l.recs[id]
}

// identified starts client c's count of writes and notes that its
// identification was seen. A record at an id the interner has just handed
// out (one reference: this client's) belongs to no one yet.
func (e *Engine) identified(c *client) {
	c.flags &^= wroteMask
	l := e.learn
	if l == nil || c.ident == identPending {
		return
	}
	r := l.rec(c.ident)
	if c.ident >= identFirst && c.ident != identOverflow && e.idents.refs[c.ident] == 1 {
		*r = learnRec{}
	}
	if !r.Empty() {
		r.seen = e.clock()
	}
}

// wrote counts a write to client c.
func wrote(c *client) {
	if c.flags&wroteMask < wroteMore {
		c.flags += wroteOne
	}
}

// learnedWait returns the wait until client c's next visit: wait, its
// profile's, or its identification's learned gap when that is shorter.
func (e *Engine) learnedWait(c *client, wait time.Duration) time.Duration {
	// The common case, nothing learned, in a load and a compare: identified
	// grew the slice to every identified client's id.
	var r *learnRec
	if int(c.ident) < len(e.learn.recs) {
		r = &e.learn.recs[c.ident]
	} else {
		r = e.learn.rec(c.ident)
	}
	if r.Gap == 0 {
		return wait
	}
	w, ch, changed := r.Wait(wait, e.clock())
	if changed {
		e.learnChanged(c, r, wait, ch)
	}
	return w
}

// left hands the departure of client c, which closed the connection, to
// the learner if it came in c's first gap after its identification.
func (e *Engine) left(c *client) {
	l := e.learn
	if l == nil || c.ident == identPending || c.flags&wroteMask != wroteOne || e.ops.departed == nil {
		return
	}
	c.flags |= wroteDone
	after, ok := e.ops.departed(int(c.fd))
	if !ok {
		return
	}
	r := l.rec(c.ident)
	now := e.clock()
	ch, changed := r.Left(after, now)
	r.seen = now
	if !r.Empty() {
		l.pin(e.idents, c.ident, r)
	}
	if changed {
		if ch.Old == 0 {
			l.gaps++
		}
		l.changes++
		e.learnChanged(c, r, l.adaptive.Profile(c.pace.Family).Gap, ch)
	}
}

// learnChanged logs a change of c's identification's gap (at -vv) and
// keeps the counts; profile is the gap of c's profile.
func (e *Engine) learnChanged(c *client, r *learnRec, profile time.Duration, ch pacing.Change) {
	l := e.learn
	if ch.A == 0 && ch.New == 0 { // eased back to the profile: forgotten
		l.gaps--
		if r.Empty() {
			l.unpin(e.idents, c.ident, r)
		}
	}
	if !e.cfg.Log.Enabled(logging.Debug) {
		return
	}
	gapOr := func(g time.Duration) time.Duration {
		if g == 0 {
			return profile
		}
		return g
	}
	b := logging.New(logging.Debug, "learn")
	if c.ident != identNone {
		b.Quote("ident", e.idents.lookup(c.ident), "CLIENT_IDENT")
	}
	e.cfg.Log.Log(b.Str("family", c.pace.Family.String(), "CLIENT_FAMILY").
		Dur("gap", gapOr(ch.New), "GAP_S").Dur("was", gapOr(ch.Old), "WAS_S").
		Quote("why", ch.Why(), "WHY").Int("learned", int64(l.gaps), "LEARNED").Record())
}

// pin makes id's record outlive its clients, unpinning the least recently
// seen other one when maxPinned are pinned.
func (l *learner) pin(t *interner, id uint16, r *learnRec) {
	if r.pinned || id < identFirst || id == identOverflow {
		return
	}
	if len(l.pinned) >= maxPinned {
		old := 0
		for i, p := range l.pinned {
			if l.recs[p].seen < l.recs[l.pinned[old]].seen {
				old = i
			}
		}
		l.unpin(t, l.pinned[old], &l.recs[l.pinned[old]])
	}
	r.pinned = true
	l.pinned = append(l.pinned, id)
	t.refs[id]++
}

// unpin forgets id's record and drops its reference to id.
func (l *learner) unpin(t *interner, id uint16, r *learnRec) {
	if !r.pinned {
		return
	}
	if r.Gap != 0 {
		l.gaps--
	}
	*r = learnRec{}
	for i, p := range l.pinned {
		if p == id {
			l.pinned[i] = l.pinned[len(l.pinned)-1]
			l.pinned = l.pinned[:len(l.pinned)-1]
			break
		}
	}
	t.release(id)
}

// What is learned survives a restart in the state file (state.go), one
// record per identification that learned something: the pinned ones, the
// silent clients' and the overflow's.

// maxLearnedSaved bounds the learned records of one state.
const maxLearnedSaved = maxPinned + 2

// savedLearned is one learned record as the state file has it.
type savedLearned struct {
	ident    uint16 // identNone, identOverflow or identFirst (then identStr)
	identStr string
	learned  pacing.Learned // At: how long before the save it was set
}

// readLearned decodes n learned records from the front of p, whose
// identification ids idents defines, and returns the rest of p.
func readLearned(p []byte, n uint32, idents map[uint16]string) ([]savedLearned, []byte, error) {
	if uint64(len(p)) < uint64(n)*stateLearnedLen {
		return nil, nil, errors.New("truncated learned gaps")
	}
	var out []savedLearned
	le := binary.LittleEndian
	ms := func(b []byte) time.Duration { return time.Duration(le.Uint32(b)) * time.Millisecond }
	for range n {
		sl := savedLearned{ident: le.Uint16(p), learned: pacing.Learned{Gap: ms(p[2:]), Pending: ms(p[6:]), At: ms(p[10:])}}
		p = p[stateLearnedLen:]
		if sl.ident >= identFirst && sl.ident != identOverflow {
			s, ok := idents[sl.ident]
			if !ok {
				return nil, nil, fmt.Errorf("learned gap of identification %d, which is not there", sl.ident)
			}
			sl.ident, sl.identStr = identFirst, s
		}
		l := sl.learned
		if sl.ident == identPending || l.Empty() || l.Gap != 0 && l.Gap < pacing.Floor || l.Pending != 0 && l.Pending < pacing.MinLeft {
			return nil, nil, errors.New("bad learned gap")
		}
		out = append(out, sl)
	}
	return out, p, nil
}

// saveLearned emits every record that learned something, for the state.
func (e *Engine) saveLearned(emit func([]byte)) {
	l := e.learn
	if l == nil {
		return
	}
	now := e.clock()
	var rec [stateLearnedLen]byte
	put := func(id uint16, r *learnRec) {
		if r.Empty() {
			return
		}
		le := binary.LittleEndian
		ms := func(d time.Duration) uint32 { return uint32(min(max(d, 0)/time.Millisecond, 1<<32-1)) }
		le.PutUint16(rec[0:], id)
		le.PutUint32(rec[2:], ms(r.Gap))
		le.PutUint32(rec[6:], ms(r.Pending))
		le.PutUint32(rec[10:], ms(now-r.At))
		emit(rec[:])
	}
	put(identNone, &l.recs[identNone])
	put(identOverflow, &l.other)
	for _, id := range l.pinned {
		put(id, &l.recs[id])
	}
}

// restoreLearned takes back what a previous process learned, before its
// clients are adopted.
func (e *Engine) restoreLearned(st *savedState) {
	l := e.learn
	if l == nil || st == nil {
		return
	}
	now := e.clock()
	for _, sl := range st.learned {
		id := sl.ident
		if id == identFirst {
			if len(l.pinned) >= maxPinned {
				continue
			}
			if id = e.idents.intern([]byte(sl.identStr)); id == identOverflow {
				continue
			}
		}
		r := l.rec(id)
		if r.Gap != 0 {
			l.gaps--
		}
		r.Learned = sl.learned
		r.At = now - sl.learned.At
		r.seen = now
		if r.Gap != 0 {
			l.gaps++
		}
		if id >= identFirst && id != identOverflow {
			if r.pinned {
				e.idents.release(id) // intern's reference: the pin holds one
			} else {
				r.pinned = true
				l.pinned = append(l.pinned, id)
			}
		}
	}
}
