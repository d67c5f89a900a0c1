package systemd

import (
	"fmt"
	"strings"
	"time"

	"github.com/tarssh/tarssh/tarpit"
)

// StatusText is the human line systemctl status shows for the service.
func StatusText(s tarpit.Stats) string {
	var b strings.Builder
	fmt.Fprintf(&b, "holding %d clients, %d trapped in total, %s sent, longest hold %s",
		s.Clients, s.Total, bytesText(s.Bytes), s.Longest.Truncate(time.Second))
	if s.LogsDropped > 0 {
		fmt.Fprintf(&b, ", %d log records dropped", s.LogsDropped)
	}
	return b.String()
}

// bytesText prints n in binary units with one decimal.
func bytesText(n uint64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v, units := float64(n)/1024, "KMGTPE"
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, units[i])
}
