# tarssh: `make run` serves on 0.0.0.0:2222 in the foreground; `make test`
# runs every test CI runs. Both install what they need on Debian when run as
# root, and otherwise say what to install.

GO       ?= go
PREFIX   ?= /usr/local
DESTDIR  ?=
BIN      := bin/tarssh
PKGS     := ./...
# Debian packages the tests use: real SSH clients to trap.
TEST_DEBS := openssh-client python3-paramiko dropbear-bin putty-tools strace util-linux mount

export GOFLAGS := -trimpath

# On Linux the sandbox needs libseccomp, so the build uses cgo and links
# statically (libseccomp.a from Debian's libseccomp-dev): the binary then
# runs with no library at all in an empty root (--chroot, RootDirectory=).
# Elsewhere the build needs no cgo.
ifeq ($(shell uname -s),Linux)
BUILD_ENV  := CGO_ENABLED=1
LDFLAGS    := -s -w -linkmode external -extldflags -static
BUILD_DEBS := gcc libc6-dev pkg-config libseccomp-dev
else
BUILD_ENV  := CGO_ENABLED=0
LDFLAGS    := -s -w
endif
# make cross: the other systems tarssh runs on, built without cgo.
CROSS := openbsd/amd64 freebsd/amd64 netbsd/amd64 darwin/arm64

.PHONY: all build run test unit bench install lint clean deps test-deps cross

all: build

build: deps
	$(BUILD_ENV) $(GO) build -tags osusergo,netgo -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/tarssh

run: build
	./$(BIN) -v

test: build test-deps
	$(GO) vet $(PKGS)
	TARSSH_BIN=$(CURDIR)/$(BIN) $(GO) test -race -count=1 $(PKGS)

bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./tarpit/

lint: deps
	$(GO) vet $(PKGS)
	@command -v staticcheck >/dev/null || $(GO) install honnef.co/go/tools/cmd/staticcheck@latest
	PATH="$$PATH:$$($(GO) env GOPATH)/bin" staticcheck $(PKGS)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt: the files above need formatting'; exit 1; }

install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/tarssh

clean:
	rm -rf bin .cache

# deps: Go, and on Linux a C toolchain and libseccomp from Debian.
deps:
	@command -v $(GO) >/dev/null || { echo "tarssh: Go 1.26 or newer is needed: https://go.dev/dl/"; exit 1; }
	@$(if $(BUILD_DEBS),./scripts/need-debs $(BUILD_DEBS))

# cross: vet and build for each system in CROSS, with cgo off.
cross: deps
	@set -e; for t in $(CROSS); do \
		echo "cross: $$t"; \
		CGO_ENABLED=0 GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) vet $(PKGS); \
		CGO_ENABLED=0 GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) build -tags osusergo,netgo -ldflags '-s -w' -o bin/tarssh-$${t%/*}-$${t#*/} ./cmd/tarssh; \
	done

# test-deps: the SSH clients the tests trap, from Debian.
test-deps:
	@./scripts/need-debs $(TEST_DEBS)
