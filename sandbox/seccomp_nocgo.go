//go:build linux && !cgo

package sandbox

import "errors"

// applySeccomp: libseccomp needs cgo, and this tarssh was built without it.
func applySeccomp(bool, *Report) error {
	return errors.New("seccomp: unavailable (tarssh was built without cgo)")
}
