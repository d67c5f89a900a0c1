//go:build linux && cgo

package sandbox

import (
	"os"
	"strings"
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
	for _, r := range rules(1) {
		if never[r.name] && r.errno == 0 {
			t.Errorf("%s is allowed", r.name)
		}
		if seen[r.name] {
			t.Errorf("%s listed twice", r.name)
		}
		seen[r.name] = true
	}
}

// TestFilterAllows reads back the filter newFilter builds, as libseccomp
// prints it, and checks that it allows exactly the calls the rules allow
// and that the count the sandbox line reports is theirs.
func TestFilterAllows(t *testing.T) {
	f, n, err := newFilter(seccomp.ActKillProcess)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Release()
	out, err := os.CreateTemp(t.TempDir(), "pfc")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := f.ExportPFC(out); err != nil {
		t.Fatal(err)
	}
	pfc, err := os.ReadFile(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	// Each call's block starts `# filter for syscall "name" (nr)`; it is
	// allowed when its block (or one of its conditions) says action ALLOW.
	got := map[string]bool{}
	call := ""
	for _, line := range strings.Split(string(pfc), "\n") {
		line = strings.TrimSpace(line)
		if name, ok := strings.CutPrefix(line, `# filter for syscall "`); ok {
			call, _, _ = strings.Cut(name, `"`)
		} else if strings.HasPrefix(line, "# ") {
			call = ""
		} else if line == "action ALLOW;" && call != "" {
			got[call] = true
		}
	}
	want := map[string]bool{}
	for _, r := range rules(os.Getpid()) {
		if r.errno == 0 {
			want[r.name] = true
		}
	}
	for name := range want {
		if !got[name] {
			t.Errorf("the filter does not allow %s", name)
		}
	}
	for name := range got {
		if !want[name] {
			t.Errorf("the filter allows %s, which no rule allows", name)
		}
	}
	if n != len(got) {
		t.Errorf("newFilter says %d calls allowed, the filter allows %d", n, len(got))
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
