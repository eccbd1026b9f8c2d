#!/usr/bin/env bash
# make.sh: the README's screenshots, made with `mailsim shot` (no display needed).
# Usage: docs/shots/make.sh [MAILSIM]   (default: build/app/mailsim)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../../build/app/mailsim}
"$bin" shot nine-steps --step 4 --lang ja --size 1920x1080 --out "$here/nine-steps-4-ja.png"
"$bin" shot nine-steps --step 8 --lang en --size 1920x1080 --out "$here/nine-steps-8-en.png"
"$bin" shot sniff-plaintext --step 1 --lang ja --size 1920x1080 --out "$here/sniff-plaintext-ja.png"
"$bin" shot open-relay --time 14 --lang ja --size 1920x1080 --out "$here/open-relay-ja.png"
"$bin" shot starttls-all-hops --step 2 --lang en --size 1920x1080 --out "$here/starttls-all-hops-en.png"
"$bin" shot smime --step 9 --lang ja --size 1920x1080 --out "$here/smime-9-ja.png"
echo "wrote $here/*.png"
