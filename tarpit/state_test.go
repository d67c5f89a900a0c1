package tarpit

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/pacing"
)

// memFile is a state file in memory, sparse as a memfd is: the two slots
// are kept apart, so the second one's offset costs nothing.
type memFile struct{ b, b2 []byte }

func (m *memFile) slot(off int64) (*[]byte, int64) {
	if off >= stateSlotSpan {
		return &m.b2, off - stateSlotSpan
	}
	return &m.b, off
}

func (m *memFile) WriteAt(p []byte, off int64) (int, error) {
	b, off := m.slot(off)
	if end := int(off) + len(p); end > len(*b) {
		*b = append(*b, make([]byte, end-len(*b))...)
	}
	return copy((*b)[off:], p), nil
}

func (m *memFile) ReadAt(p []byte, off int64) (int, error) {
	b, off := m.slot(off)
	if off >= int64(len(*b)) {
		return 0, io.EOF
	}
	n := copy(p, (*b)[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// stateFile is a state file holding content.
func stateFile(content []byte) *memFile { return &memFile{b: bytes.Clone(content)} }

// storeEngine is a test engine with a store that takes everything it is
// given and a state file.
type storeEngine struct {
	*testEngine
	storedFDs []int
	shut      []int
}

func newStoreEngine(t *testing.T, maxClients int, state StateFile) *storeEngine {
	te := newTestEngine(t, maxClients, pacing.NewClassic(100*time.Millisecond, 1), 1000)
	se := &storeEngine{testEngine: te}
	te.cfg.State = state
	te.cfg.Store = func(fds []int) (int, error) {
		se.storedFDs = append(se.storedFDs, fds...)
		return len(fds), nil
	}
	te.keep = newKeeper(&te.cfg)
	te.keep.shutdown = func(fd int) error { se.shut = append(se.shut, fd); return nil }
	return se
}

// connOf is the Conn the fd store would give back for testEngine.connect(fd).
func connOf(fd int) Conn {
	return Conn{FD: fd, Peer: netip.AddrPortFrom(netip.AddrFrom16(netip.AddrFrom4([4]byte{192, 0, 2, byte(fd)}).As16()), uint16(40000+fd))}
}

// A state saved by one engine and adopted by the next gives every client
// back its connect time, bytes, identification and pacing.
func TestStateRoundTrip(t *testing.T) {
	f := stateFile(nil)
	a := newStoreEngine(t, 8, f)
	a.fake.reads[3] = []readResult{{data: "SSH-2.0-OpenSSH_9.2p1\r\n"}}
	a.fake.reads[4] = []readResult{{data: "SSH-2.0-Go\r\n"}}
	// fd 5 and fd 6 stay silent. (A client that closes is dropped at
	// once, so none is left to save with EOF seen.)
	for fd := 3; fd <= 6; fd++ {
		a.connect(fd)
	}
	a.flushStore()
	if len(a.storedFDs) != 4 || a.keep.stored != 4 {
		t.Fatalf("stored %v (%d)", a.storedFDs, a.keep.stored)
	}
	for tk := uint32(1001); tk <= 1000+700; tk += 10 { // 7 s of visits
		a.run(tk)
	}
	a.saveState()
	want, wantHeld := map[int]client{}, map[int]time.Duration{}
	for _, c := range a.clients {
		want[int(c.fd)], wantHeld[int(c.fd)] = c, a.since(c.born)
	}
	wantIdent := map[int]string{3: "SSH-2.0-OpenSSH_9.2p1", 4: "SSH-2.0-Go"}

	b := newStoreEngine(t, 8, f)
	var conns []Conn
	for fd := 3; fd <= 6; fd++ {
		conns = append(conns, connOf(fd))
	}
	b.Adopt(conns)
	if b.stats.Clients != 4 || b.keep.stored != 4 || len(b.fake.closed) != 0 || len(b.storedFDs) != 0 {
		t.Fatalf("adopted %d clients (%d stored), closed %v, stored again %v", b.stats.Clients, b.keep.stored, b.fake.closed, b.storedFDs)
	}
	for _, c := range b.clients {
		w := want[int(c.fd)]
		if c.sent != w.sent || c.sent == 0 || c.pace != w.pace || c.addr != w.addr || c.port != w.port || c.flags&flagEOF != w.flags&flagEOF || c.flags&flagStored == 0 {
			t.Errorf("fd %d: adopted %+v, held %+v", c.fd, c, w)
		}
		if got := b.idents.lookup(c.ident); got != wantIdent[int(c.fd)] {
			t.Errorf("fd %d: ident %q, want %q", c.fd, got, wantIdent[int(c.fd)])
		}
		// Allow the real time the test took.
		if held, w := b.since(c.born), wantHeld[int(c.fd)]; held < w || held > w+time.Second || w < 6*time.Second {
			t.Errorf("fd %d: held %v after adoption, want %v", c.fd, held, w)
		}
	}
	// Adopted clients are paced on: a visit writes, and a drop shuts the
	// socket down so the store's copy goes too.
	b.fake.write = func(fd int, p []byte) (int, error) { return -1, unix.EPIPE }
	for tk := uint32(1001); tk < 1200; tk++ {
		b.run(tk)
	}
	if b.stats.Clients != 0 || len(b.shut) != 4 || b.keep.stored != 0 {
		t.Errorf("after write errors: %d clients, shut down %v, %d stored", b.stats.Clients, b.shut, b.keep.stored)
	}
	for f, n := range b.stats.Families {
		if n != 0 {
			t.Errorf("family %v counts %d with no clients", pacing.Family(f), n)
		}
	}
	if got := strings.Join(b.logLines(), "\n"); !strings.Contains(got, "adopt, clients: 4, stateless: 0") {
		t.Errorf("log: %s", got)
	}
}

// Clients the store did not take are retried and stored later, never twice;
// above the store's capacity they are held but not stored.
func TestStoreRetryAndCapacity(t *testing.T) {
	se := newStoreEngine(t, 8, nil)
	refuse := true
	se.cfg.Store = func(fds []int) (int, error) {
		if refuse {
			return 1, unix.EAGAIN // one got through, then the socket filled
		}
		se.storedFDs = append(se.storedFDs, fds...)
		return len(fds), nil
	}
	se.keep = newKeeper(&se.cfg)
	se.keep.capacity = 4
	se.keep.shutdown = func(fd int) error { se.shut = append(se.shut, fd); return nil }
	for fd := 3; fd <= 5; fd++ {
		se.connect(fd)
	}
	se.persist()
	if se.keep.stored != 1 || len(se.keep.pending) != 2 {
		t.Fatalf("after a full socket: %d stored, %d pending", se.keep.stored, len(se.keep.pending))
	}
	refuse = false
	for fd := 6; fd <= 8; fd++ {
		se.connect(fd)
	}
	se.persist()
	if se.keep.stored != 4 || len(se.storedFDs) != 3 || !se.keep.full {
		t.Errorf("stored %d: %v, full %v", se.keep.stored, se.storedFDs, se.keep.full)
	}
	seen := map[int]bool{}
	for _, fd := range se.storedFDs {
		if seen[fd] {
			t.Errorf("fd %d stored twice", fd)
		}
		seen[fd] = true
	}
	lines := strings.Join(se.logLines(), "\n")
	for _, w := range []string{"fdstore, store: \"2 clients not stored yet", "fdstore, store: \"recovered\"", "fdstore, full: \"the store holds 4 clients"} {
		if !strings.Contains(lines, w) {
			t.Errorf("log lacks %q:\n%s", w, lines)
		}
	}
}

// savedBytes returns a valid state file of n clients.
func savedBytes(t testing.TB, n int) []byte {
	m := &memFile{}
	err := writeSlot(m, make([]byte, 0, 100), 0, 7, 1_700_000_000_000,
		func(emit func(uint16, string)) { emit(identFirst, "SSH-2.0-x"); emit(identFirst+1, "") },
		func(emit func([]byte)) {
			var rec [stateLearnedLen]byte
			binary.LittleEndian.PutUint16(rec[0:], identFirst)
			binary.LittleEndian.PutUint32(rec[2:], 2250)
			binary.LittleEndian.PutUint32(rec[10:], 60_000)
			emit(rec[:])
		},
		func(emit func([]byte)) {
			var rec [stateRecordLen]byte
			for i := range n {
				c := connOf(3 + i)
				putRecord(rec[:], connKey{peer: c.Peer.Addr().As16(), peerPort: c.Peer.Port()},
					&savedClient{connected: 1_700_000_000_000 - 3600_000, sent: uint32(i), ident: identFirst + uint16(i%2),
						pace: pacing.State{Family: pacing.OpenSSH, Lines: 5}})
				emit(rec[:])
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	return m.b
}

func TestReadState(t *testing.T) {
	good := savedBytes(t, 3)
	st, err := readState(&memFile{b: good})
	if err != nil || len(st.clients) != 3 || st.gen != 7 {
		t.Fatalf("readState: %v, %+v", err, st)
	}
	for k, c := range st.clients {
		if c.ident != identFirst || (c.identStr != "SSH-2.0-x" && c.identStr != "") || c.connected != 1_700_000_000_000-3600_000 || k.peerPort < 40003 {
			t.Errorf("%+v: %+v", k, c)
		}
	}
	if _, err := readState(&memFile{}); err != errNoState {
		t.Errorf("empty file: %v", err)
	}
	// Every truncation and every flipped byte is an error, never a panic
	// nor a state that differs from what was written.
	for n := range len(good) {
		if _, err := readState(&memFile{b: good[:n]}); err == nil || (n > 0 && err == errNoState && bytes.IndexFunc(good[:n], func(r rune) bool { return r != 0 }) >= 0) {
			t.Errorf("truncated to %d bytes: %v", n, err)
		}
	}
	for i := range len(good) {
		bad := bytes.Clone(good)
		bad[i] ^= 0x40
		st, err := readState(&memFile{b: bad})
		if i >= 8 && i < 24 { // generation and time are not checksummed: still valid
			continue
		}
		if err == nil {
			t.Errorf("byte %d flipped: accepted %+v", i, st)
		}
	}
	// Two slots: the newer valid one wins; a torn newer one falls back.
	m := &memFile{b: bytes.Clone(good)}
	older := savedBytes(t, 1)
	binary.LittleEndian.PutUint64(older[8:], 3)
	m.WriteAt(older, stateSlotSpan)
	if st, err := readState(m); err != nil || st.gen != 7 || len(st.clients) != 3 {
		t.Errorf("two slots: %v %+v", err, st)
	}
	m.b[stateHeaderLen+5] ^= 1 // the newer slot's payload torn
	if st, err := readState(m); err != nil || st.gen != 3 || len(st.clients) != 1 {
		t.Errorf("newer slot torn: %v %+v", err, st)
	}
	m.b2[0] = 'X'
	if _, err := readState(m); err == nil || !strings.Contains(err.Error(), "slot 0: bad checksum") || !strings.Contains(err.Error(), "slot 1: bad magic") {
		t.Errorf("both slots bad: %v", err)
	}
}

// A state file that does not parse is reported in the adopt line and
// ignored: every client is adopted all the same, none is closed.
func TestAdoptBadState(t *testing.T) {
	good := savedBytes(t, 3)
	bad := bytes.Clone(good)
	bad[len(bad)-1] ^= 1
	for _, tt := range []struct {
		name      string
		state     []byte
		stateless int
		warn      string
	}{
		{"good", good, 0, ""},
		{"empty", nil, 3, ""},
		{"bad checksum", bad, 3, "state_error: \"state: slot 0: bad checksum"},
		{"truncated", good[:50], 3, "state_error: \"state: slot 0: truncated payload"},
		{"garbage", bytes.Repeat([]byte("tarssh"), 1000), 3, "slot 0: bad magic"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			se := newStoreEngine(t, 8, stateFile(tt.state))
			se.Adopt([]Conn{connOf(3), connOf(4), connOf(5)})
			lines := strings.Join(se.logLines(), "\n")
			if se.stats.Clients != 3 || len(se.fake.closed) != 0 || len(se.shut) != 0 {
				t.Errorf("%d clients, closed %v, shut %v", se.stats.Clients, se.fake.closed, se.shut)
			}
			if want := fmt.Sprintf("adopt, clients: 3, stateless: %d", tt.stateless); !strings.Contains(lines, want) || !strings.Contains(lines, tt.warn) {
				t.Errorf("log %q, want %q and %q", lines, want, tt.warn)
			}
		})
	}
}

// More clients than MaxClients: the rest are shut down and closed, and
// said so.
func TestAdoptOverMax(t *testing.T) {
	se := newStoreEngine(t, 2, nil)
	se.Adopt([]Conn{connOf(3), connOf(4), connOf(5)})
	lines := strings.Join(se.logLines(), "\n")
	if se.stats.Clients != 2 || len(se.fake.closed) != 1 || se.fake.closed[0] != 5 {
		t.Errorf("%d clients, closed %v", se.stats.Clients, se.fake.closed)
	}
	if !strings.Contains(lines, "adopt, clients: 2, stateless: 2, over_max_clients: 1") {
		t.Errorf("log %q", lines)
	}
}

// FuzzReadState: any bytes decode to an error or to a state that is
// internally sound, never a panic.
func FuzzReadState(f *testing.F) {
	good := savedBytes(f, 3)
	f.Add(good)
	f.Add(good[:60])
	f.Add([]byte{})
	f.Add(append(bytes.Clone(good[:stateHeaderLen]), bytes.Repeat([]byte{0xff}, 200)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := readState(&memFile{b: data})
		if err != nil {
			return
		}
		for _, c := range st.clients {
			if c.pace.Family >= pacing.NumFamilies || (c.ident == identFirst && len(c.identStr) > MaxIdent) {
				t.Fatalf("unsound record %+v", c)
			}
		}
	})
}

// FuzzAdopt: whatever the state file holds, every client is adopted and
// none closed, and the engine serves them and drops them cleanly.
func FuzzAdopt(f *testing.F) {
	good := savedBytes(f, 3)
	f.Add(good)
	f.Add(good[:100])
	f.Add(bytes.Repeat([]byte{0}, 64))
	f.Fuzz(func(t *testing.T, data []byte) {
		se := newStoreEngine(t, 4, stateFile(data))
		se.Adopt([]Conn{connOf(3), connOf(4), connOf(5)})
		if se.stats.Clients != 3 || len(se.fake.closed) != 0 || len(se.shut) != 0 {
			t.Fatalf("%d clients adopted, closed %v", se.stats.Clients, se.fake.closed)
		}
		for tk := uint32(1001); tk < 1200; tk++ {
			se.run(tk)
		}
		se.fake.write = func(int, []byte) (int, error) { return -1, unix.EPIPE }
		for tk := uint32(1200); tk < 12000 && se.stats.Clients > 0; tk += 50 {
			se.run(tk)
		}
		if se.stats.Clients != 0 || len(se.shut) != 3 {
			t.Fatalf("after write errors: %d clients, shut %v", se.stats.Clients, se.shut)
		}
		for _, n := range se.stats.Families {
			if n != 0 {
				t.Fatalf("families %v with no clients", se.stats.Families)
			}
		}
	})
}

// A client trapped for an hour before the restart is adopted an hour old:
// its connect time is wall-clock, not the old process's ticks.
func TestAdoptHourOld(t *testing.T) {
	m := &memFile{}
	hourAgo := time.Now().Add(-time.Hour).UnixMilli()
	err := writeSlot(m, make([]byte, 0, 100), 0, 1, time.Now().UnixMilli(),
		func(func(uint16, string)) {}, func(func([]byte)) {},
		func(emit func([]byte)) {
			var rec [stateRecordLen]byte
			c := connOf(3)
			putRecord(rec[:], connKey{peer: c.Peer.Addr().As16(), peerPort: c.Peer.Port()},
				&savedClient{connected: hourAgo, sent: 123, ident: identNone, pace: pacing.State{Family: pacing.Silent}})
			emit(rec[:])
		})
	if err != nil {
		t.Fatal(err)
	}
	se := newStoreEngine(t, 2, m)
	se.Adopt([]Conn{connOf(3)})
	for _, c := range se.clients {
		if held := se.since(c.born); held < time.Hour || held > time.Hour+time.Minute || c.sent != 123 {
			t.Errorf("adopted: held %v, sent %d; want an hour and 123", held, c.sent)
		}
	}
	// Its disconnect line says so.
	se.fake.write = func(int, []byte) (int, error) { return -1, unix.EPIPE }
	for tk := uint32(1001); tk < 1400 && se.stats.Clients > 0; tk++ {
		se.run(tk)
	}
	if lines := strings.Join(se.logLines(), "\n"); !strings.Contains(lines, "duration: 3600.") {
		t.Errorf("disconnect line does not count the hour:\n%s", lines)
	}
}
