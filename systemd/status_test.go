package systemd

import (
	"net/netip"
	"testing"
	"time"

	"github.com/tarssh/tarssh/tarpit"
)

func mustAddrPort(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

func TestStatusText(t *testing.T) {
	tests := []struct {
		s    tarpit.Stats
		want string
	}{
		{tarpit.Stats{}, "holding 0 clients, 0 trapped in total, 0 B sent, longest hold 0s"},
		{tarpit.Stats{Clients: 12, Total: 345, Bytes: 1023, Longest: 1500 * time.Millisecond},
			"holding 12 clients, 345 trapped in total, 1023 B sent, longest hold 1s"},
		{tarpit.Stats{Clients: 1, Total: 1, Bytes: 1536, Longest: 3*time.Hour + 2*time.Minute + 5*time.Second},
			"holding 1 clients, 1 trapped in total, 1.5 KiB sent, longest hold 3h2m5s"},
		{tarpit.Stats{Bytes: 5 << 30, LogsDropped: 7},
			"holding 0 clients, 0 trapped in total, 5.0 GiB sent, longest hold 0s, 7 log records dropped"},
		{tarpit.Stats{Bytes: 1 << 62}, "holding 0 clients, 0 trapped in total, 4.0 EiB sent, longest hold 0s"},
	}
	for _, tt := range tests {
		if got := StatusText(tt.s); got != tt.want {
			t.Errorf("StatusText(%+v) = %q, want %q", tt.s, got, tt.want)
		}
	}
}
