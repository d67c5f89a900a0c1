package config

import "strings"

// SandboxMode is how strictly tarssh confines itself after start-up
// (--sandbox). The zero value is the default, SandboxOn.
type SandboxMode uint8

// The sandbox modes.
const (
	// SandboxOn applies every layer the system offers and says in the log
	// which ones it could not.
	SandboxOn SandboxMode = iota
	// SandboxStrict refuses to start unless every layer is in force.
	SandboxStrict
	// SandboxLog applies every layer, but the system-call filter logs
	// (to the kernel audit log) what it would have killed, for staging.
	SandboxLog
	// SandboxOff applies no sandbox, for debugging; --user, --group and
	// --chroot still apply.
	SandboxOff
)

var sandboxModes = [...]string{"on", "strict", "log", "off"}

func (m SandboxMode) String() string {
	if int(m) < len(sandboxModes) {
		return sandboxModes[m]
	}
	return "?"
}

// parseSandbox reads a --sandbox value.
func parseSandbox(s string) (SandboxMode, error) {
	for i, name := range sandboxModes {
		if s == name {
			return SandboxMode(i), nil
		}
	}
	return 0, usagef("--sandbox %q: want one of %s", s, strings.Join(sandboxModes[:], ", "))
}
