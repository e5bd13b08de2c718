# Derive: `make run` builds and starts the server with a demo image; `make test` runs every test.
SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
HOST ?= 127.0.0.1
PORT ?= 8080
DATA ?= ./derive-data
CLOUD ?= demo
DEMO_ID ?= samples/kleiber
SWIFT ?= swift
FUZZ_SECONDS ?= 60
IMAGE_FUZZ_SECONDS ?= 30
SOAK_SECONDS ?= 60
# Extra soak flags (e.g. --tolerate-unexplained-crashes 1 while chasing a crash; README, "Known problems").
SOAK_FLAGS ?=

.PHONY: run test deps test-deps build release fuzz fuzz-render fuzz-image soak sdk-compat console-test bench clean

# System libraries: libvips (and its headers) for rendering, SQLite headers for GRDB.
deps:
	@missing=""; \
	pkg-config --exists vips || missing="$$missing libvips-dev"; \
	command -v vipsheader >/dev/null || missing="$$missing libvips-tools"; \
	dpkg -s libsqlite3-dev >/dev/null 2>&1 || missing="$$missing libsqlite3-dev"; \
	command -v pkg-config >/dev/null || missing="$$missing pkg-config"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

test-deps: deps

build: deps
	$(SWIFT) build

# A static Swift runtime saves ~14 ms of dynamic linking per `derive` process (see BENCHMARKS.md).
RELEASE_FLAGS ?= -c release --static-swift-stdlib

release: deps
	$(SWIFT) build $(RELEASE_FLAGS) --product derive

run: release
	@bin=$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/derive; \
	$$bin upload TestImages/photo_12mp.jpg --public-id $(DEMO_ID) --data $(DATA) >/dev/null && \
	echo && echo "Open: http://$(HOST):$(PORT)/$(CLOUD)/image/upload/c_fill,w_300,h_200/v1/$(DEMO_ID).jpg" && echo && \
	DERIVE_CLOUD_NAME=$(CLOUD) exec $$bin serve --data $(DATA) --host $(HOST) --port $(PORT)

# The leak check counts libvips objects process-wide, so it runs alone after the main pass; then the
# server is soaked for SOAK_SECONDS (Scripts/soak.sh), the Cloudinary SDKs drive it (Scripts/sdk-compat.sh),
# headless Chromium drives the web console (Scripts/console-test.sh),
# the parser and the render path are fuzzed for
# FUZZ_SECONDS each and the decoders for IMAGE_FUZZ_SECONDS.
test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	DERIVE_LEAK_TEST=1 $(SWIFT) test --skip-build --filter LeakTests
	Scripts/soak.sh $(SOAK_SECONDS) $(SOAK_FLAGS)
	Scripts/sdk-compat.sh
	Scripts/console-test.sh
	Scripts/fuzz-transform.sh $(FUZZ_SECONDS)
	Scripts/fuzz-render.sh $(FUZZ_SECONDS)
	Scripts/fuzz-image.sh $(IMAGE_FUZZ_SECONDS)

fuzz:
	Scripts/fuzz-transform.sh $(FUZZ_SECONDS)

# The render path (transformations, client hints, formats) and the decoders under libFuzzer with ASan.
fuzz-render: deps
	Scripts/fuzz-render.sh $(FUZZ_SECONDS)

fuzz-image: deps
	Scripts/fuzz-image.sh $(IMAGE_FUZZ_SECONDS)

# The server on loopback for SOAK_SECONDS under mixed valid, hostile and signed requests while the CLI
# overwrites and deletes the same ids (Tests/Soak/soak.py; DERIVE_BIN picks the binary).
soak: deps
	$(SWIFT) build --product derive
	Scripts/soak.sh $(SOAK_SECONDS)

# The official Cloudinary Python SDK (current and 1.41.x) driving a real server (Tests/Compat).
sdk-compat: deps
	$(SWIFT) build --product derive
	Scripts/sdk-compat.sh

# The web console in headless Chromium (Selenium; Tests/Console); screenshots in .build/console-test/screenshots/.
console-test: deps
	$(SWIFT) build --product derive
	Scripts/console-test.sh

# package-benchmark suites (release build of the Benchmarks package); see BENCHMARKS.md.
bench: deps
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark

clean:
	rm -rf .build derive-data
