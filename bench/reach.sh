#!/usr/bin/env bash
# Benchmark: `netpolc reach` against NCA (network-config-analyzer) on the
# realistic clusters of `examples/gen_cluster.rs`, N = 5, 20, 50, 100 application
# namespaces (about 8.5 workloads and 9 NetworkPolicies per namespace).
#
#   bash bench/reach.sh            # all sizes
#   SIZES="5 20" bash bench/reach.sh
#
# Every command runs pinned to one core (taskset -c 0). Wall time is measured
# by bash around the command; peak RSS by /usr/bin/time (%M). netpolc runs
# RUNS times (default 5) and the median time and the largest RSS are reported;
# NCA runs once. NCA is skipped at a size when it took more than NCA_BUDGET
# seconds (default 180) at the previous size, and is given at most NCA_TIMEOUT
# seconds (default 1800) per run. NCA comes from NETPOLC_NCA, else from
# .ci/peers.sh. Prints a markdown table on stdout, progress on stderr.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
SIZES="${SIZES:-5 20 50 100}"
RUNS="${RUNS:-5}"
NCA_BUDGET="${NCA_BUDGET:-180}"
NCA_TIMEOUT="${NCA_TIMEOUT:-1800}"

if [[ ! -x /usr/bin/time ]]; then
    echo "bench: /usr/bin/time is missing (apt-get install time)" >&2
    exit 2
fi
command -v taskset >/dev/null || { echo "bench: taskset is missing (util-linux)" >&2; exit 2; }

cargo build --release --quiet --bin netpolc --example gen_cluster
netpolc="$root/target/release/netpolc"
gen="$root/target/release/examples/gen_cluster"
nca="${NETPOLC_NCA:-}"
if [[ -z "$nca" ]]; then
    nca="$(bash .ci/peers.sh)"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# measure OUT_PREFIX CMD... : runs CMD pinned to core 0, stdout to /dev/null;
# sets SECS (wall, 3 decimals), RSS_MB and RC.
measure() {
    local t0 t1
    t0=$EPOCHREALTIME
    set +e
    /usr/bin/time -f "%M" -o "$work/rss" taskset -c 0 "$@" >/dev/null 2>"$work/stderr"
    RC=$?
    set -e
    t1=$EPOCHREALTIME
    SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    RSS_MB=$(awk 'END { printf "%.0f", $1 / 1024 }' "$work/rss")
}

echo "| N | namespaces | workloads | policies | netpolc time | netpolc max RSS | NCA time | NCA max RSS |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
nca_last=0
for n in $SIZES; do
    dir="$work/realistic-$n"
    summary="$("$gen" realistic "$n" "$dir" 2>&1)"
    # "gen_cluster: A namespaces, B workloads, C policies -> DIR"
    read -r nns nwl npol < <(echo "$summary" | sed -E 's/.*: ([0-9]+) namespaces, ([0-9]+) workloads, ([0-9]+) policies.*/\1 \2 \3/')

    times=()
    rss_max=0
    for _ in $(seq "$RUNS"); do
        measure "$netpolc" reach "$dir" -o json
        if [[ $RC -ne 0 ]]; then
            echo "bench: netpolc failed at N=$n:" >&2
            cat "$work/stderr" >&2
            exit 1
        fi
        times+=("$SECS")
        (( RSS_MB > rss_max )) && rss_max=$RSS_MB
    done
    median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    echo "bench: N=$n netpolc ${median}s ${rss_max}MB" >&2

    if awk -v t="$nca_last" -v b="$NCA_BUDGET" 'BEGIN { exit !(t > b) }'; then
        nca_time="skipped (>${NCA_BUDGET}s at previous N)"
        nca_rss="-"
        nca_last=999999
    else
        measure timeout "$NCA_TIMEOUT" "$nca" --connectivity -r "$dir" -o txt_no_fw_rules
        if [[ $RC -eq 124 ]]; then
            nca_time="timeout (>${NCA_TIMEOUT}s)"
            nca_rss="-"
            nca_last=999999
        elif [[ $RC -ne 0 ]]; then
            nca_time="failed (exit $RC)"
            nca_rss="${RSS_MB} MB"
            nca_last=$SECS
        else
            nca_time="${SECS} s"
            nca_rss="${RSS_MB} MB"
            nca_last=$SECS
        fi
        echo "bench: N=$n NCA $nca_time $nca_rss" >&2
    fi
    echo "| $n | $nns | $nwl | $npol | ${median} s | ${rss_max} MB | $nca_time | $nca_rss |"
done
