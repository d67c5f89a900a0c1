module github.com/tarssh/tarssh/e2e/goold

go 1.26.0

require golang.org/x/crypto v0.55.0

require golang.org/x/sys v0.47.0 // indirect
