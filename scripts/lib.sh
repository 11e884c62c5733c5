# Shared by the scripts: install what is missing (Debian, as root) and build.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}

# Packages to build and run the server and its tests.
# shellcheck disable=SC2034 # used by the scripts that source this file
BUILD_PACKAGES=(build-essential cmake pkg-config libevent-dev libmbedtls-dev libxml2-dev
    libhttp-parser-dev libjansson-dev libzint-dev zlib1g-dev check python3 curl openssl
    ca-certificates zbar-tools)
# Interpreters of the partner clients in tests/clients (e2e.test_clients).
# shellcheck disable=SC2034
CLIENT_PACKAGES=(ruby nodejs php-cli php-curl)

# The console's browser tests (tests/e2e/browser_*.py): headless Chromium driven by Selenium.
# shellcheck disable=SC2034
BROWSER_TEST_PACKAGES=(chromium chromium-driver python3-selenium)

missing_packages() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
    done
}

ensure_packages() {
    local missing
    mapfile -t missing < <(missing_packages "$@")
    ((${#missing[@]} == 0)) && return 0
    echo "==> installing ${missing[*]}" >&2
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || { echo "need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
        sudo=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# build [BUILD_DIR] [extra cmake args...]
build() {
    local dir=${1:-$BUILD_DIR}
    shift || true
    cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
    cmake --build "$dir" -j"$(nproc)" ${BUILD_TARGET:+--target "$BUILD_TARGET"}
}
