#!/usr/bin/env bash
# Headless-Chromium screenshots of the example site's pages, as a new user
# would see them: list, detail, about (Handlebars), 404 and 500.
#
#   bash examples/site/screenshots.sh [OUT_DIR]     # default /tmp/platen-site-shots
#
# Needs Debian's chromium (apt-get install -y chromium). Serves on
# 127.0.0.1 only and stops the server when done.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-/tmp/platen-site-shots}
mkdir -p "$out"
command -v chromium >/dev/null || { echo "chromium is missing: apt-get install -y chromium" >&2; exit 1; }

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
cargo build -q -p platen-example-site --bin platen-example-site
log=$(mktemp)
profile=$(mktemp -d)
"$CARGO_TARGET_DIR/debug/platen-example-site" --addr 127.0.0.1:0 >"$log" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$log" "$profile"' EXIT
for _ in $(seq 50); do grep -q http "$log" && break; sleep 0.1; done
base=$(sed -n 's/^platen example site: \(http:[^ ]*\)$/\1/p' "$log")
[ -n "$base" ] || { echo "the site did not start" >&2; exit 1; }
echo "site at $base"

shot() {
  timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars --window-size=1200,900 \
    --screenshot="$out/$1.png" "$base$2" >/dev/null 2>&1
  echo "$out/$1.png  <- $base$2"
}
shot list ""
shot detail "posts/escaping-script-tags/"
shot tag "tags/dtl/"
shot about "about/"
shot 404 "no/such/page"
shot 500 "broken/"
