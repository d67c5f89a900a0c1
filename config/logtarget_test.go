package config

import (
	"errors"
	"strings"
	"testing"
)

func TestLogTargetAndListenGiven(t *testing.T) {
	for _, tt := range []struct {
		args        string
		target      string
		listenGiven bool
		err         string
	}{
		{"", LogAuto, false, ""},
		{"--log-target console", LogConsole, false, ""},
		{"--log-target=journal -l 127.0.0.1:22", LogJournal, true, ""},
		{"--log-target auto -l [::]:2222", LogAuto, true, ""},
		{"--log-target syslog", "", false, `--log-target "syslog": want auto, console or journal`},
		{"--log-target", "", false, "flag needs an argument"},
	} {
		c, err := Parse(strings.Fields(tt.args))
		if tt.err != "" {
			var ue *UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: error %v, want a usage error with %q", tt.args, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.args, err)
			continue
		}
		if c.LogTarget != tt.target || c.ListenGiven != tt.listenGiven {
			t.Errorf("%q: LogTarget %q ListenGiven %v, want %q %v", tt.args, c.LogTarget, c.ListenGiven, tt.target, tt.listenGiven)
		}
	}
}
