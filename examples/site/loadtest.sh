#!/usr/bin/env bash
# Load test of the blog list page (/) on loopback: the platen site (hyper +
# tower + platen-tower, DTL templates) on each fragment cache backend,
# against a peer serving the byte-identical page with axum + minijinja, in
# the same run, one after the other.
#
#   bash examples/site/loadtest.sh     # 3 rounds of 5 s each, 2 threads, 64 connections
#   ROUNDS=5 DURATION=10s CONNECTIONS=32 bash examples/site/loadtest.sh
#   BACKENDS="memory dummy" bash examples/site/loadtest.sh
#
# BACKENDS lists the fragment cache backends of the platen sites measured
# (set with PLATEN_CACHES__DEFAULT__BACKEND): `memory` (the default
# settings), `dummy` (nothing cached: every card and the sidebar render on
# every request), `redis` and `redis_l1` (Redis, without and with the
# in-process copy; the script starts its own redis-server on a free port).
# Default: all four when redis-server is on PATH, else memory and dummy.
#
# The servers are measured in alternation, ROUNDS times each, and the
# median round of each is reported, so that a burst of other work on the
# machine does not decide the comparison.
#
# Bounded in time, 127.0.0.1 only; every server is stopped on exit. Needs
# wrk (apt-get install -y wrk). Not part of `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/../.."

duration=${DURATION:-5s}
rounds=${ROUNDS:-3}
threads=${THREADS:-2}
connections=${CONNECTIONS:-64}
if command -v redis-server >/dev/null; then
  backends=${BACKENDS:-memory dummy redis redis_l1}
else
  backends=${BACKENDS:-memory dummy}
fi
for b in $backends; do
  case $b in
    memory | dummy | redis | redis_l1) ;;
    *) echo "BACKENDS: unknown backend '$b' (memory, dummy, redis, redis_l1)" >&2; exit 2 ;;
  esac
done
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

# Starts server $1 (binary $2, fragment cache $3) on an ephemeral
# 127.0.0.1 port, in this shell (not a subshell), so that the trap knows
# its pid.
start() {
  local vars=()
  case $3 in
    memory | dummy) vars=(PLATEN_CACHES__DEFAULT__BACKEND="$3") ;;
    redis) vars=(PLATEN_CACHES__DEFAULT__BACKEND=redis PLATEN_CACHES__DEFAULT__LOCATION="$redis_url") ;;
    redis_l1) vars=(PLATEN_CACHES__DEFAULT__BACKEND=redis PLATEN_CACHES__DEFAULT__LOCATION="$redis_url" PLATEN_CACHES__DEFAULT__L1=true) ;;
  esac
  env "${vars[@]}" "$2" --addr 127.0.0.1:0 >"$logs/$1.out" 2>"$logs/$1.err" &
  pids+=($!)
}

redis_url=
if [[ " $backends " == *" redis"* ]]; then
  redis_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$logs/redis.out" 2>&1 &
  pids+=($!)
  redis_url="redis://127.0.0.1:$redis_port/0"
  for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.05; done
fi

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

declare -A url
for b in $backends; do start "$b" "$bin/platen-example-site" "$b"; done
start peer "$bin/platen-example-site-peer" memory
for b in $backends peer; do url[$b]=$(url_of "$b"); done

# The same page from all, cold and warm, or the comparison means nothing.
for b in $backends; do
  for _ in cold warm; do
    if ! cmp -s <(curl -sf "${url[$b]}") <(curl -sf "${url[peer]}"); then
      echo "the list pages of platen ($b) and the minijinja peer differ" >&2
      exit 1
    fi
  done
done
bytes=$(curl -sf "${url[peer]}" | wc -c)

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
declare -A runs
for round in $(seq "$rounds"); do
  line="round $round:"
  for b in $backends peer; do
    r=$(measure "${url[$b]}")
    runs[$b]+="$r"$'\n'
    line+=" $b $r;"
  done
  echo "$line  (requests/s p99-ms)"
done

# The median of column $1 over the lines on standard input.
median() { grep . | sort -n -k"$1" | awk -v c="$1" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'; }
label() {
  case $1 in
    memory) echo "platen, fragments cached in memory" ;;
    dummy) echo "platen, uncached (dummy cache)" ;;
    redis) echo "platen, fragments cached in Redis" ;;
    redis_l1) echo "platen, fragments cached in Redis with l1" ;;
    peer) echo "axum + minijinja" ;;
  esac
}
printf '\n| server (median of %s rounds) | requests/s | p99 latency |\n|---|---:|---:|\n' "$rounds"
declare -A rps
for b in $backends peer; do
  rps[$b]=$(printf '%s' "${runs[$b]}" | median 1)
  printf '| %s | %.0f | %s ms |\n' "$(label "$b")" "${rps[$b]}" "$(printf '%s' "${runs[$b]}" | median 2)"
done
echo
for b in $backends; do
  awk -v a="${rps[$b]}" -v b="${rps[peer]}" -v n="$b" 'BEGIN { printf "platen (%s) / minijinja requests/s: %.2f\n", n, a / b }'
done
if [ -n "${rps[dummy]:-}" ]; then
  for b in $backends; do
    [ "$b" = dummy ] && continue
    awk -v a="${rps[$b]}" -v b="${rps[dummy]}" -v n="$b" 'BEGIN { printf "platen cached (%s) / uncached (dummy) requests/s: %.2f\n", n, a / b }'
  done
fi
