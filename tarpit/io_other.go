//go:build !linux

package tarpit

import "golang.org/x/sys/unix"

func rawRead(fd int, p []byte) (int, error)  { return unix.Read(fd, p) }
func rawWrite(fd int, p []byte) (int, error) { return unix.Write(fd, p) }
