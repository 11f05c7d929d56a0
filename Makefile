# Two commands on a fresh Debian machine with Swift:
#   make run    installs what is missing, builds in release mode, runs the main job
#   make test   installs what is missing, runs the tests
SWIFT ?= swift
RUN_ARGS ?= run clickstream --checkpoint-dir .state --checkpoint-interval 2s
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := librdkafka-dev pkg-config

.PHONY: deps test-deps build run test bench samples clean

## deps: install librdkafka-dev (and pkg-config) through apt when they are missing
deps:
	@command -v $(SWIFT) >/dev/null || { echo "error: '$(SWIFT)' is not on PATH; install Swift 6.1 or newer first" >&2; exit 1; }
	@if ! command -v pkg-config >/dev/null || ! pkg-config --exists rdkafka; then \
		echo "installing $(APT_PACKAGES) through apt"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi

## build: the release build of stream-job
build: deps
	$(SWIFT) build -c release --product stream-job

## run: the main job (clickstream) on its embedded default: an in-process Kafka fed with generated clicks; Ctrl-C stops it
run: build
	.build/release/stream-job $(RUN_ARGS)

## test-deps: also Chromium and its WebDriver, for the console page's browser test
test-deps: deps
	@if [ ! -x /usr/bin/chromedriver ] || ! command -v chromium >/dev/null; then \
		echo "installing chromium and chromium-driver through apt (the console's browser test)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

## test: every test (unit, samples, the built binary run as a child process, the console in a headless browser)
test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## bench: the runtime benchmark (median of 3 runs per figure)
bench: build
	.build/release/stream-job bench runtime

## samples: every sample, checked (the real-time windows sample paced: make RUN_ARGS="sample realtime --paced" run)
samples: build
	.build/release/stream-job sample all

clean:
	rm -rf .build
