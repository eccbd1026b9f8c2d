#!/usr/bin/env bash
# fresh-install.sh FRESH_DEBIAN: the README's commands on a brand-new Debian 12, then the package
# they build installed on another brand-new Debian 12 that has nothing else of ours.
#   1. In the first new system (fresh-debian clones this checkout's HEAD): make test, make run
#      without a display, make package. The system is kept long enough to take the .deb out.
#   2. A scratch git repository holding only that .deb is cloned into a second new system, where
#      `apt-get install ./mailsim_*.deb` must bring every dependency, and the installed
#      /usr/bin/mailsim lists, checks and draws the bundled scenarios.
# Used by .ci/run; needs root (as fresh-debian does).
set -euo pipefail
fresh=${1:?usage: fresh-install.sh PATH/TO/fresh-debian}
fresh=$(cd "$(dirname "$fresh")" && pwd)/$(basename "$fresh")
cd "$(dirname "$0")/.."

log=$(mktemp /tmp/mailsim-fresh.XXXXXX.log)
scratch=$(mktemp -d /tmp/mailsim-deb-repo.XXXXXX)
kept=
cleanup() {
    [ -n "$kept" ] && [ -d "$kept" ] && rm -rf --one-file-system "$kept"
    rm -rf "$scratch"
}
trap cleanup EXIT

echo "fresh-install: 1/2 make test && make run && make package on a brand-new Debian 12"
set +e
bash "$fresh" -k -c "make test && LANG=C.UTF-8 make run </dev/null && make package" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
kept=$(sed -n 's/^fresh-debian: kept //p' "$log" | tail -1)
if [ "$rc" -ne 0 ]; then
    echo "fresh-install: the README's commands failed on a brand-new Debian 12 (exit $rc)"
    exit 1
fi
# make run without a display: the one-line fallback, then the transcript down to step ⑨.
if ! grep -q "No display found" "$log" || ! grep -q "^⑨ " "$log"; then
    echo "fresh-install: make run printed no headless transcript"
    exit 1
fi
debs=("$kept"/src/project/build/mailsim_*_amd64.deb)
if [ ! -f "${debs[0]}" ]; then
    echo "fresh-install: make package left no build/mailsim_*_amd64.deb"
    exit 1
fi
deb=$(basename "${debs[0]}")
cp "${debs[0]}" "$scratch/"
echo "fresh-install: $deb, $(stat -c %s "$scratch/$deb") bytes"
rm -rf --one-file-system "$kept"
kept=

git -C "$scratch" init -q
git -C "$scratch" add "$deb"
git -C "$scratch" -c user.name=ci -c user.email=ci@localhost commit -q -m "the package under test"

echo "fresh-install: 2/2 apt-get install ./$deb on another brand-new Debian 12"
bash "$fresh" -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ./$deb >/tmp/apt.log 2>&1 \
    || { tail -20 /tmp/apt.log; exit 1; }
  cd / && command -v mailsim && mailsim --version &&
  mailsim list && mailsim check nine-steps &&
  mailsim shot nine-steps --step 4 --out /tmp/s.png && test \$(stat -c %s /tmp/s.png) -gt 20000 &&
  echo 'fresh-install: the installed mailsim listed, checked and drew nine-steps'" "$scratch"
