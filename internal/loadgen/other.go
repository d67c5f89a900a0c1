//go:build !linux

package loadgen

import (
	"context"
	"errors"
	"io"
	"net"
	"time"
)

var errLinuxOnly = errors.New("the load generator measures through Linux's /proc: Linux only")

func runWorker(workerSpec, io.Reader, io.Writer) error      { return errLinuxOnly }
func runPlainWorker(workerSpec, io.Reader, io.Writer) error { return errLinuxOnly }

// Run needs Linux.
func Run(Options) (*Report, error) { return nil, errLinuxOnly }

// Bare needs Linux.
func Bare(context.Context, *net.TCPListener, time.Duration) error { return errLinuxOnly }
