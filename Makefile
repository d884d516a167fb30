# One command for each thing a developer or CI does. `make test` on a fresh
# clone installs the tools it needs (tools/bootstrap.sh) and runs everything.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

CARGO ?= cargo
# Package version, from the [package] section of Cargo.toml.
CARGO_VERSION := $(shell awk '/^\[package\]/{p=1;next} /^\[/{p=0} p && /^version *=/{gsub(/[" ]/,"",$$0); sub(/version=/,"",$$0); print; exit}' Cargo.toml)
VERSION ?= $(CARGO_VERSION)
# install and release build with this cargo profile (`make install CARGO_PROFILE=dev` is quicker).
CARGO_PROFILE ?= release
PROFILE_DIR := $(if $(filter dev test,$(CARGO_PROFILE)),debug,$(CARGO_PROFILE))
# Cargo's target directory as cargo resolves it (CARGO_TARGET_DIR, a cargo
# config, or ./target); evaluated only by the targets that need it.
TARGET_DIR = $(shell CARGO="$(CARGO)" bash tools/target-dir.sh)
PROVIDER_BIN = $(TARGET_DIR)/$(PROFILE_DIR)/terraform-provider-pypi
# Where `make install` unpacks the provider (Terraform's implied local mirror directory).
MIRROR_DIR ?= $(HOME)/.terraform.d/plugins
PYTHON := .tools/venv/bin/python
# tofusoup's own venv (its dependencies bring pytest plugins the Google-client suite should not load).
TOFUSOUP_PYTHON := .tools/tofusoup/bin/python

SOAK_SEEDS ?= 10

.PHONY: soak help tools build test test-rust test-conformance test-demo fmt-check clippy demo bench docs install release clean

help: ## List the targets.
	@awk 'BEGIN{FS=":.*## "} /^[a-z-]+:.*## /{printf "  make %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

tools: ## Install Terraform 1.15.5, 1.14.9, 1.13.5, 1.12.2, 1.0.3 and the Python test tools into .tools/ (idempotent).
	@bash tools/bootstrap.sh

build: ## Build the provider, the emulator and gen-docs (debug).
	$(CARGO) build --workspace --all-targets

test: tools fmt-check build test-rust test-conformance test-demo clippy test-fuzz-short ## Everything CI checks.
	@echo "make test: all checks passed"

test-rust: build ## cargo tests: unit, protocol, end-to-end, examples, docs, install.
	$(CARGO) test --workspace

test-conformance: tools build ## The emulator against Google's own clients; the provider against tofusoup's protocol client.
	@if [ -d tests/conformance ]; then \
		$(PYTHON) -m pytest -q tests/conformance --ignore=tests/conformance/test_tofusoup_protocol.py; \
		CARGO="$(CARGO)" $(TOFUSOUP_PYTHON) -m pytest -q tests/conformance/test_tofusoup_protocol.py; \
	else \
		echo "tests/conformance not present: skipped"; \
	fi

test-demo: tools build ## `make demo`, output kept in .tools/demo.log (printed on failure).
	@if bash tools/demo.sh >.tools/demo.log 2>&1; then \
		echo "make demo: passed (log in .tools/demo.log)"; \
	else \
		cat .tools/demo.log; echo "make demo: FAILED" >&2; exit 1; \
	fi

fmt-check: ## rustfmt, check only.
	$(CARGO) fmt --all -- --check

clippy: ## Lints, warnings are errors.
	$(CARGO) clippy --workspace --all-targets -- -D warnings

soak: build ## Longer fault soaks (not in `make test`): SOAK_SEEDS fault seeds of the 20-resource run, and the reliability suite.
	SOAK_SEEDS=$(SOAK_SEEDS) $(CARGO) test --test remote_auth_soak -- --nocapture
	$(CARGO) test --test remote_auth_reliability

demo: ## The quickstart against the local emulator, step by step.
	@bash tools/demo.sh

bench: tools ## Speed and memory from one run, written into BENCHMARKS.md (not in `make test`).
	@bash tools/bench.sh
	@bash tools/bench_round_trips.sh | tee .tools/bench-round-trips.md.new
	@mv .tools/bench-round-trips.md.new .tools/bench-round-trips.md
	@python3 tools/bench_record.py BENCHMARKS.md .tools

docs: ## Regenerate docs/ from the provider schema and examples/.
	$(CARGO) run --quiet --bin gen-docs

install: ## Unpack the provider into the filesystem mirror MIRROR_DIR for pypiauth/pypi.
	$(CARGO) build --profile $(CARGO_PROFILE) --bin terraform-provider-pypi
	@bash tools/install.sh --binary "$(PROVIDER_BIN)" --version $(CARGO_VERSION) --mirror "$(MIRROR_DIR)"

release: ## dist/ zip, manifest and SHA256SUMS for VERSION (must equal Cargo.toml's version).
	@if [ "$(VERSION)" != "$(CARGO_VERSION)" ]; then \
		echo "release: VERSION=$(VERSION) but Cargo.toml says $(CARGO_VERSION); bump Cargo.toml first" >&2; exit 1; \
	fi
	$(CARGO) build --profile $(CARGO_PROFILE) --bin terraform-provider-pypi
	@bash tools/release.sh --binary "$(PROVIDER_BIN)" --version $(VERSION) --out dist

clean: ## Remove build outputs, dist/ and the installed tools.
	$(CARGO) clean
	rm -rf dist .tools

# Fuzzing (fuzz/README.md). Needs the nightly toolchain; cargo-fuzz is
# installed pinned into .tools/cargo on first use.
.PHONY: fuzz test-fuzz test-fuzz-short
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := decode_msgpack decode_json_state pypi_token parse_import_id
CARGO_FUZZ_VERSION := 0.13.2
CARGO_FUZZ := .tools/cargo/bin/cargo-fuzz

$(CARGO_FUZZ):
	$(CARGO) install cargo-fuzz --version $(CARGO_FUZZ_VERSION) --locked --root .tools/cargo

fuzz: $(CARGO_FUZZ) ## Run each fuzz target for FUZZ_SECONDS (default 60) on nightly; crashes land in fuzz/artifacts/.
	@for target in $(FUZZ_TARGETS); do \
		mkdir -p fuzz/corpus/$$target; \
		echo "== fuzz $$target for $(FUZZ_SECONDS)s"; \
		(cd fuzz && PATH="$(CURDIR)/.tools/cargo/bin:$$PATH" $(CARGO) +nightly fuzz run $$target \
			corpus/$$target seeds/$$target -- -max_total_time=$(FUZZ_SECONDS) -timeout=10) || exit 1; \
	done

# Part of `make test`, last: with aws-lc gone from the build (ring only),
# the nightly sanitizer build of the fuzz crate takes about 6 minutes on 2
# cores from cold, and 30 s per target keeps the whole of `make test` under
# about 15 minutes. A crash fails the run (libFuzzer exits non-zero) and
# leaves its input in fuzz/artifacts/; `make fuzz` runs longer.
FUZZ_SHORT_SECONDS ?= 30
test-fuzz-short: ## A short libFuzzer run of every target (FUZZ_SHORT_SECONDS each, default 30); part of `make test`.
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SHORT_SECONDS)

test-fuzz: ## Replay fuzz/seeds and fuzz/regressions through the targets' checks (stable, fast).
	$(CARGO) test --test fuzz_replay
