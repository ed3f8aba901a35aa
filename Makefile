# Thin wrapper over CMake presets. `make run` and `make test` are the two commands in README's quick start.
PRESET ?= dev
BUILD  := build/$(PRESET)
JOBS   ?= $(shell nproc)
ARGS   ?=

.PHONY: all deps test-deps build run test tsan bench format format-check tidy fuzz package package-deps package-check screenshots clean

# Threaded tests run under ThreadSanitizer by `make tsan` (CI): the engine's own hand-offs (rings, pool,
# channel cores, recorder/storage feeds) use standard primitives TSan sees; Qt-internal frames are
# suppressed in tests/tsan.supp, each with its reason.
TSAN_TESTS := tst_spsc_ring tst_worker_pool tst_channel_core tst_alarms tst_engine_storage tst_ingest_server tst_ingest_bridge tst_redis_publisher tst_redis_consumer

all: build

deps:
	@scripts/install-deps

test-deps:
	@scripts/install-deps --test
	@if [ -f tests/tools/package-lock.json ]; then \
	  if [ ! -d tests/tools/node_modules ] || [ tests/tools/package-lock.json -nt tests/tools/node_modules/.package-lock.json ]; then \
	    echo "npm: installing test tools (tests/tools)"; npm ci --prefix tests/tools --no-audit --no-fund --loglevel=error; fi; fi

$(BUILD)/CMakeCache.txt:
	cmake --preset $(PRESET)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: deps build
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ] && [ -z "$$QT_QPA_PLATFORM" ]; then \
	  echo "make run: no display found (DISPLAY/WAYLAND_DISPLAY unset), so the dashboard cannot open."; \
	  echo "  For headless recording use:  $(BUILD)/app/vibrascope record --source sim://a --db vibra.db --duration 10"; \
	  echo "  Or run the dashboard under a virtual display:  xvfb-run -a $(BUILD)/app/vibrascope"; \
	  exit 1; fi
	$(BUILD)/app/vibrascope $(ARGS)

test: test-deps build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

tsan: test-deps
	cmake --preset tsan
	cmake --build build/tsan -j $(JOBS) --target $(TSAN_TESTS) vibra-loadgen
	cd build/tsan && TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp halt_on_error=1 second_deadlock_stack=1 die_after_fork=0" \
	  ctest --output-on-failure -j $(JOBS) --timeout 900 -R '^($(shell echo $(TSAN_TESTS) | tr ' ' '|'))$$'

bench: deps build
	@scripts/run-benchmarks $(BUILD)

format:
	git ls-files '*.cpp' '*.h' | xargs clang-format -i

format-check:
	git ls-files '*.cpp' '*.h' | xargs clang-format --dry-run -Werror

tidy: build
	@scripts/tidy $(BUILD)

fuzz:
	@scripts/install-deps --fuzz
	@scripts/run-fuzzers $(FUZZ_SECONDS)

# The .deb comes from its own optimised build (preset release: build/release, no tests or benchmarks), configured
# every time so that the version follows `git describe`. Result: build/release/vibrascope_<version>_<arch>.deb
# and its -dbgsym .ddeb. `make package-check` also lints, installs, runs, removes and purges it (as root).
package: deps package-deps
	cmake --preset release
	cmake --build build/release -j $(JOBS)
	rm -f build/release/vibrascope_*.deb build/release/vibrascope-dbgsym_*.ddeb
	cd build/release && cpack -G DEB
	scripts/make-dbgsym build/release/vibrascope_*.deb build/release/app/vibrascope

package-deps:
	@scripts/install-deps --package

package-check:
	@scripts/package-check

screenshots: test-deps build
	scripts/screenshots $(BUILD)

clean:
	rm -rf build
