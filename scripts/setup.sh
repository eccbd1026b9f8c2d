#!/usr/bin/env bash
# Installs the Debian packages mailsim needs to build, run and test, only those missing.
# Used by `make run` and `make test`; `setup.sh bench` adds what the benchmarks compare
# against (Postfix's smtp-source and smtp-sink); `setup.sh headless` (`make headless`) leaves
# out the window's packages (SDL, fonts, the virtual display), for a build with
# -DMAILSIM_GUI=OFF. Safe to run again. Needs root or sudo.
# The list was found by running `make test` on a brand-new Debian 12 (../shared/tools/
# fresh-debian), not by reading the code: a package a used machine happens to have is hidden.
set -eu

pkgs=(
    # build
    build-essential cmake pkg-config clang
    clang-format                  # CI: every C file as .clang-format lays it out (format-check.sh)
    libssl-dev libcjson-dev librnp-dev libssh-dev
    # the tests' real peers: captures, mail clients, OpenPGP
    tshark python3 python3-jsonschema curl msmtp mpop valgrind
    swaks libnet-ssleay-perl      # swaks speaks TLS only through Net::SSLeay (a Recommends)
    gnupg                         # pgp_tools: gpg decrypts and verifies what mailsim made
    unzip                         # ppap_tools: Info-ZIP's unzip opens mailsim's protected ZIPs
    # make package and its test: dpkg-shlibdeps finds ELF files with file(1); the icon's PNG
    # sizes; lintian, the desktop entry's validator, and man to format the manual pages
    file librsvg2-bin lintian desktop-file-utils man-db
)
window=(
    # the window and `mailsim shot`: SDL2, and a Japanese-capable font found through fontconfig
    libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev
    fontconfig libfontconfig-dev fonts-noto-cjk
    # the window's tests under a virtual display
    xvfb xdotool
)
case "${1:-}" in
"") pkgs+=("${window[@]}") ;;
bench) pkgs+=("${window[@]}" postfix time) ;;
headless) ;;
*)
    echo "usage: setup.sh [bench|headless]" >&2
    exit 2
    ;;
esac

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "mailsim setup: installing ${#missing[@]} missing Debian packages: ${missing[*]}"
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
# apt's own lines go to a log; a failure shows its end.
log=${TMPDIR:-/tmp}/mailsim-setup.log
echo "mailsim setup: apt-get update and install (a few minutes on a new machine; log: $log)"
if ! { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
        </dev/null >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    echo "mailsim setup: apt-get failed; the whole log is $log" >&2
    exit 1
fi
echo "mailsim setup: done"
