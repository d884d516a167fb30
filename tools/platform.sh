# Sourced by install.sh and release.sh.

# The registry hosts a bare source address `pypiauth/pypi` means: Terraform
# resolves it to registry.terraform.io, OpenTofu to registry.opentofu.org, and
# each looks for that host's directory in a filesystem mirror.
# shellcheck disable=SC2034 # used by the scripts sourcing this file
registry_hosts=(registry.terraform.io registry.opentofu.org)

# Terraform's name for this machine's platform, e.g. linux_amd64.
tf_platform() {
    local os arch
    os="$(uname -s | tr '[:upper:]' '[:lower:]')"
    case "$(uname -m)" in
        x86_64 | amd64) arch=amd64 ;;
        aarch64 | arm64) arch=arm64 ;;
        i386 | i686) arch=386 ;;
        armv7l | armv6l) arch=arm ;;
        *) arch="$(uname -m)" ;;
    esac
    echo "${os}_${arch}"
}
