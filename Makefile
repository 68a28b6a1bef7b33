# Inlet — the two commands a user needs are `make run` and `make test` (see README.md).
# Everything else is installed and started by deploy/local/*.sh; nothing needs exporting by hand.
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(PATH):/opt/swift/usr/bin
ENV := source deploy/local/env.sh
INLET_DEBUG := .build/debug/inlet
# The tests get a broker of their own, restarted empty on every run, so they never fill the one `make run` uses.
TEST_KAFKA_PORT ?= 19092

.PHONY: run test build stack stop install bench bench-cel catalog fuzz-cel fuzz-receiver clean-state

## run: install what is missing, start the broker and PostgreSQL, create topics, run all five stages
run: stack
	$(ENV)
	swift build --product inlet
	$(INLET_DEBUG) topics create
	$(INLET_DEBUG) dev

## test: the same set-up, then every test (unit, integration, end to end) against the real broker and database
test:
	export INLET_KAFKA_PORT=$(TEST_KAFKA_PORT) INLET_FRESH_BROKER=1
	bash deploy/local/start.sh
	$(ENV)
	swift build --build-tests
	swift test --skip-build

build: install
	$(ENV)
	swift build --product inlet

install:
	bash deploy/local/install.sh

stack:
	bash deploy/local/start.sh

stop:
	bash deploy/local/stop.sh

## catalog: regenerate every file generated from the code (topic catalog, Strimzi topics and mapping ConfigMaps,
## configuration reference, model JSON Schemas); tests fail while one of them is stale
catalog: build
	$(ENV)
	env -u INLET_TOPIC_PARTITIONS $(INLET_DEBUG) topics catalog > topics/catalog.yaml  # the production catalog, not the local stack's one partition
	bash deploy/kubernetes/generate.sh $(INLET_DEBUG)
	$(INLET_DEBUG) config reference > docs/configuration.md
	$(INLET_DEBUG) models export docs/models

## bench: the pipeline benchmark with its baselines, in release mode
bench: stack
	$(ENV)
	bash Benchmarks/run-pipeline.sh

## bench-cel: the CEL engine against Google's C++ runtime on ../shared/bench/cel
bench-cel: install
	$(ENV)
	"$$INLET_VENV/bin/python" -c 'import cel_expr_python' 2>/dev/null || "$$INLET_VENV/bin/pip" install -q cel-expr-python==0.1.3
	bash Benchmarks/run-cel.sh

## clean-state: stop the stack and delete .inlet/ (venv, broker, database)
clean-state: stop
	rm -rf .inlet

## fuzz-cel: fuzz the CEL compiler and evaluator with libFuzzer for FUZZ_SECONDS (default 600)
fuzz-cel:
	bash Fuzz/run-cel-fuzz.sh $${FUZZ_SECONDS:-600}

## fuzz-receiver: fuzz the receiver's parsers (signature headers, bounded JSON, Twilio forms, Linear timestamp, batch
##   splitter, attribute reader) with libFuzzer, FUZZ_SECONDS (default 120) per target
fuzz-receiver:
	bash Fuzz/run-receiver-fuzz.sh $${FUZZ_SECONDS:-120}
