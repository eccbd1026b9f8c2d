#!/usr/bin/env bash
# Installs the Debian packages mailsim needs to build, run and test, only those missing.
# Used by `make run` and `make test`; `setup.sh bench` adds what the benchmarks compare
# against (Postfix's smtp-source and smtp-sink). Safe to run again. Needs root or sudo.
set -eu

pkgs=(
    build-essential cmake pkg-config clang
    libssl-dev libcjson-dev librnp-dev libssh-dev
    libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev
    fontconfig libfontconfig-dev fonts-noto-cjk
    tshark python3 swaks msmtp mpop curl
    python3-jsonschema
    xvfb xdotool valgrind
)
if [ "${1:-}" = "bench" ]; then
    pkgs+=(postfix time)
fi

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "mailsim setup: installing missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
else
    echo "mailsim setup: these packages are missing and I am not root and have no sudo:" >&2
    echo "    apt-get install ${missing[*]}" >&2
    echo "Ask an administrator to run that line, then try again." >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; the answer does not matter to us.
echo "wireshark-common wireshark-common/install-setuid boolean false" | "${sudo[@]}" debconf-set-selections
# Postfix is wanted only for its test tools: no mail configuration, no running server.
echo "postfix postfix/main_mailer_type select No configuration" | "${sudo[@]}" debconf-set-selections
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
