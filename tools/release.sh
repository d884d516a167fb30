#!/usr/bin/env bash
# Packs a provider binary the way Terraform registries and mirrors expect:
#   OUT/terraform-provider-pypi_VERSION_OS_ARCH.zip   (holds terraform-provider-pypi_vVERSION)
#   OUT/terraform-provider-pypi_VERSION_manifest.json (copy of terraform-registry-manifest.json)
#   OUT/terraform-provider-pypi_VERSION_SHA256SUMS    (covers the zips and the manifest)
#   OUT/mirror/HOST/pypiauth/pypi/terraform-provider-pypi_VERSION_OS_ARCH.zip
#       the same zip in a filesystem mirror's packed layout, for each registry
#       host (registry.terraform.io for Terraform, registry.opentofu.org for OpenTofu)
#
# usage: tools/release.sh --binary PATH --version X.Y.Z --out DIR
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/tools/platform.sh"

binary="" version="" out=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --binary) binary="$2"; shift 2 ;;
        --version) version="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        *) echo "release.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [[ -z "$binary" || -z "$version" || -z "$out" ]]; then
    echo "usage: tools/release.sh --binary PATH --version X.Y.Z --out DIR" >&2
    exit 2
fi
if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
    echo "release.sh: '$version' is not a semantic version X.Y.Z" >&2
    exit 2
fi
if [[ ! -x "$binary" ]]; then
    echo "release.sh: $binary is not an executable (build it first)" >&2
    exit 1
fi

name="terraform-provider-pypi_${version}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

cp "$binary" "$stage/terraform-provider-pypi_v${version}"
chmod 0755 "$stage/terraform-provider-pypi_v${version}"
zip_path="$out/${name}_$(tf_platform).zip"
rm -f "$zip_path"
# Python's zipfile keeps the execute bit; no zip tool needed.
(cd "$stage" && python3 -m zipfile -c "$zip_path" "terraform-provider-pypi_v${version}")
cp "$root/terraform-registry-manifest.json" "$out/${name}_manifest.json"

# Every zip of this version (other platforms may have been added to OUT) plus the manifest.
(cd "$out" && sha256sum "${name}"_*.zip "${name}_manifest.json" >"${name}_SHA256SUMS")
for host in "${registry_hosts[@]}"; do
    mkdir -p "$out/mirror/$host/pypiauth/pypi"
    cp "$zip_path" "$out/mirror/$host/pypiauth/pypi/"
done

echo "release $version:"
sed 's/^/  /' "$out/${name}_SHA256SUMS"
echo "filesystem mirror (packed layout) for Terraform and OpenTofu: $out/mirror"
