package systemd

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestParseEnv(t *testing.T) {
	const pid = 4242
	for _, tt := range []struct {
		pidEnv, fds, names string
		namesSet           bool
		n                  int
		want               []string
		err                string
	}{
		// Not activated: nothing to adopt, and no error.
		{pidEnv: "", fds: "2"},
		{pidEnv: "4242", fds: ""},
		{pidEnv: "4243", fds: "2"},
		{pidEnv: "4243", fds: "x"}, // another process's: not read at all
		{pidEnv: "4242", fds: "0"},
		// Activated.
		{pidEnv: "4242", fds: "1", n: 1},
		{pidEnv: "4242", fds: "1", namesSet: true, n: 1, want: []string{""}},
		{pidEnv: "4242", fds: "3", names: "tarssh:metrics:state", namesSet: true, n: 3, want: []string{"tarssh", "metrics", "state"}},
		{pidEnv: "4242", fds: "2", names: ":", namesSet: true, n: 2, want: []string{"", ""}},
		{pidEnv: "4242", fds: "1", names: strings.Repeat("n", 255), namesSet: true, n: 1, want: []string{strings.Repeat("n", 255)}},
		{pidEnv: "4242", fds: "1048576", n: MaxPassed},
		// Refused.
		{pidEnv: "x", fds: "1", err: `LISTEN_PID="x" is not a process ID`},
		{pidEnv: "0", fds: "1", err: `LISTEN_PID="0"`},
		{pidEnv: "04242", fds: "1", err: `LISTEN_PID="04242"`},
		{pidEnv: " 4242", fds: "1", err: `LISTEN_PID=" 4242"`},
		{pidEnv: "4242", fds: "1048577", err: `LISTEN_FDS="1048577" is not a count from 0 to 1048576`},
		{pidEnv: "4242", fds: "-1", err: `LISTEN_FDS="-1"`},
		{pidEnv: "4242", fds: "1 ", err: `LISTEN_FDS="1 "`},
		{pidEnv: "4242", fds: "0x1", err: `LISTEN_FDS="0x1"`},
		{pidEnv: "4242", fds: strings.Repeat("9", 100), err: `LISTEN_FDS="` + strings.Repeat("9", 64) + `"...`},
		{pidEnv: "4242", fds: "2", names: "a", namesSet: true, err: "has 1 names for LISTEN_FDS=2"},
		{pidEnv: "4242", fds: "1", names: "a:b", namesSet: true, err: "more names than LISTEN_FDS=1"},
		{pidEnv: "4242", fds: "1", names: "caf\xc3\xa9", namesSet: true, err: "non-ASCII byte in name 1"},
		{pidEnv: "4242", fds: "2", names: "a:\x7f", namesSet: true, err: "control or non-ASCII byte in name 2"},
		{pidEnv: "4242", fds: "1", names: strings.Repeat("n", 256), namesSet: true, err: "name 1 is longer than 255 bytes"},
	} {
		n, names, err := parseEnv(pid, tt.pidEnv, tt.fds, tt.names, tt.namesSet)
		switch {
		case tt.err != "":
			if err == nil || !errors.Is(err, errEnv) || !strings.Contains(err.Error(), tt.err) || n != 0 || names != nil {
				t.Errorf("%+v: got %d %q %v, want an error with %q", tt, n, names, err, tt.err)
			}
		case err != nil || n != tt.n || !slices.Equal(names, tt.want):
			t.Errorf("%+v: got %d %q %v, want %d %q", tt, n, names, err, tt.n, tt.want)
		}
	}
}

func TestTake(t *testing.T) {
	ps := []Passed{{Name: "tarssh", Kind: Listening}, {Name: "metrics", Kind: Listening}, {Name: "client-1", Kind: Connected}, {Name: "state", Kind: Other}}
	metrics := Take(&ps, func(p Passed) bool { return p.Name == "metrics" })
	listeners := Take(&ps, func(p Passed) bool { return p.Kind == Listening })
	if len(metrics) != 1 || metrics[0].Name != "metrics" || len(listeners) != 1 || listeners[0].Name != "tarssh" ||
		len(ps) != 2 || ps[0].Name != "client-1" || ps[1].Name != "state" {
		t.Errorf("metrics %v, listeners %v, left %v", metrics, listeners, ps)
	}
}

// FuzzParseEnv: no environment crashes the parser or makes it claim more
// descriptors than the bound or names it did not check.
func FuzzParseEnv(f *testing.F) {
	f.Add("4242", "3", "tarssh:metrics:state", true)
	f.Add("4242", "99999999999", "", false)
	f.Add("4242", "2", "a:\x00", true)
	f.Add("x", "1", "", false)
	f.Fuzz(func(t *testing.T, pidEnv, fds, names string, namesSet bool) {
		n, list, err := parseEnv(4242, pidEnv, fds, names, namesSet)
		if err != nil {
			if n != 0 || list != nil {
				t.Fatalf("error %v with %d %q", err, n, list)
			}
			return
		}
		if n < 0 || n > MaxPassed || n > 0 && pidEnv != "4242" {
			t.Fatalf("n = %d for LISTEN_PID=%q LISTEN_FDS=%q", n, pidEnv, fds)
		}
		if n > 0 && strconv.Itoa(n) != fds {
			t.Fatalf("n = %d from LISTEN_FDS=%q", n, fds)
		}
		if !namesSet || n == 0 {
			if list != nil {
				t.Fatalf("names %q without LISTEN_FDNAMES", list)
			}
			return
		}
		if len(list) != n || strings.Join(list, ":") != names {
			t.Fatalf("names %q from %q for %d", list, names, n)
		}
		for _, s := range list {
			if len(s) > maxNameLen || strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r >= 0x7f }) {
				t.Fatalf("name %q passed", s)
			}
		}
	})
}
