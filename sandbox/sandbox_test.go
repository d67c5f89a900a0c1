package sandbox

import (
	"testing"

	"github.com/tarssh/tarssh/config"
	"github.com/tarssh/tarssh/logging"
)

func TestAtoid(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"0", 0, true}, {"65534", 65534, true}, {"4294967294", 4294967294, true},
		{"4294967295", 0, false}, // -1: "leave unchanged" to set*id
		{"-1", 0, false}, {"", 0, false}, {"x", 0, false}, {"4294967296", 0, false},
	}
	for _, tt := range tests {
		got, err := atoid(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("atoid(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestLookupIDs(t *testing.T) {
	tests := []struct {
		opts     Options
		uid, gid int
		ok       bool
	}{
		{Options{}, -1, -1, true},
		{Options{User: "0"}, 0, 0, true},
		{Options{User: "1234"}, 1234, 1234, true}, // unknown numeric user: its own group
		{Options{User: "1234", Group: "99"}, 1234, 99, true},
		{Options{Group: "99"}, -1, 99, true},
		{Options{User: "no-such-user-here"}, -1, -1, false},
		{Options{Group: "no-such-group-here"}, -1, -1, false},
	}
	for _, tt := range tests {
		id, err := lookupIDs(tt.opts)
		if (err == nil) != tt.ok || (tt.ok && (id.uid != tt.uid || id.gid != tt.gid)) {
			t.Errorf("lookupIDs(%+v) = %+v, %v; want %d/%d, ok %v", tt.opts, id, err, tt.uid, tt.gid, tt.ok)
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
