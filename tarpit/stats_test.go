package tarpit

import (
	"testing"

	"github.com/tarssh/tarssh/pacing"
)

func TestFamilyCounts(t *testing.T) {
	tests := []struct {
		counts map[pacing.Family]int
		want   string
	}{
		{nil, ""},
		{map[pacing.Family]int{pacing.OpenSSH: 1}, "openssh=1"},
		{map[pacing.Family]int{pacing.GoSSH: 1, pacing.OpenSSH: 2}, "openssh=2 go=1"},
		{map[pacing.Family]int{pacing.PuTTY: 3, pacing.Silent: 3, pacing.Unknown: 1, pacing.Dropbear: 10},
			"dropbear=10 silent=3 putty=3 unknown=1"},
		{map[pacing.Family]int{pacing.Other: 0, pacing.Paramiko: 12345}, "paramiko=12345"},
	}
	for _, tt := range tests {
		var s Stats
		for f, n := range tt.counts {
			s.Families[f] = n
		}
		if got := s.FamilyCounts(); got != tt.want {
			t.Errorf("%v: got %q, want %q", tt.counts, got, tt.want)
		}
	}
}
