module github.com/tarssh/tarssh

go 1.26.0

require (
	github.com/spf13/pflag v1.1.0
	golang.org/x/sys v0.50.0
)

require github.com/coreos/go-systemd/v22 v22.7.0
