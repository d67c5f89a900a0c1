package tarpit

import (
	"net/netip"
	"testing"
)

func TestAllowed(t *testing.T) {
	e := &Engine{cfg: Config{Allow: []netip.Prefix{
		netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8::/32"),
	}}}
	tests := []struct {
		addr string
		unix bool
		want bool
	}{
		{"192.0.2.1", false, true},
		{"::ffff:192.0.2.200", false, true}, // through a dual-stack listener
		{"192.0.3.1", false, false},
		{"2001:db8::1", false, true},
		{"2001:db9::1", false, false},
		{"::", true, false},
	}
	for _, tt := range tests {
		a := accepted{addr: netip.MustParseAddr(tt.addr).As16(), unix: tt.unix}
		if got := e.allowed(&a); got != tt.want {
			t.Errorf("%s (unix %v): allowed %v, want %v", tt.addr, tt.unix, got, tt.want)
		}
	}
	if (&Engine{}).allowed(&accepted{addr: netip.MustParseAddr("192.0.2.1").As16()}) {
		t.Error("allowed with no --allow")
	}
}
