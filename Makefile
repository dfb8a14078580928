# charmts: `make demo` and `make test` are all a fresh Debian machine needs.
SHELL := /bin/bash
NP ?= 2

# mpirun refuses to run as root unless told; only the make targets and the
# test harness say so, never the library.
ifeq ($(shell id -u),0)
export OMPI_ALLOW_RUN_AS_ROOT := 1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM := 1
SUDO :=
else
SUDO := sudo
endif
MPIRUN := mpirun --oversubscribe --bind-to none
# Node as charmrun starts each PE, with its options (CHARMTS_NODE_OPTIONS
# replaces them) from lib/launcher/nodeOptions.ts, which says why; read
# when a recipe runs, once the build is there.
NODE = node $(shell node -p "require('./dist/lib/launcher/nodeOptions.js').peNodeOptions().join(' ')")

ADDON := build/Release/charmts_mpi.node
TS_SOURCES := $(shell find lib test examples bench -name '*.ts' 2>/dev/null) tsconfig.json

.PHONY: all deps test-deps build demo test bench bench-deps browser-deps screenshots docs clean jacobi2d migration leanmd nqueens channels wave2d soak test-multihost trace-screenshot

all: build

# Open MPI from Debian when mpicc or mpirun is missing.
deps: node_modules/.installed
	@if ! command -v mpicc >/dev/null || ! command -v mpirun >/dev/null; then \
	  echo "Installing Open MPI (openmpi-bin, libopenmpi-dev)"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q openmpi-bin libopenmpi-dev; \
	fi

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

build: deps $(ADDON) dist/.built

$(ADDON): $(wildcard binding/*.cc binding/*.h) binding.gyp | deps
	npx node-gyp rebuild --loglevel=warn

dist/.built: $(TS_SOURCES) node_modules/.installed
	npx tsc -p .
	@touch $@

demo: build
	$(MPIRUN) -np 2 $(NODE) dist/examples/hello/hello.js

# Examples: make jacobi2d NP=4 [ARGS="256 4 200 +balancer GreedyLB"]
jacobi2d: build
	$(MPIRUN) -np $(NP) $(NODE) dist/examples/jacobi2d/jacobi2d.js $(ARGS)

migration: build
	$(MPIRUN) -np $(NP) $(NODE) dist/examples/migration/migration.js $(ARGS)

leanmd: build
	$(MPIRUN) -np $(NP) $(NODE) dist/examples/leanmd/leanmd.js $(ARGS)

channels: build
	$(MPIRUN) -np $(NP) $(NODE) dist/examples/channels/channels.js $(ARGS)

nqueens: build
	$(MPIRUN) -np $(NP) $(NODE) dist/examples/nqueens/nqueens.js $(ARGS)

# The wave equation shown live in the browser: open the URL it prints.
# make wave2d NP=2 [PORT=8080] [ARGS="0 30 800 600"]
PORT ?= 8080
wave2d: build
	$(MPIRUN) -np $(NP) $(NODE) dist/examples/wave2d/wave2d.js $(ARGS) +liveview $(PORT)

test: build browser-deps test-deps
	node dist/test/run.js

# What only the tests use: tmux (the console test drives a terminal) and
# iproute2 (the multi-host test makes network namespaces).
test-deps:
	@command -v ip >/dev/null || DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q iproute2 || echo "iproute2 missing: the multi-host test will be skipped"
	@command -v tmux >/dev/null || { echo "Installing tmux (the console test drives a terminal)"; DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q tmux; }

# Debian's Chromium for the live view's browser test (driven by
# playwright-core, which never downloads a browser of its own). Without
# it that test is skipped, saying why.
# Refreshes the screenshots in docs/ (test runs write theirs under dist/screenshots/).
screenshots: build browser-deps
	CHARMTS_SCREENSHOTS=docs node dist/test/run.js liveview.test

browser-deps:
	@command -v chromium >/dev/null || { echo "Installing Chromium (chromium) for the live-view browser test"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium >/dev/null; } \
	  || echo "chromium could not be installed: the live-view browser test will be skipped"

# Just the multi-host test (network namespaces; needs root and iproute2).
test-multihost: build test-deps
	node dist/test/run.js multihost

BENCH_C := $(patsubst bench/c/%.c,bench/c/bin/%,$(wildcard bench/c/*.c))

bench/c/bin/%: bench/c/%.c bench/c/common.h | deps
	@mkdir -p bench/c/bin
	mpicc -O2 -o $@ $<

# mpi4py is an optional baseline: installed when possible, skipped otherwise.
bench-deps:
	@/usr/bin/python3 -c 'import mpi4py, numpy' 2>/dev/null || DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q python3-mpi4py python3-numpy >/dev/null 2>&1 || echo "mpi4py could not be installed: its baseline will be skipped"
	@# Charm4py's jacobi2d compiles its kernel with numba when it can (its venv sees Debian's packages).
	@[ ! -x $${ANCHORS:-/tmp/anchors}/venv/bin/python ] || /usr/bin/python3 -c 'import numba' 2>/dev/null || DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q python3-numba >/dev/null 2>&1 || echo "numba could not be installed: Charm4py's jacobi2d will run its interpreted kernel"

# Charm++ and Charm4py columns when they are built in /tmp/anchors (or ANCHORS);
# BENCH="pingpong idle" runs only those sections (see bench/runner.ts).
bench: build bench-deps $(BENCH_C)
	node dist/bench/runner.js $(BENCH)

# Minutes of one PE flooding another: memory must stay flat (back-pressure).
SECONDS ?= 120
soak: build
	$(MPIRUN) -np 2 node dist/bench/soak.js $(SECONDS)

# docs/trace.png: a +trace file in headless Chromium (Debian's package,
# driven by playwright-core, which never downloads a browser of its own).
trace-screenshot: build browser-deps
	$(MPIRUN) -np 2 $(NODE) dist/examples/jacobi2d/jacobi2d.js 32 2 6 +trace dist/trace-example.json
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 node dist/test/tools/traceScreenshot.js dist/trace-example.json docs/trace.png

docs: deps
	npx typedoc

clean:
	rm -rf build dist docs/api bench/results
