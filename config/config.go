// Package config turns tarssh's command line into a checked Config.
//
// The flags, short forms and defaults are tarssh 0.7.0's, so that tarssh can
// replace it in existing scripts and units. Every bad value is refused here,
// before anything is bound or started, with one line naming the flag and the
// value.
package config

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Version is tarssh's version, printed by -V and in the init line.
const Version = "0.8.0"

// Limits on numeric flags: beyond them a value is surely a mistake, and
// within them the engine's clock and the kernel's timeout field never
// overflow.
const (
	MaxClientsLimit = 1 << 26
	MinSeconds      = 0.01
	MaxSeconds      = 86400
)

// Config is the checked command line.
type Config struct {
	Listen     []netip.AddrPort
	MaxClients int
	Delay      time.Duration
	Timeout    time.Duration
	Verbose    int

	LogTimestamps, LogIdent, LogLevel bool
	// LogTarget is where logs go: LogAuto (the journal when systemd
	// connected stderr to it, else the console), LogConsole or LogJournal.
	LogTarget string
	// ListenGiven is true when -l/--listen was given, rather than defaulted:
	// under socket activation that is refused (systemd owns the addresses).
	ListenGiven bool

	User, Group, Chroot string
	// UID and GID are User's and Group's IDs, looked up once here: GID is
	// Group's if given, else User's primary group. Unset without them.
	UID, GID int
	Sandbox  SandboxMode

	Pacing string         // PacingAdaptive or PacingClassic
	Allow  []netip.Prefix // networks closed at once, never trapped

	// Metrics is where --metrics serves Prometheus metrics; MetricsGiven
	// says whether it was given (under socket activation it is refused:
	// the metrics socket is passed, named "metrics").
	Metrics      netip.AddrPort
	MetricsGiven bool
	// PerSourceMax caps the clients one source holds (--per-source-max-clients);
	// a source is an IPv4 address masked to NetBlock4 bits or an IPv6
	// address masked to NetBlock6 bits (--per-source-net-block-size).
	PerSourceMax         int
	NetBlock4, NetBlock6 int
}

// The pacing policies --pacing names.
const (
	PacingAdaptive = "adaptive" // per client, from its identification
	PacingClassic  = "classic"  // one random line per --delay, as tarssh 0.7.0
)

// The -L/--log-target values.
const (
	LogAuto    = "auto"
	LogConsole = "console"
	LogJournal = "journal"
)

// UsageError is a bad command line; tarssh exits with EX_USAGE (64) on it.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// ErrHelp and ErrVersion ask the caller to print help or the version and
// exit 0.
var (
	ErrHelp    = errors.New("help requested")
	ErrVersion = errors.New("version requested")
)

// usagef formats a UsageError, quoting at most maxQuoted bytes of each
// string argument: an error line must stay a line, whatever was passed.
func usagef(format string, a ...any) error {
	for i, v := range a {
		if s, ok := v.(string); ok && len(s) > maxQuoted {
			a[i] = s[:maxQuoted] + "..."
		}
	}
	return &UsageError{fmt.Sprintf(format, a...)}
}

// maxQuoted bounds how much of a bad argument an error line repeats.
const maxQuoted = 64

// quoteArg quotes at most maxQuoted bytes of s.
func quoteArg(s string) string {
	if len(s) > maxQuoted {
		return strconv.Quote(s[:maxQuoted]) + "..."
	}
	return strconv.Quote(s)
}

// raw holds flag values before they are checked.
type raw struct {
	listen, allow              []string
	maxClients, delay, timeout once
	sandbox, logTarget         once
	pacing                     once
	metrics                    once
	perSource, netBlock        once
	user, group, chroot        once
	noTS, noIdent, noLevel     bool
	help, version              bool
}

// once is a string flag that may be given only once: a second value is far
// more likely a mistake than an override.
type once struct {
	val, typ string // typ names the value in -h; "" means N
	set      bool
}

func (o *once) String() string { return o.val }
func (o *once) Type() string {
	if o.typ == "" {
		return "N"
	}
	return o.typ
}
func (o *once) Set(s string) error {
	if o.set {
		return errors.New("given more than once")
	}
	o.val, o.set = s, true
	return nil
}

func flagSet(c *Config, r *raw) *pflag.FlagSet {
	fs := pflag.NewFlagSet("tarssh", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	r.maxClients.val, r.delay.val, r.timeout.val, r.pacing.val = "4096", "10", "30", PacingAdaptive
	r.delay.typ, r.timeout.typ, r.pacing.typ = "SECONDS", "SECONDS", "MODE"
	fs.StringArrayVarP(&r.listen, "listen", "l", nil, "Listen on this address (`ADDR:PORT`); repeatable (default 0.0.0.0:2222)")
	fs.VarP(&r.maxClients, "max-clients", "c", "Hold at most this many clients; more wait in the kernel's backlog")
	fs.VarP(&r.delay, "delay", "d", "Delay between responses")
	fs.VarP(&r.timeout, "timeout", "t", "Drop a client that leaves data unacknowledged this long")
	fs.Var(&r.pacing, "pacing", "adaptive (paced per client) or classic (as tarssh 0.7.0)")
	fs.StringArrayVar(&r.allow, "allow", nil, "Close clients from this network (`CIDR`) at once, never trap them; repeatable")
	fs.Var(&r.perSource, "per-source-max-clients", "Hold at most this many clients from one source; close more at once (default: a quarter of -c, at least 64)")
	r.netBlock.val, r.netBlock.typ = "32:64", "V4[:V6]"
	fs.Var(&r.netBlock, "per-source-net-block-size", "Prefix lengths that make one IPv4 and one IPv6 source")
	fs.CountVarP(&c.Verbose, "verbose", "v", "Verbose level (repeat for more verbosity)")
	fs.BoolVar(&r.noTS, "disable-log-timestamps", false, "Disable timestamps in logs")
	fs.BoolVar(&r.noIdent, "disable-log-ident", false, `Disable module name in logs (e.g. "tarssh")`)
	fs.BoolVar(&r.noLevel, "disable-log-level", false, `Disable log level in logs (e.g. "info")`)
	r.logTarget.val, r.logTarget.typ = LogAuto, "TARGET"
	fs.Var(&r.logTarget, "log-target", "auto (the journal when stderr is connected to it), console or journal")
	r.user.typ, r.group.typ, r.chroot.typ = "USER", "GROUP", "DIR"
	fs.VarP(&r.user, "user", "u", "Run as this user and their primary group")
	fs.VarP(&r.group, "group", "g", "Run as this group")
	fs.Var(&r.chroot, "chroot", "Chroot to this directory")
	r.metrics.typ = "ADDR:PORT"
	fs.Var(&r.metrics, "metrics", "Serve Prometheus metrics on this address, at /metrics (keep it on loopback)")
	r.sandbox.val, r.sandbox.typ = "on", "MODE"
	fs.Var(&r.sandbox, "sandbox", "Sandbox after start-up: on, strict, log or off")
	fs.BoolVarP(&r.help, "help", "h", false, "Prints help information")
	fs.BoolVarP(&r.version, "version", "V", false, "Prints version information")
	return fs
}

// Usage is the -h text.
func Usage() string {
	var b strings.Builder
	b.WriteString("tarssh " + Version + "\nAn SSH tarpit\n\nUsage: tarssh [OPTIONS]\n\n")
	flagSet(&Config{}, &raw{}).VisitAll(func(f *pflag.Flag) {
		name, usage := pflag.UnquoteUsage(f)
		left := "    --" + f.Name
		if f.Shorthand != "" {
			left = "-" + f.Shorthand + ", --" + f.Name
		}
		if f.NoOptDefVal == "" { // flags without a value: switches and -v
			left += " " + name
		}
		if d := f.DefValue; d != "" && d != "[]" && f.NoOptDefVal == "" && !strings.Contains(usage, "default") {
			usage += " (default " + d + ")"
		}
		fmt.Fprintf(&b, "  %-30s %s\n", left, usage)
	})
	return b.String()
}

// Parse checks args (without the program name).
func Parse(args []string) (*Config, error) {
	var c Config
	var r raw
	fs := flagSet(&c, &r)
	if err := fs.Parse(args); err != nil {
		return nil, &UsageError{flagError(err)}
	}
	switch {
	case r.help:
		return nil, ErrHelp
	case r.version:
		return nil, ErrVersion
	case fs.NArg() > 0:
		return nil, usagef("unexpected argument %q (options take the form -l ADDR:PORT)", fs.Arg(0))
	}
	var err error
	c.LogTarget = r.logTarget.val
	switch c.LogTarget {
	case LogAuto, LogConsole, LogJournal:
	default:
		return nil, usagef("--log-target %q: want auto, console or journal", c.LogTarget)
	}
	c.ListenGiven = len(r.listen) > 0
	if len(r.listen) == 0 {
		r.listen = []string{"0.0.0.0:2222"}
	}
	if c.Listen, err = parseListen(r.listen); err != nil {
		return nil, err
	}
	if c.MaxClients, err = parseCount("-c/--max-clients", r.maxClients.val, MaxClientsLimit); err != nil {
		return nil, err
	}
	if c.Delay, err = parseSeconds("-d/--delay", r.delay.val); err != nil {
		return nil, err
	}
	if c.Timeout, err = parseSeconds("-t/--timeout", r.timeout.val); err != nil {
		return nil, err
	}
	switch c.Pacing = strings.TrimSpace(r.pacing.val); c.Pacing {
	case PacingAdaptive, PacingClassic:
	default:
		return nil, usagef("--pacing %q: want adaptive or classic", r.pacing.val)
	}
	if c.Allow, err = parseAllow(r.allow); err != nil {
		return nil, err
	}
	if err := parseMetrics(&c, r.metrics); err != nil {
		return nil, err
	}
	c.PerSourceMax = min(c.MaxClients, max(c.MaxClients/4, DefaultPerSource))
	if r.perSource.set {
		if c.PerSourceMax, err = parseCount("--per-source-max-clients", r.perSource.val, c.MaxClients); err != nil {
			return nil, err
		}
	}
	if c.NetBlock4, c.NetBlock6, err = parseNetBlock(r.netBlock.val); err != nil {
		return nil, err
	}
	c.LogTimestamps, c.LogIdent, c.LogLevel = !r.noTS, !r.noIdent, !r.noLevel
	if c.Sandbox, err = parseSandbox(r.sandbox.val); err != nil {
		return nil, err
	}
	c.User, c.Group, c.Chroot = r.user.val, r.group.val, r.chroot.val
	if err := checkIdentity(&c, &r); err != nil {
		return nil, err
	}
	return &c, nil
}

// flagError rewords a bad value's error from pflag so it names the flag in
// both forms, as every other usage error does: -d/--delay "x": reason.
func flagError(err error) string {
	var bad *pflag.InvalidValueError
	if !errors.As(err, &bad) {
		// "unknown flag: --x" and the like repeat the argument: bound it.
		if s := err.Error(); len(s) > 2*maxQuoted {
			return s[:2*maxQuoted] + "..."
		}
		return err.Error()
	}
	f := bad.GetFlag()
	name := "--" + f.Name
	if f.Shorthand != "" {
		name = "-" + f.Shorthand + "/" + name
	}
	return fmt.Sprintf("%s %s: %v", name, quoteArg(bad.GetValue()), errors.Unwrap(bad))
}

// MaxListen bounds -l/--listen: the engine numbers its listeners in a byte.
const MaxListen = 255

func parseListen(addrs []string) ([]netip.AddrPort, error) {
	if len(addrs) > MaxListen {
		return nil, usagef("-l/--listen: at most %d addresses", MaxListen)
	}
	var out []netip.AddrPort
	seen := map[netip.AddrPort]bool{}
	for _, s := range addrs {
		ap, err := ParseAddr(s)
		if err != nil {
			return nil, usagef("-l/--listen %q: %v", s, err)
		}
		// A mapped address binds as IPv4: [::ffff:a.b.c.d]:p is a.b.c.d:p.
		key := netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		// Port 0 asks for any free port: each such listener gets its own.
		if seen[key] && ap.Port() != 0 {
			return nil, usagef("-l/--listen %q: address given more than once", s)
		}
		seen[key] = true
		out = append(out, ap)
	}
	return out, nil
}

// parseMetrics checks --metrics like -l, and that it is not also a
// listen address.
func parseMetrics(c *Config, o once) error {
	if !o.set {
		return nil
	}
	ap, err := ParseAddr(o.val)
	if err != nil {
		return usagef("--metrics %q: %v", o.val, err)
	}
	key := netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	for _, l := range c.Listen {
		if ap.Port() != 0 && key == netip.AddrPortFrom(l.Addr().Unmap(), l.Port()) {
			return usagef("--metrics %q: also a -l/--listen address", o.val)
		}
	}
	c.Metrics, c.MetricsGiven = ap, true
	return nil
}

// DefaultPerSource is the least default --per-source-max-clients: below
// it one source may take a quarter of -c only, and at a -c this small
// fairness gives way to letting one scanner fill the tarpit.
const DefaultPerSource = 64

// parseNetBlock reads --per-source-net-block-size, "V4" or "V4:V6" as
// OpenSSH's PerSourceNetBlockSize: IPv4 prefix length 1-32, IPv6 1-128
// (64 when left out).
func parseNetBlock(s string) (v4, v6 int, err error) {
	a, b, two := strings.Cut(s, ":")
	n4, ok4 := digits(a)
	n6, ok6 := uint64(64), true
	if two {
		n6, ok6 = digits(b)
	}
	if !ok4 || !ok6 || n4 < 1 || n4 > 32 || n6 < 1 || n6 > 128 {
		return 0, 0, usagef("--per-source-net-block-size %q: want IPv4 and IPv6 prefix lengths as V4[:V6], e.g. 32:64", s)
	}
	return int(n4), int(n6), nil
}

// MaxAllow bounds --allow: the engine checks every new client against
// each network in turn, which must stay cheap.
const MaxAllow = 64

func parseAllow(nets []string) ([]netip.Prefix, error) {
	if len(nets) > MaxAllow {
		return nil, usagef("--allow: at most %d networks", MaxAllow)
	}
	var out []netip.Prefix
	for _, s := range nets {
		p, err := ParsePrefix(s)
		if err != nil {
			return nil, usagef("--allow %q: %v", s, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// ParsePrefix parses a network for --allow: "192.0.2.0/24", "2001:db8::/32",
// or a lone address for just that host. Host bits are dropped.
func ParsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, errors.New("want a network such as 192.0.2.0/24 or 2001:db8::/32")
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, errors.New("want a network such as 192.0.2.0/24 or 2001:db8::/32")
	}
	if p.Addr().Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, errors.New("an IPv4-mapped network needs a prefix of at least 96 bits")
		}
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// ParseAddr parses a listen address: IPv4 "a.b.c.d:port" or IPv6
// "[addr]:port", with a port from 0 (any free port) to 65535, exactly as
// netip.ParseAddrPort does; only its errors are tarssh's own.
func ParseAddr(s string) (netip.AddrPort, error) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return netip.AddrPort{}, addrError(s)
	}
	return ap, nil
}

// addrError says, in a user's terms, why netip.ParseAddrPort refused s.
func addrError(s string) error {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 || i == len(s)-1 {
		return errors.New("want ADDR:PORT, e.g. 0.0.0.0:2222 or [::]:2222")
	}
	host, port := s[:i], s[i+1:]
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	bracketed := strings.HasPrefix(host, "[")
	if bracketed != strings.HasSuffix(host, "]") {
		return errors.New("unbalanced brackets around the address")
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	a, err := netip.ParseAddr(host)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not an IP address (host names are not looked up)", host)
	case a.Is6() && !bracketed:
		return errors.New("put an IPv6 address in brackets: [addr]:port")
	case a.Is4() && bracketed:
		return errors.New("an IPv4 address takes no brackets")
	}
	return errors.New("want ADDR:PORT, e.g. 0.0.0.0:2222 or [::]:2222")
}

func parseCount(flag, s string, max int) (int, error) {
	n, ok := digits(strings.TrimSpace(s))
	if !ok || n < 1 || n > uint64(max) {
		return 0, usagef("%s %q: want a whole number from 1 to %d", flag, s, max)
	}
	return int(n), nil
}

// parseSeconds reads plain decimal seconds, "10" or "2.5": the syntax
// -c and the ports share (digits, here with one optional fraction), not
// Go's float syntax ("1_0", "0x1p3", "1e1").
func parseSeconds(flag, s string) (time.Duration, error) {
	whole, frac, _ := strings.Cut(strings.TrimSpace(s), ".")
	_, wholeOK := digits(whole)
	_, fracOK := digits(frac)
	if !wholeOK || strings.Contains(s, ".") && !fracOK {
		return 0, usagef("%s %q: want seconds from %g to %d, e.g. 10 or 2.5", flag, s, MinSeconds, MaxSeconds)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || v < MinSeconds || v > MaxSeconds {
		return 0, usagef("%s %q: want seconds from %g to %d, e.g. 10 or 2.5", flag, s, MinSeconds, MaxSeconds)
	}
	return time.Duration(math.Round(v * float64(time.Second))), nil
}

// digits parses s as ASCII decimal digits only (no sign, no spaces inside,
// no base prefix or underscores); values beyond 19 digits are refused.
func digits(s string) (uint64, bool) {
	if s == "" || len(s) > 19 {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + uint64(s[i]-'0')
	}
	return n, true
}

// checkIdentity makes sure --user, --group and --chroot name things that
// exist, so a typo fails at once rather than after the listeners are bound.
func checkIdentity(c *Config, r *raw) error {
	if r.user.set {
		u, err := LookupUser(c.User)
		if err == nil {
			if c.UID, err = ParseID(u.Uid); err == nil {
				c.GID, err = ParseID(u.Gid)
			}
		}
		if err != nil {
			return usagef("-u/--user %q: %v", c.User, err)
		}
	}
	if r.group.set {
		g, err := LookupGroup(c.Group)
		if err == nil {
			c.GID, err = ParseID(g.Gid)
		}
		if err != nil {
			return usagef("-g/--group %q: %v", c.Group, err)
		}
	}
	if r.chroot.set {
		if !filepath.IsAbs(c.Chroot) {
			return usagef("--chroot %q: want an absolute path", c.Chroot)
		}
		fi, err := os.Stat(c.Chroot)
		if err != nil {
			return usagef("--chroot %q: %v", c.Chroot, errors.Unwrap(err))
		}
		if !fi.IsDir() {
			return usagef("--chroot %q: not a directory", c.Chroot)
		}
	}
	return nil
}

// MaxID is the largest user or group ID: 4294967295 is (uid_t)-1, which
// setresuid(2) and setresgid(2) take as "leave unchanged".
const MaxID = 1<<32 - 2

// ParseID reads a numeric user or group ID, 0 to MaxID.
func ParseID(s string) (int, error) {
	n, ok := digits(s)
	if !ok || n > MaxID {
		return 0, fmt.Errorf("ID %s is not a number from 0 to %d", quoteArg(s), MaxID)
	}
	return int(n), nil
}

// LookupUser finds a user by name or numeric ID.
func LookupUser(s string) (*user.User, error) {
	if s == "" {
		return nil, errors.New("empty user name")
	}
	if _, ok := digits(s); ok {
		if _, err := ParseID(s); err != nil {
			return nil, err
		}
		if u, err := user.LookupId(s); err == nil {
			return u, nil
		}
		return &user.User{Uid: s, Gid: s, Username: s}, nil
	}
	u, err := user.Lookup(s)
	if err != nil {
		return nil, errors.New("no such user")
	}
	return u, nil
}

// LookupGroup finds a group by name or numeric ID.
func LookupGroup(s string) (*user.Group, error) {
	if s == "" {
		return nil, errors.New("empty group name")
	}
	if _, ok := digits(s); ok {
		if _, err := ParseID(s); err != nil {
			return nil, err
		}
		return &user.Group{Gid: s, Name: s}, nil
	}
	g, err := user.LookupGroup(s)
	if err != nil {
		return nil, errors.New("no such group")
	}
	return g, nil
}
