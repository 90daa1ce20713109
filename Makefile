# slotcache — build, run, test, benchmark.
GO       ?= go
BIN      := bin/slotcache
PORT     ?= 7379
DIR      ?= data
FUZZTIME ?= 60s
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
# Debian packages the tests and benchmarks drive (real peers and clients).
DEB_PKGS := redis-server redis-tools memcached libmemcached-tools nutcracker

.PHONY: all build run deps test test-short bench microbench fuzz lint clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/slotcache

# Builds and starts a local cluster (3 groups of master + replica on
# 127.0.0.1:7001-7006, proxy on 127.0.0.1:$(PORT)); foreground, Ctrl-C stops it.
run: build
	./$(BIN) up --dir $(DIR) --port $(PORT)

# Installs the peer servers and client tools the tests use (Debian).
deps:
	@missing=""; for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@# the packaged servers must not hold the default ports the tests and demos use
	@for s in redis-server memcached nutcracker; do (systemctl stop $$s >/dev/null 2>&1 || service $$s stop >/dev/null 2>&1) || true; done
	$(GO) mod download

test: deps
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 14m ./...
	SLOTCACHE_TEST_NO_EVENT_LOOP=1 $(GO) test -race -count=1 ./proxy/

test-short:
	$(GO) test -count=1 -short ./...

# Whole-system figures against the real peers, side by side in one run.
bench: deps build
	$(GO) run ./cmd/slotcache-bench

# Go micro-benchmarks of the hot paths.
microbench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Runs every fuzz target for FUZZTIME each.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

clean:
	rm -rf bin
