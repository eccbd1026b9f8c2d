# The two commands of the README. Each installs what is missing (scripts/setup.sh), configures
# and builds with CMake, then runs the demo or the whole test suite.
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# CI builds with -Werror; locally a new compiler's new warning should not stop a lesson.
WERROR ?= $(if $(CI),ON,OFF)

.PHONY: all setup configure build run test package bench sanitize fuzz headless clean

all: build

setup:
	@bash scripts/setup.sh

configure: setup
	@cmake -S . -B $(BUILD) -DMAILSIM_WERROR=$(WERROR) $(CMAKE_ARGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@./$(BUILD)/app/mailsim

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The Debian package (CPack): build/mailsim_VERSION_amd64.deb, installed with
# `apt-get install ./build/mailsim_*.deb`.
package: build
	@cd $(BUILD) && cpack -G DEB >/dev/null && ls -1 $(CURDIR)/$(BUILD)/mailsim_*.deb

clean:
	rm -rf $(BUILD)

# Everything but the window (-DMAILSIM_GUI=OFF) in build-headless/: set up without any SDL,
# font or virtual-display package, build, and run every test that needs no window. CI runs it on
# a brand-new Debian 12 and checks that build-headless/app/mailsim links no SDL.
headless:
	@bash scripts/setup.sh headless
	@cmake -S . -B build-headless -DMAILSIM_GUI=OFF -DMAILSIM_WERROR=$(WERROR) $(CMAKE_ARGS) >/dev/null
	@cmake --build build-headless -j $(JOBS)
	@cd build-headless && ctest --output-on-failure -j $(JOBS)

# Benchmarks against real peers, side by side (installs Postfix's smtp-source and smtp-sink).
bench: build
	@bash bench/load.sh $(BUILD)
	@bash bench/live.sh $(BUILD)
	@bash bench/frames.sh $(BUILD)

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer (clang), in build-asan/.
# The load-100k expectation is left out: under ASan it takes minutes and gigabytes.
sanitize: setup
	@CC=clang cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMAILSIM_WERROR=ON \
	    -DCMAKE_C_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	    MAILSIM_TEST_LOAD=0 ctest --output-on-failure -j $(JOBS) -E "scenario_load-100k|valgrind"

# Every libFuzzer target (tests/fuzz/) for FUZZ_SECONDS each, one at a time, in build-fuzz/ (clang,
# AddressSanitizer, UndefinedBehaviorSanitizer). One summary line per target; new corpus entries
# and findings stay in build-fuzz/fuzz-work/. `make fuzz FUZZ_SECONDS=600` for a long run.
FUZZ_SECONDS ?= 60
fuzz: setup
	@CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAILSIM_FUZZ=ON -DMAILSIM_WERROR=ON \
	    -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target fuzz_targets
	@bash tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)
