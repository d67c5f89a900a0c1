package systemd

import (
	"fmt"

	"github.com/coreos/go-systemd/v22/activation"

	"github.com/tarssh/tarssh/tarpit"
)

// Listeners adopts the sockets systemd passed (LISTEN_FDS), ready for the
// engine; activated reports whether any were passed at all. A passed
// descriptor that is not a listening stream socket is closed, never served
// nor leaked, and its error returned in rejected. The LISTEN_* variables are
// removed from the environment either way.
func Listeners() (lns []Listener, rejected []error, activated bool) {
	for _, f := range activation.Files(true) {
		activated = true
		nf, err := tarpit.FromFile(f)
		if err != nil {
			f.Close()
			rejected = append(rejected, fmt.Errorf("systemd passed %v; closed it", err))
			continue
		}
		lns = append(lns, Listener{File: nf, Name: nf.Name()})
	}
	return lns, rejected, activated
}
