package tarpit

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/tarssh/tarssh/pacing"
)

// The held clients' state, as saved for the next tarssh in a file that
// outlives the process (the memfd in systemd's fd store): for each client
// what its socket cannot tell, its connect time, bytes sent, pacing and
// identification, keyed by its socket's addresses, which the next process
// reads from the socket itself.
//
// The file has two slots, at 0 and at stateSlotSpan, written in turn, each
// a header and a payload. A slot's header is written after its payload and
// carries the payload's length and CRC-32C, so a write cut short (a crash
// in the middle) leaves that slot invalid and the other one, a heartbeat
// older, in force. The reader takes the valid slot with the higher
// generation. All integers are little-endian.
//
//	header (stateHeaderLen bytes):
//	  0 magic "TSST"   4 version u16   6 learned u16 (0 in version 1)
//	  8 generation u64
//	 16 written, Unix ms i64   24 idents u32   28 clients u32
//	 32 payload length u32     36 payload CRC-32C u32
//	payload: the identifications, the learned gaps, then the clients:
//	  ident: id u16, length u8, bytes (printable ASCII)
//	  learned (stateLearnedLen bytes, learn.go): ident id u16, gap ms u32,
//	    pending ms u32, age ms u32 (since the gap or pending was last set)
//	  client (stateRecordLen bytes):
//	  0 peer address [16] (IPv4 as ::ffff:a.b.c.d)   16 peer port u16
//	 18 local address [16]   34 local port u16   36 connected, Unix ms i64
//	 44 bytes sent u32   48 wait to the next visit, ms u32
//	 52 pacing: family u8, column u8, lines u16   56 ident id u16
//	 58 flags u8 (1: the client sent EOF)   59 zero u8
//
// An ident id is the interner's: identPending, identNone, identOverflow, or
// an id the payload's identifications define.
const (
	stateMagic     = "TSST"
	stateVersion   = 2 // 1: without learned gaps, still read
	stateHeaderLen = 40
	stateRecordLen = 60
	// stateLearnedLen is one learned record's length.
	stateLearnedLen = 14
	// stateSlotSpan puts the second slot far enough for the largest state
	// (maxSaved clients and every identification): a memfd is sparse, so
	// the gap costs nothing.
	stateSlotSpan = 1 << 28
	// maxSaved bounds the clients in one state: above anything the fd
	// store can give back (systemd.StoreCapacity), and it bounds what a
	// corrupt header can make the reader do.
	maxSaved = 1 << 17
	// savedEOF is the record's flag for flagEOF.
	savedEOF = 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// connKey is what identifies a held client across processes: its socket's
// two ends. The local address is the listener's, which may be a wildcard
// (the client record does not keep the address it connected to): the
// reader matches a socket to the record with its own local address or with
// a wildcard one.
type connKey struct {
	peer, local         [16]byte
	peerPort, localPort uint16
}

// savedClient is one client as the state file has it.
type savedClient struct {
	connected int64 // Unix ms
	sent      uint32
	wait      uint32 // ms
	pace      pacing.State
	ident     uint16 // identPending, identNone, identOverflow or identFirst
	identStr  string // with ident == identFirst
	eof       bool
}

// savedState is a decoded state file.
type savedState struct {
	gen       uint64
	written   int64 // Unix ms
	clients   map[connKey]savedClient
	ambiguous int // records dropped because two had the same key
	learned   []savedLearned
}

// errNoState means the file holds no state at all (a new memfd).
var errNoState = errors.New("no saved state")

// readState decodes the newest valid slot of r. A file with neither slot
// written returns errNoState; one whose slots are both invalid returns an
// error saying why each is.
func readState(r io.ReaderAt) (*savedState, error) {
	var best *savedState
	var errs [2]error
	for slot := range 2 {
		st, err := readSlot(r, int64(slot)*stateSlotSpan)
		errs[slot] = err
		if err == nil && (best == nil || st.gen > best.gen) {
			best = st
		}
	}
	switch {
	case best != nil:
		return best, nil
	case errs[0] == errNoState && errs[1] == errNoState:
		return nil, errNoState
	}
	return nil, fmt.Errorf("state: slot 0: %v; slot 1: %v", errs[0], errs[1])
}

// readSlot decodes the slot at off.
func readSlot(r io.ReaderAt, off int64) (*savedState, error) {
	var h [stateHeaderLen]byte
	n, err := r.ReadAt(h[:], off)
	if n == 0 && (err == io.EOF || err == nil) || h == [stateHeaderLen]byte{} {
		return nil, errNoState
	}
	if n < len(h) {
		return nil, fmt.Errorf("truncated header (%d bytes)", n)
	}
	le := binary.LittleEndian
	if string(h[0:4]) != stateMagic {
		return nil, fmt.Errorf("bad magic %q", h[0:4])
	}
	nLearned := uint32(le.Uint16(h[6:]))
	if v := le.Uint16(h[4:]); v != stateVersion && (v != 1 || nLearned != 0) {
		return nil, fmt.Errorf("unknown version %d", v)
	}
	st := &savedState{gen: le.Uint64(h[8:]), written: int64(le.Uint64(h[16:]))}
	nIdents, nClients, plen := le.Uint32(h[24:]), le.Uint32(h[28:]), le.Uint32(h[32:])
	if nClients > maxSaved || nIdents > uint32(identOverflow-identFirst) || nLearned > maxLearnedSaved {
		return nil, fmt.Errorf("%d clients, %d identifications and %d learned gaps: too many", nClients, nIdents, nLearned)
	}
	// The length is checked against the counts before anything is read,
	// and the payload read in chunks, so that memory grows with what the
	// file holds, never with what a corrupt header claims.
	minLen := uint64(nIdents)*3 + uint64(nLearned)*stateLearnedLen + uint64(nClients)*stateRecordLen
	if uint64(plen) < minLen || uint64(plen) > minLen+uint64(nIdents)*MaxIdent {
		return nil, fmt.Errorf("payload length %d does not fit %d clients and %d identifications", plen, nClients, nIdents)
	}
	p := make([]byte, 0, min(plen, 1<<20))
	for uint32(len(p)) < plen {
		k := min(plen-uint32(len(p)), 1<<20)
		chunk := make([]byte, k)
		got, err := r.ReadAt(chunk, off+stateHeaderLen+int64(len(p)))
		p = append(p, chunk[:got]...)
		if uint32(got) < k {
			return nil, fmt.Errorf("truncated payload (%d of %d bytes): %v", len(p), plen, err)
		}
	}
	if sum := crc32.Checksum(p, castagnoli); sum != le.Uint32(h[36:]) {
		return nil, fmt.Errorf("bad checksum %08x, want %08x", sum, le.Uint32(h[36:]))
	}
	idents := make(map[uint16]string, nIdents)
	for range nIdents {
		if len(p) < 3 || len(p) < 3+int(p[2]) {
			return nil, errors.New("truncated identification")
		}
		id, s := le.Uint16(p), p[3:3+int(p[2])]
		p = p[3+len(s):]
		if _, dup := idents[id]; dup || id < identFirst || id == identOverflow {
			return nil, fmt.Errorf("bad identification id %d", id)
		}
		for _, b := range s {
			if b < 0x20 || b > 0x7e {
				return nil, fmt.Errorf("identification %d is not printable ASCII", id)
			}
		}
		idents[id] = string(s)
	}
	if st.learned, p, err = readLearned(p, nLearned, idents); err != nil {
		return nil, err
	}
	if len(p) != int(nClients)*stateRecordLen {
		return nil, fmt.Errorf("%d bytes of client records for %d clients", len(p), nClients)
	}
	st.clients = make(map[connKey]savedClient, nClients)
	dups := map[connKey]bool{}
	for ; len(p) > 0; p = p[stateRecordLen:] {
		var k connKey
		copy(k.peer[:], p[0:16])
		k.peerPort = le.Uint16(p[16:])
		copy(k.local[:], p[18:34])
		k.localPort = le.Uint16(p[34:])
		c := savedClient{
			connected: int64(le.Uint64(p[36:])),
			sent:      le.Uint32(p[44:]),
			wait:      le.Uint32(p[48:]),
			pace:      pacing.State{Family: pacing.Family(p[52]), Col: p[53], Lines: le.Uint16(p[54:])},
			ident:     le.Uint16(p[56:]),
			eof:       p[58]&savedEOF != 0,
		}
		if c.pace.Family >= pacing.NumFamilies || p[58]&^savedEOF != 0 || p[59] != 0 {
			return nil, errors.New("bad client record")
		}
		if c.ident >= identFirst && c.ident != identOverflow {
			s, ok := idents[c.ident]
			if !ok {
				return nil, fmt.Errorf("client record names identification %d, which is not there", c.ident)
			}
			c.ident, c.identStr = identFirst, s
		}
		// Two records with one key (two clients of one peer address and
		// port on two local addresses of a wildcard listener) cannot be
		// told apart: both are left out, so neither gets the other's state.
		if _, dup := st.clients[k]; dup || dups[k] {
			if !dups[k] {
				delete(st.clients, k)
				st.ambiguous++
				dups[k] = true
			}
			st.ambiguous++
			continue
		}
		st.clients[k] = c
	}
	return st, nil
}

// stateWriter writes one slot's payload through a fixed buffer, so saving
// costs no memory per client, then its header.
type stateWriter struct {
	w    io.WriterAt
	off  int64 // where buf goes
	buf  []byte
	crc  uint32
	plen uint32
	err  error
}

// room returns k bytes of buffer to fill, flushing first if needed.
func (sw *stateWriter) room(k int) []byte {
	if len(sw.buf)+k > cap(sw.buf) {
		sw.flush()
	}
	n := len(sw.buf)
	sw.buf = sw.buf[:n+k]
	return sw.buf[n:]
}

func (sw *stateWriter) flush() {
	if sw.err == nil && len(sw.buf) > 0 {
		_, sw.err = sw.w.WriteAt(sw.buf, sw.off)
	}
	sw.crc = crc32.Update(sw.crc, castagnoli, sw.buf)
	sw.plen += uint32(len(sw.buf))
	sw.off += int64(len(sw.buf))
	sw.buf = sw.buf[:0]
}

// writeSlot writes a state to the slot at slotOff: idents calls ident for
// each identification and clients calls client for each client, each
// filling the bytes it is given.
func writeSlot(w io.WriterAt, buf []byte, slotOff int64, gen uint64, written int64,
	idents func(emit func(id uint16, s string)), learned func(emit func(rec []byte)), clients func(emit func(rec []byte))) error {
	sw := &stateWriter{w: w, off: slotOff + stateHeaderLen, buf: buf[:0]}
	var nIdents, nClients uint32
	idents(func(id uint16, s string) {
		b := sw.room(3 + len(s))
		binary.LittleEndian.PutUint16(b, id)
		b[2] = byte(len(s))
		copy(b[3:], s)
		nIdents++
	})
	var nLearned uint16
	if learned != nil {
		learned(func(rec []byte) {
			if nLearned < maxLearnedSaved {
				copy(sw.room(stateLearnedLen), rec)
				nLearned++
			}
		})
	}
	clients(func(rec []byte) {
		copy(sw.room(stateRecordLen), rec)
		nClients++
	})
	sw.flush()
	if sw.err != nil {
		return sw.err
	}
	var h [stateHeaderLen]byte
	le := binary.LittleEndian
	copy(h[:], stateMagic)
	le.PutUint16(h[4:], stateVersion)
	le.PutUint16(h[6:], nLearned)
	le.PutUint64(h[8:], gen)
	le.PutUint64(h[16:], uint64(written))
	le.PutUint32(h[24:], nIdents)
	le.PutUint32(h[28:], nClients)
	le.PutUint32(h[32:], sw.plen)
	le.PutUint32(h[36:], sw.crc)
	_, err := w.WriteAt(h[:], slotOff)
	return err
}

// putRecord fills rec (stateRecordLen bytes) with one client.
func putRecord(rec []byte, k connKey, c *savedClient) {
	le := binary.LittleEndian
	copy(rec[0:16], k.peer[:])
	le.PutUint16(rec[16:], k.peerPort)
	copy(rec[18:34], k.local[:])
	le.PutUint16(rec[34:], k.localPort)
	le.PutUint64(rec[36:], uint64(c.connected))
	le.PutUint32(rec[44:], c.sent)
	le.PutUint32(rec[48:], c.wait)
	rec[52], rec[53] = byte(c.pace.Family), c.pace.Col
	le.PutUint16(rec[54:], c.pace.Lines)
	le.PutUint16(rec[56:], c.ident)
	rec[58], rec[59] = 0, 0
	if c.eof {
		rec[58] = savedEOF
	}
}
