# tarssh: `make run` serves on 0.0.0.0:2222 in the foreground; `make test`
# runs every test CI runs. Both install what they need on Debian when run as
# root, and otherwise say what to install.

GO       ?= go
PREFIX   ?= /usr/local
DESTDIR  ?=
BIN      := bin/tarssh
PKGS     := ./...
# Debian packages the tests use: real SSH clients to trap, and a real
# Prometheus (with promtool) to scrape tarssh.
TEST_DEBS := openssh-client python3-paramiko dropbear-bin putty-tools strace util-linux mount prometheus

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

.PHONY: all build run test bench bench-metrics install lint clean deps test-deps cross check-units e2e e2e-all deb e2e-deb

all: build

build: deps
	$(BUILD_ENV) $(GO) build -tags osusergo,netgo -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/tarssh

run: build
	./$(BIN) -v

test: build test-deps
	$(GO) vet $(PKGS)
	@# testreport is go test, then a list of every skipped test and its reason.
	TARSSH_BIN=$(CURDIR)/$(BIN) $(GO) run ./internal/testutil/testreport -race -count=1 $(PKGS)

# bench (about 15 minutes; 20 with BENCH_ROUNDS=4): the engine's scheduler
# on synthetic clients, then BENCH_N loopback clients held through the same
# plain client (a blocking reader per connection, as real clients) against
# tarssh (adaptive and classic pacing), endlessh (Debian's), the Rust
# tarssh 0.7.0 when built at RUST_TARSSH, and the bare tarpit (tarssh-load
# --bare: one byte to each client every delay and nothing else, what the
# kernel alone charges), interleaved over BENCH_ROUNDS rounds, with our
# ratio to each; then tarssh at 1,000 and 5,000 clients (the scaling curve),
# and once through the batch client (what loopback adds). Every tarpit at a
# 10 s delay.
BENCH_N      ?= 19500
BENCH_WINDOW ?= 20
BENCH_ROUNDS ?= 2
RUST_TARSSH  ?= /tmp/anchors/tarssh/target/release/tarssh
BENCH_LOGS   ?= /tmp/tarssh-bench
BENCH_LOAD   := ./bin/tarssh-load --window $(BENCH_WINDOW) --delay 10 --log-dir $(BENCH_LOGS)
BENCH_OURS   := --ours 'tarssh=$(BIN) -l 127.0.0.1:{port} -d 10 -c 200000' \
	--ours 'tarssh-classic=$(BIN) -l 127.0.0.1:{port} -d 10 -c 200000 --pacing classic'
bench: build
	$(GO) build -o bin/tarssh-load ./cmd/tarssh-load
	$(GO) test -run '^$$' -bench . -benchmem ./tarpit/
	@mkdir -p $(BENCH_LOGS)
	@./scripts/need-debs endlessh
	@if [ -x "$(RUST_TARSSH)" ]; then rust="rust-tarssh=$(RUST_TARSSH) -l 127.0.0.1:{port} -d 10 -c 200000"; \
	else echo "bench: the Rust tarssh is missing at RUST_TARSSH=$(RUST_TARSSH): compared without it"; rust=; fi; \
	$(BENCH_LOAD) -q -n $(BENCH_N) --rounds $(BENCH_ROUNDS) $(BENCH_OURS) \
		--other 'endlessh=endlessh -4 -p {port} -d 10000 -m 200000' $${rust:+--other "$$rust"} \
		--other 'bare=./bin/tarssh-load --bare 127.0.0.1:{port} --delay 10'
	@for n in 1000 5000; do $(BENCH_LOAD) -q -n $$n --rounds 1 --ours 'tarssh=$(BIN) -l 127.0.0.1:{port} -d 10 -c 200000'; done
	./bin/tarssh-load -q --window $(BENCH_WINDOW) -n $(BENCH_N) --client batch --tarpit $(BIN)

# bench-metrics (about 8 minutes): BENCH_N clients held without --metrics,
# with it unscraped and with it scraped, in one run (CPU per held client for
# each), and the time of scrapes made every 15 s while 20 idle connections
# sit on the metrics port.
bench-metrics: build
	N=$(BENCH_N) ./scripts/bench-metrics $(BIN)

lint: deps
	@$(GO) mod tidy -diff >/dev/null || { $(GO) mod tidy -diff; echo 'go.mod/go.sum are not tidy: run go mod tidy'; exit 1; }
	$(GO) vet $(PKGS)
	@command -v staticcheck >/dev/null || $(GO) install honnef.co/go/tools/cmd/staticcheck@latest
	PATH="$$PATH:$$($(GO) env GOPATH)/bin" staticcheck $(PKGS)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt: the files above need formatting'; exit 1; }

# install: the binary, the systemd units and the man page (both naming this
# PREFIX's paths), the empty directory the service uses as its root, and
# contrib's fail2ban filter and example jail, Grafana dashboard and
# Prometheus alert rules, in PREFIX/share/tarssh.
# It enables and starts nothing.
UNITDIR  ?= $(PREFIX)/lib/systemd/system
MANDIR   ?= $(PREFIX)/share/man
install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/tarssh
	install -d -m 0755 $(DESTDIR)$(PREFIX)/lib/tarssh/root
	install -d -m 0755 $(DESTDIR)$(UNITDIR)
	for u in tarssh.socket tarssh-metrics.socket tarssh.service; do \
		sed 's|/usr/local/|$(PREFIX)/|g' systemd/$$u >$(DESTDIR)$(UNITDIR)/$$u && chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -d -m 0755 $(DESTDIR)$(MANDIR)/man8
	sed 's|/usr/local/|$(PREFIX)/|g' tarssh.8 >$(DESTDIR)$(MANDIR)/man8/tarssh.8 && chmod 0644 $(DESTDIR)$(MANDIR)/man8/tarssh.8
	for f in fail2ban/filter.d/tarssh.conf fail2ban/jail.d/tarssh.local grafana/tarssh.json prometheus/tarssh-rules.yml; do \
		install -D -m 0644 contrib/$$f $(DESTDIR)$(PREFIX)/share/tarssh/$$f || exit 1; \
	done

# check-units: the units as installed must pass systemd-analyze verify, and
# the service's exposure score must stay at or below 0.2
# (systemd-analyze counts in tenths: SECURITY_MAX10 := 2 means 0.2).
SECURITY_MAX10 := 2
check-units:
	@./scripts/need-debs systemd
	@d=$$(mktemp -d) && trap 'rm -rf "$$d"' EXIT && \
	$(MAKE) -s install DESTDIR= PREFIX=$$d/usr >/dev/null && u=$$d/usr/lib/systemd/system && \
	systemd-analyze verify --man=no $$u/tarssh.socket $$u/tarssh-metrics.socket $$u/tarssh.service && \
	out=$$(systemd-analyze security --offline=yes --threshold=$(SECURITY_MAX10) $$u/tarssh.service) && \
	echo "$$out" | tail -1 || { echo "$$out"; echo "check-units: exposure above 0.$(SECURITY_MAX10)"; exit 1; }

# e2e: boot a real systemd in a Debian container and prove the units, socket
# activation, notify, watchdog, journal and hardening there (root only).
# The debootstrapped root is cached in E2E_CACHE and reused.
E2E_CACHE ?= /var/cache/tarssh-e2e
e2e: build
	@./scripts/need-debs debootstrap systemd-container util-linux procps python3
	./scripts/e2e $(E2E_CACHE)

# e2e-all: the same on each Debian release tarssh supports, debootstrapped
# from this machine's apt mirror (about two minutes the first time each).
E2E_SUITES ?= bookworm trixie
e2e-all: build
	@./scripts/need-debs debootstrap systemd-container util-linux procps python3
	@rc=0; for s in $(E2E_SUITES); do echo "e2e-all: $$s"; ./scripts/e2e $(E2E_CACHE) $$s || rc=1; done; exit $$rc

# e2e-deb: the Debian package in the same kind of container: install,
# serve, upgrade with clients held, remove, purge, nothing left; and the
# fail2ban filter against that run's journal and a console log (root only).
e2e-deb: deps
	@./scripts/need-debs debootstrap systemd-container util-linux procps python3 $(DEB_DEBS) fail2ban python3-systemd
	./scripts/e2e-deb $(E2E_CACHE)

# deb: the Debian package, ./tarssh_VERSION_ARCH.deb, built offline from
# debian/ with dpkg-buildpackage in a scratch copy of the tree and checked
# with lintian (scripts/build-deb). VERSION is config.Version, which
# debian/changelog must match.
DEB_DEBS := dpkg-dev debhelper lintian
deb: deps
	@./scripts/need-debs $(DEB_DEBS)
	./scripts/build-deb .

clean:
	rm -rf bin .cache tarssh_*.deb

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

# test-deps: the SSH clients the tests trap and Prometheus, from Debian.
test-deps:
	@./scripts/need-debs $(TEST_DEBS)
