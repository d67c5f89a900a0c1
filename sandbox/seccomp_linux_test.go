//go:build linux && cgo

package sandbox

import (
	"testing"

	seccomp "github.com/seccomp/libseccomp-golang"
)

// TestRulesResolve checks that every rule names a system call libseccomp
// knows on this architecture, and that no forbidden call slipped in.
func TestRulesResolve(t *testing.T) {
	never := map[string]bool{"socket": true, "bind": true, "connect": true, "execve": true, "execveat": true,
		"ptrace": true, "kill": true, "fork": true, "vfork": true, "setuid": true, "setresuid": true,
		"prctl": true, "seccomp": true, "rt_sigaction": true}
	seen := map[string]bool{}
	allowed := 0
	for _, r := range rules(1) {
		if r.errno == 0 {
			allowed++
		}
		if never[r.name] && r.errno == 0 {
			t.Errorf("%s is allowed", r.name)
		}
		if seen[r.name] {
			t.Errorf("%s listed twice", r.name)
		}
		seen[r.name] = true
	}
	f, n, err := newFilter(seccomp.ActKillProcess)
	if err != nil {
		t.Fatal(err)
	}
	f.Release()
	if n != allowed {
		t.Errorf("filter allows %d calls, want %d", n, allowed)
	}
}

// TestRulesOtherArches checks that the rules name system calls that exist
// on the other architectures tarssh is built for, or that libseccomp
// knows to skip there (open on arm64).
func TestRulesOtherArches(t *testing.T) {
	for _, name := range []string{"amd64", "arm64"} {
		arch, err := seccomp.GetArchFromString(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rules(1) {
			if _, err := seccomp.GetSyscallFromNameByArch(r.name, arch); err != nil {
				t.Errorf("%s: %s: %v", name, r.name, err)
			}
		}
	}
}
