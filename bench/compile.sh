#!/usr/bin/env bash
# Benchmark: `netpolc compile` on generated programs of N namespaces with ten statements
# each (`compiler/examples/gen_program.rs`), N = 100, 1000 (default), pinned to one core.
#
#   bash bench/compile.sh
#   SIZES="1000 5000" RUNS=3 bash bench/compile.sh
#
# Three measurements per size, median of RUNS runs (default 5), peak RSS by /usr/bin/time:
#   stdout:    compile and print every policy (`--stdout`): the compiler's own work;
#   fresh:     compile into an empty directory (writes and fsyncs every file);
#   unchanged: compile again into that directory (reads and compares, writes nothing).
# No peer applies: NCA analyses policies, it does not compile intent.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
SIZES="${SIZES:-100 1000}"
RUNS="${RUNS:-5}"
command -v taskset >/dev/null || { echo "bench: taskset is missing (util-linux)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }

cargo build --release --quiet --bin netpolc --example gen_program
netpolc="$root/target/release/netpolc"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# median SECONDS of RUNS runs of "$@", and the largest RSS in MB; `before` runs first each time.
measure() {
    local before="$1"; shift
    local times=() rss=0
    for _ in $(seq "$RUNS"); do
        eval "$before"
        local start end kb
        start=$(date +%s.%N)
        /usr/bin/time -f %M -o "$work/rss" taskset -c 0 "$@" >/dev/null 2>&1
        end=$(date +%s.%N)
        times+=("$(echo "$end - $start" | bc)")
        kb=$(cat "$work/rss")
        (( kb > rss )) && rss=$kb
    done
    local median
    median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
    printf '%.2f s, %d MB' "$median" "$(( rss / 1024 ))"
}

echo "| namespaces | statements | policies | --stdout | -o DIR (fresh) | -o DIR (unchanged) |"
echo "|---:|---:|---:|---:|---:|---:|"
for n in $SIZES; do
    "$root/target/release/examples/gen_program" "$n" "$work/program.npl"
    statements=$(grep -c '^  ' "$work/program.npl")
    policies=$("$netpolc" compile "$work/program.npl" --stdout 2>/dev/null | grep -c '^kind: NetworkPolicy')
    stdout=$(measure ":" "$netpolc" compile "$work/program.npl" --stdout)
    fresh=$(measure "rm -rf '$work/out'" "$netpolc" compile "$work/program.npl" -o "$work/out")
    unchanged=$(measure ":" "$netpolc" compile "$work/program.npl" -o "$work/out")
    echo "| $n | $statements | $policies | $stdout | $fresh | $unchanged |"
    echo "bench: N=$n done" >&2
done
