//go:build !linux

package systemd

import "os"

// Store stores nothing outside Linux.
func (n *Notifier) Store(string, []int) (int, error) { return 0, errNoSystemd }

// StoreRemove does nothing and reports false.
func (n *Notifier) StoreRemove(string) bool { return false }

// NewStateFile fails: there is no fd store to keep it.
func NewStateFile() (*os.File, error) { return nil, errNoSystemd }

// IsStateFile reports false.
func IsStateFile(*os.File) bool { return false }
