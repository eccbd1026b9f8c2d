#!/usr/bin/env bash
# install.sh: `cmake --install` into a scratch prefix; the installed mailsim must find its
# scenarios and assets under share/mailsim, not in the source tree.
set -u
build=${1:?usage: install.sh BUILD_DIR}
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
failed=0
cmake --install "$build" --prefix "$prefix" >/dev/null || { echo "install: cmake --install failed"; exit 1; }
bin="$prefix/bin/mailsim"
data=$("$bin" --version | sed -n 's/^data: //p')
want=$(cd "$prefix/share/mailsim" && pwd -P)
got=$(cd "$data" 2>/dev/null && pwd -P)
if [ "$got" != "$want" ]; then
    echo "install: the installed mailsim uses data from '$data', want $want"; failed=1
fi
[ -f "$prefix/share/mailsim/scenarios/nine-steps.json" ] || { echo "install: scenarios missing"; failed=1; }
[ -f "$prefix/share/mailsim/assets/strings/ja.json" ] || { echo "install: assets missing"; failed=1; }
"$bin" list --lang en | grep -q nine-steps || { echo "install: list finds no scenario"; failed=1; }
"$bin" check nine-steps >/dev/null || { echo "install: check nine-steps failed"; failed=1; }
if [ $failed -eq 0 ]; then echo "install: 5 passed, 0 failed"; else echo "install: failed"; fi
exit $failed
