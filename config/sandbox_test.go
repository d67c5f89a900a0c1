package config

import (
	"errors"
	"testing"
)

func TestParseSandbox(t *testing.T) {
	tests := []struct {
		args []string
		want SandboxMode
		err  string
	}{
		{nil, SandboxOn, ""},
		{[]string{"--sandbox=on"}, SandboxOn, ""},
		{[]string{"--sandbox", "strict"}, SandboxStrict, ""},
		{[]string{"--sandbox=log"}, SandboxLog, ""},
		{[]string{"--sandbox=off"}, SandboxOff, ""},
		{[]string{"--sandbox=Off"}, 0, `--sandbox "Off": want one of on, strict, log, off`},
		{[]string{"--sandbox="}, 0, `--sandbox "": want one of on, strict, log, off`},
	}
	for _, tt := range tests {
		c, err := Parse(append([]string{"-l", "127.0.0.1:0"}, tt.args...))
		if tt.err != "" {
			var ue *UsageError
			if !errors.As(err, &ue) || err.Error() != tt.err {
				t.Errorf("%q: error %v, want usage error %q", tt.args, err, tt.err)
			}
			continue
		}
		if err != nil || c.Sandbox != tt.want {
			t.Errorf("%q: %v, %v; want %v", tt.args, c, err, tt.want)
		}
	}
}

func TestSandboxModeString(t *testing.T) {
	for m, want := range map[SandboxMode]string{SandboxOn: "on", SandboxStrict: "strict", SandboxLog: "log", SandboxOff: "off", 9: "?"} {
		if got := m.String(); got != want {
			t.Errorf("%d: %q, want %q", m, got, want)
		}
	}
}
