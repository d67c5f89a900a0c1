package tarpit

import (
	"net/netip"

	"github.com/tarssh/tarssh/pacing"
)

// client is one trapped connection: 48 bytes, no pointers (so the garbage
// collector never scans the slab), no goroutine, no buffers. Times are
// engine ticks.
type client struct {
	fd    int32
	next  uint32 // the next client in the same wheel slot or in the free list
	due   uint32 // tick of the next visit
	born  uint32 // tick of accept
	sent  uint32 // bytes written (saturating)
	addr  [16]byte
	port  uint16
	ident uint16 // interned identification; identPending until read
	pace  pacing.State
	lis   uint8 // index of the listener it came through
	flags uint8
}

const (
	flagEOF  uint8 = 1 << iota // the client shut its sending side; stop reading
	flagUnix                   // came through a Unix socket: no peer address
)

func (c *client) peer() netip.AddrPort {
	if c.flags&flagUnix != 0 {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(netip.AddrFrom16(c.addr).Unmap(), c.port)
}
