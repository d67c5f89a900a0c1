package config

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	c, err := Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Listen:        []netip.AddrPort{netip.MustParseAddrPort("0.0.0.0:2222")},
		MaxClients:    4096,
		Delay:         10 * time.Second,
		Timeout:       30 * time.Second,
		LogTimestamps: true, LogIdent: true, LogLevel: true,
		LogTarget: LogAuto, Sandbox: SandboxOn, Pacing: PacingAdaptive,
		PerSourceMax: 1024, NetBlock4: 32, NetBlock6: 64,
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Parse(nil) = %+v, want %+v", c, want)
	}
}

func TestFlags(t *testing.T) {
	dir := t.TempDir()
	ap := netip.MustParseAddrPort
	tests := []struct {
		args  string
		check func(*Config) bool
	}{
		{"-l 127.0.0.1:22", func(c *Config) bool { return reflect.DeepEqual(c.Listen, []netip.AddrPort{ap("127.0.0.1:22")}) }},
		{"--listen 127.0.0.1:22", func(c *Config) bool { return reflect.DeepEqual(c.Listen, []netip.AddrPort{ap("127.0.0.1:22")}) }},
		{"--listen=127.0.0.1:0", func(c *Config) bool { return reflect.DeepEqual(c.Listen, []netip.AddrPort{ap("127.0.0.1:0")}) }},
		{"", func(c *Config) bool { return !c.MetricsGiven }},
		{"--metrics 127.0.0.1:9100", func(c *Config) bool { return c.MetricsGiven && c.Metrics == ap("127.0.0.1:9100") }},
		{"-l 127.0.0.1:0 --metrics=[::1]:0", func(c *Config) bool { return c.MetricsGiven && c.Metrics == ap("[::1]:0") }},
		{"-l 127.0.0.1:0 -l 127.0.0.1:0", func(c *Config) bool { return len(c.Listen) == 2 }}, // two free ports
		{"-l 0.0.0.0:22 -l [::]:22 --listen [fe80::1%lo]:23", func(c *Config) bool {
			return reflect.DeepEqual(c.Listen, []netip.AddrPort{ap("0.0.0.0:22"), ap("[::]:22"), ap("[fe80::1%lo]:23")})
		}},
		{"-c 5", func(c *Config) bool { return c.MaxClients == 5 }},
		{"--max-clients 100000", func(c *Config) bool { return c.MaxClients == 100000 }},
		{"--max-clients=1", func(c *Config) bool { return c.MaxClients == 1 }},
		{"-d 1", func(c *Config) bool { return c.Delay == time.Second }},
		{"--delay 0.05", func(c *Config) bool { return c.Delay == 50*time.Millisecond }},
		{"-d 86400", func(c *Config) bool { return c.Delay == 86400*time.Second }},
		{"-d 0.01", func(c *Config) bool { return c.Delay == 10*time.Millisecond }},
		{"-d 007.50", func(c *Config) bool { return c.Delay == 7500*time.Millisecond }},
		{"-u 4294967294 -g 0", func(c *Config) bool { return c.User == "4294967294" && c.Group == "0" }},
		{strings.TrimSpace(strings.Repeat("-l 127.0.0.1:0 ", 255)), func(c *Config) bool { return len(c.Listen) == 255 }},
		// The per-source cap: a quarter of -c, at least 64, at most -c.
		{"-c 200", func(c *Config) bool { return c.PerSourceMax == 64 }},
		{"-c 1000", func(c *Config) bool { return c.PerSourceMax == 250 }},
		{"-c 5", func(c *Config) bool { return c.PerSourceMax == 5 }},
		{"-c 200 --per-source-max-clients 10", func(c *Config) bool { return c.PerSourceMax == 10 }},
		{"-c 200 --per-source-max-clients 200", func(c *Config) bool { return c.PerSourceMax == 200 }},
		{"--per-source-net-block-size 24", func(c *Config) bool { return c.NetBlock4 == 24 && c.NetBlock6 == 64 }},
		{"--per-source-net-block-size 32:128", func(c *Config) bool { return c.NetBlock4 == 32 && c.NetBlock6 == 128 }},
		{"--per-source-net-block-size 1:1", func(c *Config) bool { return c.NetBlock4 == 1 && c.NetBlock6 == 1 }},
		{"-t 5", func(c *Config) bool { return c.Timeout == 5*time.Second }},
		{"--timeout 1.5", func(c *Config) bool { return c.Timeout == 1500*time.Millisecond }},
		{"-v", func(c *Config) bool { return c.Verbose == 1 }},
		{"-vvv", func(c *Config) bool { return c.Verbose == 3 }},
		{"-v -v", func(c *Config) bool { return c.Verbose == 2 }},
		{"--verbose --verbose -v", func(c *Config) bool { return c.Verbose == 3 }},
		{"-vvd 2", func(c *Config) bool { return c.Verbose == 2 && c.Delay == 2*time.Second }},
		{"--disable-log-timestamps", func(c *Config) bool { return !c.LogTimestamps && c.LogIdent && c.LogLevel }},
		{"--disable-log-ident", func(c *Config) bool { return c.LogTimestamps && !c.LogIdent && c.LogLevel }},
		{"--disable-log-level", func(c *Config) bool { return c.LogTimestamps && c.LogIdent && !c.LogLevel }},
		{"-u root", func(c *Config) bool { return c.User == "root" }},
		{"--user nobody", func(c *Config) bool { return c.User == "nobody" }},
		{"-u 4242", func(c *Config) bool { return c.User == "4242" }}, // numeric ids need no entry
		{"-g root", func(c *Config) bool { return c.Group == "root" }},
		{"--group 4242", func(c *Config) bool { return c.Group == "4242" }},
		{"--chroot " + dir, func(c *Config) bool { return c.Chroot == dir }},
		{"--chroot=/", func(c *Config) bool { return c.Chroot == "/" }},
		{"--log-target console", func(c *Config) bool { return c.LogTarget == LogConsole }},
		{"--log-target=journal", func(c *Config) bool { return c.LogTarget == LogJournal }},
		{"--sandbox off", func(c *Config) bool { return c.Sandbox == SandboxOff }},
		{"--sandbox=strict", func(c *Config) bool { return c.Sandbox == SandboxStrict }},
		{"-l 127.0.0.1:1", func(c *Config) bool { return c.ListenGiven }},
		{"-v", func(c *Config) bool { return !c.ListenGiven }},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			c, err := Parse(strings.Fields(tt.args))
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.args, err)
			}
			if !tt.check(c) {
				t.Errorf("Parse(%q) = %+v", tt.args, c)
			}
		})
	}
}

func TestHelpVersion(t *testing.T) {
	for _, tt := range []struct {
		args string
		want error
	}{
		{"-h", ErrHelp}, {"--help", ErrHelp}, {"-V", ErrVersion}, {"--version", ErrVersion},
		{"-v -h", ErrHelp}, {"-l 127.0.0.1:1 -V", ErrVersion},
	} {
		if _, err := Parse(strings.Fields(tt.args)); err != tt.want {
			t.Errorf("Parse(%q) = %v, want %v", tt.args, err, tt.want)
		}
	}
	u := Usage()
	for _, f := range []string{"--listen", "--max-clients", "--delay", "--timeout", "--verbose",
		"--disable-log-timestamps", "--disable-log-ident", "--disable-log-level",
		"--log-target", "--user", "--group", "--chroot", "--sandbox", "--metrics", "--help", "--version"} {
		if !strings.Contains(u, f) {
			t.Errorf("Usage() lacks %s", f)
		}
	}
}

func manyListen(n int) []string {
	var args []string
	for range n {
		args = append(args, "-l", "127.0.0.1:0")
	}
	return args
}

// TestBadInputBounded: a huge bad argument is quoted only in part, so an
// error stays one short line.
func TestBadInputBounded(t *testing.T) {
	big := strings.Repeat("x", 100<<10)
	for _, args := range [][]string{
		{"-d", big}, {"-c", big}, {"-l", big}, {"--allow", big}, {"-u", big}, {"-g", big},
		{"--chroot", "/" + big}, {"--sandbox", big}, {"--log-target", big}, {"--pacing", big},
		{big}, {"--" + big}, {"-d", "1", "-d", big}, {"--disable-log-level=" + big},
	} {
		_, err := Parse(args)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("Parse(%.20q...): %v, want a UsageError", args, err)
			continue
		}
		if msg := ue.Error(); len(msg) > 300 || strings.Contains(msg, "\n") || !strings.Contains(msg, "xxxx") {
			t.Errorf("Parse(%.20q...): message of %d bytes: %.400q", args, len(msg), msg)
		}
	}
}

// TestBadInput checks that every bad command line is a UsageError whose
// message names the flag and the offending value.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want []string // substrings of the message
	}{
		// Flags that do not exist or lack their value.
		{[]string{"--foo"}, []string{"--foo"}},
		{[]string{"-x"}, []string{"-x"}},
		{[]string{"-vx"}, []string{"'x'"}},
		{[]string{"--listen"}, []string{"--listen"}},
		{[]string{"-l"}, []string{"-l"}},
		{[]string{"-c"}, []string{"-c"}},
		{[]string{"--max-clients"}, []string{"--max-clients"}},
		{[]string{"-d"}, []string{"-d"}},
		{[]string{"--delay"}, []string{"--delay"}},
		{[]string{"-t"}, []string{"-t"}},
		{[]string{"--timeout"}, []string{"--timeout"}},
		{[]string{"-u"}, []string{"-u"}},
		{[]string{"--user"}, []string{"--user"}},
		{[]string{"-g"}, []string{"-g"}},
		{[]string{"--group"}, []string{"--group"}},
		{[]string{"--chroot"}, []string{"--chroot"}},
		{[]string{"--disable-log-level=maybe"}, []string{"--disable-log-level", "maybe"}},
		{[]string{"-v=x"}, []string{"verbose", "x"}},
		// Stray arguments.
		{[]string{"foo"}, []string{`"foo"`}},
		{[]string{"-v", "127.0.0.1:22"}, []string{`"127.0.0.1:22"`}},
		{[]string{"--", "-v"}, []string{`"-v"`}},
		// Addresses.
		{[]string{"-l", ""}, []string{"--listen", `""`}},
		{[]string{"-l", "127.0.0.1"}, []string{"--listen", `"127.0.0.1"`}},
		{[]string{"-l", "127.0.0.1:"}, []string{"--listen", `"127.0.0.1:"`}},
		{[]string{"-l", ":2222"}, []string{"--listen", `":2222"`}},
		{[]string{"-l", "127.0.0.1:65536"}, []string{"--listen", `"127.0.0.1:65536"`, "65536"}},
		{[]string{"-l", "127.0.0.1:-1"}, []string{"--listen", `"127.0.0.1:-1"`}},
		{[]string{"-l", "127.0.0.1:+22"}, []string{"--listen", `"127.0.0.1:+22"`}},
		{[]string{"-l", "127.0.0.1:99999999999999999999"}, []string{"--listen", "99999999999999999999"}},
		{[]string{"-l", "127.0.0.1:ssh"}, []string{"--listen", `"127.0.0.1:ssh"`}},
		{[]string{"-l", "256.0.0.1:22"}, []string{"--listen", `"256.0.0.1:22"`}},
		{[]string{"-l", "localhost:22"}, []string{"--listen", `"localhost:22"`, "host names"}},
		{[]string{"-l", "example.com:22"}, []string{"--listen", `"example.com:22"`}},
		{[]string{"-l", "::1:22"}, []string{"--listen", `"::1:22"`, "brackets"}},
		{[]string{"-l", "[::1]"}, []string{"--listen", `"[::1]"`}},
		{[]string{"-l", "::ffff:127.0.0.1:22"}, []string{"--listen", `"::ffff:127.0.0.1:22"`, "brackets"}},
		{[]string{"-l", "127.0.0.1:22", "-l", "[::ffff:127.0.0.1]:22"}, []string{"--listen", `"[::ffff:127.0.0.1]:22"`, "more than once"}},
		{[]string{"-l", "[::1:22"}, []string{"--listen", `"[::1:22"`}},
		{[]string{"-l", "::1]:22"}, []string{"--listen", `"::1]:22"`}},
		{[]string{"-l", "[127.0.0.1]:22"}, []string{"--listen", `"[127.0.0.1]:22"`}},
		{[]string{"-l", "[[::1]]:22"}, []string{"--listen", `"[[::1]]:22"`}},
		{[]string{"-l", " 127.0.0.1:22"}, []string{"--listen", `" 127.0.0.1:22"`}},
		{[]string{"-l", "127.0.0.1:22", "-l", "127.0.0.1:22"}, []string{"--listen", `"127.0.0.1:22"`, "more than once"}},
		{[]string{"-l", "[::]:22", "--listen", "[0::0]:22"}, []string{"--listen", `"[0::0]:22"`, "more than once"}},
		{[]string{"--metrics", ""}, []string{"--metrics", `""`}},
		{[]string{"--metrics", "localhost:9100"}, []string{"--metrics", `"localhost:9100"`, "host names"}},
		{[]string{"--metrics", "127.0.0.1"}, []string{"--metrics", `"127.0.0.1"`}},
		{[]string{"--metrics", "127.0.0.1:65536"}, []string{"--metrics", `"127.0.0.1:65536"`}},
		{[]string{"--metrics", "127.0.0.1:9100", "--metrics", "127.0.0.1:9101"}, []string{"--metrics", `"127.0.0.1:9101"`, "more than once"}},
		{[]string{"-l", "127.0.0.1:22", "--metrics", "[::ffff:127.0.0.1]:22"}, []string{"--metrics", `"[::ffff:127.0.0.1]:22"`, "listen"}},
		{[]string{"--metrics", "0.0.0.0:2222"}, []string{"--metrics", `"0.0.0.0:2222"`, "listen"}},
		// Numbers.
		{[]string{"-c", "0"}, []string{"--max-clients", `"0"`}},
		{[]string{"-c", "-1"}, []string{"--max-clients", `"-1"`}},
		{[]string{"--max-clients", "1.5"}, []string{"--max-clients", `"1.5"`}},
		{[]string{"-c", "abc"}, []string{"--max-clients", `"abc"`}},
		{[]string{"-c", ""}, []string{"--max-clients", `""`}},
		{[]string{"-c", "0x10"}, []string{"--max-clients", `"0x10"`}},
		{[]string{"-c", "NaN"}, []string{"--max-clients", `"NaN"`}},
		{[]string{"-c", "99999999999999999999"}, []string{"--max-clients", `"99999999999999999999"`}},
		{[]string{"-c", "9223372036854775807"}, []string{"--max-clients", `"9223372036854775807"`}},
		{[]string{"-c", "67108865"}, []string{"--max-clients", `"67108865"`}},
		{[]string{"-d", "0"}, []string{"--delay", `"0"`}},
		{[]string{"-d", "-1"}, []string{"--delay", `"-1"`}},
		{[]string{"-d", "0.001"}, []string{"--delay", `"0.001"`}},
		{[]string{"--delay", "NaN"}, []string{"--delay", `"NaN"`}},
		{[]string{"-d", "nan"}, []string{"--delay", `"nan"`}},
		{[]string{"-d", "Inf"}, []string{"--delay", `"Inf"`}},
		{[]string{"-d", "-Inf"}, []string{"--delay", `"-Inf"`}},
		{[]string{"-d", "1e400"}, []string{"--delay", `"1e400"`}},
		{[]string{"-d", "86401"}, []string{"--delay", `"86401"`}},
		{[]string{"-d", "9223372036854775807"}, []string{"--delay", `"9223372036854775807"`}},
		{[]string{"-d", "ten"}, []string{"--delay", `"ten"`}},
		{[]string{"-d", "10s"}, []string{"--delay", `"10s"`}},
		{[]string{"-d", ""}, []string{"--delay", `""`}},
		{[]string{"-t", "0"}, []string{"--timeout", `"0"`}},
		{[]string{"-t", "-30"}, []string{"--timeout", `"-30"`}},
		{[]string{"--timeout", "NaN"}, []string{"--timeout", `"NaN"`}},
		{[]string{"-t", "1e999"}, []string{"--timeout", `"1e999"`}},
		{[]string{"-t", "0x"}, []string{"--timeout", `"0x"`}},
		{[]string{"-t", "100000"}, []string{"--timeout", `"100000"`}},
		// One number syntax for every count and duration: decimal digits,
		// durations with one optional fraction (issue 9).
		{[]string{"-d", "1_0"}, []string{"--delay", `"1_0"`}},
		{[]string{"-d", "0x1p3"}, []string{"--delay", `"0x1p3"`}},
		{[]string{"-d", "0x10"}, []string{"--delay", `"0x10"`}},
		{[]string{"-d", "1e1"}, []string{"--delay", `"1e1"`}},
		{[]string{"-d", ".5"}, []string{"--delay", `".5"`}},
		{[]string{"-d", "5."}, []string{"--delay", `"5."`}},
		{[]string{"-d", "+5"}, []string{"--delay", `"+5"`}},
		{[]string{"-t", "1_0"}, []string{"--timeout", `"1_0"`}},
		{[]string{"-c", "1_000"}, []string{"--max-clients", `"1_000"`}},
		{[]string{"-c", "+5"}, []string{"--max-clients", `"+5"`}},
		// IDs: 4294967295 is (uid_t)-1, "unchanged" to setresuid.
		{[]string{"-u", "4294967295"}, []string{"--user", `"4294967295"`, "0 to 4294967294"}},
		{[]string{"-g", "4294967295"}, []string{"--group", `"4294967295"`, "0 to 4294967294"}},
		{[]string{"-u", "99999999999"}, []string{"--user", `"99999999999"`, "0 to 4294967294"}},
		{[]string{"-g", "18446744073709551616"}, []string{"--group"}},
		{[]string{"-c", "200", "--per-source-max-clients", "201"}, []string{"--per-source-max-clients", `"201"`, "1 to 200"}},
		{[]string{"--per-source-max-clients", "0"}, []string{"--per-source-max-clients", `"0"`}},
		{[]string{"--per-source-max-clients", "1", "--per-source-max-clients", "2"}, []string{"--per-source-max-clients", "more than once"}},
		{[]string{"--per-source-net-block-size", "33"}, []string{"--per-source-net-block-size", `"33"`}},
		{[]string{"--per-source-net-block-size", "32:129"}, []string{"--per-source-net-block-size", `"32:129"`}},
		{[]string{"--per-source-net-block-size", "0:64"}, []string{"--per-source-net-block-size", `"0:64"`}},
		{[]string{"--per-source-net-block-size", "32:"}, []string{"--per-source-net-block-size", `"32:"`}},
		{[]string{"--per-source-net-block-size", "/24"}, []string{"--per-source-net-block-size", `"/24"`}},
		// More listeners than the engine numbers.
		{manyListen(256), []string{"--listen", "at most 255"}},
		// A flag given twice.
		{[]string{"-c", "5", "-c", "6"}, []string{"--max-clients", `"6"`, "more than once"}},
		{[]string{"-c", "5", "--max-clients", "5"}, []string{"--max-clients", `"5"`, "more than once"}},
		{[]string{"-d", "1", "--delay", "2"}, []string{"--delay", `"2"`, "more than once"}},
		{[]string{"-t", "1", "-t", "2"}, []string{"--timeout", `"2"`, "more than once"}},
		{[]string{"-u", "root", "-u", "nobody"}, []string{"--user", `"nobody"`, "more than once"}},
		{[]string{"-g", "root", "--group", "root"}, []string{"--group", `"root"`, "more than once"}},
		{[]string{"--chroot", "/", "--chroot", dir}, []string{"--chroot", dir, "more than once"}},
		{[]string{"--sandbox", "off", "--sandbox=on"}, []string{"--sandbox", `"on"`, "more than once"}},
		{[]string{"--log-target", "console", "--log-target", "console"}, []string{"--log-target", `"console"`, "more than once"}},
		{[]string{"--sandbox", "maybe"}, []string{"--sandbox", `"maybe"`}},
		{[]string{"--sandbox"}, []string{"--sandbox"}},
		{[]string{"--log-target", "syslog"}, []string{"--log-target", `"syslog"`}},
		{[]string{"--log-target"}, []string{"--log-target"}},
		// Identity and chroot.
		{[]string{"-u", "no-such-user-tarssh"}, []string{"--user", `"no-such-user-tarssh"`}},
		{[]string{"--user", ""}, []string{"--user", `""`}},
		{[]string{"-g", "no-such-group-tarssh"}, []string{"--group", `"no-such-group-tarssh"`}},
		{[]string{"--group", ""}, []string{"--group", `""`}},
		{[]string{"--chroot", "relative/dir"}, []string{"--chroot", `"relative/dir"`, "absolute"}},
		{[]string{"--chroot", "."}, []string{"--chroot", `"."`}},
		{[]string{"--chroot", ""}, []string{"--chroot", `""`}},
		{[]string{"--chroot", filepath.Join(dir, "missing")}, []string{"--chroot", "missing"}},
		{[]string{"--chroot", file}, []string{"--chroot", file, "not a directory"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			c, err := Parse(tt.args)
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("Parse(%q) = %+v, %v; want a *UsageError", tt.args, c, err)
			}
			msg := ue.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("message is more than one line: %q", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("Parse(%q): message %q lacks %q", tt.args, msg, w)
				}
			}
		})
	}
}

func TestParseAddr(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"0.0.0.0:2222", "0.0.0.0:2222"},
		{"127.0.0.1:0", "127.0.0.1:0"},
		{"127.0.0.1:65535", "127.0.0.1:65535"},
		{"127.0.0.1:00022", "127.0.0.1:22"},
		{"[::]:22", "[::]:22"},
		{"[::1]:22", "[::1]:22"},
		{"[2001:db8::1]:2222", "[2001:db8::1]:2222"},
		{"[::ffff:192.0.2.1]:22", "[::ffff:192.0.2.1]:22"},
		{"[fe80::1%eth0]:22", "[fe80::1%eth0]:22"},
	} {
		ap, err := ParseAddr(tt.in)
		if err != nil || ap.String() != tt.want {
			t.Errorf("ParseAddr(%q) = %v, %v; want %s", tt.in, ap, err, tt.want)
		}
	}
}

// FuzzParseAddr checks that ParseAddr never panics and that whatever it
// accepts prints back as an address it accepts the same way.
func FuzzParseAddr(f *testing.F) {
	for _, s := range []string{
		"0.0.0.0:2222", "[::]:22", "[::1]:0", "::1:22", "[127.0.0.1]:1", "1.2.3.4:65536",
		"[fe80::1%eth0]:22", "[::ffff:1.2.3.4]:22", "::ffff:1.2.3.4:22", "[::ffff:1.2.3.4%x]:22", ":", "[]:1", "a:b:c",
		"1.2.3.4:-0", "[::1]]:2", "[%]:1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ap, err := ParseAddr(s)
		if err != nil {
			if ap.IsValid() {
				t.Errorf("ParseAddr(%q) failed but returned %v", s, ap)
			}
			return
		}
		if !ap.IsValid() {
			t.Fatalf("ParseAddr(%q) = invalid address without error", s)
		}
		back, err := ParseAddr(ap.String())
		if err != nil || back != ap {
			t.Errorf("ParseAddr(%q) = %v, which parses back as %v, %v", s, ap, back, err)
		}
		if _, err := Parse([]string{"-l", s}); err != nil {
			t.Errorf("ParseAddr accepts %q but Parse refuses it: %v", s, err)
		}
	})
}

func TestParseID(t *testing.T) {
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
		got, err := ParseID(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseID(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
