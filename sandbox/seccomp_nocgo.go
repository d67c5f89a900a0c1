//go:build linux && !cgo

package sandbox

import "fmt"

// applySeccomp: libseccomp needs cgo, and this tarssh was built without it.
func applySeccomp(bool, *Report) error {
	return fmt.Errorf("seccomp: %w (tarssh was built without cgo)", errUnavailable)
}
