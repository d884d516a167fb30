# Terraform's name for this machine's platform, e.g. linux_amd64 (sourced by
# install.sh and release.sh).
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
