#!/usr/bin/env bash
# Unpacks a provider binary into a filesystem mirror, in the "unpacked"
# layout Terraform and OpenTofu look for, once for each registry host the
# source address `pypiauth/pypi` resolves to (Terraform: registry.terraform.io,
# OpenTofu: registry.opentofu.org):
#   MIRROR/HOST/pypiauth/pypi/VERSION/OS_ARCH/terraform-provider-pypi_vVERSION
# Then a CLI config `provider_installation { filesystem_mirror { path = "MIRROR" } }`
# (or MIRROR = ~/.terraform.d/plugins, which Terraform searches by default)
# lets `terraform init` and `tofu init` install pypiauth/pypi offline.
#
# usage: tools/install.sh --binary PATH --version X.Y.Z --mirror DIR
set -euo pipefail
source "$(dirname "$0")/platform.sh"

binary="" version="" mirror=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --binary) binary="$2"; shift 2 ;;
        --version) version="$2"; shift 2 ;;
        --mirror) mirror="$2"; shift 2 ;;
        *) echo "install.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [[ -z "$binary" || -z "$version" || -z "$mirror" ]]; then
    echo "usage: tools/install.sh --binary PATH --version X.Y.Z --mirror DIR" >&2
    exit 2
fi
if [[ ! -x "$binary" ]]; then
    echo "install.sh: $binary is not an executable (build it first)" >&2
    exit 1
fi

for host in "${registry_hosts[@]}"; do
    dir="$mirror/$host/pypiauth/pypi/$version/$(tf_platform)"
    mkdir -p "$dir"
    # Copy then rename: a Terraform running meanwhile never sees half a binary.
    cp "$binary" "$dir/.terraform-provider-pypi_v$version.tmp"
    chmod 0755 "$dir/.terraform-provider-pypi_v$version.tmp"
    mv -f "$dir/.terraform-provider-pypi_v$version.tmp" "$dir/terraform-provider-pypi_v$version"
    echo "installed pypiauth/pypi $version into $dir"
done
