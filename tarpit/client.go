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

	// The next three bits count down the visits on which a quiet client
	// is not read.
	quietShift       = 2
	quietMask  uint8 = 7 << quietShift
)

// readEvery is how often a quiet client (one whose last read found
// nothing, after its identification) is read: on one visit in readEvery,
// about once a minute at the default delay. Clients wait for our version
// line before they send more than their identification, so a read almost
// always finds nothing, and it is a tenth of a visit's cost. A client that
// does send is read on every visit until a read finds nothing again; until
// then the kernel holds at most our minimal receive buffer of its data.
const readEvery = 6

func (c *client) peer() netip.AddrPort {
	if c.flags&flagUnix != 0 {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(netip.AddrFrom16(c.addr).Unmap(), c.port)
}
