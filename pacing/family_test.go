package pacing

import (
	"bytes"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		ident string
		nil   bool
		want  Family
	}{
		{"", true, Silent},
		{"", false, Other},
		{"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u6", false, OpenSSH},
		{"SSH-1.99-OpenSSH_3.9p1", false, OpenSSH},
		{"SSH-2.0-Go", false, GoSSH},
		{"SSH-2.0-paramiko_2.12.0", false, Paramiko},
		{"SSH-2.0-dropbear_2022.83", false, Dropbear},
		{"SSH-2.0-PuTTY_Release_0.78", false, PuTTY},
		{"SSH-2.0-libssh_0.10.4", false, Other},
		{"SSH-1.5-OpenSSH_2.1", false, Other},
		{"GET / HTTP/1.1", false, Other},
		{"ssh-2.0-openssh", false, Other},
	}
	for _, tt := range tests {
		var ident []byte
		if !tt.nil {
			ident = []byte(tt.ident)
		}
		if got := Classify(ident); got != tt.want {
			t.Errorf("Classify(%q) = %v, want %v", ident, got, tt.want)
		}
	}
}

// FuzzClassify checks that any identification gets a family, never
// Unknown, and that families are told by their prefix alone.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{"SSH-2.0-OpenSSH_9.2p1", "SSH-2.0-Go", "SSH-1.99-PuTTY", "", "\x00\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, ident []byte) {
		got := Classify(ident)
		if got == Unknown || got == Silent || got >= NumFamilies {
			t.Fatalf("Classify(%q) = %v", ident, got)
		}
		if got != Other && !bytes.HasPrefix(ident, []byte("SSH-")) {
			t.Fatalf("Classify(%q) = %v without SSH-", ident, got)
		}
		if got.String() == "invalid" {
			t.Fatalf("no name for %d", got)
		}
	})
}
