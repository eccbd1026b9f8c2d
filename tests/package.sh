#!/usr/bin/env bash
# package.sh: `make package`'s Debian package, built by CPack into a scratch directory, holds
# the program, its data, the desktop entry, the icons and both manual pages; lintian finds no
# error in it, its desktop entry validates, and the program unpacked from it finds its data.
# A build without the window (MAILSIM_GUI=OFF) packages no desktop entry or icons, and its
# Depends name no SDL library and no font.
set -u
build=${1:?usage: package.sh BUILD_DIR}
build=$(cd "$build" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "package: FAILED: $*"; }

if ! (cd "$out" && cpack --config "$build/CPackConfig.cmake" -G DEB -B "$out" >"$out/cpack.log" 2>&1); then
    cat "$out/cpack.log"
    echo "package: cpack failed"; exit 1
fi
debs=("$out"/mailsim_*_amd64.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || { echo "package: no mailsim_VERSION_amd64.deb"; exit 1; }
deb=${debs[0]}
echo "package: $(basename "$deb"), $(stat -c %s "$deb") bytes"

gui=yes
if "$build/app/mailsim" --version | grep -q '^gui: no'; then
    gui=no
    echo "package: this mailsim was built without the window (MAILSIM_GUI=OFF): no desktop entry"
fi
window_files=(./usr/share/applications/mailsim.desktop
              ./usr/share/icons/hicolor/scalable/apps/mailsim.svg
              ./usr/share/icons/hicolor/16x16/apps/mailsim.png
              ./usr/share/icons/hicolor/48x48/apps/mailsim.png
              ./usr/share/icons/hicolor/256x256/apps/mailsim.png)
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/mailsim \
         ./usr/share/mailsim/scenarios/nine-steps.json \
         ./usr/share/mailsim/assets/strings/ja.json \
         ./usr/share/mailsim/assets/glossary.json \
         ./usr/share/man/man1/mailsim.1.gz \
         ./usr/share/man/ja/man1/mailsim.1.gz \
         ./usr/share/doc/mailsim/copyright \
         ./usr/share/doc/mailsim/changelog.gz; do
    if grep -qxF "$f" <<<"$contents"; then ok; else fail "the package lacks $f"; fi
done
for f in "${window_files[@]}"; do
    if [ $gui = yes ]; then
        if grep -qxF "$f" <<<"$contents"; then ok; else fail "the package lacks $f"; fi
    elif grep -qxF "$f" <<<"$contents"; then
        fail "the package of a build without the window holds $f"
    else
        ok
    fi
done

# Depends: the libraries found in the binary by dpkg-shlibdeps, and the font named by hand.
depends=$(dpkg-deb -f "$deb" Depends)
wanted=(libc6 libssl3 libcjson1 librnp0 libssh-4)
[ $gui = yes ] && wanted+=(libsdl2-2.0-0 libsdl2-ttf-2.0-0 fonts-noto-cjk)
for d in "${wanted[@]}"; do
    if grep -qE "(^|, )$d( |,|$)" <<<"$depends"; then ok; else fail "Depends lacks $d: $depends"; fi
done
if [ $gui = no ]; then
    if grep -qiE "sdl|fonts-|fontconfig" <<<"$depends"; then
        fail "Depends of a build without the window names SDL or a font: $depends"
    else
        ok
    fi
fi

# lintian: no E: line. Its warnings are printed for whoever reads the log.
lintian --no-tag-display-limit "$deb" >"$out/lintian.log" 2>&1
if grep -q '^E:' "$out/lintian.log"; then fail "lintian reports errors:"; grep '^E:' "$out/lintian.log"; else ok; fi
grep '^W:' "$out/lintian.log" | sed 's/^/package: lintian: /'

root="$out/root"
dpkg-deb -x "$deb" "$root"
# desktop-file-validate: no error and no warning. Its one hint is expected: the entry names two
# main categories, Education and Network, on purpose (a menu may list it under both).
if [ $gui = yes ]; then
    msg=$(desktop-file-validate "$root/usr/share/applications/mailsim.desktop" 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && ! grep -qE ': (error|warning):' <<<"$msg"; then ok; else fail "desktop-file-validate: $msg"; fi
    grep -E ': hint:' <<<"$msg" | sed 's/^.*: hint: /package: desktop-file-validate hint: /'
    if grep -qx 'Categories=Education;Network;.*' "$root/usr/share/applications/mailsim.desktop"; then ok; else fail "Categories lacks Education;Network"; fi
fi

# Both manual pages format without a warning from groff.
for page in man1/mailsim.1.gz ja/man1/mailsim.1.gz; do
    warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$root/usr/share/man/$page" 2>&1 >/dev/null)
    lines=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -E UTF-8 -l "$root/usr/share/man/$page" 2>/dev/null | wc -l)
    if [ -z "$warn" ] && [ "$lines" -gt 40 ]; then ok; else fail "man $page: $lines lines; $warn"; fi
done

# The unpacked program finds its data beside it (bin/../share/mailsim), with no variable set.
bin="$root/usr/bin/mailsim"
data=$(env -u MAILSIM_DATA_DIR "$bin" --version | sed -n 's/^data: //p')
if [ "$(cd "$data" 2>/dev/null && pwd -P)" = "$(cd "$root/usr/share/mailsim" && pwd -P)" ]; then
    ok
else
    fail "the packaged mailsim uses data from '$data'"
fi
if env -u MAILSIM_DATA_DIR "$bin" list --lang en | grep -q open-relay; then ok; else fail "list finds no bundled scenario"; fi
if env -u MAILSIM_DATA_DIR "$bin" check open-relay >/dev/null; then ok; else fail "check open-relay"; fi

echo "package: $passed passed, $failed failed"
[ $failed -eq 0 ]
