#!/usr/bin/env bash
# Load test of the blog list page (/) on loopback: the platen site (hyper +
# tower + platen-tower, DTL templates) against a peer serving the byte-
# identical page with axum + minijinja, in the same run, one after the other.
#
#   bash examples/site/loadtest.sh     # 3 rounds of 5 s each, 2 threads, 64 connections
#   ROUNDS=5 DURATION=10s CONNECTIONS=32 bash examples/site/loadtest.sh
#   CACHE=dummy bash examples/site/loadtest.sh   # the uncached site against minijinja
#
# CACHE (memory, the default, or dummy) is the fragment cache backend of the
# platen site compared with minijinja, set with PLATEN_CACHES__DEFAULT__BACKEND.
# A second platen site with the other backend is measured in the same
# rounds, so the cached (memory) and uncached (dummy) requests/s are both
# printed; COMPARE_CACHE=0 skips it.
#
# The servers are measured in alternation, ROUNDS times each, and the
# median round of each is reported, so that a burst of other work on the
# machine does not decide the comparison.
#
# Bounded in time, 127.0.0.1 only; both servers are stopped on exit. Needs
# wrk (apt-get install -y wrk). Not part of `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/../.."

duration=${DURATION:-5s}
rounds=${ROUNDS:-3}
threads=${THREADS:-2}
connections=${CONNECTIONS:-64}
cache=${CACHE:-memory}
compare_cache=${COMPARE_CACHE:-1}
case $cache in
  memory) other=dummy ;;
  dummy) other=memory ;;
  *) echo "CACHE must be memory or dummy, not '$cache'" >&2; exit 2 ;;
esac
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}

if ! command -v wrk >/dev/null; then
  echo "wrk is missing; installing it from Debian's packages" >&2
  apt-get install -y wrk >/dev/null
fi

cargo build -q --release --manifest-path examples/Cargo.toml -p platen-example-site --bin platen-example-site --bin platen-example-site-peer
bin=$CARGO_TARGET_DIR/release

logs=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$logs"
}
trap cleanup EXIT

# Starts server $1 (binary $2, default cache backend $3) on an ephemeral
# 127.0.0.1 port, in this shell (not a subshell), so that the trap knows
# its pid.
start() {
  env PLATEN_CACHES__DEFAULT__BACKEND="$3" "$2" --addr 127.0.0.1:0 >"$logs/$1.out" 2>"$logs/$1.err" &
  pids+=($!)
}

# The base URL server $1 printed once it listens.
url_of() {
  for _ in $(seq 100); do
    if grep -q 'http://' "$logs/$1.out"; then
      grep -o 'http://[^ ]*' "$logs/$1.out" | head -1
      return
    fi
    sleep 0.05
  done
  echo "$1 did not start: $(cat "$logs/$1.err")" >&2
  return 1
}

start platen "$bin/platen-example-site" "$cache"
start peer "$bin/platen-example-site-peer" "$cache"
platen_url=$(url_of platen)
peer_url=$(url_of peer)
other_url=
if [ "$compare_cache" != 0 ]; then
  start other "$bin/platen-example-site" "$other"
  other_url=$(url_of other)
fi

# The same page from all, cold and warm, or the comparison means nothing.
for url in "$platen_url" "$platen_url" $other_url $other_url; do
  if ! cmp -s <(curl -sf "$url") <(curl -sf "$peer_url"); then
    echo "the list pages of $url and the minijinja peer differ" >&2
    exit 1
  fi
done
bytes=$(curl -sf "$platen_url" | wc -c)

# One wrk run: prints "requests/s p99" (p99 in ms).
measure() {
  local url=$1 out
  # Warm up (compiles and caches templates), then measure.
  wrk -t"$threads" -c"$connections" -d2s "$url" >/dev/null
  out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency "$url")
  if grep -q 'Non-2xx' <<<"$out"; then echo "non-2xx responses from $url" >&2; echo "$out" >&2; exit 1; fi
  local rps p99
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; printf "%.2f", v}' <<<"$out")
  echo "$rps $p99"
}

echo "list page: $bytes bytes; $rounds alternating rounds of wrk -t$threads -c$connections -d$duration on 127.0.0.1, $(nproc) cores"
platen_runs=()
other_runs=()
peer_runs=()
for round in $(seq "$rounds"); do
  platen_runs+=("$(measure "$platen_url")")
  line="round $round: platen (cache $cache) ${platen_runs[-1]}"
  if [ -n "$other_url" ]; then
    other_runs+=("$(measure "$other_url")")
    line+="; platen (cache $other) ${other_runs[-1]}"
  fi
  peer_runs+=("$(measure "$peer_url")")
  echo "$line; minijinja ${peer_runs[-1]}  (requests/s p99-ms)"
done

# The median of column $1 over the lines on standard input.
median() { sort -n -k"$1" | awk -v c="$1" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'; }
platen_rps=$(printf '%s\n' "${platen_runs[@]}" | median 1)
platen_p99=$(printf '%s\n' "${platen_runs[@]}" | median 2)
peer_rps=$(printf '%s\n' "${peer_runs[@]}" | median 1)
peer_p99=$(printf '%s\n' "${peer_runs[@]}" | median 2)
printf '\n| server (median of %s rounds) | requests/s | p99 latency |\n|---|---:|---:|\n' "$rounds"
label() { if [ "$1" = memory ]; then echo "fragments cached in memory"; else echo "uncached, dummy cache"; fi; }
printf '| platen (hyper + tower + platen-tower, DTL; %s) | %.0f | %s ms |\n' "$(label "$cache")" "$platen_rps" "$platen_p99"
if [ -n "$other_url" ]; then
  other_rps=$(printf '%s\n' "${other_runs[@]}" | median 1)
  other_p99=$(printf '%s\n' "${other_runs[@]}" | median 2)
  printf '| platen (hyper + tower + platen-tower, DTL; %s) | %.0f | %s ms |\n' "$(label "$other")" "$other_rps" "$other_p99"
fi
printf '| axum + minijinja | %.0f | %s ms |\n' "$peer_rps" "$peer_p99"
awk -v a="$platen_rps" -v b="$peer_rps" -v c="$cache" 'BEGIN { printf "\nplaten (cache %s) / minijinja requests/s: %.2f\n", c, a / b }'
if [ -n "$other_url" ]; then
  if [ "$cache" = memory ]; then cached=$platen_rps uncached=$other_rps; else cached=$other_rps uncached=$platen_rps; fi
  awk -v a="$cached" -v b="$uncached" 'BEGIN { printf "platen cached (memory) / uncached (dummy) requests/s: %.2f\n", a / b }'
fi
