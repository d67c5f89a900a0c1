package config

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestPacingAndAllowFlags(t *testing.T) {
	tests := []struct {
		args    []string
		pacing  string
		allow   []string
		wantErr string
	}{
		{nil, PacingAdaptive, nil, ""},
		{[]string{"--pacing", "classic"}, PacingClassic, nil, ""},
		{[]string{"--pacing=adaptive"}, PacingAdaptive, nil, ""},
		{[]string{"--pacing", "fast"}, "", nil, `--pacing "fast": want adaptive or classic`},
		{[]string{"--pacing", "classic", "--pacing", "adaptive"}, "", nil, "given more than once"},
		{[]string{"--allow", "10.0.0.0/8", "--allow", "2001:db8::/32", "--allow", "192.0.2.7"}, PacingAdaptive,
			[]string{"10.0.0.0/8", "2001:db8::/32", "192.0.2.7/32"}, ""},
		{[]string{"--allow", "10.1.2.3/8"}, PacingAdaptive, []string{"10.0.0.0/8"}, ""},
		{[]string{"--allow", "::ffff:10.0.0.0/104"}, PacingAdaptive, []string{"10.0.0.0/8"}, ""},
		{[]string{"--allow", "::ffff:0:0/80"}, "", nil, "at least 96 bits"},
		{[]string{"--allow", "10.0.0.0/33"}, "", nil, `--allow "10.0.0.0/33": want a network`},
		{[]string{"--allow", "example.com"}, "", nil, `--allow "example.com": want a network`},
		{[]string{"--allow", ""}, "", nil, `--allow "": want a network`},
		{[]string{"--allow", "fe80::1%eth0"}, "", nil, "want a network"},
	}
	for _, tt := range tests {
		c, err := Parse(tt.args)
		if tt.wantErr != "" {
			var ue *UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: error %v, want a usage error with %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.args, err)
			continue
		}
		var allow []string
		for _, p := range c.Allow {
			allow = append(allow, p.String())
		}
		if c.Pacing != tt.pacing || strings.Join(allow, " ") != strings.Join(tt.allow, " ") {
			t.Errorf("%q: pacing %q allow %q, want %q %q", tt.args, c.Pacing, allow, tt.pacing, tt.allow)
		}
	}
	many := []string{}
	for range MaxAllow + 1 {
		many = append(many, "--allow", "10.0.0.0/8")
	}
	if _, err := Parse(many); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("%d networks: error %v", MaxAllow+1, err)
	}
}

// FuzzParsePrefix checks that every accepted network is masked, unmapped
// and contains the address it was written with.
func FuzzParsePrefix(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "::ffff:10.0.0.0/104", "1.2.3.4/33", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePrefix(s)
		if err != nil {
			return
		}
		if !p.IsValid() || p != p.Masked() || p.Addr().Is4In6() {
			t.Fatalf("%q: got %v", s, p)
		}
		addr, _, _ := strings.Cut(strings.TrimSpace(s), "/")
		if a, err := netip.ParseAddr(addr); err == nil && !p.Contains(a.Unmap()) {
			t.Fatalf("%q: %v does not contain %v", s, p, a)
		}
	})
}
