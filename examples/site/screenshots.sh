#!/usr/bin/env bash
# Headless-Chromium screenshots of the example site's pages, as a new user
# would see them: list, detail, tag, about (Handlebars), 404 and 500, and the
# 500 page in debug mode (PLATEN_DEBUG=true).
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
cargo build -q --manifest-path examples/Cargo.toml -p platen-example-site --bin platen-example-site
log=$(mktemp)
debug_log=$(mktemp)
profile=$(mktemp -d)
PLATEN_DEBUG=false "$CARGO_TARGET_DIR/debug/platen-example-site" --addr 127.0.0.1:0 >"$log" 2>/dev/null &
pid=$!
PLATEN_DEBUG=true "$CARGO_TARGET_DIR/debug/platen-example-site" --addr 127.0.0.1:0 >"$debug_log" 2>/dev/null &
debug_pid=$!
trap 'kill $pid $debug_pid 2>/dev/null || true; rm -rf "$log" "$debug_log" "$profile"' EXIT

# The base URL a server printed in its log file $1.
base_of() {
  for _ in $(seq 50); do grep -q http "$1" && break; sleep 0.1; done
  sed -n 's/^platen example site: \(http:[^ ]*\)$/\1/p' "$1"
}
base=$(base_of "$log")
debug_base=$(base_of "$debug_log")
[ -n "$base" ] && [ -n "$debug_base" ] || { echo "the site did not start" >&2; exit 1; }
echo "site at $base (debug: $debug_base)"

shot() {
  timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars --window-size=1200,900 \
    --screenshot="$out/$1.png" "${3:-$base}$2" >/dev/null 2>&1
  echo "$out/$1.png  <- ${3:-$base}$2"
}
shot list ""
shot detail "posts/escaping-script-tags/"
shot tag "tags/dtl/"
shot about "about/"
shot 404 "no/such/page"
shot 500 "broken/"
shot 500-debug "broken/" "$debug_base"
