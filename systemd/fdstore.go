package systemd

import "os"

// The fd store keeps every held client's socket, and one memfd of their
// state, in systemd while tarssh restarts (FDSTORE=1); the next tarssh gets
// them back with the listeners, told apart by these names in
// LISTEN_FDNAMES, and by what each descriptor turns out to be.
const (
	// ClientName is the FDNAME= of every stored client. It is one byte:
	// systemd passes all the names back in one environment string, which
	// Linux caps at 128 KiB, so each byte here costs thousands of clients
	// of capacity (see StoreCapacity).
	ClientName = "c"
	// StateName is the FDNAME= of the state memfd.
	StateName = "tarssh-state"
)

// MaxFDsPerMessage is how many descriptors one notify message may carry
// (the kernel's SCM_MAX_FD).
const MaxFDsPerMessage = 253

// maxEnvString is the longest environment string execve takes, its NUL
// included (Linux's MAX_ARG_STRLEN, 32 pages of 4 KiB).
const maxEnvString = 32 * 4096

// StoreCapacity is how many clients the store can give back: as many as
// fit, each as ":c", in the one LISTEN_FDNAMES string systemd builds for
// the next start beside the listeners' names (listenerNames) and the state
// memfd's. Past that, systemd could not start tarssh at all (execve would
// fail with E2BIG), so no more may be stored. limit, if positive, is the
// store's own size as systemd 254 and later tell it ($FDSTORE), less the
// state memfd's entry.
func StoreCapacity(listenerNames []string, limit int) int {
	used := len("LISTEN_FDNAMES=") + 1 + len(StateName) // "+1": the NUL
	for _, n := range listenerNames {
		used += len(n) + 1
	}
	n := (maxEnvString - used) / (len(ClientName) + 1)
	if limit > 0 {
		n = min(n, limit-1)
	}
	return max(n, 0)
}

// StoreLimit reads $FDSTORE, which systemd 254 and later set to
// FileDescriptorStoreMax= when the store is enabled: ok is false when it is
// set to 0 or is not a number (the store is off), limit is 0 when it is
// unset (systemd 253 and older, which do not say). It is removed from the
// environment.
func StoreLimit() (limit int, ok bool) {
	s, set := os.LookupEnv("FDSTORE")
	os.Unsetenv("FDSTORE")
	if !set {
		return 0, true
	}
	v, good := decimal(s, MaxPassed)
	return v, good && v > 0
}
