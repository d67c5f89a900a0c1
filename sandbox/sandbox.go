// Package sandbox confines tarssh once it is listening: it drops root
// (--user, --group, --chroot) and takes away what the serving process has no
// use for, with whatever the operating system offers (Landlock and seccomp
// on Linux, pledge and unveil on OpenBSD, Capsicum on FreeBSD).
//
// A tarpit talks to hostile strangers all day; after start-up it needs only
// to accept, read, write and close on sockets it already holds. Apply is
// called once, after every descriptor the process will ever need is open,
// and reports what it actually put in force, so that the log says which
// layers hold on this system.
package sandbox

import (
	"os"
	"time"

	"github.com/tarssh/tarssh/config"
	"github.com/tarssh/tarssh/logging"
)

// Options says what to apply.
type Options struct {
	Mode     config.SandboxMode
	User     string // the user as given, for the log
	UID, GID int    // run as these IDs; -1: unchanged
	Chroot   string // chroot to this directory before dropping root
}

// FromConfig takes the options from tarssh's command line, whose user and
// group config has already looked up.
func FromConfig(c *config.Config) Options {
	o := Options{Mode: c.Sandbox, User: c.User, UID: -1, GID: -1, Chroot: c.Chroot}
	if c.User != "" {
		o.UID, o.GID = c.UID, c.GID
	}
	if c.Group != "" {
		o.GID = c.GID
	}
	return o
}

// Report is what Apply put in force.
type Report struct {
	Mode config.SandboxMode

	// Privilege drop: the user as given, the IDs now in force (real,
	// effective and saved; -1: unchanged) and the new root.
	User     string
	UID, GID int
	Chroot   string

	// Layers are the mechanisms in force, in the order applied.
	// Unavailable names those this system lacks (strict mode fails
	// instead).
	Layers      []Layer
	Unavailable []string
}

// Layer is one confinement mechanism in force and what it covers, e.g.
// {"landlock", "abi 7 (fs, tcp, scopes)"}.
type Layer struct{ Name, Detail string }

// Apply drops privileges and confines the process as opts ask. listeners
// are the sockets it will serve: some systems limit what may be done with
// them. On error the process must not go on serving: it may be partly
// confined, and was refused the confinement it asked for.
func Apply(opts Options, listeners []*os.File) (*Report, error) {
	r := &Report{Mode: opts.Mode, UID: -1, GID: -1, Chroot: opts.Chroot, User: opts.User}
	prepare()
	if err := apply(opts, ids{opts.UID, opts.GID}, listeners, r); err != nil {
		return r, err
	}
	return r, nil
}

// prepare makes the calls that Go's standard library makes lazily, on
// first use, and that the sandbox would refuse later.
func prepare() {
	// time.Local loads /etc/localtime (or $TZ) on first use.
	_, _ = time.Now().Zone()
}

// ids are the resolved --user and --group; -1 means unchanged.
type ids struct{ uid, gid int }

// PrivdropRecord is the "privdrop, enabled: ..." log line.
func (r *Report) PrivdropRecord() logging.Record {
	b := logging.New(logging.Info, "privdrop")
	if r.UID < 0 && r.GID < 0 && r.Chroot == "" {
		return b.Bool("enabled", false).Record()
	}
	b.Bool("enabled", true)
	if r.UID >= 0 {
		b.Str("user", r.User, "").Int("uid", int64(r.UID), "")
	}
	if r.GID >= 0 {
		b.Int("gid", int64(r.GID), "")
	}
	if r.Chroot != "" {
		b.Str("chroot", r.Chroot, "")
	}
	return b.Record()
}

// SandboxRecord is the "sandbox, enabled: ..." log line: the mode, each
// layer in force and each one missing.
func (r *Report) SandboxRecord() logging.Record {
	level := logging.Info
	if len(r.Unavailable) > 0 {
		level = logging.Warn
	}
	b := logging.New(level, "sandbox")
	if r.Mode == config.SandboxOff {
		return b.Bool("enabled", false).Str("mode", r.Mode.String(), "").Record()
	}
	b.Bool("enabled", len(r.Layers) > 0).Str("mode", r.Mode.String(), "")
	for _, l := range r.Layers {
		b.Str(l.Name, l.Detail, "")
	}
	for _, u := range r.Unavailable {
		b.Quote("unavailable", u, "")
	}
	return b.Record()
}
