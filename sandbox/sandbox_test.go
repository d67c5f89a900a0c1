package sandbox

import (
	"testing"

	"github.com/tarssh/tarssh/config"
	"github.com/tarssh/tarssh/logging"
)

// TestFromConfig checks the IDs Apply gets from the command line: those
// config looked up, and -1 (unchanged) for what was not asked.
func TestFromConfig(t *testing.T) {
	tests := []struct {
		args     []string
		uid, gid int
	}{
		{nil, -1, -1},
		{[]string{"-u", "0"}, 0, 0},
		{[]string{"-u", "1234"}, 1234, 1234}, // unknown numeric user: its own group
		{[]string{"-u", "1234", "-g", "99"}, 1234, 99},
		{[]string{"-g", "99"}, -1, 99},
	}
	for _, tt := range tests {
		c, err := config.Parse(tt.args)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.args, err)
		}
		if o := FromConfig(c); o.UID != tt.uid || o.GID != tt.gid {
			t.Errorf("FromConfig(%q) = %d/%d, want %d/%d", tt.args, o.UID, o.GID, tt.uid, tt.gid)
		}
	}
}

func TestRecords(t *testing.T) {
	tests := []struct {
		r                 Report
		privdrop, sandbox string
		sandboxLevel      logging.Level
	}{
		{
			Report{UID: -1, GID: -1},
			"privdrop, enabled: false",
			"sandbox, enabled: false, mode: on", logging.Info,
		},
		{
			Report{User: "nobody", UID: 65534, GID: 65534, Chroot: "/var/empty",
				Layers: []Layer{{"no_new_privs", "true"}, {"landlock", "abi 7 (fs, tcp, scopes)"}, {"seccomp", "kill (30 calls allowed)"}}},
			"privdrop, enabled: true, user: nobody, uid: 65534, gid: 65534, chroot: /var/empty",
			"sandbox, enabled: true, mode: on, no_new_privs: true, landlock: abi 7 (fs, tcp, scopes), seccomp: kill (30 calls allowed)", logging.Info,
		},
		{
			Report{Mode: config.SandboxOff, UID: -1, GID: 7},
			"privdrop, enabled: true, gid: 7",
			"sandbox, enabled: false, mode: off", logging.Info,
		},
		{
			Report{UID: -1, GID: -1, Layers: []Layer{{"no_new_privs", "true"}}, Unavailable: []string{"landlock: unavailable"}},
			"privdrop, enabled: false",
			`sandbox, enabled: true, mode: on, no_new_privs: true, unavailable: "landlock: unavailable"`, logging.Warn,
		},
	}
	for _, tt := range tests {
		if got := tt.r.PrivdropRecord().Msg; got != tt.privdrop {
			t.Errorf("privdrop %q, want %q", got, tt.privdrop)
		}
		rec := tt.r.SandboxRecord()
		if rec.Msg != tt.sandbox || rec.Level != tt.sandboxLevel {
			t.Errorf("sandbox %v %q, want %v %q", rec.Level, rec.Msg, tt.sandboxLevel, tt.sandbox)
		}
	}
}
