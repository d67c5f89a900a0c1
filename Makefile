# tarssh: `make run` serves on 0.0.0.0:2222 in the foreground; `make test`
# runs every test CI runs. Both install what they need on Debian when run as
# root, and otherwise say what to install.

GO       ?= go
PREFIX   ?= /usr/local
DESTDIR  ?=
BIN      := bin/tarssh
PKGS     := ./...
# Debian packages the tests use: real SSH clients to trap.
TEST_DEBS := openssh-client python3-paramiko dropbear-bin putty-tools strace

export GOFLAGS := -trimpath

.PHONY: all build run test unit bench install lint clean deps test-deps

all: build

build: deps
	CGO_ENABLED=0 $(GO) build -tags osusergo,netgo -ldflags '-s -w' -o $(BIN) ./cmd/tarssh

run: build
	./$(BIN) -v

test: build test-deps
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 $(PKGS)

bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./tarpit/

lint:
	$(GO) vet $(PKGS)
	@command -v staticcheck >/dev/null || $(GO) install honnef.co/go/tools/cmd/staticcheck@latest
	PATH="$$PATH:$$($(GO) env GOPATH)/bin" staticcheck $(PKGS)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt: the files above need formatting'; exit 1; }

install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/tarssh

clean:
	rm -rf bin .cache

# deps: Go is the only thing a build needs from outside.
deps:
	@command -v $(GO) >/dev/null || { echo "tarssh: Go 1.26 or newer is needed: https://go.dev/dl/"; exit 1; }

# test-deps: the SSH clients the tests trap, from Debian.
test-deps:
	@./scripts/need-debs $(TEST_DEBS)
