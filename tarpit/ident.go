package tarpit

// Identifications are interned: thousands of bots send the same few strings,
// so each client keeps a two-byte reference instead of up to 255 bytes.
// Entries are counted and freed when their last client leaves, so a peer
// sending random identifications costs at most one entry per held client.
const (
	identPending  uint16 = 0      // not read yet
	identNone     uint16 = 1      // nothing within the identification window
	identOverflow uint16 = 0xffff // the table was full
	identFirst           = 2
	// MaxIdent is the longest identification kept, as RFC 4253 §4.2 bounds it.
	MaxIdent = 255
)

type interner struct {
	ids  map[string]uint16
	strs []string // by id; "" for free ids
	refs []uint32
	free []uint16
}

func newInterner() *interner {
	return &interner{ids: make(map[string]uint16), strs: make([]string, identFirst), refs: make([]uint32, identFirst)}
}

// intern returns the id for s, adding a reference.
func (t *interner) intern(s []byte) uint16 {
	if id, ok := t.ids[string(s)]; ok {
		t.refs[id]++
		return id
	}
	var id uint16
	switch {
	case len(t.free) > 0:
		id = t.free[len(t.free)-1]
		t.free = t.free[:len(t.free)-1]
	case len(t.strs) < int(identOverflow):
		id = uint16(len(t.strs))
		t.strs = append(t.strs, "")
		t.refs = append(t.refs, 0)
	default:
		return identOverflow
	}
	str := string(s)
	t.ids[str] = id
	t.strs[id], t.refs[id] = str, 1
	return id
}

// lookup returns the string of id.
func (t *interner) lookup(id uint16) string {
	if id < identFirst || id == identOverflow {
		return ""
	}
	return t.strs[id]
}

// release drops a reference to id, freeing it with its last one.
func (t *interner) release(id uint16) {
	if id < identFirst || id == identOverflow {
		return
	}
	if t.refs[id]--; t.refs[id] == 0 {
		delete(t.ids, t.strs[id])
		t.strs[id] = ""
		t.free = append(t.free, id)
	}
}

// sanitize returns the first line of p (without CR LF), at most MaxIdent
// bytes, with anything but printable ASCII replaced by '?', in place.
func sanitize(p []byte) []byte {
	for i, b := range p {
		if b == '\n' {
			p = p[:i]
			break
		}
	}
	if len(p) > 0 && p[len(p)-1] == '\r' {
		p = p[:len(p)-1]
	}
	if len(p) > MaxIdent {
		p = p[:MaxIdent]
	}
	for i, b := range p {
		if b < 0x20 || b > 0x7e {
			p[i] = '?'
		}
	}
	return p
}
