package tarpit

import (
	"time"

	"golang.org/x/sys/unix"
)

// departed reads, from the kernel's TCP_INFO of a client that closed the
// connection, how long after our last data its last segment (its FIN)
// came: the client's own timer, if that is what made it leave. It is the
// only getsockopt the engine makes, once per client at most (only for a
// departure during the client's first gap).
func departed(fd int) (time.Duration, bool) {
	ti, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO)
	if err != nil || ti.Last_ack_recv > ti.Last_data_sent {
		return 0, false
	}
	return time.Duration(ti.Last_data_sent-ti.Last_ack_recv) * time.Millisecond, true
}
