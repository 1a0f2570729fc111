# Thin wrapper over CMake presets. `make demo` and `make test` are the
# Quickstart; both install missing Debian packages first.
JOBS ?= $(shell nproc)
BUILD_DIR := build

.PHONY: deps configure build demo test bench clean format-check

deps:
	@tools/scripts/install-deps.sh

$(BUILD_DIR)/build.ninja: CMakeLists.txt
	cmake --preset default

configure: deps
	cmake --preset default

build: deps $(BUILD_DIR)/build.ninja
	cmake --build --preset default -j $(JOBS)

demo: build
	$(BUILD_DIR)/bin/bridgework demo --out out/demo

test: build
	ctest --preset default -j $(JOBS)

# Benchmarks: the map proposer's accuracy on the labelled set
# (bench/proposer; docs/proposer.md).
bench: deps $(BUILD_DIR)/build.ninja
	cmake --build --preset default -j $(JOBS) --target proposer_bench sample_bench
	$(BUILD_DIR)/bin/proposer_bench
	$(BUILD_DIR)/bin/sample_bench

format-check:
	@tools/scripts/check-format.sh

clean:
	rm -rf $(BUILD_DIR) out
