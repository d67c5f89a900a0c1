package tarpit

import "encoding/binary"

// Per-source fairness. Without it one address that opens MaxClients
// connections keeps every other scanner out until it lets go. The policy
// is OpenSSH's PerSourceMaxStartups: a source (an IPv4 address, an IPv6
// /64 by default, as PerSourceNetBlockSize groups them) holds at most
// PerSourceMax clients; a connection beyond that is closed at once and
// counted. The check is one map lookup per accept, and the map holds one
// entry per source with a client held, so memory is bounded by MaxClients.

// source is a client's source network: the masked address, IPv4 in the low
// 32 bits of lo with v4 set.
type source struct {
	hi, lo uint64
	v4     bool
}

// sources counts held clients per source.
type sources struct {
	max          uint32 // 0: no cap
	mask4, mask6 [2]uint64
	held         map[source]uint32
}

func newSources(max, bits4, bits6 int) sources {
	if bits4 <= 0 || bits4 > 32 {
		bits4 = 32
	}
	if bits6 <= 0 || bits6 > 128 {
		bits6 = 64
	}
	return sources{
		max:   uint32(max),
		mask4: [2]uint64{0, ^uint64(0) << (32 - bits4) & 0xffffffff},
		mask6: maskBits(bits6),
		held:  map[source]uint32{},
	}
}

// maskBits is a 128-bit mask of the first bits bits.
func maskBits(bits int) [2]uint64 {
	var m [2]uint64
	if bits >= 64 {
		m[0], bits = ^uint64(0), bits-64
		if bits > 0 {
			m[1] = ^uint64(0) << (64 - bits)
		}
	} else {
		m[0] = ^uint64(0) << (64 - bits)
	}
	return m
}

// sourceOf is the source of a client with peer address addr (16 bytes,
// IPv4 mapped); ok is false for a unix socket client, which has none.
func (s *sources) sourceOf(addr *[16]byte, unix bool) (src source, ok bool) {
	if unix {
		return source{}, false
	}
	hi, lo := binary.BigEndian.Uint64(addr[:8]), binary.BigEndian.Uint64(addr[8:])
	if hi == 0 && lo>>32 == 0xffff {
		return source{lo: lo & s.mask4[1], v4: true}, true
	}
	return source{hi: hi & s.mask6[0], lo: lo & s.mask6[1]}, true
}

// admit counts a new client from src, or reports false, counting nothing,
// when src already holds its share.
func (s *sources) admit(src source) bool {
	n := s.held[src]
	if s.max > 0 && n >= s.max {
		return false
	}
	s.held[src] = n + 1
	return true
}

// count counts a client whatever the cap (one adopted after a restart).
func (s *sources) count(src source) { s.held[src]++ }

// release uncounts a client from src.
func (s *sources) release(src source) {
	switch n := s.held[src]; {
	case n > 1:
		s.held[src] = n - 1
	case n == 1:
		delete(s.held, src)
	}
}
