//go:build !linux

package tarpit

import "time"

// departed is not known here: gaps are not learned.
func departed(int) (time.Duration, bool) { return 0, false }
