# The two commands of the README. Each installs what is missing (scripts/setup.sh), configures
# and builds with CMake, then runs the demo or the whole test suite.
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# CI builds with -Werror; locally a new compiler's new warning should not stop a lesson.
WERROR ?= $(if $(CI),ON,OFF)

.PHONY: all setup configure build run test bench clean

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

clean:
	rm -rf $(BUILD)

# Benchmarks against real peers, side by side (installs Postfix's smtp-source and smtp-sink).
bench: build
	@bash bench/load.sh $(BUILD)
