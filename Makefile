# Thin wrapper over CMake presets. `make demo` and `make test` are the
# Quickstart; both install missing Debian packages first.
JOBS ?= $(shell nproc)
# Tests at a time: twice the cores. The suite mostly waits (on services,
# emulators' rate windows, the chaos harness's kills): at -j2 on 2 cores it
# used about 28 % of the CPU and took 5 min 22 s, at -j4 2 min 39 s (the
# longest test, chaos_test_highlevel, alone takes 2 min 39 s).
TEST_JOBS ?= $(shell echo $$(( $(JOBS) * 2 )))
BUILD_DIR := build

.PHONY: deps configure build demo test bench fuzz fuzz-build fuzz-smoke test-asan clean format-check k8s-check chaos tidy

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

# The whole suite through ctest, then CI's short fuzzing run (fuzz-smoke).
test: build
	ctest --preset default -j $(TEST_JOBS)
	$(MAKE) --no-print-directory fuzz-smoke

# deploy/k8s (docs/deploy.md "What k8s-check proves"): every overlay renders
# and validates offline, the validator's selftest, and the local overlay's
# manifests run as local processes through a migration. Also part of
# `make test` (ctest label k8s).
k8s-check: deps $(BUILD_DIR)/build.ninja
	cmake --build --preset default -j $(JOBS) --target k8s_manifest_test
	ctest --preset default -L '^k8s$$'

# Benchmarks (bench/; docs/benchmarks.md): built at -O2 in build-opt/ (the
# default build is -O1 to keep CI quick), each prints its table.
# BENCH_RECORDS: source records of the end-to-end runs (1000000 by
# default, about 6 minutes on 2 cores for its four runs; 2000000 is
# supported; `make bench BENCH_RECORDS=100000` for a quick look).
OPT_DIR := build-opt
BENCH_RECORDS ?= 1000000
bench: deps
	cmake --preset optimized
	cmake --build --preset optimized -j $(JOBS)
	$(OPT_DIR)/bin/proposer_bench
	$(OPT_DIR)/bin/sample_bench
	BRIDGEWORK_BIN_DIR=$(CURDIR)/$(OPT_DIR)/bin BRIDGEWORK_SOURCE_DIR=$(CURDIR) $(OPT_DIR)/bin/budget_bench
	$(OPT_DIR)/bin/micro_bench --benchmark_min_time=0.2 --benchmark_out=bench/results/micro.json --benchmark_out_format=json
	BRIDGEWORK_BIN_DIR=$(CURDIR)/$(OPT_DIR)/bin BRIDGEWORK_SOURCE_DIR=$(CURDIR) $(OPT_DIR)/bin/e2e_bench --records $(BENCH_RECORDS)

# Fuzzing (docs/fuzzing.md): builds the libFuzzer targets with clang,
# ASan and UBSan in build-fuzz/ (only the targets and the libraries they
# need) and runs each for FUZZ_SECONDS. Their corpora and regression
# inputs are also replayed by `make test` (ctest label fuzz).
FUZZ_DIR := build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= csv_reader json_reader map run_config freshsales pipedrive highlevel
fuzz: fuzz-build
	fuzz/run_fuzzers.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-build: deps
	cmake --preset fuzz
	cmake --build --preset fuzz -j $(JOBS) --target fuzzers

# CI's share of fuzzing, part of `make test`: the same build (about 3
# minutes on 2 cores: the generated protobuf code is not instrumented), then
# every target for FUZZ_SMOKE_SECONDS from its corpus, $(JOBS) at a time.
FUZZ_SMOKE_SECONDS ?= 10
fuzz-smoke: fuzz-build
	FUZZ_JOBS=$(JOBS) fuzz/run_fuzzers.sh $(FUZZ_DIR) $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)

# The whole test suite built with AddressSanitizer and UndefinedBehavior-
# Sanitizer (g++) in build-asan/: a full build of its own, so not part of
# `make test` or CI (docs/fuzzing.md has the measured time). Every binary
# the integration tests start is sanitized too; the first report fails the
# test that caused it.
ASAN_DIR := build-asan
ASAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tools/sanitizers/lsan.supp \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
test-asan: deps
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)
	$(ASAN_ENV) ctest --preset asan -j $(JOBS)

# The chaos harness (docs/reliability.md): migrations into each CRM emulator
# under injected faults while random services are SIGKILLed, then checked
# for 0 lost, 0 duplicated, reconcile and an exact rollback. CHAOS_KILLS=1000
# for the long one.
CHAOS_KILLS ?= 200
CHAOS_SEED ?= 1
chaos: build
	$(BUILD_DIR)/bin/bridgework-chaos --crm all --kills $(CHAOS_KILLS) \
	    --seed $(CHAOS_SEED) --work-dir out/chaos --report out/chaos/report.json

format-check:
	@tools/scripts/check-format.sh

# clang-tidy on the C++ sources changed since TIDY_BASE (a report; too slow
# for the whole tree in CI: docs/adr/2026-11-24-clang-tidy-on-changed-files.md).
TIDY_BASE ?= HEAD~1
tidy: $(BUILD_DIR)/build.ninja
	@tools/scripts/tidy.sh $(TIDY_BASE)

clean:
	rm -rf $(BUILD_DIR) $(OPT_DIR) $(FUZZ_DIR) $(ASAN_DIR) out
