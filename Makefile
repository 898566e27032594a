# matchgate front door. Two commands matter (README.md):
#   make run    install what is missing, build the release preset, start the daemon
#   make test   install what is missing, build and run the whole suite:
#               formatting check, release tests, clang-tidy, ASan+UBSan tests, TSan tests of
#               the programs that run threads, a short run of every fuzz
#               target, benchmark gates
# Other targets: deps build bench bench-check fuzz tidy format format-check clean help.
# Programs land in build/bin/ (release), build-asan/bin/ (ASan+UBSan),
# build-tsan/bin/ (ThreadSanitizer) and build-fuzz/bin/ (fuzz targets).
#
# Knobs: JOBS (build parallelism, default nproc), CTEST_JOBS (tests run at
# once, default 1: end-to-end tests bind ports), CONFIG (for `make run`),
# BENCH_ARGS (passed to every benchmark by `make bench`; Google Benchmark
# flags such as --benchmark_min_time=0.05 suit the Google Benchmark programs
# only, so set it when those are the ones you run), FUZZ_SECONDS (time per
# fuzz target, default 30), FUZZ_TARGETS (default: all of fuzz/fuzz_*.cpp),
# TIDY_DIRS (what `make tidy` checks, default src tools).

SHELL := /bin/bash
.DEFAULT_GOAL := build
# Targets run one after another even under `make -j`: the parallelism is
# inside ninja, and the phases of `make test` have a meaningful order.
.NOTPARALLEL:

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CTEST_JOBS ?= 1
CONFIG ?= config/matchgate.toml
BENCH_ARGS ?=
FUZZ_SECONDS ?= 30
FUZZ_TARGETS ?=
# The whole tree (add tests bench) takes about 25 CPU-minutes with clang-tidy
# 14 (12-13 min on CI's 2 cores), beyond the phase's budget of about 6 min;
# src and tools take 9 CPU-minutes (about 4.5 min on 2 cores).
TIDY_DIRS ?= src tools
PHASE := scripts/phase.sh
FORMAT_DIRS := src include tests bench tools fuzz

.PHONY: help deps build run test release-build release-test release-test-other asan-build asan-test \
        tsan-build tsan-test fuzz-build fuzz bench bench-check tidy format format-check clean

help:
	@echo "make run          install deps, build (release preset), run build/bin/matchgated --config $(CONFIG)"
	@echo "make test         install deps, format check, release build + ctest, clang-tidy, ASan/UBSan build + ctest,"
	@echo "                  TSan build + ctest of the thread tests (make tsan-test), fuzz, benchmark gates"
	@echo "make tsan-test    install deps, TSan build of util_tests, wal_tests and matchgated, ctest --preset tsan,"
	@echo "                  then end-to-end suites of the release build against the TSan daemon"
	@echo "make build        install deps, build the release preset into build/"
	@echo "make bench        build, then run every build/bin/*_bench"
	@echo "make bench-check  build, then run every build/bin/*-gate (fails if a ratio is below its floor)"
	@echo "make tidy         build, then clang-tidy (.clang-tidy) over TIDY_DIRS (default src tools); fails on any finding"
	@echo "make fuzz         build the fuzz preset, run each fuzz target FUZZ_SECONDS (default 30); fails on a finding"
	@echo "make format       clang-format -i over $(FORMAT_DIRS)"
	@echo "make clean        remove build/, build-asan/, build-tsan/ and build-fuzz/"

deps:
	@$(PHASE) "dependencies" scripts/install-deps.sh

build: release-build

release-build: deps
	@$(PHASE) "release: configure" cmake --preset release
	@$(PHASE) "release: build" cmake --build --preset release -j$(JOBS)

release-test: release-build
	@$(PHASE) "release: tests" ctest --preset release -j$(CTEST_JOBS)

# The FIX end-to-end suites once more on the other network back end and
# idle strategy: release-test runs every daemon on io_uring (backend auto)
# with idle "wait"; this runs them on Asio with idle "spin"
# (tests/support/daemon.hpp: MATCHGATE_TEST_BACKEND, MATCHGATE_TEST_IDLE).
E2E_SUITES := SessionTest|SessionRulesTest|OrdersTest|OrdersRecyclingTest|RobustnessTest|MassCancel|DedupTest|QuickFixTest
release-test-other: release-build
	@$(PHASE) "release: e2e asio+spin" env MATCHGATE_TEST_BACKEND=asio MATCHGATE_TEST_IDLE=spin \
	  ctest --preset release -j$(CTEST_JOBS) -R '^($(E2E_SUITES))\.'

# clang-tidy with the committed .clang-tidy over the release build's
# compile_commands.json (and the FIX tables that build generates); any
# finding fails. scripts/tidy.sh finds clang-tidy or clang-tidy-14.
tidy: release-build
	@$(PHASE) "release: clang-tidy" env TIDY_JOBS=$(JOBS) scripts/tidy.sh $(TIDY_DIRS)

# The asan preset compiles with -O1 -g1 (line tables only), not
# RelWithDebInfo's -O2 -g: 2.5 times less compile CPU (26.5 of CI's 56 min
# went to this build), and ASan's reports keep their function names and
# lines.
asan-build: deps
	@$(PHASE) "asan: configure" cmake --preset asan
	@$(PHASE) "asan: build" cmake --build --preset asan -j$(JOBS)

asan-test: asan-build
	@$(PHASE) "asan: tests" ctest --preset asan -j$(CTEST_JOBS)

# The tsan preset builds only the test programs that run threads and the
# daemon (the build preset's target tsan_test_programs) and runs only their
# tests (label threads); TSAN_OPTIONS come from the test preset. Like the
# asan preset it compiles with -O1 -g1.
tsan-build: deps
	@$(PHASE) "tsan: configure" cmake --preset tsan
	@$(PHASE) "tsan: build" cmake --build --preset tsan -j$(JOBS)

# Then the gateway's threads together (network, engine shards over the SPSC
# rings, the log writer in group mode, the sealer, the admin server, the
# snapshot taker), which run only inside matchgated: the release build's
# end-to-end suites below drive the TSan build's daemon
# (tests/support/daemon.hpp: MATCHGATE_TEST_DAEMON). The daemon inherits
# TSAN_OPTIONS; the fixture fails a test whose daemon printed a
# ThreadSanitizer report.
TSAN_E2E_SUITES := OrdersTest|SessionTest|RobustnessTest|MassCancel|Controls|AdminSocket|TradingDay|DropCopyTest|DropCopyEndToEnd|Snapshots|Resend|CrashRecovery
TSAN_E2E_OPTIONS := halt_on_error=1 second_deadlock_stack=1
tsan-test: tsan-build release-build
	@$(PHASE) "tsan: tests" ctest --preset tsan -j$(CTEST_JOBS)
	@$(PHASE) "tsan: gateway e2e" env MATCHGATE_TEST_DAEMON=$(CURDIR)/build-tsan/bin/matchgated \
	  TSAN_OPTIONS="$(TSAN_E2E_OPTIONS)" ctest --preset release -j$(CTEST_JOBS) -R '^($(TSAN_E2E_SUITES))\.'

# libFuzzer targets (fuzz/README.md): only they and the modules they use are
# built, with clang, coverage, ASan and UBSan.
fuzz-build: deps
	@$(PHASE) "fuzz: configure" cmake --preset fuzz
	@$(PHASE) "fuzz: build" cmake --build --preset fuzz -j$(JOBS)

fuzz: fuzz-build
	@$(PHASE) "fuzz: run" scripts/fuzz.sh --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)

test: deps format-check release-test release-test-other tidy asan-test tsan-test fuzz bench-check

run: release-build
	@test -x build/bin/matchgated || { echo "make run: build/bin/matchgated was not built" >&2; exit 1; }
	@if [ "$(CONFIG)" = config/matchgate.toml ] && [ ! -f var/wal-sign-key.pem ]; then \
	  mkdir -p var && build/bin/matchgate-wal keygen --private var/wal-sign-key.pem \
	    --public var/wal-sign-key.pub.pem; fi
	exec build/bin/matchgated --config $(CONFIG)

bench: release-build
	@$(PHASE) "benchmarks" scripts/run-programs.sh bench build/bin -- $(BENCH_ARGS)

bench-check: release-build
	@$(PHASE) "benchmark gates" scripts/run-programs.sh gate build/bin

format:
	@scripts/install-deps.sh --only clang-format
	find $(FORMAT_DIRS) -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.cc' \) \
	  -print0 | xargs -0 -r clang-format -i

format-check:
	@scripts/install-deps.sh --only clang-format
	find $(FORMAT_DIRS) -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.cc' \) \
	  -print0 | xargs -0 -r clang-format --dry-run --Werror

clean:
	rm -rf build build-asan build-tsan build-fuzz
