#!/usr/bin/env bash
# Prints cargo's target directory for this workspace, as cargo itself
# resolves it (CARGO_TARGET_DIR, build.target-dir in a cargo config, or
# ./target), so the Makefile and tools/*.sh find the binaries cargo built
# wherever a shared target directory puts them.
#
# usage: tools/target-dir.sh   (CARGO=/path/to/cargo to use another cargo)
set -euo pipefail
cd "$(dirname "$0")/.."
"${CARGO:-cargo}" metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])'
