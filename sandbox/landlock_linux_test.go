package sandbox

import "testing"

func TestLandlockDetail(t *testing.T) {
	for abi, want := range map[int]string{
		1: "abi 1 (fs)", 3: "abi 3 (fs)", 4: "abi 4 (fs, tcp)", 6: "abi 6 (fs, tcp, scopes)",
		7: "abi 7 (fs, tcp, scopes)", 10: "abi 10 (fs, tcp, scopes, udp)",
	} {
		if got := landlockDetail(abi); got != want {
			t.Errorf("abi %d: %q, want %q", abi, got, want)
		}
	}
}
